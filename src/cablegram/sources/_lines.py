"""What the text reader tells from one line: routing-header starts, body evidence, the
date-time groups and serials that name a telegram. Only short lines are tried against these
patterns (header, marking and metadata lines are short), so none ever runs over a huge line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = [
    "BODY", "DTG_LINE", "EMAIL", "MARKING", "VZCZC", "Identity", "full", "identity", "prose", "starts",
]

VZCZC = re.compile(r"\s*VZCZC")
DTG_LINE = re.compile(
    r"\s*(?:[ZOPR]{1,2}\s+){1,2}\d{6}Z\s+(?:[A-Z]{3}|\d{2})\s+\d{2,4}\s*", re.IGNORECASE
)
MARKING = (
    r"(?:UNCLAS(?:SIFIED)?|LIMITED OFFICIAL USE|CONFIDENTIAL|(?:TOP )?SECRET"
    r"|C O N F I D E N T I A L|S E C R E T|U N C L A S S I F I E D)"
)
#: Evidence that the part has reached its body: a classification line with station and serial,
#: a marking-block field, a numbered paragraph, or prose.
BODY = re.compile(
    rf"\s*(?:{MARKING}\b.*\b\d{{2,7}}\b"
    r"|(?:SUBJECT|SUBJ|TAGS?|E\.\s?O\.|EO 1\d{4}|REF|Classified By)\b"
    r"|¶?\s*\d{1,3}\.\s+\S)",
    re.IGNORECASE,
)
EMAIL = re.compile(r"(?:From|Sent|To|Cc|Date): \S")
_WORD = re.compile(r"[a-z]{3,}[.,;:!?)]?")
#: Header, marking and metadata lines are short: longer lines are tried as prose only, so no
#: pattern ever runs over a huge line.
_SHORT = 300


def prose(text: str) -> bool:
    """Three lower-case words: a sentence, not a header line (linear, whatever the line)."""
    found = 0
    for token in text[:2000].split():
        if _WORD.fullmatch(token):
            found += 1
            if found == 3:
                return True
    return False


def _short(text: str) -> str | None:
    """The line stripped, if it is short enough to be a header, marking or metadata line."""
    stripped = text.strip()
    return stripped if len(stripped) <= _SHORT else None


def full(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.fullmatch` on the stripped line, short lines only."""
    stripped = _short(text)
    return pattern.fullmatch(stripped) if stripped is not None else None


def starts(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.match` on the start of the line."""
    return pattern.match(text.lstrip()[:_SHORT])


_DTG = re.compile(r"\s*(?:[ZOPR]{1,2}\s+){0,2}(\d{6}Z)\s+([A-Z]{3})\s+(\d{2,4})\s*", re.IGNORECASE)
_DE_SERIAL = re.compile(r"\s*DE\s+[A-Z]{4,}\s*#(\d{1,6})")
_CLASS_SERIAL = re.compile(rf"\s*{MARKING}\b.*?\b(\d{{2,7}})\s*", re.IGNORECASE)


_SECTION_LINE = re.compile(
    rf"{MARKING}\s+(?:[A-Z/]+\s+)?(?:SECTION\s+(\d+)\s+OF\s+\d+\s+)?.*?\b(\d{{2,7}})", re.IGNORECASE
)
_PARAGRAPH = re.compile(r"\s*¶?\s*\d{1,3}\.\s+\S")


@dataclass(slots=True)
class Identity:
    """What names a telegram in some lines (its date-time groups and serials), which sections of
    it they hold, and whether they hold text (a numbered paragraph or prose)."""

    dtgs: set[str] = field(default_factory=set)
    serials: set[int] = field(default_factory=set)
    sections: set[tuple[int, int]] = field(default_factory=set)
    text: bool = False

    def update(self, other: Identity) -> None:
        self.dtgs |= other.dtgs
        self.serials |= other.serials
        self.sections |= other.sections
        self.text = self.text or other.text

    def continued_by(self, other: Identity) -> bool:
        """Whether `other` continues this telegram: a later section, or its header again (not a
        second copy of text it already holds)."""
        same = bool(self.serials & other.serials) or (
            bool(self.dtgs & other.dtgs) and not (self.serials and other.serials))
        if not same or not other.text:  # the header again, with no text after it
            return same
        if not self.text:
            # a distribution copy of the markings before the telegram is joined; a stub release
            # (its own routing header, the text cut off) is a record of its own
            return not self.dtgs
        return bool(self.sections and other.sections and not self.sections & other.sections)


def identity(lines: list[tuple[int, str]]) -> Identity:
    """The `Identity` of these lines."""
    found = Identity()
    for _, text in lines:
        if m := full(_DTG, text):
            found.dtgs.add(" ".join(m.groups()).upper())
        elif (m := starts(_DE_SERIAL, text)) or (m := full(_CLASS_SERIAL, text)):
            serial = int(m.group(1)) % 10000
            found.serials.add(serial)
            if section := full(_SECTION_LINE, text):
                found.sections.add((int(section.group(2)) % 10000, int(section.group(1) or 1)))
        if not found.text and (starts(_PARAGRAPH, text) or prose(text)):
            found.text = True
    return found
