"""Several `cablegram ingest` processes writing into one non-empty archive at once (issue 9,
item 9): none fails, and the archive ends with the same contents as one sequential ingest."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from archive_fixtures import need_parser, sqlite_connect
from corpus import DEV, ROOT

# Surrogate ids (cables.id, origins.id, caveat bits, sources.id ...) depend on which process
# wrote first; the contents are compared through natural keys instead.
_DUMPS = {
    "cables": "SELECT * FROM cable_texts",
    "cable_facets": (
        "SELECT c.reference_id, o.label, o.station, k.label, k.classification, k.rank,"
        " f.class_rank, f.day, (SELECT group_concat(b.caveat, ',') FROM"
        "  (SELECT caveat FROM caveat_bits WHERE (f.caveat_mask >> bit) & 1 ORDER BY caveat) b)"
        " FROM cable_facets f JOIN cables c ON c.id = f.id JOIN origins o ON o.id = f.origin_id"
        " JOIN classifications k ON k.id = f.class_id"),
    "origins": "SELECT label, station FROM origins",
    "classifications": "SELECT label, classification, rank FROM classifications",
    "caveat_bits": "SELECT caveat FROM caveat_bits",
    "addressees": "SELECT c.reference_id, a.* FROM addressees a JOIN cables c ON c.id = a.cable_id",
    "tags": "SELECT c.reference_id, t.* FROM tags t JOIN cables c ON c.id = t.cable_id",
    "paragraphs": "SELECT c.reference_id, p.* FROM paragraphs p JOIN cables c ON c.id = p.cable_id",
    "defects": "SELECT c.reference_id, d.* FROM defects d JOIN cables c ON c.id = d.cable_id",
    "refs": "SELECT * FROM refs",
    "sources": "SELECT content_hash, reference_id, quarantined, format, file, position,"
               " metadata_json FROM sources",
    "versions": "SELECT c.reference_id, v.reference_id, v.content_hash, v.released,"
                " v.record_json, v.raw_text FROM version_texts v JOIN cables c ON c.id = v.cable_id",
    "quarantine": "SELECT reason, content_hash, format, file, position, raw_text, source_json"
                  " FROM quarantine",
}


def content_dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, ids replaced by natural keys, sorted; plus what the full-text index
    finds (every cable it covers, by reference id)."""
    db = sqlite_connect(path)
    out: dict[str, list[tuple[object, ...]]] = {}
    for name, sql in _DUMPS.items():
        rows = db.execute(sql).fetchall()
        if name == "cables":
            rows = [r[1:] for r in rows]  # drop the surrogate id
        elif name in ("addressees", "tags", "paragraphs", "defects"):
            rows = [r[:1] + r[2:] for r in rows]  # keep the reference id, drop the cable id
        out[name] = sorted(rows, key=repr)
    out["indexed"] = sorted(db.execute(
        "SELECT c.reference_id FROM cables_fts JOIN cables c ON c.id = cables_fts.rowid"
        " WHERE cables_fts MATCH 'the OR of OR a OR and'").fetchall())
    db.close()
    return out


def _ingest(folder: Path, archive: str, *sources: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen(
        [sys.executable, "-m", "cablegram", "ingest", *sources, "--archive", archive,
         "--workers", "0", "--batch", "20", "--quiet"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode in (0, 3), err  # 3: the corpus has a record it quarantines
    assert "Traceback" not in err, err
    return out


def _slices(lines: list[bytes], n: int) -> list[list[bytes]]:
    """`lines` dealt into `n` slices, each keeping the file's order. Two texts of one cable may land
    in different slices: which is current must not depend on who reads it first."""
    return [lines[k::n] for k in range(n)]


def test_three_concurrent_ingests_into_a_non_empty_archive_equal_one_sequential(
        tmp_path: Path) -> None:
    need_parser()
    with gzip.open(DEV, "rb") as f:
        lines = [next(f) for _ in range(1200)]
    (tmp_path / "base.jsonl").write_bytes(b"".join(lines[:300]))
    # every third cable of the rest in each slice: the three ingests meet the same new origins
    # and classifications at the same time
    names = []
    for k, part in enumerate(_slices(lines[300:], 3)):
        names.append(f"slice{k}.jsonl")
        (tmp_path / names[-1]).write_bytes(b"".join(part))
    for name in ("concurrent.db", "sequential.db"):
        _finish(_ingest(tmp_path, name, "base.jsonl"))
    before = len(content_dump(tmp_path / "sequential.db")["origins"])

    procs = [_ingest(tmp_path, "concurrent.db", name) for name in names]
    for proc in procs:
        _finish(proc)
    _finish(_ingest(tmp_path, "sequential.db", *names))

    concurrent = content_dump(tmp_path / "concurrent.db")
    sequential = content_dump(tmp_path / "sequential.db")
    assert len(sequential["cables"]) > 1000
    assert len(sequential["origins"]) > before  # the race on new dimension rows was run
    for table in sequential:
        assert concurrent[table] == sequential[table], table
