"""One lookup for places and organisations by name: folded n-grams, indexed by first word so
a scan tries only the lengths that can match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .lexicon import common_words, given_names
from .orgs import org_acronyms, org_names
from .places import Place, place_index

__all__ = ["Gazetteer", "gazetteer", "quick_fold"]

_SQUEEZE = re.compile(r"[\s.]+")


def quick_fold(word: str) -> str:
    """`fold` for one word, fast for ASCII."""
    if word.isascii():
        return _SQUEEZE.sub(" ", word.lower()).strip()
    from .text import fold

    return fold(word)


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, Place | str]  # folded name -> place or organisation's canonical name
    longest: dict[str, int]  # folded first word -> most words of a name starting with it
    acronyms: dict[str, str]  # ACRONYM (as written) -> organisation
    weak: frozenset[str]  # one-word names that are also common words or given names


@cache
def gazetteer() -> Gazetteer:
    names: dict[str, Place | str] = dict(place_index())
    for key, canonical in org_names().items():
        old = names.get(key)
        if not (isinstance(old, Place) and old.kind == "country"):
            names[key] = canonical
    longest: dict[str, int] = {}
    for key in names:
        parts = key.split(" ")
        longest[parts[0]] = max(longest.get(parts[0], 0), len(parts))
    common = common_words() | given_names()
    weak = frozenset(k for k, v in names.items() if " " not in k and k in common
                     and not (isinstance(v, Place) and v.kind == "country"))
    return Gazetteer(names, longest, dict(org_acronyms()), weak)
