"""Run a pattern only where it can start: at the words that begin its matches.

Python's `re` tries a pattern that starts with `\\b` and an alternation at every position of the
text. Most of a paragraph's positions cannot start a title, a given name or a verb: the words of
the piece (one `findall` shared by every pass) say which of a pattern's first words are there at
all, `str.find` where, and `pattern.match` tries those places only. The matches are the ones
`finditer` gives, in the same order, as long as every match of the pattern starts with one of
its first words as a whole `\\w+` run of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

__all__ = ["first_word", "matches_from", "piece_words", "word_positions"]

_RUN = re.compile(r"\w+")


@lru_cache(maxsize=512)
def piece_words(text: str) -> frozenset[str]:
    """The `\\w+` runs of a piece of text (cached: every pass over the piece asks)."""
    return frozenset(_RUN.findall(text))


def first_word(phrase: str) -> str | None:
    """The first `\\w+` run of a phrase (`Ambassador` of `Ambassador-designate`), None if the
    phrase does not start with one."""
    m = _RUN.match(phrase)
    return m.group() if m else None


def matches_from(pattern: re.Pattern[str], text: str, starts: Iterable[str]) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose every match starts at one of `starts` (the
    words of the text that may begin one): tried at each place those words occur, left to
    right, the next try after the end of the last match."""
    positions = word_positions(text, starts)
    if not positions:
        return
    end = -1
    match = pattern.match
    for i in positions:
        if i < end:
            continue
        m = match(text, i)
        if m is not None:
            yield m
            end = m.end() if m.end() > i else i + 1


def word_positions(text: str, starts: Iterable[str]) -> list[int]:
    """Where each of `starts` stands in the text as a whole `\\w+` run, in order."""
    positions: list[int] = []
    find = text.find
    for word in starts:
        n = len(word)
        i = find(word)
        while i >= 0:
            # only where the word is a whole run (`Al`, not the start of `Also`): a match starts
            # there (`\\w` is what `str.isalnum` says, and `_`)
            before, after = text[i - 1:i], text[i + n:i + n + 1]
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                positions.append(i)
            i = find(word, i + n)
    positions.sort()
    return positions
