"""Synthetic cables: realistic, invented telegrams for demos and tests.

    >>> from cablegram.synth import synthesize
    >>> items = synthesize(100, seed=1)            # doctest: +SKIP
    >>> items[0].cable.reference_id, items[0].text[:12]

Real posts, routing indicators, TAGS, date-time groups and classification markings (from
`cablegram.directory`); invented people and sentences. Each record is written with
`cablegram.telegram.render.render`, so reading the output back exercises the whole parse path,
and `parse(item.text)` gives `item.cable` back. A few cables are re-released with changes (an
earlier text without its `Classified By` line), so archives built from them have versions.
The same `seed` gives the same cables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from typing import IO

from cablegram.synth.generate import Generator, Synthetic
from cablegram.telegram.render import render

__all__ = ["FINAL_RELEASE", "Generator", "Synthetic", "synthesize", "write_jsonl", "write_text"]

#: The release date of the current text of every synthetic cable.
FINAL_RELEASE = "2011-08-30"
_EARLY_RELEASES = ("2010-11-28", "2010-12-02", "2010-12-17", "2011-01-12", "2011-02-08")


def synthesize(n: int, *, seed: int = 0, versions: float = 0.04) -> list[Synthetic]:
    """`n` synthetic cables in date order, plus earlier texts of about `versions` of the
    classified ones (each placed right before its current text, with an earlier release date)."""
    gen = Generator(seed)
    out: list[Synthetic] = []
    for cable in gen.generate(n):
        if cable.classified_by is not None and gen.rng.random() < versions * 2:
            first = replace(cable, classified_by=None)
            out.append(Synthetic(first, render(first), gen.rng.choice(_EARLY_RELEASES)))
        out.append(Synthetic(cable, render(cable), FINAL_RELEASE))
    return out


def write_jsonl(items: Iterable[Synthetic], stream: IO[str]) -> int:
    """Write one JSON object a line (`text` plus the metadata a cablegate row has); return
    the number written. `cablegram.sources` reads it as JSONL."""
    n = 0
    for item in items:
        c = item.cable
        row = {"reference_id": c.reference_id, "created": (c.created or "")[:16].replace("T", " "),
               "released": item.released, "classification": c.classification_label,
               "origin": c.origin.label, "text": item.text}
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_text(items: Iterable[Synthetic], stream: IO[str]) -> int:
    """Write the telegrams as one text dump, separated by form feeds; return the number written."""
    n = 0
    for item in items:
        if n:
            stream.write("\f\n")
        stream.write(item.text)
        n += 1
    return n
