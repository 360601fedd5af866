"""TAGS codes (Traffic Analysis by Geography and Subject): what they mean and what kind they are.

Country codes are FIPS 10-4 (`data/countries.csv`); subject, program (K*) and organisation
codes, and a few regional and non-standard geographic codes, are in `data/tags.csv`.
"""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from ._data import read_csv

__all__ = ["TAG_KINDS", "is_known_tag", "search_tags", "tag_kind", "tag_meaning"]

TAG_KINDS = ("country", "subject", "organization", "program")


class _Tag(NamedTuple):
    kind: str
    meaning: str


@cache
def _tags() -> dict[str, _Tag]:
    table = {row["code"]: _Tag("country", row["name"]) for row in read_csv("countries.csv")}
    for row in read_csv("tags.csv"):
        table.setdefault(row["code"], _Tag(row["kind"], row["meaning"]))
    return table


def _norm(code: str) -> str:
    return code.strip().upper()


def tag_meaning(code: str) -> str | None:
    """What a TAGS code means: 'PGOV' -> 'Internal Governmental Affairs', 'RS' -> 'Russia'."""
    tag = _tags().get(_norm(code))
    return tag.meaning if tag else None


def tag_kind(code: str) -> str | None:
    """'country', 'subject', 'organization' or 'program' (the K* tags); None if unknown."""
    tag = _tags().get(_norm(code))
    return tag.kind if tag else None


def is_known_tag(code: str) -> bool:
    return _norm(code) in _tags()


def search_tags(words: str) -> list[str]:
    """Codes whose meaning contains all the words (case-insensitive), in code order:
    'internal governmental affairs' -> ['PGOV']."""
    wanted = [w for w in re.split(r"\W+", words.lower()) if w]
    if not wanted:
        return []
    hits = []
    for code, tag in _tags().items():
        meaning_words = set(re.split(r"\W+", tag.meaning.lower()))
        if all(any(m.startswith(w) for m in meaning_words) for w in wanted):
            hits.append(code)
    return sorted(hits)
