"""The desk's admin page (admins only): posts, users, adding a user, the archive's access mode."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cablegram.desk import DeskError, User, add_user, list_posts, list_users, members_of
from cablegram.web.auth import check_csrf, csrf_token, current_user, desk_of
from cablegram.web.core import WebError, page

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]


def _admin(request: Request) -> User:
    user = current_user(request)
    if user is None or not user.has("admin"):
        raise WebError(403, "the admin page is for desk admins")
    return user


def _show(request: Request, error: str | None = None, status: int = 200) -> HTMLResponse:
    desk = desk_of(request)
    posts = [(p, [m.name for m in members_of(desk, p)] if p.collective else []) for p in list_posts(desk)]
    names = {p.id: p.name for p, _m in posts}
    users = [(u, names.get(u.post_id or -1, "-")) for u in list_users(desk)]
    return page(request, "desk/admin.html", status=status, title="Desk admin", user=current_user(request),
                csrf=csrf_token(request), posts=posts, users=users, mode=desk.access_mode, error=error)


@router.get("/desk/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> HTMLResponse:
    """Posts (collectives with members), users, the access mode."""
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
