"""The cable's text cut into (paragraph number, text) pieces that extraction reads."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from cablegram.model import Cable

__all__ = ["HEADING", "Piece", "fold", "is_caps", "is_redacted", "last_char_before", "pieces"]

HEADING = 0
_REDACTED = re.compile(r"X{3,}", re.IGNORECASE)
_UPPER_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER_BYTES = b"abcdefghijklmnopqrstuvwxyz"

Piece = tuple[int, str]


# Routing and page lines that a merged or paged record leaves inside the body.
_ROUTING = re.compile(
    r"^[ \t]*(?:(?:FM|TO|INFO|XMT)\s+)?(?:AMEMBASSY|AMCONSUL|USMISSION|SECSTATE|USDEL|AMCONGEN)\b.*$"
    r"|^[ \t]*(?:C O N F I D E N T I A L|S E C R E T|UNCLAS|REFS?:|SIPDIS)\b.*$"
    r"|^[ \t]*(?:Embassy|Consulate|Consulate General|Mission|USUN|US Mission)(?: [A-Z][\w.]*)+[ \t]*$"
    r"|^[ \t]*PAGE \d+ .*$|^[ \t]*[A-Z][A-Z ]+ \d{4,} (?:\d{3} OF \d{3}|\d\d OF \d\d).*$",
    re.MULTILINE)


# A later section's header run into a paragraph (`R 171512Z JAN 90 FM AMCONSUL CAPE TOWN TO
# SECSTATE WASHDC ... TAGS: PGOV SF SUBJECT: ...`): the addressees are no part of the text.
_HEADER_RUN = re.compile(
    r"\b[OPRZ]\s+\d{6}Z\s+[A-Z]{3}\s+\d\d\s+FM\s.{0,1500}?\bTAGS:?(?:\s+[A-Z]{2,6}\b)+"
    r"(?:\s+SUBJECT:\s[^.]*?(?=\s[A-Z]*[a-z]|\s\d+\.\s|$))?", re.S)

_ROUTING_MARKERS = ("Embassy ", "Consulate ", "Mission ", "AMEMBASSY", "AMCONSUL", "PAGE ", " OF 0", "C O N F",
                    "S E C R", "UNCLAS", "REF", "SIPDIS")


def pieces(cable: Cable) -> Iterator[Piece]:
    """The subject (paragraph 0), then each paragraph under its number. Unnumbered text counts
    as part of the last numbered paragraph before it (0 before the first)."""
    if cable.subject:
        yield HEADING, cable.subject
    current = HEADING
    for p in cable.paragraphs:
        if p.number is not None:
            current = p.number
        text = f"{p.heading}. {p.text}" if p.heading else p.text
        if any(marker in text for marker in _ROUTING_MARKERS):
            text = _ROUTING.sub("", text)
            if " FM " in text:
                text = _HEADER_RUN.sub(" ", text)
        if text:
            yield current, text


def is_caps(text: str) -> bool:
    """True for all-capitals text (older cables, many headings): case says nothing there."""
    head = text[:4000].encode("ascii", "ignore")
    upper = len(head) - len(head.translate(None, _UPPER_BYTES))
    lower = len(head) - len(head.translate(None, _LOWER_BYTES))
    if upper + lower < 12:
        return True
    return upper / (upper + lower) > 0.8


def last_char_before(text: str, start: int) -> str:
    """The last character before `start` that is no white space ('' if none): what
    `text[:start].rstrip()[-1:]` gives, without copying the text."""
    i = start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return text[i] if i >= 0 else ""


def is_redacted(word: str) -> bool:
    return bool(_REDACTED.search(word))


_SQUEEZE = re.compile(r"[\s.]+")


@lru_cache(maxsize=131072)
def fold(name: str) -> str:
    """Lower case, accents stripped, dots and spaces squeezed: the key variants share."""
    if name.isascii():
        plain = name.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", name)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _SQUEEZE.sub(" ", plain.replace("’", "").replace("'", "")).strip()
