"""`cablegram demo`: build a demo archive of synthetic cables and serve it."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cablegram.cli import CommandError, plural
from cablegram.commands.serve import add_server_options, serve
from cablegram.desk.db import redacted
from cablegram.transactions import is_postgres

DEFAULT = "cablegram-demo.db"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "demo", help="build a demo archive of synthetic cables and serve it",
        description="Generate synthetic cables (`cablegram synth`), ingest them into an archive "
        f"(default ./{DEFAULT}; kept and reused if it exists), add a desk (posts, people, drafts at "
        "every stage; their logins are printed) and serve it (`cablegram serve`).",
    )
    p.add_argument("--archive", metavar="PATH", default=DEFAULT,
                   help=f"the demo archive: a file (default ./{DEFAULT}) or a postgresql:// URL")
    p.add_argument("--cables", type=int, default=2000, help="how many cables (default 2000)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the generator")
    p.add_argument("--rebuild", action="store_true", help="rebuild the archive even if it exists")
    p.add_argument("--no-serve", action="store_true", help="build the archive and stop")
    add_server_options(p)
    p.set_defaults(func=run)


def build(path: Path | str, cables: int, seed: int) -> str:
    """Synthesize `cables` cables and ingest them into a fresh archive at `path` (a file, made
    anew; or an empty PostgreSQL archive); a report line."""
    from cablegram.archive import ingest, open_archive
    from cablegram.sources import read_path
    from cablegram.synth import synthesize, write_jsonl

    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm") if not is_postgres(path) else ():
        Path(str(path) + suffix).unlink(missing_ok=True)
    items = synthesize(cables, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "synthetic-cables.jsonl"
        with source.open("w", encoding="utf-8") as f:
            write_jsonl(items, f)
        with open_archive(path) as archive:
            report = ingest(archive, read_path(source), workers=0 if cables < 3000 else None)
    return (f"built {redacted(str(path))}: {plural(report.stored, 'cable')}, {report.updated} re-released,"
            f" {report.quarantined} quarantined in {time.perf_counter() - started:.1f} s")


def announce_desk(path: Path | str) -> None:
    """Add the demo desk (when the archive has none) and print its logins."""
    from cablegram.synth.desk import build_desk

    try:
        people = build_desk(path)
    except OSError as exc:
        raise CommandError(f"cannot add the demo desk to {redacted(str(path))}: {exc}") from None
    if not people:
        print(f"cablegram: {redacted(str(path))} has its own desk users (none of the demo's)", file=sys.stderr)
        return
    print("cablegram: the desk: log in at /login (Desk, top right) as", file=sys.stderr)
    for login in people:
        print("  " + login.line(), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.cables <= 1_000_000:
        raise CommandError("--cables must be between 1 and 1,000,000")
    if is_postgres(args.archive):
        return _run_postgres(args)
    path = Path(args.archive)
    if args.rebuild or not path.exists():
        try:
            print("cablegram: " + build(path, args.cables, args.seed), file=sys.stderr, flush=True)
        except OSError as exc:
            raise CommandError(f"cannot build {path}: {exc}") from None
    else:
        print(f"cablegram: using the existing {path} (--rebuild to make a new one)", file=sys.stderr)
    announce_desk(path)
    if args.no_serve:
        return 0
    serve(str(path), args.host, args.port, args.templates, announce="demo archive", cors=args.cors)
    return 0


def _has_cables(url: str) -> bool:
    """Whether the PostgreSQL archive at `url` exists and holds cables."""
    from cablegram.archive import open_archive
    from cablegram.transactions import archive_rows

    try:
        with open_archive(url, readonly=True) as archive:
            return bool(archive_rows(archive, "SELECT 1 FROM cables LIMIT 1"))
    except FileNotFoundError:
        return False


def _run_postgres(args: argparse.Namespace) -> int:
    """The demo in a PostgreSQL database: built there when it holds no cables, never deleted."""
    url = args.archive
    try:
        exists = _has_cables(url)
        if exists and args.rebuild:
            raise CommandError(f"{redacted(url)} holds an archive already: cablegram does not delete a PostgreSQL "
                               "archive (--rebuild); use a new database or schema (options=-c search_path=...)")
        if exists:
            print(f"cablegram: using the existing {redacted(url)}", file=sys.stderr)
        else:
            print("cablegram: " + build(url, args.cables, args.seed), file=sys.stderr, flush=True)
    except (ConnectionError, NotImplementedError) as exc:
        raise CommandError(f"cannot build {redacted(url)}: {exc}") from None
    announce_desk(url)
    if not args.no_serve:
        serve(url, args.host, args.port, args.templates, announce="demo archive", cors=args.cors)
    return 0
