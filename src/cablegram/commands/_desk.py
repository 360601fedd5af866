"""Helpers shared by the desk commands (users, posts, draft, desk)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from cablegram.cli import CommandError
from cablegram.commands._archive import add_archive_option
from cablegram.desk import DeskDB, DeskError, User, get_user, open_desk

__all__ = ["add_common", "as_user", "desk_errors", "opened", "read_password"]


def add_common(p: argparse.ArgumentParser, *, user: bool = False) -> None:
    """`--archive PATH`, and `--as USER` for commands acting as someone."""
    add_archive_option(p)
    if user:
        p.add_argument("--as", dest="as_user", metavar="USER", default=os.environ.get("CABLEGRAM_USER"),
                       help="act as this desk user (default: $CABLEGRAM_USER)")


@contextmanager
def opened(args: argparse.Namespace) -> Iterator[DeskDB]:
    """The desk in the archive file; DeskError becomes a one-line CommandError."""
    desk = open_desk(args.archive)
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
