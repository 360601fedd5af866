"""`cablegram search QUERY`: search the archive with the query language."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.archive import FACETS, MARK_END, MARK_START, QueryError
from cablegram.archive.base import ENTITY_FACETS
from cablegram.archive.budget import DEFAULT_QUERY_TIMEOUT
from cablegram.cli import CommandError, plural
from cablegram.commands._archive import add_reader_option, open_for_reading

EPILOG = """query language:
  words "a phrase" prefix*  AND OR NOT -word ( )
  origin:moscow  tag:PGOV  class:secret  caveat:noforn  from:2008-01  to:2008-12
  to:"SECSTATE WASHDC"  ref:08MOSCOW2618  subject:georgia  id:08MOSCOW2632
"""


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "search", help="search the archive", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Search the archive: ranked hits with highlighted snippets, and facets.",
    )
    p.add_argument("query", nargs="?", default="", help="the query (empty: everything)")
    add_reader_option(p)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--sort", choices=("rank", "bm25", "date", "-date"), default="rank",
                   help="rank: subject hits first, then by BM25 (default); bm25: plain BM25")
    p.add_argument("--facet", action="append", default=[], choices=FACETS + ENTITY_FACETS,
                   help="count hits by this facet (repeatable)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--timeout", type=float, metavar="SECONDS", default=DEFAULT_QUERY_TIMEOUT,
                   help=f"stop the search after this long (default {DEFAULT_QUERY_TIMEOUT:g};"
                   " 0: never)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    with open_for_reading(args) as archive:
        getattr(archive, "inner", archive).query_timeout = args.timeout or None
        try:
            result = archive.search(args.query, facets=args.facet, limit=args.limit,
                                    offset=args.offset, sort=args.sort)
        except QueryError as exc:
            raise CommandError(f"bad query: {exc}") from None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0
    console = Console(highlight=False, soft_wrap=False)
    shown = f"{result.offset + 1}-{result.offset + len(result.hits)}" if result.hits else "0"
    matching = f"{plural(result.total, 'cable')} match{'es' if result.total == 1 else ''}"
    console.print(f"[bold]{matching}[/bold]; showing {shown}")
    for h in result.hits:
        console.print(
            f"\n[bold cyan]{h.reference_id}[/]  {(h.created or '')[:10]}  {escape(h.origin or '')}"
            f"  [magenta]{escape(h.classification or '')}[/]"
        )
        console.print(f"  [bold]{escape(h.subject or '')}[/]")
        if h.snippet:
            snippet = escape(h.snippet).replace(MARK_START, "[bold yellow]").replace(MARK_END, "[/]")
            console.print(f"  {snippet}")
    for name, counts in result.facets.items():
        console.print(f"\n[bold]{name}[/]")
        for c in counts[:20]:
            console.print(f"  {c.count:>7}  {escape(c.value)}")
    return 0
