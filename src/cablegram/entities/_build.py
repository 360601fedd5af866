"""Regenerate `data/given_names.txt` from the shared dev corpus, leaving out the hand-labelled
cables (so the bench does not measure on names learnt from its own answers):

    python -m cablegram.entities._build ../shared/corpus/cablegate-dev.jsonl.gz tests/entities

(`--orgs` first writes `data/orgs_mined.txt` instead: see `mine_orgs`.)

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
from .orgs import HEAD_RX, acronym_definitions, org_acronyms, org_names
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




# Long forms that are a title, a treaty or a resolution, though they have a head word.
_NOT_BODY = re.compile(r"^(?:Chief|Head|Director|Secretary|Minister)\b|\b(?:Agreement|Treaty|Act|Resolutions?)$")


def mine_orgs(corpus: str, labels: str) -> int:
    """Regenerate `data/orgs_mined.txt`: organisations with an acronym that dev cables outside the
    labelled set define (`the National Democratic Party (NDP)`) in at least three cables, always
    (three times in four) with one long form that has an organisation's head word.

        python -m cablegram.entities._build --orgs ../shared/corpus/cablegate-dev.jsonl.gz tests/entities
    """
    skip = {p.stem for p in Path(labels).glob("*.yaml")}
    defined: Counter[tuple[str, str]] = Counter()
    spelled: dict[tuple[str, str], Counter[str]] = {}
    for record in read_path(corpus):
        cable = parse(record.text)
        if cable.reference_id in skip or (record.source.get("metadata") or {}).get("reference_id") in skip:
            continue
        seen: set[tuple[str, str]] = set()
        for _, text in pieces(cable):
            if "(" in text:
                for acro, name in acronym_definitions(text, is_caps(text)).items():
                    seen.add((acro, fold(name)))
                    spelled.setdefault((acro, fold(name)), Counter())[name] += 1
        defined.update(seen)
    by_acronym: dict[str, Counter[str]] = {}
    for (acro, key), n in defined.items():
        by_acronym.setdefault(acro, Counter())[key] = n
    known, common = org_acronyms(), common_words()
    lines = []
    for acro, keys in sorted(by_acronym.items()):
        key, n = keys.most_common(1)[0]
        name = spelled[(acro, key)].most_common(1)[0][0]
        if (n >= 3 and n * 4 >= 3 * sum(keys.values()) and acro not in known and acro.lower() not in common
                and sum(c.isupper() for c in acro) >= 3 and len(name.split()) >= 2 and HEAD_RX.search(name)
                and not _NOT_BODY.search(name) and key not in place_index()):
            lines.append(f"{name} | {acro}")
    out = Path(__file__).with_name("data") / "orgs_mined.txt"
    out.write_text("# organisation | ACRONYM: defined so in >= 3 dev cables outside tests/entities "
                   "(see _build.py mine_orgs)\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} organisations -> {out}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--orgs"]:
        sys.exit(mine_orgs(*sys.argv[2:4]))
    sys.exit(main(*sys.argv[1:3]))
