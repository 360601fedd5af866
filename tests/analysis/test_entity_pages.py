"""Entity pages, co-mention networks and the places map, on both backends: through the archive
functions, the CLI (`cablegram entities --query Q --network FORMAT`), the JSON API and the pages,
on real dev cables whose entities ingest extracted (`--entities`)."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from cablegram.archive import ingest, open_archive
from cablegram.archive.entity_network import co_mentions
from cablegram.archive.entity_pages import entity_page, resolve
from cablegram.archive.place_coordinates import place_point
from cablegram.cli import main
from corpus import needs_shared
from test_entities_archive import WANTED, _mentions, _records


@pytest.fixture()
def filled(backend_location: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CABLEGRAM_ENTITIES", "1")  # `cablegram ingest --entities`
    with open_archive(backend_location) as archive:
        report = ingest(archive, _records(), workers=0)
    assert report.stored == len(WANTED)
    return backend_location


def _client(location: str) -> Any:
    from fastapi.testclient import TestClient

    from cablegram.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return TestClient(create_app(location))


def _naming(location: str, kind: str, key: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for ref, k, key_, paragraph in _mentions(location):
        if k == kind and key_ == key:
            out.setdefault(ref, []).append(int(paragraph))
    return out


def _pairs(location: str, ids: set[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Per entity the cables naming it, per pair the cables naming both (of the cables `ids`)."""
    per_cable: dict[str, set[str]] = {}
    for ref, kind, key, _ in _mentions(location):
        if ref in ids:
            per_cable.setdefault(ref, set()).add(f"{kind}:{key}")
    nodes = Counter(e for found in per_cable.values() for e in found)
    edges = Counter(p for found in per_cable.values() for p in combinations(sorted(found), 2))
    return nodes, edges


@needs_shared
def test_the_entity_page_is_what_the_mentions_say(filled: str) -> None:
    hamad = _naming(filled, "person", "hamad")
    with open_archive(filled, readonly=True) as archive:
        page = entity_page(archive, "person", "hamad")
        assert page is not None and page.total == len(hamad) and page.name
        listed = {c.reference_id: list(c.paragraphs) for c in page.cables}
        assert listed == {r: sorted(set(p)) for r, p in hamad.items()}
        assert ("09MANAMA712", (1, 2)) in [(c.reference_id, c.paragraphs) for c in page.cables]
        assert sum(n for _, n in page.months) == page.total and sum(n for _, n in page.posts) == page.total
        assert dict(page.posts)["Embassy Manama"] >= 1
        co = {(e.kind, e.key): e.cables for e in page.co_mentioned}
        assert co[("place", "bahrain")] == len(set(hamad) & set(_naming(filled, "place", "bahrain")))
        assert ("person", "hamad") not in co
        # any spelling and the slug resolve; what nobody names has no page
        assert resolve(archive, "person", "King Hamad") == "hamad"
        org = "bahrain institute for political development"
        assert resolve(archive, "org", org.replace(" ", "-")) == org
        assert resolve(archive, "org", "BIPD") in (org, None)
        assert entity_page(archive, "person", "nobody-at-all") is None
        assert entity_page(archive, "nothing", "hamad") is None
        later = entity_page(archive, "person", "hamad", offset=1, limit=1)
        assert later is not None
        assert [c.reference_id for c in later.cables] == [c.reference_id for c in page.cables][1:2]


@needs_shared
def test_the_entity_command_prints_the_page(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    hamad = _naming(filled, "person", "hamad")
    assert main(["entities", "--entity", "person:King Hamad", "--archive", filled, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["key"] == "hamad" and got["total"] == len(hamad)
    assert main(["entities", "--entity", "person:hamad", "--archive", filled]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{got['name']} (person:hamad): {len(hamad)} cable") and "09MANAMA712" in out
    assert "with place: Bahrain (" in out
    assert main(["entities", "--entity", "person:nobody-at-all", "--archive", filled]) != 0
    assert "no cable names person 'nobody-at-all'" in capsys.readouterr().err
    assert main(["entities", "--entity", "lavrov", "--archive", filled]) != 0


@needs_shared
@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv"])
def test_the_network_export_counts_cables_naming_both(filled: str, fmt: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bahrain = set(_naming(filled, "place", "bahrain"))
    nodes, edges = _pairs(filled, bahrain)
    out = tmp_path / f"net.{fmt}"
    assert main(["entities", "--query", "place:bahrain", "--network", fmt, "-o", str(out), "--archive", filled]) == 0
    said = capsys.readouterr().out
    assert f"wrote {len(nodes)} entities and {len(edges)} links ({len(bahrain)} cables)" in said
    got: dict[tuple[str, str], int] = {}
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        got = {tuple(sorted((r["Source"], r["Target"]))): int(r["Weight"]) for r in rows}  # type: ignore[misc]
        assert {r["Type"] for r in rows} == {"Undirected"}
    else:
        root = ET.parse(out).getroot()
        ns = {"g": root.tag[1:].split("}")[0]}
        if fmt == "graphml":
            assert {n.get("id") for n in root.iterfind(".//g:node", ns)} == set(nodes)
            for e in root.iterfind(".//g:edge", ns):
                weight = e.find("g:data[@key='weight']", ns)
                assert weight is not None and weight.text
                got[tuple(sorted((e.get("source") or "", e.get("target") or "")))] = int(weight.text)  # type: ignore[assignment]
        else:
            assert {n.get("id") for n in root.iterfind(".//g:node", ns)} == set(nodes)
            got = {tuple(sorted((e.get("source") or "", e.get("target") or ""))): int(e.get("weight") or 0)  # type: ignore[misc]
                   for e in root.iterfind(".//g:edge", ns)}
    assert got == dict(edges)
    # standard output, and the busiest entities only
    assert main(["entities", "--query", "place:bahrain", "--network", "csv", "--limit", "2", "--archive", filled]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Source,Target,Weight") and len(lines) == 2
    assert main(["entities", "--network", "csv", "--archive", filled]) != 0
    assert "--network needs --query" in capsys.readouterr().err


@needs_shared
def test_the_api_and_the_pages(filled: str) -> None:
    client = _client(filled)
    hamad = _naming(filled, "person", "hamad")
    got = client.get("/api/entity/person/hamad").json()
    assert got["key"] == "hamad" and got["total"] == len(hamad)
    assert {c["reference_id"] for c in got["cables"]} == set(hamad)
    assert client.get("/api/entity/person/King%20Hamad").json()["key"] == "hamad"
    missing = client.get("/api/entity/person/nobody-at-all")
    assert missing.status_code == 404 and "error" in missing.json()
    assert client.get("/api/entity/animal/hamad").status_code == 422

    top = client.get("/api/entities", params={"q": "place:bahrain", "limit": 5}).json()
    bahrain = next(p for p in top["place"] if p["key"] == "bahrain")
    assert bahrain["cables"] == len(_naming(filled, "place", "bahrain"))
    assert bahrain["lat"] == pytest.approx(26.2, abs=1)
    assert "hamad" in {p["key"] for p in top["person"]}

    ids = set(_naming(filled, "place", "bahrain"))
    nodes, edges = _pairs(filled, ids)
    net = client.get("/api/entities/network", params={"q": "place:bahrain"}).json()
    assert net["cables"] == len(ids) and {n["id"] for n in net["nodes"]} == set(nodes)
    assert {tuple(sorted((e["source"], e["target"]))): e["weight"] for e in net["edges"]} == dict(edges)
    graphml = client.get("/api/entities/network", params={"q": "place:bahrain", "format": "graphml"})
    assert graphml.status_code == 200 and graphml.text.startswith("<?xml") and "place:bahrain" in graphml.text
    assert client.get("/api/entities/network", params={"q": '"open'}).status_code == 400

    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/entity/{kind}/{slug}", "/api/entities", "/api/entities/network"} <= set(paths)
    assert "/entity/{kind}/{slug}" not in paths  # pages are not part of the API

    page = client.get("/entity/person/hamad")
    assert page.status_code == 200 and "09MANAMA712" in page.text
    assert 'href="/entity/place/bahrain"' in page.text  # co-mentions link to their pages
    assert 'class="chart timeline"' in page.text and "Embassy Manama" in page.text
    assert client.get("/entity/person/nobody-at-all").status_code == 404

    search = client.get("/search", params={"q": "bahrain"})
    assert search.status_code == 200
    assert 'data-facet="person"' in search.text and 'href="/entity/person/hamad"' in search.text
    assert 'aria-label="map of the places the cables mention"' in search.text
    assert re.search(r"<title>Bahrain: \d+ cables</title>", search.text)
    assert "/search/network?q=bahrain&amp;format=graphml" in search.text
    download = client.get("/search/network", params={"q": "bahrain", "format": "csv"})
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]

    cable = client.get("/cable/09MANAMA712")
    assert 'href="/entity/person/hamad"' in cable.text
    assert 'href="/entity/org/bahrain-institute-for-political-development"' in cable.text


def test_places_have_coordinates() -> None:
    assert place_point("moscow")[1:] == pytest.approx((55.75, 37.62), abs=0.1)  # type: ignore[index]
    assert place_point("russia")[1:] == pytest.approx((55.75, 37.62), abs=0.1)  # type: ignore[index]  # its capital
    assert place_point("burma") is not None and place_point("nowhere at all") is None


def test_an_archive_without_mentions_has_no_entity_pages(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    assert main(["demo", "--no-serve", "--cables", "20", "--archive", str(path)]) == 0
    with open_archive(str(path)) as archive:
        archive.db.execute("DROP TABLE IF EXISTS entity_mentions")
        assert co_mentions(archive, "").nodes == ()
    client = _client(str(path))
    assert client.get("/entity/person/lavrov").status_code == 404
    assert client.get("/api/entities").json()["person"] == []
    assert client.get("/search").status_code == 200
