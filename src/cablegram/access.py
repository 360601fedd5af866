"""Access control: who may read which cable, and which of its paragraphs.

The policy in one place, used by every read path (the desk, the web app, the API):

- a reader has a clearance (UNCLASSIFIED < CONFIDENTIAL < SECRET < TOP SECRET) and caveat
  accesses (NOFORN, EXDIS, NODIS, ...);
- `can_read(reader, cable)`: the cable's classification is at most the clearance and the reader
  holds each restricting caveat the cable carries. A cable the reader cannot read does not exist
  for them (the archive applies `access_filter(reader)` in SQL, so not even counts include it);
- `redact(cable, reader)`: a readable cable whose paragraphs (or subject) carry a portion mark
  above the reader (`(S)` in a cable marked CONFIDENTIAL, `(C//NF)` for a reader without NOFORN)
  keeps each such paragraph's number and marking, its heading and text replaced by a withheld
  notice; a summary or comment drawn from it goes too.

`reader` is a `cablegram.desk.people.User`, an `AccessFilter`, or None (no control: sees all).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Protocol

from cablegram.archive.base import RESTRICTING_CAVEATS, AccessFilter
from cablegram.model import Cable, Paragraph

__all__ = [
    "WITHHELD",
    "access_filter",
    "cable_rank",
    "can_read",
    "is_classified",
    "needs_redaction",
    "portion",
    "portion_visible",
    "redact",
]

#: The text that stands for a paragraph the reader may not see.
WITHHELD = "[withheld: portion marked ({marking}) is above your clearance or outside your caveats]"
_WITHHELD_SUBJECT = "[subject withheld]"
_LEVELS = {"U": 0, "UNCLASSIFIED": 0, "SBU": 0, "LOU": 0, "FOUO": 0, "C": 1, "CONFIDENTIAL": 1,
           "S": 2, "SECRET": 2, "TS": 3, "TOP SECRET": 3}
_CAVEAT_ABBREV = {"NF": "NOFORN", "NOFORN": "NOFORN", "ND": "NODIS", "NODIS": "NODIS", "XD": "EXDIS",
                  "EXDIS": "EXDIS", "OC": "ORCON", "ORCON": "ORCON", "LIMDIS": "LIMDIS", "STADIS": "STADIS"}
_SPLIT = re.compile(r"\s*/+\s*")
RANKS = {"UNCLASSIFIED": 0, "CONFIDENTIAL": 1, "SECRET": 2, "TOP SECRET": 3}


class _UserLike(Protocol):
    clearance: str
    caveats: frozenset[str]


Reader = _UserLike | AccessFilter | None


def portion(marking: str | None) -> tuple[int, frozenset[str]]:
    """A portion mark's level and restricting caveats: `S/NF` -> (2, {NOFORN}); `U` -> (0, {});
    an unknown level counts as TOP SECRET (fail closed), None as UNCLASSIFIED."""
    if not marking:
        return 0, frozenset()
    parts = [p for p in _SPLIT.split(marking.strip().upper()) if p]
    if not parts:
        return 0, frozenset()
    level = _LEVELS.get(parts[0], 3)
    caveats = frozenset(_CAVEAT_ABBREV[p] for p in parts[1:] if p in _CAVEAT_ABBREV)
    return level, caveats


def cable_rank(cable: Cable) -> int:
    """The rank of the cable's classification line (unknown: TOP SECRET, fail closed)."""
    if cable.classification is None:
        return 0
    return RANKS.get(cable.classification.upper(), 3)


def is_classified(cable: Cable) -> bool:
    """Whether the cable is CONFIDENTIAL or above, or carries a restricting caveat."""
    return cable_rank(cable) > 0 or bool(set(cable.caveats) & RESTRICTING_CAVEATS)


def access_filter(reader: Reader) -> AccessFilter | None:
    """The archive's `AccessFilter` for a reader (None stays None: no control)."""
    if reader is None or isinstance(reader, AccessFilter):
        return reader
    return AccessFilter(max_rank=RANKS.get(reader.clearance.upper(), 0),
                        caveats=frozenset(c.upper() for c in reader.caveats))


def can_read(reader: Reader, cable: Cable) -> bool:
    """Whether the cable exists for this reader: level and restricting caveats."""
    f = access_filter(reader)
    if f is None:
        return True
    return cable_rank(cable) <= f.max_rank and not (set(cable.caveats) & f.forbidden)


def portion_visible(reader: Reader, marking: str | None) -> bool:
    """Whether a portion with this mark may be shown to the reader."""
    f = access_filter(reader)
    if f is None:
        return True
    level, caveats = portion(marking)
    return level <= f.max_rank and not (caveats & f.forbidden)


def needs_redaction(reader: Reader, cable: Cable) -> bool:
    """Whether some portion of a readable cable is above the reader."""
    if access_filter(reader) is None:
        return False
    return not portion_visible(reader, cable.subject_marking) or any(
        not portion_visible(reader, p.marking) for p in cable.paragraphs)


def _withheld(p: Paragraph) -> Paragraph:
    return Paragraph(p.number, p.marking, None, WITHHELD.format(marking=p.marking or "?"))


def redact(cable: Cable, reader: Reader) -> Cable:
    """The cable as this reader may see it: portions above them withheld with their marking kept.

    Raises PermissionError when the reader may not read the cable at all (callers hide those)."""
    if not can_read(reader, cable):
        raise PermissionError(f"{cable.reference_id} is above this reader")
    if not needs_redaction(reader, cable):
        return cable
    hidden = [p for p in cable.paragraphs if not portion_visible(reader, p.marking)]
    paragraphs = tuple(_withheld(p) if p in hidden else p for p in cable.paragraphs)

    shown = " ".join(p.text for p in cable.paragraphs if p not in hidden)

    def drawn_from_hidden(text: str | None) -> bool:
        # fail closed: keep a summary or comment only when the visible paragraphs hold all of it
        return bool(text) and text not in shown  # type: ignore[operator]

    changes: dict[str, Any] = {"paragraphs": paragraphs, "defects": ()}
    if not portion_visible(reader, cable.subject_marking):
        changes["subject"] = _WITHHELD_SUBJECT
    if drawn_from_hidden(cable.summary):
        changes["summary"] = None
    if drawn_from_hidden(cable.comment):
        changes["comment"] = None
    return replace(cable, **changes)
