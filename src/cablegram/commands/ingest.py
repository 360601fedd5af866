"""`cablegram ingest SOURCE...`: parse any corpus into the archive, with a progress bar.

Exit status: 0 when every record was stored; 3 when the run finished but some records were
quarantined (malformed, over the size cap, or a damaged file: everything else is stored); 1 on
an error that stopped it (a full disk, an unreadable source): run it again to resume.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shutil
import sqlite3
import sys
import threading
import zlib
from itertools import islice
from pathlib import Path
from typing import Any

from cablegram.archive import IngestReport, archive_location, ingest, open_archive
from cablegram.archive.records import ENTITIES_ENV
from cablegram.cli import CommandError
from cablegram.commands._archive import add_archive_option
from cablegram.sources.limits import DEFAULT_MAX_RECORD, ENV, max_record

#: Exit status of a run that stored everything it could but quarantined some records.
QUARANTINED = 3
#: How many reasons the summary prints (the quarantine table holds them all).
SHOWN_PROBLEMS = 5


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "ingest", help="read cables from files into the archive",
        description="Read cables from SOURCE files or directories (any format the readers "
        "know: text, cablegate pages, cables.csv, JSONL, PlusD), parse them and store them. "
        "Idempotent: run it again, or after an interruption, and it stores only what is new.",
        epilog="Exit status: 0 all stored; 3 finished, but records were quarantined (the "
        "rest is stored; see the quarantine table); 1 stopped by an error (say, a full disk): "
        "run it again to resume.",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    add_archive_option(p)
    p.add_argument("--workers", type=int, default=None,
                   help="parsing processes (default: one per core; 0 = in-process)")
    p.add_argument("--batch", type=int, default=250, help="records per transaction")
    p.add_argument("--shard", metavar="I/N", default=None,
                   help="take every N-th record from the I-th (1..N): N machines or processes"
                   " split one list of sources, each running with its own I")
    entities = p.add_mutually_exclusive_group()
    entities.add_argument("--entities", dest="entities", action="store_true", default=None,
                          help="extract people, places and organisations while ingesting (about 4 ms"
                          " a cable of CPU, several times the parse; or later: `cablegram entities"
                          " --rebuild`)")
    entities.add_argument("--no-entities", dest="entities", action="store_false",
                          help="do not extract entities (the default: extraction is still over its"
                          " budget of 30%% of ingest time)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--max-record", metavar="SIZE", default=None,
                   help="largest record stored (a JSONL line, a CSV row, a text): 5MB, 500kB, "
                   f"2MiB...; larger ones are quarantined (default: ${ENV}, else "
                   f"{DEFAULT_MAX_RECORD // 10**6} MB)")
    p.set_defaults(func=run)


def _count_lines(path: Path) -> int:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    n = 0
    with opener(path, "rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def _count_records(f: Path) -> int:
    name = f.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".csv", ".csv.gz", ".ndjson")):
        return _count_lines(f)
    return 1


def estimate_total(sources: list[str]) -> int | None:
    """A quick estimate of the number of records (lines of line-based files, else files)."""
    total = 0
    for s in sources:
        path = Path(s)
        files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]
        for f in files:
            try:
                total += _count_records(f)
            except (OSError, EOFError, zlib.error):  # unreadable or damaged: ingest will say
                return None
    return total or None


def _report_line(r: IngestReport) -> str:
    return (f"read {r.read}, stored {r.stored}, updated {r.updated}, duplicates {r.duplicates},"
            f" quarantined {r.quarantined} in {r.seconds:.1f} s ({r.rate:.0f} cables/s)")


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` is SQLite's or the system's "no room left"."""
    if isinstance(exc, sqlite3.Error):
        return (getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                or "full" in str(exc))
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


#: What a cable takes in the archive (row, parts, index; 32 KiB pages), measured on the dev
#: corpus: the estimate of the room needed before enough cables are stored to measure.
TYPICAL_CABLE_BYTES = 34_000


def disk_full_message(location: str, cables: int, committed: int, total: int | None) -> str:
    """Where there is no room, how much is free, and about how much more the rest needs."""
    path = Path(location)
    size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*") if f.is_file())
    try:
        free = f"{_mb(shutil.disk_usage(path.parent).free)} free there"
    except OSError:
        free = "free space unknown"
    lines = [f"no room to write the archive {location} (database or disk full; {free})."]
    per = size / cables if cables >= 50 else TYPICAL_CABLE_BYTES
    left = total - committed if total else None
    if left and left > 0:
        lines.append(f"About {_mb(per * left * 1.25)} more is needed for the ~{left:,} records"
                     f" left (~{per / 1000:,.0f} kB a cable; the archive takes {_mb(size)}).")
    else:
        lines.append(f"The archive takes {_mb(size)} (~{per / 1000:,.0f} kB a cable).")
    lines.append("Make room and run the same command again: it resumes where it stopped.")
    return " ".join(lines)


def _summary(r: IngestReport, location: str) -> list[str]:
    """What a run that quarantined records prints, besides its report line."""
    n = r.not_stored
    lines = [f"{n:,} record{'s' if n != 1 else ''} quarantined, not stored"
             f" (everything else is); reasons in the archive's quarantine table:"
             f" sqlite3 {location} \"SELECT reason, file, position FROM quarantine\""]
    # a damaged file first: it may hide many records
    shown = sorted(r.problems, key=lambda p: ": damaged " not in p)[:SHOWN_PROBLEMS]
    lines += [f"  {p}" for p in shown]
    if n > SHOWN_PROBLEMS:
        lines.append(f"  ... and {n - SHOWN_PROBLEMS:,} more")
    return lines


def parse_shard(value: str | None) -> tuple[int, int]:
    """`--shard I/N` -> (I, N); (1, 1) when absent."""
    if value is None:
        return 1, 1
    i, _, n = value.partition("/")
    if not (i.isdigit() and n.isdigit() and 1 <= int(i) <= int(n)):
        raise CommandError(f"--shard takes I/N with 1 <= I <= N, not {value!r}")
    return int(i), int(n)


def run(args: argparse.Namespace) -> int:
    """Ingest; `--entities` turns entity extraction on in the parsing workers (they inherit the
    environment) for this run only, `--no-entities` off (whatever $CABLEGRAM_ENTITIES says)."""
    if args.entities is None:
        return _run(args)
    before = os.environ.get(ENTITIES_ENV)
    os.environ[ENTITIES_ENV] = "1" if args.entities else "0"
    try:
        return _run(args)
    finally:
        if before is None:
            os.environ.pop(ENTITIES_ENV, None)
        else:
            os.environ[ENTITIES_ENV] = before


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from cablegram.sources import SourceError, read_paths

    missing = [s for s in args.sources if not Path(s).exists()]
    if missing:
        raise CommandError(f"no such file: {missing[0]}")
    if args.batch < 1 or (args.workers is not None and args.workers < 0):
        raise CommandError("--batch must be at least 1 and --workers at least 0")
    try:
        limit = max_record(args.max_record)
    except ValueError as exc:
        raise CommandError(f"--max-record or ${ENV}: {exc}") from None
    shard, shards = parse_shard(getattr(args, "shard", None))
    location = archive_location(args.archive)
    try:
        archive = open_archive(location)
    except (sqlite3.DatabaseError, NotImplementedError, RuntimeError, ConnectionError) as exc:
        if is_disk_full(exc):
            raise CommandError(disk_full_message(location, 0, 0, None)) from None
        raise CommandError(f"cannot open archive {location}: {exc}") from None
    console = Console(stderr=True)
    show = not args.quiet and console.is_terminal
    progress = Progress(
        TextColumn("[bold]ingest"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>6.0f} cables/s"), TimeElapsedColumn(),
        TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[note]}"),
        console=console, disable=not show, transient=False,
    )
    task = progress.add_task("ingest", total=None, rate=0.0, note="")
    committed = 0  # records read and committed, for the full-disk estimate

    def count_in_background() -> None:
        total = estimate_total(args.sources)
        if total:
            progress.update(task, total=-(-total // shards))

    def on_batch(r: IngestReport) -> None:
        nonlocal committed
        committed = r.stored + r.updated + r.duplicates + r.not_stored
        progress.update(task, completed=r.read, rate=r.rate,
                        note=f"stored {r.stored} quarantined {r.quarantined}")

    threading.Thread(target=count_in_background, daemon=True).start()
    try:
        with progress:
            records = read_paths(args.sources, max_bytes=limit)
            if shards > 1:  # records are read in a fixed order: every shard sees the same list
                records = islice(records, shard - 1, None, shards)
            report = ingest(archive, records, workers=args.workers, batch=args.batch,
                            on_batch=on_batch, max_record_chars=limit)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    except (sqlite3.Error, OSError) as exc:
        if not is_disk_full(exc):
            raise
        cables = _count_cables(archive)
        raise CommandError(disk_full_message(location, cables, committed,
                                             estimate_total(args.sources))) from None
    finally:
        archive.close()
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(_report_line(report), file=sys.stdout)
    if report.not_stored:
        for line in _summary(report, location):
            print(f"cablegram ingest: {line}", file=sys.stderr)
        return QUARANTINED
    return 0


def _count_cables(archive: Any) -> int:
    try:
        return int(archive.db.execute("SELECT count(*) FROM cables").fetchone()[0])
    except (AttributeError, sqlite3.Error):
        return 0
