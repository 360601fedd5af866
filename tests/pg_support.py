"""PostgreSQL for the tests: the server named by `$CABLEGRAM_TEST_PG`, a fresh schema per use.

Start a throwaway server with `eval "$(.ci/postgres.sh start)"` (README, Development). Without
the variable, or without psycopg, the PostgreSQL tests skip and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

ENV = "CABLEGRAM_TEST_PG"

#: The backends a test runs on, for `params=` or `parametrize` (the `archive_backend` fixture of
#: tests/conftest.py uses them); the PostgreSQL one is marked `postgres`.
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pg_server() -> str:
    """The test server's URL, or skip with the reason."""
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(f"${ENV} is not set: no PostgreSQL server to test on"
                    " (start one with `eval \"$(.ci/postgres.sh start)\"`)")
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"psycopg 3 and psycopg_pool are not installed: {exc}")
    return url


def with_schema(url: str, schema: str) -> str:
    """`url` with `schema` as the search path: an archive of its own in the same database."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-c search_path={schema}')}"


@contextmanager
def fresh_schema(prefix: str = "t") -> Iterator[str]:
    """The URL of a new, empty schema on the test server, dropped afterwards."""
    import psycopg

    url = pg_server()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield with_schema(url, name)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@contextmanager
def backend_location(backend: str, directory: Path, name: str = "archive") -> Iterator[str]:
    """Where a new, empty archive of `backend` is: a file in `directory`, or a fresh schema (named
    after `name`) that is dropped at the end."""
    if backend == "sqlite":
        yield str(directory / f"{name}.db")
        return
    with fresh_schema(name) as url:
        yield url


def ingested(prefix: str, records: Callable[[], Iterable[Any]]) -> Iterator[str]:
    """A fresh PostgreSQL schema holding `records` (a callable giving them), dropped at the end."""
    from cablegram.archive import ingest, open_archive

    with fresh_schema(prefix) as url:
        with open_archive(url) as archive:
            ingest(archive, records(), workers=2)
        yield url
