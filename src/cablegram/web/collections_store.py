"""Named collections of cables that readers save, kept in the archive (its SQLite file or its
PostgreSQL schema) in two tables of their own (`web_collections`, `web_collection_items`),
created when missing. The SQL is one for both backends (`?` placeholders, `ON CONFLICT`)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from cablegram.transactions import PgCursor, immediate, is_postgres

__all__ = ["NAME", "CollectionStore", "create_tables", "valid_name"]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _-]{0,63}$")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS web_collections (name TEXT PRIMARY KEY, created TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS web_collection_items (name TEXT NOT NULL, reference_id TEXT NOT"
    " NULL, added TEXT NOT NULL, PRIMARY KEY (name, reference_id))",
)


def _pg_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.Error,)


def valid_name(name: str) -> bool:
    """Letters, digits, spaces, '_' and '-', 1-64 characters, starting with a letter or digit."""
    return bool(NAME.match(name))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CollectionStore:
    """Collections in the archive at `path`, a SQLite file or a `postgresql://` URL (None:
    collections are unavailable)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._ready = False

    @property
    def available(self) -> bool:
        return self.path is not None

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[Any]:
        """A connection taking `?` SQL for the block (one transaction when `write`)."""
        if self.path is None:
            raise OSError("this archive has no file to keep collections in")
        if is_postgres(self.path):
            import psycopg

            with psycopg.connect(self.path, autocommit=True, connect_timeout=10) as conn:
                pg = PgCursor(conn)
                self._create(pg)
                if write:
                    with conn.transaction():
                        yield pg
                else:
                    yield pg
            return
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            self._create(db)
            if write:
                with immediate(db):
                    yield db
            else:
                yield db
        finally:
            db.close()

    def _create(self, db: Any) -> None:
        if not self._ready:
            for statement in _SCHEMA:
                db.execute(statement)
            self._ready = True

    def names(self) -> list[str]:
        """Every collection's name, in order."""
        if self.path is None:
            return []
        try:
            with self._db() as db:
                return [r[0] for r in db.execute("SELECT name FROM web_collections ORDER BY name")]
        except (sqlite3.Error, *_pg_errors()):
            return []

    def summary(self) -> list[tuple[str, int, str]]:
        """(name, number of cables, created) of every collection."""
        with self._db() as db:
            return db.execute(
                "SELECT c.name, count(i.reference_id), c.created FROM web_collections c"
                " LEFT JOIN web_collection_items i ON i.name = c.name GROUP BY c.name"
                " ORDER BY c.name").fetchall()

    def exists(self, name: str) -> bool:
        with self._db() as db:
            return db.execute("SELECT 1 FROM web_collections WHERE name = ?", (name,)).fetchone() is not None

    def items(self, name: str, limit: int = 10_000) -> list[tuple[str, str]]:
        """(reference id, when added) of a collection's cables, in the order added."""
        with self._db() as db:
            return db.execute(
                "SELECT reference_id, added FROM web_collection_items WHERE name = ?"
                " ORDER BY added, reference_id LIMIT ?", (name, limit)).fetchall()

    def add(self, name: str, reference_id: str) -> None:
        """Save a cable into a collection (created if new); saving twice keeps one."""
        with self._db(write=True) as db:
            db.execute("INSERT INTO web_collections VALUES (?, ?) ON CONFLICT DO NOTHING", (name, _now()))
            db.execute("INSERT INTO web_collection_items VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (name, reference_id, _now()))

    def create(self, name: str) -> None:
        """An empty collection."""
        with self._db(write=True) as db:
            db.execute("INSERT INTO web_collections VALUES (?, ?) ON CONFLICT DO NOTHING", (name, _now()))

    def remove(self, name: str, reference_id: str) -> None:
        """Take a cable out of a collection."""
        with self._db(write=True) as db:
            db.execute("DELETE FROM web_collection_items WHERE name = ? AND reference_id = ?",
                       (name, reference_id))

    def delete(self, name: str) -> None:
        """Delete a collection and its list (the cables stay in the archive)."""
        with self._db(write=True) as db:
            db.execute("DELETE FROM web_collection_items WHERE name = ?", (name,))
            db.execute("DELETE FROM web_collections WHERE name = ?", (name,))


def create_tables(location: str) -> None:
    """Create the collections' tables in the archive at `location` (a file or a URL), if missing."""
    with CollectionStore(location)._db():
        pass
