"""The desk's connection to the archive file: transactions, settings, the audit log."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cablegram.archive import compress
from cablegram.desk import schema

__all__ = ["ACCESS_MODES", "DeskDB", "DeskError", "now_iso"]

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


class DeskDB:
    """One read-write connection to the archive file, with the desk tables migrated.

    Writes go through `transaction()`, a `BEGIN IMMEDIATE` transaction: SQLite takes the write
    lock at once, so concurrent releases queue instead of reading stale counters.
    """

    def __init__(self, path: str | Path, *, timeout: float = 60.0) -> None:
        self.path = str(path)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")
        self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        # the archive's views decompress with SQL functions: a schema change re-checks them
        compress.Codec(compress.sqlite_dictionaries(self.db)).register(self.db)
        schema.migrate(self.db)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> DeskDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """`BEGIN IMMEDIATE` ... `COMMIT` (ROLLBACK on error), retried while the file is busy."""
        for attempt in range(200):
            try:
                self.db.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or attempt == 199:
                    raise
                time.sleep(0.01 + 0.001 * attempt)
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read."""
        return self.db.execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        """The first row of a read, or None."""
        row: tuple[Any, ...] | None = self.db.execute(sql, params).fetchone()
        return row

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
        """`open` (everyone reads everything: the default for an ingested corpus) or `controlled`."""
        return self.setting("access_mode", "open") or "open"

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
                db.execute("INSERT OR IGNORE INTO desk_settings(key, value) VALUES ('secret_key', ?)", (key,))
            key = self.setting("secret_key") or key
        return key

    # --- audit --------------------------------------------------------------------------------

    def audit(self, action: str, *, user: Any = None, draft_id: int | None = None,
              reference_id: str | None = None, detail: dict[str, Any] | str | None = None,
              db: sqlite3.Connection | None = None) -> None:
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
        where, params = "1", []
        if draft_id is not None:
            where, params = "draft_id = ?", [draft_id]
        elif reference_id is not None:
            where, params = "reference_id = ?", [reference_id]
        rows = self.query(f"SELECT id, at, username, action, draft_id, reference_id, detail FROM desk_audit"
                          f" WHERE {where} ORDER BY id DESC LIMIT ?", (*params, limit))
        keys = ("id", "at", "user", "action", "draft_id", "reference_id", "detail")
        return [dict(zip(keys, r, strict=True)) for r in reversed(rows)]
