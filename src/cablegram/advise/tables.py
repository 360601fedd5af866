"""The advice's own tables in an archive, on either backend (a SQLite file or a PostgreSQL schema).

The archive's schema knows nothing of advice: these tables are created here, `IF NOT EXISTS`,
when a model is trained. Statements are written with `?` marks and a `{blob}`/`{serial}` type
for the one or two places where the backends' SQL differs.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from cablegram.transactions import PgCursor


class Tables(Protocol):
    """What advice needs of an archive's connection."""

    postgres: bool

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def exists(self, table: str) -> bool: ...
    @contextmanager
    def writing(self) -> Iterator[Any]: ...


_TYPES = {False: {"blob": "BLOB", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"},
          True: {"blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY"}}


def ddl(statement: str, postgres: bool) -> str:
    return statement.format(**_TYPES[postgres])


class _SQLite:
    postgres = False

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, tuple(params)).fetchall()

    def exists(self, table: str) -> bool:
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (table,)).fetchone() is not None

    @contextmanager
    def writing(self) -> Iterator[Any]:
        """A transaction; yields an object with `execute(sql, params)` and `executemany`."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")


class _Postgres:
    postgres = True

    def __init__(self, archive: Any) -> None:
        self.archive = archive

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return list(self.archive.fetch(sql, params))

    def exists(self, table: str) -> bool:
        return self.archive.fetch("SELECT to_regclass(?) IS NOT NULL", (table,))[0][0] is True

    @contextmanager
    def writing(self) -> Iterator[Any]:
        with self.archive.pool.connection() as conn, conn.transaction():
            yield PgCursor(conn)


def tables(archive: Any) -> Tables:
    """The advice tables of `archive` (a SQLite or PostgreSQL archive, or a reader's view of one)."""
    if hasattr(archive, "pool"):
        return _Postgres(archive)
    return _SQLite(archive.db)
