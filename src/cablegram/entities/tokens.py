"""Words of a piece of text with their offsets."""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Word", "words"]

_WORD = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-zÀ-ɏ][\wÀ-ɏ'’&-]*")
_NAMEISH = re.compile(
    r"(?:[A-Z]\.){2,}|[A-ZÀ-Þ][\wÀ-ɏ'’&-]*|\b(?:of|the|and|de|del|la|el|al|for|y|do|da|dos|les|le)\b"
)


class Word(NamedTuple):
    text: str
    start: int
    end: int


def words(text: str, capitalised_only: bool = False) -> list[Word]:
    """Words and dotted acronyms (`U.S.`); a possessive `'s` and trailing hyphens dropped.
    `capitalised_only` keeps capitalised words and the joiners inside names (`of`, `de`)."""
    out = []
    for m in (_NAMEISH if capitalised_only else _WORD).finditer(text):
        w = m.group()
        if w.endswith(("'s", "’s", "'S", "’S")):
            w = w[:-2]
        w = w.rstrip("'’-")
        if w:
            out.append(Word(w, m.start(), m.start() + len(w)))
    return out
