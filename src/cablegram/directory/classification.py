"""The marking vocabulary, the one copy of it: the classification ladder and its ranks, the
handling caveats (and which of them restrict readers), portion-mark abbreviations, and the
cablegate spelling of all of them. Everything that ranks a classification or reads a caveat
imports it from here; an unknown classification ranks as the highest (fail closed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

__all__ = [
    "CAVEATS",
    "CLASSIFICATIONS",
    "CLASSIFICATION_CAPTIONS",
    "CLASSIFICATION_RANKS",
    "CLASS_FILTER_ALIASES",
    "PORTION_CAVEATS",
    "PORTION_LEVELS",
    "RESTRICTING_CAVEATS",
    "SECURITY_LETTERS",
    "SECURITY_LINES",
    "UNKNOWN_RANK",
    "classification_label",
    "classification_rank",
    "normalize_classification",
    "rank_or_highest",
]

CLASSIFICATIONS = ("UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
#: UNCLASSIFIED 0 < CONFIDENTIAL 1 < SECRET 2 < TOP SECRET 3.
CLASSIFICATION_RANKS = {c: i for i, c in enumerate(CLASSIFICATIONS)}
#: What an unknown or missing classification ranks as: the highest (fail closed).
UNKNOWN_RANK = len(CLASSIFICATIONS) - 1

#: What `class:` in the query language accepts for each cablegate label, spaces removed.
CLASS_FILTER_ALIASES = {"U": "UNCLASSIFIED", "C": "CONFIDENTIAL", "S": "SECRET", "TS": "TOPSECRET",
                        "SBU": "UNCLASSIFIED//FOROFFICIALUSEONLY", "LOU": "LIMITEDOFFICIALUSE"}

#: The classification line as a telegram spells it (`C O N F I D E N T I A L MOSCOW 002629`).
CLASSIFICATION_CAPTIONS = {"UNCLASSIFIED": "UNCLAS", "CONFIDENTIAL": "C O N F I D E N T I A L",
                           "SECRET": "S E C R E T", "TOP SECRET": "T O P S E C R E T"}
#: The routing header's security line (`ZNY CCCCC ZZH`) for each level, and the level each
#: line's letter stands for (E: an unclassified EFTO line).
SECURITY_LINES = {"UNCLASSIFIED": "ZNR UUUUU ZZH", "CONFIDENTIAL": "ZNY CCCCC ZZH", "SECRET": "ZNY SSSSS ZZH",
                  "TOP SECRET": "ZNY TTTTT ZZH"}
SECURITY_LETTERS = {"U": "UNCLASSIFIED", "C": "CONFIDENTIAL", "S": "SECRET", "T": "TOP SECRET", "E": "UNCLASSIFIED"}

#: Caveats that restrict who may read: a reader must hold each one a cable or portion carries.
RESTRICTING_CAVEATS = frozenset({"NOFORN", "NODIS", "EXDIS", "LIMDIS", "ORCON", "STADIS"})

#: The level of a portion mark (`(S/NF)` -> S): the classification abbreviations and the
#: unclassified controls (SBU, FOUO, LOU) that portion marks use.
PORTION_LEVELS = {"U": 0, "UNCLASSIFIED": 0, "UNCLAS": 0, "SBU": 0, "LOU": 0, "FOUO": 0, "C": 1,
                  "CONFIDENTIAL": 1, "S": 2, "SECRET": 2, "TS": 3, "TOP SECRET": 3}
#: A portion mark's caveat parts (`NF` in `(S/NF)`) and the restricting caveat each names.
PORTION_CAVEATS = {"NF": "NOFORN", "NOFORN": "NOFORN", "ND": "NODIS", "NODIS": "NODIS", "XD": "EXDIS",
                   "EXDIS": "EXDIS", "OC": "ORCON", "ORCON": "ORCON", "LIMDIS": "LIMDIS", "STADIS": "STADIS"}

# Handling caveats and distribution captions seen on classification lines. "REL" is followed
# by the countries a cable may be released to ("REL TO USA, GBR" / "REL UK").
CAVEATS: tuple[str, ...] = (
    "SENSITIVE",
    "SBU",
    "FOUO",
    "SIPDIS",
    "NOFORN",
    "NOCONTRACT",
    "ORCON",
    "PROPIN",
    "WNINTEL",
    "REL",
    "EXDIS",
    "NODIS",
    "LIMDIS",
    "STADIS",
    "CONDIS",
    "CHEROKEE",
    "ROGER",
    "DISSENT",
    "EYES ONLY",
    "NOPLUS",
)

# Other spellings of the levels (telegram captions), and Limited Official Use, the unclassified
# administrative control that cablegate shows as FOR OFFICIAL USE ONLY.
_ALIASES = {
    "UNCLAS": "UNCLASSIFIED",
    "UNCLASS": "UNCLASSIFIED",
    "U": "UNCLASSIFIED",
    "CONF": "CONFIDENTIAL",
    "C": "CONFIDENTIAL",
    "S": "SECRET",
    "TS": "TOP SECRET",
    "TOPSECRET": "TOP SECRET",
    "LOU": "UNCLASSIFIED",
    "LIMITED OFFICIAL USE": "UNCLASSIFIED",
    "LIMITEDOFFICIALUSE": "UNCLASSIFIED",
}
_FOR_OFFICIAL_USE = frozenset({"SENSITIVE", "SBU", "FOUO", "LOU", "LIMITED OFFICIAL USE"})


@lru_cache(maxsize=1024)  # the parser squeezes the same few captions and caveats every cable
def _squeeze(text: str) -> str:
    """'C O N F I D E N T I A L' -> 'CONFIDENTIAL'; other text: upper case, single spaces."""
    s = " ".join(text.upper().replace("_", " ").split())
    if re.fullmatch(r"(?:[A-Z] )+[A-Z]", s):
        s = s.replace(" ", "")
    return s


def normalize_classification(classification: str) -> str:
    """One of CLASSIFICATIONS, from a caption ('UNCLAS', 'C O N F I D E N T I A L',
    'SECRET//NOFORN'); ValueError if it is none of them."""
    level = _squeeze(classification.split("//")[0])
    level = _ALIASES.get(level, level)
    if level not in CLASSIFICATIONS:
        raise ValueError(f"unknown classification: {classification!r}")
    return level


def classification_rank(c: str) -> int:
    """0 (UNCLASSIFIED) to 3 (TOP SECRET); ValueError for anything else."""
    return CLASSIFICATIONS.index(normalize_classification(c))


def rank_or_highest(classification: str | None) -> int:
    """`classification_rank`, except that a missing or unknown classification ranks as the
    highest (fail closed): what every access decision uses."""
    if not classification:
        return UNKNOWN_RANK
    try:
        return classification_rank(classification)
    except ValueError:
        return UNKNOWN_RANK


def classification_label(classification: str, caveats: Sequence[str] = ()) -> str:
    """The classification as the cablegate metadata spells it: UNCLASSIFIED with SENSITIVE
    (or SBU) -> 'UNCLASSIFIED//FOR OFFICIAL USE ONLY'; CONFIDENTIAL or SECRET with NOFORN ->
    'CONFIDENTIAL//NOFORN'; otherwise the level alone."""
    raw = _squeeze(classification.split("//")[0])
    level = normalize_classification(classification)
    marks = {_squeeze(c) for c in caveats} | {_squeeze(p) for p in classification.split("//")[1:]}
    if raw in _FOR_OFFICIAL_USE:
        marks.add(raw)
    if level == "UNCLASSIFIED" and marks & (_FOR_OFFICIAL_USE | {"FOR OFFICIAL USE ONLY"}):
        return "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    if level != "UNCLASSIFIED" and "NOFORN" in marks:
        return f"{level}//NOFORN"
    return level
