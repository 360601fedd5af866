"""Ingest benchmark: `cablegram ingest` against `sqlite-utils insert` + `enable-fts`.

Both load the same telegram texts (the dev corpus as the source readers give them, written once
to a JSONL file); ours also parses every cable and builds every table and the search index, the
baseline only stores the texts and indexes them. Prints both times, the ratio (target: at most
1.5x) and the peak memory of our processes (target: under 1 GB whatever the size).

    python bench/ingest.py                 # dev corpus, 5,437 cables
    python bench/ingest.py --scale 40      # x40: 217k distinct cables (serials rewritten)
    python bench/ingest.py --scale 5 --archive postgresql://user@host/db   # and PostgreSQL

With `--archive postgresql://…` it also loads the same texts into PostgreSQL (schema
`cablegram_bench_xSCALE` of that database, or `NAME_xSCALE` with `--schema NAME`; see `_pg.py`),
once with one ingest process and once with two at once (`--shard 1/2` and `--shard 2/2`), and
prints them beside the SQLite ingest (target: two PostgreSQL processes no slower than one SQLite
ingest; every process under 1 GB).

The archives are kept in --out (default /tmp/cablegram-bench) and in that schema for
bench/search.py and bench/serve.py (`--drop` removes the schema at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV = SHARED / "corpus" / "cablegate-dev.jsonl.gz"
_REF = re.compile(r"^(\d\d)([A-Z]+?)(\d+)$")


class SerialPlan:
    """New serial numbers for the copies of the corpus, so that copy k of a cable is a distinct
    cable whatever station and year the parser reads for it.

    A copy's serial is the next number, counting from 1, that no cable of the corpus carries and
    no earlier copy got: one pool for every station (the parser may read `EFTO LONDON` where the
    metadata say `LONDON`), so reference ids never collide; x40 needs ~215k numbers, so serials
    stay within six digits (what telegrams carry).
    """

    def __init__(self, reference_ids: list[str]) -> None:
        self.taken = {int(m.group(3)) for m in map(_REF.match, reference_ids) if m}
        self.next = 1

    def new_serial(self) -> int:
        while self.next in self.taken:
            self.next += 1
        n, self.next = self.next, self.next + 1
        if n > 999_999:
            raise ValueError("no six-digit serial left")
        return n


def rewrite_serial(text: str, reference_id: str, new: int) -> tuple[str, str]:
    """The text with its serial number replaced by `new`, and the new reference id.

    The serial is rewritten only where it stands: after the station name (`TEHRAN 005055`,
    `SAN JOSE 000123`, `ANKARA 008305S/CT`), after `#` on the `DE` line (`#5055/01`) and where
    the reference id itself is written; other numbers are left alone.
    """
    m = _REF.match(reference_id)
    if not m:
        return text, reference_id
    station, serial = m.group(2), int(m.group(3))
    name = r"\s?".join(re.escape(ch) for ch in station)
    text = re.sub(rf"\b({name}\s+)0*{serial}(?!\d)", rf"\g<1>{new:06d}", text, flags=re.I)
    # the DE line carries the serial's last four digits (`#0927` for STATE 030927)
    text = re.sub(rf"#0*{serial % 10_000}(?=[/\s])", f"#{new % 10_000:04d}", text)
    new_id = f"{m.group(1)}{station}{new}"
    text = re.sub(rf"\b{reference_id}(?!\d)", new_id, text)  # cablegate's CSV line
    return text, new_id


def texts(scale: int) -> Iterator[dict[str, str]]:
    """The corpus texts, `scale` times, as JSONL rows (text + the source's metadata)."""
    from cablegram.sources import read_paths

    records = list(read_paths([str(DEV)]))
    metas = [r.source.get("metadata") or {} for r in records]
    plan = SerialPlan([str(m.get("reference_id", "")) for m in metas])
    for copy in range(scale):
        for r, meta in zip(records, metas, strict=True):
            text, ref = r.text, str(meta.get("reference_id", ""))
            m = _REF.match(ref)
            if copy and m:
                text, ref = rewrite_serial(text, ref, plan.new_serial())
            yield {"reference_id": ref, "created": meta.get("created", ""),
                   "origin": meta.get("origin", ""),
                   "classification": meta.get("classification", ""), "text": text}


def write_texts(path: Path, scale: int) -> tuple[int, int]:
    n = size = 0
    with path.open("w", encoding="utf-8") as f:
        for row in texts(scale):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
            size += len(row["text"].encode())
    return n, size


CPU: dict[str, float] = {}


def timed_together(cmds: list[list[str]], env: dict[str, str]) -> tuple[float, float, int]:
    """Run `cmds` at once; return the seconds until the last ends, their CPU seconds (workers
    included; the database server's are not) and the largest peak RSS of any of their processes
    and their workers (KiB)."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for c in cmds]
    cpu, rss = 0.0, 0
    for proc in procs:
        _, status, usage = os.wait4(proc.pid, 0)
        out, err = proc.communicate()
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 3):
            sys.exit(f"{proc.args[:3]} failed: {err[-2000:]}")
        if out.strip():
            print("   ", out.strip().splitlines()[-1])
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss)
    return time.perf_counter() - start, cpu, rss


def postgres_runs(url: str, src: Path, scale: int, workers: int | None,
                  env: dict[str, str]) -> list[tuple[str, float, float, int, float | None]]:
    """PostgreSQL ingests of `src`: one process, then two at once (the second stays for the
    other benches). Each (label, seconds, CPU seconds, peak RSS KiB, the server's CPU seconds
    or None when the server is on another machine)."""
    from _pg import ServerCPU, reset_schema, schema_name

    schema = schema_name(scale)
    base = [sys.executable, "-m", "cablegram", "ingest", str(src), "--quiet",
            *(["--workers", str(workers)] if workers is not None else [])]
    out = []
    for label, shards in (("PostgreSQL, 1 process", [[]]),
                          ("PostgreSQL, 2 processes", [["--shard", "1/2"], ["--shard", "2/2"]])):
        name = f"{schema}_ingest"
        archive = f"{reset_schema(url, schema)}&application_name={name}"
        print(f"{label}: cablegram ingest --archive postgresql://…{schema}"
              + (" --shard I/2" if len(shards) > 1 else ""))
        with ServerCPU(url, name) as server:
            seconds, cpu, rss = timed_together([[*base, "--archive", archive, *s] for s in shards],
                                               env)
        out.append((label, seconds, cpu, rss, server.seconds))
    return out


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """Run `cmd`; return seconds, its own peak RSS and its children's peak RSS (KiB).

    Its CPU seconds (user + system, its worker processes included) add up in `CPU[cmd[3]]`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out, err = proc.communicate()
    code = os.waitstatus_to_exitcode(status)
    if code != 0 and not (code == 3 and cmd[3] == "ingest"):  # 3: some records quarantined
        sys.exit(f"{cmd[:3]} failed: {err[-2000:]}")
    if out.strip():
        print("   ", out.strip().splitlines()[-1])
    CPU[cmd[3]] = CPU.get(cmd[3], 0.0) + usage.ru_utime + usage.ru_stime
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, usage.ru_maxrss, max(children, before)


def entities_share(src: Path, args: argparse.Namespace, env: dict[str, str]) -> None:
    """Entity extraction's cost at ingest: ours with `--no-entities`, then with `--entities`
    (each into its own archive in --out), wall and CPU seconds (workers included); the budget
    (issue 13) is at most 30% more than the ingest without it."""
    runs = {}
    for flag in ("--no-entities", "--entities"):
        db = args.out / f"ours{flag[1:].replace('-', '_')}-x{args.scale}.db"
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            p.unlink(missing_ok=True)
        print(f"ours {flag}: cablegram ingest {flag}")
        cpu0 = CPU.get("ingest", 0.0)
        seconds, _, _ = timed([sys.executable, "-m", "cablegram", "ingest", str(src), "--archive", str(db),
                               *(["--workers", str(args.workers)] if args.workers is not None else []),
                               "--quiet", flag], env)
        runs[flag] = (seconds, CPU.get("ingest", 0.0) - cpu0)
        CPU["ingest"] = cpu0  # the main comparison keeps its own figure
    (off_s, off_cpu), (on_s, on_cpu) = runs["--no-entities"], runs["--entities"]
    print(f"\nentity extraction at ingest (x{args.scale}):")
    print(f"{'':28}{'wall s':>8}{'CPU s':>8}")
    print(f"{'ingest --no-entities':28}{off_s:8.1f}{off_cpu:8.1f}")
    print(f"{'ingest --entities':28}{on_s:8.1f}{on_cpu:8.1f}")
    print(f"extraction adds {100 * (on_cpu - off_cpu) / off_cpu:.0f}% CPU, {100 * (on_s - off_s) / off_s:.0f}% wall"
          f" to ingest (budget: at most 30%); its share of the ingest with it:"
          f" {100 * (on_cpu - off_cpu) / on_cpu:.0f}% CPU")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/cablegram-bench"))
    ap.add_argument("--workers", type=int, default=None,
                    help="cablegram ingest --workers (default: its own default)")
    ap.add_argument("--archive", default=None, metavar="postgresql://…",
                    help="also ingest into PostgreSQL (a schema of this database)")
    ap.add_argument("--drop", action="store_true", help="drop the PostgreSQL schema at the end")
    ap.add_argument("--schema", default=None, metavar="NAME",
                    help="PostgreSQL schema prefix (default cablegram_bench: NAME_xSCALE), so that"
                         " two benches on one server keep apart (also CABLEGRAM_BENCH_SCHEMA)")
    ap.add_argument("--entities-share", action="store_true",
                    help="also ingest with --entities and with --no-entities and print entity"
                    " extraction's share of ingest time (budget: 30%%)")
    args = ap.parse_args()
    if args.schema:
        os.environ["CABLEGRAM_BENCH_SCHEMA"] = args.schema
    if not DEV.exists():
        sys.exit(f"no dev corpus at {DEV}")
    args.out.mkdir(parents=True, exist_ok=True)
    src = args.out / f"texts-x{args.scale}.jsonl"
    ours = args.out / f"ours-x{args.scale}.db"
    base = args.out / f"sqlite-utils-x{args.scale}.db"
    for p in (ours, Path(f"{ours}-wal"), Path(f"{ours}-shm"), base):
        p.unlink(missing_ok=True)
    t = time.perf_counter()
    n, size = write_texts(src, args.scale)
    print(f"corpus: {n} texts, {size / 1e6:.0f} MB (x{args.scale}), written in "
          f"{time.perf_counter() - t:.0f} s to {src}")

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    print("ours: cablegram ingest (parse + all tables + FTS5)")
    ours_s, ours_rss, worker_rss = timed(
        [sys.executable, "-m", "cablegram", "ingest", str(src), "--archive", str(ours),
         *(["--workers", str(args.workers)] if args.workers is not None else []), "--quiet"], env)
    print("baseline: sqlite-utils insert + enable-fts (no parsing)")
    sqlite_utils = [sys.executable, "-m", "sqlite_utils"]
    ins_s, _, _ = timed([*sqlite_utils, "insert", str(base), "cables", str(src), "--nl"])
    fts_s, _, _ = timed([*sqlite_utils, "enable-fts", str(base), "cables", "text",
                         "--fts5"])
    base_s = ins_s + fts_s
    pg = postgres_runs(args.archive, src, args.scale, args.workers, env) if args.archive else []
    if args.entities_share:
        entities_share(src, args, env)
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
          " (other jobs slow the 2-process ingest more than the 1-process baseline)")
    print(f"{'':24}{'seconds':>9}{'cables/s':>10}{'MB/s':>8}")
    for label, s in (("cablegram ingest", ours_s), ("sqlite-utils insert+fts", base_s)):
        print(f"{label:24}{s:9.1f}{n / s:10.0f}{size / 1e6 / s:8.1f}")
    print(f"ratio ours/baseline: {ours_s / base_s:.2f}x (target <= 1.5x)")
    ours_cpu = CPU.get("ingest", 0.0)
    cores = os.cpu_count() or 1
    base_cpu = CPU.get("insert", 0.0) + CPU.get("enable-fts", 0.0)
    print(f"CPU seconds (user+sys, workers included): ours {ours_cpu:.1f}, baseline {base_cpu:.1f};"
          f" ours on {cores} fully free cores >= {ours_cpu / cores:.1f} s")
    print(f"peak RSS: ingest process {ours_rss / 1024:.0f} MB, largest worker "
          f"{worker_rss / 1024:.0f} MB (target < 1024 MB)")
    print(f"sizes: ours {ours.stat().st_size / 1e6:.0f} MB, baseline "
          f"{base.stat().st_size / 1e6:.0f} MB")
    if pg:
        from _pg import drop_schema, schema_name, schema_size

        print(f"\nPostgreSQL beside SQLite (cablegram ingest, x{args.scale}, {n} texts):")
        print(f"{'':26}{'seconds':>9}{'cables/s':>10}{'CPU s':>8}{'server CPU s':>14}{'peak MB':>9}"
              f"{'vs SQLite':>11}")
        print(f"{'SQLite, 1 process':26}{ours_s:9.1f}{n / ours_s:10.0f}{ours_cpu:8.1f}{'-':>14}"
              f"{max(ours_rss, worker_rss) / 1024:9.0f}{1:10.2f}x")
        for label, s, cpu, rss, server_cpu in pg:
            server = f"{server_cpu:14.1f}" if server_cpu is not None else f"{'?':>14}"
            print(f"{label:26}{s:9.1f}{n / s:10.0f}{cpu:8.1f}{server}{rss / 1024:9.0f}"
                  f"{s / ours_s:10.2f}x")
        print("(CPU s: the ingest processes and their parsing workers; server CPU s: the database"
              " server's processes for them, read from /proc when the server is on this machine)")
        print(f"target: PostgreSQL with 2 processes <= 1.00x SQLite's ({pg[1][1] / ours_s:.2f}x);"
              " every process < 1024 MB")
        schema = schema_name(args.scale)
        print(f"size: PostgreSQL schema {schema} {schema_size(args.archive, schema) / 1e6:.0f} MB")
        if args.drop:
            drop_schema(args.archive, schema)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
