"""`cablegram entities PATH... [--json]`: people, places and organisations in cables, no archive."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from cablegram.cli import CommandError
from cablegram.entities import Entities, extract
from cablegram.sources import SourceError, read_path
from cablegram.telegram import TelegramError, parse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "entities",
        help="people, places and organisations in cables (offline)",
        description="Extract people, places and organisations from cables (any source `parse` reads), "
        "each with the paragraph numbers that mention it (0: subject, TAGS, classified-by line).",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files to read; - reads standard input")
    p.add_argument("--json", action="store_true", help="one JSON object per cable (JSON Lines)")
    p.set_defaults(func=run)


def _extracted(paths: list[str], problems: list[str]) -> Iterator[Entities]:
    for path in paths:
        try:
            records = read_path(path)
            for record in records:
                if record.error:
                    problems.append(f"{record.source.get('file', path)}: unreadable record: {record.error}")
                    continue
                try:
                    cable = parse(record.text)
                except TelegramError as exc:
                    problems.append(f"{record.source.get('file', path)}: {exc}")
                    continue
                yield extract(cable)
        except SourceError as exc:
            raise CommandError(str(exc)) from None


def _text(found: Entities) -> str:
    lines = [found.reference_id or "(no reference id)"]
    for kind in ("people", "places", "orgs"):
        items = getattr(found, kind)
        shown = ", ".join(f"{e.name} ({','.join(map(str, e.mentions))})" for e in items) or "-"
        lines.append(f"  {kind}: {shown}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    problems: list[str] = []
    for found in _extracted(args.paths, problems):
        if args.json:
            sys.stdout.write(json.dumps(found.to_dict(), ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(_text(found) + "\n\n")
    for problem in problems:
        print(f"cablegram entities: {problem}", file=sys.stderr)
    return 1 if problems else 0
