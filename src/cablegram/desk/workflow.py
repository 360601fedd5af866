"""The workflow: draft -> cleared -> released -> transmitted -> delivered, each step audited.

`release` runs in one desk write transaction (`BEGIN IMMEDIATE` on SQLite, the desk's advisory
lock on PostgreSQL: `DeskDB.transaction`): it takes the originating station's next
serial number and each addressee channel's next sequence number, so concurrent releases (threads
or processes) queue for the write lock and numbers have no gaps and no duplicates. It then renders
the wire text (routing header, sections), expands collectives, and delivers to each addressee
post's inbox. SIPDIS cables are stored in the searchable archive after the commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cablegram.access import can_read, needs_redaction
from cablegram.desk.compose import normalize
from cablegram.desk.db import DeskDB, DeskError, Tx, now_iso
from cablegram.desk.drafts import Draft, check, load_draft
from cablegram.desk.people import User, get_post
from cablegram.desk.validate import blocking
from cablegram.directory.classification import SECURITY_LINES
from cablegram.directory.precedence import PRECEDENCE_RANK, PRECEDENCE_SIGNS
from cablegram.model import Address, Cable, Header
from cablegram.telegram.dtg import filing_time, format_dtg
from cablegram.telegram.render import SECTION_CHARS, render, split_sections

__all__ = ["PRECEDENCE_RANK", "Release", "clear", "preview", "release", "store_in_archive"]

_NAMED_ONLY = {"NODIS", "EXDIS"}


@dataclass(frozen=True)
class Release:
    """What a release did: the cable as sent, its wire text, and the posts it reached."""

    draft_id: int
    cable: Cable
    wire_text: str
    delivered_to: list[str]
    archived: bool


def clear(desk: DeskDB, draft_id: int, user: User, comment: str = "") -> Draft:
    """Clear a draft (a clearer of its post who may read it, not its author); errors block."""
    draft = _draft_for(desk, draft_id, user, "clearer")
    if draft.state not in ("draft", "cleared"):
        raise DeskError(f"draft {draft_id} is {draft.state}: nothing to clear")
    if draft.author_id == user.id:
        raise DeskError("a drafter cannot clear their own draft")
    errors = blocking(check(desk, draft.cable))
    if errors:
        raise DeskError(f"draft {draft_id} has {len(errors)} error(s): {errors[0].field}: {errors[0].message}",
                        errors[0].field)
    with desk.transaction() as db:
        db.execute("INSERT INTO desk_clearances(draft_id, user_id, comment, at) VALUES (?, ?, ?, ?)",
                   (draft_id, user.id, comment, now_iso()))
        db.execute("UPDATE desk_drafts SET state = 'cleared', updated_at = ? WHERE id = ?", (now_iso(), draft_id))
        desk.audit("clear", user=user, draft_id=draft_id, detail={"comment": comment}, db=db)
    out = load_draft(desk, draft_id)
    assert out is not None
    return out


def _draft_for(desk: DeskDB, draft_id: int, user: User, role: str) -> Draft:
    draft = load_draft(desk, draft_id)
    if draft is None or not can_read(user, draft.cable):
        raise DeskError(f"no draft {draft_id}")
    if needs_redaction(user, draft.cable):  # no one clears or releases what they cannot see
        raise DeskError(f"draft {draft_id} has portions above your clearance or outside your caveats")
    if not user.has(role):
        raise DeskError(f"{user.username} is not a {'releasing officer' if role == 'releaser' else role}")
    if draft.post_id != user.post_id:
        raise DeskError(f"draft {draft_id} belongs to another post")
    return draft


def _next(db: Tx, post_id: int, ri: str) -> int:
    db.execute("INSERT INTO desk_channels VALUES (?, ?, 1) ON CONFLICT DO NOTHING", (post_id, ri))
    (n,) = db.execute("SELECT next_sequence FROM desk_channels WHERE from_post_id = ? AND to_routing_indicator = ?",
                      (post_id, ri)).fetchone()
    db.execute("UPDATE desk_channels SET next_sequence = ? WHERE from_post_id = ? AND to_routing_indicator = ?",
               (n + 1, post_id, ri))
    return int(n)


def _numbered(db: Tx, post_id: int, addresses: tuple[Address, ...]) -> tuple[Address, ...]:
    """Addresses with their channel sequence numbers (collectives get none, as on the wire)."""
    out = []
    for a in addresses:
        if a.precedence is None or a.routing_indicator is None:
            out.append(a)
        else:
            out.append(replace(a, serial=_next(db, post_id, a.routing_indicator)))
    return tuple(out)


def _recipients(desk: DeskDB, cable: Cable) -> list[tuple[int, str, str | None, str]]:
    """(post id, kind, via collective, precedence) for each desk post the cable reaches."""
    named_only = bool(set(cable.caveats) & _NAMED_ONLY)
    seen: dict[int, tuple[int, str, str | None, str]] = {}
    later: list[tuple[int, str, str | None, str]] = []
    for kind, addresses in (("to", cable.to), ("info", cable.info)):
        for a in addresses:
            post = get_post(desk, a.routing_indicator or a.name) or get_post(desk, a.name)
            prec = a.precedence or cable.precedence or "ROUTINE"
            if post is None:
                continue
            if not post.collective:
                seen.setdefault(post.id, (post.id, kind, None, prec))
            elif not named_only:
                from cablegram.desk.people import members_of

                later += [(m.id, kind, post.name, prec) for m in members_of(desk, post)]
    for item in later:
        seen.setdefault(item[0], item)
    return list(seen.values())


def _release_record(cable: Cable, post: Any, serial: int, when: datetime, to: tuple[Address, ...],
                    info: tuple[Address, ...], *, transmission_id: str | None, routing_indicators: Any,
                    section_chars: int) -> Cable:
    ris = routing_indicators or list(dict.fromkeys(a.routing_indicator for a in (*to, *info) if a.routing_indicator))
    sent = split_sections(replace(cable, to=to, info=info), section_chars)
    return replace(
        sent, reference_id=f"{when:%y}{(post.station or '').replace(' ', '')}{serial}",
        created=when.strftime("%Y-%m-%dT%H:%M:00Z"), serial=serial,
        header=Header(transmission_id=transmission_id or f"VZCZC{post.routing_indicator[-3:]}{serial % 10000:04d}",
                      routing_precedence=PRECEDENCE_SIGNS.get(cable.precedence or "ROUTINE", "R") * 2,
                      routing_indicators=tuple(ris),
                      originator=post.routing_indicator, station_serial=serial,
                      section=1 if sent.sections > 1 else None, filing_time=filing_time(when),
                      security=SECURITY_LINES.get(cable.classification or "", SECURITY_LINES["TOP SECRET"]),
                      dtg=format_dtg(when)))


def preview(desk: DeskDB, draft: Draft, when: datetime | None = None) -> str:
    """The telegram as it will look on the wire: the post's next serial, the channels' next
    sequence numbers and now as the date-time group (nothing is taken)."""
    if draft.wire_text:
        return draft.wire_text
    post = get_post(desk, draft.post_id)
    assert post is not None
    when = (when or datetime.now(UTC)).replace(second=0, microsecond=0, tzinfo=None)
    cable = draft.cable

    def peek(addresses: tuple[Address, ...]) -> tuple[Address, ...]:
        out = []
        for a in addresses:
            if a.precedence is None or a.routing_indicator is None:
                out.append(a)
                continue
            row = desk.one("SELECT next_sequence FROM desk_channels WHERE from_post_id = ? AND"
                           " to_routing_indicator = ?", (post.id, a.routing_indicator))
            out.append(replace(a, serial=row[0] if row else 1))
        return tuple(out)

    sent = _release_record(cable, post, post.next_serial, when, peek(cable.to), peek(cable.info),
                           transmission_id=None, routing_indicators=None, section_chars=SECTION_CHARS)
    return render(sent)


def release(desk: DeskDB, draft_id: int, user: User, *, when: datetime | None = None, archive: Any = None,
            transmission_id: str | None = None, routing_indicators: list[str] | None = None,
            section_chars: int = SECTION_CHARS) -> Release:
    """Release a cleared draft as `user` (a releasing officer of its post): number, render,
    transmit and deliver it in one transaction; store it in `archive` when SIPDIS.

    `when` is the date-time group (default: now, to the minute); `transmission_id`,
    `routing_indicators` and `section_chars` set what the communications centre would."""
    _draft_for(desk, draft_id, user, "releaser")
    when = (when or datetime.now(UTC)).replace(second=0, microsecond=0, tzinfo=None)
    with desk.transaction() as db:
        row = db.execute("SELECT state, record_json, post_id FROM desk_drafts WHERE id = ?", (draft_id,)).fetchone()
        if row[0] != "cleared":
            raise DeskError(f"draft {draft_id} is {row[0]}: only a cleared draft can be released")
        post = get_post(desk, row[2])
        assert post is not None
        cable = normalize(Cable.from_dict(json.loads(row[1])), when)
        errors = blocking(check(desk, cable))
        if errors:
            raise DeskError(f"draft {draft_id}: {errors[0].field}: {errors[0].message}", errors[0].field)
        (serial,) = db.execute("SELECT next_serial FROM desk_posts WHERE id = ?", (post.id,)).fetchone()
        db.execute("UPDATE desk_posts SET next_serial = ? WHERE id = ?", (serial + 1, post.id))
        to = _numbered(db, post.id, cable.to)
        info = _numbered(db, post.id, cable.info)
        sent = _release_record(cable, post, serial, when, to, info, transmission_id=transmission_id,
                               routing_indicators=routing_indicators, section_chars=section_chars)
        wire = render(sent)
        now = now_iso()
        db.execute("UPDATE desk_drafts SET state = 'released', record_json = ?, reference_id = ?, created = ?,"
                   " wire_text = ?, released_by = ?, released_at = ?, updated_at = ? WHERE id = ?",
                   (json.dumps(sent.to_dict(), ensure_ascii=False), sent.reference_id, sent.created, wire, user.id,
                    now, now, draft_id))
        desk.audit("release", user=user, draft_id=draft_id, reference_id=sent.reference_id, db=db,
                   detail={"serial": serial, "dtg": sent.header.dtg})
        db.execute("UPDATE desk_drafts SET state = 'transmitted' WHERE id = ?", (draft_id,))
        desk.audit("transmit", user=user, draft_id=draft_id, reference_id=sent.reference_id, db=db,
                   detail={"sections": sent.sections, "routing": list(sent.header.routing_indicators)})
        recipients = _recipients(desk, sent)
        db.executemany("INSERT INTO desk_inbox(draft_id, post_id, kind, via, precedence_rank,"
                       " delivered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       [(draft_id, pid, kind, via, PRECEDENCE_RANK.get(prec, 3), now)
                        for pid, kind, via, prec in recipients])
        db.execute("UPDATE desk_drafts SET state = 'delivered' WHERE id = ?", (draft_id,))
        names = [p.name for p in (get_post(desk, r[0]) for r in recipients) if p]
        desk.audit("deliver", user=user, draft_id=draft_id, reference_id=sent.reference_id, db=db,
                   detail={"posts": names})
    archived = False
    if "SIPDIS" in sent.caveats and archive is not None:
        archived = store_in_archive(desk, draft_id, archive, user)
    return Release(draft_id, sent, wire, names, archived)


def store_in_archive(desk: DeskDB, draft_id: int, archive: Any, user: User | None = None) -> bool:
    """Store a released cable's wire text in the searchable archive (idempotent)."""
    from cablegram.archive import ingest
    from cablegram.sources import RawRecord

    draft = load_draft(desk, draft_id)
    if draft is None or draft.wire_text is None:
        return False
    record = RawRecord(draft.wire_text, {"format": "desk", "file": "cablegram-desk", "line": draft_id,
                                         "metadata": {"released": draft.released_at}})
    ingest(archive, [record], workers=0)
    with desk.transaction() as db:
        db.execute("UPDATE desk_drafts SET archived = 1 WHERE id = ?", (draft_id,))
        desk.audit("archive", user=user, draft_id=draft_id, reference_id=draft.reference_id, db=db)
    return True
