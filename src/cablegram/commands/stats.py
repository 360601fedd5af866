"""`cablegram stats`: what the archive holds, by year, origin, classification and tag."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.commands._archive import add_reader_option, open_for_reading


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "stats", help="counts of the archive by year, origin, classification, tag",
        description="Print what the archive holds: cables by year, origin (top 20), "
        "classification, caveat and tag (top 20), with references, versions and quarantine.",
    )
    add_reader_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_for_reading(args) as archive:
        stats = archive.stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False))
        return 0
    print(f"{stats['cables']} cables from {stats['origins']} origins; "
          f"{stats['references']} references, {stats['versions']} earlier versions, "
          f"{stats['quarantined']} quarantined, {stats['sources']} records read")
    for title, key in (("by year", "by_year"), ("by classification", "by_classification"),
                       ("by caveat", "by_caveat"), ("top origins", "by_origin"),
                       ("top tags", "top_tags")):
        print(f"\n{title}:")
        for value, n in stats[key].items():
            print(f"  {n:>7}  {value}")
    return 0
