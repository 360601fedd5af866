"""Logging in with a password, throttled per user and per address.

Each failed login counts against the username (`user:NAME`, whether or not it exists: no user
enumeration) and against the client's address (`addr:ADDRESS`). After `FREE_TRIES` failures on
a key, the next attempt must wait 2, 4, 8 ... seconds (at most `MAX_DELAY`); after
`LOCK_AFTER` failures on a user (`ADDRESS_LOCK_AFTER` on an address) the key is locked for
`LOCK_MINUTES`. An attempt that comes too early is refused without checking the password (so it
tells an attacker nothing) and does not count. A successful login clears the user's failures; an
address's failures are forgotten `LOCK_MINUTES` after its last one. Admins unlock a user with
`unlock` (`cablegram users unlock USER`, the desk admin page).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cablegram.desk.db import DeskDB, DeskError, Tx, now_iso
from cablegram.desk.people import User, authenticate, get_user

__all__ = ["ADDRESS_LOCK_AFTER", "FREE_TRIES", "LOCK_AFTER", "LOCK_MINUTES", "MAX_DELAY", "LoginRefused",
           "locked_users", "login", "unlock"]

FREE_TRIES = 3
LOCK_AFTER = 10
ADDRESS_LOCK_AFTER = 30
LOCK_MINUTES = 15
MAX_DELAY = 60


class LoginRefused(DeskError):
    """A login attempt refused before its password was checked: `retry_after` seconds to wait."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class _Failures:
    failures: int
    last_at: datetime
    locked_until: datetime | None


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _now() -> datetime:
    return _time(now_iso())


def _failures(db: Tx, key: str) -> _Failures | None:
    row = db.execute("SELECT failures, last_at, locked_until FROM desk_login_failures WHERE key = ?",
                     (key,)).fetchone()
    if row is None:
        return None
    return _Failures(row[0], _time(row[1]), _time(row[2]) if row[2] else None)


def _wait(f: _Failures | None, now: datetime) -> int:
    """Seconds before this key may try again (0: now)."""
    if f is None:
        return 0
    if f.locked_until is not None:
        return max(0, int((f.locked_until - now).total_seconds()))
    if f.failures < FREE_TRIES:
        return 0
    delay = min(MAX_DELAY, 2 ** (f.failures - FREE_TRIES + 1))
    return max(0, int((f.last_at + timedelta(seconds=delay) - now).total_seconds()))


def _fail(db: Tx, key: str, lock_after: int, now: datetime) -> bool:
    """Count a failure; True when it locks the key."""
    f = _failures(db, key)
    stale = f is not None and (f.locked_until or f.last_at + timedelta(minutes=LOCK_MINUTES)) <= now
    n = 1 if f is None or stale else f.failures + 1
    locked = _iso(now + timedelta(minutes=LOCK_MINUTES)) if n >= lock_after else None
    db.execute("INSERT INTO desk_login_failures(key, failures, last_at, locked_until) VALUES (?, ?, ?, ?)"
               " ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, last_at = excluded.last_at,"
               " locked_until = excluded.locked_until", (key, n, _iso(now), locked))
    return locked is not None


def _keys(username: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(f"user:{username.strip().lower()[:100]}", LOCK_AFTER)]
    if address:
        keys.append((f"addr:{address[:100]}", ADDRESS_LOCK_AFTER))
    return keys


def login(desk: DeskDB, username: str, password: str, address: str | None = None) -> User | None:
    """The user when the password is right; None when it is wrong (counted, audited);
    `LoginRefused` when the user or the address must wait or is locked."""
    now = _now()
    keys = _keys(username, address)
    locked: list[str] = []
    with desk.transaction() as db:
        wait, key = max((_wait(_failures(db, k), now), k) for k, _ in keys)
        if wait == 0:
            # counted before the password is checked, forgiven if it is right: parallel guesses cannot
            # all slip through one free moment
            before = {k: _failures(db, k) for k, _ in keys}
            locked = [k for k, limit in keys if _fail(db, k, limit, now)]
        else:
            f = _failures(db, key)
    if wait > 0:
        what = "this account" if key.startswith("user:") else "logins from your address"
        if f is not None and f.locked_until is not None:
            minutes = max(1, -(-wait // 60))
            raise LoginRefused(f"too many failed logins: {what} is locked for {minutes} more minute(s);"
                               " an admin can unlock it", wait)
        raise LoginRefused(f"too many failed logins: wait {wait} second(s) before trying again", wait)
    user = authenticate(desk, username, password)
    with desk.transaction() as db:
        if user is None:
            desk.audit("login.failed", detail={"username": username[:100], "address": address}, db=db)
            for k in locked:
                desk.audit("login.locked", detail={"key": k, "minutes": LOCK_MINUTES}, db=db)
        else:
            db.execute("DELETE FROM desk_login_failures WHERE key = ?", (keys[0][0],))
            for k, _limit in keys[1:]:  # the address: as it was before this attempt
                old = before[k]
                if old is None:
                    db.execute("DELETE FROM desk_login_failures WHERE key = ?", (k,))
                else:
                    db.execute("UPDATE desk_login_failures SET failures = CASE WHEN failures > 0 THEN failures - 1"
                               " ELSE 0 END, last_at = ?, locked_until = ? WHERE key = ?",
                               (_iso(old.last_at), _iso(old.locked_until) if old.locked_until else None, k))
    return user


def unlock(desk: DeskDB, username: str, *, by: User | None = None) -> int:
    """Clear a user's failed logins (and lock); how many failures there were. DeskError for an
    unknown user."""
    user = get_user(desk, username)
    if user is None:
        raise DeskError(f"no user {username!r}", "username")
    with desk.transaction() as db:
        f = _failures(db, f"user:{user.username}")
        db.execute("DELETE FROM desk_login_failures WHERE key = ?", (f"user:{user.username}",))
        desk.audit("login.unlock", user=by, detail={"username": user.username}, db=db)
    return f.failures if f else 0


def locked_users(desk: DeskDB) -> dict[str, str]:
    """Usernames locked now, with the time their lock ends."""
    rows = desk.query("SELECT key, locked_until FROM desk_login_failures WHERE key LIKE 'user:%'"
                      " AND locked_until > ?", (now_iso(),))
    return {k[5:]: until for k, until in rows}
