"""`cablegram ingest SOURCE...`: parse any corpus into the archive, with a progress bar."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import threading
from itertools import islice
from pathlib import Path
from typing import Any

from cablegram.archive import IngestReport, archive_location, ingest, open_archive
from cablegram.cli import CommandError
from cablegram.commands._archive import add_archive_option


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "ingest", help="read cables from files into the archive",
        description="Read cables from SOURCE files or directories (any format the readers "
        "know: text, cablegate pages, cables.csv, JSONL, PlusD), parse them and store them. "
        "Idempotent: run it again, or after an interruption, and it stores only what is new.",
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    add_archive_option(p)
    p.add_argument("--workers", type=int, default=None,
                   help="parsing processes (default: one per core; 0 = in-process)")
    p.add_argument("--batch", type=int, default=250, help="records per transaction")
    p.add_argument("--shard", metavar="I/N", default=None,
                   help="take every N-th record from the I-th (1..N): N machines or processes"
                   " split one list of sources, each running with its own I")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _count_lines(path: Path) -> int:
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    n = 0
    with opener(path, "rb") as f:
        while chunk := f.read(1 << 20):
            n += chunk.count(b"\n")
    return n


def estimate_total(sources: list[str]) -> int | None:
    """A quick estimate of the number of records (lines of line-based files, else files)."""
    total = 0
    for s in sources:
        path = Path(s)
        files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]
        for f in files:
            name = f.name.lower()
            if name.endswith((".jsonl", ".jsonl.gz", ".csv", ".csv.gz", ".ndjson")):
                try:
                    total += _count_lines(f)
                except OSError:
                    return None
            else:
                total += 1
    return total or None


def _report_line(r: IngestReport) -> str:
    return (f"read {r.read}, stored {r.stored}, updated {r.updated}, duplicates {r.duplicates},"
            f" quarantined {r.quarantined} in {r.seconds:.1f} s ({r.rate:.0f} cables/s)")


def parse_shard(value: str | None) -> tuple[int, int]:
    """`--shard I/N` -> (I, N); (1, 1) when absent."""
    if value is None:
        return 1, 1
    i, _, n = value.partition("/")
    if not (i.isdigit() and n.isdigit() and 1 <= int(i) <= int(n)):
        raise CommandError(f"--shard takes I/N with 1 <= I <= N, not {value!r}")
    return int(i), int(n)


def run(args: argparse.Namespace) -> int:
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
    shard, shards = parse_shard(getattr(args, "shard", None))
    location = archive_location(args.archive)
    try:
        archive = open_archive(location)
    except (sqlite3.DatabaseError, NotImplementedError, RuntimeError, ConnectionError) as exc:
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

    def count_in_background() -> None:
        total = estimate_total(args.sources)
        if total:
            progress.update(task, total=-(-total // shards))

    def on_batch(r: IngestReport) -> None:
        progress.update(task, completed=r.read, rate=r.rate,
                        note=f"stored {r.stored} quarantined {r.quarantined}")

    threading.Thread(target=count_in_background, daemon=True).start()
    try:
        with progress:
            records = read_paths(args.sources)
            if shards > 1:  # records are read in a fixed order: every shard sees the same list
                records = islice(records, shard - 1, None, shards)
            report = ingest(archive, records, workers=args.workers,
                            batch=args.batch, on_batch=on_batch)
    except SourceError as exc:
        raise CommandError(str(exc)) from None
    finally:
        archive.close()
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(_report_line(report), file=sys.stdout)
    return 0
