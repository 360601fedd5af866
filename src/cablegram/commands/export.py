"""`cablegram export QUERY --format jsonl|csv|parquet -o FILE`: write search hits to a file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cablegram.archive import QueryError
from cablegram.archive.export import FORMATS, export
from cablegram.cli import CommandError, plural
from cablegram.commands._archive import add_reader_option, open_for_reading


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "export", help="write the cables matching a query to a file",
        description="Write every cable matching QUERY (all cables for '') to FILE: JSON Lines "
        "of full records, or CSV / Parquet of flat rows (metadata, summary, body).",
    )
    p.add_argument("query", help="a search query ('' for everything)")
    add_reader_option(p)
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="default: from the file's extension")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the file; '-' writes to standard output (JSON Lines unless --format says otherwise)")
    p.set_defaults(func=run)


@contextmanager
def _audited(archive: Any) -> Iterator[Any]:
    """In a controlled archive, the reader's view that records each classified cable exported in
    the desk's audit log (as the web's exports do); an open archive as it is."""
    from cablegram.desk.controlled import ControlledArchive

    if not isinstance(archive, ControlledArchive):
        yield archive
        return
    from cablegram.desk import open_desk
    from cablegram.web.access import AuditedArchive

    with open_desk(archive.path) as desk:
        yield AuditedArchive(archive.inner, archive.reader, desk, view="cablegram export", via="cli")


def run(args: argparse.Namespace) -> int:
    if args.output == "-":
        fmt = args.format or "jsonl"
    else:
        fmt = args.format or args.output.rsplit(".", 1)[-1].lower()
    if fmt not in FORMATS:
        raise CommandError(f"say --format: one of {', '.join(FORMATS)}")
    with open_for_reading(args) as archive, _audited(archive) as shown:
        try:
            n = export(shown, args.query, fmt, args.output)
        except QueryError as exc:
            raise CommandError(f"bad query: {exc}") from None
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise CommandError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {plural(n, 'cable')} to {'standard output' if args.output == '-' else args.output}",
          file=sys.stderr)
    return 0
