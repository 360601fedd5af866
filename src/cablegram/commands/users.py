"""`cablegram users`: desk users (add, list, set), API tokens (token, tokens, revoke), and
unlocking a user locked out by failed logins (unlock)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.cli import CommandError
from cablegram.commands._desk import add_common, opened, read_password
from cablegram.desk import (
    ROLES,
    TOKEN_DAYS,
    add_user,
    create_token,
    get_post,
    get_user,
    list_tokens,
    list_users,
    revoke_token,
    update_user,
)
from cablegram.desk.logins import locked_users, unlock


def _who(p: argparse.ArgumentParser, required: bool) -> None:
    p.add_argument("--post", required=required, help="the user's post (name, indicator or station)")
    p.add_argument("--roles", help=f"comma-separated: {', '.join(ROLES)}")
    p.add_argument("--clearance", help="UNCLASSIFIED, CONFIDENTIAL, SECRET or TOP SECRET")
    p.add_argument("--caveats", help="caveat accesses, comma-separated (NOFORN,EXDIS,NODIS)")
    p.add_argument("--name", dest="full_name", help="full name")
    pw = p.add_mutually_exclusive_group()
    pw.add_argument("--password", action="store_true", help="set a password (prompt, or $CABLEGRAM_PASSWORD)")
    pw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("users", help="desk users: roles, clearance, caveats, passwords, tokens",
                              description="Users belong to a post, hold roles, a clearance and caveat accesses.")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = sub.add_parser("add", help="add a user")
    a.add_argument("username")
    _who(a, required=True)
    add_common(a)
    a.set_defaults(func=_add)
    ls = sub.add_parser("list", help="list users")
    ls.add_argument("--json", action="store_true")
    add_common(ls)
    ls.set_defaults(func=_list)
    s = sub.add_parser("set", help="change a user's post, roles, clearance, caveats or password")
    s.add_argument("username")
    _who(s, required=False)
    state = s.add_mutually_exclusive_group()
    state.add_argument("--disable", action="store_true")
    state.add_argument("--enable", action="store_true")
    add_common(s)
    s.set_defaults(func=_set)
    t = sub.add_parser("token", help="make an API token for a user (printed once)")
    t.add_argument("username")
    t.add_argument("--label", default="")
    t.add_argument("--days", type=int, default=TOKEN_DAYS, help=f"how long it lives (default {TOKEN_DAYS})")
    add_common(t)
    t.set_defaults(func=_token)
    ts = sub.add_parser("tokens", help="list a user's API tokens (ids, labels, expiry; never the tokens)")
    ts.add_argument("username")
    ts.add_argument("--json", action="store_true")
    add_common(ts)
    ts.set_defaults(func=_tokens)
    rv = sub.add_parser("revoke", help="revoke one API token by its id (see `users tokens`)")
    rv.add_argument("token_id", type=int)
    add_common(rv)
    rv.set_defaults(func=_revoke)
    un = sub.add_parser("unlock", help="unlock a user locked out by failed logins")
    un.add_argument("username")
    add_common(un)
    un.set_defaults(func=_unlock)


def _line(desk: Any, u: Any) -> str:
    """One user as a table row, with the name of their post."""
    found = get_post(desk, u.post_id) if u.post_id else None
    post = found.name if found else "-"
    caveats = ",".join(sorted(u.caveats)) or "-"
    state = "" if u.active else "  (disabled)"
    if locked := locked_users(desk).get(u.username):
        state += f"  (locked until {locked})"
    return f"{u.username:<14} {post:<28} {u.clearance:<13} {caveats:<18} {','.join(sorted(u.roles))}{state}"


def _add(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        u = add_user(desk, args.username, post=args.post, roles=args.roles or "reader",
                     clearance=args.clearance or "UNCLASSIFIED", caveats=args.caveats or "",
                     password=read_password(args), full_name=args.full_name or "")
        print("added " + _line(desk, u))
    return 0


def _list(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        users = list_users(desk)
        if args.json:
            print(json.dumps([u.to_dict() for u in users]))
            return 0
        for u in users:
            print(_line(desk, u))
    return 0


def _existing_user(desk: Any, username: str) -> Any:
    u = get_user(desk, username)
    if u is None:
        raise CommandError(f"no user {username!r}")
    return u


def _set(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        u = _existing_user(desk, args.username)
        active = True if args.enable else False if args.disable else None
        u = update_user(desk, u, post=args.post, roles=args.roles, clearance=args.clearance, caveats=args.caveats,
                        password=read_password(args), active=active, full_name=args.full_name)
        print(_line(desk, u))
    return 0


def _token(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        print(create_token(desk, _existing_user(desk, args.username), args.label, days=args.days))
    return 0


def _tokens(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        tokens = list_tokens(desk, _existing_user(desk, args.username))
        if args.json:
            print(json.dumps([t.to_dict() for t in tokens]))
            return 0
        for t in tokens:
            state = "  (expired)" if t.expired else ""
            print(f"{t.id:>4}  {t.username:<14} {t.label or '-':<20} created {t.created}  expires {t.expires}{state}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        t = revoke_token(desk, args.token_id)
        print(f"revoked token {t.id} of {t.username}{f' ({t.label})' if t.label else ''}")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        failures = unlock(desk, args.username)
        print(f"unlocked {args.username.strip().lower()} ({failures} failed login(s) forgotten)")
    return 0
