"""`cablegram similar ID`: the cables most like one cable (a more-like-this query over its
distinctive words), as the reader may see them."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.archive.similar import SIMILAR, similar
from cablegram.cli import CommandError
from cablegram.commands._archive import add_reader_option, open_for_reading


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("similar", help="the cables most like one cable",
                              description="The cables most like ID: a search for its most distinctive "
                              "words (TF-IDF against the archive's index), best first.")
    p.add_argument("reference_id", metavar="ID")
    add_reader_option(p)
    p.add_argument("--limit", type=int, default=SIMILAR, help=f"cables listed (default {SIMILAR}, at most 100)")
    p.add_argument("--json", action="store_true", help="JSON as the API gives it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_for_reading(args) as archive:
        found = similar(archive, args.reference_id.strip(), limit=min(max(1, args.limit), 100))
    if found is None:
        raise CommandError(f"no cable {args.reference_id!r} in the archive")
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(f"like {found.reference_id}, by {', '.join(found.terms) or 'no distinctive words'}:")
    for h in found.hits:
        print(f"  {h.reference_id:<18} {(h.created or '')[:10]}  {h.subject or ''}")
    return 0
