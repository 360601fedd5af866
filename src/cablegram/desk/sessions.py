"""Web sessions in the desk tables: open, look up, end, and revoke every session of a user.

A session row holds its random id, its user, its CSRF token and its expiry; the web layer signs
the id into a cookie (`cablegram.web.auth`). A password change or a disabled account ends the
user's sessions (`people.update_user`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cablegram.desk.db import DeskDB, now_iso
from cablegram.desk.people import User, get_user

__all__ = ["SESSION_HOURS", "Session", "end_session", "open_session", "session_user"]

SESSION_HOURS = 12


@dataclass(frozen=True, slots=True)
class Session:
    """An open session: its id (kept in the cookie) and its CSRF token (kept in every form)."""

    id: str
    user: User
    csrf: str


def open_session(desk: DeskDB, user: User, hours: int = SESSION_HOURS) -> Session:
    """A new session for `user` (audited as a login)."""
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with desk.transaction() as db:
        db.execute("INSERT INTO desk_sessions(id, user_id, csrf, created, expires) VALUES (?, ?, ?, ?, ?)",
                   (sid, user.id, csrf, now_iso(), expires))
        desk.audit("login", user=user, db=db)
    return Session(sid, user, csrf)


def session_user(desk: DeskDB, sid: str) -> Session | None:
    """The live session with this id whose user is still active, or None."""
    row = desk.one("SELECT user_id, csrf FROM desk_sessions WHERE id = ? AND expires > ?", (sid, now_iso()))
    if row is None:
        return None
    user = get_user(desk, row[0])
    return Session(sid, user, row[1]) if user is not None and user.active else None


def end_session(desk: DeskDB, sid: str, user: User | None) -> None:
    """Log out: the session row goes (audited)."""
    with desk.transaction() as db:
        db.execute("DELETE FROM desk_sessions WHERE id = ?", (sid,))
        desk.audit("logout", user=user, db=db)
