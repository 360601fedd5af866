"""No absolute path of the machine that read a file is stored or shown (issue 9, item 17).

Sources are named relative to the ingest's working folder, or by their file name when outside
it; an archive written before that, holding absolute paths, shows only the file names."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from archive_fixtures import need_parser, sqlite_connect
from cablegram.archive import ingest, open_archive
from cablegram.sources import RawRecord, read_path, read_paths
from cablegram.sources.read import source_name
from corpus import DEV, ROOT
from test_web_support import make_client


def _dev_lines(n: int) -> list[bytes]:
    with gzip.open(DEV, "rb") as f:
        return [next(f) for _ in range(n)]


def _stored_text(path: Path) -> str:
    """Every column that names a file: sources, quarantine, the records' JSON."""
    db = sqlite_connect(path)
    parts = [repr(db.execute(sql).fetchall()) for sql in (
        "SELECT file, metadata_json FROM sources", "SELECT file, source_json FROM quarantine",
        "SELECT record_json FROM cable_texts")]
    db.close()
    return "\n".join(parts)


def test_source_names_are_relative_to_the_working_folder_or_bare(
        tmp_path: Path, monkeypatch: Any) -> None:
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    (work / "in").mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.chdir(work)
    assert source_name(work / "in" / "a.jsonl") == "in/a.jsonl"
    assert source_name("in/../in/a.jsonl") == "in/a.jsonl"
    assert source_name(elsewhere / "b.jsonl") == "b.jsonl"
    assert source_name("../elsewhere/b.jsonl") == "b.jsonl"
    assert source_name("-") == "<stdin>"


def test_ingest_by_absolute_paths_stores_no_absolute_path(tmp_path: Path) -> None:
    need_parser()
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    (work / "in").mkdir(parents=True)
    elsewhere.mkdir()
    lines = _dev_lines(6)
    (work / "in" / "a.jsonl").write_bytes(b"".join(lines[:3]))
    (elsewhere / "b.jsonl").write_bytes(b"".join(lines[3:]) + b"{broken\n")
    done = subprocess.run(
        [sys.executable, "-m", "cablegram", "ingest", str(work / "in" / "a.jsonl"),
         str(elsewhere / "b.jsonl"), str(work / "in"), "--archive", "a.db", "--quiet",
         "--workers", "0"],
        cwd=work, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 3, done.stderr  # the broken line
    assert str(tmp_path) not in done.stdout + done.stderr
    with sqlite_connect(work / "a.db") as db:
        files = sorted(r[0] for r in db.execute("SELECT DISTINCT file FROM sources"))
        records = [json.loads(r[0])["source"]["file"] for r in
                   db.execute("SELECT record_json FROM cable_texts ORDER BY id")]
    assert files == ["b.jsonl", "in/a.jsonl"]
    assert records == ["in/a.jsonl"] * 3 + ["b.jsonl"] * 3
    assert str(tmp_path) not in _stored_text(work / "a.db")


def test_a_directory_walk_names_files_below_the_working_folder(
        tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "x.txt").write_text("UNCLASSIFIED\n\nBODY\n")
    (tmp_path / "d" / "e" / "odd.html").write_text("<html><div>?</div></html>")
    monkeypatch.chdir(tmp_path / "d")
    records = list(read_paths([tmp_path / "d"]))
    assert sorted(r.source["file"] for r in records) == ["e/odd.html", "e/x.txt"]
    assert all(str(tmp_path) not in (r.error or "") for r in records)


def test_an_archive_holding_absolute_paths_shows_only_file_names(
        tmp_path: Path, monkeypatch: Any) -> None:
    """The records as an earlier ingest stored them (absolute `file`, and a cablegram output
    re-read with the absolute path it was parsed from): not one shows the path."""
    need_parser()
    monkeypatch.chdir(tmp_path)
    secret = "/srv/cablegram/private/feeds"
    records = [RawRecord(r.text, {**r.source, "file": f"{secret}/dev.jsonl"})
               for r in read_path(DEV) if r.error is None][:3]
    derived = {**records[2].source, "metadata": {"derived_from": {
        "format": "text", "file": f"{secret}/one.txt", "line": 1}}}
    records[2] = RawRecord(records[2].text, derived)
    db_path = tmp_path / "old.db"
    with open_archive(db_path) as archive:
        ingest(archive, records, workers=0)
        refs = [r[0] for r in archive.db.execute("SELECT reference_id FROM cables ORDER BY id")]
        assert secret in _stored_text(db_path)  # as the old reader stored them
        shown = [archive.get(ref) for ref in refs]
    assert [c.to_dict()["source"]["file"] for c in shown if c] == ["dev.jsonl"] * 3
    assert shown[2] is not None
    assert shown[2].to_dict()["source"]["metadata"]["derived_from"]["file"] == "one.txt"

    client = make_client(db_path)
    for ref in refs:
        for url in (f"/api/cables/{ref}", f"/cable/{ref}.json", f"/cable/{ref}"):
            r = client.get(url)
            assert r.status_code == 200, url
            assert secret not in r.text, url
    cli = subprocess.run(
        [sys.executable, "-m", "cablegram", "show", refs[2], "--json", "--archive", str(db_path)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, capture_output=True, text=True,
        timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert secret not in cli.stdout and '"file": "dev.jsonl"' in cli.stdout
