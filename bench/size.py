"""Size benchmark: the archive against a plain full-text table of the same texts, both backends.

SQLite: `cablegram ingest` against `sqlite-utils insert` + `enable-fts` (the texts in one table,
an FTS5 index over them). PostgreSQL: `cablegram ingest` into a fresh schema against a plain
table of the same texts with a GIN index over `to_tsvector('simple', text)`; sizes are
`pg_total_relation_size` summed over the schema's tables (heap, TOAST and indexes). Prints bytes,
the ratio (target: at most 1.3x) and the ingest times.

    python bench/size.py                         # dev corpus, SQLite only
    python bench/size.py --pg "$CABLEGRAM_TEST_PG" --scale 2
    python bench/size.py --before /tmp/main/src  # also ingest with another source tree

`--before SRC` runs the same ingest with the package at SRC (a checkout of the code before a
change), so one run prints before and after against the same baseline.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]


def _bench_ingest():  # bench/ingest.py: the corpus writer (serials rewritten per copy)
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "ingest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(cmd: list[str], src: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 3):  # 3: some records quarantined
        sys.exit(f"{cmd[:4]} failed: {done.stderr[-2000:]}")
    return time.perf_counter() - start


def sqlite_bytes(path: Path) -> int:
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    n = db.execute("PRAGMA page_count").fetchone()[0] * db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    return int(n)


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-c search_path={schema}')}"


def pg_bytes(conn, schema: str) -> int:  # type: ignore[no-untyped-def]
    row = conn.execute(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
        " AND c.relkind IN ('r', 'm')", (schema,)).fetchone()
    return int(row[0])


def line(label: str, size: int, base: int, seconds: float | None) -> str:
    took = f"{seconds:8.1f} s" if seconds is not None else ""
    return f"{label:34}{size:>14,}{size / 1e6:9.1f} MB{size / base:7.2f}x {took}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/cablegram-size"))
    ap.add_argument("--pg", help="a PostgreSQL URL: measure that backend too (fresh schemas,"
                                 " dropped at the end)")
    ap.add_argument("--before", type=Path, help="another source tree to ingest with (before)")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    bench = _bench_ingest()
    if not bench.DEV.exists():
        sys.exit(f"no dev corpus at {bench.DEV}")
    args.out.mkdir(parents=True, exist_ok=True)
    src = args.out / f"texts-x{args.scale}.jsonl"
    n, size = bench.write_texts(src, args.scale)
    print(f"corpus: {n} texts, {size / 1e6:.0f} MB of text (x{args.scale}); load average"
          f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    trees = [("after", ROOT / "src")] + ([("before", args.before)] if args.before else [])
    workers = ["--workers", str(args.workers)] if args.workers is not None else []

    base = args.out / f"baseline-x{args.scale}.db"
    base.unlink(missing_ok=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sqlite_utils", "insert", str(base), "cables", str(src),
                    "--nl"], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "sqlite_utils", "enable-fts", str(base), "cables", "text",
                    "--fts5"], check=True, capture_output=True)
    base_s = time.perf_counter() - t
    base_n = sqlite_bytes(base)
    print(f"\nSQLite{'':28}{'bytes':>14}{'':12}{'ratio':>7}{'ingest':>10}")
    print(line("sqlite-utils insert + FTS5", base_n, base_n, base_s))
    for label, tree in trees:
        ours = args.out / f"ours-{label}-x{args.scale}.db"
        for p in (ours, Path(f"{ours}-wal"), Path(f"{ours}-shm")):
            p.unlink(missing_ok=True)
        s = run([sys.executable, "-m", "cablegram", "ingest", str(src), "--archive", str(ours),
                 "--quiet", *workers], tree)
        print(line(f"cablegram ingest ({label})", sqlite_bytes(ours), base_n, s))

    if args.pg:
        import psycopg

        schemas: list[str] = []
        with psycopg.connect(args.pg, autocommit=True) as conn:
            try:
                base_schema = f"size_base_{uuid.uuid4().hex[:8]}"
                schemas.append(base_schema)
                conn.execute(f"CREATE SCHEMA {base_schema}")
                t = time.perf_counter()
                conn.execute(f"CREATE TABLE {base_schema}.cables (id serial PRIMARY KEY,"
                             " reference_id text, created text, origin text, classification text,"
                             " text text)")
                with conn.cursor() as cur, cur.copy(
                        f"COPY {base_schema}.cables (reference_id, created, origin,"
                        " classification, text) FROM STDIN") as copy, src.open() as f:
                    for row in map(json.loads, f):
                        copy.write_row((row["reference_id"], row["created"], row["origin"],
                                        row["classification"], row["text"].replace("\x00", "")))
                conn.execute(f"CREATE INDEX ON {base_schema}.cables USING gin"
                             " (to_tsvector('simple', text))")
                conn.execute(f"ANALYZE {base_schema}.cables")
                pg_base_s = time.perf_counter() - t
                pg_base = pg_bytes(conn, base_schema)
                print(f"\nPostgreSQL{'':24}{'bytes':>14}{'':12}{'ratio':>7}{'ingest':>10}")
                print(line("table + GIN(to_tsvector)", pg_base, pg_base, pg_base_s))
                for label, tree in trees:
                    schema = f"size_{label}_{uuid.uuid4().hex[:8]}"
                    schemas.append(schema)
                    conn.execute(f"CREATE SCHEMA {schema}")
                    s = run([sys.executable, "-m", "cablegram", "ingest", str(src), "--archive",
                             with_schema(args.pg, schema), "--quiet", *workers], tree)
                    print(line(f"cablegram ingest ({label})", pg_bytes(conn, schema), pg_base, s))
                    for name, got in conn.execute(
                            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
                            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s"
                            " AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 3", (schema,)):
                        print(f"    {name:30}{got:>14,}")
            finally:
                for schema in schemas:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    print("\ntarget: at most 1.3x the baseline on both backends")
    return 0


if __name__ == "__main__":
    sys.exit(main())
