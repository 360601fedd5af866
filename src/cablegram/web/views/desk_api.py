"""The desk's JSON API under /api/desk/: who am I, drafts (create, edit, validate, clear,
release), the inbox, reading and replying. Authenticate with `Authorization: Bearer TOKEN`
(`cablegram users token NAME`) or a session cookie plus the `X-CSRF-Token` header."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from cablegram.archive import open_archive
from cablegram.desk import (
    DeskError,
    DraftConflict,
    DraftFormatError,
    clear,
    get_draft,
    inbox,
    list_drafts,
    open_message,
    release,
    save_draft,
)
from cablegram.desk import reply as start_reply
from cablegram.desk.drafts import Draft, check
from cablegram.desk.workflow import preview
from cablegram.web.auth import check_csrf, desk_of, require_user
from cablegram.web.core import WebError

router = APIRouter(prefix="/api/desk", tags=["desk"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not logged in"}, 403: {"description": "not allowed or bad CSRF token"},
    404: {"description": "unknown draft or cable"},
    409: {"description": "the workflow refuses the step, or the draft was saved since the version you edited"},
}


def _draft(request: Request, draft_id: int) -> Draft:
    draft = get_draft(desk_of(request), draft_id, require_user(request))
    if draft is None:
        raise WebError(404, f"no draft {draft_id}")
    return draft


def _out(request: Request, draft: Draft, problems: Any = None) -> dict[str, Any]:
    desk = desk_of(request)
    shown = get_draft(desk, draft.id, require_user(request))  # as the user may see it, whoever saved it
    if shown is None:
        raise WebError(404, f"no draft {draft.id}")
    live = problems is None and shown.state in ("draft", "cleared")
    found = check(desk, shown.cable, reader=require_user(request)) if live else problems or []
    return {"draft": shown.to_dict(), "problems": [p.to_dict() for p in found], "telegram": preview(desk, shown)}


def _version(if_match: str | None, fields: dict[str, Any]) -> int | None:
    """The version the client edited: `If-Match: "3"` or a `version` field (None: not checked)."""
    given = fields.pop("version", None)
    if if_match:
        given = if_match.strip().removeprefix("W/").strip('"')
    if given is None or given == "*":
        return None
    try:
        return int(given)
    except (TypeError, ValueError):
        raise WebError(422, f"version: not a draft version: {given!r}") from None


@router.get("/me", responses=ERRORS, summary="The logged-in user")
def me(request: Request) -> dict[str, Any]:
    """The user behind the session or token: post, roles, clearance, caveats."""
    return require_user(request).to_dict()


@router.get("/drafts", responses=ERRORS, summary="Drafts of my post")
def drafts(request: Request) -> dict[str, Any]:
    """Drafts in progress (draft, cleared) the user may read."""
    user = require_user(request)
    return {"drafts": [d.to_dict() for d in list_drafts(desk_of(request), user)]}


def _save(request: Request, fields: dict[str, Any], draft_id: int | None,
          version: int | None = None) -> dict[str, Any] | JSONResponse:
    user = require_user(request)
    check_csrf(request, None)
    desk = desk_of(request)
    try:
        with open_archive(desk.path) as archive:
            draft, problems = save_draft(desk, user, fields, draft_id=draft_id, archive=archive, version=version)
    except DraftConflict as exc:
        return JSONResponse({"error": exc.message, "version": exc.current}, status_code=409,
                            headers={"ETag": f'"{exc.current}"'})
    except (DeskError, DraftFormatError) as exc:
        raise WebError(422, getattr(exc, "message", str(exc))) from None
    return _out(request, draft, problems)


@router.post("/drafts", responses=ERRORS, summary="Create a draft")
def create(request: Request, fields: Annotated[dict[str, Any], Body()]) -> Any:
    """A new draft from the fields of a draft file (see `cablegram draft`); returns it with its
    problems and the telegram as it will look."""
    fields.pop("version", None)
    return _save(request, fields, None)


@router.get("/drafts/{draft_id}", responses=ERRORS, summary="A draft")
def show(request: Request, draft_id: int) -> JSONResponse:
    """A draft as you may see it (paragraphs above you withheld), its problems and the telegram as
    it will look (the wire text once released); its version is also the `ETag`."""
    draft = _draft(request, draft_id)
    return JSONResponse(_out(request, draft), headers={"ETag": f'"{draft.version}"'})


@router.put("/drafts/{draft_id}", responses=ERRORS, summary="Replace a draft's text")
def edit(request: Request, draft_id: int, fields: Annotated[dict[str, Any], Body()],
         if_match: Annotated[str | None, Header(max_length=40)] = None) -> Any:
    """New fields for a draft (a cleared draft goes back to draft). Send the version you edited
    (`If-Match: "3"`, or a `version` field): a draft saved since gives 409 and is not overwritten."""
    _draft(request, draft_id)
    version = _version(if_match, fields)
    return _save(request, fields, draft_id, version)


@router.post("/drafts/{draft_id}/clear", responses=ERRORS, summary="Clear a draft")
def clear_draft(request: Request, draft_id: int,
                comment: Annotated[str, Body(embed=True, max_length=2000)] = "") -> dict[str, Any]:
    """Clear a draft (clearers of its post)."""
    user = require_user(request)
    check_csrf(request, None)
    _draft(request, draft_id)
    try:
        draft = clear(desk_of(request), draft_id, user, comment)
    except DeskError as exc:
        raise WebError(409, exc.message) from None
    return _out(request, draft)


@router.post("/drafts/{draft_id}/release", responses=ERRORS, summary="Release a draft")
def release_draft(request: Request, draft_id: int) -> dict[str, Any]:
    """Release a cleared draft (releasing officers): serial, DTG, wire text, delivery."""
    user = require_user(request)
    check_csrf(request, None)
    _draft(request, draft_id)
    desk = desk_of(request)
    try:
        with open_archive(desk.path) as archive:
            r = release(desk, draft_id, user, archive=archive)
    except DeskError as exc:
        raise WebError(409, exc.message) from None
    return {"reference_id": r.cable.reference_id, "dtg": r.cable.header.dtg, "wire_text": r.wire_text,
            "delivered_to": r.delivered_to, "archived": r.archived}


@router.get("/inbox", responses=ERRORS, summary="My post's inbox")
def inbox_items(request: Request, unread: bool | None = None,
                precedence: Annotated[str | None, Query(max_length=20)] = None,
                tag: Annotated[str | None, Query(max_length=20)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """Delivered cables the user may read, FLASH/IMMEDIATE first; filter by unread, precedence, tag."""
    user = require_user(request)
    try:
        items = inbox(desk_of(request), user, unread=unread, precedence=precedence, tag=tag, limit=limit)
    except DeskError as exc:
        raise WebError(422, exc.message) from None
    return {"items": [i.to_dict() for i in items]}


@router.get("/cables/{reference_id}", responses=ERRORS, summary="Read a delivered cable")
def read(request: Request, reference_id: Annotated[str, Path(max_length=64, pattern=r"^[^\x00]*$")]) -> dict[str, Any]:
    """The cable as the user may read it (portions above them withheld) and its text; marks it read."""
    user = require_user(request)
    try:
        cable, text = open_message(desk_of(request), user, reference_id)
    except LookupError:
        raise WebError(404, f"no cable {reference_id!r} in your inbox") from None
    return {"record": cable.to_dict(), "text": text}


@router.post("/cables/{reference_id}/reply", responses=ERRORS, summary="Reply to a cable")
def reply(request: Request, reference_id: str) -> dict[str, Any]:
    """A new draft answering the cable, REF filled in."""
    user = require_user(request)
    check_csrf(request, None)
    try:
        draft = start_reply(desk_of(request), user, reference_id[:64])
    except LookupError:
        raise WebError(404, f"no cable {reference_id[:64]!r} in your inbox") from None
    except DeskError as exc:
        raise WebError(403, exc.message) from None
    return _out(request, draft)
