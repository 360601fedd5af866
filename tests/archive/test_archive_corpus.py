"""The archive on the dev corpus: known queries, facets, filters, threads, idempotency, resume."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive_fixtures import DEV, ROOT, VERSIONS, ingest_paths, need_parser, sqlite_connect, table_digests
from cablegram.archive import open_archive
from cablegram.archive.sqlite import PAGE_SIZE

pytestmark = pytest.mark.slow


@pytest.fixture()
def dev_archive(dev_backend_archive):  # type: ignore[no-untyped-def]
    """The dev corpus archive, on SQLite and on PostgreSQL (conftest.py): every test that only
    reads it runs on both; those that open the file itself stay on SQLite."""
    return dev_backend_archive


def ids(result) -> set[str]:
    return {h.reference_id for h in result.hits}


def test_the_whole_dev_corpus_is_stored_or_quarantined(dev_archive) -> None:
    stats = dev_archive.stats()
    assert stats["sources"] == 5437
    assert stats["cables"] + stats["quarantined"] + stats["versions"] == 5437
    assert stats["cables"] > 5400


def test_a_bulk_load_leaves_a_wal_archive_whose_paragraphs_read_back(dev_archive_path: Path) -> None:
    # ingest filled the empty archive with a rollback journal; readers need WAL back
    with sqlite_connect(dev_archive_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        marked, total = db.execute("SELECT count(marking), count(*) FROM paragraphs").fetchone()
        texts = db.execute("SELECT count(*), count(text), sum(text LIKE '%Georgia%')"
                           " FROM paragraph_texts").fetchone()
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert total > 40_000 and 0 < marked < total
    assert texts[0] == texts[1] == total and texts[2] > 100


def test_the_seed_topic_finds_moscow_cables_on_georgia(dev_archive) -> None:
    r = dev_archive.search("georgia origin:moscow", limit=50)
    assert {"08MOSCOW2414", "09MOSCOW1591", "06MOSCOW7863"} <= ids(r)
    assert all(h.origin == "Embassy Moscow" for h in r.hits)
    assert "08MOSCOW2563" in ids(dev_archive.search("subject:georgia origin:moscow", limit=50))


def test_known_queries_return_known_cables(dev_archive) -> None:
    assert "08SANJOSE360" in ids(dev_archive.search('"somali piracy"'))
    assert "06SAOPAULO1206" in ids(dev_archive.search("piracy origin:\"sao paulo\""))
    assert "08LONDON1870" in ids(dev_archive.search("subject:piracy from:2008 to:2008",
                                                    limit=50))
    assert ids(dev_archive.search("id:05BRASILIA574")) == {"05BRASILIA574"}


def test_tag_meanings_are_searchable(dev_archive) -> None:
    meaning = dev_archive.search('"internal governmental affairs"', facets=["tag"])
    by_tag = dev_archive.search("tag:PGOV")
    assert by_tag.total > 2000
    top = {f.value for f in meaning.facets["tag"][:3]}
    assert "PGOV" in top


def test_facets_sum_to_the_total(dev_archive) -> None:
    for q in ("russia", "", "tag:PREL from:2008", "class:secret OR caveat:noforn"):
        r = dev_archive.search(q, facets=["origin", "classification", "year", "month"])
        for name in ("origin", "classification", "year", "month"):
            assert sum(f.count for f in r.facets[name]) == r.total, (q, name)


def test_filters_combine(dev_archive) -> None:
    base = dev_archive.search("iran", facets=["classification"]).total
    secret = dev_archive.search("iran class:secret").total
    noforn = dev_archive.search("iran class:secret caveat:noforn").total
    dated = dev_archive.search("iran class:secret caveat:noforn from:2009-01 to:2009-12").total
    assert base > secret >= noforn >= dated > 0
    r = dev_archive.search("iran class:secret from:2009-01 to:2009-12", limit=100)
    assert all(h.created.startswith("2009") and h.classification.startswith("SECRET")
               for h in r.hits)
    by_date = dev_archive.search("tag:PGOV origin:moscow", sort="-date", limit=10).hits
    assert [h.created for h in by_date] == sorted((h.created for h in by_date), reverse=True)


def test_a_known_reference_thread(dev_archive) -> None:
    refs = dev_archive.references("05BRASILIA574")
    assert ("05BRASILIA564", True) in {(r.to_id, r.resolved) for r in refs.cites}
    assert {"05BRASILIA658", "05BRASILIA660", "05BRASILIA718"} <= {
        r.from_id for r in refs.cited_by}
    thread = dev_archive.thread("05BRASILIA718", depth=2)
    assert {"05BRASILIA564", "05BRASILIA574", "05BRASILIA658"} <= set(thread.nodes)
    assert ("05BRASILIA658", "05BRASILIA574") in {(e.from_id, e.to_id) for e in thread.edges}
    assert "05BRASILIA718" in {h.reference_id for h in dev_archive.search(
        "ref:05BRASILIA564", limit=50).hits}


def test_a_second_ingest_stores_nothing_new(dev_archive_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "again.db"
    with sqlite3.connect(dev_archive_path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    before = table_digests(copy)
    from cablegram.archive import ingest
    from cablegram.sources import read_paths

    with open_archive(copy) as a:
        report = ingest(a, read_paths([str(DEV)]), workers=2)
    assert (report.stored, report.updated, report.quarantined) == (0, 0, 0)
    assert report.duplicates == 5437
    assert table_digests(copy) == before


def test_re_released_cables_keep_their_earlier_texts(tmp_path: Path) -> None:
    need_parser()
    path = tmp_path / "versions.db"
    ingest_paths(path, [VERSIONS])
    with gzip.open(VERSIONS, "rt") as f:
        records = [json.loads(line) for line in f]
    texts_per_cable: dict[str, set[str]] = {}
    for r in records:
        texts_per_cable.setdefault(r["reference_id"], set()).add(r["body_html"] + r["header_html"])
    with open_archive(path, readonly=True) as a:
        stats = a.stats()
        assert stats["cables"] + stats["quarantined"] <= 67
        history = a.versions("10ROME1")
        assert len(history) >= 2 and history[-1].current
        released = [v.released for v in history]
        assert released == sorted(released)
        assert stats["cables"] + stats["versions"] + stats["quarantined"] <= 135
    before = table_digests(path)
    ingest_paths(path, [VERSIONS])
    assert table_digests(path) == before


def test_a_corrupt_record_lands_in_quarantine_with_its_position(tmp_path: Path) -> None:
    need_parser()
    src = tmp_path / "mixed.jsonl"
    with gzip.open(DEV, "rt") as f:
        good = [next(f) for _ in range(3)]
    src.write_text(good[0] + "{this is not json\n" + good[1]
                   + json.dumps({"body_html": "NOTHING TO SEE HERE"}) + "\n" + good[2])
    path = tmp_path / "q.db"
    ingest_paths(path, [src], workers=0)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT reason, file, position, raw_text FROM quarantine"
                          " ORDER BY position").fetchall()
        assert db.execute("SELECT count(*) FROM cables").fetchone()[0] == 3
    assert [(r[1], r[2]) for r in rows] == [(src.name, 2), (src.name, 4)]
    assert rows[0][0].startswith("read error") and rows[0][3] == "{this is not json"
    assert rows[1][0] == "no reference id" and "NOTHING TO SEE HERE" in rows[1][3]


def test_sigkill_mid_ingest_then_resume_gives_the_clean_tables(dev_archive_path: Path,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "killed.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "cablegram", "ingest", str(DEV), "--archive", str(path),
           "--batch", "50", "--quiet"]
    proc = subprocess.Popen(cmd, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stored = 0
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                stored = db.execute("SELECT count(*) FROM cables").fetchone()[0]
        except sqlite3.Error:
            continue
        if stored >= 1500:
            break
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 0 < stored < 5430
    done = subprocess.run([*cmd, "--json"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr  # finished; nothing quarantined (source metadata fills the ids)
    report = json.loads(done.stdout)
    assert report["duplicates"] >= stored
    resumed = table_digests(path)
    # the session's dev archive may hold more tables by now (the desk's, made by a web test that
    # opened it): the tables an ingest makes must be the same
    assert resumed == {t: d for t, d in table_digests(dev_archive_path).items() if t in resumed}
    with sqlite_connect(path) as db:
        db.execute("INSERT INTO cables_fts(cables_fts) VALUES ('integrity-check')")
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_rank_puts_subject_hits_first_and_bm25_pages_agree(dev_archive) -> None:
    page = dev_archive.search("piracy", limit=60).hits
    in_subject = ["PIRACY" in (h.subject or "").upper() for h in page]
    assert in_subject[0] and in_subject == sorted(in_subject, reverse=True)
    assert False in in_subject  # the page goes on past the subject hits
    whole = [h.reference_id for h in dev_archive.search("piracy", limit=60).hits]
    paged = [h.reference_id for off in (0, 20, 40)
             for h in dev_archive.search("piracy", limit=20, offset=off).hits]
    assert paged == whole
    bm25 = dev_archive.search("piracy", limit=200, sort="bm25")
    assert {h.reference_id for h in bm25.hits} == {
        h.reference_id for h in dev_archive.search("piracy", limit=200).hits}
