"""What the code above the backends needs from one: the interfaces it is written against.

`search.py`, `facets.py`, `graph.py`, `export.py` and the reader's match source take these, not a
backend class, so no backend module is imported by what it uses (the old circle: `sqlite.py`
imported `search`, `graph`, `export`, and they imported `SQLiteArchive` back).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

from cablegram.archive.base import AccessFilter

__all__ = ["Queryable", "SQLBackend"]


class Queryable(Protocol):
    """Any backend: read-only SQL shared by both (`?` placeholders) and its access filter as SQL."""

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query written with `?` placeholders."""

    def access_sql(self, access: AccessFilter | None) -> str:
        """SQL over `f` (cable_facets) hiding what `access` may not see."""

    def generation(self) -> Any:
        """Changes when the data change: a cache key."""


class SQLBackend(Queryable, Protocol):
    """The SQLite archive as the FTS5 search functions use it."""

    db: sqlite3.Connection
    query_timeout: float | None
    _cache: dict[Any, Any]

    def dims(self) -> dict[str, dict[Any, Any]]: ...
    def origin_ids(self, value: str) -> list[int]: ...
    def class_ids(self, value: str) -> list[int]: ...
    def caveat_bit(self, value: str) -> int | None: ...
    def addressee_names(self, value: str) -> list[str]: ...
