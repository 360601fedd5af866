"""`cablegram draft FILE`: a new draft (or a new text of one) from a YAML or Markdown file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cablegram.cli import CommandError
from cablegram.commands._desk import add_common, as_user, opened
from cablegram.desk import DraftFormatError, load_draft_text, save_draft
from cablegram.desk.workflow import preview


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "draft", help="save a draft cable from a YAML/Markdown file and check it",
        description="Read a draft (YAML fields, or Markdown with YAML front matter and the paragraphs as its "
        "body; '-' reads standard input), save it for your post and print every problem found, each on its "
        "field. Exit status 1 when the draft has errors (it is saved all the same).")
    p.add_argument("file", help="the draft file, or - for standard input")
    p.add_argument("--id", type=int, help="replace the text of this draft instead of making a new one")
    p.add_argument("--version", type=int, help="with --id: the version you edited (`cablegram desk show`); "
                   "refused when the draft was saved since")
    p.add_argument("--show", action="store_true", help="print the telegram as it will look")
    p.add_argument("--json", action="store_true", help="print the draft and its problems as JSON")
    add_common(p, user=True)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
    try:
        data = load_draft_text(text)
    except DraftFormatError as exc:
        raise CommandError(f"{args.file}: {exc}") from None
    from cablegram.archive import open_archive

    with opened(args) as desk:
        user = as_user(desk, args)
        with open_archive(desk.path) as archive:
            draft, problems = save_draft(desk, user, data, draft_id=args.id, archive=archive,
                                         version=args.version if args.id else None)
        wire = preview(desk, draft) if args.show else ""
    errors = [p for p in problems if p.level == "error"]
    if args.json:
        print(json.dumps({"draft": draft.to_dict(), "problems": [p.to_dict() for p in problems]}, ensure_ascii=False))
    else:
        warnings = len(problems) - len(errors)
        print(f"draft {draft.id} saved ({draft.state}): {len(errors)} error(s), {warnings} warning(s)")
        for p in problems:
            print(f"  {p.level}: {p.field}: {p.message}")
        if args.show:
            print()
            print(wire, end="")
    return 1 if errors else 0
