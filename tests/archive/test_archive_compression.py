"""Each text stored once, compressed (schema version 5): records and texts read back exactly as
parsed, a version-4 archive migrates with identical records, and the file is smaller."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archive_fixtures import (
    DEV,
    VERSIONS,
    as_version_4,
    ingest_paths,
    need_parser,
    pg_as_version_1,
    seed_cable,
    sqlite_connect,
    store_cable,
)
from cablegram.archive import compress, open_archive, postgres_schema
from cablegram.archive.records import content_hash, prepare
from cablegram.archive.schema import SCHEMA_VERSION


def _copy(src: Path, dst: Path) -> Path:
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def test_body_packs_text_and_record_and_round_trips_odd_text() -> None:
    raw, record = "line\x00with NUL \ud800 and é\n", '{"subject":"\\u00e9"}'
    assert compress.unpack(compress.pack(raw, record)) == (raw, record)
    codec = compress.Codec(dict)
    dict_id, body = codec.compress(compress.pack(raw, record))
    assert dict_id == 0 and codec.record(0, body) == (raw, record)


def test_records_and_texts_read_back_as_parsing_the_source_again(dev_archive_path: Path) -> None:
    need_parser()
    from cablegram.sources import read_paths
    from cablegram.telegram.parse import parse

    with open_archive(dev_archive_path, readonly=True) as a:
        current = dict(a.db.execute("SELECT content_hash, reference_id FROM cables"))
        assert a.db.execute("SELECT count(*), min(dict_id) FROM cables").fetchone() == (5433, 1)
        checked = texts = 0
        for n, r in enumerate(read_paths([str(DEV)])):
            digest = content_hash(r.text)
            ref = current.get(digest)
            if ref is None:
                continue  # an earlier version, or a quarantined record
            assert a.raw_text(ref) == r.text
            texts += 1
            if n % 4 == 0:  # parsing is the slow part: every fourth cable
                p = prepare(r.text, r.source, r.error, digest, parse)
                assert p.cable is not None
                got = a.get(ref)
                assert got is not None and got.to_dict() == json.loads(p.cable.record_json), ref
                checked += 1
        assert texts == 5433 and checked > 1300


def test_a_version_4_archive_migrates_with_identical_records_texts_and_searches(
        dev_archive_path: Path, tmp_path: Path) -> None:
    path = _copy(dev_archive_path, tmp_path / "v4.db")
    as_version_4(path)
    with sqlite3.connect(path) as db:  # what cablegram 4 left: plain tables, no functions needed
        assert db.execute("SELECT version FROM schema_version").fetchone()[0] == 4
        old = {r[0]: r[1:] for r in db.execute("SELECT reference_id, record_json, raw_text FROM cables")}
        old_versions = db.execute("SELECT reference_id, content_hash, raw_text, record_json FROM versions"
                                  " ORDER BY id").fetchall()
        v4_pages = db.execute("PRAGMA page_count").fetchone()[0]
    with open_archive(path) as a:
        assert a.db.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert a.db.execute("SELECT count(*), samples FROM dictionaries").fetchone() == (1, 1000)
        assert len(old) == 5433 and len(old_versions) == 4
        for ref, (record, raw) in old.items():
            got = a.get(ref)
            assert got is not None and got.to_dict() == json.loads(record) and a.raw_text(ref) == raw
        assert a.db.execute("SELECT reference_id, content_hash, raw_text, record_json"
                            " FROM version_texts ORDER BY id").fetchall() == old_versions
        for ref, h, raw, _ in old_versions:
            assert (h, raw) in {(v.content_hash, v.raw_text) for v in a.versions(ref)}
        assert a.search("piracy").total == 126
        assert a.search("georgia", limit=3).hits[0].snippet
        a.db.execute("INSERT INTO cables_fts(cables_fts) VALUES ('integrity-check')")
        a.db.execute("VACUUM")
        assert a.db.execute("PRAGMA page_count").fetchone()[0] < v4_pages / 2


def test_a_small_archive_trains_its_dictionary_when_it_reaches_the_threshold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    cable, raw = seed_cable()
    monkeypatch.setattr(compress, "TRAIN_AT", 8)
    with open_archive(tmp_path / "s.db") as a:
        for i in range(7):
            store_cable(a, dataclasses.replace(cable, reference_id=f"08MOSCOW{i + 1}"), raw + " " * i)
        assert a.db.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 0
        assert {d for (d,) in a.db.execute("SELECT dict_id FROM cables")} == {0}
        reader = open_archive(tmp_path / "s.db", readonly=True)  # opened before the dictionary
        store_cable(a, dataclasses.replace(cable, reference_id="08MOSCOW8"), raw + " " * 8)
        # an update keeps the old text as a version, compressed with the dictionary too
        store_cable(a, dataclasses.replace(cable, reference_id="08MOSCOW1", subject="AGAIN"),
                    raw + "\nAGAIN")
        assert a.db.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 1
        assert {d for (d,) in a.db.execute("SELECT dict_id FROM cables UNION ALL"
                                           " SELECT dict_id FROM versions")} == {1}
        assert [v.raw_text for v in a.versions("08MOSCOW1")] == [raw, raw + "\nAGAIN"]
        assert a.get("08MOSCOW3") == dataclasses.replace(cable, reference_id="08MOSCOW3")
    # a reader opened before the dictionary existed reads through it, in Python and in SQL
    assert reader.db.execute("SELECT raw_text FROM cable_texts WHERE reference_id = '08MOSCOW8'"
                             ).fetchone()[0] == raw + " " * 8
    assert reader.raw_text("08MOSCOW7") == raw + " " * 6
    assert reader.search("subject:again").total == 1
    reader.close()
    db = sqlite_connect(tmp_path / "s.db")
    assert db.execute("SELECT count(*) FROM cable_texts WHERE raw_text LIKE '%AGAIN'").fetchone()[0] == 1


@pytest.mark.postgres
def test_a_version_1_postgres_archive_migrates_with_identical_records_and_versions(
        monkeypatch: pytest.MonkeyPatch) -> None:
    need_parser()
    import psycopg

    from pg_support import fresh_schema

    monkeypatch.setattr(compress, "TRAIN_AT", 50)  # the versions corpus holds 67 cables
    with fresh_schema("compress") as url:
        ingest_paths(url, [VERSIONS], workers=0)  # type: ignore[arg-type]
        with open_archive(url) as a:
            refs = [r[0] for r in a.fetch("SELECT reference_id FROM cables")]
            before = {ref: (a.get(ref), a.raw_text(ref), a.versions(ref)) for ref in refs}
            hits = [h.reference_id for h in a.search("rome", limit=50).hits]
            assert a.fetch("SELECT count(*), min(dict_id) FROM cables")[0] == (67, 1)
        pg_as_version_1(url)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(raw_text), count(record_json) FROM cables"
                                ).fetchone() == (67, 67)
            assert conn.execute("SELECT count(raw_text) FROM versions").fetchone() == (68,)
        with open_archive(url) as a:
            assert a.fetch("SELECT version FROM schema_version")[0][0] == postgres_schema.SCHEMA_VERSION
            assert a.fetch("SELECT count(*), min(samples) FROM dictionaries")[0] == (1, 50)
            after = {ref: (a.get(ref), a.raw_text(ref), a.versions(ref)) for ref in refs}
            assert after == before and sum(len(v[2]) for v in after.values()) == 67 + 68
            assert [h.reference_id for h in a.search("rome", limit=50).hits] == hits
            assert all(h.snippet for h in a.search("rome", limit=5).hits)


@pytest.mark.postgres
def test_a_postgres_load_that_trains_its_dictionary_frees_the_rows_it_recompressed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    need_parser()
    import psycopg

    from cablegram.archive.ingest import ingest
    from cablegram.sources import read_paths
    from pg_support import fresh_schema

    monkeypatch.setattr(compress, "TRAIN_AT", 50)  # the versions corpus holds 67 cables
    with fresh_schema("compress") as url:
        with open_archive(url) as archive:  # batches of 20: the third trains the dictionary
            ingest(archive, read_paths([str(VERSIONS)]), workers=0, batch=20)
        with psycopg.connect(url) as conn:
            # the rows stored before the dictionary were rewritten with it, and their old
            # versions vacuumed at once (free for the next rows), not left to autovacuum
            assert conn.execute("SELECT count(*), min(dict_id) FROM cables").fetchone() == (67, 1)
            assert conn.execute(
                "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables"
                " WHERE schemaname = current_schema() AND relname = 'cables'").fetchone() == (True,)
