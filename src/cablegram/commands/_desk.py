"""Helpers shared by the desk commands (users, posts, draft, desk)."""

from __future__ import annotations

import argparse
import getpass
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from cablegram.archive import archive_location
from cablegram.cli import CommandError
from cablegram.commands._archive import add_archive_option
from cablegram.desk import DeskDB, DeskError, User, get_user, open_desk
from cablegram.desk.db import redacted

__all__ = ["add_common", "as_user", "desk_errors", "opened", "read_password"]


def add_common(p: argparse.ArgumentParser, *, user: bool = False) -> None:
    """`--archive PATH` (a SQLite file or a `postgresql://` URL), and `--as USER` for commands
    acting as someone."""
    add_archive_option(p)
    if user:
        p.add_argument("--as", dest="as_user", metavar="USER", default=os.environ.get("CABLEGRAM_USER"),
                       help="act as this desk user (default: $CABLEGRAM_USER)")


def _pg_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:
        return ()
    return (psycopg.Error,)


@contextmanager
def opened(args: argparse.Namespace) -> Iterator[DeskDB]:
    """The desk of the archive (a SQLite file or a `postgresql://` URL); DeskError becomes a
    one-line CommandError."""
    try:
        desk = open_desk(args.archive)
    except (ConnectionError, ImportError, sqlite3.DatabaseError, *_pg_errors()) as exc:
        raise CommandError(f"cannot open the desk of {redacted(archive_location(args.archive))}: {exc}") from None
    try:
        yield desk
    except DeskError as exc:
        raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from None
    finally:
        desk.close()


@contextmanager
def desk_errors() -> Iterator[None]:
    """Turn DeskError into CommandError."""
    try:
        yield
    except DeskError as exc:
        raise CommandError(exc.message) from None


def as_user(desk: DeskDB, args: argparse.Namespace) -> User:
    """The user named by `--as` (or $CABLEGRAM_USER)."""
    if not args.as_user:
        raise CommandError("say who you are: --as USER (or set CABLEGRAM_USER)")
    user = get_user(desk, args.as_user)
    if user is None or not user.active:
        raise CommandError(f"no active user {args.as_user!r}: see `cablegram users list`")
    return user


def read_password(args: argparse.Namespace) -> str | None:
    """The password from --password-stdin, $CABLEGRAM_PASSWORD, or a prompt (--password)."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    if getattr(args, "password", False):
        env = os.environ.get("CABLEGRAM_PASSWORD")
        if env:
            return env
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise CommandError("the passwords differ")
        return first
    return None
