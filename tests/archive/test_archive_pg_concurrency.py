"""Many ingest processes into one PostgreSQL archive at once lose and duplicate nothing: four
processes (two `--shard`s of a slice of the dev corpus and two full runs of it, all at the same
time) end with the same cables, texts (current and earlier), records and counts as one SQLite
ingest of the slice, the current text of each re-released cable included."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from archive_fixtures import ROOT, need_parser
from cablegram.archive import open_archive, postgres_schema
from cablegram.archive.ingest import ingest
from cablegram.archive.postgres import PostgresArchive
from cablegram.sources import RawRecord, read_paths
from corpus import DEV
from pg_support import fresh_schema

pytestmark = pytest.mark.postgres


def _slice(path: Path, n: int) -> Path:
    with gzip.open(DEV, "rt", encoding="utf-8") as src, path.open("w", encoding="utf-8") as out:
        for _, line in zip(range(n), src, strict=False):
            out.write(line)
    return path


def test_four_concurrent_ingests_equal_one(tmp_path: Path) -> None:
    need_parser()
    source = _slice(tmp_path / "slice.jsonl", 400)
    single = tmp_path / "single.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "cablegram", "ingest", str(source), "--workers", "0", "--quiet",
           "--json", "--batch", "50"]
    subprocess.run([*cmd, "--archive", str(single)], env=env, check=True, capture_output=True)
    with fresh_schema("conc") as url:
        open_archive(url).close()  # the schema exists before the race
        runs = [subprocess.Popen([*cmd, "--archive", url, *extra], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for extra in (["--shard", "1/2"], ["--shard", "2/2"], [], [])]
        outs = [p.communicate(timeout=600) for p in runs]
        assert [p.returncode for p in runs] == [0, 0, 0, 0], [o[1][-500:] for o in outs]
        reports = [json.loads(o[0]) for o in outs]
        assert reports[0]["read"] + reports[1]["read"] == reports[2]["read"] == 400
        with open_archive(single) as a, open_archive(url) as b:
            assert sum(r["stored"] for r in reports) == a.stats()["cables"]
            counted = ("cables", "versions", "quarantined")
            assert {k: b.stats()[k] for k in counted} == {k: a.stats()[k] for k in counted}
            # Ids (and so the order within a day) follow who wrote first: compare by reference id.
            texts_a = {c.reference_id: {(v.content_hash, v.current) for v in a.versions(c.reference_id)}
                       for c in a.iter_records()}
            texts_b = {c.reference_id: {(v.content_hash, v.current) for v in b.versions(c.reference_id)}
                       for c in b.iter_records()}
            assert texts_b == texts_a
            assert sum(len(t) > 1 for t in texts_a.values()) >= 2  # re-released cables were raced
            assert {c.reference_id: c for c in b.iter_records()} == {c.reference_id: c for c in a.iter_records()}
            for query in ("president", "tag:PGOV", "class:secret"):
                assert b.search(query, facets=["origin", "tag", "classification"]).facets == a.search(
                    query, facets=["origin", "tag", "classification"]).facets, query
        with psycopg.connect(url) as conn:  # the last of the four built the readers' indexes
            assert postgres_schema.missing_lookup_indexes(conn) == []


def _records(tmp_path: Path, n: int) -> list[RawRecord]:
    return list(read_paths([str(_slice(tmp_path / f"slice{n}.jsonl", n))]))


def test_an_ingest_ending_while_another_loads_leaves_it_the_indexes(tmp_path: Path) -> None:
    """The readers' indexes dropped for a bulk load are built once, by the last ingest to end:
    one that ends while another is still loading (here: holds its session) leaves them to it."""
    need_parser()
    records = _records(tmp_path, 20)
    with fresh_schema("last") as url, PostgresArchive(url) as loading, PostgresArchive(url) as quick:
        with loading.ingest_session():
            report = ingest(quick, records, workers=0)  # an empty archive: a bulk load
            assert report.stored == 20
            with psycopg.connect(url) as conn:
                missing = postgres_schema.missing_lookup_indexes(conn)
            assert "cables_created" in missing
            assert loading.build_lookup_indexes() == len(missing)
        with psycopg.connect(url) as conn:
            assert postgres_schema.missing_lookup_indexes(conn) == []
        assert quick.search("embassy").total == loading.search("embassy").total > 0


def test_a_resumed_bulk_load_builds_the_indexes(tmp_path: Path) -> None:
    """A bulk load killed before its end leaves its rows and no readers' indexes; the next
    ingest (into an archive no longer empty, so not a bulk load) builds them."""
    need_parser()
    records = _records(tmp_path, 30)
    with fresh_schema("resume") as url, PostgresArchive(url) as archive:
        assert ingest(archive, records[:15], workers=0).stored == 15
        with psycopg.connect(url, autocommit=True) as conn:  # as the killed load left them
            postgres_schema.drop_lookup_indexes(conn)
        report = ingest(archive, records, workers=0)
        assert (report.stored, report.duplicates) == (15, 15)
        with psycopg.connect(url) as conn:
            assert postgres_schema.missing_lookup_indexes(conn) == []
