"""The web tests' archives and clients, each built once a session, on each backend.

Two archives: synthetic cables (with threads, versions and one cable of hostile text) and a slice
of the real dev corpus with its re-released versions (see `test_web_support`). `web_client` and
`synth_backend_client` run a test on SQLite and on PostgreSQL (`archive_backend`, tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pg_support import fresh_schema, ingested, pg_server


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """(archive path, synthetic items) built once: the web tests' synthetic SQLite archive."""
    from test_web_support import build_synthetic

    path = tmp_path_factory.mktemp("web") / "synthetic.db"
    return path, build_synthetic(path)


@pytest.fixture(scope="session")
def dev_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 800 dev cables and every re-released version, ingested once into SQLite."""
    from itertools import islice

    from cablegram.archive import ingest, open_archive
    from cablegram.sources import read_path
    from corpus import DEV
    from test_web_support import VERSIONS

    if not DEV.exists():
        pytest.skip(f"the shared dev corpus is absent ({DEV})")
    path = tmp_path_factory.mktemp("web") / "dev-slice.db"
    records = list(islice(read_path(DEV), 800))
    if VERSIONS.exists():
        records += list(read_path(VERSIONS))
    with open_archive(path) as archive:
        ingest(archive, records, workers=0)
    return path


@pytest.fixture(scope="session")
def synth_client(synthetic: tuple[Path, list[Any]]) -> Any:
    from test_web_support import make_client

    return make_client(synthetic[0])


@pytest.fixture(scope="session")
def dev_client(dev_slice: Path) -> Any:
    from test_web_support import make_client

    return make_client(dev_slice)


@pytest.fixture(scope="session")
def synth_pg_client() -> Iterator[Any]:
    """`synth_client` on PostgreSQL: the same synthetic cables (and the hostile one)."""
    from test_web_support import build_synthetic, make_client

    pg_server()
    with fresh_schema("synth") as url:
        build_synthetic(url)  # type: ignore[arg-type]
        client = make_client(url)  # type: ignore[arg-type]
        yield client
        client.app.state.pool.close()


@pytest.fixture(scope="session")
def dev_pg_client() -> Iterator[Any]:
    """`dev_client` on PostgreSQL: the same slice of the dev corpus with every version."""
    from test_web_support import make_client

    pg_server()

    def records() -> Any:
        from itertools import islice

        from cablegram.sources import read_path
        from corpus import DEV
        from test_web_support import VERSIONS

        if not DEV.exists():
            pytest.skip(f"the shared dev corpus is absent ({DEV})")
        out = list(islice(read_path(DEV), 800))
        return out + (list(read_path(VERSIONS)) if VERSIONS.exists() else [])

    for url in ingested("devslice", records):
        client = make_client(url)  # type: ignore[arg-type]
        yield client
        client.app.state.pool.close()


@pytest.fixture(params=["synthetic", "dev"])
def web_client(request: pytest.FixtureRequest, archive_backend: str) -> Any:
    """A test client over the synthetic archive and over the dev slice, on each backend."""
    synth = request.param == "synthetic"
    if archive_backend == "sqlite":
        return request.getfixturevalue("synth_client" if synth else "dev_client")
    return request.getfixturevalue("synth_pg_client" if synth else "dev_pg_client")


@pytest.fixture()
def synth_backend_client(request: pytest.FixtureRequest, archive_backend: str) -> Any:
    """A test client over the synthetic archive, on each backend."""
    return request.getfixturevalue("synth_client" if archive_backend == "sqlite" else "synth_pg_client")
