"""One lookup for places and organisations by name: folded n-grams, indexed by first word so
a scan tries only the lengths that can match."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from .lexicon import common_words, data_lines, given_names
from .orgs import org_acronyms, org_names
from .places import Place, place_index

__all__ = ["Gazetteer", "gazetteer", "quick_fold"]

_SQUEEZE = re.compile(r"[\s.]+")


@lru_cache(maxsize=131072)
def quick_fold(word: str) -> str:
    """`fold` for one word, fast for ASCII."""
    if word.isascii():
        if "." not in word and "'" not in word:
            return word.lower()
        return _SQUEEZE.sub(" ", word.lower().replace("'", "")).strip()
    from .text import fold

    return fold(word)


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, Place | str]  # folded name -> place or organisation's canonical name
    longest: dict[str, int]  # folded first word -> most words of a name starting with it
    acronyms: dict[str, str]  # ACRONYM (as written) -> organisation
    weak: frozenset[str]  # one-word names that are also common words or given names
    caps_safe: frozenset[str]  # acronyms trusted in all-capitals text too
    vocab: frozenset[str]  # every folded word of every name, and the joiners inside names


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
    common = common_words() | given_names() | frozenset(w.lower() for w in data_lines("not_names.txt"))
    weak = frozenset(k for k, v in names.items() if " " not in k and k in common
                     and not (isinstance(v, Place) and v.kind == "country"))
    # in capitals, an acronym is trusted where it is no word: three letters or more, not a
    # common word, given name or other word that is no name (`AFP`, `PAC`; not `AID`, `ICE`)
    safe = frozenset(_TAG_CODES()) | _CAPS_SAFE | frozenset(
        a for a in org_acronyms() if len(a) >= 3 and a.isalpha() and a.isupper() and a.lower() not in common)
    vocab = frozenset(w for key in names for w in key.split(" ")) | _JOINERS
    return Gazetteer(names, longest, dict(org_acronyms()), weak, safe, vocab)


_JOINERS = frozenset({"of", "the", "and", "de", "del", "la", "el", "al", "for", "y", "do", "da", "dos", "les", "le"})


_CAPS_SAFE = frozenset({"MFA", "MOD", "MOI", "USAID", "DHS", "DOD", "DOE", "UNSC", "UNGA", "NSC", "FCO", "PLA", "GCC",
                        "NATO", "EU", "UN", "IAEA", "OPEC", "OSCE", "OAS", "CIA", "FBI", "DEA", "IMF", "WTO", "ICRC",
                        "UNHCR", "UNDP", "WFP", "ASEAN", "APEC", "ISAF", "FARC", "ELN", "PLO", "HAMAS", "USTR",
                        "SAVAK"})


def _TAG_CODES() -> list[str]:
    import csv
    from importlib import resources

    path = resources.files("cablegram.directory").joinpath("data", "tags.csv")
    with path.open(encoding="utf-8") as f:
        return [r["code"] for r in csv.DictReader(f) if r["kind"] == "organization" and r["code"].isalpha()]
