"""The `cablegram` command: a thin dispatcher over the command modules.

Each module in `cablegram.commands` defines `register(subparsers)`, which adds its sub-command
and sets `func` on the parsed namespace; `func(args)` returns the exit status. Adding a command
means adding a module there, nothing here.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from typing import NoReturn

from cablegram import __version__, commands


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit status 1 (or `status`)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 cable`, `2 cables` (`many` for irregular plurals)."""
    return f"{n} {word if n == 1 else many or word + 's'}"


class Parser(argparse.ArgumentParser):
    """argparse, with a hint when a query that starts with '-' was taken for an option."""

    argv: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        known = self._option_string_actions
        odd = [t for t in Parser.argv if t.startswith("-") and t != "--" and t.split("=")[0] not in known
               and not t[1:].replace(".", "").isdigit()]
        if odd:
            command = next((t for t in Parser.argv if not t.startswith("-")), "search")
            message += (f"\nhint: {odd[0]!r} was read as an option; a query that starts with '-' goes last, "
                        f"after '--': cablegram {command} [OPTIONS] -- {odd[0]!r}")
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="cablegram",
        description="The diplomatic telegram system: read, archive, search and write cables.",
    )
    parser.add_argument("--version", action="version", version=f"cablegram {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    Parser.argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"cablegram {args.command}: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print("cablegram: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
