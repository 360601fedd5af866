"""Login, sessions, CSRF and API tokens for the web app; access control over every archive read.

`setup(app)` (called once when the app is built) opens the desk in the archive's file and:
- adds `DeskAuth`, an ASGI middleware that finds the user of each request (a `Bearer` API token,
  or the signed session cookie), keeps anonymous readers out of a controlled archive (401 for
  the API, a redirect to /login for pages) and turns shared collections off there;
- wraps the archive pool so that in a controlled archive every view reads through
  `ControlledArchive` bound to the request's user (hidden cables, withheld portions), and
  records reads of classified cables in the audit log;
- sets `Settings.access_for`, so views pass the user's `AccessFilter` to the archive.

Sessions: the cookie holds a random session id and its HMAC-SHA256 under the archive's secret
key (HttpOnly, SameSite=Lax); the session row holds the CSRF token that every desk form carries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cablegram.access import access_filter, is_classified
from cablegram.archive.base import AccessFilter
from cablegram.desk import DeskDB, User, authenticate, get_user, user_for_token
from cablegram.desk.controlled import ControlledArchive
from cablegram.desk.db import now_iso
from cablegram.web.core import NavLink, WebError, page

router = APIRouter(include_in_schema=False)
nav = [NavLink("/desk", "Desk", 60)]

SESSION_COOKIE = "cg_session"
LOGIN_CSRF_COOKIE = "cg_login_csrf"
SESSION_HOURS = 12
#: Paths anyone may open, even in a controlled archive.
PUBLIC = ("/login", "/static/", "/favicon", "/openapi.json", "/about")
#: Sees nothing: the reader of a controlled archive when no one is logged in (fail closed).
NOBODY = AccessFilter(max_rank=-1)
_current: ContextVar[User | None] = ContextVar("cablegram_desk_user", default=None)


class DeskHandle:
    """One desk connection per thread (SQLite connections must not interleave transactions)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self.get()  # create the tables now

    def get(self) -> DeskDB:
        desk = getattr(self._local, "desk", None)
        if desk is None:
            desk = self._local.desk = DeskDB(self.path)
        return desk


def desk_of(request: Request) -> DeskDB:
    """The desk of this app, or 503 when the archive is not a file."""
    handle: DeskHandle | None = getattr(request.app.state, "desk", None)
    if handle is None:
        raise WebError(503, "the desk needs an archive file")
    return handle.get()


def current_user(request: Request) -> User | None:
    """The logged-in user (session or API token), or None."""
    return request.scope.get("state", {}).get("desk_user")


def require_user(request: Request) -> User:
    """The logged-in user, or a 401 (API) / redirect to the login page."""
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


def _session(desk: DeskDB, cookie: str | None) -> tuple[User, str] | None:
    if not cookie or "." not in cookie:
        return None
    sid, sig = cookie.rsplit(".", 1)
    if not hmac.compare_digest(_sign(desk.secret_key(), sid), sig):
        return None
    row = desk.one("SELECT user_id, csrf FROM desk_sessions WHERE id = ? AND expires > ?", (sid, now_iso()))
    if row is None:
        return None
    user = get_user(desk, row[0])
    return (user, row[1]) if user and user.active else None


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
    """ASGI middleware: who is asking, and whether they may ask at all."""

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
                await JSONResponse({"error": "invalid API token"}, status_code=401)(scope, receive, send)
                return
            via = "token"
        elif found := _session(desk, _cookies(scope).get(SESSION_COOKIE)):
            user, csrf = found
            via = "session"
        controlled = desk.access_mode == "controlled"
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
        token = _current.set(user if controlled else None)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)


class _AuditedArchive(ControlledArchive):
    """A `ControlledArchive` that records each classified cable its reader opens (once per request)."""

    def __init__(self, inner: Any, reader: Any, desk: DeskDB | None) -> None:
        super().__init__(inner, reader)
        self._desk = desk
        self._seen: set[str] = set()

    def get(self, reference_id: str, *, access: AccessFilter | None = None) -> Any:
        cable = super().get(reference_id, access=access)
        if cable is not None and self._desk is not None and isinstance(self.reader, User) \
                and is_classified(cable) and cable.reference_id not in self._seen:
            self._seen.add(cable.reference_id or "")
            self._desk.audit("read", user=self.reader, reference_id=cable.reference_id,
                             detail={"classification": cable.classification_label, "via": "web"})
        return cable


class ControlledPool:
    """The app's archive pool, handing out archives seen through the request's user."""

    def __init__(self, inner: Any, handle: DeskHandle) -> None:
        self.inner = inner
        self.handle = handle

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @contextmanager
    def acquire(self) -> Iterator[Any]:
        with self.inner.acquire() as archive:
            desk = self.handle.get()
            if desk.access_mode != "controlled":
                yield archive
                return
            user = _current.get()
            yield _AuditedArchive(archive, user if user is not None else NOBODY, desk if user else None)


def _access_for(request: Request) -> AccessFilter | None:
    if not request.scope.get("state", {}).get("desk_controlled"):
        return None
    user = current_user(request)
    return access_filter(user) if user is not None else NOBODY


def setup(app: FastAPI) -> None:
    """Open the desk in the archive's file; install the middleware, the pool wrapper, the access hook."""
    path = getattr(app.state.pool, "path", None)
    if not path or path.startswith(("postgresql://", "postgres://")):  # no desk on PostgreSQL yet
        return
    try:
        handle = DeskHandle(path)
    except sqlite3.OperationalError:  # a read-only file: no desk; refuse to serve it if it is controlled
        db = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM desk_settings WHERE key = 'access_mode'").fetchone()
        except sqlite3.OperationalError:
            row = None
        finally:
            db.close()
        if row and row[0] == "controlled":
            raise RuntimeError(f"{path} is a controlled archive: serving it needs write access to the file "
                               "(sessions, audit log)") from None
        return
    app.state.desk = handle
    app.state.pool = ControlledPool(app.state.pool, handle)
    app.state.settings.access_for = _access_for
    app.add_middleware(DeskAuth, handle=handle)


# --- pages --------------------------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/desk"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next_: Annotated[str | None, Query(alias="next", max_length=500)] = None,
               error: str | None = None, status: int = 200) -> HTMLResponse:
    """The login form (its CSRF token is also a cookie: double submit, before any session)."""
    token = secrets.token_urlsafe(24)
    response = page(request, "desk/login.html", status=status, title="Log in", csrf=token, next=_safe_next(next_),
                    error=error, user=current_user(request))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login")
def login(request: Request, username: Annotated[str, Form(max_length=100)],
          password: Annotated[str, Form(max_length=1000)], csrf: Annotated[str, Form(max_length=100)] = "",
          next_: Annotated[str, Form(alias="next", max_length=500)] = "/desk") -> Response:
    """Check the password (argon2id); open a session."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(expected, csrf):
        raise WebError(403, "missing or wrong CSRF token: reload the login page")
    desk = desk_of(request)
    user = authenticate(desk, username, password)
    if user is None:
        desk.audit("login.failed", detail={"username": username[:100]})
        return login_page(request, next_, error="wrong username or password", status=401)
    sid, token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(hours=SESSION_HOURS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with desk.transaction() as db:
        db.execute("INSERT INTO desk_sessions(id, user_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
                   (sid, user.id, token, now_iso(), expires))
        desk.audit("login", user=user, db=db)
    response = RedirectResponse(_safe_next(next_), status_code=303)
    response.set_cookie(SESSION_COOKIE, f"{sid}.{_sign(desk.secret_key(), sid)}", httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", max_age=SESSION_HOURS * 3600, path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """End the session."""
    check_csrf(request, csrf)
    desk = desk_of(request)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with desk.transaction() as db:
        db.execute("DELETE FROM desk_sessions WHERE id = ?", (cookie.rsplit(".", 1)[0],))
        desk.audit("logout", user=current_user(request), db=db)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
