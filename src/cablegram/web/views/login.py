"""The login form, logging in (throttled: `cablegram.desk.logins`) and logging out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cablegram.desk.logins import LoginRefused, login
from cablegram.desk.sessions import SESSION_HOURS, end_session, open_session
from cablegram.web.auth import SESSION_COOKIE, check_csrf, cookie_value, current_user, desk_of, session_id
from cablegram.web.core import WebError, page

router = APIRouter(include_in_schema=False)

LOGIN_CSRF_COOKIE = "cg_login_csrf"


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
def log_in(request: Request, username: Annotated[str, Form(max_length=100)],
           password: Annotated[str, Form(max_length=1000)], csrf: Annotated[str, Form(max_length=100)] = "",
           next_: Annotated[str, Form(alias="next", max_length=500)] = "/desk") -> Response:
    """Check the password (argon2id, throttled per user and address); open a session."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not hmac.compare_digest(expected, csrf):
        raise WebError(403, "missing or wrong CSRF token: reload the login page")
    desk = desk_of(request)
    try:
        user = login(desk, username, password, request.client.host if request.client else None)
    except LoginRefused as exc:
        refused = login_page(request, next_, error=exc.message, status=429)
        refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    if user is None:
        return login_page(request, next_, error="wrong username or password", status=401)
    session = open_session(desk, user)
    response = RedirectResponse(_safe_next(next_), status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie_value(desk, session), httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", max_age=SESSION_HOURS * 3600, path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """End the session."""
    check_csrf(request, csrf)
    desk = desk_of(request)
    sid = session_id(desk, request.cookies.get(SESSION_COOKIE))
    if sid:
        end_session(desk, sid, current_user(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
