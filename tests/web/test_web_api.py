"""The JSON API: every endpoint on a synthetic archive and on a slice of the real dev corpus, each
on SQLite and on PostgreSQL (`web_client`, `synth_backend_client` in conftest.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cablegram.archive import FACETS, open_archive


@pytest.fixture()
def client(web_client: Any) -> Any:
    """Each test taking `client` runs on both archives, each on both backends."""
    return web_client


def rows(client: Any, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` read from the archive `client` serves, on either backend."""
    with open_archive(client.app.state.pool.path, readonly=True) as archive:
        fetch = getattr(archive, "fetch", None)
        return fetch(sql) if fetch is not None else archive.db.execute(sql).fetchall()


def _some_id(client: Any, q: str = "") -> str:
    hits = client.get("/api/search", params={"q": q, "limit": 1}).json()["hits"]
    assert hits, q
    return hits[0]["reference_id"]


def test_search_returns_hits_total_and_facets(client: Any) -> None:
    r = client.get("/api/search", params=[("q", "minister"), ("facet", "origin"),
                                          ("facet", "classification"), ("limit", 5)])
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["total"] > 0 and 0 < len(body["hits"]) <= 5
    assert set(body["facets"]) == {"origin", "classification"}
    assert sum(f["count"] for f in body["facets"]["classification"]) == body["total"]
    hit = body["hits"][0]
    assert set(hit) >= {"reference_id", "created", "origin", "classification", "subject", "snippet"}


def test_search_same_as_the_archive(client: Any) -> None:
    with open_archive(client.app.state.pool.path, readonly=True) as archive:
        expected = archive.search("government", filters="class:confidential", limit=10,
                                  offset=3, sort="-date")
    got = client.get("/api/search", params={"q": "government", "filters": "class:confidential",
                                            "limit": 10, "offset": 3, "sort": "-date"}).json()
    assert [h["reference_id"] for h in got["hits"]] == [h.reference_id for h in expected.hits]
    assert got["total"] == expected.total


def test_search_paging_is_consistent(client: Any) -> None:
    first = client.get("/api/search", params={"q": "", "limit": 10, "sort": "date"}).json()
    second = client.get("/api/search", params={"q": "", "limit": 5, "offset": 5, "sort": "date"}).json()
    assert [h["reference_id"] for h in first["hits"][5:]] == [h["reference_id"] for h in second["hits"]]


def test_malformed_query_is_400_with_the_archive_message(client: Any) -> None:
    for q, words in (('"unclosed', "unclosed quote"), ("(georgia", "missing ')'"),
                     ("colour:red", "unknown field"), ("from:2008-13", "bad date")):
        r = client.get("/api/search", params={"q": q})
        assert r.status_code == 400, q
        assert words in r.json()["error"], r.json()


def test_bad_parameters_are_422(client: Any) -> None:
    for params in ({"limit": 101}, {"limit": -1}, {"offset": 10_001}, {"offset": "x"},
                   {"sort": "random"}, {"facet": "colour"}, {"q": "x" * 2001}):
        r = client.get("/api/search", params=params)
        assert r.status_code == 422, params
        assert "error" in r.json()


def test_cable_json_raw_and_404(client: Any) -> None:
    rid = _some_id(client, "minister")
    record = client.get(f"/api/cables/{rid}").json()
    assert record["reference_id"] == rid and "paragraphs" in record
    raw = client.get(f"/api/cables/{rid}/raw")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/plain")
    assert rid[2:].rstrip("0123456789")[:4] in raw.text.replace(" ", "")
    assert client.get(f"/api/cables/{rid.lower()}").json()["reference_id"] == rid
    missing = client.get("/api/cables/99NOWHERE1")
    assert missing.status_code == 404 and "99NOWHERE1" in missing.json()["error"]
    assert client.get("/api/cables/99NOWHERE1/raw").status_code == 404


def test_references_and_thread(synth_backend_client: Any) -> None:
    c = synth_backend_client
    q = c.get("/api/search", params={"q": "", "limit": 100, "sort": "-date"}).json()
    for hit in q["hits"]:
        refs = c.get(f"/api/cables/{hit['reference_id']}/references").json()
        if any(x["resolved"] for x in refs["cites"]):
            break
    else:
        raise AssertionError("no synthetic cable cites an archived one")
    cited = next(x["to"] for x in refs["cites"] if x["resolved"])
    back = c.get(f"/api/cables/{cited}/references").json()
    assert hit["reference_id"] in [x["from"] for x in back["cited_by"]]
    thread = c.get(f"/api/cables/{cited}/thread", params={"depth": 1}).json()
    ids = {n["id"] for n in thread["nodes"]}
    assert thread["root"] == cited and {cited, hit["reference_id"]} <= ids
    assert c.get(f"/api/cables/{cited}/thread", params={"depth": 9}).status_code == 422
    assert c.get("/api/cables/99NOWHERE1/references").status_code == 404


def test_versions(client: Any) -> None:
    found = rows(client, "SELECT reference_id FROM versions ORDER BY id LIMIT 1")
    assert found, "the archive has re-released cables"
    body = client.get(f"/api/cables/{found[0][0]}/versions", params={"text": "true"}).json()
    assert len(body["versions"]) >= 2 and body["versions"][-1]["current"]
    assert all("raw_text" in v for v in body["versions"])
    assert body["versions"][0]["raw_text"] != body["versions"][-1]["raw_text"]


def test_facets_endpoint(client: Any) -> None:
    body = client.get("/api/facets", params={"q": "minister"}).json()
    assert set(body["facets"]) == set(FACETS)
    total = client.get("/api/search", params={"q": "minister", "limit": 0}).json()["total"]
    assert body["total"] == total
    assert sum(f["count"] for f in body["facets"]["year"]) == total


def test_stats(client: Any) -> None:
    stats = client.get("/api/stats").json()
    assert stats["cables"] == client.get("/api/search", params={"limit": 0}).json()["total"]
    assert stats["by_year"] and stats["by_classification"]


def test_suggest_origins_tags_and_ids(client: Any) -> None:
    s = client.get("/api/suggest", params={"q": "emb"}).json()["suggestions"]
    assert any(x["kind"] == "origin" and x["filter"].startswith("origin:") for x in s)
    tags = client.get("/api/suggest", params={"q": "governmental"}).json()["suggestions"]
    assert any(x["value"] == "PGOV" and x["filter"] == "tag:PGOV" for x in tags)
    rid = _some_id(client)
    ids = client.get("/api/suggest", params={"q": rid[:5]}).json()["suggestions"]
    assert any(x["kind"] == "reference_id" and x["value"].startswith(rid[:5]) for x in ids)
    assert client.get("/api/suggest", params={"q": ""}).json()["suggestions"] == []
    assert client.get("/api/suggest", params={"limit": 500}).status_code == 422


def test_openapi_lists_the_endpoints(client: Any) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/search", "/api/facets", "/api/stats", "/api/suggest", "/api/cables/{reference_id}",
              "/api/cables/{reference_id}/raw", "/api/cables/{reference_id}/references",
              "/api/cables/{reference_id}/thread", "/api/cables/{reference_id}/versions",
              "/api/collections", "/api/collections/{name}"):
        assert p in paths, p
    assert "/search" not in paths  # pages are not part of the API


def test_collections_save_list_export(synth_backend_client: Any) -> None:
    c = synth_backend_client
    rid = _some_id(c, "minister")
    same = {"Origin": "http://testserver"}
    r = c.post("/collections/add", data={"name": "api test", "reference_id": rid}, headers=same,
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/collections/api%20test"
    listed = c.get("/api/collections").json()["collections"]
    assert [(x["name"], x["cables"]) for x in listed if x["name"] == "api test"] == [("api test", 1)]
    one = c.get("/api/collections/api test").json()
    assert [x["reference_id"] for x in one["cables"]] == [rid]
    lines = c.get("/collections/api test.jsonl").text.splitlines()
    assert json.loads(lines[0])["reference_id"] == rid
    csv_text = c.get("/collections/api test.csv").text
    assert csv_text.startswith("reference_id,") and rid in csv_text
    assert c.get("/api/collections/nothing here").status_code == 404
    assert c.post("/collections/add", data={"name": "bad/name", "reference_id": rid}, headers=same
                  ).status_code == 422
    assert c.post("/collections/add", data={"name": "x", "reference_id": "99NOWHERE1"}, headers=same
                  ).status_code == 404
    refused = c.post("/collections/add", data={"name": "csrf", "reference_id": rid},
                     headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    c.post("/collections/api test/remove", data={"reference_id": rid}, headers={"Sec-Fetch-Site": "same-origin"})
    assert c.get("/api/collections/api test").json()["cables"] == []
