"""The cheap part of alert matching: which saved queries match a new cable, decided on its words.

Evaluating a thousand saved queries through the archive's search for each released cable would
cost a thousand searches. Instead each new cable's indexed text (subject, tags, raw text) is
folded into a set of words the way the archive's tokenizer folds them (`unicode61
remove_diacritics 2`: letters and digits, lower case, no diacritics), and each saved query's
AST is checked against it: a word or phrase needs each of its words, a prefix some word that
starts with it, AND all parts, OR some part; a field filter or a NOT might hold either way, so
they pass. The pass never drops a cable that the search would match (it over-approximates).

`decide` goes further where the words settle it: given the cable's words exactly as the archive's
index holds them (`new_index`: its subject, TAGS text and raw text put through FTS5's own
tokenizer, in a temporary table of the archive's connection), a query of plain words, prefixes, AND, OR and NOT (and
`tag:` and `id:` filters) is true or false of the cable exactly as the full-text search would say;
a phrase of several words, a column, another field filter, or query text that is not plain ASCII
leaves it undecided (None), and the reader's own search decides (`cablegram.desk.alerts`).
"""

from __future__ import annotations

import bisect
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cablegram.archive.query import And, Field, Node, Not, Or, Term
from cablegram.archive.similar import fold

__all__ = ["TOKENIZER", "Anchors", "QueryIndex", "Words", "anchors", "decide", "may_match", "new_index",
           "query_index", "words_of"]

#: Must agree with `cables_fts` in `cablegram.archive.schema` (a test checks it).
TOKENIZER = "unicode61 remove_diacritics 2"
_PLAIN = re.compile(r"^[A-Za-z0-9]+$")

@dataclass(frozen=True)
class Words:
    """The distinct tokens of one cable's indexed text, for exact and prefix lookups."""

    tokens: frozenset[str]
    ordered: tuple[str, ...]
    exact: bool = False  # the tokens are FTS5's own (`new_index`), not this module's imitation

    def has_prefix(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.ordered, prefix)
        return i < len(self.ordered) and self.ordered[i].startswith(prefix)


def words_of(*texts: str | None) -> Words:
    """The `Words` of a cable's texts."""
    tokens = {t for text in texts if text for t in fold(text)}
    return Words(frozenset(tokens), tuple(sorted(tokens)))


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(fold(text))


def may_match(node: Node | None, words: Words) -> bool:
    """False only when the query cannot match a cable with these words."""
    if node is None or isinstance(node, (Field, Not)):
        return True
    if isinstance(node, Term):
        tokens = _tokens(node.text)
        if not tokens:
            return True
        *whole, last = tokens
        if any(t not in words.tokens for t in whole):
            return False
        return words.has_prefix(last) if node.prefix else last in words.tokens
    if isinstance(node, And):
        return all(may_match(n, words) for n in node.nodes)
    if isinstance(node, Or):
        return any(may_match(n, words) for n in node.nodes)
    return True  # pragma: no cover - every node kind is handled above


def new_index(db: sqlite3.Connection, table: str, ids: list[int]) -> dict[int, Words]:
    """Put the archive's cables `ids` (their subject, TAGS text and raw text, from `cable_texts`)
    into the temporary FTS5 table `table` (`temp.NAME`, made on first use with the tokenizer of
    the archive's own `cables_fts`), in place of what it held; returns each one's `Words` exactly
    as FTS5 tokenizes them. A query matched against `table` then matches these cables as the
    archive's index would."""
    from cablegram.archive.sqlite_reader import _fts_settings

    bare = table.split(".", 1)[1]
    if db.execute("SELECT 1 FROM sqlite_temp_master WHERE name = ?", (bare,)).fetchone() is None:
        tokenize, _rank = _fts_settings(db)
        db.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(subject, tag_text, raw_text, tokenize='{tokenize}')")
        db.execute(f"CREATE VIRTUAL TABLE {table}_words USING fts5vocab(temp, {bare}, instance)")
        db.execute(f"CREATE VIRTUAL TABLE {table}_terms USING fts5vocab(temp, {bare}, row)")
    db.execute(f"DELETE FROM {table}")
    marks = ",".join("?" * len(ids))
    db.execute(f"INSERT INTO {table}(rowid, subject, tag_text, raw_text)"
               f" SELECT id, subject, tag_text, raw_text FROM cable_texts WHERE id IN ({marks})", ids)
    tokens: dict[int, set[str]] = {i: set() for i in ids}
    if len(ids) == 1:  # one cable (a release): its terms, without the place of each
        tokens[ids[0]].update(t for (t,) in db.execute(f"SELECT term FROM {table}_terms"))
    else:
        for doc, term in db.execute(f"SELECT DISTINCT doc, term FROM {table}_words"):
            tokens[doc].add(term)
    return {i: Words(frozenset(t), tuple(sorted(t)), exact=True) for i, t in tokens.items()}


def decide(node: Node | None, words: Words, tags: frozenset[str], reference_id: str) -> bool | None:
    """Whether the query matches a cable with these (exact) words, TAGS and id: True, False, or None
    when its words cannot say."""
    if node is None:
        return True
    if isinstance(node, Field):
        if node.name == "tag":
            return node.value.strip().upper() in tags
        if node.name == "id":
            return "".join(node.value.split()).upper() == reference_id.upper()
        return None
    if isinstance(node, Term):
        if not words.exact:  # an imitation of the tokenizer: it may not say no either
            return None
        if not may_match(node, words):
            return False
        if node.column or not _PLAIN.match(node.text):
            return None
        return True  # one plain word (or prefix) that the cable's words hold
    if isinstance(node, Not):
        inner = decide(node.node, words, tags, reference_id)
        return None if inner is None else not inner
    parts = [decide(n, words, tags, reference_id) for n in node.nodes]
    if isinstance(node, And):
        return False if False in parts else (True if all(p is True for p in parts) else None)
    return True if True in parts else (False if all(p is False for p in parts) else None)


@dataclass(frozen=True)
class Anchors:
    """Words one of which a cable needs for a query to match it (`prefixes`: words starting so);
    `anchors()` is None for a query no word is needed for (a field filter, a NOT, an empty query)."""

    words: frozenset[str]
    prefixes: frozenset[str]


def anchors(node: Node | None) -> Anchors | None:
    """What a cable must hold for `node` to match (None: nothing in particular)."""
    if node is None or isinstance(node, (Field, Not)):
        return None
    if isinstance(node, Term):
        tokens = _tokens(node.text)
        if not tokens:
            return None
        whole = tokens[:-1] if node.prefix else tokens
        if whole:
            return Anchors(frozenset({max(whole, key=len)}), frozenset())
        return Anchors(frozenset(), frozenset({tokens[-1]}))
    found = [anchors(n) for n in node.nodes]
    if isinstance(node, And):  # any one part's needs will do: the fewest alternatives
        known = [a for a in found if a is not None]
        return min(known, key=lambda a: (len(a.prefixes), len(a.words))) if known else None
    if any(a is None for a in found):
        return None
    return Anchors(frozenset().union(*(a.words for a in found if a)),  # type: ignore[union-attr]
                   frozenset().union(*(a.prefixes for a in found if a)))  # type: ignore[union-attr]


@dataclass(frozen=True)
class QueryIndex:
    """Saved queries by the words they need, to find those a cable may match without looking at all."""

    by_word: dict[str, tuple[int, ...]]
    by_prefix: tuple[tuple[str, tuple[int, ...]], ...]
    always: tuple[int, ...]

    def candidates(self, words: Words) -> set[int]:
        """Positions of the queries that may match a cable with these words."""
        out = set(self.always)
        for token in words.tokens:
            hit = self.by_word.get(token)
            if hit:
                out.update(hit)
        for prefix, where in self.by_prefix:
            if words.has_prefix(prefix):
                out.update(where)
        return out


def query_index(nodes: Iterable[Node | None]) -> QueryIndex:
    """The `QueryIndex` of queries (by position)."""
    by_word: dict[str, list[int]] = {}
    by_prefix: dict[str, list[int]] = {}
    always: list[int] = []
    for i, node in enumerate(nodes):
        found = anchors(node)
        if found is None:
            always.append(i)
            continue
        for w in found.words:
            by_word.setdefault(w, []).append(i)
        for p in found.prefixes:
            by_prefix.setdefault(p, []).append(i)
    return QueryIndex({w: tuple(v) for w, v in by_word.items()},
                      tuple((p, tuple(v)) for p, v in sorted(by_prefix.items())), tuple(always))
