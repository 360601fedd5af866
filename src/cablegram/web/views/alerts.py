"""Saved searches and their alerts in the browser and the JSON API, and each search's Atom feed.

- `/alerts`: the reader's alerts (newest first, unread marked) with mark-as-read buttons, their
  saved searches (feed link, webhook outcome, delete) and a form to save one (`/alerts?q=...`
  fills it from a search). The page header shows the unread count (`alert_badge`).
- `/api/alerts`, `/api/alerts/searches`, `/api/alerts/read`: the same as JSON (a token or session).
- `/feeds/alerts/{id}.atom?token=...`: a saved search's alerts as Atom, opened by the search's
  feed token alone (feed readers send no cookies), read through its reader's access.

What an alert shows (subject, date, origin) comes from a search of the reader's archive for its
id: a cable the reader can no longer see is not listed (fail closed), a withheld subject stays
withheld. Search hits name cables without showing their text, so listing them is not a read in
the audit log; opening one is.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from fastapi import APIRouter, Body, FastAPI, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cablegram.desk import DeskError, User
from cablegram.desk.alerts import (
    SavedSearch,
    alert_count,
    delete_search,
    feed_token,
    list_alerts,
    list_searches,
    mark_read,
    save_search,
    search_for_feed,
    shown_alerts,
)
from cablegram.desk.controlled import ControlledArchive
from cablegram.web.auth import check_csrf, csrf_token, current_user, desk_of, require_user
from cablegram.web.core import ArchiveDep, WebError, page

router = APIRouter()
PAGE = 50

Text = Annotated[str, Form(max_length=2000)]


def _search_out(request: Request, s: SavedSearch) -> dict[str, Any]:
    token = feed_token(desk_of(request), s)
    return {**s.to_dict(), "feed": f"/feeds/alerts/{s.id}.atom?token={token}",
            "unread": sum(1 for x in list_alerts(desk_of(request), require_user(request), unread=True,
                                                 search_id=s.id, limit=1000))}


# --- the page ---------------------------------------------------------------------------------

@router.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(request: Request, a: ArchiveDep, q: Annotated[str, Query(max_length=2000)] = "",
                show_all: Annotated[bool, Query(alias="all")] = False,
                message: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """Your alerts and saved searches."""
    user = current_user(request)
    if user is None:
        raise WebError(401, "log in to see your alerts")
    desk = desk_of(request)
    alerts = list_alerts(desk, user, unread=not show_all, limit=PAGE)
    searches = [_search_out(request, s) for s in list_searches(desk, user)]
    return page(request, "alerts.html", title="Alerts", user=user, csrf=csrf_token(request),
                alerts=shown_alerts(a, alerts), searches=searches, new_query=q, show_all=show_all,
                unread=alert_count(desk, user), message=message)


def _back(message: str) -> RedirectResponse:
    return RedirectResponse(f"/alerts?message={quote(message)}", status_code=303)


@router.post("/alerts/searches", include_in_schema=False)
def alerts_save(request: Request, name: Text, query: Text, csrf: Text = "", webhook: Text = "") -> Response:
    """Save a search from the form."""
    user = require_user(request)
    check_csrf(request, csrf)
    try:
        saved = save_search(desk_of(request), user, name, query, webhook or None)
    except DeskError as exc:
        raise WebError(400, exc.message) from None
    return _back(f"saved {saved.name!r}: new cables that match it will show here")


@router.post("/alerts/searches/{search_id}/delete", include_in_schema=False)
def alerts_delete(request: Request, search_id: Annotated[int, Path(ge=1)], csrf: Text = "") -> Response:
    """Delete a saved search (and its alerts)."""
    user = require_user(request)
    check_csrf(request, csrf)
    if not delete_search(desk_of(request), user, search_id):
        raise WebError(404, f"no saved search {search_id}")
    return _back("deleted")


@router.post("/alerts/read", include_in_schema=False)
def alerts_read(request: Request, csrf: Text = "", alert: Annotated[list[int] | None, Form()] = None) -> Response:
    """Mark one alert (`alert`), or all, read."""
    user = require_user(request)
    check_csrf(request, csrf)
    n = mark_read(desk_of(request), user, alert)
    return _back(f"{n} alert{'s' if n != 1 else ''} marked read")


# --- the JSON API -----------------------------------------------------------------------------

ERRORS: dict[int | str, dict[str, Any]] = {401: {"description": "not logged in"},
                                           403: {"description": "bad CSRF token"},
                                           404: {"description": "unknown saved search"}}


@router.get("/api/alerts", tags=["alerts"], responses=ERRORS)
def api_alerts(request: Request, a: ArchiveDep, unread: bool = False,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> dict[str, Any]:
    """Your alerts, newest first: `{"unread", "alerts": [{"id", "search_id", "search", "reference_id",
    "at", "read", "created", "origin", "classification", "subject"}]}`."""
    user = require_user(request)
    desk = desk_of(request)
    found = list_alerts(desk, user, unread=unread, limit=limit, offset=offset)
    return {"unread": alert_count(desk, user), "alerts": shown_alerts(a, found)}


@router.get("/api/alerts/searches", tags=["alerts"], responses=ERRORS)
def api_searches(request: Request) -> dict[str, Any]:
    """Your saved searches: `{"searches": [{"id", "name", "query", "webhook", "created", "webhook_at",
    "webhook_error", "feed", "unread"}]}` (`feed` is the Atom feed's path with its token)."""
    user = require_user(request)
    return {"searches": [_search_out(request, s) for s in list_searches(desk_of(request), user)]}


@router.post("/api/alerts/searches", tags=["alerts"], responses=ERRORS, status_code=201)
def api_save(request: Request, name: Annotated[str, Body(max_length=64)],
             query: Annotated[str, Body(max_length=2000)],
             webhook: Annotated[str | None, Body(max_length=2000)] = None) -> dict[str, Any]:
    """Save a search (or replace the one of that name): `{"name", "query", "webhook"}`."""
    user = require_user(request)
    check_csrf(request, None)
    try:
        saved = save_search(desk_of(request), user, name, query, webhook)
    except DeskError as exc:
        raise WebError(400, exc.message) from None
    return _search_out(request, saved)


@router.delete("/api/alerts/searches/{search_id}", tags=["alerts"], responses=ERRORS)
def api_delete(request: Request, search_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
    """Delete a saved search and its alerts."""
    user = require_user(request)
    check_csrf(request, None)
    if not delete_search(desk_of(request), user, search_id):
        raise WebError(404, f"no saved search {search_id}")
    return {"deleted": search_id}


@router.post("/api/alerts/read", tags=["alerts"], responses=ERRORS)
def api_read(request: Request, ids: Annotated[list[int] | None, Body(embed=True, max_length=1000)] = None,
             search_id: Annotated[int | None, Body(embed=True)] = None) -> dict[str, Any]:
    """Mark alerts read: `{"ids": [...]}`, or `{"search_id": N}`, or `{}` for all. Answers
    `{"marked", "unread"}`."""
    user = require_user(request)
    check_csrf(request, None)
    desk = desk_of(request)
    n = mark_read(desk, user, ids, search_id=search_id)
    return {"marked": n, "unread": alert_count(desk, user)}


# --- the Atom feed ----------------------------------------------------------------------------

_ATOM = "http://www.w3.org/2005/Atom"


@router.get("/feeds/alerts/{search_id}.atom", include_in_schema=False)
def alerts_feed(request: Request, a: ArchiveDep, search_id: Annotated[int, Path(ge=1)],
                token: Annotated[str, Query(max_length=200)] = "") -> Response:
    """A saved search's newest alerts as an Atom feed (its feed token is the only credential)."""
    desk = desk_of(request)
    found = search_for_feed(desk, search_id, token)
    if found is None:
        raise WebError(404, "no such feed (unknown search or wrong token)")
    user, search = found
    reader = a
    if desk.access_mode == "controlled":
        # the pool's archive is nobody's (no session): read as the feed's owner
        reader = ControlledArchive(getattr(a, "inner", a), user)
    items = shown_alerts(reader, list_alerts(desk, user, search_id=search.id, limit=PAGE))
    return Response(_atom(request, search, user, items), media_type="application/atom+xml")


def _atom(request: Request, search: SavedSearch, user: User, items: list[dict[str, Any]]) -> bytes:
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", _ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{_ATOM}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    feed = ET.Element(f"{{{_ATOM}}}feed")
    sub(feed, "id", f"{base}/feeds/alerts/{search.id}")
    sub(feed, "title", f"cablegram alerts: {search.name}")
    sub(feed, "subtitle", search.query)
    sub(feed, "updated", items[0]["at"] if items else search.created)
    author = sub(feed, "author")
    sub(author, "name", user.username)
    sub(feed, "link", href=f"{base}/alerts")
    for item in items:
        entry = sub(feed, "entry")
        sub(entry, "id", f"{base}/cable/{item['reference_id']}#alert-{item['id']}")
        sub(entry, "title", f"{item['reference_id']}: {item['subject'] or '(no subject)'}")
        sub(entry, "updated", item["at"])
        sub(entry, "link", href=f"{base}/cable/{quote(item['reference_id'])}")
        sub(entry, "summary", " · ".join(str(x) for x in (item["created"], item["origin"], item["classification"])
                                         if x))
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


# --- the header badge -------------------------------------------------------------------------

def alert_badge(request: Request) -> int | None:
    """The logged-in reader's unread alerts (None: nobody logged in, or no desk)."""
    user = current_user(request)
    if user is None or getattr(request.app.state, "desk", None) is None:
        return None
    return alert_count(desk_of(request), user)


def setup(app: FastAPI) -> None:
    """Give every template the badge."""
    app.state.templates.env.globals["alert_badge"] = alert_badge


__all__ = ["alert_badge", "router", "setup"]
