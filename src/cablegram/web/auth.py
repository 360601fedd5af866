"""Who is asking: sessions, API tokens and CSRF for the web app, and `install(app)`.

`create_app` calls `install(app)` itself (never a discovery loop), which opens the desk of the
archive (its SQLite file or PostgreSQL database) and adds `DeskAuth`, an ASGI middleware that
resolves the request's actor once (a `Bearer` API token, or the signed session cookie) into
`request.state`, keeps anonymous readers out of a controlled archive (401 for the API, a
redirect to /login for pages) and turns shared collections off there. The archive side of access
control (every read through the actor's `ControlledArchive`, audited) is `cablegram.web.access`.

Sessions: the cookie holds a random session id and its HMAC-SHA256 under the archive's secret
key (HttpOnly, SameSite=Lax); the session row holds the CSRF token that every desk form carries.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import threading
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cablegram.desk import DeskDB, User, access_mode, open_desk, user_for_token
from cablegram.desk.db import redacted
from cablegram.desk.sessions import Session, session_user
from cablegram.transactions import is_postgres
from cablegram.web import access
from cablegram.web.core import WebError

__all__ = ["SESSION_COOKIE", "DeskAuth", "DeskHandle", "check_csrf", "cookie_value", "csrf_token", "current_user",
           "desk_of", "install", "require_user", "session_id"]

SESSION_COOKIE = "cg_session"
#: Paths anyone may open, even in a controlled archive (`/feeds/` checks its own tokens).
PUBLIC = ("/login", "/static/", "/favicon", "/openapi.json", "/about", "/feeds/")


class DeskHandle:
    """The app's desk: on SQLite one connection per thread (SQLite connections must not
    interleave transactions); on PostgreSQL one `DeskDB` (a pool) that threads share."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        first = self.get()  # create (or upgrade) the tables now
        self._shared = first if first.shareable else None

    def get(self) -> DeskDB:
        shared = getattr(self, "_shared", None)
        if shared is not None:
            return shared
        desk = getattr(self._local, "desk", None)
        if desk is None:
            desk = self._local.desk = open_desk(self.path)
        return desk


def desk_of(request: Request) -> DeskDB:
    """The desk of this app, or 503 when the archive has none (an archive object, not a location)."""
    handle: DeskHandle | None = getattr(request.app.state, "desk", None)
    if handle is None:
        raise WebError(503, "the desk needs an archive file or database")
    return handle.get()


def current_user(request: Request) -> User | None:
    """The logged-in user (session or API token), or None: resolved once, by `DeskAuth`."""
    return request.scope.get("state", {}).get("desk_user")


def require_user(request: Request) -> User:
    """The logged-in user, or a 401."""
    user = current_user(request)
    if user is None:
        raise WebError(401, "log in first")
    return user


def csrf_token(request: Request) -> str:
    """The session's CSRF token (for forms)."""
    return str(request.scope.get("state", {}).get("desk_csrf") or "")


def check_csrf(request: Request, token: str | None) -> None:
    """Refuse a state-changing request whose CSRF token does not match the session's.
    Requests authenticated by an API token carry no cookie and need none."""
    if request.scope.get("state", {}).get("desk_via") == "token":
        return
    expected = csrf_token(request)
    given = token or request.headers.get("x-csrf-token") or ""
    if not expected or not hmac.compare_digest(expected, given):
        raise WebError(403, "missing or wrong CSRF token: reload the page and try again")


def _sign(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def cookie_value(desk: DeskDB, session: Session) -> str:
    """The session cookie: the id and its signature."""
    return f"{session.id}.{_sign(desk.secret_key(), session.id)}"


def session_id(desk: DeskDB, cookie: str | None) -> str | None:
    """The session id of a correctly signed cookie, or None."""
    if not cookie or "." not in cookie:
        return None
    sid, sig = cookie.rsplit(".", 1)
    return sid if hmac.compare_digest(_sign(desk.secret_key(), sid), sig) else None


def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def _cookies(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        if k == b"cookie":
            for part in v.decode("latin-1").split(";"):
                if "=" in part:
                    name, value = part.strip().split("=", 1)
                    out.setdefault(name, value)
    return out


class DeskAuth:
    """ASGI middleware: who is asking (once per request), and whether they may ask at all."""

    def __init__(self, app: ASGIApp, handle: DeskHandle) -> None:
        self.app = app
        self.handle = handle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        desk = self.handle.get()
        headers = dict(scope.get("headers", []))
        auth = headers.get(b"authorization", b"").decode("latin-1")
        path = scope.get("path", "")
        state = scope.setdefault("state", {})
        user, via, csrf = None, None, None
        if auth.lower().startswith("bearer "):
            user = user_for_token(desk, auth[7:])
            if user is None:
                await JSONResponse({"error": "invalid or expired API token"}, status_code=401)(scope, receive, send)
                return
            via = "token"
        elif (sid := session_id(desk, _cookies(scope).get(SESSION_COOKIE))) and (found := session_user(desk, sid)):
            user, csrf, via = found.user, found.csrf, "session"
        mode = desk.access_mode
        controlled = mode == "controlled"
        state.update(desk_user=user, desk_via=via, desk_csrf=csrf, desk_controlled=controlled)
        if controlled and user is None and not path.startswith(PUBLIC):
            if _is_api(path):
                response: Response = JSONResponse({"error": "this archive is controlled: log in or send an API "
                                                            "token (Authorization: Bearer ...)"}, status_code=401)
            else:
                response = RedirectResponse(f"/login?next={quote(path)}", status_code=303)
            await response(scope, receive, send)
            return
        if controlled and (path.startswith(("/collections", "/api/collections"))):
            msg = "collections are shared between readers, so a controlled archive has none"
            await JSONResponse({"error": msg}, status_code=403)(scope, receive, send)
            return
        with access.reading_as(user if controlled else None, path, mode):
            await self.app(scope, receive, send)


def _refuse_controlled_readonly(path: str) -> None:
    """An archive we may not write to has no desk: refuse to serve it if it is controlled (fail
    closed)."""
    if access_mode(path) == "controlled":
        raise RuntimeError(f"{redacted(path)} is a controlled archive: serving it needs write access to it "
                           "(sessions, audit log)")


def _cannot_write(path: str) -> tuple[type[BaseException], ...]:
    """The errors that say the desk cannot be opened for writing at `path`."""
    if not is_postgres(path):
        return (sqlite3.OperationalError,)
    import psycopg

    return (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)


def install(app: FastAPI) -> None:
    """Open the desk of the archive (its SQLite file or its PostgreSQL database); install the
    middleware, the pool wrapper, the access hook. An archive given as an object (not a
    location) has no desk (and no access control: it cannot be controlled)."""
    path = getattr(app.state.pool, "path", None)
    if not path:
        return
    try:
        handle = DeskHandle(path)
    except _cannot_write(path):
        _refuse_controlled_readonly(path)
        return
    app.state.desk = handle
    app.state.pool = access.ControlledPool(app.state.pool, handle.get)
    app.state.settings.access_for = access.access_for
    app.add_middleware(DeskAuth, handle=handle)
