"""Helpers shared by the archive commands (ingest, search, show, refs, export, stats)."""

from __future__ import annotations

import argparse
import sqlite3

from cablegram.archive import SQLiteArchive, archive_location, open_archive
from cablegram.cli import CommandError


def add_archive_option(parser: argparse.ArgumentParser) -> None:
    """`--archive PATH` (default `$CABLEGRAM_ARCHIVE` or ./cablegram.db)."""
    parser.add_argument(
        "--archive", metavar="PATH", default=None,
        help="the archive file (default: $CABLEGRAM_ARCHIVE or ./cablegram.db)",
    )


def open_for_reading(args: argparse.Namespace) -> SQLiteArchive:
    """Open the archive read-only, or fail with a one-line error."""
    location = archive_location(args.archive)
    try:
        return open_archive(location, readonly=True)
    except FileNotFoundError:
        raise CommandError(
            f"no archive at {location}: run `cablegram ingest SOURCE...` first"
        ) from None
    except (sqlite3.DatabaseError, NotImplementedError) as exc:
        raise CommandError(f"cannot open archive {location}: {exc}") from None
