"""Helpers shared by the archive commands (ingest, search, show, refs, export, stats)."""

from __future__ import annotations

import argparse
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cablegram.archive import archive_location, open_archive
from cablegram.cli import CommandError


def add_archive_option(parser: argparse.ArgumentParser) -> None:
    """`--archive PATH` (default `$CABLEGRAM_ARCHIVE` or ./cablegram.db)."""
    parser.add_argument(
        "--archive", metavar="PATH", default=None,
        help="the archive file (default: $CABLEGRAM_ARCHIVE or ./cablegram.db)",
    )


def add_reader_option(parser: argparse.ArgumentParser) -> None:
    """`--archive PATH` and `--as USER`: who reads, in a controlled archive."""
    add_archive_option(parser)
    parser.add_argument(
        "--as", dest="as_user", metavar="USER", default=os.environ.get("CABLEGRAM_USER"),
        help="in a controlled archive, read as this desk user (default: $CABLEGRAM_USER)",
    )


def _access_mode(archive: Any) -> str:
    """The open archive's access mode (`cablegram.desk.access_mode`, on either backend)."""
    from cablegram.desk.db import access_mode

    return access_mode(archive.path)


@contextmanager
def open_for_reading(args: argparse.Namespace) -> Iterator[Any]:
    """The archive, read-only, as the reader may see it: in a controlled archive only through
    `--as USER` (their clearance and caveats, as in the web UI); a one-line error otherwise."""
    location = archive_location(args.archive)
    try:
        archive = open_archive(location, readonly=True)
    except FileNotFoundError:
        raise CommandError(f"no archive at {location}: run `cablegram ingest SOURCE...` first") from None
    except (sqlite3.DatabaseError, NotImplementedError, ConnectionError) as exc:
        raise CommandError(f"cannot open archive {location}: {exc}") from None
    try:
        if _access_mode(archive) != "controlled":
            yield archive
            return
        user_name = getattr(args, "as_user", None)
        if not user_name:
            raise CommandError(f"{location} is a controlled archive: say who reads with --as USER")
        from cablegram.desk import open_desk
        from cablegram.desk.controlled import ControlledArchive
        from cablegram.desk.people import get_user

        desk = open_desk(location)
        try:
            user = get_user(desk, user_name)
        finally:
            desk.close()
        if user is None or not user.active:
            raise CommandError(f"no active user {user_name!r}: see `cablegram users list`")
        yield ControlledArchive(archive, user)
    finally:
        archive.close()
