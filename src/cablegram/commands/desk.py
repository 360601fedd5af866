"""`cablegram desk`: the workflow and the inbox (drafts, show, clear, release, inbox, read, reply,
audit) and the archive's access mode (open or controlled)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from cablegram.cli import CommandError
from cablegram.commands._desk import add_common, as_user, opened
from cablegram.desk import (
    DeskError,
    clear,
    get_draft,
    inbox,
    list_drafts,
    open_message,
    release,
    reply,
    require_admin,
)
from cablegram.desk.drafts import check
from cablegram.desk.workflow import preview
from cablegram.telegram.dtg import parse_dtg


def _sub(sub: Any, name: str, help_: str, func: Any, user: bool = True) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    add_common(p, user=user)
    p.set_defaults(func=func)
    return p


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("desk", help="the cable desk: clear, release, inbox, read, reply, audit, access",
                              description="Move drafts through clearance and release, read your post's inbox.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    _sub(sub, "drafts", "list your post's drafts awaiting clearance or release", _drafts)
    s = _sub(sub, "show", "print a draft (the telegram as it will look) and its problems", _show)
    s.add_argument("draft_id", type=int)
    c = _sub(sub, "clear", "clear a draft (clearers)", _clear)
    c.add_argument("draft_id", type=int)
    c.add_argument("--comment", default="")
    r = _sub(sub, "release", "release a cleared draft (releasing officers): number, transmit, deliver", _release)
    r.add_argument("draft_id", type=int)
    r.add_argument("--dtg", help="the date-time group, e.g. '030646Z SEP 08' (default: now)")
    r.add_argument("--wire", action="store_true", help="print the wire text")
    i = _sub(sub, "inbox", "your post's inbox, FLASH/IMMEDIATE first", _inbox)
    i.add_argument("--unread", action="store_true")
    i.add_argument("--precedence")
    i.add_argument("--tag")
    i.add_argument("--post", help="another post's inbox (admins)")
    i.add_argument("--json", action="store_true")
    rd = _sub(sub, "read", "read a delivered cable (marks it read)", _read)
    rd.add_argument("reference_id")
    rp = _sub(sub, "reply", "start a reply draft (REF filled in)", _reply)
    rp.add_argument("reference_id")
    a = _sub(sub, "audit", "the audit log (admins)", _audit)
    a.add_argument("--draft", type=int)
    a.add_argument("--limit", type=int, default=50)
    m = _sub(sub, "access", "show or set (admins) the archive's access mode: open or controlled", _access)
    m.add_argument("mode", nargs="?", choices=("open", "controlled"))


def _drafts(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        for d in list_drafts(desk, as_user(desk, args)):
            c = d.cable
            label = c.classification_label or ""
            print(f"{d.id:>5}  {d.state:<8} {label:<22} {c.precedence or '':<9} {c.subject or ''}")
    return 0


def _show(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        user = as_user(desk, args)
        d = get_draft(desk, args.draft_id, user)
        if d is None:
            raise CommandError(f"no draft {args.draft_id}")
        print(f"draft {d.id} version {d.version}: {d.state}; cleared by "
              f"{', '.join(k['user'] for k in d.clearances) or 'no one'}")
        if d.withheld:
            print(f"  {d.withheld} portion(s) withheld: above your clearance or outside your caveats")
        for p in check(desk, d.cable, reader=user):
            print(f"  {p.level}: {p.field}: {p.message}")
        print()
        print(preview(desk, d), end="")
    return 0


def _clear(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        d = clear(desk, args.draft_id, as_user(desk, args), args.comment)
        print(f"draft {d.id} cleared by {', '.join(k['user'] for k in d.clearances)}")
    return 0


def _release(args: argparse.Namespace) -> int:
    when: datetime | None = None
    if args.dtg:
        when = parse_dtg(args.dtg)
        if when is None:
            raise CommandError(f"not a date-time group: {args.dtg!r} (e.g. '030646Z SEP 08')")
    from cablegram.archive import open_archive

    with opened(args) as desk, open_archive(desk.path) as archive:
        r = release(desk, args.draft_id, as_user(desk, args), when=when, archive=archive)
        print(f"released {r.cable.reference_id} ({r.cable.header.dtg}), delivered to "
              f"{', '.join(r.delivered_to) or 'no desk post'}{'; archived' if r.archived else ''}")
        if args.wire:
            print()
            print(r.wire_text, end="")
    return 0


def _inbox(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        items = inbox(desk, as_user(desk, args), unread=True if args.unread else None, precedence=args.precedence,
                      tag=args.tag, post=args.post)
        if args.json:
            print(json.dumps([i.to_dict() for i in items], ensure_ascii=False))
            return 0
        for i in items:
            flag = " " if i.read else "*"
            print(f"{flag} {i.precedence:<9} {i.reference_id:<16} {i.created[:16]:<16} {i.classification:<22} "
                  f"{i.subject or ''}")
    return 0


def _read(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        try:
            _cable, text = open_message(desk, as_user(desk, args), args.reference_id)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        print(text, end="")
    return 0


def _reply(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        try:
            d = reply(desk, as_user(desk, args), args.reference_id)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        print(f"draft {d.id}: reply to {d.reply_to} (REF: {', '.join(r.text for r in d.cable.references)})")
    return 0


def _audit(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        try:
            require_admin(as_user(desk, args))
        except DeskError:
            raise CommandError("the audit log is for admins") from None
        for e in desk.audit_log(draft_id=args.draft, limit=args.limit):
            print(f"{e['at']}  {e['user'] or '-':<12} {e['action']:<13} {e['reference_id'] or e['draft_id'] or '':<16}"
                  f" {e['detail'] or ''}")
    return 0


def _access(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        if args.mode:
            user = as_user(desk, args)  # as on the web: only an admin changes who may read
            if not user.has("admin"):
                raise CommandError(f"{user.username} is not an admin: only admins set the access mode")
            desk.set_access_mode(args.mode)
            desk.audit("access.mode", user=user, detail={"mode": args.mode})
        print(desk.access_mode)
    return 0
