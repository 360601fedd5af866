"""`cablegram who NAME`: one person's cables over time, from the archive's entity mentions."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from cablegram.archive import entities_store
from cablegram.commands._archive import add_reader_option, open_for_reading


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "who", help="one person's cables over time",
        description="List the cables that name a person (any spelling: `Lavrov`, `Sergey Lavrov`, "
        "`FM LAVROV` are one), oldest first, with the paragraphs that name them and a count by year.",
    )
    p.add_argument("name", help="the person: a surname or a full name")
    add_reader_option(p)
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_for_reading(args) as archive:
        key, cables = entities_store.person_cables(archive, args.name)
        shown = []
        for ref, created, paragraphs in cables:
            cable = archive.get(ref)
            if cable is not None:  # a reader sees only the cables they may read
                shown.append((ref, created, paragraphs, cable.subject or ""))
    if args.json:
        print(json.dumps({"key": key, "cables": [
            {"reference_id": r, "created": c, "paragraphs": list(p), "subject": s} for r, c, p, s in shown]},
            ensure_ascii=False))
        return 0
    if not shown:
        print(f"no cable names {args.name!r}")
        return 0
    years = Counter((c or "????")[:4] for _, c, _, _ in shown)
    print(f"{args.name}: {len(shown)} cables, " + ", ".join(f"{y}: {n}" for y, n in sorted(years.items())))
    for ref, created, paragraphs, subject in shown:
        print(f"  {(created or '')[:10]:<10}  {ref:<18}  ¶{','.join(map(str, paragraphs))}  {subject[:70]}")
    return 0
