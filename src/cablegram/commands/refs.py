"""`cablegram refs ID`: what a cable cites and what cites it; thread export for Gephi."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.archive.graph import write_gexf, write_graphml
from cablegram.cli import CommandError, plural
from cablegram.commands._archive import add_reader_option, open_for_reading


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "refs", help="show a cable's references and what cites it",
        description="Show what a cable cites (resolved where the cited cable is archived) and "
        "which archived cables cite it; export its reference thread as GraphML or GEXF.",
    )
    p.add_argument("reference_id", metavar="ID")
    add_reader_option(p)
    p.add_argument("--depth", type=int, default=2, help="thread depth for exports (default 2)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--graphml", metavar="FILE", help="write the thread as GraphML")
    out.add_argument("--gexf", metavar="FILE", help="write the thread as GEXF")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_for_reading(args) as archive:
        archived = archive.get(args.reference_id) is not None
        refs = archive.references(args.reference_id)
        if not archived and not refs.cited_by:
            raise CommandError(f"no cable {args.reference_id} in {archive.path}, and no archived cable cites it")
        if args.graphml or args.gexf:
            thread = archive.thread(args.reference_id, args.depth)
            (write_graphml if args.graphml else write_gexf)(thread, args.graphml or args.gexf)
            print(f"wrote {plural(len(thread.nodes), 'cable')} and {plural(len(thread.edges), 'reference')} to "
                  f"{args.graphml or args.gexf}")
            return 0
    if args.json:
        def links(items: list[Any]) -> list[dict[str, Any]]:
            return [{"from": x.from_id, "to": x.to_id, "label": x.label, "text": x.text,
                     "resolved": x.resolved, "subject": x.subject} for x in items]
        print(json.dumps({"reference_id": refs.reference_id, "in_archive": archived, "cites": links(refs.cites),
                          "cited_by": links(refs.cited_by)}, ensure_ascii=False))
        return 0
    if archived:
        print(f"{refs.reference_id} cites {len(refs.cites)}:")
    else:
        print(f"{refs.reference_id}: not in the archive")
    for x in refs.cites:
        label = f"{x.label}. " if x.label else ""
        if x.to_id is None:
            print(f"  {label}{x.text}  (names no telegram)")
        elif x.resolved:
            print(f"  {label}{x.to_id}  {x.subject or ''}")
        else:
            print(f"  {label}{x.to_id}  (not in the archive)")
    print(f"cited by {len(refs.cited_by)}:")
    for x in refs.cited_by:
        print(f"  {x.from_id}  {x.subject or ''}")
    return 0
