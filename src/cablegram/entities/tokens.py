"""Words of a piece of text with their offsets."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import NamedTuple

__all__ = ["Word", "words"]

_WORD = re.compile(r"(?:[A-Z]\.){2,}|[A-Za-zÀ-ɏ][\wÀ-ɏ'’&-]*")
_JOINER = r"(?:of|the|and|de|del|la|el|al|for|y|do|da|dos|les|le)"
# a joiner counts only before a capitalised word (more joiners between): `Ministry of the Interior`;
# most `the` and `of` of running text are not kept, which is most of the words
_NAMEISH = re.compile(
    rf"(?:[A-Z]\.){{2,}}|[A-ZÀ-Þ][\wÀ-ɏ'’&-]*|\b{_JOINER}\b(?=(?:\s+{_JOINER}\b)*\s+[A-ZÀ-Þ])"
)


class Word(NamedTuple):
    text: str
    start: int
    end: int


def words(text: str, capitalised_only: bool = False, vocab: Collection[str] | None = None,
          also: Collection[str] = ()) -> list[Word]:
    """Words and dotted acronyms (`U.S.`); a possessive `'s` and trailing hyphens dropped.
    `capitalised_only` keeps capitalised words and the joiners inside names (`of`, `de`);
    `vocab` (lower-case words) keeps only the words in it, in `also`, with capitals inside (`PvdA`),
    with a dot or not ASCII (their folded forms differ from their lower case)."""
    out: list[Word] = []
    append = out.append
    new = tuple.__new__  # a Word without the generated `__new__`'s Python call
    for m in (_NAMEISH if capitalised_only else _WORD).finditer(text):
        w = m.group()
        if vocab is not None and w.lower() not in vocab and w not in also and not (
                not w[1:].islower() or "." in w or not w.isascii() or "'" in w or "’" in w or "-" in w):
            continue
        start = m.start()
        last = w[-1]
        if last in "sS" and len(w) > 2 and w[-2] in "'’":
            w = w[:-2].rstrip("'’-")
        elif last in "'’-":
            w = w.rstrip("'’-")
        if w:
            append(new(Word, (w, start, start + len(w))))
    return out
