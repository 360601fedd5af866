"""Shared fixtures: one archive per backend (`archive_backend`: "sqlite", "postgres").

A test taking `backend_location` or `backend_archive` runs once on a fresh SQLite file and once
on a fresh PostgreSQL schema (marked `postgres`; skipped, with the reason, without
`$CABLEGRAM_TEST_PG`). With `CABLEGRAM_REQUIRE_PG=1` (CI), or `CI=true` and
`$CABLEGRAM_TEST_PG` set, the run fails when a PostgreSQL test was skipped or none ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pg_support import ENV, fresh_schema

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def archive_backend(request: pytest.FixtureRequest) -> str:
    """The backend a test runs on."""
    return str(request.param)


@pytest.fixture()
def backend_location(archive_backend: str, tmp_path: Path) -> Iterator[str]:
    """Where a new, empty archive of the backend is: a file path or a `postgresql://` URL."""
    if archive_backend == "sqlite":
        yield str(tmp_path / "archive.db")
        return
    with fresh_schema() as url:
        yield url


@pytest.fixture()
def backend_archive(backend_location: str) -> Iterator[Any]:
    """A new, empty, open archive of the backend."""
    from cablegram.archive import open_archive

    archive = open_archive(backend_location)
    yield archive
    archive.close()


# --- CI: the PostgreSQL tests must run -------------------------------------------------------

_pg = {"ran": 0, "skipped": []}


def _required() -> bool:
    return os.environ.get("CABLEGRAM_REQUIRE_PG") == "1" or (
        os.environ.get("CI", "").lower() == "true" and bool(os.environ.get(ENV)))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    if report.skipped:
        _pg["skipped"].append(report.nodeid)  # type: ignore[attr-defined]
    elif report.when == "call":
        _pg["ran"] += 1  # type: ignore[operator]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _required() or session.config.option.collectonly:
        return
    skipped: list[str] = _pg["skipped"]  # type: ignore[assignment]
    if skipped or not _pg["ran"]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    skipped: list[str] = _pg["skipped"]  # type: ignore[assignment]
    if _required() and (skipped or not _pg["ran"]):
        terminalreporter.write_line(
            f"FAILED: PostgreSQL is required here but {len(skipped)} postgres test(s) skipped"
            f" and {_pg['ran']} ran: " + ", ".join(skipped[:5]), red=True)
