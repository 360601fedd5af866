"""Search benchmark: our archive against a plain sqlite-utils FTS5 table of the same texts.

One "search" is what a results page needs: the top 20 hits with snippets, the total, and the
counts by origin and by classification. Ours is `Archive.search(q, facets=[origin,
classification])`; the baseline runs the queries Datasette would run on the sqlite-utils table
(ranked hits joined to the rows, a count, one GROUP BY per facet over `rowid IN (MATCH)`). Both
get the same FTS5 expression. Prints p50/p95 per side and the ratio (target: ours p95 at most a
third of the baseline's). The baseline runs in a process of its own (each side times itself),
so that no process holds both archives; the bench prints each process's peak RSS (target: every
process under 1 GB).

    python bench/ingest.py --scale 40 && python bench/search.py --scale 40
    python bench/search.py --scale 5 --archive postgresql://user@host/db   # PostgreSQL beside

With `--archive postgresql://…` the same searches also run on the PostgreSQL archive that
`bench/ingest.py --archive` loaded (schema `cablegram_bench_xSCALE`): it prints its p50/p95
beside SQLite's, checks that every query's total equals SQLite's, and the ratio (target: p95
within 2x of SQLite's).

It reads the archives bench/ingest.py left in --out: the x40 one holds ~217k distinct cables
(serials rewritten from one pool, so copies do not collapse into versions).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

QUERIES = [
    "iran", "russia", "georgia", "nuclear", '"human rights"', "election*", "terrorism",
    "china trade", "oil", "piracy", '"drug trafficking"', "corruption", "visa", "military",
    "economy", "hezbollah", "chavez", "biofuels brazil", "karzai", "pakistan taliban",
    "protest*", '"embassy security"', "president", "wikileaks", "climate change",
    "iran nuclear sanctions", "russia OR ukraine", "tag:PGOV election*",
    "origin:moscow georgia", "class:secret iran",
]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def baseline_search(db: sqlite3.Connection, match: str) -> tuple[int, list[tuple], dict]:
    hits = db.execute(
        "SELECT c.rowid, c.reference_id, c.created, c.origin, c.classification,"
        " snippet(cables_fts, 0, '<b>', '</b>', '…', 32) FROM cables_fts"
        " JOIN cables c ON c.rowid = cables_fts.rowid WHERE cables_fts MATCH ?"
        " ORDER BY cables_fts.rank LIMIT 20", (match,)).fetchall()
    total = db.execute("SELECT count(*) FROM cables_fts WHERE cables_fts MATCH ?",
                       (match,)).fetchone()[0]
    facets = {}
    for col in ("origin", "classification"):
        facets[col] = db.execute(
            f"SELECT {col}, count(*) AS n FROM cables WHERE rowid IN"
            " (SELECT rowid FROM cables_fts WHERE cables_fts MATCH ?)"
            f" GROUP BY {col} ORDER BY n DESC LIMIT 30", (match,)).fetchall()
    return total, hits, facets


def _baseline_process(path: str, conn: Connection) -> None:
    """The baseline in a process of its own (its page cache and memory map apart from ours):
    answers each FTS5 expression `conn` sends with (total, seconds); on None, its peak RSS (MB)."""
    base = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    base.execute("PRAGMA cache_size = -65536")
    base.execute("PRAGMA mmap_size = 1073741824")
    while (match := conn.recv()) is not None:
        t = time.perf_counter()
        total, _, _ = baseline_search(base, match)
        conn.send((total, time.perf_counter() - t))
    conn.send(memory())
    base.close()


class Baseline:
    """The sqlite-utils FTS5 baseline, searched in a child process (spawned: it shares no pages
    with this one), so that no one process holds both archives: each stays under 1 GB at x40."""

    def __init__(self, path: Path) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_baseline_process, args=(str(path), child), daemon=True)
        self.proc.start()
        child.close()

    def search(self, match: str) -> tuple[int, float]:
        """The total of `match` and the seconds the baseline took (timed in its process)."""
        self.conn.send(match)
        total, seconds = self.conn.recv()
        return int(total), float(seconds)

    def close(self) -> tuple[float, float, float]:
        """Stop the process; its `memory()`."""
        self.conn.send(None)
        peak = self.conn.recv()
        self.proc.join(timeout=30)
        return tuple(peak)  # type: ignore[return-value]


def peak_rss_mb() -> float:
    """This process's peak resident set size, MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory() -> tuple[float, float, float]:
    """This process's peak RSS, and of its RSS now the part in memory-mapped files (an archive's
    pages under `mmap_size`: shared page cache, which the kernel can drop) and the private
    (anonymous) rest, MB (the last two read from /proc, 0 where there is none)."""
    now = {"RssFile": 0.0, "RssAnon": 0.0}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in now:
                    now[key] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return peak_rss_mb(), now["RssFile"], now["RssAnon"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=40)
    ap.add_argument("--out", type=Path, default=Path("/tmp/cablegram-bench"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--archive", default=None, metavar="postgresql://…",
                    help="also search the PostgreSQL archive bench/ingest.py loaded there")
    ap.add_argument("--drop", action="store_true", help="drop the PostgreSQL schema at the end")
    args = ap.parse_args()
    ours_path = args.out / f"ours-x{args.scale}.db"
    base_path = args.out / f"sqlite-utils-x{args.scale}.db"
    if not ours_path.exists() or not base_path.exists():
        sys.exit(f"run `python bench/ingest.py --scale {args.scale}` first")

    from cablegram.archive import open_archive
    from cablegram.archive.search import compile_for

    archive = open_archive(ours_path, readonly=True)
    archive.query_timeout = None  # a bench measures: the first, cold round may take long
    pg = None
    if args.archive:
        from _pg import schema_name, schema_url

        url = args.archive if "search_path" in args.archive else schema_url(
            args.archive, schema_name(args.scale))  # the bench's schema, unless one is named
        pg = open_archive(url, readonly=True)
        pg.query_timeout = None
    base = Baseline(base_path)
    # the baseline has no field filters: give it the words only, as one FTS5 expression
    matches = {}
    for q in QUERIES:
        words = " ".join(w for w in q.split() if ":" not in w)
        matches[q] = compile_for(archive, words, None, None).match
    ours_t: dict[str, list[float]] = {q: [] for q in QUERIES}
    base_t: dict[str, list[float]] = {q: [] for q in QUERIES}
    totals: dict[str, tuple[int, int]] = {}
    pg_t: dict[str, list[float]] = {q: [] for q in QUERIES}
    pg_totals: dict[str, int] = {}
    for round_ in range(args.repeat + 1):  # round 0 warms the caches, not timed
        for q in QUERIES:
            if pg is not None:
                t = time.perf_counter()
                pr = pg.search(q, facets=("origin", "classification"), limit=20)
                if round_:
                    pg_t[q].append(time.perf_counter() - t)
                pg_totals[q] = pr.total
            t = time.perf_counter()
            r = archive.search(q, facets=("origin", "classification"), limit=20)
            ours = time.perf_counter() - t
            total, theirs = base.search(matches[q])
            totals[q] = (r.total, total)
            if round_:
                ours_t[q].append(ours)
                base_t[q].append(theirs)
    print(f"{'query':28}{'hits ours':>10}{'base':>8}{'ours ms':>9}{'base ms':>9}")
    for q in QUERIES:
        print(f"{q[:27]:28}{totals[q][0]:>10}{totals[q][1]:>8}"
              f"{statistics.median(ours_t[q]) * 1000:9.1f}"
              f"{statistics.median(base_t[q]) * 1000:9.1f}")
    ours_all = [x for v in ours_t.values() for x in v]
    base_all = [x for v in base_t.values() for x in v]
    n = archive.search("", limit=0).total
    print(f"\n{len(QUERIES)} queries x {args.repeat} runs on {n} cables (x{args.scale})")
    for label, xs in (("ours", ours_all), ("sqlite-utils FTS5", base_all)):
        print(f"{label:18} p50 {pct(xs, 50) * 1000:7.1f} ms   p95 {pct(xs, 95) * 1000:7.1f} ms")
    print(f"p95 ratio ours/baseline: {pct(ours_all, 95) / pct(base_all, 95):.2f}"
          " (target <= 0.33)")
    for label, xs in (("ours", ours_all), ("sqlite-utils FTS5", base_all)):
        print(f"{label:18} total {sum(xs):6.1f} s for {len(xs)} searches: "
              f"{len(xs) / sum(xs):6.0f} searches/s, {n * len(xs) / sum(xs):9.0f} cables/s searched")
    if pg is not None:
        pg_all = [x for v in pg_t.values() for x in v]
        unequal = [q for q in QUERIES if pg_totals[q] != totals[q][0]]
        print(f"\nPostgreSQL beside SQLite (the same {len(QUERIES)} searches, x{args.scale}):")
        print(f"{'query':28}{'SQLite':>9}{'PG':>9}{'SQLite ms':>10}{'PG ms':>9}")
        for q in QUERIES:
            print(f"{q[:27]:28}{totals[q][0]:>9}{pg_totals[q]:>9}"
                  f"{statistics.median(ours_t[q]) * 1000:10.1f}"
                  f"{statistics.median(pg_t[q]) * 1000:9.1f}"
                  + ("  TOTALS DIFFER" if q in unequal else ""))
        for label, xs in (("SQLite", ours_all), ("PostgreSQL", pg_all)):
            print(f"{label:18} p50 {pct(xs, 50) * 1000:7.1f} ms   p95 {pct(xs, 95) * 1000:7.1f} ms")
        print(f"p95 ratio PostgreSQL/SQLite: {pct(pg_all, 95) / pct(ours_all, 95):.2f}"
              f" (target <= 2); totals equal: "
              + ("all" if not unequal else f"NO, {len(unequal)} differ"))
        pg.close()
        if args.drop:
            from _pg import drop_schema, schema_name

            if "search_path" not in args.archive:
                drop_schema(args.archive, schema_name(args.scale))
    base_memory = base.close()
    sides = "ours (SQLite)" + (" and the PostgreSQL client" if pg is not None else "")
    ours_memory = memory()
    archive.close()
    peaks = {f"bench process, {sides}": ours_memory, "baseline process (sqlite-utils FTS5)": base_memory}
    print("peak RSS per process (of its RSS at the end: in memory-mapped archive pages / private):")
    for name, (peak, mapped, private) in peaks.items():
        print(f"  {name:52} {peak:6.0f} MB   ({mapped:.0f} / {private:.0f} MB)")
    over = [name.split(" (")[0].split(",")[0] for name, (peak, _, _) in peaks.items() if peak >= 1024]
    print("every process under 1 GB (target): " + ("yes" if not over else "no, " + " and ".join(over))
          + " (both sides read their archive through a 1 GiB memory map, whose pages count in RSS)")
    print(f"load average (1 min) {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
