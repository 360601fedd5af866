"""The archive on the seed cable (no parser needed): store, update, access, graph, export.

Tests taking `archive` run on every backend (SQLite, and PostgreSQL when `$CABLEGRAM_TEST_PG` is
set: see conftest.py).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import re
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from archive_fixtures import as_version_4, run_cli, seed_cable, store_cable
from cablegram.archive import AccessFilter, QueryError, open_archive
from cablegram.archive.export import export
from cablegram.archive.graph import write_gexf, write_graphml
from cablegram.archive.schema import SCHEMA_VERSION
from cablegram.model import Reference


@pytest.fixture()
def archive(backend_archive):
    return backend_archive


def test_a_new_archive_is_a_plain_sqlite_file_in_wal_mode(tmp_path: Path) -> None:
    open_archive(tmp_path / "x.db").close()
    db = sqlite3.connect(tmp_path / "x.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"cables", "addressees", "tags", "refs", "paragraphs", "defects", "sources",
            "versions", "quarantine", "cables_fts", "cable_facets", "dictionaries"} <= tables
    views = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='view'")}
    assert {"cable_texts", "version_texts", "paragraph_texts"} <= views


def test_env_variable_names_the_default_archive(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CABLEGRAM_ARCHIVE", str(tmp_path / "env.db"))
    open_archive().close()
    assert (tmp_path / "env.db").exists()


def test_a_postgresql_url_without_a_server_is_a_clear_error_naming_it() -> None:
    with pytest.raises(ConnectionError, match=re.escape("cannot connect to postgresql://u:***@127.0.0.1:9/c")) as err:
        open_archive("postgresql://u:secret@127.0.0.1:9/c")
    assert "secret" not in str(err.value)


def test_stored_cable_comes_back_equal_and_searchable(archive) -> None:
    cable, raw = seed_cable()
    assert store_cable(archive, cable, raw) == "stored"
    assert archive.get("08MOSCOW2629") == cable
    assert archive.get("08 moscow 2629") == cable
    assert archive.raw_text("08MOSCOW2629") == raw
    hits = archive.search("georgia origin:moscow").hits
    assert [h.reference_id for h in hits] == ["08MOSCOW2629"]
    assert "«Georgia»" in hits[0].snippet or "«GEORGIA»" in hits[0].snippet
    for q in ("tag:pgov", "class:unclassified", "caveat:sipdis", "from:2008-09 to:2008-09-03",
              'to:"secstate washdc"', "ref:08MOSCOW2618", "subject:georgia", "ossetia*",
              '"south ossetia"', "origin:RUEHMO OR origin:moscow", "id:08MOSCOW2629"):
        assert archive.search(q).total == 1, q
    for q in ("from:2008-10", "class:secret", "caveat:noforn", "subject:lavrov", "-georgia",
              "georgia NOT russia", "origin:tokyo"):
        assert archive.search(q).total == 0, q


def test_same_text_twice_is_a_duplicate_and_a_changed_text_an_update(archive) -> None:
    cable, raw = seed_cable()
    store_cable(archive, cable, raw, released="2010-11-28")
    assert store_cable(archive, cable, raw) == "duplicates"
    changed = dataclasses.replace(cable, subject="RUSSIA CAMPAIGNS ON GEORGIA (CORRECTED)")
    assert store_cable(archive, changed, raw + "\nCORRECTED COPY", "2010-12-01") == "updated"
    assert archive.get("08MOSCOW2629").subject.endswith("(CORRECTED)")
    versions = archive.versions("08MOSCOW2629")
    assert [v.current for v in versions] == [False, True]
    assert versions[0].raw_text == raw
    # the old text read again is a known version, not a new update
    assert store_cable(archive, cable, raw, "2010-11-28") == "duplicates"
    assert archive.search("corrected").total == 1
    assert archive.search("subject:corrected").total == 1
    assert archive.search("").total == 1


def test_an_older_release_read_late_becomes_a_version_not_the_current_text(archive) -> None:
    cable, raw = seed_cable()
    store_cable(archive, cable, raw + "\nNEW", "2010-12-09")
    assert store_cable(archive, cable, raw, "2010-12-07") == "updated"
    assert archive.raw_text("08MOSCOW2629").endswith("NEW")
    assert [v.released for v in archive.versions("08MOSCOW2629")] == ["2010-12-07",
                                                                      "2010-12-09"]


def test_deferred_index_catches_up_in_bulk_and_on_the_next_open(tmp_path: Path) -> None:
    cable, raw = seed_cable()
    a = open_archive(tmp_path / "d.db")
    a.defer_index = True  # what ingest does: rows now, the full-text index in bulk later
    store_cable(a, cable, raw, "2010-11-28")
    assert a.pending_index() == 1 and a.search("georgia").total == 0
    changed = dataclasses.replace(cable, subject="RUSSIA CAMPAIGNS ON GEORGIA (CORRECTED)")
    assert store_cable(a, changed, raw + "\nCORRECTED", "2010-12-01") == "updated"
    a.close()  # as if killed before the catch-up
    with open_archive(tmp_path / "d.db", readonly=True) as r:
        assert r.pending_index() == 1
    with open_archive(tmp_path / "d.db") as a:  # a writable open catches up
        assert a.pending_index() == 0
        assert a.search("subject:corrected").total == 1
        a.defer_index = True
        other = dataclasses.replace(cable, reference_id="08MOSCOW9999", subject="PIRACY")
        store_cable(a, other, raw + " ")
        assert a.index_pending() == 1 and a.search("piracy").total == 1
        # an update of an indexed cable re-indexes it at once, deferred or not
        store_cable(a, dataclasses.replace(other, subject="SMUGGLING"), raw + "  ")
        assert a.search("piracy").total == 0 and a.search("smuggling").total == 1
    db = sqlite3.connect(tmp_path / "d.db")
    db.execute("INSERT INTO cables_fts(cables_fts) VALUES ('integrity-check')")
    assert db.execute("SELECT indexed_upto FROM fts_state").fetchone()[0] == 2


def test_lookup_indexes_dropped_by_a_killed_bulk_load_come_back_on_open(tmp_path: Path) -> None:
    from cablegram.archive.schema import LOOKUP_INDEXES, missing_lookup_indexes

    with open_archive(tmp_path / "b.db") as a:
        a.drop_lookup_indexes()
        assert missing_lookup_indexes(a.db) == list(LOOKUP_INDEXES)
    with open_archive(tmp_path / "b.db") as a:
        assert missing_lookup_indexes(a.db) == []


def test_a_version_1_archive_migrates_with_its_index_complete(tmp_path: Path) -> None:
    cable, raw = seed_cable()
    with open_archive(tmp_path / "v1.db") as a:
        store_cable(a, cable, raw)
    as_version_4(tmp_path / "v1.db")
    with contextlib.closing(sqlite3.connect(tmp_path / "v1.db", isolation_level=None)) as db:
        # back to version 1: paragraph texts stored in `paragraphs`, no view, no watermark
        db.execute("DROP VIEW paragraph_texts")
        db.execute("ALTER TABLE paragraphs ADD COLUMN text TEXT NOT NULL DEFAULT ''")
        db.execute("DROP TABLE fts_state")
        db.execute("DROP TABLE people")
        db.execute("DROP TABLE offices")
        db.execute("UPDATE schema_version SET version = 1")
    with open_archive(tmp_path / "v1.db") as a:
        assert a.db.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION
        assert a.pending_index() == 0 and a.search("georgia").total == 1
        columns = [r[1] for r in a.db.execute("PRAGMA table_info(paragraphs)")]
        assert columns == ["cable_id", "position", "number", "marking", "heading"]
        texts = a.db.execute("SELECT reference_id, number, marking, text FROM paragraph_texts"
                             " ORDER BY position").fetchall()
        assert texts == [(cable.reference_id, p.number, p.marking, p.text) for p in cable.paragraphs]
        assert len(texts) >= 5


def test_access_filter_hides_cables_from_hits_counts_facets_and_get(archive) -> None:
    cable, raw = seed_cable()
    store_cable(archive, cable, raw)
    secret = dataclasses.replace(cable, reference_id="08MOSCOW9999", classification="SECRET",
                                 classification_label="SECRET//NOFORN",
                                 caveats=("NOFORN",))
    store_cable(archive, secret, raw + " ")
    everyone = archive.search("georgia", facets=["classification", "caveat"])
    assert everyone.total == 2
    low = AccessFilter(max_rank=1)
    r = archive.search("georgia", facets=["classification", "caveat", "origin"], access=low)
    assert r.total == 1 and [h.reference_id for h in r.hits] == ["08MOSCOW2629"]
    assert {f.value for f in r.facets["classification"]} == {
        "UNCLASSIFIED//FOR OFFICIAL USE ONLY"}
    assert archive.get("08MOSCOW9999", access=low) is None
    assert archive.search("", access=low).total == 1
    no_noforn = AccessFilter(max_rank=3)
    assert archive.search("georgia", access=no_noforn).total == 1
    with_noforn = AccessFilter(max_rank=3, caveats=frozenset({"NOFORN"}))
    assert archive.search("georgia", access=with_noforn).total == 2
    assert archive.stats(access=low)["cables"] == 1


def test_bad_query_sort_or_facet_raises_query_error_not_sql_error(archive) -> None:
    for kwargs in ({"query": "a AND"}, {"query": "x", "sort": "size"},
                   {"query": "x", "facets": ["colour"]}, {"query": "x", "limit": -1}):
        with pytest.raises(QueryError):
            archive.search(**kwargs)
    for hostile in ("'; DROP TABLE cables; --", 'NEAR(a b)', "a:b:c", "* OR *", "^x",
                    "col : x", "{subject}: x", "\x00"):
        with contextlib.suppress(QueryError):
            archive.search(hostile)


def test_references_resolve_when_the_cited_cable_is_archived(archive, tmp_path: Path) -> None:
    cable, raw = seed_cable()
    store_cable(archive, cable, raw)
    refs = archive.references("08MOSCOW2629")
    assert [(r.to_id, r.resolved) for r in refs.cites] == [("08MOSCOW2618", False)]
    cited = dataclasses.replace(cable, reference_id="08MOSCOW2618", references=(
        Reference("A", "STATE 1234", "08STATE1234"),), subject="SCO SUMMIT")
    store_cable(archive, cited, "cited")
    refs = archive.references("08MOSCOW2629")
    assert [(r.to_id, r.resolved, r.subject) for r in refs.cites] == [
        ("08MOSCOW2618", True, "SCO SUMMIT")]
    assert [r.from_id for r in archive.references("08MOSCOW2618").cited_by] == ["08MOSCOW2629"]
    thread = archive.thread("08MOSCOW2618", depth=2)
    assert set(thread.nodes) == {"08MOSCOW2618", "08MOSCOW2629", "08STATE1234"}
    assert thread.nodes["08STATE1234"]["in_archive"] is False
    write_graphml(thread, tmp_path / "t.graphml")
    write_gexf(thread, tmp_path / "t.gexf")
    g = ET.parse(tmp_path / "t.graphml").getroot()
    assert len(g.findall(".//{http://graphml.graphdrawing.org/xmlns}edge")) == 2
    assert len(ET.parse(tmp_path / "t.gexf").getroot().findall(".//{http://gexf.net/1.3}node")) == 3


def test_exports_write_every_hit(archive, tmp_path: Path) -> None:
    cable, raw = seed_cable()
    store_cable(archive, cable, raw)
    assert export(archive, "georgia", "jsonl", tmp_path / "x.jsonl") == 1
    assert json.loads((tmp_path / "x.jsonl").read_text())["reference_id"] == "08MOSCOW2629"
    export(archive, "", "csv", tmp_path / "x.csv")
    rows = list(csv.DictReader((tmp_path / "x.csv").open()))
    assert rows[0]["origin"] == "Embassy Moscow" and rows[0]["tags"].startswith("PGOV")
    export(archive, "", "parquet", tmp_path / "x.parquet")
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "x.parquet").column("reference_id").to_pylist() == [
        "08MOSCOW2629"]
    df = archive.to_pandas("georgia")
    assert list(df["reference_id"]) == ["08MOSCOW2629"]


def test_suggestions_cover_origins_tags_and_ids(archive) -> None:
    cable, raw = seed_cable()
    store_cable(archive, cable, raw)
    assert ("origin", "Embassy Moscow") in archive.suggest("mos")
    assert ("tag", "PGOV") in archive.suggest("pg")
    assert ("reference_id", "08MOSCOW2629") in archive.suggest("08mos")


def test_cli_commands_on_a_small_archive(backend_location: str, tmp_path: Path) -> None:
    db = backend_location  # a file, or a postgresql:// URL: --archive takes either
    with open_archive(db) as a:
        cable, raw = seed_cable()
        store_cable(a, cable, raw)
    out = run_cli("search", "georgia", "--archive", str(db), "--json", "--facet", "origin")
    data = json.loads(out.stdout)
    assert data["total"] == 1 and data["facets"]["origin"][0]["value"] == "Embassy Moscow"
    assert "08MOSCOW2629" in run_cli("search", "georgia", "--archive", str(db)).stdout
    bad = run_cli("search", "georgia (", "--archive", str(db), check=False)
    assert bad.returncode == 1 and "position" in bad.stderr and "Traceback" not in bad.stderr
    assert run_cli("show", "08MOSCOW2629", "--raw", "--archive", str(db)).stdout.strip() == (
        raw.strip())
    shown = json.loads(run_cli("show", "08MOSCOW2629", "--json", "--archive", str(db)).stdout)
    assert shown["subject"] == cable.subject
    missing = run_cli("show", "99NOWHERE1", "--archive", str(db), check=False)
    assert missing.returncode == 1 and "no cable" in missing.stderr
    assert "08MOSCOW2618  (not in the archive)" in run_cli(
        "refs", "08MOSCOW2629", "--archive", str(db)).stdout
    run_cli("refs", "08MOSCOW2629", "--gexf", str(tmp_path / "g.gexf"), "--archive", str(db))
    assert (tmp_path / "g.gexf").exists()
    run_cli("export", "tag:PGOV", "-o", str(tmp_path / "e.csv"), "--archive", str(db))
    assert "08MOSCOW2629" in (tmp_path / "e.csv").read_text()
    assert json.loads(run_cli("stats", "--json", "--archive", str(db)).stdout)["cables"] == 1
    none = run_cli("stats", "--archive", str(tmp_path / "absent.db"), check=False)
    assert none.returncode == 1 and "no archive" in none.stderr


def test_every_backend_implements_both_interfaces(archive) -> None:
    from cablegram.archive import Archive, ArchiveWriter

    assert isinstance(archive, Archive) and isinstance(archive, ArchiveWriter)


def test_filters_are_query_text_anded_to_the_query(archive) -> None:
    cable, raw = seed_cable()
    store_cable(archive, cable, raw)
    assert archive.search("georgia", filters="origin:moscow class:unclassified").total == 1
    assert archive.search("georgia", filters="origin:tokyo").total == 0
    assert archive.search("", filters="lavrov").total == 1
    with pytest.raises(QueryError):
        archive.search("georgia", filters="origin:")


def test_a_text_with_a_giant_word_is_stored_and_a_giant_query_is_no_error(archive) -> None:
    """PostgreSQL refuses words over 2046 bytes in a tsvector or tsquery: they are left out."""
    cable, raw = seed_cable()
    giant = "ж" * 1100  # 2200 bytes, within the 2000 characters a query may have
    many = " ".join(f"w{i}" for i in range(150_000))  # a tsvector past PostgreSQL's 1 MB
    text = f"{raw} {giant} {'x' * 3000} {many} " + "ab " * 200_000
    assert store_cable(archive, cable, text) == "stored"
    assert archive.search("georgia").total == 1
    assert archive.search(giant).total in (0, 1)  # FTS5 indexes it; PostgreSQL cannot
    assert archive.search(f'"{giant} ab"').total in (0, 1)
    assert archive.search("w0").total == 1  # PostgreSQL keeps what fits in 1 MB, from the start
