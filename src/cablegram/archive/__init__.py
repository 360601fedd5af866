"""The archive: storage and search behind one interface (`Archive`).

    >>> from cablegram.archive import open_archive
    >>> with open_archive("cables.db") as archive:          # doctest: +SKIP
    ...     result = archive.search("georgia origin:moscow", facets=["year"])

`open_archive(path)` picks the backend from the path: a file path is the embedded SQLite + FTS5
archive; a `postgresql://` URL is the PostgreSQL backend (`PostgresArchive`, psycopg 3 with a
connection pool: `pip install "cablegram[postgres]"`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from cablegram.archive.base import (
    FACETS,
    MARK_END,
    MARK_START,
    AccessFilter,
    Archive,
    ArchiveWriter,
    FacetCount,
    Hit,
    References,
    RefLink,
    SearchResult,
    Thread,
    VersionInfo,
)
from cablegram.archive.ingest import IngestReport, ingest
from cablegram.archive.query import QueryError
from cablegram.archive.sqlite import SQLiteArchive

if TYPE_CHECKING:
    from cablegram.archive.postgres import PostgresArchive

__all__ = [
    "DEFAULT_PATH",
    "FACETS",
    "MARK_END",
    "MARK_START",
    "AccessFilter",
    "Archive",
    "ArchiveWriter",
    "FacetCount",
    "Hit",
    "IngestReport",
    "QueryError",
    "RefLink",
    "References",
    "SQLiteArchive",
    "SearchResult",
    "Thread",
    "VersionInfo",
    "archive_location",
    "ingest",
    "open_archive",
]

DEFAULT_PATH = "cablegram.db"


def archive_location(path: str | Path | None = None) -> str:
    """Where the archive is: `path`, else `$CABLEGRAM_ARCHIVE`, else `./cablegram.db`."""
    return str(path or os.environ.get("CABLEGRAM_ARCHIVE") or DEFAULT_PATH)


def open_archive(path: str | Path | None = None, *, readonly: bool = False,
                 pool_size: int = 4) -> SQLiteArchive | PostgresArchive:
    """Open (creating and migrating if need be) the archive at `path`: a SQLite file, or a
    `postgresql://` URL (a `PostgresArchive`; both implement `Archive` and `ArchiveWriter`).

    `readonly=True` opens an existing archive without writing to it (no migration);
    `pool_size` is the most connections a PostgreSQL archive opens (threads share them).
    """
    location = archive_location(path)
    if location.startswith(("postgresql://", "postgres://")):
        try:
            from cablegram.archive.postgres import PostgresArchive
        except ImportError as exc:  # psycopg is an optional dependency
            raise NotImplementedError(
                f"PostgreSQL needs psycopg and psycopg_pool (pip install 'cablegram[postgres]'): {exc}"
            ) from None
        archive: SQLiteArchive | PostgresArchive = PostgresArchive(location, readonly=readonly, pool_size=pool_size)
    else:
        if readonly and not Path(location).exists():
            raise FileNotFoundError(f"no archive at {location}")
        archive = SQLiteArchive(location, readonly=readonly)
    if not readonly:  # the entity mentions' table is its module's own (`entities_store`)
        from cablegram.archive import entities_store

        entities_store.ensure(archive)
    return archive
