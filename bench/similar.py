"""What the similar-cables list costs a cable page: `cablegram.archive.similar.similar` on random
cables, against the plain more-like-this (the cable's 12 most frequent words, no IDF, no budget on
the index entries read) run here through the same search. Target: under 100 ms (the issue asks it
at x40, 217k cables).

    python bench/similar.py [--scale 4] [--archive PATH] [--cables 50] [--baseline 50] [--warm]

Without --archive it builds /tmp/cablegram-bench/similar-xN.db from the dev corpus copied N times
(serials rewritten, as bench/ingest.py does) and keeps it for the next run; with `--pg URL`, the
schema alertsim_similar_xN (or `--schema NAME`) on that PostgreSQL server (kept, or dropped with
`--drop`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cablegram.archive import open_archive
from cablegram.archive.similar import _STOP, _text, fold, similar

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pg import drop_schema, is_pg, reset_schema, schema_url
from ingest import write_texts


def plain(archive: Any, reference_id: str) -> list[str]:
    """The baseline: the 12 most frequent words of the cable, searched the same way."""
    cable = archive.get(reference_id)
    counts = Counter(t for t in fold(_text(cable)) if len(t) > 2 and t not in _STOP and not t.isdigit())
    terms = [t for t, _ in counts.most_common(12)]
    hits = archive.search(" OR ".join(terms), limit=11, sort="bm25").hits if terms else []
    return [h.reference_id for h in hits if h.reference_id != reference_id][:10]


def build_pg(scale: int, server: str, out: Path, schema: str) -> str:
    """The archive in `schema` of the PostgreSQL `server` (built when absent)."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        there = conn.execute("SELECT to_regclass(%s)", (f"{schema}.cables",)).fetchone()[0]
    if there is not None:
        return schema_url(server, schema)
    url = reset_schema(server, schema)
    out.mkdir(parents=True, exist_ok=True)
    src = out / f"similar-x{scale}.jsonl"
    n, _ = write_texts(src, scale)
    print(f"building {schema} from {n} texts ...", flush=True)
    subprocess.run([sys.executable, "-m", "cablegram", "ingest", str(src), "--archive", url, "--quiet"], check=False)
    src.unlink()
    return url


def build(scale: int, out: Path) -> Path:
    path = out / f"similar-x{scale}.db"
    if path.exists():
        return path
    out.mkdir(parents=True, exist_ok=True)
    src = out / f"similar-x{scale}.jsonl"
    n, _ = write_texts(src, scale)
    print(f"building {path} from {n} texts ...", flush=True)
    subprocess.run([sys.executable, "-m", "cablegram", "ingest", str(src), "--archive", str(path), "--quiet"],
                   check=False)
    src.unlink()
    return path


def ms(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--archive", help="an archive (a file or a postgresql:// URL), opened read-only")
    parser.add_argument("--pg", metavar="URL", help="build the archive on this PostgreSQL server instead"
                        " (schema alertsim_similar_xN; `--drop` removes it)")
    parser.add_argument("--drop", action="store_true", help="with --pg: drop the schema afterwards")
    parser.add_argument("--schema", help="with --pg: the schema's name (default alertsim_similar_xN)")
    parser.add_argument("--warm", action="store_true", help="read the full-text index once first (SQLite)")
    parser.add_argument("--cables", type=int, default=50)
    parser.add_argument("--baseline", type=int, default=50, help="cables the (slow) baseline is run on")
    parser.add_argument("--out", type=Path, default=Path("/tmp/cablegram-bench"))
    args = parser.parse_args()
    schema = args.schema or f"alertsim_similar_x{args.scale}"
    path: Path | str = args.archive or (build_pg(args.scale, args.pg, args.out, schema) if args.pg else
                                        build(args.scale, args.out))
    with open_archive(path, readonly=True) as archive:
        archive.query_timeout = 600  # the baseline's BM25 over every match takes seconds at x40
        ids = [r for (r,) in archive.fetch("SELECT reference_id FROM cables ORDER BY id")]
        sample = random.Random(11).sample(ids, args.cables + 1)
        if args.warm and not is_pg(path):  # a server that has run a while: the index in the page cache
            started = time.perf_counter()
            (size,) = archive.fetch("SELECT sum(length(block)) FROM cables_fts_data")[0]
            print(f"warmed: read the full-text index ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        similar(archive, sample[0])  # warm: the vocabulary table, the page cache
        plain(archive, sample[0])
        ours, base, cpus = [], [], []
        for k, rid in enumerate(sample[1:]):
            started, cpu = time.perf_counter(), time.process_time()
            similar(archive, rid)
            ours.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            if k < args.baseline:
                started = time.perf_counter()
                plain(archive, rid)
                base.append(time.perf_counter() - started)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{path}: {len(ids)} cables, {args.cables} cables' similar lists (baseline: {len(base)});"
          f" load average {load}"
          f" on {os.cpu_count()} cores")
    for label, xs in (("similar (TF-IDF as the reader sees)", ours), ("  its CPU time", cpus),
                      ("baseline (12 most frequent words)", base)):
        mean = statistics.mean(xs) * 1000
        print(f"{label:<36} p50 {ms(xs, .5):7.1f} ms  p95 {ms(xs, .95):7.1f} ms  mean {mean:7.1f} ms")
    print(f"ratio {statistics.mean(ours) / statistics.mean(base):.2f}; target p95 under 100 ms:"
          f" {'met' if ms(ours, .95) < 100 else 'NOT met'}")
    if args.pg and args.drop:
        drop_schema(args.pg, schema)


if __name__ == "__main__":
    main()
