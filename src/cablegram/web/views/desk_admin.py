"""The desk's admin page (admins only): posts, users, adding a user, the archive's access mode,
API tokens (revoke one) and users locked out by failed logins (unlock)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cablegram.desk import (
    DeskError,
    User,
    add_user,
    list_posts,
    list_tokens,
    list_users,
    members_of,
    require_admin,
    revoke_token,
)
from cablegram.desk.logins import locked_users, unlock
from cablegram.web.auth import check_csrf, csrf_token, current_user, desk_of
from cablegram.web.core import WebError, page

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]


def _admin(request: Request) -> User:
    try:
        return require_admin(current_user(request))
    except DeskError:
        raise WebError(403, "the admin page is for desk admins") from None


def _show(request: Request, error: str | None = None, status: int = 200, message: str | None = None) -> HTMLResponse:
    desk = desk_of(request)
    posts = [(p, [m.name for m in members_of(desk, p)] if p.collective else []) for p in list_posts(desk)]
    names = {p.id: p.name for p, _m in posts}
    locked = locked_users(desk)
    users = [(u, names.get(u.post_id or -1, "-"), locked.get(u.username)) for u in list_users(desk)]
    return page(request, "desk/admin.html", status=status, title="Desk admin", user=current_user(request),
                csrf=csrf_token(request), posts=posts, users=users, mode=desk.access_mode, error=error,
                message=message, tokens=list_tokens(desk))


@router.get("/desk/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    """Posts (collectives with members), users (locked ones to unlock), API tokens, the access mode."""
    _admin(request)
    return _show(request)


@router.post("/desk/admin/mode")
def set_mode(request: Request, mode: Short, csrf: Short = "") -> Response:
    """Make the archive open or controlled."""
    user = _admin(request)
    check_csrf(request, csrf)
    desk = desk_of(request)
    try:
        desk.set_access_mode(mode)
    except DeskError as exc:
        return _show(request, exc.message, 422)
    desk.audit("access.mode", user=user, detail={"mode": mode})
    return RedirectResponse("/desk/admin", status_code=303)


@router.post("/desk/admin/users")
def create_user(request: Request, username: Short, post: Short, password: Short, roles: Short = "reader",
                clearance: Short = "UNCLASSIFIED", caveats: Short = "", csrf: Short = "") -> Response:
    """Add a user."""
    _admin(request)
    check_csrf(request, csrf)
    try:
        add_user(desk_of(request), username, post=post, roles=roles, clearance=clearance, caveats=caveats,
                 password=password)
    except DeskError as exc:
        return _show(request, exc.message, 422)
    return RedirectResponse("/desk/admin", status_code=303)


@router.post("/desk/admin/users/{username}/unlock")
def unlock_user(request: Request, username: str, csrf: Short = "") -> Response:
    """Unlock a user locked out by failed logins."""
    admin = _admin(request)
    check_csrf(request, csrf)
    try:
        unlock(desk_of(request), username[:100], by=admin)
    except DeskError as exc:
        return _show(request, exc.message, 404)
    return RedirectResponse("/desk/admin", status_code=303)


@router.post("/desk/admin/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int, csrf: Short = "") -> Response:
    """Revoke one API token."""
    admin = _admin(request)
    check_csrf(request, csrf)
    try:
        revoke_token(desk_of(request), token_id, by=admin)
    except DeskError as exc:
        return _show(request, exc.message, 404)
    return RedirectResponse("/desk/admin", status_code=303)
