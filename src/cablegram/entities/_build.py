"""Regenerate `data/given_names.txt` from the shared dev corpus, leaving out the hand-labelled
cables (so the bench does not measure on names learnt from its own answers):

    python -m cablegram.entities._build ../shared/corpus/cablegate-dev.jsonl.gz tests/entities

A given name is the first word of a name the record carries (classified-by) or that follows a
title (`Ambassador John Beyrle`), seen in at least two cables.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from cablegram.sources import read_path
from cablegram.telegram import parse

from .lexicon import common_words
from .people import titled_names
from .text import fold, is_caps, pieces


def main(corpus: str, labels: str) -> int:
    skip = {p.stem for p in Path(labels).glob("*.yaml")}
    seen: Counter[str] = Counter()
    for record in read_path(corpus):
        cable = parse(record.text)
        if cable.reference_id in skip or (record.source.get("metadata") or {}).get("reference_id") in skip:
            continue
        found: set[str] = set()
        names = list(cable.classified_by.names) if cable.classified_by else []
        for _, text in pieces(cable):
            names.extend(titled_names(text, is_caps(text)))
        for name in names:
            words = name.split()
            if len(words) >= 2 and re.fullmatch(r"[A-Za-zÀ-ÿ'-]{3,}", words[0]):
                found.add(fold(words[0]))
        seen.update(found)
    common = common_words()
    keep = sorted(w for w, n in seen.items() if n >= 2 and w not in common)
    out = Path(__file__).with_name("data") / "given_names.txt"
    out.write_text("# first names seen in >= 2 dev cables outside tests/entities (see _build.py)\n"
                   + "\n".join(keep) + "\n", encoding="utf-8")
    print(f"{len(keep)} given names -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
