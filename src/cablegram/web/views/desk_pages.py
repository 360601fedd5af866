"""The desk in the browser: drafts (a form beside the telegram as it will look, problems on their
fields), clearance, release, the post's inbox (filters, unread), reading and replying.

Every form carries the session's CSRF token; every page needs a logged-in user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from cablegram.archive import open_archive
from cablegram.desk import (
    DeskError,
    DraftConflict,
    User,
    clear,
    get_draft,
    get_post,
    inbox,
    list_drafts,
    open_message,
    release,
    reply,
    save_draft,
)
from cablegram.desk.drafts import Draft, check
from cablegram.desk.validate import Problem
from cablegram.desk.workflow import preview
from cablegram.directory.classification import CLASSIFICATIONS
from cablegram.directory.precedence import PRECEDENCES
from cablegram.web.auth import check_csrf, csrf_token, current_user, desk_of
from cablegram.web.core import NavLink, WebError, page

router = APIRouter(include_in_schema=False)
nav = [NavLink("/desk", "Desk", 60)]

Text = Annotated[str, Form(max_length=20000)]
Body = Annotated[str, Form(max_length=200000)]


def _user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise _Login(request)
    return user


class _Login(WebError):
    def __init__(self, request: Request) -> None:
        super().__init__(401, "log in to use the desk")


def _page(request: Request, template: str, status: int = 200, **ctx: Any) -> HTMLResponse:
    return page(request, template, status=status, user=current_user(request), csrf=csrf_token(request), **ctx)


def _form_of(draft: Draft | None) -> dict[str, str]:
    """The form fields of a draft (empty for a new one)."""
    if draft is None:
        return {"precedence": "ROUTINE", "classification": "UNCLASSIFIED"}
    c = draft.cable
    body = []
    for p in c.paragraphs:
        if p.heading:
            body.append(f"## {p.heading}")
        body.append(f"({p.marking}) {p.text}" if p.marking else p.text)
    return {"to": ", ".join(a.name for a in c.to), "info": ", ".join(a.name for a in c.info),
            "precedence": c.precedence or "ROUTINE", "classification": c.classification or "UNCLASSIFIED",
            "caveats": ", ".join(c.caveats), "eo": (c.eo.declassify_on or "") if c.eo else "",
            "classified_by": c.classified_by.text if c.classified_by else "", "tags": " ".join(c.tags),
            "subject": c.subject or "", "subject_marking": c.subject_marking or "",
            "references": "\n".join(r.text for r in c.references), "signers": " ".join(c.signers),
            "body": "\n\n".join(body), "version": str(draft.version)}


def form_to_data(form: dict[str, str]) -> dict[str, Any]:
    """Draft fields from the web form (the body in the Markdown draft format)."""
    from cablegram.desk.compose import _markdown_paragraphs

    def words(key: str) -> list[str]:
        return [w for w in form.get(key, "").replace(",", " ").split() if w]

    def items(key: str) -> list[str]:
        return [x.strip() for x in form.get(key, "").replace("\n", ",").split(",") if x.strip()]

    eo = form.get("eo", "").strip()
    return {"to": items("to"), "info": items("info"), "precedence": form.get("precedence") or "ROUTINE",
            "classification": form.get("classification") or "UNCLASSIFIED", "caveats": words("caveats"),
            "eo": f"DECL: {eo}" if eo and eo[:1].isdigit() else (eo or None),
            "classified_by": form.get("classified_by", "").strip() or None, "tags": words("tags"),
            "subject": form.get("subject", ""), "subject_marking": form.get("subject_marking", "").strip() or None,
            "references": [r.strip() for r in form.get("references", "").splitlines() if r.strip()],
            "signers": words("signers"), "paragraphs": _markdown_paragraphs(form.get("body", ""))}


def _problems_by_field(problems: list[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in problems:
        key = p.field.split(".")[0]
        out.setdefault("body" if key == "paragraphs" else key, []).append(p)
    return out


def _draft_page(request: Request, draft: Draft | None, form: dict[str, str], problems: list[Problem],
                status: int = 200, message: str | None = None) -> HTMLResponse:
    desk = desk_of(request)
    wire = preview(desk, draft) if draft is not None else ""
    return _page(request, "desk/draft.html", status=status, title=f"Draft {draft.id}" if draft else "New draft",
                 draft=draft, form=form, problems=problems, by_field=_problems_by_field(problems), wire=wire,
                 advice=_advice(desk, draft),
                 precedences=PRECEDENCES, classifications=CLASSIFICATIONS, message=message,
                 errors=sum(p.level == "error" for p in problems))


def _advice(desk: Any, draft: Draft | None) -> Any:
    """The classification advice on the draft as its reader sees it (never a block)."""
    if draft is None or draft.withheld:
        return None
    from cablegram.advise.desk import draft_advice

    with open_archive(desk.path, readonly=True) as archive:
        return draft_advice(archive, draft.cable)


@router.get("/desk", response_class=HTMLResponse)
def desk_home(request: Request) -> HTMLResponse:
    """Your post: drafts in progress and the newest of the inbox."""
    user = _user(request)
    desk = desk_of(request)
    post = get_post(desk, user.post_id) if user.post_id else None
    return _page(request, "desk/home.html", title="Desk", post=post, drafts=list_drafts(desk, user),
                 items=inbox(desk, user, limit=10))


@router.get("/desk/draft/new", response_class=HTMLResponse)
def new_draft(request: Request) -> HTMLResponse:
    """An empty drafting form."""
    _user(request)
    return _draft_page(request, None, _form_of(None), [])


def _form_version(form: dict[str, str]) -> int | None:
    v = form.get("version", "").strip()
    return int(v) if v.isdigit() else None


def _save(request: Request, form: dict[str, str], draft_id: int | None) -> Response:
    user = _user(request)
    check_csrf(request, form.get("csrf"))
    desk = desk_of(request)
    try:
        with open_archive(desk.path) as archive:
            draft, problems = save_draft(desk, user, form_to_data(form), draft_id=draft_id, archive=archive,
                                         version=_form_version(form) if draft_id else None)
    except DraftConflict as exc:
        # the user's text stays in the form; beside it, the saved telegram; saving again replaces it
        saved = get_draft(desk, draft_id, user) if draft_id else None
        return _draft_page(request, saved, {**form, "version": str(exc.current)},
                           [Problem("general", exc.message)], status=409)
    except DeskError as exc:
        return _draft_page(request, get_draft(desk, draft_id, user) if draft_id else None, form,
                           [Problem(exc.field or "general", exc.message)], status=422)
    if draft_id is None:
        return RedirectResponse(f"/desk/draft/{draft.id}", status_code=303)
    shown = _visible_draft(request, draft.id)
    return _draft_page(request, shown, _form_of(shown), problems, status=422 if any(
        p.level == "error" for p in problems) else 200, message="saved")


_FIELDS = ("csrf", "version", "to", "info", "precedence", "classification", "caveats", "eo", "classified_by", "tags",
           "subject", "subject_marking", "references", "signers", "body")


async def _form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: str(data.get(k) or "")[:200000] for k in _FIELDS}


@router.post("/desk/draft/new")
async def create_draft(request: Request) -> Response:
    """Save a new draft, then show it with its problems."""
    return _save(request, await _form(request), None)


def _visible_draft(request: Request, draft_id: int) -> Draft:
    draft = get_draft(desk_of(request), draft_id, _user(request))
    if draft is None:
        raise WebError(404, f"no draft {draft_id}")
    return draft


@router.get("/desk/draft/{draft_id}", response_class=HTMLResponse)
def show_draft(request: Request, draft_id: int) -> HTMLResponse:
    """A draft: the form, its problems, the telegram as it will look, the workflow buttons."""
    draft = _visible_draft(request, draft_id)
    live = draft.state in ("draft", "cleared")
    problems = check(desk_of(request), draft.cable, reader=_user(request)) if live else []
    return _draft_page(request, draft, _form_of(draft), problems)


@router.post("/desk/draft/{draft_id}")
async def edit_draft(request: Request, draft_id: int) -> Response:
    """Save a new text of a draft (a cleared draft goes back to draft)."""
    _visible_draft(request, draft_id)
    return _save(request, await _form(request), draft_id)


def _step(request: Request, draft_id: int, csrf: str, action: Any) -> Response:
    user = _user(request)
    check_csrf(request, csrf)
    draft = _visible_draft(request, draft_id)
    try:
        action(desk_of(request), draft, user)
    except DeskError as exc:
        draft = _visible_draft(request, draft_id)
        problems = check(desk_of(request), draft.cable, reader=user)
        return _draft_page(request, draft, _form_of(draft), [Problem(exc.field or "workflow", exc.message),
                                                             *problems], status=409)
    return RedirectResponse(f"/desk/draft/{draft_id}", status_code=303)


@router.post("/desk/draft/{draft_id}/clear")
def clear_draft(request: Request, draft_id: int, csrf: Annotated[str, Form(max_length=100)] = "",
                comment: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Clear a draft (clearers)."""
    return _step(request, draft_id, csrf, lambda desk, d, u: clear(desk, d.id, u, comment))


@router.post("/desk/draft/{draft_id}/release")
def release_draft(request: Request, draft_id: int, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Release a cleared draft (releasing officers): number, transmit, deliver, archive."""
    def go(desk: Any, d: Draft, u: User) -> None:
        with open_archive(desk.path) as archive:
            release(desk, d.id, u, archive=archive)

    return _step(request, draft_id, csrf, go)


@router.post("/desk/preview", response_class=PlainTextResponse)
async def live_preview(request: Request) -> PlainTextResponse:
    """The telegram as the form's fields would make it, nothing saved (the page's live preview)."""
    from cablegram.desk.compose import build_cable, normalize
    from cablegram.desk.drafts import _resolver, origin_of, reference_finder

    user = _user(request)
    form = await _form(request)
    check_csrf(request, form.get("csrf"))
    desk = desk_of(request)
    post = get_post(desk, user.post_id) if user.post_id else None
    if post is None or post.collective:
        raise WebError(403, "you belong to no post that can send telegrams")
    try:
        with open_archive(desk.path) as archive:
            cable = normalize(build_cable(form_to_data(form), origin=origin_of(post), resolve=_resolver(desk),
                                          find_reference=reference_finder(desk, archive, user)))
        text = preview(desk, Draft(0, "draft", post.id, user.id, None, cable, "", ""))
    except Exception as exc:  # a half-typed form: say so in the preview, never a 500
        text = f"(no preview yet: {type(exc).__name__})"
    return PlainTextResponse(text, headers={"Cache-Control": "no-store"})


@router.post("/desk/draft/{draft_id}/withdraw")
def withdraw_draft(request: Request, draft_id: int, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Withdraw (delete) a draft that has not been sent: its author or an admin."""
    from cablegram.desk.withdraw import withdraw

    user = _user(request)
    check_csrf(request, csrf)
    draft = _visible_draft(request, draft_id)
    try:
        withdraw(desk_of(request), draft.id, user)
    except DeskError as exc:
        return _draft_page(request, draft, _form_of(draft), [Problem("workflow", exc.message)], status=409)
    return RedirectResponse("/desk", status_code=303)


@router.get("/desk/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, precedence: Annotated[str | None, Query(max_length=20)] = None,
               tag: Annotated[str | None, Query(max_length=20)] = None, unread: bool = False) -> HTMLResponse:
    """The post's inbox, FLASH/IMMEDIATE first; filters by precedence, tag, unread."""
    user = _user(request)
    try:
        items = inbox(desk_of(request), user, unread=True if unread else None, precedence=precedence or None,
                      tag=tag or None)
    except DeskError as exc:
        raise WebError(422, exc.message) from None
    return _page(request, "desk/inbox.html", title="Inbox", items=items, precedence=precedence or "",
                 tag=tag or "", unread=unread, precedences=PRECEDENCES)


@router.get("/desk/cable/{reference_id}", response_class=HTMLResponse)
def read_cable(request: Request, reference_id: str) -> HTMLResponse:
    """A delivered cable as the user may read it (marks it read)."""
    user = _user(request)
    try:
        cable, text = open_message(desk_of(request), user, reference_id[:64])
    except LookupError:
        raise WebError(404, f"no cable {reference_id[:64]!r} in your inbox") from None
    return _page(request, "desk/read.html", title=cable.subject or cable.reference_id, cable=cable, text=text)


@router.post("/desk/cable/{reference_id}/reply")
def reply_cable(request: Request, reference_id: str, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Start a reply: a new draft with REF filled in."""
    user = _user(request)
    check_csrf(request, csrf)
    try:
        draft = reply(desk_of(request), user, reference_id[:64])
    except LookupError:
        raise WebError(404, f"no cable {reference_id[:64]!r} in your inbox") from None
    except DeskError as exc:
        raise WebError(403, exc.message) from None
    return RedirectResponse(f"/desk/draft/{draft.id}", status_code=303)
