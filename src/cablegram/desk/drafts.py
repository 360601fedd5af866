"""Drafts in the desk tables: create, edit, look up, list; permissions for each.

`get_draft(desk, id, user)` is the one way a front end (API, pages, CLI) reads a draft: it
exists for the user only at their post (admins: any post) and at or below their clearance and
caveats, and any paragraph carrying a mark they may not see is withheld, as in the archive
(`cablegram.access.redact`). `load_draft` is the workflow's own unchecked read.

Each save raises the draft's `version`; a save that names an older version than the stored one
is refused with `DraftConflict` (optimistic concurrency: two people editing one draft).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from cablegram.access import access_filter, can_read, needs_redaction, redact
from cablegram.desk.compose import build_cable, content_changes, normalize
from cablegram.desk.db import DeskDB, DeskError, now_iso
from cablegram.desk.people import Post, User, get_post, get_user
from cablegram.desk.validate import Problem, validate
from cablegram.model import Cable, Origin
from cablegram.transactions import archive_rows

__all__ = ["STATES", "Draft", "DraftConflict", "check", "get_draft", "list_drafts", "load_draft", "origin_of",
           "reference_visible", "save_draft"]

STATES = ("draft", "cleared", "released", "transmitted", "delivered")
_COLS = ("id, state, post_id, author_id, reply_to, record_json, created_at, updated_at, reference_id, created,"
         " wire_text, released_by, released_at, archived, version")


class DraftConflict(DeskError):
    """A save from an older version of a draft than the stored one: `current` is the stored version."""

    def __init__(self, message: str, current: int) -> None:
        super().__init__(message, "version")
        self.current = current


@dataclass
class Draft:
    """A cable on its way: its state, the record, and (once released) its wire text."""

    id: int
    state: str
    post_id: int
    author_id: int | None
    reply_to: str | None
    cable: Cable
    created_at: str
    updated_at: str
    reference_id: str | None = None
    created: str | None = None
    wire_text: str | None = None
    released_by: int | None = None
    released_at: str | None = None
    archived: bool = False
    version: int = 1
    clearances: list[dict[str, Any]] = field(default_factory=list)
    #: portions withheld from the user this draft was read for (`get_draft`)
    withheld: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state, "post_id": self.post_id, "author_id": self.author_id,
                "reply_to": self.reply_to, "record": self.cable.to_dict(), "created_at": self.created_at,
                "updated_at": self.updated_at, "reference_id": self.reference_id, "created": self.created,
                "wire_text": self.wire_text, "released_by": self.released_by, "released_at": self.released_at,
                "archived": self.archived, "version": self.version, "clearances": self.clearances,
                "withheld": self.withheld}


def _draft(desk: DeskDB, row: tuple[Any, ...]) -> Draft:
    d = Draft(row[0], row[1], row[2], row[3], row[4], Cable.from_dict(json.loads(row[5])), row[6], row[7],
              row[8], row[9], row[10], row[11], row[12], bool(row[13]), row[14])
    d.clearances = [{"user": u, "comment": c, "at": at} for u, c, at in desk.query(
        "SELECT u.username, k.comment, k.at FROM desk_clearances k JOIN desk_users u ON u.id = k.user_id"
        " WHERE k.draft_id = ? ORDER BY k.rowid", (d.id,))]  # PostgreSQL: an explicit rowid column
    return d


def load_draft(desk: DeskDB, draft_id: int | str) -> Draft | None:
    """A draft by id, or a released cable by reference id, unchecked and whole (the workflow's
    read: front ends use `get_draft`)."""
    if isinstance(draft_id, int) or str(draft_id).isdigit():
        row = desk.one(f"SELECT {_COLS} FROM desk_drafts WHERE id = ?", (int(draft_id),))
    else:
        row = desk.one(f"SELECT {_COLS} FROM desk_drafts WHERE reference_id = ?",
                       (str(draft_id).replace(" ", "").upper(),))
    return _draft(desk, row) if row else None


def visible_to(user: User, draft: Draft) -> bool:
    """Whether the draft exists for the user: their post's (any post's for admins), and not above them."""
    return (draft.post_id == user.post_id or user.has("admin")) and can_read(user, draft.cable)


def shown_to(user: User, draft: Draft) -> Draft:
    """The draft with the portions above the user withheld (and its wire text re-rendered)."""
    if not needs_redaction(user, draft.cable):
        return draft
    from cablegram.telegram.render import render

    shown = redact(draft.cable, user)
    hidden = sum(a != b for a, b in zip(shown.paragraphs, draft.cable.paragraphs, strict=True))
    hidden += shown.subject != draft.cable.subject
    # a released cable's record is the released one: its redacted rendering stands for the wire text
    wire = render(shown) if draft.wire_text else None
    return replace(draft, cable=shown, wire_text=wire, withheld=max(1, hidden))


def get_draft(desk: DeskDB, draft_id: int | str, user: User) -> Draft | None:
    """The draft (or released cable, by reference id) as `user` may see it, or None when it does
    not exist for them. Paragraphs above them are withheld (`Draft.withheld` counts them)."""
    draft = load_draft(desk, draft_id)
    if draft is None or not user.active or not visible_to(user, draft):
        return None
    return shown_to(user, draft)


def list_drafts(desk: DeskDB, user: User, *, states: tuple[str, ...] = ("draft", "cleared")) -> list[Draft]:
    """The drafts of the user's post in these states that the user may read, newest first."""
    marks = ",".join("?" * len(states))
    rows = desk.query(f"SELECT {_COLS} FROM desk_drafts WHERE post_id = ? AND state IN ({marks})"
                      " ORDER BY updated_at DESC, id DESC", (user.post_id, *states))
    return [shown_to(user, d) for d in (_draft(desk, r) for r in rows) if can_read(user, d.cable)]


def origin_of(post: Post) -> Origin:
    """The Origin a post's cables carry."""
    return Origin(station=post.station, name=post.name, label=post.label, routing_indicator=post.routing_indicator)


def _resolver(desk: DeskDB) -> Any:
    def resolve(key: str) -> tuple[str, str] | None:
        p = get_post(desk, key)
        return (p.name, p.routing_indicator) if p else None
    return resolve


def reference_finder(desk: DeskDB, archive: Any = None, reader: Any = None) -> Any:
    """`find(station, serial)`: the newest reference id of that station and serial among the
    archive's cables and the desk's releases that `reader` may know of (for a REF given without a
    year). A cable hidden from the reader never lends its year: that would confirm it exists."""
    def find(station: str, serial: int) -> str | None:
        pattern, exact = f"__{station}{serial}", re.compile(rf"\d\d{re.escape(station)}{serial}")
        rows = desk.query("SELECT reference_id, created FROM desk_drafts WHERE reference_id LIKE ?", (pattern,))
        if archive is not None:
            rows += archive_rows(archive, "SELECT reference_id, created FROM cables WHERE reference_id LIKE ?",
                                 (pattern,))
        seen = [r for r in rows if exact.fullmatch(r[0]) and reference_visible(desk, archive, reader, r[0])]
        return max(seen, key=lambda r: r[1] or "")[0] if seen else None
    return find


def check(desk: DeskDB, cable: Cable, written: Cable | None = None, archive: Any = None,
          reader: Any = None) -> list[Problem]:
    """Validate a draft against the desk's posts and the archive (references).

    References are looked up through `reader`'s access (the drafter, or whoever views the draft):
    a cable they may not read gets the same "not in the archive" warning as an absent one, so the
    check confirms nothing hidden. Without a reader nothing is confirmed (fail closed)."""
    def exists(rid: str) -> bool:
        return reference_visible(desk, archive, reader, rid)

    return validate(cable, reference_exists=exists, known_post=lambda n: get_post(desk, n) is not None,
                    changes=content_changes(written, cable) if written is not None else [])


def reference_visible(desk: DeskDB, archive: Any, reader: Any, reference_id: str) -> bool:
    """Whether `reader` may know that the cable `reference_id` exists: a released desk cable or an
    archived one they may read. Reads no record into an audit (a lookup is not a reading)."""
    if reader is None:
        return False
    released = load_draft(desk, reference_id)
    if released is not None and released.reference_id and can_read(reader, released.cable):
        return True
    if archive is None:
        return False
    inner = getattr(archive, "inner", archive)  # a ControlledArchive's own archive: no audit row
    found = inner.get(reference_id, access=access_filter(reader))
    return found is not None and can_read(reader, found)


def _may_write(user: User, post: Post | None, cable: Cable) -> None:
    if not user.has("drafter"):
        raise DeskError(f"{user.username} is not a drafter")
    if post is None or post.collective:
        raise DeskError(f"{user.username} belongs to no post that can send telegrams")
    if not can_read(user, cable):
        raise DeskError(f"{user.username} is not cleared for {cable.classification_label or cable.classification}"
                        f" {' '.join(cable.caveats)}".rstrip(), "classification")


def _last_saved_by(db: Any, draft_id: int) -> str:
    row = db.execute("SELECT username, at FROM desk_audit WHERE draft_id = ? AND action IN ('draft.create',"
                     " 'draft.edit') ORDER BY id DESC LIMIT 1", (draft_id,)).fetchone()
    return f" by {row[0] or 'someone'} at {row[1]}" if row else ""


def save_draft(desk: DeskDB, user: User, data: dict[str, Any], *, draft_id: int | None = None,
               reply_to: str | None = None, archive: Any = None,
               version: int | None = None) -> tuple[Draft, list[Problem]]:
    """Create (or, with `draft_id`, replace) a draft from draft fields; return it with its problems.

    A draft with errors is saved (work in progress); clearance and release refuse it. Editing a
    cleared draft sends it back to `draft` and drops its clearances. With `version` (the version
    the editor started from), a draft saved since is not overwritten: `DraftConflict`. Only a
    user who may see every portion of a draft may replace its text."""
    post = get_post(desk, user.post_id) if user.post_id else None
    assert post is None or isinstance(post, Post)
    written = build_cable(data, origin=origin_of(post) if post else Origin(), resolve=_resolver(desk),
                          find_reference=reference_finder(desk, archive, user))
    cable = normalize(written)
    _may_write(user, post, cable)
    assert post is not None
    problems = check(desk, cable, written, archive, reader=user)
    record = json.dumps(cable.to_dict(), ensure_ascii=False)
    now = now_iso()
    with desk.transaction() as db:
        if draft_id is None:
            draft_id = db.execute(
                "INSERT INTO desk_drafts(state, post_id, author_id, reply_to, record_json, created_at, updated_at)"
                " VALUES ('draft', ?, ?, ?, ?, ?, ?) RETURNING id",
                (post.id, user.id, reply_to, record, now, now)).fetchone()[0]
            desk.audit("draft.create", user=user, draft_id=draft_id, db=db,
                       detail={"errors": sum(p.level == "error" for p in problems)})
        else:
            row = db.execute("SELECT state, post_id, version, record_json FROM desk_drafts WHERE id = ?",
                             (draft_id,)).fetchone()
            if row is None:
                raise DeskError(f"no draft {draft_id}")
            if row[0] not in ("draft", "cleared"):
                raise DeskError(f"draft {draft_id} is {row[0]}: it can no longer be edited")
            if row[1] != post.id:
                raise DeskError(f"draft {draft_id} belongs to another post")
            if needs_redaction(user, Cable.from_dict(json.loads(row[3]))):
                raise DeskError(f"draft {draft_id} has portions above your clearance or outside your caveats:"
                                " you cannot replace its text")
            if version is not None and version != row[2]:
                raise DraftConflict(f"draft {draft_id} was saved{_last_saved_by(db, draft_id)} since you opened "
                                    f"it (you edited version {version}, it is now version {row[2]}): your "
                                    "changes were not saved. Look at the saved text, then save again to "
                                    "replace it with yours.", row[2])
            db.execute("UPDATE desk_drafts SET record_json = ?, state = 'draft', updated_at = ?,"
                       " version = version + 1 WHERE id = ?", (record, now, draft_id))
            db.execute("DELETE FROM desk_clearances WHERE draft_id = ?", (draft_id,))
            desk.audit("draft.edit", user=user, draft_id=draft_id, db=db,
                       detail={"errors": sum(p.level == "error" for p in problems), "was": row[0]})
    assert draft_id is not None
    draft = load_draft(desk, draft_id)
    assert draft is not None
    return draft, problems


def author_name(desk: DeskDB, draft: Draft) -> str:
    """The author's username ('' when unknown)."""
    u = get_user(desk, draft.author_id) if draft.author_id else None
    return u.username if u else ""
