"""The HTML pages: each renders, links where it should, and carries the security headers; on a
synthetic archive and a slice of the dev corpus, each on SQLite and on PostgreSQL (`web_client`,
`synth_backend_client` in conftest.py). User templates are tested on SQLite only (nothing in
them depends on the backend)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cablegram.archive import open_archive
from cablegram.web import NavLink, Settings, create_app
from cablegram.web.app import SECURITY_HEADERS


@pytest.fixture()
def client(web_client: Any) -> Any:
    """Each test taking `client` runs on both archives, each on both backends."""
    return web_client


def _rows(client: Any, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` read from the archive `client` serves, on either backend."""
    with open_archive(client.app.state.pool.path, readonly=True) as archive:
        fetch = getattr(archive, "fetch", None)
        return fetch(sql) if fetch is not None else archive.db.execute(sql).fetchall()


def _cited_cable(client: Any) -> tuple[str, str]:
    """(a cable that cites an archived one, the cited one)."""
    found = _rows(client, "SELECT r.from_id, r.to_id FROM refs r JOIN cables c"
                  " ON c.reference_id = r.to_id ORDER BY c.id, r.position LIMIT 1")
    assert found
    return found[0][0], found[0][1]


@pytest.mark.parametrize("path", ["/", "/search", "/search?q=minister", "/browse", "/browse/origins",
                                  "/browse/tags", "/browse/months", "/collections", "/about"])
def test_pages_render_with_security_headers(client: Any, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "<script>" not in r.text and " style=" not in r.text  # no inline script or style
    assert 'href="/search"' in r.text and 'href="/collections"' in r.text  # the nav


def test_search_page_facets_filter_and_chip(client: Any) -> None:
    r = client.get("/search", params={"q": "minister"})
    links = re.findall(r'href="(/search\?[^"]*f=class%3A[^"]*)"', r.text)
    assert links, "classification facet links"
    filtered = client.get(links[0].replace("&amp;", "&"))
    assert filtered.status_code == 200 and 'class="chip"' in filtered.text
    total = int(re.search(r"<strong>([\d,]+)</strong> cable", filtered.text)[1].replace(",", ""))
    assert 0 < total <= int(re.search(r"<strong>([\d,]+)</strong> cable", r.text)[1].replace(",", ""))
    assert "<mark>" in r.text and 'class="chart timeline"' in r.text  # the labelled histogram


def test_search_page_paging_and_sort(synth_backend_client: Any) -> None:
    c = synth_backend_client
    r = c.get("/search", params={"sort": "-date", "page": 2})
    assert r.status_code == 200 and 'rel="prev"' in r.text and 'rel="next"' in r.text
    assert c.get("/search", params={"page": 0}).status_code == 422
    bad = c.get("/search", params={"q": '"open'})
    assert bad.status_code == 400 and "unclosed quote" in bad.text and "<!DOCTYPE html>" in bad.text


def test_cable_page_is_laid_out_like_the_telegram(client: Any) -> None:
    rid, cited = _cited_cable(client)
    r = client.get(f"/cable/{rid}")
    assert r.status_code == 200
    html = r.text
    assert 'class="routing"' in html or 'class="classline' in html
    assert re.search(r'id="par1"', html) and 'href="#par1"' in html
    assert f'href="/cable/{cited}"' in html and 'class="ref resolved"' in html
    assert 'class="badge big' in html and "TAGS" in html
    assert f'href="/cable/{rid}.txt"' in html and f'href="/cable/{rid}.json"' in html
    back = client.get(f"/cable/{cited}").text
    assert f'href="/cable/{rid}"' in back  # cited by
    assert client.get(f"/cable/{rid}.txt").headers["content-type"].startswith("text/plain")
    assert client.get(f"/cable/{rid}.json").json()["reference_id"] == rid


def test_missing_references_are_marked(synth_backend_client: Any) -> None:
    found = _rows(synth_backend_client, "SELECT from_id FROM refs WHERE to_id IS NOT NULL AND to_id NOT IN"
                  " (SELECT reference_id FROM cables) ORDER BY from_id, position LIMIT 1")
    assert found
    assert "not in the archive" in synth_backend_client.get(f"/cable/{found[0][0]}").text


def test_unknown_cable_is_a_404_page(client: Any) -> None:
    r = client.get("/cable/99NOWHERE1")
    assert r.status_code == 404 and "99NOWHERE1" in r.text and "<!DOCTYPE html>" in r.text
    assert client.get("/no/such/page").status_code == 404


def test_graph_page_draws_the_thread(client: Any) -> None:
    rid, cited = _cited_cable(client)
    r = client.get(f"/cable/{cited}/graph")
    assert r.status_code == 200
    assert '<svg class="thread"' in r.text and f'data-id="{rid}"' in r.text
    assert r.text.count('class="node') >= 2 and 'class="edge' in r.text
    assert client.get(f"/cable/{cited}/graph", params={"depth": 3}).status_code == 200


def test_versions_page_shows_a_diff(client: Any) -> None:
    rid = _rows(client, "SELECT reference_id FROM versions ORDER BY id LIMIT 1")[0][0]
    r = client.get(f"/cable/{rid}/versions")
    assert r.status_code == 200 and 'class="diff"' in r.text
    assert 'class="add"' in r.text or 'class="del"' in r.text
    assert client.get(f"/cable/{rid}/versions", params={"a": 0, "b": 0}).status_code == 200
    assert client.get(f"/cable/{rid}/versions", params={"a": 50}).status_code == 404


def test_overview_has_timeline_and_map(client: Any) -> None:
    html = client.get("/").text
    assert 'class="chart timeline"' in html and 'class="chart map"' in html
    assert html.count('<circle class="dot"') >= 5


def test_user_templates_override_and_views_register_nav(tmp_path: Path, synthetic: Any) -> None:
    (tmp_path / "about.html").write_text('{% extends "base.html" %}{% block content %}MY HELP{% endblock %}')
    app = create_app(synthetic[0], settings=Settings(templates=tmp_path, title="My archive"))
    app.state.nav.append(NavLink("/desk", "Desk", 60))
    from fastapi.testclient import TestClient

    html = TestClient(app).get("/about").text
    assert "MY HELP" in html and "My archive" in html and 'href="/desk"' in html
