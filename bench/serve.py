"""Serving benchmark: `/api/search` with origin+classification facets under concurrent clients,
against Datasette serving the sqlite-utils FTS5 table of the same texts.

Each side runs alone for `--duration` seconds on loopback: `--clients` threads (keep-alive
HTTP connections) loop over the search bench's query set, each request asking for the top 20
hits plus origin and classification facet counts:

    ours:      /api/search?q=Q&facet=origin&facet=classification&limit=20
    datasette: /DB/cables.json?_search=WORDS&_facet=origin&_facet=classification&_size=20

Prints p50/p95/p99, throughput and error counts per side and the p95 ratio (target: ours
below Datasette's, no errors). Datasette gets the words of each query only (it has no field
filters); it runs immutable (`-i`), its fastest mode, with time limits raised so that no
facet is dropped for being slow.

    python bench/ingest.py --scale 40 && python bench/serve.py --duration 60
    python bench/serve.py --archive cables.db --baseline texts-fts.db --duration 10

With `--archive postgresql://…` (the database bench/ingest.py --archive loaded, schema
`cablegram_bench_xSCALE`, or a URL with its own search path) it serves that PostgreSQL archive
beside the SQLite one (`--sqlite`, default the bench's x`--scale` file), each with `cablegram serve
--workers N` for every N of `--workers` (default 1,4), and prints them side by side (targets:
PostgreSQL with 4 workers below its p95 with 1; no errors). The servers of one backend run at
once and the load goes to each in turn, `--slice` seconds at a time, so that a shared machine's
drifting load falls on every worker count alike. Datasette runs too unless `--no-baseline`.

    python bench/serve.py --scale 5 --archive postgresql://user@host/db --duration 20
"""

from __future__ import annotations

import argparse
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path("/tmp/cablegram-bench")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import QUERIES, pct  # noqa: E402  (the search bench's query set)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[str], seconds: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited early ({proc.returncode})")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    sys.exit(f"server did not come up: {url}")


@contextmanager
def _server(cmd: list[str], probe: str) -> Iterator[None]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
    try:
        _wait_until_up(probe, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _words(q: str) -> str:
    return " ".join(w for w in q.split() if ":" not in w and w not in ("OR", "AND", "NOT"))


def run_load(urls: list[str], clients: int, duration: float,
             max_requests: int) -> tuple[list[float], int, int, float]:
    """Hit `urls` round-robin from `clients` threads for `duration` s; latencies, errors,
    requests, elapsed."""
    import httpx

    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop_at = time.monotonic() + duration
    per_client = max(1, max_requests // clients)

    def worker(i: int) -> None:
        with httpx.Client(timeout=60) as client:
            n = 0
            while n < per_client and time.monotonic() < stop_at:
                url = urls[(i * 7 + n) % len(urls)]
                t = time.perf_counter()
                try:
                    ok = client.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies[i].append(time.perf_counter() - t)
                errors[i] += not ok
                n += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    flat = [x for xs in latencies for x in xs]
    return flat, sum(errors), len(flat), elapsed


def _report(label: str, lat: list[float], errors: int, n: int, elapsed: float) -> None:
    print(f"{label:26} {n:>7} req {n / elapsed:7.1f} req/s   p50 {pct(lat, 50) * 1000:7.1f} ms"
          f"   p95 {pct(lat, 95) * 1000:7.1f} ms   p99 {pct(lat, 99) * 1000:7.1f} ms"
          f"   mean {statistics.fmean(lat) * 1000:7.1f} ms   errors {errors}")


def _alternating(servers: dict[int, list[str]],
                 args: argparse.Namespace) -> dict[int, tuple[list[float], int, int, float]]:
    """Load each server in turn, `--slice` seconds at a time, until each has had `--duration`:
    on a shared machine whose load drifts over minutes, the worker counts then see the same load
    (measured one after the other, the second may meet another job's peak)."""
    out: dict[int, tuple[list[float], int, int, float]] = {w: ([], 0, 0, 0.0) for w in servers}
    done = 0.0
    while done < args.duration:
        step = min(args.slice, args.duration - done)
        for workers, urls in servers.items():
            lat, errors, n, elapsed = run_load(urls, args.clients, step, args.max_requests)
            had = out[workers]
            out[workers] = (had[0] + lat, had[1] + errors, had[2] + n, had[3] + elapsed)
        done += step
    return out


def _workers_supported() -> bool:
    """Whether this cablegram's `serve` has `--workers` (added with issue 12)."""
    out = subprocess.run([sys.executable, "-m", "cablegram", "serve", "--help"],
                         capture_output=True, text=True).stdout
    return "--workers" in out


def _postgres(args: argparse.Namespace) -> int:
    """PostgreSQL beside SQLite: `cablegram serve --workers N` on each, the same requests."""
    from urllib.parse import urlencode

    from _pg import schema_name, schema_url

    url = args.archive if "search_path" in args.archive else schema_url(
        args.archive, schema_name(args.scale))
    sqlite = args.sqlite or OUT / f"ours-x{args.scale}.db"
    if not Path(sqlite).exists():
        sys.exit(f"missing {sqlite}: run `python bench/ingest.py --scale {args.scale}` first")
    counts = [int(w) for w in args.workers.split(",")]
    if max(counts) > 1 and not _workers_supported():
        print("cablegram serve has no --workers here: measuring 1 worker only")
        counts = [1]
    results: dict[tuple[str, int], tuple[list[float], int, int, float]] = {}
    for label, location in (("SQLite", str(sqlite)), ("PostgreSQL", url)):
        servers: dict[int, list[str]] = {}
        with ExitStack() as running:
            for workers in counts:  # all up at once: an idle server costs no CPU
                port = _free_port()
                servers[workers] = [f"http://127.0.0.1:{port}/api/search?" + urlencode(
                    [("q", q), ("facet", "origin"), ("facet", "classification"), ("limit", 20)])
                    for q in QUERIES]
                cmd = [sys.executable, "-m", "cablegram", "serve", "--archive", location,
                       "--port", str(port), *(["--workers", str(workers)] if workers > 1 else [])]
                running.enter_context(_server(cmd, servers[workers][0]))
                run_load(servers[workers], args.clients, args.warmup, args.max_requests)
            for workers, r in _alternating(servers, args).items():
                results[(label, workers)] = r
    print(f"\n{len(QUERIES)} queries, {args.clients} clients, {args.duration:.0f} s each in slices of"
          f" {args.slice:.0f} s alternating between the worker counts, x{args.scale}:"
          f" {sqlite} vs PostgreSQL schema of {url.split('?')[0].rsplit('@', 1)[-1]}")
    for (label, workers), r in results.items():
        _report(f"{label}, {workers} worker{'s' if workers > 1 else ''}", *r)
    for workers in counts:
        pg, lite = results[("PostgreSQL", workers)][0], results[("SQLite", workers)][0]
        print(f"p95 PostgreSQL/SQLite with {workers} worker(s): {pct(pg, 95) / pct(lite, 95):.2f}")
    if len(counts) > 1:
        for label in ("SQLite", "PostgreSQL"):
            one, most = results[(label, counts[0])][0], results[(label, counts[-1])][0]
            print(f"{label}: p95 with {counts[-1]} workers / with {counts[0]}:"
                  f" {pct(most, 95) / pct(one, 95):.2f} (target < 1)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--archive", default=str(OUT / "ours-x40.db"),
                    help="our archive: a SQLite file, or postgresql://… (then beside SQLite)")
    ap.add_argument("--sqlite", type=Path, default=None,
                    help="with a PostgreSQL --archive: the SQLite archive to compare with")
    ap.add_argument("--scale", type=int, default=40, help="which bench archives (default x40)")
    ap.add_argument("--workers", default="1,4",
                    help="with a PostgreSQL --archive: serve --workers counts (default 1,4)")
    ap.add_argument("--no-baseline", action="store_true", help="skip Datasette")
    ap.add_argument("--baseline", type=Path, default=OUT / "sqlite-utils-x40.db",
                    help="the sqlite-utils database (table cables, FTS on text)")
    ap.add_argument("--duration", type=float, default=60, help="seconds per side (default 60)")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    ap.add_argument("--max-requests", type=int, default=1_000_000, help="bound per side")
    ap.add_argument("--warmup", type=float, default=5, help="untimed seconds per side first")
    ap.add_argument("--slice", type=float, default=5,
                    help="with a PostgreSQL --archive: seconds each worker count is loaded before"
                    " the next one's turn (default 5)")
    args = ap.parse_args()
    from _pg import is_pg

    if is_pg(args.archive):
        _postgres(args)
        if args.no_baseline:
            return 0
        args.archive = args.sqlite or OUT / f"ours-x{args.scale}.db"
        if args.baseline == OUT / "sqlite-utils-x40.db":
            args.baseline = OUT / f"sqlite-utils-x{args.scale}.db"
    args.archive = Path(args.archive)
    for path in (args.archive, args.baseline):
        if not path.exists():
            sys.exit(f"missing {path}: run `python bench/ingest.py --scale 40` first (or give paths)")
    datasette = shutil.which("datasette")
    if not datasette:
        sys.exit("datasette is not installed (pip install datasette)")
    from urllib.parse import urlencode

    db_name = re.sub(r"\.db$", "", args.baseline.name)
    ours_port, base_port = _free_port(), _free_port()
    ours_urls = [f"http://127.0.0.1:{ours_port}/api/search?" + urlencode(
        [("q", q), ("facet", "origin"), ("facet", "classification"), ("limit", 20)]) for q in QUERIES]
    base_urls = [f"http://127.0.0.1:{base_port}/{db_name}/cables.json?" + urlencode(
        [("_search", _words(q)), ("_facet", "origin"), ("_facet", "classification"), ("_size", 20),
         ("_shape", "objects")]) for q in QUERIES]
    results = {}
    ours_cmd = [sys.executable, "-m", "cablegram", "serve", "--archive", str(args.archive),
                "--port", str(ours_port)]
    base_cmd = [datasette, "serve", "-i", str(args.baseline), "-h", "127.0.0.1", "-p", str(base_port),
                "--setting", "sql_time_limit_ms", "60000", "--setting", "facet_time_limit_ms", "60000",
                "--setting", "num_sql_threads", str(max(3, args.clients))]
    for label, cmd, urls in (("cablegram /api/search", ours_cmd, ours_urls),
                             ("datasette (sqlite-utils)", base_cmd, base_urls)):
        with _server(cmd, urls[0]):
            run_load(urls, args.clients, args.warmup, args.max_requests)
            results[label] = run_load(urls, args.clients, args.duration, args.max_requests)
    print(f"\n{len(QUERIES)} queries, {args.clients} clients, {args.duration:.0f} s each,"
          f" archive {args.archive} vs {args.baseline}")
    for label, r in results.items():
        _report(label, *r)
    (ours, *_), (base, *_) = results.values()
    print(f"p95 ratio ours/datasette: {pct(ours, 95) / pct(base, 95):.2f} (target < 1, no errors)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
