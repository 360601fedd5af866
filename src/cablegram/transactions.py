"""Write transactions and shared SQL, one place for both backends.

- `immediate(db)`: one SQLite write transaction, the way every SQLite writer in cablegram opens
  one (`busy_wait` seconds of retries while another process holds the write lock).
- `pg_write(conn, key)`: one PostgreSQL write transaction that first takes the transaction-scoped
  advisory lock `key`: what `BEGIN IMMEDIATE` is on SQLite (see its docstring).
- `pg_sql(sql)`: SQL written with `?` placeholders (the SQL shared with SQLite) as psycopg's `%s`;
  `PgCursor` runs such SQL on a psycopg connection like `sqlite3.Connection.execute` does.
- `archive_rows(archive, sql, params)`: rows of `?` SQL on an archive of either backend.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

__all__ = ["PgCursor", "archive_rows", "immediate", "is_postgres", "pg_sql", "pg_write"]


def is_postgres(location: object) -> bool:
    """Whether `location` names a PostgreSQL database (a `postgresql://` URL)."""
    return isinstance(location, str) and location.startswith(("postgresql://", "postgres://"))


def _busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


@contextmanager
def immediate(db: sqlite3.Connection, *, busy_wait: float = 0.0) -> Iterator[sqlite3.Connection]:
    """`BEGIN IMMEDIATE` (the write lock at once, so two writers queue rather than deadlock)
    ... `COMMIT`, or `ROLLBACK` when the block raises. `db` must be in autocommit mode.

    With `busy_wait`, a `BEGIN` refused because the file is busy is retried for that many seconds
    (on top of the connection's own busy timeout)."""
    deadline = time.monotonic() + busy_wait
    attempt = 0
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() >= deadline:
                raise
            attempt += 1
            time.sleep(min(0.2, 0.01 + 0.001 * attempt))
    try:
        yield db
    except BaseException:
        if db.in_transaction:  # SQLite has rolled back itself on some errors (SQLITE_FULL)
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# --- PostgreSQL -------------------------------------------------------------------------------

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|%")


@lru_cache(maxsize=1024)
def pg_sql(sql: str) -> str:
    """`sql` with `?` placeholders as psycopg's `%s` (and a literal `%` doubled), leaving quoted
    strings and names alone: the one translation of the shared SQL for PostgreSQL."""
    def sub(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        return token.replace("%", "%%")  # in a literal: psycopg still reads `%`
    return _TOKENS.sub(sub, sql)


class PgCursor:
    """A psycopg connection taking the `?` SQL that `sqlite3.Connection` takes: `execute`
    returns a cursor (`fetchone`, `fetchall`, `rowcount`), `executemany` runs one statement for
    each row of parameters."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.conn.execute(pg_sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        cur = self.conn.cursor()
        rows = [tuple(r) for r in rows]
        if rows:
            cur.executemany(pg_sql(sql), rows)
        return cur


@contextmanager
def pg_write(conn: Any, key: int) -> Iterator[PgCursor]:
    """One PostgreSQL write transaction that serialises with every other one taking `key`.

    The first statement takes `pg_advisory_xact_lock(key)`: a second writer (another thread,
    process or machine) waits there until the first commits or rolls back, as a second
    `BEGIN IMMEDIATE` waits on SQLite. The transaction is READ COMMITTED, so every statement
    after the lock sees everything committed before it: counters read under the lock (a post's
    next serial, a channel's next sequence number) are current, and each is taken by one writer
    only, so they stay gapless and unique. Writers queue rather than fail: under this one lock
    no two of them hold row locks the other waits for, and READ COMMITTED raises no
    serialization failures, so there is nothing to retry (the lock wait itself is the retry
    loop SQLite needed for SQLITE_BUSY). The lock ends with the transaction, also when the
    connection drops. `conn` must be in autocommit mode."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
        yield PgCursor(conn)


def archive_rows(archive: Any, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of a read written with `?` on `archive` (or the archive inside a `ControlledArchive`,
    read unchecked): SQLite or PostgreSQL."""
    inner = getattr(archive, "inner", archive)
    fetch = getattr(inner, "fetch", None)
    if fetch is not None:
        return fetch(sql, params)  # type: ignore[no-any-return]
    return inner.db.execute(sql, tuple(params)).fetchall()  # type: ignore[no-any-return]
