"""`cablegram alerts --as USER`: a reader's alerts, and their saved searches.

    cablegram alerts --as rita                         unread alerts (--all: every one; --json)
    cablegram alerts save NAME QUERY --as rita [--webhook URL]
    cablegram alerts searches --as rita                saved searches, with each feed's path and token
    cablegram alerts read [ID...] --as rita            mark alerts read (none given: all)
    cablegram alerts delete NAME --as rita
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from cablegram.cli import CommandError, plural
from cablegram.commands._archive import open_for_reading
from cablegram.commands._desk import add_common, as_user, opened
from cablegram.desk.alerts import (
    alert_count,
    delete_search,
    feed_token,
    list_alerts,
    list_searches,
    mark_read,
    save_search,
    shown_alerts,
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "alerts", help="your alerts: new cables matching your saved searches",
        description="New cables that match a reader's saved searches (after each ingest and each release "
        "into the archive), as that reader may see them; saved searches and their feeds.")
    add_common(p, user=True)
    p.add_argument("--all", action="store_true", help="every alert, not only the unread")
    p.add_argument("--limit", type=int, default=50, help="alerts listed (default 50)")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(func=run_list)
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    s = sub.add_parser("save", help="save a search (a new one, or replace one by name)")
    s.add_argument("name")
    s.add_argument("query")
    s.add_argument("--webhook", metavar="URL", help="POST new alerts there as JSON")
    _again(s)
    s.set_defaults(func=run_save)
    ls = sub.add_parser("searches", help="your saved searches")
    _again(ls)
    ls.add_argument("--json", action="store_true", help="JSON instead of text")
    ls.set_defaults(func=run_searches)
    r = sub.add_parser("read", help="mark alerts read")
    r.add_argument("ids", nargs="*", type=int, metavar="ID", help="alert ids (none: all of them)")
    _again(r)
    r.set_defaults(func=run_read)
    d = sub.add_parser("delete", help="delete a saved search and its alerts")
    d.add_argument("name")
    _again(d)
    d.set_defaults(func=run_delete)


def _again(p: argparse.ArgumentParser) -> None:
    """`--archive` and `--as` after an action too, without resetting what came before it."""
    p.add_argument("--archive", metavar="PATH", default=argparse.SUPPRESS, help="as before the action")
    p.add_argument("--as", dest="as_user", metavar="USER", default=argparse.SUPPRESS, help="as before the action")


def _shown(args: argparse.Namespace, alerts: list[Any]) -> list[dict[str, Any]]:
    """What each alert shows, read through the reader's access (absent: they cannot see it)."""
    with open_for_reading(args) as archive:
        return shown_alerts(archive, alerts)


def run_list(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        user = as_user(desk, args)
        alerts = list_alerts(desk, user, unread=not args.all, limit=max(1, args.limit))
        unread = alert_count(desk, user)
    shown = _shown(args, alerts)
    if args.json:
        print(json.dumps({"unread": unread, "alerts": shown}, ensure_ascii=False, indent=1))
        return 0
    print(f"{plural(unread, 'unread alert')} for {user.username}")
    for a in shown:
        mark = " " if a["read"] else "*"
        print(f"{mark}{a['id']:>6}  {a['reference_id']:<18} {(a['created'] or '')[:10]}  {a['search']}: "
              f"{a['subject'] or ''}")
    return 0


def run_save(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        user = as_user(desk, args)
        saved = save_search(desk, user, args.name, args.query, args.webhook)
        print(f"saved {saved.name!r} ({saved.query}) for {user.username}; feed: "
              f"/feeds/alerts/{saved.id}.atom?token={feed_token(desk, saved)}")
    return 0


def run_searches(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        user = as_user(desk, args)
        searches = [{**s.to_dict(), "feed": f"/feeds/alerts/{s.id}.atom?token={feed_token(desk, s)}"}
                    for s in list_searches(desk, user)]
    if args.json:
        print(json.dumps({"searches": searches}, ensure_ascii=False, indent=1))
        return 0
    for s in searches:
        hook = f"  webhook {s['webhook']}" + (f" ({s['webhook_error'] or 'delivered'} {s['webhook_at']})"
                                               if s["webhook_at"] else "") if s["webhook"] else ""
        print(f"{s['name']}: {s['query']}\n  feed {s['feed']}{hook}")
    if not searches:
        print(f"{user.username} has no saved searches: `cablegram alerts save NAME QUERY --as {user.username}`")
    return 0


def run_read(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        user = as_user(desk, args)
        n = mark_read(desk, user, args.ids or None)
        print(f"marked {plural(n, 'alert')} read; {alert_count(desk, user)} unread")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    with opened(args) as desk:
        user = as_user(desk, args)
        if not delete_search(desk, user, args.name):
            raise CommandError(f"{user.username} has no saved search {args.name!r}")
        print(f"deleted {args.name!r}")
    return 0
