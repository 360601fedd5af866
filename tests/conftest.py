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

from pg_support import BACKENDS, ENV, fresh_schema, ingested, pg_server


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


# --- the dev corpus, and the web tests' archives, on each backend ----------------------------
#
# One session-scoped archive per backend, built once: `archive_backend` above picks which one a
# test gets. They are defined here and only here (the web tests' own archives and clients in
# tests/web/conftest.py): a fixture imported into a test module is a new fixture of that module,
# and a session one is then built again for each importing module.


@pytest.fixture(scope="session")
def dev_archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev corpus ingested once into SQLite (clean, uninterrupted run)."""
    from archive_fixtures import DEV, ingest_paths, need_parser

    need_parser()
    path = tmp_path_factory.mktemp("archive") / "dev.db"
    ingest_paths(path, [DEV])
    return path


@pytest.fixture()
def dev_archive(dev_archive_path: Path) -> Iterator[Any]:
    """The SQLite dev corpus archive, open read-only."""
    from cablegram.archive import open_archive

    archive = open_archive(dev_archive_path, readonly=True)
    yield archive
    archive.close()


@pytest.fixture(scope="session")
def dev_pg_url() -> Iterator[str]:
    """The dev corpus ingested once per session into a fresh PostgreSQL schema."""
    from archive_fixtures import need_parser

    need_parser()
    pg_server()  # skip before reading anything when there is no server

    def records() -> Any:
        from cablegram.sources import read_paths
        from corpus import DEV

        return read_paths([str(DEV)])

    yield from ingested("dev", records)


@pytest.fixture()
def dev_location(archive_backend: str, request: pytest.FixtureRequest) -> str:
    """The dev corpus archive on the test's backend: a file path or a `postgresql://` URL (read
    it only: it is shared by the session)."""
    if archive_backend == "sqlite":
        return str(request.getfixturevalue("dev_archive_path"))
    return str(request.getfixturevalue("dev_pg_url"))


@pytest.fixture()
def dev_backend_archive(dev_location: str) -> Iterator[Any]:
    """The dev corpus archive on the test's backend, open read-only."""
    from cablegram.archive import open_archive

    archive = open_archive(dev_location, readonly=True)
    yield archive
    archive.close()
