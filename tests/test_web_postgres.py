"""The reading room and JSON API on a PostgreSQL archive: the pages a reader opens answer as on
SQLite, from the same cables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from archive_fixtures import need_parser
from cablegram.archive import ingest, open_archive
from pg_support import fresh_schema

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    need_parser()
    from fastapi.testclient import TestClient

    from cablegram.web import create_app
    from corpus import dev_records

    records = dev_records()[:300]
    path = tmp_path_factory.mktemp("web") / "w.db"
    with fresh_schema("web") as url:
        for location in (str(path), url):
            with open_archive(location) as a:
                ingest(a, records, workers=0)
        with TestClient(create_app(str(path))) as sqlite, TestClient(create_app(url)) as pg:
            yield sqlite, pg


def test_api_search_answers_as_on_sqlite(clients: tuple[Any, Any]) -> None:
    sqlite, pg = clients
    for q in ("president", "tag:PGOV election*", "class:secret", ""):
        params = [("q", q), ("facet", "origin"), ("facet", "year"), ("limit", "5")]
        a, b = sqlite.get("/api/search", params=params), pg.get("/api/search", params=params)
        assert b.status_code == a.status_code == 200
        assert (b.json()["total"], b.json()["facets"]) == (a.json()["total"], a.json()["facets"])
    bad = pg.get("/api/search", params={"q": "georgia ("})
    assert bad.status_code == 400


def test_pages_of_a_cable_and_the_search_page(clients: tuple[Any, Any]) -> None:
    sqlite, pg = clients
    hit = pg.get("/api/search", params={"q": "president", "limit": 1}).json()["hits"][0]
    ref = hit["reference_id"]
    for path in ("/", "/search?q=president", f"/cable/{ref}", f"/cable/{ref}.json",
                 f"/cable/{ref}.txt", f"/cable/{ref}/versions", "/browse"):
        r = pg.get(path)
        assert r.status_code == sqlite.get(path).status_code == 200, path
    assert pg.get(f"/cable/{ref}.json").json() == sqlite.get(f"/cable/{ref}.json").json()
    assert ref in pg.get("/search?q=president").text
    assert pg.get("/cable/99NOWHERE1").status_code == 404
