"""The desk's connection to the archive (a SQLite file or a PostgreSQL database): transactions,
settings, the access mode, the audit log."""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from cablegram.archive import compress
from cablegram.desk import alerts_schema, schema
from cablegram.transactions import PgCursor, immediate, is_postgres, pg_write

__all__ = ["ACCESS_MODES", "DeskDB", "DeskError", "Tx", "access_mode", "now_iso", "open_desk"]

ACCESS_MODES = ("open", "controlled")


class DeskError(Exception):
    """A desk operation that cannot be done: a one-line message for the user (and a field)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds and a Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Tx(Protocol):
    """What `DeskDB.transaction()` yields: `execute(sql, params)` with `?` placeholders on both
    backends, returning a cursor (`fetchone`, `fetchall`, `rowcount`); `executemany`."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any: ...


class _SQLite:
    """The desk in the archive's SQLite file: one connection."""

    def __init__(self, path: str, timeout: float) -> None:
        self.timeout = timeout
        self.db = sqlite3.connect(path, isolation_level=None, timeout=timeout, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        # the archive's views decompress with SQL functions: a schema change re-checks them
        compress.Codec(compress.sqlite_dictionaries(self.db)).register(self.db)
        schema.migrate(self.db)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        if self.db.in_transaction:  # a write inside a write: one transaction
            yield self.db
            return
        with immediate(self.db, busy_wait=self.timeout) as db:
            yield db

    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        self.db.close()


class _Postgres:
    """The desk in the archive's PostgreSQL schema: a pool of connections shared by threads; a
    thread inside `transaction()` reads through its transaction's connection (its own writes)."""

    def __init__(self, url: str, timeout: float, pool_size: int) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        from cablegram.desk import schema_pg

        self.timeout = timeout
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                schema_name, key = conn.execute("SELECT current_schema(), hashtext(current_schema() || %s)",
                                                (schema_pg.LOCK_NAME,)).fetchone()  # type: ignore[misc]
                if schema_name is None:
                    raise ConnectionError("its search_path names no schema that exists")
                self.lock_key = int(key)
                schema_pg.migrate(conn, self.lock_key)
        except psycopg.OperationalError as exc:
            raise ConnectionError(f"cannot connect to {redacted(url)}: {str(exc).strip()}") from None
        self.pool = ConnectionPool(url, min_size=1, max_size=max(1, pool_size), open=True,
                                   kwargs={"autocommit": True}, name="cablegram-desk", timeout=timeout)
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        tx: PgCursor | None = getattr(self._local, "tx", None)
        if tx is not None:  # a write inside a write: one transaction (a second would wait on the first)
            yield tx
            return
        with self.pool.connection() as conn, pg_write(conn, self.lock_key) as tx:
            self._local.tx = tx
            try:
                yield tx
            finally:
                self._local.tx = None

    def query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        tx: PgCursor | None = getattr(self._local, "tx", None)
        if tx is not None:
            return tx.execute(sql, params).fetchall()  # type: ignore[no-any-return]
        with self.pool.connection() as conn:
            return PgCursor(conn).execute(sql, params).fetchall()  # type: ignore[no-any-return]

    def close(self) -> None:
        self.pool.close()


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    return re.sub(r"^(\w+://[^:/@]+):[^@]*@", r"\1:***@", url)


class DeskDB:
    """The desk's connection to the archive: its SQLite file, or its PostgreSQL database (the
    same schema as the archive's tables), with the desk tables created or upgraded.

    Writes go through `transaction()`: on SQLite a `BEGIN IMMEDIATE` transaction (SQLite takes
    the write lock at once, so concurrent releases queue instead of reading stale counters); on
    PostgreSQL a transaction that first takes the desk's advisory lock, which gives the same
    (`cablegram.transactions.pg_write`). SQL is written once, with `?` placeholders and SQL both
    backends speak (`ON CONFLICT`, `RETURNING`); on PostgreSQL it is translated in one place
    (`cablegram.transactions.pg_sql`). A DeskDB on PostgreSQL may be shared by threads (a pool of
    at most `pool_size` connections); on SQLite, open one per thread.
    """

    def __init__(self, location: str | Path, *, timeout: float = 60.0, pool_size: int = 4) -> None:
        self.path = str(location)
        self.backend = "postgres" if is_postgres(self.path) else "sqlite"
        self._conn: _SQLite | _Postgres = (_Postgres(self.path, timeout, pool_size) if self.backend == "postgres"
                                           else _SQLite(self.path, timeout))
        alerts_schema.migrate(self)

    @property
    def db(self) -> sqlite3.Connection:
        """The SQLite connection (SQLite only: SQL shared by both backends goes through
        `transaction()`, `query()` and `one()`)."""
        if not isinstance(self._conn, _SQLite):
            raise TypeError("the desk is on PostgreSQL: use transaction(), query() or one()")
        return self._conn.db

    @property
    def shareable(self) -> bool:
        """Whether threads may share this DeskDB (PostgreSQL: a pool); on SQLite, one per thread."""
        return self.backend == "postgres"

    def close(self) -> None:
        """Close the connection(s)."""
        self._conn.close()

    def __enter__(self) -> DeskDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction (COMMIT at the end of the block, ROLLBACK when it raises): its
        writes and everyone else's queue, one at a time. A `transaction()` inside another joins it."""
        with self._conn.transaction() as tx:
            yield tx

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read (`?` placeholders)."""
        return self._conn.query(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        rows = self._conn.query(sql, params)
        return rows[0] if rows else None

    # --- settings -----------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        """A stored setting, or `default`."""
        row = self.one("SELECT value FROM desk_settings WHERE key = ?", (key,))
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """Store a setting."""
        with self.transaction() as db:
            db.execute("INSERT INTO desk_settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE"
                       " SET value = excluded.value", (key, value))

    @property
    def access_mode(self) -> str:
        """`open` (everyone reads everything: the default for an ingested corpus) or `controlled`
        (`access_mode(desk)`)."""
        return access_mode(self)

    def set_access_mode(self, mode: str) -> None:
        """Make the archive open or controlled."""
        if mode not in ACCESS_MODES:
            raise DeskError(f"access mode is one of {', '.join(ACCESS_MODES)}, not {mode!r}")
        self.set_setting("access_mode", mode)

    def secret_key(self) -> str:
        """The key that signs web sessions (made once, kept in the file)."""
        key = self.setting("secret_key")
        if key is None:
            key = secrets.token_urlsafe(32)
            with self.transaction() as db:
                db.execute("INSERT INTO desk_settings(key, value) VALUES ('secret_key', ?) ON CONFLICT DO NOTHING",
                           (key,))
            key = self.setting("secret_key") or key
        return key

    # --- audit --------------------------------------------------------------------------------

    def audit(self, action: str, *, user: Any = None, draft_id: int | None = None,
              reference_id: str | None = None, detail: dict[str, Any] | str | None = None,
              db: Tx | None = None) -> None:
        """Record who did what and when (inside the caller's transaction when `db` is given)."""
        text = json.dumps(detail, ensure_ascii=False) if isinstance(detail, dict) else detail
        row = (now_iso(), getattr(user, "id", None), getattr(user, "username", None), action, draft_id,
               reference_id, text)
        sql = ("INSERT INTO desk_audit(at, user_id, username, action, draft_id, reference_id, detail)"
               " VALUES (?, ?, ?, ?, ?, ?, ?)")
        if db is not None:
            db.execute(sql, row)
        else:
            with self.transaction() as tx:
                tx.execute(sql, row)

    def audit_log(self, *, draft_id: int | None = None, reference_id: str | None = None,
                  limit: int = 200) -> list[dict[str, Any]]:
        """Audit entries, newest last (of one draft or cable when given)."""
        where, params = "1 = 1", []
        if draft_id is not None:
            where, params = "draft_id = ?", [draft_id]
        elif reference_id is not None:
            where, params = "reference_id = ?", [reference_id]
        rows = self.query(f"SELECT id, at, username, action, draft_id, reference_id, detail FROM desk_audit"
                          f" WHERE {where} ORDER BY id DESC LIMIT ?", (*params, limit))
        keys = ("id", "at", "user", "action", "draft_id", "reference_id", "detail")
        return [dict(zip(keys, r, strict=True)) for r in reversed(rows)]


def _mode(value: str | None) -> str:
    """The access mode a stored value stands for: no value is `open`; anything but `open` is
    `controlled` (fail closed)."""
    return "open" if value in (None, "open") else "controlled"


_MODE_SQL = "SELECT value FROM desk_settings WHERE key = 'access_mode'"


def access_mode(source: DeskDB | str | Path) -> str:
    """The archive's access mode, `open` or `controlled`: the one way it is read.

    `source` is an open desk, or where the archive is (a SQLite file or a `postgresql://` URL):
    then it is read without opening the desk or writing anything (an archive with no desk
    tables is `open`, as a read-only research archive is)."""
    if isinstance(source, DeskDB):
        return _mode(source.setting("access_mode"))
    location = str(source)
    if is_postgres(location):
        import psycopg

        with psycopg.connect(location, autocommit=True, connect_timeout=10) as conn:
            if conn.execute("SELECT to_regclass('desk_settings')").fetchone()[0] is None:  # type: ignore[index]
                return "open"
            row = conn.execute(_MODE_SQL).fetchone()
        return _mode(row[0] if row else None)
    db = sqlite3.connect(Path(location).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        row = db.execute(_MODE_SQL).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        row = None
    finally:
        db.close()
    return _mode(row[0] if row else None)


def open_desk(location: str | Path | None = None, **options: Any) -> DeskDB:
    """The desk of the archive at `location` (a SQLite file or a `postgresql://` URL; default
    `$CABLEGRAM_ARCHIVE` or ./cablegram.db), its tables created or upgraded."""
    from cablegram.archive import archive_location

    return DeskDB(archive_location(location), **options)
