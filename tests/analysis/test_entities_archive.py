"""Entity mentions in the archive, on both backends: stored by ingest (extracted in the worker
processes), found with `person:`/`place:`/`org:`, counted as facets, rebuilt by `cablegram entities
--rebuild`, listed by `cablegram entities --query` and `cablegram who`."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from cablegram.archive import ingest, open_archive
from cablegram.archive.entities_store import paragraph_markings
from cablegram.cli import main
from cablegram.entities import extract
from cablegram.sources import RawRecord
from cablegram.telegram import parse
from corpus import dev_records, needs_shared

# 09MANAMA712 names King Hamad (1, 2) and defines BIPD; 05THEHAGUE1876 names FM Lavrov; the rest
# are other dev cables, for company.
WANTED = ("09MANAMA712", "05THEHAGUE1876", "09MANAMA600", "08MADRID724", "09CAIRO1261", "07PARIS3733")


@cache
def _records() -> tuple[RawRecord, ...]:
    by_id = {(r.source.get("metadata") or {}).get("reference_id"): r for r in dev_records()}
    missing = [w for w in WANTED if w not in by_id]
    if missing:
        pytest.skip(f"not in the shared dev corpus: {missing}")
    return tuple(by_id[w] for w in WANTED)


def _mentions(location: str) -> list[tuple[Any, ...]]:
    with open_archive(location) as archive:
        db = getattr(archive, "db", None)
        sql = ("SELECT c.reference_id, m.kind, m.key, m.paragraph FROM entity_mentions m"
               " JOIN cables c ON c.id = m.cable_id ORDER BY 1, 2, 3, 4")
        return list(db.execute(sql).fetchall()) if db is not None else [tuple(r) for r in archive.fetch(sql)]


@pytest.fixture()
def filled(backend_location: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CABLEGRAM_ENTITIES", "1")  # `cablegram ingest --entities`: extraction in the workers
    with open_archive(backend_location) as archive:
        report = ingest(archive, _records(), workers=2, batch=2)
    assert report.stored == len(WANTED)
    return backend_location


@needs_shared
def test_ingest_stores_what_extraction_finds(filled: str) -> None:
    stored = _mentions(filled)
    expected = []
    for record in _records():
        found = extract(parse(record.text))
        kinds = {"people": "person", "places": "place", "orgs": "org"}
        for attr, kind in kinds.items():
            expected += [(found.reference_id, kind, e.key, n) for e in getattr(found, attr) for n in e.mentions]
    assert stored == sorted(expected)


@needs_shared
def test_entity_filters_and_facets(filled: str) -> None:
    with open_archive(filled, readonly=True) as archive:
        naming = {kind: {key: {r for r, k, key_, _ in _mentions(filled) if k == kind and key_ == key}
                         for key in ("hamad", "lavrov", "bahrain")} for kind in ("person", "place")}
        hamad = archive.search("person:hamad", facets=["org", "person"])
        assert {h.reference_id for h in hamad.hits} == naming["person"]["hamad"] >= {"09MANAMA712"}
        assert any(f.value == "bahrain institute for political development" for f in hamad.facets["org"])
        assert next(f.count for f in hamad.facets["person"] if f.value == "hamad") == hamad.total
        assert archive.search("person:Lavrov").total == len(naming["person"]["lavrov"]) >= 1
        # any spelling folds to the surname
        assert archive.search('person:"Sergey Lavrov"').total == len(naming["person"]["lavrov"])
        bahrain = naming["place"]["bahrain"]
        assert archive.search("place:bahrain").total == len(bahrain) >= 2
        assert archive.search("place:bahrain -person:hamad").total == len(bahrain - naming["person"]["hamad"])
        assert archive.search("org:nobody-at-all").total == 0
        everything = archive.search("", facets=["place"], limit=0).facets["place"]
        assert everything[0].count >= 2 and len({f.value for f in everything}) == len(everything)


@needs_shared
def test_rebuild_extracts_again(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = _mentions(filled)
    with open_archive(filled) as archive:
        db = getattr(archive, "db", None)
        if db is not None:
            db.execute("DELETE FROM entity_mentions")
        else:
            with archive.pool.connection() as conn:
                conn.execute("DELETE FROM entity_mentions")
    assert _mentions(filled) == []
    assert main(["entities", "--rebuild", "--archive", filled]) == 0
    assert capsys.readouterr().out.startswith(f"{len(WANTED)} cables, {len(before)} entity mentions")
    assert _mentions(filled) == before


@needs_shared
def test_top_entities_and_who(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entities", "--query", "place:bahrain", "--archive", filled, "--json"]) == 0
    top = json.loads(capsys.readouterr().out)
    bahrain = {r for r, k, key, _ in _mentions(filled) if k == "place" and key == "bahrain"}
    assert top["place"][0] == {"key": "bahrain", "name": "Bahrain", "cables": len(bahrain)}
    assert "hamad" in {p["key"] for p in top["person"]}
    assert main(["who", "King Hamad", "--archive", filled, "--json"]) == 0
    who = json.loads(capsys.readouterr().out)
    assert who["key"] == "hamad"
    assert ("09MANAMA712", [1, 2]) in [(c["reference_id"], c["paragraphs"]) for c in who["cables"]]
    dates = [c["created"] for c in who["cables"]]
    assert dates == sorted(dates)
    assert main(["who", "Hamad", "--archive", filled]) == 0
    assert "09MANAMA712" in capsys.readouterr().out


def test_the_commands_need_files_or_an_archive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entities"]) != 0
    assert "give files" in capsys.readouterr().err


@needs_shared
def test_paragraph_markings_follow_the_portion_marks() -> None:
    cable = parse(_records()[0].text)  # 09MANAMA712: CONFIDENTIAL, paragraphs (C) and (SBU)
    marks = paragraph_markings(cable)
    assert set(marks) >= {0, 1, 2}
    assert all(m.rank <= 1 for m in marks.values())
