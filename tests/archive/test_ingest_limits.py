"""Ingest against hostile or damaged input and a full disk (issue 9, items 11-13; issue 11,
item 12): a plain message and a non-zero exit, never a traceback; what can be stored is."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from archive_fixtures import need_parser
from cablegram.archive import ingest, open_archive
from cablegram.cli import main
from cablegram.sources import RawRecord, read_path
from cablegram.sources.limits import HEAD_CHARS, max_record, parse_size
from corpus import CSV_SAMPLE, DEV, PAGES, ROOT, SEED_TEXT
from test_ingest_concurrent import content_dump


def _dev_lines(n: int) -> list[bytes]:
    with gzip.open(DEV, "rb") as f:
        return [next(f) for _ in range(n)]


def _cli(folder: Path, *args: str, env: dict[str, str] | None = None,
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cablegram", "ingest", *args, "--quiet", "--workers", "0"],
        cwd=folder, env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})},
        capture_output=True, text=True, timeout=600)


def _count(path: Path, sql: str) -> Any:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchone()[0]


# --- item 11: a record size cap -----------------------------------------------------------------

def test_sizes_parse_and_the_environment_sets_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    assert [parse_size(s) for s in ("5MB", "500kB", "2MiB", "1234", "1.5 MB")] == [
        5_000_000, 500_000, 2 * 2**20, 1234, 1_500_000]
    for bad in ("five", "0", "-3MB", "5 parsecs"):
        with pytest.raises(ValueError):
            parse_size(bad)
    monkeypatch.delenv("CABLEGRAM_MAX_RECORD", raising=False)
    assert max_record() == 5_000_000
    monkeypatch.setenv("CABLEGRAM_MAX_RECORD", "64kB")
    assert max_record() == 64_000 and max_record(10) == 10


def test_a_huge_jsonl_line_is_quarantined_without_being_held_in_memory(tmp_path: Path) -> None:
    need_parser()
    good = _dev_lines(3)
    huge = json.dumps({"text": "UNCLASSIFIED " + "BLAH " * 4_000_000}).encode() + b"\n"  # 20 MB
    src = tmp_path / "monster.jsonl"
    src.write_bytes(good[0] + good[1] + huge + good[2])
    tracemalloc.start()
    try:
        records = list(read_path(src, max_bytes=100_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000, peak  # the 20 MB line was never read whole
    assert [r.error is None for r in records] == [True, True, False, True]
    bad = records[2]
    assert bad.source["line"] == 3 and len(bad.text) <= HEAD_CHARS
    assert bad.text.startswith('{"text": "UNCLASSIFIED BLAH')
    assert f"record of {len(huge):,} bytes is over the limit of 100,000" in (bad.error or "")

    # the command: the cap from --max-record, or from the environment
    for args, env in ((["--max-record", "100kB"], None), ([], {"CABLEGRAM_MAX_RECORD": "100kB"})):
        db = tmp_path / f"m{len(args)}.db"
        done = _cli(tmp_path, "monster.jsonl", "--archive", db.name, *args, env=env)
        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr
        assert "monster.jsonl (line 3): read error: line 3: record of" in done.stderr
        assert _count(db, "SELECT count(*) FROM cables") == 3
        reason, position, raw = sqlite3.connect(db).execute(
            "SELECT reason, position, raw_text FROM quarantine").fetchone()
        assert "over the limit of 100,000" in reason and position == 3
        assert len(raw) <= HEAD_CHARS
    # the default cap (5 MB) takes every dev cable and refuses the 20 MB line
    done = _cli(tmp_path, "monster.jsonl", "--archive", "default.db")
    assert done.returncode == 3 and "over the limit of 5,000,000" in done.stderr


def test_a_huge_csv_row_is_quarantined_and_reading_goes_on(tmp_path: Path) -> None:
    if not CSV_SAMPLE.exists():
        pytest.skip(f"the shared CSV sample is absent ({CSV_SAMPLE})")
    rows = [r for r in read_path(CSV_SAMPLE) if r.error is None]
    assert len(rows) >= 2
    text = CSV_SAMPLE.read_text(encoding="utf-8")
    # the body of the first row swollen to ~8 MB, over several lines of 1.5 MB
    first_body_end = text.index('"\n"', 1)
    filler = ("X" * 1_500_000 + "\n") * 4 + "Y" * 2_500_000  # a line longer than a read
    src = tmp_path / "cables.csv"
    src.write_text(text[:first_body_end] + filler + text[first_body_end:], encoding="utf-8")
    tracemalloc.start()
    try:
        records = list(read_path(src, max_bytes=200_000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, peak
    assert "row 1 (line 1): record of" in (records[0].error or "")
    assert len(records[0].text) <= HEAD_CHARS
    assert [r.text for r in records[1:]] == [r.text for r in rows[1:]]
    assert all(r.error is None for r in records[1:])


def test_a_page_over_the_cap_is_not_read_whole(tmp_path: Path) -> None:
    pages = sorted(PAGES.glob("*.html")) if PAGES.exists() else []
    if not pages:
        pytest.skip(f"the shared pages are absent ({PAGES})")
    page = pages[0]
    [whole] = read_path(page)
    assert whole.error is None and whole.text
    size = page.stat().st_size
    [cut] = read_path(page, max_bytes=size - 1)
    assert cut.source["file"] == page.name and len(cut.text) == HEAD_CHARS
    assert cut.error == (f"page: record of {size:,} bytes is over the limit of {size - 1:,}"
                         " (raise it with --max-record or CABLEGRAM_MAX_RECORD)")
    # gzipped: the cap counts the page's own bytes
    (tmp_path / "p.html.gz").write_bytes(gzip.compress(page.read_bytes()))
    [gz] = read_path(tmp_path / "p.html.gz", max_bytes=size - 1)
    assert "over the limit" in (gz.error or "")
    [gz] = read_path(tmp_path / "p.html.gz", max_bytes=size)
    assert gz.error is None and gz.text == whole.text


def test_ingest_quarantines_a_text_over_the_cap_from_a_whole_file_reader(tmp_path: Path) -> None:
    need_parser()
    if not SEED_TEXT.exists():
        pytest.skip(f"the shared seed is absent ({SEED_TEXT})")
    [seed] = read_path(SEED_TEXT)
    big = RawRecord(seed.text + "\n" + "PADDING " * 2000, {**seed.source, "file": "big.txt"})
    with open_archive(tmp_path / "a.db") as archive:
        report = ingest(archive, [seed, big], workers=0, max_record_chars=len(seed.text) + 10)
        (reason, raw), = archive.db.execute("SELECT reason, raw_text FROM quarantine")
    assert (report.stored, report.quarantined, report.not_stored) == (1, 1, 1)
    assert reason.startswith("read error: text: record of") and "over the limit" in reason
    assert len(raw) == HEAD_CHARS
    assert report.problems == [f"big.txt (line 1): {reason}"]


# --- item 12: a truncated .gz -------------------------------------------------------------------

def test_a_truncated_gz_stores_what_precedes_the_damage_and_says_where(tmp_path: Path) -> None:
    need_parser()
    (tmp_path / "cut.jsonl.gz").write_bytes(DEV.read_bytes()[:2_000_000])
    done = _cli(tmp_path, "cut.jsonl.gz", "--archive", "cut.db")
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and "EOFError" not in done.stderr
    marker = "cut.jsonl.gz: damaged after line "
    assert marker in done.stderr, done.stderr
    last = int(done.stderr.split(marker)[1].split()[0])
    assert "Compressed file ended before the end-of-stream marker" in done.stderr
    # exactly what a clean copy of the lines before the damage gives
    (tmp_path / "whole.jsonl").write_bytes(b"".join(_dev_lines(last)))
    assert _cli(tmp_path, "whole.jsonl", "--archive", "whole.db").returncode in (0, 3)
    cut, whole = content_dump(tmp_path / "cut.db"), content_dump(tmp_path / "whole.db")
    assert len(cut["cables"]) > 100
    # every column but the record's JSON, which names its file
    assert [r[:-2] + r[-1:] for r in cut["cables"]] == [r[:-2] + r[-1:] for r in whole["cables"]]
    damage = [q for q in cut["quarantine"] if "damaged" in str(q[0])]
    assert len(damage) == 1 and damage[0][3:5] == ("cut.jsonl.gz", last + 1)


# --- item 13: a full disk -----------------------------------------------------------------------

@pytest.mark.parametrize("filled", [False, True], ids=["bulk-load", "adding-in-wal"])
def test_a_full_archive_stops_with_a_plain_message_then_resumes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        filled: bool) -> None:
    """SQLite's own SQLITE_FULL, by a page limit on the connection the command opens, while
    filling an empty archive (rollback journal) and while adding to one (WAL)."""
    need_parser()
    lines = _dev_lines(700)
    (tmp_path / "first.jsonl").write_bytes(b"".join(lines[:100]))
    (tmp_path / "part.jsonl").write_bytes(b"".join(lines[100:]))
    monkeypatch.chdir(tmp_path)
    args = ["ingest", "part.jsonl", "--archive", "full.db", "--quiet", "--workers", "0",
            "--batch", "20"]
    if filled:
        for name in ("full.db", "clean.db"):
            assert main(["ingest", "first.jsonl", "--archive", name, "--quiet"]) == 0
    import cablegram.commands.ingest as command

    real_open = command.open_archive

    def cramped(location: str) -> Any:
        archive = real_open(location)
        pages = archive.db.execute("PRAGMA page_count").fetchone()[0]
        archive.db.execute(f"PRAGMA max_page_count = {pages + 120}")  # ~4 MB more at 32 KiB
        return archive

    monkeypatch.setattr(command, "open_archive", cramped)
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "cablegram ingest: error: no room to write the archive full.db" in err, err
    assert "more is needed for the ~" in err and "free there" in err
    assert "run the same command again" in err
    stored = _count(tmp_path / "full.db", "SELECT count(*) FROM cables")
    assert (100 if filled else 0) < stored < 690

    monkeypatch.setattr(command, "open_archive", real_open)
    assert main(args) == 0  # finished: the record without an id in its text takes the source's
    assert main([*args[:3], "clean.db", *args[4:]]) == 0
    assert content_dump(tmp_path / "full.db") == content_dump(tmp_path / "clean.db")


@pytest.fixture
def small_disk(tmp_path: Path) -> Any:
    """A 3 MB tmpfs at tmp_path/disk, unmounted afterwards; skipped where mounting is not
    permitted (not root, or no CAP_SYS_ADMIN in the container)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)],
                           capture_output=True, text=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mount.stderr.strip() or 'not root'}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_really_full_disk_stops_with_a_plain_message_then_resumes(
        tmp_path: Path, small_disk: Path) -> None:
    need_parser()
    (tmp_path / "part.jsonl").write_bytes(b"".join(_dev_lines(600)))
    args = ["../part.jsonl", "--archive", "full.db"]
    done = _cli(small_disk, *args)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "no room to write the archive full.db" in done.stderr
    assert "run the same command again" in done.stderr
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    assert _cli(small_disk, *args).returncode == 0, "resumed"
    assert _cli(small_disk, *args[:2], "clean.db").returncode == 0
    assert content_dump(small_disk / "full.db") == content_dump(small_disk / "clean.db")


# --- issue 11, item 12: the exit status ---------------------------------------------------------

def test_ingest_exits_0_when_all_is_stored_and_3_with_a_summary_when_not(tmp_path: Path) -> None:
    need_parser()
    good = _dev_lines(4)
    (tmp_path / "good.jsonl").write_bytes(b"".join(good))
    (tmp_path / "mixed.jsonl").write_bytes(good[0] + b"{not json\n" + good[1])
    ok = _cli(tmp_path, "good.jsonl", "--archive", "a.db")
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    bad = _cli(tmp_path, "mixed.jsonl", "--archive", "a.db")
    assert bad.returncode == 3
    assert bad.stdout.startswith("read 3, stored 0,")  # the two good ones were stored before
    assert "cablegram ingest: 1 record quarantined, not stored (everything else is)" in bad.stderr
    assert "mixed.jsonl (line 2): read error: line 2: invalid JSON" in bad.stderr
    # still not stored on the next run: still says so
    assert _cli(tmp_path, "mixed.jsonl", "--archive", "a.db").returncode == 3
    assert _count(tmp_path / "a.db", "SELECT count(*) FROM cables") == 4
