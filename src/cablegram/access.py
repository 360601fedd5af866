"""Access control: who may read which cable, and which of its parts. The one gate.

Every access decision goes through `allowed(reader, marking)` (as Datasette's
`permission_allowed`): a reader has a clearance (UNCLASSIFIED < CONFIDENTIAL < SECRET < TOP
SECRET) and caveat accesses (NOFORN, EXDIS, NODIS, ...); a `Marking` (a rank and restricting
caveats) is allowed when its rank is at most the clearance and the reader holds each of its caveats.

- `can_read(reader, cable)`: the cable's own marking (classification line and caveats; an
  unknown or missing classification ranks TOP SECRET). A cable the reader cannot read does not
  exist for them (the archive applies `access_filter(reader)` in SQL, so not even counts include it).
- `redact(cable, reader)`: a part of a readable cable is shown only when the reader may see every
  portion mark in it (fail closed). Marks count wherever they appear in the text, not only at a
  paragraph's start: after a sub-paragraph label (`¶A. (S/NF)`, `3. (S/NF)`, `G - J) (S//NF)`),
  in sub-paragraphs the parser merged, in a heading, subject, REF line, note or comment. A paragraph
  without a mark takes the cable's level and caveats. The cable's level caps a mark's level: a
  mark above the classification line cannot be a portion mark (in an UNCLASSIFIED cable `(C)` is
  the third item of a list and `(S/P)` an office), but a restricting caveat in a mark always counts.
  A withheld paragraph keeps its number and marking, its heading and text replaced by a notice.

`reader` is a `cablegram.desk.people.User`, an `AccessFilter`, or None (no control: sees all).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Protocol

from cablegram.archive.base import AccessFilter
from cablegram.directory.classification import (
    CLASSIFICATION_RANKS,
    PORTION_CAVEATS,
    PORTION_LEVELS,
    RESTRICTING_CAVEATS,
    UNKNOWN_RANK,
    rank_or_highest,
)
from cablegram.model import Cable, Paragraph, Reference

__all__ = [
    "WITHHELD",
    "WITHHELD_TEXT",
    "Marking",
    "access_filter",
    "allowed",
    "cable_marking",
    "cable_rank",
    "can_read",
    "hidden_marks",
    "is_classified",
    "is_withheld",
    "marks_in",
    "needs_redaction",
    "paragraph_visible",
    "portion",
    "portion_visible",
    "redact",
    "shown_text",
    "text_visible",
]

#: The text that stands for a paragraph the reader may not see.
WITHHELD = "[withheld: portion marked {marking} is above your clearance or outside your caveats]"
_WITHHELD_PREFIX = WITHHELD.split("(", 1)[0]
_WITHHELD_SUBJECT = "[subject withheld]"
#: What a withheld REF item, note or line says in place of its text.
WITHHELD_TEXT = "[withheld]"
_SPLIT = re.compile(r"[\s/,.-]+")
# A portion mark anywhere in a text: a level abbreviation in parentheses, alone or followed by
# caveats after `/`, `//`, `-` or a space (`(S/NF)`, `(S//FGI//NF)`, `(C NF)`, `(s/nf)`).
_LEVEL_WORDS = "|".join(sorted((re.escape(w) for w in PORTION_LEVELS), key=len, reverse=True))
# Separators and words never overlap, so the match is linear (no backtracking blow-up).
_MARK = re.compile(rf"\(\s*((?:{_LEVEL_WORDS})(?:[\s/,.-]+[A-Za-z0-9]+){{0,12}})\s*\)", re.I)


class _UserLike(Protocol):
    clearance: str
    caveats: frozenset[str]


Reader = _UserLike | AccessFilter | None


@dataclass(frozen=True, slots=True)
class Marking:
    """What a cable or portion is marked: a rank (0-3) and the restricting caveats it carries."""

    rank: int
    caveats: frozenset[str] = frozenset()


def access_filter(reader: Reader) -> AccessFilter | None:
    """The archive's `AccessFilter` for a reader (None stays None: no control). An unknown
    clearance is UNCLASSIFIED (the reader is trusted with the least)."""
    if reader is None or isinstance(reader, AccessFilter):
        return reader
    clearance = (reader.clearance or "").upper()
    return AccessFilter(max_rank=CLASSIFICATION_RANKS.get(clearance, 0),
                        caveats=frozenset(c.upper() for c in reader.caveats), restricting=RESTRICTING_CAVEATS)


def allowed(reader: Reader, marking: Marking) -> bool:
    """The gate: whether the reader may see what carries `marking`."""
    f = access_filter(reader)
    if f is None:
        return True
    return marking.rank <= f.max_rank and not (marking.caveats & f.forbidden)


@lru_cache(maxsize=4096)  # a few hundred distinct marks, looked up for every paragraph
def portion(marking: str | None) -> tuple[int, frozenset[str]]:
    """A portion mark's level and restricting caveats: `S/NF` -> (2, {NOFORN}); `U` -> (0, {});
    an unknown level counts as TOP SECRET (fail closed), None as UNCLASSIFIED."""
    if not marking:
        return 0, frozenset()
    parts = [p for p in _SPLIT.split(marking.strip().upper()) if p]
    if not parts:
        return 0, frozenset()
    if parts[:2] == ["TOP", "SECRET"]:
        parts = ["TS", *parts[2:]]
    level = PORTION_LEVELS.get(parts[0], UNKNOWN_RANK)
    caveats = frozenset(PORTION_CAVEATS[p] for p in parts[1:] if p in PORTION_CAVEATS)
    return level, caveats


def cable_rank(cable: Cable) -> int:
    """The rank of the cable's classification line (unknown or missing: TOP SECRET, fail closed)."""
    return rank_or_highest(cable.classification)


def cable_marking(cable: Cable) -> Marking:
    """The cable's own marking: its classification line and its restricting caveats."""
    return Marking(cable_rank(cable), frozenset(c.upper() for c in cable.caveats) & RESTRICTING_CAVEATS)


def is_classified(cable: Cable) -> bool:
    """Whether the cable is CONFIDENTIAL or above, or carries a restricting caveat."""
    m = cable_marking(cable)
    return m.rank > 0 or bool(m.caveats)


def can_read(reader: Reader, cable: Cable) -> bool:
    """Whether the cable exists for this reader: level and restricting caveats."""
    return allowed(reader, cable_marking(cable))


def _effective(mark: str | None, cable: Marking) -> Marking:
    """What a portion mark means in a cable: no mark takes the cable's marking; a level above the
    cable's is capped at it (it cannot be a portion mark); restricting caveats always count."""
    if not mark:
        return cable
    level, caveats = portion(mark)
    return Marking(min(level, cable.rank), caveats)


class _Judge:
    """One reader and one cable: the gate's answers for the cable's marks (work done once)."""

    __slots__ = ("f", "own")

    def __init__(self, reader: Reader, cable: Cable) -> None:
        self.f = access_filter(reader)
        self.own = cable_marking(cable)

    def mark_ok(self, mark: str | None) -> bool:
        return allowed(self.f, _effective(mark, self.own))

    def hidden(self, *texts: str | None) -> list[str]:
        if self.f is None:
            return []
        return [m for t in texts for m in marks_in(t) if not self.mark_ok(m)]

    def paragraph_hidden(self, p: Paragraph) -> list[str]:
        """The marks of `p` above the reader: its own (unmarked: the cable's) and any in its text."""
        return ([] if self.mark_ok(p.marking) else [p.marking or "?"]) + self.hidden(p.heading, p.text)

    def needs_redaction(self, cable: Cable, raw: str | None) -> bool:
        if self.f is None:
            return False
        return not self.mark_ok(cable.subject_marking) or bool(self.hidden(cable.subject, raw)) or \
            any(self.paragraph_hidden(p) for p in cable.paragraphs) or bool(self.hidden(*_other_texts(cable)))


def portion_visible(reader: Reader, marking: str | None, cable: Cable | None = None) -> bool:
    """Whether a portion with this mark may be shown to the reader (in `cable`: capped and
    defaulted by its marking; without one, the mark as it stands, no mark UNCLASSIFIED)."""
    if cable is None:
        level, caveats = portion(marking)
        return allowed(reader, Marking(level, caveats))
    return _Judge(reader, cable).mark_ok(marking)


def marks_in(text: str | None) -> list[str]:
    """Every portion mark in a text, as written (`'(S/NF) a ... (C) b'` -> ['S/NF', 'C'])."""
    return [m.group(1) for m in _MARK.finditer(text)] if text and "(" in text else []


def hidden_marks(reader: Reader, cable: Cable, *texts: str | None) -> list[str]:
    """The marks in `texts` that the reader may not see, capped by `cable`'s level."""
    return _Judge(reader, cable).hidden(*texts)


def text_visible(reader: Reader, cable: Cable, text: str | None) -> bool:
    """Whether every mark in `text` (of `cable`) is one the reader may see."""
    return not hidden_marks(reader, cable, text)


def paragraph_visible(reader: Reader, cable: Cable, p: Paragraph) -> bool:
    """Whether the reader may see every mark of the paragraph (at its start and in its text)."""
    return not _Judge(reader, cable).paragraph_hidden(p)


def _other_texts(cable: Cable) -> Iterable[str | None]:
    yield from (r.text for r in cable.references)
    yield from cable.notes
    yield from cable.signers
    yield cable.summary
    yield cable.comment
    yield cable.eo.text if cable.eo else None
    yield cable.classified_by.text if cable.classified_by else None


def needs_redaction(reader: Reader, cable: Cable, raw: str | None = None) -> bool:
    """Whether some part of a readable cable (or of its raw text `raw`) is above the reader."""
    return _Judge(reader, cable).needs_redaction(cable, raw)


def is_withheld(p: Paragraph) -> bool:
    """Whether `p` is the notice `redact` left in place of a withheld paragraph."""
    return p.heading is None and p.text.startswith(_WITHHELD_PREFIX) and p.text.endswith("]")


def _withheld(p: Paragraph, marks: list[str]) -> Paragraph:
    return Paragraph(p.number, p.marking, None, WITHHELD.format(marking=marks[0]))


def redact(cable: Cable, reader: Reader) -> Cable:
    """The cable as this reader may see it: parts above them withheld, markings kept.

    Raises PermissionError when the reader may not read the cable at all (callers hide those)."""
    if not can_read(reader, cable):
        raise PermissionError(f"{cable.reference_id} is above this reader")
    judge = _Judge(reader, cable)
    if not judge.needs_redaction(cable, None):
        return cable
    paragraphs = []
    shown_parts = []
    for p in cable.paragraphs:
        marks = judge.paragraph_hidden(p)
        paragraphs.append(_withheld(p, marks) if marks else p)
        if not marks:
            shown_parts.append(p.text)
    shown = " ".join(shown_parts)

    def ok(text: str | None) -> bool:
        return not judge.hidden(text)

    def keep(text: str | None) -> str | None:
        # fail closed: a summary or comment stays only when the visible paragraphs hold all of it
        return text if text and text in shown and ok(text) else None

    changes: dict[str, Any] = {"paragraphs": tuple(paragraphs), "defects": (), "summary": keep(cable.summary),
                               "comment": keep(cable.comment)}
    if not judge.mark_ok(cable.subject_marking) or not ok(cable.subject):
        changes["subject"] = _WITHHELD_SUBJECT
    changes["references"] = tuple(r if ok(r.text) else Reference(r.label, WITHHELD_TEXT, None)
                                  for r in cable.references)
    changes["notes"] = tuple(n if ok(n) else WITHHELD_TEXT for n in cable.notes)
    changes["signers"] = tuple(s for s in cable.signers if ok(s))
    if cable.eo and not ok(cable.eo.text):
        changes["eo"] = replace(cable.eo, text=WITHHELD_TEXT)
    if cable.classified_by and not ok(cable.classified_by.text):
        changes["classified_by"] = replace(cable.classified_by, text=WITHHELD_TEXT, names=(), title=None)
    return replace(cable, **changes)


def shown_text(reader: Reader, cable: Cable, raw: str) -> str:
    """The telegram text of `cable` (parsed from `raw`) as the reader may see it: `raw` itself when
    nothing in the record or the text is above them, else the redacted record re-rendered (never
    the stored original). Raises PermissionError as `redact` does."""
    from cablegram.telegram.render import render

    if not can_read(reader, cable):
        raise PermissionError(f"{cable.reference_id} is above this reader")
    return render(redact(cable, reader)) if needs_redaction(reader, cable, raw) else raw
