"""The reader's match source on SQLite (see `cablegram.archive.reader`): temporary tables on the
archive's own connection, so the search functions query it beside `cables_fts`.

For one reader and archive state: `temp.<name>_fts`, an FTS5 table of R's redacted subject, tags
and text, created with the tokenizer and rank function read from `cables_fts` itself (so they
agree by construction), `temp.<name>_rows` (id, reference id, redacted record) and
`temp.<name>_refs` (what the redacted records still cite). Temporary tables live in memory
(`temp_store = MEMORY`), belong to the connection, and work on a read-only archive too.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from contextlib import suppress
from dataclasses import dataclass
from itertools import count
from typing import Any

from cablegram.archive.base import AccessFilter
from cablegram.archive.query import SQLITE, Plan
from cablegram.archive.reader import ReaderSource, candidates, reader_key, rewrite, withheld_rows

__all__ = ["Matches", "for_reader", "matches", "reader_source", "tables"]

_LOCK = threading.Lock()
_SOURCES: weakref.WeakKeyDictionary[Any, dict[str, ReaderSource]] = weakref.WeakKeyDictionary()
_NAMES = count(1)
#: Readers whose tables one archive object keeps (the most recently built).
KEEP = 16


def tables(source: ReaderSource) -> tuple[str, str, str]:
    """The (fts, rows, refs) table names of an installed source (as SQL, schema-qualified)."""
    return f"temp.{source.key}_fts", f"temp.{source.key}_rows", f"temp.{source.key}_refs"


def _fts_settings(db: sqlite3.Connection) -> tuple[str, str]:
    """The tokenizer and rank function of `cables_fts`, as the archive's schema made them."""
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'cables_fts'").fetchone()[0]
    tokenize = re.search(r"tokenize\s*=\s*'([^']*)'", sql)
    rank = db.execute("SELECT v FROM cables_fts_config WHERE k = 'rank'").fetchone()
    return (tokenize.group(1) if tokenize else "unicode61"), (rank[0] if rank else "bm25()")


def reader_source(archive: Any, access: AccessFilter) -> ReaderSource:
    """The reader's match source of `archive` as it is now, built and installed when needed."""
    generation = archive.generation()
    key = reader_key(access)
    with _LOCK:
        per = _SOURCES.setdefault(archive, {})
        got = per.get(key)
        if got is not None and got.generation == generation:
            return got
        rows = withheld_rows(access, candidates(archive.db.execute, archive.codec, archive.access_sql(access)))
        source = ReaderSource(access, f"{key}_{next(_NAMES)}", generation, frozenset(r.id for r in rows),
                              frozenset(r.reference_id for r in rows if r.reference_id))
        _install(archive.db, source, rows)
        old = per.pop(key, None)
        per[key] = source
        stale = [old] if old is not None else []
        for k in list(per)[:-KEEP]:
            stale.append(per.pop(k))
        for s in stale:
            _drop(archive.db, s)
        return source


def _install(db: sqlite3.Connection, source: ReaderSource, rows: list[Any]) -> None:
    fts, table, refs = tables(source)
    tokenize, rank = _fts_settings(db)
    bare = fts.split(".", 1)[1]
    db.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5(subject, tag_text, raw_text, tokenize='{tokenize}')")
    db.execute(f"INSERT INTO {fts}({bare}, rank) VALUES ('rank', ?)", (rank,))
    db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, reference_id TEXT, record_json TEXT NOT NULL)")
    db.execute(f"CREATE TABLE {refs} (id INTEGER NOT NULL, to_id TEXT NOT NULL)")
    db.executemany(f"INSERT INTO {fts}(rowid, subject, tag_text, raw_text) VALUES (?, ?, ?, ?)",
                   [(r.id, r.subject, r.tag_text, r.text) for r in rows])
    db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", [(r.id, r.reference_id, r.record_json) for r in rows])
    db.executemany(f"INSERT INTO {refs} VALUES (?, ?)", [(r.id, t) for r in rows for t in r.cites])


def _drop(db: sqlite3.Connection, source: ReaderSource) -> None:
    for name in tables(source):
        with suppress(sqlite3.OperationalError):  # in use by a running statement: it goes with the connection
            db.execute(f"DROP TABLE IF EXISTS {name}")


# --- querying: the archive's index outside R, the reader's inside ---------------------------------

#: The conditions `query.compile_query` writes that read a cable's text or references (in `where`).
TEXT_SQL = SQLITE.text_sql
REF_SQL = "f.id IN (SELECT c.id FROM refs JOIN cables c ON c.reference_id = refs.from_id WHERE refs.to_id = ?)"


def for_reader(plan: Plan, source: ReaderSource | None) -> Plan:
    """`plan` with every text and reference condition of its `where` matched as the reader sees R
    (`reader.rewrite`: fails closed on a condition it does not know)."""
    if source is None:
        return plan
    fts, rows, refs = tables(source)
    text = (f"({TEXT_SQL[:-1]} AND rowid NOT IN (SELECT id FROM {rows}))"
            f" OR f.id IN (SELECT rowid FROM {fts} WHERE {fts.split('.', 1)[1]} MATCH ?))")
    ref = (f"({REF_SQL[:-1]} AND c.id NOT IN (SELECT id FROM {rows}))"
           f" OR f.id IN (SELECT id FROM {refs} WHERE to_id = ?))")
    return rewrite(plan, "?", {TEXT_SQL: text, REF_SQL: ref}, ("cables_fts", "refs"))


@dataclass(frozen=True, slots=True)
class Matches:
    """FROM/WHERE selecting the matching `f` rows (`id`, `rank`: the match's columns), and params."""

    tables: str
    where: str
    params: list[object]
    id: str = "f.id"
    rank: str = "NULL"

    @property
    def sql(self) -> str:
        return f"FROM {self.tables} WHERE {self.where}"

    def joined(self, more: str) -> str:
        """`sql` with `more` (a JOIN) added to the tables."""
        return f"FROM {self.tables} {more} WHERE {self.where}"


def matches(plan: Plan, source: ReaderSource | None, match: str | None = None) -> Matches:
    """The rows matching `plan` (its `where` already `for_reader`), with `match` (default: the
    plan's) from `cables_fts` outside R and from the reader's index inside."""
    match = match if match is not None else plan.match
    where = plan.sql_where()
    if match is None:
        return Matches("cable_facets f", where, list(plan.params))
    if source is None:
        return Matches("cables_fts fts JOIN cable_facets f ON f.id = fts.rowid", f"cables_fts MATCH ? AND {where}",
                       [match, *plan.params], "fts.rowid", "fts.rank")
    fts, rows, _ = tables(source)
    union = (f"(SELECT rowid AS id, rank FROM cables_fts WHERE cables_fts MATCH ? AND rowid NOT IN"
             f" (SELECT id FROM {rows}) UNION ALL SELECT rowid, rank FROM {fts} WHERE {fts.split('.', 1)[1]} MATCH ?)")
    return Matches(f"{union} m JOIN cable_facets f ON f.id = m.id", where, [match, match, *plan.params],
                   "m.id", "m.rank")
