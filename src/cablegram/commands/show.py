"""`cablegram show ID`: print a cable from the archive (text, raw text or JSON)."""

from __future__ import annotations

import argparse
import json
import sqlite3
from typing import Any

from cablegram.cli import CommandError
from cablegram.commands._archive import add_reader_option, open_for_reading
from cablegram.telegram.render import render


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "show", help="print a cable from the archive",
        description="Print a cable: re-rendered from its record (default), the raw text as "
        "read (--raw), or the record as JSON (--json).",
    )
    p.add_argument("reference_id", metavar="ID", help="e.g. 08MOSCOW2632")
    add_reader_option(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--raw", action="store_true", help="the stored raw text, as read")
    group.add_argument("--json", action="store_true", help="the record as JSON")
    group.add_argument("--versions", action="store_true",
                       help="list the known texts of a re-released cable")
    p.set_defaults(func=run)


def _audit_read(archive: Any, cable: Any, shown: str) -> None:
    """In a controlled archive, record that the `--as` reader was shown a classified cable, before
    it is printed (no audit row, no output)."""
    from cablegram.access import is_classified
    from cablegram.desk.controlled import ControlledArchive

    if not isinstance(archive, ControlledArchive) or not is_classified(cable):
        return
    from cablegram.desk import open_desk

    try:
        with open_desk(archive.path) as desk:
            desk.audit("read", user=archive.reader, reference_id=cable.reference_id,
                       detail={"classification": cable.classification_label, "via": "cli", "shown": shown})
    except sqlite3.Error as exc:
        raise CommandError(f"cannot write the audit log of {archive.path} ({exc}): nothing shown") from None


def run(args: argparse.Namespace) -> int:
    with open_for_reading(args) as archive:
        _refuse_quarantined(archive, args.reference_id)
        cable = archive.get(args.reference_id)
        if cable is None:
            raise CommandError(f"no cable {args.reference_id} in {archive.path}")
        if not args.versions:
            _audit_read(archive, cable, "json" if args.json else "text" if args.raw else "record")
        if args.json:
            print(json.dumps(cable.to_dict(), ensure_ascii=False, indent=2))
        elif args.versions:
            for v in archive.versions(args.reference_id):
                mark = "current" if v.current else "earlier"
                print(f"{v.content_hash[:12]}  {v.released or '-':<26}  {mark}")
        else:
            print(archive.raw_text(args.reference_id) or "" if args.raw else render(cable))
    return 0


def _refuse_quarantined(archive: Any, reference_id: str) -> None:
    """`ID is quarantined: REASON` instead of "no cable" for a record kept out of the archive
    (an archive without a quarantine, or a reader who may not be told, says nothing here)."""
    lookup = getattr(archive, "quarantine_reason", None)
    if callable(lookup) and archive.get(reference_id) is None and (reason := lookup(reference_id)):
        raise CommandError(f"{reference_id} is quarantined: {reason}")
