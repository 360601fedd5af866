"""PostgreSQL's tokenizer (`postgres_query.tokens`, which makes every stored tsvector and every
tsquery) finds the words FTS5's unicode61 tokenizer finds: letters and digits, lowercased,
diacritics removed. It splits with `bytes.translate` for speed; the reference is the regular
expression it replaced."""

from __future__ import annotations

import re
from itertools import islice

from archive_fixtures import DEV, need_parser
from cablegram.archive.postgres_query import MAX_POSITION, _fold, tokens, tsvector_literal

_WORD = re.compile(r"[^\W_]+")


def reference(text: str) -> list[str]:
    return [w if w.isascii() else _fold(w) for w in _WORD.findall(text.lower())]


def test_tokens_are_the_words_of_real_cables() -> None:
    need_parser()
    from cablegram.sources import read_paths

    texts = [r.text for r in islice(read_paths([str(DEV)]), 400) if r.text]
    assert any(not t.isascii() for t in texts)  # `¶`, curly quotes: the slower path is exercised
    for text in texts:
        assert tokens(text) == reference(text)


def test_tokens_split_on_every_kind_of_separator() -> None:
    for text in ["snake_case_word", "a\x00b", "x\ud800y", "L’AMBASSADE “É” ¶5 Zürich–Genève",
                 "tab\there\u2028line", "a\x1cb\x7fc", "１２３ ＡＢＣ", "İstanbul ß ﬁ", "", "--"]:
        assert tokens(text) == reference(text), text
    assert tokens("Café_CRÈME, 1975!") == ["cafe", "creme", "1975"]


def test_tsvector_positions_weights_and_limits() -> None:
    assert tsvector_literal("Visit of", "PREL", "visit visit") == "'visit':1A,6,7 'of':2A 'prel':4B"
    # the words past the last position PostgreSQL keeps share it; a word keeps 256 positions
    many = tsvector_literal(None, None, "w " * (MAX_POSITION + 10))
    assert many.count(",") == 255 and many.startswith("'w':3,4,")
    late = tsvector_literal(None, None, "w " * MAX_POSITION + "last one")
    assert f"'last':{MAX_POSITION}" in late and f"'one':{MAX_POSITION}" in late
    # a word PostgreSQL refuses (over 2,046 bytes) is left out but keeps its position
    assert tsvector_literal(None, None, "a " + "x" * 3000 + " b") == "'a':3 'b':5"
