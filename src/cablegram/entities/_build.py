"""Regenerate `data/given_names.txt` from the shared dev corpus, leaving out the hand-labelled
cables (so the bench does not measure on names learnt from its own answers):

    python -m cablegram.entities._build ../shared/corpus/cablegate-dev.jsonl.gz tests/entities

A given name is the first word of a name the record carries (classified-by) or that follows a
title (`Ambassador John Beyrle`), seen in at least two cables. The same pass writes
`data/known_people.txt`: surnames named after a title or on a classified-by line in at least three
cables (`Mubarak`, `Lula`), which extraction then finds bare too. Surnames that are common words,
given names or places are left out: alone, they say too little.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from cablegram.sources import read_path
from cablegram.telegram import parse

from .lexicon import common_words, data_lines
from .orgs import org_names
from .people import clean_name, person_key, titled_names
from .places import place_index
from .text import fold, is_caps, pieces


def main(corpus: str, labels: str) -> int:
    skip = {p.stem for p in Path(labels).glob("*.yaml")}
    seen: Counter[str] = Counter()
    surnames: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    for record in read_path(corpus):
        cable = parse(record.text)
        if cable.reference_id in skip or (record.source.get("metadata") or {}).get("reference_id") in skip:
            continue
        found: set[str] = set()
        names = list(cable.classified_by.names) if cable.classified_by else []
        for _, text in pieces(cable):
            names.extend(titled_names(text, is_caps(text)))
        keys: set[str] = set()
        for name in map(clean_name, names):
            key = person_key(name)
            if key:
                keys.add(key)
                spelled.setdefault(key, Counter())[name.split()[-1]] += 1
            words = name.split()
            if len(words) >= 2 and re.fullmatch(r"[A-Za-zÀ-ÿ'-]{3,}", words[0]):
                found.add(fold(words[0]))
        seen.update(found)
        surnames.update(keys)
    common = common_words()
    keep = sorted(w for w, n in seen.items() if n >= 2 and w not in common)
    out = Path(__file__).with_name("data") / "given_names.txt"
    out.write_text("# first names seen in >= 2 dev cables outside tests/entities (see _build.py)\n"
                   + "\n".join(keep) + "\n", encoding="utf-8")
    print(f"{len(keep)} given names -> {out}")
    given = set(keep)
    titles = {fold(w) for t in data_lines("titles.txt") for w in t.split()}
    not_names = {fold(w) for w in data_lines("not_names.txt")}
    places = set(place_index())
    places |= {w for k, p in place_index().items() if p.kind in ("country", "post") for w in k.split()}
    places |= {w for k in org_names() for w in k.split()}  # `Royal`, `Corporation`
    known = sorted(
        f"{key}|{spelled[key].most_common(1)[0][0]}" for key, n in surnames.items()
        if n >= 3 and len(key) >= 3 and key.isalpha()
        and not ({key} & (common | given | titles | not_names) or key in places)
    )
    out = Path(__file__).with_name("data") / "known_people.txt"
    out.write_text("# surname key|spelling: named after a title in >= 3 dev cables outside tests/entities "
                   "(see _build.py)\n" + "\n".join(known) + "\n", encoding="utf-8")
    print(f"{len(known)} known surnames -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
