"""The archive's words as one reader sees them, on SQLite: for a word, the cables the reader may see
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
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ReaderIndex", "reader_index"]

#: Index entries kept per reader and archive state (the lists of words within the budget).
_KEEP_ENTRIES = 4_000_000
_LOCK = threading.Lock()
_CACHE: weakref.WeakKeyDictionary[Any, dict[str, ReaderIndex]] = weakref.WeakKeyDictionary()


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass
class ReaderIndex:
    """One reader's view of a SQLite archive's index, in one archive state."""

    db: sqlite3.Connection
    state: object
    access_sql: str  # "1" when open
    reader_fts: str | None = None  # R's index (schema-qualified), when the reader has an R
    reader_rows: str | None = None  # R's rows table
    total: int = 0  # cables the reader may see
    _lists: dict[tuple[str, int], tuple[int, ...] | None] = field(default_factory=dict)
    _entries: int = 0

    def cables(self, term: str, limit: int) -> tuple[int, ...] | None:
        """Row ids of the cables the reader may see that hold `term`; None when more than `limit`."""
        key = (term, limit)
        if key in self._lists:
            return self._lists[key]
        match = _quoted(term)
        if self.reader_rows is None:
            sql = "SELECT rowid FROM cables_fts WHERE cables_fts MATCH ? LIMIT ?"
            if self.access_sql != "1":
                sql = (f"SELECT m.rowid FROM cables_fts m JOIN cable_facets f ON f.id = m.rowid"
                       f" WHERE cables_fts MATCH ? AND {self.access_sql} LIMIT ?")
            ids = [i for (i,) in self.db.execute(sql, (match, limit + 1))]
        else:
            assert self.reader_fts is not None
            ids = [i for (i,) in self.db.execute(
                f"SELECT m.rowid FROM cables_fts m JOIN cable_facets f ON f.id = m.rowid"
                f" WHERE cables_fts MATCH ? AND {self.access_sql}"
                f" AND m.rowid NOT IN (SELECT id FROM {self.reader_rows}) LIMIT ?", (match, limit + 1))]
            if len(ids) <= limit:
                bare = self.reader_fts.split(".", 1)[1]
                ids += [i for (i,) in self.db.execute(
                    f"SELECT rowid FROM {self.reader_fts} WHERE {bare} MATCH ? LIMIT ?", (match, limit + 1 - len(ids)))]
        found = tuple(ids) if len(ids) <= limit else None
        if self._entries > _KEEP_ENTRIES:
            self._lists.clear()
            self._entries = 0
        self._lists[key] = found
        self._entries += len(found or ()) + 1
        return found


def reader_index(archive: Any) -> ReaderIndex | None:
    """The `ReaderIndex` of what reads through `archive` (a `ControlledArchive` or a plain
    archive: open) see; None for a backend without an FTS5 index (PostgreSQL)."""
    inner = getattr(archive, "inner", archive)
    db = getattr(inner, "db", None)
    if not isinstance(db, sqlite3.Connection) or not hasattr(inner, "access_sql"):
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
    with _LOCK:
        per = _CACHE.setdefault(inner, {})
        got = per.get(name)
        if got is not None and got.state == state:
            return got
        (total,) = db.execute(f"SELECT count(*) FROM cable_facets f WHERE {sql}").fetchone()
        made = ReaderIndex(db, state, sql, fts, rows, int(total))
        per[name] = made
        if len(per) > 32:
            per.pop(next(iter(per)))
        return made
