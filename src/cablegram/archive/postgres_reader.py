"""The reader's match source on PostgreSQL (see `cablegram.archive.reader`): rows of an unlogged
table, shared by every connection and process, keyed by the reader.

`reader_texts` holds, for each reader key, the cables of R as that reader sees them: the tsvector
of the redacted subject, tags and re-rendered text, built by the same `tsvector_literal` as
`cables.tsv` (so the two sources tokenize alike and totals agree), the subject's own tsvector, the
redacted text and record, and the reference ids it still cites. `reader_state` says which archive
generation each reader's rows were built from. Both are UNLOGGED (a crash empties both together,
and nothing is lost that the archive cannot rebuild) and made on first use. Builders take turns on
an advisory lock, so two processes never write one reader's rows at once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import psycopg

from cablegram.archive.base import AccessFilter
from cablegram.archive.postgres_query import POSTGRES, tsvector_literal
from cablegram.archive.query import Plan
from cablegram.archive.reader import ReaderSource, candidates, reader_key, rewrite, withheld_rows
from cablegram.transactions import pg_sql

__all__ = ["TEXT_SQL", "for_reader", "match_source", "reader_source", "texts", "withheld_ids"]

_TABLES = """
CREATE UNLOGGED TABLE IF NOT EXISTS reader_state (reader text PRIMARY KEY, generation bigint NOT NULL);
CREATE UNLOGGED TABLE IF NOT EXISTS reader_texts (
    reader text NOT NULL,
    id bigint NOT NULL,
    reference_id text,
    subject text,
    tsv tsvector NOT NULL,
    subject_tsv tsvector NOT NULL,
    raw_text text NOT NULL,
    record_json text NOT NULL,
    cites text[] NOT NULL,
    PRIMARY KEY (reader, id)
)
"""
_LOCK = threading.Lock()
_SOURCES: weakref.WeakKeyDictionary[Any, dict[str, ReaderSource]] = weakref.WeakKeyDictionary()

#: The conditions `postgres_query.POSTGRES` writes that read a cable's text or references.
TEXT_SQL = POSTGRES.text_sql
REF_SQL = ("f.id IN (SELECT c.id FROM refs JOIN cables c ON c.reference_id = refs.from_id"
           " WHERE refs.to_id = %s)")


def _key(source: ReaderSource) -> str:
    key = source.key
    if not key.isalnum():  # it is spliced into SQL: letters and digits only (`reader_key`)
        raise ValueError(f"bad reader key {key!r}")
    return f"'{key}'"


def match_source(source: ReaderSource) -> str:
    """A relation (id, tsv, subject_tsv, created): the archive's index outside R, the reader's inside."""
    k = _key(source)
    return (f"(SELECT id, tsv, subject_tsv, created FROM cables WHERE id NOT IN (SELECT id FROM reader_texts"
            f" WHERE reader = {k}) UNION ALL SELECT r.id, r.tsv, r.subject_tsv, c.created FROM reader_texts r"
            f" JOIN cables c ON c.id = r.id WHERE r.reader = {k})")


def texts(source: ReaderSource) -> str:
    """A relation with the columns hits read: the cable's (its compressed `dict_id`, `body`),
    the subject as the reader sees it, and for the cables of R the text and record as the reader
    sees them (`shown_text`, `shown_record`; NULL outside R)."""
    k = _key(source)
    return ("(SELECT c.id, c.reference_id, c.created, c.origin_label, c.classification_label,"
            " CASE WHEN r.id IS NULL THEN c.subject ELSE r.subject END AS subject, c.dict_id,"
            " c.body, r.raw_text AS shown_text, r.record_json AS shown_record"
            f" FROM cables c LEFT JOIN reader_texts r ON r.id = c.id AND r.reader = {k})")


def withheld_ids(source: ReaderSource | None) -> str | None:
    """SQL selecting the ids of R (the cables partly withheld from the reader), None without one."""
    return None if source is None else f"SELECT id FROM reader_texts WHERE reader = {_key(source)}"


def for_reader(plan: Plan, source: ReaderSource | None) -> Plan:
    """`plan` with every text and reference condition of its `where` matched as the reader sees R
    (`reader.rewrite`: fails closed on a condition it does not know)."""
    if source is None:
        return plan
    k = _key(source)
    text = f"f.id IN (SELECT id FROM {match_source(source)} s WHERE tsv @@ %s::tsquery)"
    ref = (f"({REF_SQL[:-1]} AND c.id NOT IN (SELECT id FROM reader_texts WHERE reader = {k}))"
           f" OR f.id IN (SELECT id FROM reader_texts WHERE reader = {k} AND %s = ANY(cites)))")
    return rewrite(plan, "%s", {TEXT_SQL: text, REF_SQL: ref}, ("tsv", "refs"))


def _streamed(conn: psycopg.Connection) -> Callable[[str], Iterator[tuple[Any, ...]]]:
    """Rows of `?` SQL on `conn` through a server-side cursor: the archive need not fit in memory."""
    def rows(sql: str) -> Iterator[tuple[Any, ...]]:
        with conn.cursor(name="reader_candidates") as cur:
            cur.itersize = 500
            cur.execute(pg_sql(sql))
            yield from cur
    return rows


def reader_source(archive: Any, access: AccessFilter) -> ReaderSource:
    """The reader's match source of `archive` as it is now, built when the archive changed."""
    generation = archive.generation()
    key = reader_key(access)
    with _LOCK:
        per = _SOURCES.setdefault(archive, {})
        got = per.get(key)
    if got is not None and got.generation == generation:
        return got
    access_sql = archive.access_sql(access)
    with archive.pool.connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.cablegram.reader'))")
        for statement in _TABLES.split(";"):
            conn.execute(statement)  # type: ignore[call-overload]
        row = conn.execute("SELECT generation FROM reader_state WHERE reader = %s", (key,)).fetchone()
        if row is None or row[0] != generation:
            rows = withheld_rows(access, candidates(_streamed(conn), archive.codec, access_sql))
            conn.execute("DELETE FROM reader_texts WHERE reader = %s", (key,))
            with conn.cursor() as cur, cur.copy(
                    "COPY reader_texts (reader, id, reference_id, subject, tsv, subject_tsv, raw_text,"
                    " record_json, cites) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row((key, r.id, r.reference_id, r.subject, tsvector_literal(r.subject, r.tag_text,
                                                                                         r.text),
                                    tsvector_literal(r.subject, None, None), _clean(r.text),
                                    _clean(r.record_json), list(r.cites)))
            conn.execute("INSERT INTO reader_state VALUES (%s, %s) ON CONFLICT (reader)"
                         " DO UPDATE SET generation = excluded.generation", (key, generation))
        found = conn.execute("SELECT id, reference_id FROM reader_texts WHERE reader = %s", (key,)).fetchall()
    source = ReaderSource(access, key, generation, frozenset(int(r[0]) for r in found),
                          frozenset(r[1] for r in found if r[1]))
    with _LOCK:
        _SOURCES.setdefault(archive, {})[key] = source
    return source


def _clean(text: str) -> str:
    """PostgreSQL text holds no NUL (the archive stores U+FFFD in its place too)."""
    return text.replace("\x00", "\ufffd")
