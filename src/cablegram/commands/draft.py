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
    p.add_argument("file", nargs="?", help="the draft file, or - for standard input")
    p.add_argument("--id", type=int, help="replace the text of this draft instead of making a new one")
    p.add_argument("--version", type=int, help="with --id: the version you edited (`cablegram desk show`); "
                   "refused when the draft was saved since")
    p.add_argument("--new", action="store_true",
                   help="always a new draft (by default a file saved again updates your draft in progress "
                   "with the same subject)")
    p.add_argument("--template", action="store_true", help="print a starting draft file (Markdown) and stop")
    p.add_argument("--withdraw", type=int, metavar="ID", help="withdraw (delete) your draft ID, not yet sent")
    p.add_argument("--show", action="store_true", help="print the telegram as it will look")
    p.add_argument("--json", action="store_true", help="print the draft and its problems as JSON")
    add_common(p, user=True)
    p.set_defaults(func=run)


TEMPLATE = """---
# A draft cable: fill in the fields, write the paragraphs below the second ---, then
#   cablegram draft THIS-FILE --as YOU --show
to: [SECSTATE WASHDC]              # action addressees: post names, RI/NAME or routing indicators
info: []                           # information addressees, collectives too (CIS COLLECTIVE)
precedence: ROUTINE                # FLASH, IMMEDIATE, PRIORITY or ROUTINE
classification: CONFIDENTIAL       # UNCLASSIFIED, CONFIDENTIAL, SECRET or TOP SECRET
caveats: [SIPDIS]                  # e.g. NOFORN, SIPDIS (SIPDIS: stored in the archive once released)
eo: "DECL: 2035-12-31"             # the declassification date (N/A for an unclassified cable)
classified_by: "Ambassador NAME, Reasons 1.4 (b) and (d)"
tags: [PREL]                       # at least one subject or country tag
subject: "(C) COUNTRY: WHAT THIS CABLE IS ABOUT"
references: []                     # e.g. [MOSCOW 2618, 08 STATE 12345]
signers: [NAME]
---
(C) Summary: one or two sentences. End summary.

## A heading for the next paragraphs

(U) Every paragraph of a classified cable starts with its portion mark: (U), (C), (S), (C//NF) ...
"""


def _same_subject(desk: Any, user: Any, data: dict[str, Any]) -> int | None:
    """Your draft in progress with the subject of `data` (saving a file again updates it)."""
    from cablegram.desk import list_drafts

    subject = " ".join(str(data.get("subject") or "").upper().split())
    if not subject:
        return None
    for d in list_drafts(desk, user, states=("draft",)):
        written = " ".join(f"({d.cable.subject_marking}) {d.cable.subject}".split()) if d.cable.subject_marking \
            else d.cable.subject or ""
        if d.author_id == user.id and subject in (written.upper(), (d.cable.subject or "").upper()):
            return d.id
    return None


def run(args: argparse.Namespace) -> int:
    if args.template:
        print(TEMPLATE, end="")
        return 0
    if args.withdraw is not None:
        from cablegram.desk.withdraw import withdraw

        with opened(args) as desk:
            withdraw(desk, args.withdraw, as_user(desk, args))
        print(f"draft {args.withdraw} withdrawn")
        return 0
    if args.file is None:
        raise CommandError("give a draft FILE (or --template to start one)")
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
        draft_id = args.id if args.id is not None or args.new else _same_subject(desk, user, data)
        with open_archive(desk.path) as archive:
            draft, problems = save_draft(desk, user, data, draft_id=draft_id, archive=archive,
                                         version=args.version if args.id else None)
            advice = _advice(archive, draft)
        wire = preview(desk, draft) if args.show else ""
    errors = [p for p in problems if p.level == "error"]
    if args.json:
        print(json.dumps({"draft": draft.to_dict(), "problems": [p.to_dict() for p in problems],
                          "advice": advice.to_dict() if advice else None}, ensure_ascii=False))
    else:
        warnings = len(problems) - len(errors)
        again = " (your draft with this subject, updated; --new for another)" if draft_id and args.id is None else ""
        print(f"draft {draft.id} saved ({draft.state}){again}: {len(errors)} error(s), {warnings} warning(s)")
        for p in problems:
            print(f"  {p.level}: {p.field}: {p.message}")
        if advice:
            from cablegram.commands.advise import format_advice

            print("classification advice: " + format_advice(advice))
        if args.show:
            print()
            print(wire, end="")
    return 1 if errors else 0


def _advice(archive: Any, draft: Any) -> Any:
    """The classification advice on the draft, when the archive has a model (never a block)."""
    from cablegram.advise.desk import draft_advice

    return None if draft.withheld else draft_advice(archive, draft.cable)
