"""Copying a whole archive, and the desk beside it, between backends: SQLite to PostgreSQL, back,
or to another archive of the same kind (`cablegram copy SRC DST`).

The copy is of the stored rows, not a re-ingest: every table keeps its ids, so the current text
of each cable, its earlier versions with their release dates, the provenance (`sources`), the
quarantine and the dimension tables (origins, classifications, caveat bits) come out exactly as
they were, whatever order they were ingested in. What each backend derives is derived again by
its own code: the `tsvector` columns by PostgreSQL's writer (`tsvector_literal`), the FTS5 index
by `SQLiteArchive.index_pending`, the lookup indexes by `build_lookup_indexes` (dropped first and
built once at the end, as a bulk ingest does). Rows go in with COPY on PostgreSQL and in one
transaction on SQLite; they stream through (constant memory), read from one snapshot of SRC.

The desk's tables (`desk_*`) and the reading room's (`web_*`) are copied generically: every such
table of SRC that DST has (DST's desk is created first), the columns both have, parents before
children, then PostgreSQL's sequences are moved past the copied ids.

`verify` then compares both sides: each table's row count and a digest of its rows (order-free),
and each cable's digest (reference id, content hash, release date, and its stored body: the text
and record compressed with the archive's dictionaries, which are copied too) and those of its
versions, by id. PostgreSQL text holds no NUL or lone surrogates (metadata columns keep U+FFFD in
their place, see `postgres_query.pg_text`): the digests read text the way PostgreSQL stores it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["ARCHIVE_TABLES", "CopyError", "CopyReport", "TableCheck", "copy_archive", "verify"]

#: The archive's tables both backends have, parents first.
ARCHIVE_TABLES = (
    "dictionaries", "origins", "classifications", "caveat_bits", "cables", "cable_facets", "addressees", "tags",
    "refs", "paragraphs", "defects", "people", "offices", "sources", "versions", "quarantine",
)
#: Tables whose rows make an archive non-empty (a new one already has its caveat bits).
CONTENT_TABLES = ("cables", "versions", "quarantine", "sources")
#: Tables beside the archive's, copied generically: the desk's and the reading room's.
EXTRA_PREFIXES = ("desk_", "web_")
#: Extra tables that a new desk fills by itself: not content.
SETUP_TABLES = ("desk_schema_version", "desk_settings")
#: Columns only PostgreSQL has, derived from the others by its writer.
DERIVED = {"cables": ("tsv", "subject_tsv")}
BATCH = 1000

Progress = Callable[[str, int, int], None]  # table, rows done, rows in all


class CopyError(Exception):
    """A copy that cannot start or finish: a one-line message."""


@dataclass(frozen=True, slots=True)
class TableCheck:
    """One table on both sides after a copy."""

    table: str
    source_rows: int
    target_rows: int
    digest_equal: bool

    @property
    def ok(self) -> bool:
        return self.source_rows == self.target_rows and self.digest_equal


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What `verify` found: each table, how many cables were compared, those that differ."""

    tables: tuple[TableCheck, ...]
    cables_checked: int
    cables_differing: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables) and not self.cables_differing and not self.problems


# --- the two backends, as tables of rows ---------------------------------------------------------


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def _norm(value: Any) -> Any:
    """A value as both backends compare it (PostgreSQL's text, booleans as integers)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        return _pg_text(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


@cache
def _pg_text_function() -> Callable[[Any], Any]:
    try:
        from cablegram.archive.postgres_query import pg_text
    except ImportError:  # no psycopg: no PostgreSQL side to compare with
        return lambda value: value
    return pg_text


def _pg_text(value: str) -> str:
    """`value` as PostgreSQL stores it (`postgres_query.pg_text`)."""
    return str(_pg_text_function()(value))


def _row_digest(row: Sequence[Any]) -> bytes:
    text = json.dumps([_norm(v) for v in row], ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class _Side:
    """One archive seen as tables: read in one snapshot (SRC) or written in bulk (DST)."""

    backend = ""

    def __init__(self, location: str) -> None:
        self.location = location

    def tables(self) -> list[str]:
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        raise NotImplementedError

    def parents(self, table: str) -> set[str]:
        """Tables `table` refers to (foreign keys)."""
        raise NotImplementedError

    def rows(self, table: str, columns: Sequence[str], order: str | None = None) -> Iterator[tuple[Any, ...]]:
        raise NotImplementedError

    def count(self, table: str) -> int:
        return int(next(iter(self.rows_sql(f"SELECT count(*) FROM {table}")))[0])

    def rows_sql(self, sql: str) -> Iterator[tuple[Any, ...]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class _SQLiteSide(_Side):
    backend = "sqlite"

    def __init__(self, location: str, *, readonly: bool) -> None:
        super().__init__(location)
        if readonly:
            uri = Path(location).resolve().as_uri() + "?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, isolation_level=None)
            self.db.execute("BEGIN")  # one snapshot for everything read (WAL: writers go on)
        else:
            self.db = sqlite3.connect(location, isolation_level=None)

    def tables(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.db.execute(f"PRAGMA table_info({table})")]

    def parents(self, table: str) -> set[str]:
        return {r[2] for r in self.db.execute(f"PRAGMA foreign_key_list({table})")}

    def rows(self, table: str, columns: Sequence[str], order: str | None = None) -> Iterator[tuple[Any, ...]]:
        sql = f"SELECT {', '.join(columns)} FROM {table}" + (f" ORDER BY {order}" if order else "")
        return self.rows_sql(sql)

    def rows_sql(self, sql: str) -> Iterator[tuple[Any, ...]]:
        cur = self.db.execute(sql)
        while batch := cur.fetchmany(BATCH):
            yield from batch

    def table_sql(self, table: str) -> list[str]:
        """The CREATE statements of `table` and its indexes."""
        return [r[0] for r in self.db.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
            " ORDER BY type = 'index'", (table,))]

    def close(self) -> None:
        with suppress(sqlite3.Error):
            if self.db.in_transaction:
                self.db.execute("COMMIT")
        self.db.close()


class _PgSide(_Side):
    backend = "postgres"

    def __init__(self, location: str, *, readonly: bool) -> None:
        import psycopg

        super().__init__(location)
        # a writer commits its own transactions; a reader reads in one snapshot
        try:
            self.conn = psycopg.connect(location, connect_timeout=10, autocommit=not readonly)
        except psycopg.OperationalError as exc:
            raise ConnectionError(f"cannot connect to {_shown(location)}: {str(exc).strip()}") from None
        if readonly:
            self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            self.conn.read_only = True
        self._cursors = 0

    def tables(self) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = %s ORDER BY ordinal_position", (table,))]

    def parents(self, table: str) -> set[str]:
        return {r[0] for r in self.conn.execute(
            "SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
            " AND conrelid = %s::regclass", (table,))}

    def rows(self, table: str, columns: Sequence[str], order: str | None = None) -> Iterator[tuple[Any, ...]]:
        sql = f"SELECT {', '.join(columns)} FROM {table}" + (f" ORDER BY {order}" if order else "")
        return self.rows_sql(sql)

    def rows_sql(self, sql: str) -> Iterator[tuple[Any, ...]]:
        self._cursors += 1
        with self.conn.cursor(name=f"cablegram_copy_{self._cursors}") as cur:  # server-side
            cur.itersize = BATCH
            cur.execute(sql)  # type: ignore[arg-type]
            yield from cur

    def sequences(self, table: str) -> list[tuple[str, str]]:
        """(column, sequence) of `table`'s serial and identity columns."""
        out = []
        for (column,) in self.conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema ="
                " current_schema() AND table_name = %s AND (column_default LIKE 'nextval%%'"
                " OR is_identity = 'YES')", (table,)):
            row = self.conn.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, column)).fetchone()
            if row and row[0]:
                out.append((column, row[0]))
        return out

    def close(self) -> None:
        with suppress(Exception):
            self.conn.rollback()
        self.conn.close()


def _open_side(location: str, *, readonly: bool) -> _Side:
    if is_postgres(location):
        return _PgSide(location, readonly=readonly)
    return _SQLiteSide(location, readonly=readonly)


# --- what to copy --------------------------------------------------------------------------------


def _extra_tables(side: _Side) -> list[str]:
    return sorted(t for t in side.tables() if t.startswith(EXTRA_PREFIXES))


def _order(names: Sequence[str], parents: Callable[[str], set[str]]) -> list[str]:
    """`names` with each table after the tables it refers to."""
    wanted, done, out = set(names), set(), []

    def visit(name: str, path: frozenset[str]) -> None:
        if name in done or name in path:
            return
        for p in sorted(parents(name) & wanted):
            visit(p, path | {name})
        done.add(name)
        out.append(name)

    for name in names:
        visit(name, frozenset())
    return out


def _columns(src: _Side, dst: _Side, table: str) -> list[str]:
    derived = DERIVED.get(table, ())
    theirs = set(dst.columns(table))
    return [c for c in src.columns(table) if c in theirs and c not in derived]


def _key(side: _Side, table: str, columns: Sequence[str]) -> str | None:
    """The order to read `table` in, so that ids generated on the way (SQLite's rowid,
    PostgreSQL's `rowid` identity of the desk's clearances) follow the source's."""
    if "id" in columns:
        return "id"
    if isinstance(side, _SQLiteSide):
        return "rowid"
    return "rowid" if "rowid" in side.columns(table) else None


def is_empty(location: str) -> bool:
    """True when the archive at `location` holds no cable, version, source, quarantined text or
    desk row (or does not exist yet)."""
    if not is_postgres(location) and not Path(location).exists():
        return True
    side = _open_side(location, readonly=True)
    try:
        tables = set(side.tables())
        names = [t for t in CONTENT_TABLES if t in tables]
        names += [t for t in _extra_tables(side) if t not in SETUP_TABLES]
        return all(side.count(t) == 0 for t in names)
    finally:
        side.close()


def _prepare_target(dst: str, src_extra: Sequence[str]) -> None:
    """Create DST's archive tables (and its desk's, when SRC has a desk) by their own code."""
    from cablegram.archive import open_archive

    open_archive(dst).close()
    if any(t.startswith("desk_") for t in src_extra):
        try:
            from cablegram.desk.db import open_desk  # type: ignore[attr-defined]
        except ImportError:  # the desk on SQLite only
            open_desk = None
        if open_desk is not None:
            open_desk(dst).close()
        elif not is_postgres(dst):
            from cablegram.desk.db import DeskDB

            DeskDB(dst).close()
    if any(t.startswith("web_") for t in src_extra):
        from cablegram.web.collections_store import create_tables

        create_tables(dst)


# --- copying -------------------------------------------------------------------------------------


@dataclass
class _Plan:
    tables: list[tuple[str, list[str]]]  # (table, columns), in copy order
    totals: dict[str, int]
    missing: list[str]  # extra tables of SRC that DST lacks


def _plan(src: _Side, dst: _Side) -> _Plan:
    dst_tables = set(dst.tables())
    src_tables = set(src.tables())
    missing_archive = [t for t in ARCHIVE_TABLES if t not in src_tables]
    if missing_archive:
        raise CopyError(f"{src.location} is not an archive (no {missing_archive[0]} table)")
    extra = _extra_tables(src)
    if isinstance(src, _SQLiteSide) and isinstance(dst, _SQLiteSide):
        for t in extra:  # a table only SRC's version of cablegram knows: as SRC made it
            if t not in dst_tables:
                for statement in src.table_sql(t):
                    dst.db.execute(statement)
        dst_tables = set(dst.tables())
    missing = [t for t in extra if t not in dst_tables]
    extra = [t for t in extra if t in dst_tables]
    names = list(ARCHIVE_TABLES) + _order(extra, dst.parents)
    tables = [(t, _columns(src, dst, t)) for t in names]
    return _Plan(tables, {t: src.count(t) for t, _ in tables}, missing)


def _write_sqlite(dst: _SQLiteSide, src: _Side, plan: _Plan, progress: Progress | None) -> None:
    from cablegram.archive.sqlite import SQLiteArchive
    from cablegram.archive.sqlite_loading import loading
    from cablegram.transactions import immediate

    archive = SQLiteArchive(dst.location)
    try:
        archive.drop_lookup_indexes()
        db = archive.db
        with loading(db, dst.location, bulk=True), immediate(db):
            db.execute("INSERT INTO cables_fts(cables_fts) VALUES ('delete-all')")
            db.execute("UPDATE fts_state SET indexed_upto = 0")
            for table, _cols in reversed(plan.tables):
                db.execute(f"DELETE FROM {table}")
            for table, columns in plan.tables:
                sql = (f"INSERT INTO {table}({', '.join(columns)})"
                       f" VALUES ({', '.join('?' * len(columns))})")
                done, batch = 0, []
                for row in src.rows(table, columns, _key(src, table, columns)):
                    batch.append(row)
                    if len(batch) >= BATCH:
                        db.executemany(sql, batch)
                        done += len(batch)
                        batch.clear()
                        if progress:
                            progress(table, done, plan.totals[table])
                db.executemany(sql, batch)
                if progress:
                    progress(table, done + len(batch), plan.totals[table])
        archive.codec.reload()  # the dictionaries are the copied ones now
        archive.index_pending()
        archive.build_lookup_indexes()
    finally:
        archive.close()


def _codec(side: _Side) -> Any:
    """A codec over `side`'s compression dictionaries (to read its stored texts)."""
    from cablegram.archive import compress

    return compress.Codec(lambda: {int(i): bytes(d) for i, d in side.rows("dictionaries", ("id", "dict"))})


def _write_postgres(dst: _PgSide, src: _Side, plan: _Plan, progress: Progress | None) -> None:
    from cablegram.archive import open_archive
    from cablegram.archive.postgres_query import tsvector_literal
    from cablegram.archive.postgres_schema import drop_lookup_indexes
    conn = dst.conn
    with conn.transaction():
        conn.execute("LOCK TABLE cables IN EXCLUSIVE MODE")
        conn.execute(f"TRUNCATE {', '.join(t for t, _ in plan.tables)}")
        drop_lookup_indexes(conn)
        with conn.cursor() as cur:
            for table, columns in plan.tables:
                derived = DERIVED.get(table, ())
                with_tsv = bool(derived) and set(derived) <= set(dst.columns(table))
                names = [*columns, *derived] if with_tsv else columns
                if with_tsv:  # the text search columns, made as PostgreSQL's writer makes them
                    at = {c: i for i, c in enumerate(columns)}
                    subject, tags, dict_id, body = at["subject"], at["tag_text"], at["dict_id"], at["body"]
                    codec = _codec(src)
                done = 0
                with cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in src.rows(table, columns, _key(src, table, columns)):
                        out = [_pg_text(v) if isinstance(v, str) else v for v in row]
                        if with_tsv:
                            raw = codec.record(int(row[dict_id]), bytes(row[body]))[0]
                            out += [tsvector_literal(row[subject], row[tags], raw),
                                    tsvector_literal(row[subject], None, None)]
                        copy.write_row(out)
                        done += 1
                        if progress and done % BATCH == 0:
                            progress(table, done, plan.totals[table])
                if progress:
                    progress(table, done, plan.totals[table])
        for table, _cols in plan.tables:
            for column, sequence in dst.sequences(table):
                conn.execute(f"SELECT setval(%s, coalesce((SELECT max({column}) FROM {table}), 1),"
                             f" (SELECT max({column}) FROM {table}) IS NOT NULL)", (sequence,))
        conn.execute("UPDATE archive_state SET generation = generation + 1")
    with open_archive(dst.location) as archive:
        archive.build_lookup_indexes()


def copy_archive(source: str, target: str, *, force: bool = False,
                 progress: Progress | None = None) -> CopyReport:
    """Copy the archive (and desk) at `source` to `target`, then `verify` both.

    `target` must be empty (no cable, version, source, quarantined text or desk row) unless
    `force`: then what it holds is replaced. Raises `CopyError` when the copy cannot be made.
    """
    if _same(source, target):
        raise CopyError("SRC and DST are the same archive")
    if not is_postgres(source) and not Path(source).is_file():
        raise CopyError(f"no archive at {source}")
    if not force and not is_empty(target):
        raise CopyError(f"{_shown(target)} is not empty: copy into a new archive, or replace"
                        " what it holds with --force")
    src = _open_side(source, readonly=True)
    try:
        _prepare_target(target, _extra_tables(src))
        dst = _open_side(target, readonly=False)
        try:
            plan = _plan(src, dst)
            if isinstance(dst, _PgSide):
                _write_postgres(dst, src, plan, progress)
            else:
                dst.close()
                _write_sqlite(dst, src, plan, progress)
        finally:
            dst.close()
    finally:
        src.close()
    report = verify(source, target)
    if plan.missing:
        problems = tuple(f"{t}: {_shown(target)} has no such table (not copied)" for t in plan.missing)
        report = CopyReport(report.tables, report.cables_checked, report.cables_differing,
                            report.problems + problems)
    return report


def _same(a: str, b: str) -> bool:
    if is_postgres(a) or is_postgres(b):
        return a == b
    return Path(a).resolve() == Path(b).resolve()


def _shown(location: str) -> str:
    if is_postgres(location):
        from cablegram.archive.postgres import redacted

        return redacted(location)
    return location


# --- checking ------------------------------------------------------------------------------------


def _table_digest(side: _Side, table: str, columns: Sequence[str]) -> tuple[int, int]:
    """(rows, order-free digest: the sum of the rows' SHA-256 modulo 2**256)."""
    n, total = 0, 0
    for row in side.rows(table, columns):
        n += 1
        total = (total + int.from_bytes(_row_digest(row), "big")) % (1 << 256)
    return n, total


_CABLE = ("id", "reference_id", "content_hash", "released", "dict_id", "body")
_VERSION = ("cable_id", "content_hash", "released", "dict_id", "body")


def _cable_digests(side: _Side) -> Iterator[tuple[int, str, bytes]]:
    """(id, reference id, digest of the cable and its versions) by id."""
    versions = side.rows("versions", _VERSION, "cable_id, id")
    pending = next(versions, None)
    for row in side.rows("cables", _CABLE, "id"):
        h = hashlib.sha256(_row_digest(row[1:]))
        while pending is not None and pending[0] <= row[0]:
            if pending[0] == row[0]:
                h.update(_row_digest(pending[1:]))
            pending = next(versions, None)
        yield row[0], row[1], h.digest()


def verify(source: str, target: str, *, shown: int = 10) -> CopyReport:
    """Compare the archives at `source` and `target`: table by table (rows and digests), then
    cable by cable (the cable's digest and its versions')."""
    src = _open_side(source, readonly=True)
    dst = _open_side(target, readonly=True)
    try:
        dst_tables = set(dst.tables())
        names = list(ARCHIVE_TABLES) + [t for t in _extra_tables(src)]
        checks = []
        for table in names:
            if table not in dst_tables:
                checks.append(TableCheck(table, src.count(table), 0, False))
                continue
            columns = _columns(src, dst, table)
            a, b = _table_digest(src, table, columns), _table_digest(dst, table, columns)
            checks.append(TableCheck(table, a[0], b[0], a[1] == b[1]))
        differing: list[str] = []
        checked = 0
        theirs = _cable_digests(dst)
        other = next(theirs, None)
        for cid, ref, digest in _cable_digests(src):
            checked += 1
            while other is not None and other[0] < cid:
                other = next(theirs, None)
            if other is None or other[0] != cid or other[1] != ref or other[2] != digest:
                differing.append(ref)
        problems = ()
        if len(differing) > shown:
            problems = (f"{len(differing)} cables differ",)
        return CopyReport(tuple(checks), checked, tuple(differing[:shown]), problems)
    finally:
        src.close()
        dst.close()
