"""The archive's words as one reader sees them (`WordIndex`), on SQLite: for a word, the cables the reader may see
that hold it (as they see them), and how many cables they may see.

What similar cables weigh words by must come from what the reader may see, never from the whole
index: a document frequency read from `cables_fts` alone counts SECRET cables too, and would let
their texts choose the words shown and order the list. So a word's cables are read from the
archive's index under the reader's access (`access_sql`), outside R, and from the reader's own
index inside R (R: the cables partly withheld from them, `cablegram.archive.reader`), exactly as
their search matches. An open archive (no access) reads `cables_fts` alone.

A word is only of use while its cables stay within a budget (`limit`): the read stops one past
it, so a common word costs at most `limit` index entries, and a word's list is kept (per archive
object, reader and archive state) to score the candidates without reading it again.

PostgreSQL has its own (`similar_view_pg.PgReaderIndex`, the same three answers from its
tsvector index); `reader_index` gives the one of the archive's backend.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

__all__ = ["ReaderIndex", "WordIndex", "kept_index", "reader_index"]

#: Index entries kept per reader and archive state (the lists of words within the budget).
_KEEP_ENTRIES = 4_000_000
#: Readers whose index one archive object keeps (the most recently made).
_KEEP_READERS = 32
_LOCK = threading.Lock()
_CACHE: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
Index = TypeVar("Index")


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class WordIndex(Protocol):
    """What similar cables read of the words one reader may see, in one archive state."""

    total: int  # cables the reader may see

    def count(self, term: str, limit: int) -> int:
        """How many cables the reader may see hold `term`, counted up to `limit + 1`."""

    def counts(self, terms: list[str], limit: int) -> dict[str, int]:
        """`count` of each of `terms` (a backend may read them together)."""

    def cables(self, term: str, limit: int) -> tuple[int, ...] | None:
        """Row ids of the cables the reader may see that hold `term`; None when more than `limit`."""


@dataclass
class ReaderIndex:
    """One reader's view of a SQLite archive's index, in one archive state."""

    db: sqlite3.Connection
    state: object
    access_sql: str  # "1" when open
    reader_fts: str | None = None  # R's index (schema-qualified), when the reader has an R
    reader_rows: str | None = None  # R's rows table
    total: int = 0  # cables the reader may see
    _lists: dict[tuple[str, int], tuple[int, ...]] = field(default_factory=dict)
    _counts: dict[tuple[str, int], int] = field(default_factory=dict)
    _entries: int = 0

    def _matches(self, select: str, term: str, limit: int) -> list[tuple[int]]:
        """`select` (`count(*)` or `id`) over the first `limit` cables the reader sees holding `term`."""
        match = _quoted(term)
        if self.access_sql == "1":
            return self.db.execute(f"SELECT {select} FROM (SELECT rowid AS id FROM cables_fts"
                                   " WHERE cables_fts MATCH ? LIMIT ?)", (match, limit)).fetchall()
        outside = (f"SELECT m.rowid AS id FROM cables_fts m JOIN cable_facets f ON f.id = m.rowid"
                   f" WHERE cables_fts MATCH ? AND {self.access_sql}")
        params: tuple[object, ...] = (match,)
        if self.reader_rows is not None and self.reader_fts is not None:
            bare = self.reader_fts.split(".", 1)[1]
            outside += (f" AND m.rowid NOT IN (SELECT id FROM {self.reader_rows})"
                        f" UNION ALL SELECT rowid FROM {self.reader_fts} WHERE {bare} MATCH ?")
            params += (match,)
        return self.db.execute(f"SELECT {select} FROM ({outside} LIMIT ?)", (*params, limit)).fetchall()

    def count(self, term: str, limit: int) -> int:
        """How many cables the reader may see hold `term`, counted up to `limit + 1` (more: `limit + 1`)."""
        key = (term, -limit)
        if key not in self._counts:
            self._keep(1)
            self._counts[key] = int(self._matches("count(*)", term, limit + 1)[0][0])
        return self._counts[key]

    def counts(self, terms: list[str], limit: int) -> dict[str, int]:
        """`count` of each of `terms`."""
        return {t: self.count(t, limit) for t in terms}

    def cables(self, term: str, limit: int) -> tuple[int, ...] | None:
        """Row ids of the cables the reader may see that hold `term`; None when more than `limit`."""
        if self.count(term, limit) > limit:
            return None
        key = (term, limit)
        found = self._lists.get(key)
        if found is None:
            found = tuple(i for (i,) in self._matches("id", term, limit + 1))
            self._keep(len(found))
            self._lists[key] = found
        return found

    def _keep(self, entries: int) -> None:
        if self._entries + entries > _KEEP_ENTRIES:
            self._lists.clear()
            self._counts.clear()
            self._entries = 0
        self._entries += entries


def reader_index(archive: Any) -> WordIndex | None:
    """The `WordIndex` of what reads through `archive` (a `ControlledArchive` or a plain
    archive: open) see; None for a backend with neither index."""
    inner = getattr(archive, "inner", archive)
    db = getattr(inner, "db", None)
    if not isinstance(db, sqlite3.Connection) or not hasattr(inner, "access_sql"):
        from cablegram.archive.postgres import PostgresArchive

        if isinstance(inner, PostgresArchive):
            from cablegram.archive.similar_view_pg import pg_reader_index

            return pg_reader_index(archive)
        return None
    access = getattr(archive, "access", None) if inner is not archive else None
    if access is None:
        name, state, fts, rows = "open", inner.generation(), None, None
    else:
        from cablegram.archive.sqlite_reader import tables

        source = archive._source()  # R for this reader and archive state (built once, kept by the backend)
        fts, rows, _refs = tables(source)
        name, state = source.key.rsplit("_", 1)[0], (source.key, source.generation)
    sql = inner.access_sql(access)

    def made() -> ReaderIndex:
        (total,) = db.execute(f"SELECT count(*) FROM cable_facets f WHERE {sql}").fetchone()
        return ReaderIndex(db, state, sql, fts, rows, int(total))

    return kept_index(inner, name, state, made)


def kept_index(inner: Any, name: str, state: object, make: Callable[[], Index]) -> Index:
    """The index of reader `name` kept for the archive object `inner` while its `state` is the
    archive's `state`; else `make()`'s, kept in its place (both backends; per archive object, the
    `_KEEP_READERS` most recently made)."""
    with _LOCK:
        got = _CACHE.setdefault(inner, {}).get(name)
        if got is not None and got.state == state:
            return got  # type: ignore[no-any-return]
    index = make()
    with _LOCK:
        per = _CACHE.setdefault(inner, {})
        per[name] = index
        if len(per) > _KEEP_READERS:
            per.pop(next(iter(per)))
    return index
