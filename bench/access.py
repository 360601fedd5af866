"""What failing closed on every mark costs a controlled archive of the dev corpus.

Two figures per reader (CONFIDENTIAL and SECRET without NOFORN), each against a baseline run here:

- finding the reader's match source (`cablegram.archive.reader.withheld_rows`: the readable cables with
  a part above the reader, redacted and re-rendered), against the old way of finding them (only the paragraph and
  subject markings, no marks inside the text): what a search pays once per reader and archive state;
- reading every readable record as the reader sees it (`redact` + `shown_text`), against just
  parsing the stored JSON record (what any read path pays anyway).

    python bench/access.py [--archive dev.db]

Part of the desk bench (`bench/desk.py`, with the alerts at release time).

Without --archive it ingests the dev corpus into a temporary file first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cablegram.access import can_read, portion_visible, redact, shown_text
from cablegram.archive import ingest, open_archive
from cablegram.archive.reader import candidates, withheld_rows
from cablegram.model import Cable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import dev_records


@dataclass(frozen=True)
class Reader:
    clearance: str
    caveats: frozenset[str] = frozenset()


def old_candidates(archive: object, reader: Reader) -> int:
    """The baseline: cables with a paragraph or subject marking above the reader (markings only)."""
    from cablegram.access import access_filter

    acc = access_filter(reader)
    sql = archive.access_sql(acc)  # type: ignore[attr-defined]
    db = archive.db  # type: ignore[attr-defined]
    hidden = [m for (m,) in db.execute("SELECT DISTINCT marking FROM paragraphs WHERE marking IS NOT NULL")
              if not portion_visible(acc, m)]
    ids = {r[0] for r in db.execute(
        "SELECT DISTINCT p.cable_id FROM paragraphs p JOIN cable_facets f ON f.id = p.cable_id"
        f" WHERE {sql} AND p.marking IN (SELECT value FROM json_each(?))", (json.dumps(hidden),))}
    for i, mark in db.execute("SELECT c.id, json_extract(c.record_json, '$.subject_marking') FROM cable_texts c"
                              f" JOIN cable_facets f ON f.id = c.id WHERE {sql}"):
        if mark and not portion_visible(acc, mark):
            ids.add(i)
    return len(ids)


def timed(fn: object, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def bench_reader(archive: object, rows: list[tuple[str, str]], reader: Reader) -> None:
    from cablegram.access import access_filter

    acc = access_filter(reader)
    assert acc is not None
    t_old, n_old = timed(lambda: old_candidates(archive, reader))
    t_new, rows_r = timed(lambda: withheld_rows(acc, candidates(
        archive.db.execute, archive.codec, archive.access_sql(acc))))  # type: ignore[attr-defined]
    print(f"{reader.clearance:12} reader source: {t_new:6.2f} s for {len(rows_r)} cables "  # type: ignore[arg-type]
          f"(baseline, markings only, finding {n_old} cables: {t_old:5.2f} s)")

    def parse_only() -> int:
        return sum(1 for _, rec in rows if can_read(acc, Cable.from_dict(json.loads(rec))))

    def shown() -> int:
        n = 0
        for raw, rec in rows:
            c = Cable.from_dict(json.loads(rec))
            if can_read(acc, c):
                redact(c, acc)
                shown_text(acc, c, raw)
                n += 1
        return n

    t_base, n = timed(parse_only)
    t_shown, _ = timed(shown)
    print(f"{'':12} every readable record shown: {t_shown:6.2f} s for {n} "
          f"(baseline, parse only: {t_base:5.2f} s; x{t_shown / t_base:.2f})")


def report(path: Path) -> None:
    """Print the figures for the archive at `path`."""
    with open_archive(path, readonly=True) as archive:
        rows = archive.db.execute("SELECT raw_text, record_json FROM cable_texts").fetchall()
        print(f"{len(rows)} cables in {path}")
        for reader in (Reader("CONFIDENTIAL"), Reader("SECRET")):
            bench_reader(archive, rows, reader)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", type=Path)
    args = ap.parse_args()
    path = args.archive
    if path is None:
        path = Path(tempfile.mkdtemp()) / "dev.db"
        with open_archive(path) as archive:
            ingest(archive, dev_records())
    report(path)


if __name__ == "__main__":
    main()
