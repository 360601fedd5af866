"""`cablegram copy SRC DST`: a whole archive and its desk, from SQLite to PostgreSQL or back."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any

from cablegram.cli import CommandError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "copy", help="copy a whole archive (and its desk) to another backend, and check it",
        description="Copy every cable, version, source, quarantined text and desk table from SRC "
        "to DST (a SQLite file or a postgresql:// URL, either way), then compare both: row "
        "counts and digests of every table, and of each cable with its versions. Exits 1 when "
        "anything differs.",
    )
    p.add_argument("source", metavar="SRC", help="the archive to copy: a file or a postgresql:// URL")
    p.add_argument("target", metavar="DST", help="where to copy it: a file or a postgresql:// URL")
    p.add_argument("--force", action="store_true",
                   help="replace what DST holds (without it, DST must be empty)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _show(source: str, target: str, report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    from cablegram.archive.copy import _shown

    table = Table()
    for name, justify in (("table", "left"), ("SRC rows", "right"), ("DST rows", "right"),
                          ("content", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in report.tables:
        table.add_row(t.table, f"{t.source_rows:,}", f"{t.target_rows:,}",
                      "same" if t.digest_equal else "[red]DIFFERS[/red]")
    console = Console(width=100, highlight=False, soft_wrap=True)
    console.print(f"copied {_shown(source)} to {_shown(target)}")
    console.print(table)
    ok = "the same" if not report.cables_differing else "[red]differing[/red]"
    console.print(f"{report.cables_checked:,} cables compared with their versions: {ok}")
    for ref in report.cables_differing:
        console.print(f"  differs: {ref}")
    for problem in report.problems:
        console.print(f"  [red]{problem}[/red]")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from cablegram.archive.copy import CopyError, _shown, copy_archive

    console = Console(stderr=True)
    progress = Progress(TextColumn("[bold]copy {task.description:<22}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                        disable=args.quiet or not console.is_terminal)
    tasks: dict[str, Any] = {}

    def on_rows(table: str, done: int, total: int) -> None:
        if table not in tasks:
            tasks[table] = progress.add_task(table, total=total)
        progress.update(tasks[table], completed=done)

    try:
        with progress:
            report = copy_archive(args.source, args.target, force=args.force, progress=on_rows)
    except CopyError as exc:
        raise CommandError(str(exc)) from None
    except (FileNotFoundError, ConnectionError) as exc:
        raise CommandError(str(exc)) from None
    except (sqlite3.Error, NotImplementedError, RuntimeError) as exc:
        raise CommandError(f"cannot copy {_shown(args.source)} to {_shown(args.target)}: {exc}") from None
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        raise CommandError(f"cannot copy {_shown(args.source)} to {_shown(args.target)}: PostgreSQL says:"
                           f" {str(exc).strip()}") from None
    _show(args.source, args.target, report)
    if not report.ok:
        print("cablegram copy: error: SRC and DST differ (see above)", file=sys.stderr)
        return 1
    return 0
