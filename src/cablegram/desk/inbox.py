"""Inboxes: what reached a user's post, as that user may read it; read/unread; replies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cablegram.access import can_read, is_classified, redact
from cablegram.desk.db import DeskDB, DeskError, now_iso
from cablegram.desk.drafts import Draft, load_draft, save_draft
from cablegram.desk.people import User, get_post
from cablegram.desk.workflow import PRECEDENCE_RANK
from cablegram.model import Cable
from cablegram.telegram.render import render

__all__ = ["InboxItem", "inbox", "open_message", "reply"]


@dataclass(frozen=True)
class InboxItem:
    """One delivered cable in a post's inbox, as one user sees it."""

    inbox_id: int
    reference_id: str
    created: str
    precedence: str
    classification: str
    subject: str | None
    tags: tuple[str, ...]
    kind: str
    via: str | None
    origin: str | None
    read: bool

    def to_dict(self) -> dict[str, Any]:
        return {"inbox_id": self.inbox_id, "reference_id": self.reference_id, "created": self.created,
                "precedence": self.precedence, "classification": self.classification, "subject": self.subject,
                "tags": list(self.tags), "kind": self.kind, "via": self.via, "origin": self.origin,
                "read": self.read}


_RANK_NAME = {v: k for k, v in PRECEDENCE_RANK.items()}


def inbox(desk: DeskDB, user: User, *, unread: bool | None = None, precedence: str | None = None,
          tag: str | None = None, post: str | None = None, limit: int = 200) -> list[InboxItem]:
    """The user's post's inbox (an admin may name another post), FLASH/IMMEDIATE first, then
    PRIORITY, then ROUTINE, newest first within each; only cables the user may read."""
    post_id = user.post_id
    if post is not None:
        p = get_post(desk, post)
        if p is None or (p.id != user.post_id and not user.has("admin")):
            raise DeskError(f"no inbox of {post} for {user.username}")
        post_id = p.id
    where, params = ["i.post_id = ?"], [post_id]
    if precedence:
        rank = PRECEDENCE_RANK.get(precedence.upper())
        if rank is None:
            raise DeskError(f"unknown precedence {precedence!r}", "precedence")
        where.append("i.precedence_rank = ?")
        params.append(rank)
    rows = desk.query(
        "SELECT i.id, d.record_json, i.precedence_rank, i.kind, i.via,"
        " EXISTS(SELECT 1 FROM desk_reads r WHERE r.inbox_id = i.id AND r.user_id = ?)"
        f" FROM desk_inbox i JOIN desk_drafts d ON d.id = i.draft_id WHERE {' AND '.join(where)}"
        " ORDER BY i.precedence_rank, d.created DESC, i.id DESC", (user.id, *params))
    out = []
    for iid, record, rank, kind, via, was_read in rows:
        cable = Cable.from_dict(json.loads(record))
        if not can_read(user, cable):
            continue
        if tag and tag.upper() not in cable.tags:
            continue
        if unread is not None and bool(was_read) == unread:
            continue
        shown = redact(cable, user)
        out.append(InboxItem(iid, cable.reference_id or "", cable.created or "", _RANK_NAME.get(rank, "ROUTINE"),
                             cable.classification_label or cable.classification or "", shown.subject,
                             cable.tags, kind, via, cable.origin.label, bool(was_read)))
        if len(out) >= limit:
            break
    return out


def open_message(desk: DeskDB, user: User, reference_id: str) -> tuple[Cable, str]:
    """A delivered cable as the user may read it (record, wire text): marks it read in the
    user's inbox and audits reads of classified material. LookupError when it does not exist
    for the user (not delivered to their post, or above them)."""
    draft = load_draft(desk, reference_id)
    if draft is None or draft.state != "delivered" or not can_read(user, draft.cable):
        raise LookupError(f"no cable {reference_id}")
    row = desk.one("SELECT id FROM desk_inbox WHERE draft_id = ? AND post_id = ?", (draft.id, user.post_id))
    if row is None and draft.post_id != user.post_id and not user.has("admin"):
        raise LookupError(f"no cable {reference_id}")
    shown = redact(draft.cable, user)
    text = draft.wire_text or "" if shown is draft.cable else render(shown)
    with desk.transaction() as db:
        if row is not None:
            db.execute("INSERT INTO desk_reads VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (row[0], user.id, now_iso()))
        if is_classified(draft.cable):
            desk.audit("read", user=user, draft_id=draft.id, reference_id=draft.reference_id, db=db,
                       detail={"classification": draft.cable.classification_label,
                               "redacted": shown is not draft.cable})
    return shown, text


def reply(desk: DeskDB, user: User, reference_id: str) -> Draft:
    """A new draft answering a delivered cable: addressed to its originator, REF filled in,
    same classification, caveats and TAGS; subject and paragraphs left to the drafter."""
    original, _text = open_message(desk, user, reference_id)
    year = (original.created or "")[2:4]
    ref = f"{year} {original.origin.station} {original.serial}" if original.serial else original.reference_id
    data = {"to": [original.from_], "precedence": original.precedence, "classification": original.classification,
            "caveats": [c for c in original.caveats], "tags": list(original.tags), "references": [ref],
            "eo": None if original.classification == "UNCLASSIFIED" else (
                {"order": original.eo.order, "declassify_on": original.eo.declassify_on} if original.eo else None),
            "subject": original.subject, "subject_marking": original.subject_marking}
    draft, _problems = save_draft(desk, user, data, reply_to=original.reference_id)
    return draft
