"""What the text reader tells from one line: routing-header starts, body evidence, the
date-time groups and serials that name a telegram. Only short lines are tried against these
patterns (header, marking and metadata lines are short), so none ever runs over a huge line."""

from __future__ import annotations

import re

__all__ = [
    "BODY", "DTG_LINE", "EMAIL", "MARKING", "VZCZC", "full", "identity", "prose", "starts",
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
_CLASS_SERIAL = re.compile(rf"\s*{MARKING}\b.*?\b(\d{{2,7}})\s*")


def identity(lines: list[tuple[int, str]]) -> tuple[set[str], set[int]]:
    """What names a telegram in these lines: its date-time groups and its serials."""
    dtgs: set[str] = set()
    serials: set[int] = set()
    for _, text in lines:
        if m := full(_DTG, text):
            dtgs.add(" ".join(m.groups()).upper())
        elif (m := starts(_DE_SERIAL, text)) or (m := full(_CLASS_SERIAL, text)):
            serials.add(int(m.group(1)) % 10000)
    return dtgs, serials
