"""`cablegram posts`: the posts and collectives of the desk (add, list, members, serial)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.cli import CommandError
from cablegram.commands._desk import add_common, opened
from cablegram.desk import add_member, add_post, get_post, list_posts, members_of, set_next_serial


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("posts", help="the desk's posts and collectives",
                              description="Posts send and receive telegrams; collectives stand for member posts.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = sub.add_parser("add", help="register a post (routing indicator and station from the directory)")
    a.add_argument("name", help="FM-line name (AMEMBASSY MOSCOW, SECSTATE WASHDC, CIS COLLECTIVE) or indicator")
    a.add_argument("--ri", help="routing indicator, when the directory does not know it")
    a.add_argument("--member", action="append", default=[], help="a member post of a collective (repeatable)")
    add_common(a)
    a.set_defaults(func=_add)
    ls = sub.add_parser("list", help="list posts")
    ls.add_argument("--json", action="store_true")
    add_common(ls)
    ls.set_defaults(func=_list)
    m = sub.add_parser("members", help="show or extend a collective's members")
    m.add_argument("collective")
    m.add_argument("--add", action="append", default=[], help="add this post (repeatable)")
    add_common(m)
    m.set_defaults(func=_members)
    s = sub.add_parser("serial", help="set a post's next station serial number")
    s.add_argument("post")
    s.add_argument("next_serial", type=int)
    add_common(s)
    s.set_defaults(func=_serial)


def _add(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        post = add_post(desk, args.name, args.ri, members=args.member)
        extra = f", {len(members_of(desk, post))} members" if post.collective else ""
        print(f"added {post.routing_indicator}/{post.name} ({post.label or 'collective'}{extra})")
    return 0


def _list(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        posts = list_posts(desk)
        if args.json:
            print(json.dumps([p.to_dict() | {"members": [m.name for m in members_of(desk, p)]} for p in posts]))
            return 0
        for p in posts:
            kind = f"collective of {len(members_of(desk, p))}" if p.collective else f"next serial {p.next_serial}"
            print(f"{p.routing_indicator:<8} {p.name:<32} {p.label or '':<24} {kind}")
    return 0


def _members(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        coll = get_post(desk, args.collective)
        if coll is None or not coll.collective:
            raise CommandError(f"no collective {args.collective!r}")
        for name in args.add:
            member = get_post(desk, name)
            if member is None:
                raise CommandError(f"no post {name!r}: add it first")
            add_member(desk, coll, member)
        for m in members_of(desk, coll):
            print(f"{m.routing_indicator:<8} {m.name}")
    return 0


def _serial(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        post = get_post(desk, args.post)
        if post is None:
            raise CommandError(f"no post {args.post!r}")
        set_next_serial(desk, post, args.next_serial)
        print(f"{post.name}: next serial {args.next_serial}")
    return 0
