"""Hostile input: SQL, HTML and script payloads in queries, ids and cable text; huge and
malformed parameters. Each gets a clean 4xx or an escaped page; nothing executes, nothing
reaches SQL, nothing comes back unescaped. On SQLite and on PostgreSQL (`web_client`,
`synth_backend_client` in conftest.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from test_web_support import HOSTILE_SUBJECT, hostile_cable_text


@pytest.fixture()
def client(web_client: Any) -> Any:
    """Each test taking `client` runs on both archives, each on both backends."""
    return web_client

PAYLOADS = [
    "'; DROP TABLE cables; --",
    '" OR 1=1 --',
    "1 UNION SELECT raw_text FROM cables",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "origin:\"<script>alert('o')</script>\"",
    "tag:<svg/onload=alert(1)>",
    "{{ 7*7 }} {% raw %}",
    "\x00\x01\x1f",
    "../../../../etc/passwd",
    "%27%22%3Cscript%3E",
    "NEAR(a b) cables_fts MATCH *",
    "\u202eevil\u202c ‮",
    "(((((((((((((((((((((",
    "a" * 1999,
]
RAW_MARKERS = ("<script>alert", "<img src=x", "<svg/onload")


def _ok_status(status: int) -> bool:
    return status in (200, 400, 404, 422)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_the_query(client: Any, payload: str) -> None:
    before = client.get("/api/stats").json()["cables"]
    for path in ("/api/search", "/api/facets", "/search"):
        r = client.get(path, params={"q": payload, "facet": "origin"} if "api" in path else {"q": payload})
        assert _ok_status(r.status_code), (path, r.status_code, r.text[:200])
        if path == "/search":
            for marker in RAW_MARKERS:
                assert marker not in r.text
        else:
            assert "error" in r.json() or "total" in r.json()
    r = client.get("/search", params={"q": "minister", "f": payload})
    assert _ok_status(r.status_code)
    assert client.get("/api/stats").json()["cables"] == before  # nothing dropped


@pytest.mark.parametrize("payload", PAYLOADS[:13])
def test_payloads_as_ids(client: Any, payload: str) -> None:
    for path in ("/api/cables/{}", "/api/cables/{}/raw", "/api/cables/{}/references",
                 "/api/cables/{}/thread", "/api/cables/{}/versions", "/cable/{}",
                 "/cable/{}/graph", "/cable/{}/versions", "/cable/{}.txt", "/collections/{}",
                 "/api/collections/{}"):
        r = client.get(path.format(quote(payload, safe="")))
        assert _ok_status(r.status_code), (path, payload, r.status_code)
        assert r.status_code != 200 or "collections" in path
        for marker in RAW_MARKERS:
            assert marker not in r.text or r.headers["content-type"].startswith("application/json")


def test_suggest_with_payloads(client: Any) -> None:
    for payload in PAYLOADS[:-1]:
        r = client.get("/api/suggest", params={"q": payload[:200]})
        assert r.status_code == 200 and isinstance(r.json()["suggestions"], list)


@pytest.mark.parametrize("params", [
    {"limit": 10**30}, {"limit": "1e3"}, {"offset": -1}, {"offset": 10**12}, {"sort": "'; --"},
    {"facet": "origin; DROP"}, {"q": "x" * 5000}, {"filters": "y" * 5000},
])
def test_huge_and_malformed_parameters(client: Any, params: dict[str, Any]) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 422 and r.json()["error"]


def test_too_many_filters_and_pages(client: Any) -> None:
    assert client.get("/search", params=[("f", f"tag:T{i}") for i in range(100)]).status_code == 422
    assert client.get("/search", params={"page": 10**9}).status_code == 422
    assert client.get("/cable/" + "A" * 500).status_code == 422


def test_hostile_cable_text_is_escaped(synth_backend_client: Any) -> None:
    rid, _text = hostile_cable_text()
    html = synth_backend_client.get(f"/cable/{rid}").text
    assert HOSTILE_SUBJECT not in html
    assert "&lt;script&gt;alert(&#34;subject&#34;)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html  # not evaluated as a template
    hits = synth_backend_client.get("/search", params={"q": "onerror"}).text
    assert rid in hits and "<img src=x" not in hits
    assert "<img src=x" not in synth_backend_client.get(f"/cable/{rid}/graph").text
    raw = synth_backend_client.get(f"/cable/{rid}.txt")
    assert raw.headers["content-type"].startswith("text/plain")
    assert raw.headers["x-content-type-options"] == "nosniff"


def test_cross_site_posts_are_refused(synth_backend_client: Any) -> None:
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Referer": "http://evil.example/page"}):
        r = synth_backend_client.post("/collections", data={"name": "x"}, headers=headers)
        assert r.status_code == 403
