"""Word lists shipped in `data/`: common English words, and the gazetteer files."""

from __future__ import annotations

from functools import cache
from importlib import resources

__all__ = ["common_words", "data_lines", "given_names"]


def data_lines(name: str) -> list[str]:
    """Non-blank, non-comment lines of `data/NAME`."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return [s for line in text.splitlines() if (s := line.strip()) and not s.startswith("#")]


@cache
def common_words() -> frozenset[str]:
    """Words written in lower case more often than capitalised in the dev corpus: never a
    one-word place or a name on their own."""
    return frozenset(data_lines("common_words.txt"))


@cache
def given_names() -> frozenset[str]:
    """First names (folded) seen before surnames in cables outside the labelled set."""
    return frozenset(data_lines("given_names.txt"))
