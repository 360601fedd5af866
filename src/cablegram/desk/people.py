"""Posts, collectives, users, roles, clearances, caveat accesses, passwords and API tokens.

Passwords are hashed with argon2id (argon2-cffi); API tokens are random and stored as SHA-256,
expire (90 days by default) and can be listed and revoked one by one. A password change or a
disabled account ends the user's web sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cablegram import directory
from cablegram.archive.base import RESTRICTING_CAVEATS
from cablegram.desk.db import DeskDB, DeskError, now_iso

__all__ = [
    "ROLES",
    "TOKEN_DAYS",
    "Post",
    "Token",
    "User",
    "add_post",
    "add_user",
    "authenticate",
    "create_token",
    "get_post",
    "get_user",
    "list_posts",
    "list_tokens",
    "list_users",
    "members_of",
    "require_admin",
    "revoke_token",
    "update_user",
    "user_for_token",
]

#: drafter writes, clearer clears, releaser (the releasing officer) releases for the post,
#: reader reads the post's inbox, admin manages posts, users and the access mode.
ROLES = ("drafter", "clearer", "releaser", "reader", "admin")
_ROLE_ALIASES = {"releasing officer": "releaser", "releasing-officer": "releaser", "releasing_officer": "releaser"}
_HASHER = PasswordHasher()  # argon2id, the library's memory-hard defaults
#: How long a new API token lives unless told otherwise.
TOKEN_DAYS = 90


@dataclass(frozen=True, slots=True)
class Post:
    """A post (or collective) that sends and receives telegrams."""

    id: int
    name: str
    routing_indicator: str
    station: str | None
    label: str | None
    collective: bool
    next_serial: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "routing_indicator": self.routing_indicator,
                "station": self.station, "label": self.label, "collective": self.collective,
                "next_serial": self.next_serial}


@dataclass(frozen=True, slots=True)
class User:
    """A person at a post, with roles, a clearance and caveat accesses."""

    id: int
    username: str
    full_name: str
    post_id: int | None
    roles: frozenset[str]
    clearance: str
    caveats: frozenset[str]
    active: bool = True

    def has(self, role: str) -> bool:
        """Whether the user holds `role` (admins hold every role but drafting rights stay explicit)."""
        return role in self.roles

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "full_name": self.full_name, "post_id": self.post_id,
                "roles": sorted(self.roles), "clearance": self.clearance, "caveats": sorted(self.caveats),
                "active": self.active}


@dataclass(frozen=True, slots=True)
class Token:
    """An API token as listed: never the token itself (only its hash is stored)."""

    id: int
    username: str
    label: str
    created: str
    expires: str
    last_used: str | None

    @property
    def expired(self) -> bool:
        return self.expires <= now_iso()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user": self.username, "label": self.label, "created": self.created,
                "expires": self.expires, "last_used": self.last_used, "expired": self.expired}


def require_admin(user: User | None) -> User:
    """The user when they are a desk admin; DeskError otherwise (one check for every front end)."""
    if user is None or not user.active or not user.has("admin"):
        raise DeskError("this is for desk admins")
    return user


_POST_COLS = "id, name, routing_indicator, station, label, collective, next_serial"
_USER_COLS = "id, username, full_name, post_id, roles, clearance, caveats, active"


def _post(row: tuple[Any, ...]) -> Post:
    return Post(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6])


def _user(row: tuple[Any, ...]) -> User:
    return User(row[0], row[1], row[2], row[3], frozenset(row[4].split()), row[5],
                frozenset(row[6].split()), bool(row[7]))


def normalize_roles(roles: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """Role words from 'drafter,clearer' or a list; DeskError for an unknown role."""
    items = roles.replace(",", " ").split() if isinstance(roles, str) else list(roles)
    out = set()
    for r in items:
        r = _ROLE_ALIASES.get(r.strip().lower(), r.strip().lower())
        if r not in ROLES:
            raise DeskError(f"unknown role {r!r}; roles are {', '.join(ROLES)}", "roles")
        out.add(r)
    return frozenset(out or {"reader"})


def normalize_clearance(clearance: str) -> str:
    """One of UNCLASSIFIED, CONFIDENTIAL, SECRET, TOP SECRET."""
    try:
        return directory.normalize_classification(clearance)
    except ValueError:
        raise DeskError(f"unknown clearance {clearance!r}; use one of "
                        f"{', '.join(directory.CLASSIFICATIONS)}", "clearance") from None


def normalize_caveats(caveats: str | list[str] | tuple[str, ...]) -> frozenset[str]:
    """Caveat accesses (NOFORN, EXDIS, NODIS, ...) from 'NOFORN,EXDIS' or a list."""
    items = caveats.replace(",", " ").split() if isinstance(caveats, str) else list(caveats)
    out = {c.strip().upper() for c in items if c.strip()}
    unknown = out - set(directory.CAVEATS) - RESTRICTING_CAVEATS
    if unknown:
        raise DeskError(f"unknown caveat {sorted(unknown)[0]!r}; restricting caveats are "
                        f"{', '.join(sorted(RESTRICTING_CAVEATS))}", "caveats")
    return frozenset(out)


# --- posts ------------------------------------------------------------------------------------

def add_post(desk: DeskDB, name: str, routing_indicator: str | None = None, *,
             members: list[str] | tuple[str, ...] = (), collective: bool | None = None) -> Post:
    """Register a post by its FM-line name (`AMEMBASSY MOSCOW`) or routing indicator (`RUEHMO`).

    Indicator, station and label come from the directory where not given. A collective
    (`CIS COLLECTIVE`) lists its member posts (registered ones; others are skipped)."""
    name = " ".join(name.upper().split())
    if routing_indicator is None and len(name) <= 7 and " " not in name and directory.station_name(name):
        routing_indicator, name = name, directory.station_name(name) or name
    ri = (routing_indicator or directory.indicator_for_name(name) or "").upper()
    if not ri:
        raise DeskError(f"no routing indicator known for {name!r}: give one (e.g. RUEHMO)", "routing_indicator")
    is_coll = directory.is_collective(name) if collective is None else collective
    station = None if is_coll else directory.station_from_name(name)
    label = None if is_coll else directory.origin_label(name)
    if get_post(desk, name) or get_post(desk, ri):
        raise DeskError(f"post {name} ({ri}) already exists", "name")
    with desk.transaction() as db:
        pid = db.execute("INSERT INTO desk_posts(name, routing_indicator, station, label, collective)"
                         " VALUES (?, ?, ?, ?, ?) RETURNING id", (name, ri, station, label, int(is_coll))).fetchone()
        desk.audit("post.add", detail={"name": name, "routing_indicator": ri}, db=db)
    post = get_post(desk, name)
    assert post is not None and pid is not None
    if is_coll:
        set_members(desk, post, list(members) or list(directory.collective_members(name)))
    return post


def set_members(desk: DeskDB, collective: Post, members: list[str]) -> list[Post]:
    """Replace a collective's member list with the registered posts among `members`."""
    found = [p for p in (get_post(desk, m) for m in members) if p is not None and not p.collective]
    with desk.transaction() as db:
        db.execute("DELETE FROM desk_collective_members WHERE collective_id = ?", (collective.id,))
        db.executemany("INSERT INTO desk_collective_members VALUES (?, ?) ON CONFLICT DO NOTHING",
                       [(collective.id, p.id) for p in found])
    return found


def add_member(desk: DeskDB, collective: Post, member: Post) -> None:
    """Add one post to a collective."""
    with desk.transaction() as db:
        db.execute("INSERT INTO desk_collective_members VALUES (?, ?) ON CONFLICT DO NOTHING",
                   (collective.id, member.id))


def members_of(desk: DeskDB, collective: Post) -> list[Post]:
    """The member posts of a collective."""
    return [_post(r) for r in desk.query(
        f"SELECT {', '.join('p.' + c.strip() for c in _POST_COLS.split(','))} FROM desk_posts p"
        " JOIN desk_collective_members m ON m.post_id = p.id WHERE m.collective_id = ? ORDER BY p.name",
        (collective.id,))]


def get_post(desk: DeskDB, key: str | int) -> Post | None:
    """A post by id, name, routing indicator or station (`MOSCOW`)."""
    if isinstance(key, int):
        row = desk.one(f"SELECT {_POST_COLS} FROM desk_posts WHERE id = ?", (key,))
        return _post(row) if row else None
    k = " ".join(str(key).upper().split())
    row = desk.one(f"SELECT {_POST_COLS} FROM desk_posts WHERE name = ? OR routing_indicator = ?"
                   " OR (station = ? AND collective = 0) ORDER BY id LIMIT 1", (k, k, k))
    return _post(row) if row else None


def list_posts(desk: DeskDB) -> list[Post]:
    """Every post, collectives last."""
    return [_post(r) for r in desk.query(f"SELECT {_POST_COLS} FROM desk_posts ORDER BY collective, name")]


def set_next_serial(desk: DeskDB, post: Post, serial: int) -> None:
    """Set the post's next station serial number (e.g. when a post joins the desk mid-year)."""
    with desk.transaction() as db:
        db.execute("UPDATE desk_posts SET next_serial = ? WHERE id = ?", (serial, post.id))
        desk.audit("post.serial", detail={"post": post.name, "next_serial": serial}, db=db)


def set_next_sequence(desk: DeskDB, origin: Post, routing_indicator: str, sequence: int) -> None:
    """Set the next sequence number of the channel from `origin` to the addressee `routing_indicator`."""
    with desk.transaction() as db:
        db.execute("INSERT INTO desk_channels VALUES (?, ?, ?) ON CONFLICT(from_post_id, to_routing_indicator)"
                   " DO UPDATE SET next_sequence = excluded.next_sequence", (origin.id, routing_indicator.upper(),
                                                                             sequence))


# --- users ------------------------------------------------------------------------------------

def add_user(desk: DeskDB, username: str, *, post: str | int | None, roles: Any = "reader",
             clearance: str = "UNCLASSIFIED", caveats: Any = (), password: str | None = None,
             full_name: str = "") -> User:
    """Create a user at a post."""
    username = username.strip().lower()
    if not username or not username.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise DeskError("a username is letters, digits, '.', '-' or '_'", "username")
    p = get_post(desk, post) if post is not None else None
    if post is not None and p is None:
        raise DeskError(f"no post {post!r}: add it with `cablegram posts add`", "post")
    if get_user(desk, username):
        raise DeskError(f"user {username} already exists", "username")
    row = (username, full_name, p.id if p else None, " ".join(sorted(normalize_roles(roles))),
           normalize_clearance(clearance), " ".join(sorted(normalize_caveats(caveats))),
           _HASHER.hash(password) if password else None, now_iso())
    with desk.transaction() as db:
        db.execute("INSERT INTO desk_users(username, full_name, post_id, roles, clearance, caveats,"
                   " password_hash, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        desk.audit("user.add", detail={"username": username, "post": p.name if p else None,
                                       "clearance": row[4], "caveats": row[5], "roles": row[3]}, db=db)
    user = get_user(desk, username)
    assert user is not None
    return user


def update_user(desk: DeskDB, user: User, *, post: str | int | None = None, roles: Any = None,
                clearance: str | None = None, caveats: Any = None, password: str | None = None,
                active: bool | None = None, full_name: str | None = None) -> User:
    """Change what is given; the change is audited (never the password itself)."""
    sets: dict[str, Any] = {}
    if post is not None:
        p = get_post(desk, post)
        if p is None:
            raise DeskError(f"no post {post!r}", "post")
        sets["post_id"] = p.id
    if roles is not None:
        sets["roles"] = " ".join(sorted(normalize_roles(roles)))
    if clearance is not None:
        sets["clearance"] = normalize_clearance(clearance)
    if caveats is not None:
        sets["caveats"] = " ".join(sorted(normalize_caveats(caveats)))
    if password is not None:
        sets["password_hash"] = _HASHER.hash(password)
    if active is not None:
        sets["active"] = int(active)
    # a new password or a disabled account ends every open session (someone may hold the old one)
    end_sessions = password is not None or active is False
    if full_name is not None:
        sets["full_name"] = full_name
    if sets:
        with desk.transaction() as db:
            db.execute(f"UPDATE desk_users SET {', '.join(k + ' = ?' for k in sets)} WHERE id = ?",
                       (*sets.values(), user.id))
            shown: dict[str, Any] = {k: ("(changed)" if k == "password_hash" else v) for k, v in sets.items()}
            if end_sessions:
                shown["sessions_ended"] = db.execute("DELETE FROM desk_sessions WHERE user_id = ?",
                                                     (user.id,)).rowcount
            desk.audit("user.update", detail={"username": user.username, **shown}, db=db)
    out = get_user(desk, user.id)
    assert out is not None
    return out


def get_user(desk: DeskDB, key: str | int) -> User | None:
    """A user by id or username."""
    if isinstance(key, int):
        row = desk.one(f"SELECT {_USER_COLS} FROM desk_users WHERE id = ?", (key,))
    else:
        row = desk.one(f"SELECT {_USER_COLS} FROM desk_users WHERE username = ?", (key.strip().lower(),))
    return _user(row) if row else None


def list_users(desk: DeskDB) -> list[User]:
    """Every user, by username."""
    return [_user(r) for r in desk.query(f"SELECT {_USER_COLS} FROM desk_users ORDER BY username")]


def authenticate(desk: DeskDB, username: str, password: str) -> User | None:
    """The active user whose argon2id hash matches `password`, else None (rehashed when the
    library's parameters changed)."""
    row = desk.one("SELECT id, password_hash FROM desk_users WHERE username = ? AND active = 1",
                   (username.strip().lower(),))
    if row is None or not row[1]:
        _HASHER.hash(password)  # same work either way: no user enumeration by timing
        return None
    try:
        _HASHER.verify(row[1], password)
    except (VerificationError, InvalidHashError):
        return None
    if _HASHER.check_needs_rehash(row[1]):
        with desk.transaction() as db:
            db.execute("UPDATE desk_users SET password_hash = ? WHERE id = ?", (_HASHER.hash(password), row[0]))
    return get_user(desk, row[0])


# --- API tokens -------------------------------------------------------------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(desk: DeskDB, user: User, label: str = "", *, days: int = TOKEN_DAYS) -> str:
    """A new API token for `user`, valid for `days` (shown once; only its hash is stored)."""
    if days < 1:
        raise DeskError("a token lives at least one day", "days")
    token = "cg_" + secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with desk.transaction() as db:
        (tid,) = db.execute("INSERT INTO desk_tokens(token_hash, user_id, label, created, expires)"
                            " VALUES (?, ?, ?, ?, ?) RETURNING id",
                            (_digest(token), user.id, label, now_iso(), expires)).fetchone()
        desk.audit("token.create", user=user, detail={"id": tid, "label": label, "expires": expires}, db=db)
    return token


def user_for_token(desk: DeskDB, token: str) -> User | None:
    """The active user a live (unexpired) API token belongs to, or None."""
    row = desk.one("SELECT user_id FROM desk_tokens WHERE token_hash = ? AND expires > ?",
                   (_digest(token.strip()), now_iso()))
    if row is None:
        return None
    user = get_user(desk, row[0])
    return user if user and user.active else None


def list_tokens(desk: DeskDB, user: User | None = None) -> list[Token]:
    """The API tokens of a user (or of everyone), oldest first, expired ones included."""
    where, params = ("WHERE t.user_id = ?", (user.id,)) if user is not None else ("", ())
    rows = desk.query("SELECT t.id, u.username, coalesce(t.label, ''), t.created, t.expires, t.last_used"
                      f" FROM desk_tokens t JOIN desk_users u ON u.id = t.user_id {where} ORDER BY t.id", params)
    return [Token(*r) for r in rows]


def revoke_token(desk: DeskDB, token_id: int, *, by: User | None = None) -> Token:
    """Delete one API token by its id (audited); DeskError when there is none."""
    found = [t for t in list_tokens(desk) if t.id == token_id]
    if not found:
        raise DeskError(f"no token {token_id}: see `cablegram users tokens USER`", "token")
    with desk.transaction() as db:
        db.execute("DELETE FROM desk_tokens WHERE id = ?", (token_id,))
        desk.audit("token.revoke", user=by, detail={"id": token_id, "owner": found[0].username,
                                                    "label": found[0].label}, db=db)
    return found[0]
