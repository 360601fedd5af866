"""The desk's tables, in the archive's SQLite file beside the archive's own (all prefixed `desk_`);
the same tables in a PostgreSQL archive are `cablegram.desk.schema_pg`'s (a migration added here
is added there too, under the same version number).

- `desk_settings(key, value)`: `access_mode` (`open` or `controlled`), `secret_key` (signs web
  sessions).
- `desk_posts`: a post (or collective) with its FM-line `name` (`AMEMBASSY MOSCOW`), routing
  indicator, `station` (as in reference ids: `MOSCOW`, `STATE`), cablegate `label`, `collective`
  flag and `next_serial`, the originating station's next serial number.
- `desk_collective_members(collective_id, post_id)`.
- `desk_channels(from_post_id, to_routing_indicator, next_sequence)`: the sequence number of the
  next telegram from a post to an addressee (`TO RUEHC/SECSTATE WASHDC PRIORITY 9806`), registered
  on the desk or not.
- `desk_users`: username, full name, post, `roles` and `caveats` (space-separated words),
  `clearance`, argon2id `password_hash`, `active`.
- `desk_tokens(id, token_hash, user_id, label, created, last_used, expires)`: API tokens (SHA-256
  of the token; `id`, never reused, names one for listing and revoking; `expires`, ISO UTC).
- `desk_sessions(id, user_id, csrf, created, expires)`: web sessions (the cookie carries the id).
- `desk_login_failures(key, failures, last_at, locked_until)`: failed logins per `user:NAME` and
  per `addr:ADDRESS`, for throttling and locking.
- `desk_drafts`: a cable from draft to delivery: `state` (draft, cleared, released, transmitted,
  delivered), the record (`record_json`, a `Cable.to_dict()`), author, post, reply-to; once
  released: `reference_id`, `wire_text`, `created` (DTG, ISO), who released it and when, and
  `archived` (1 when stored in the searchable archive); `version`, raised by each save (a save
  from an older version is refused: optimistic concurrency).
- `desk_clearances(draft_id, user_id, comment, at)`: each clearance with its comment.
- `desk_inbox(id, draft_id, post_id, kind, via, precedence_rank, delivered_at)`: one row per
  addressee post a released cable reached (`kind` to/info, `via` the collective it came through).
- `desk_reads(inbox_id, user_id, read_at)`: who has read what.
- `desk_audit(id, at, user_id, username, action, draft_id, reference_id, detail)`: every step of
  the workflow and every read of classified material.
"""

from __future__ import annotations

import sqlite3

from cablegram.transactions import immediate

__all__ = ["DESK_SCHEMA_VERSION", "migrate"]

_V1 = """
CREATE TABLE IF NOT EXISTS desk_schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS desk_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS desk_posts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    routing_indicator TEXT NOT NULL UNIQUE,
    station TEXT,
    label TEXT,
    collective INTEGER NOT NULL DEFAULT 0,
    next_serial INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS desk_collective_members (
    collective_id INTEGER NOT NULL REFERENCES desk_posts(id),
    post_id INTEGER NOT NULL REFERENCES desk_posts(id),
    PRIMARY KEY (collective_id, post_id)
);
CREATE TABLE IF NOT EXISTS desk_channels (
    from_post_id INTEGER NOT NULL REFERENCES desk_posts(id),
    to_routing_indicator TEXT NOT NULL,
    next_sequence INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (from_post_id, to_routing_indicator)
);
CREATE TABLE IF NOT EXISTS desk_users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL DEFAULT '',
    post_id INTEGER REFERENCES desk_posts(id),
    roles TEXT NOT NULL DEFAULT 'reader',
    clearance TEXT NOT NULL DEFAULT 'UNCLASSIFIED',
    caveats TEXT NOT NULL DEFAULT '',
    password_hash TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS desk_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES desk_users(id),
    label TEXT,
    created TEXT NOT NULL,
    last_used TEXT
);
CREATE TABLE IF NOT EXISTS desk_sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES desk_users(id),
    csrf TEXT NOT NULL,
    created TEXT NOT NULL,
    expires TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS desk_drafts (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL DEFAULT 'draft',
    post_id INTEGER NOT NULL REFERENCES desk_posts(id),
    author_id INTEGER REFERENCES desk_users(id),
    reply_to TEXT,
    record_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reference_id TEXT UNIQUE,
    created TEXT,
    wire_text TEXT,
    released_by INTEGER REFERENCES desk_users(id),
    released_at TEXT,
    archived INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS desk_clearances (
    draft_id INTEGER NOT NULL REFERENCES desk_drafts(id),
    user_id INTEGER NOT NULL REFERENCES desk_users(id),
    comment TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS desk_inbox (
    id INTEGER PRIMARY KEY,
    draft_id INTEGER NOT NULL REFERENCES desk_drafts(id),
    post_id INTEGER NOT NULL REFERENCES desk_posts(id),
    kind TEXT NOT NULL,
    via TEXT,
    precedence_rank INTEGER NOT NULL,
    delivered_at TEXT NOT NULL,
    UNIQUE (draft_id, post_id)
);
CREATE INDEX IF NOT EXISTS desk_inbox_post ON desk_inbox(post_id, precedence_rank, delivered_at);
CREATE TABLE IF NOT EXISTS desk_reads (
    inbox_id INTEGER NOT NULL REFERENCES desk_inbox(id),
    user_id INTEGER NOT NULL REFERENCES desk_users(id),
    read_at TEXT NOT NULL,
    PRIMARY KEY (inbox_id, user_id)
);
CREATE TABLE IF NOT EXISTS desk_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    username TEXT,
    action TEXT NOT NULL,
    draft_id INTEGER,
    reference_id TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS desk_audit_draft ON desk_audit(draft_id);
"""

# v2: token ids and expiry (tokens from v1 expire 90 days after the upgrade), draft versions,
# login failures.
_V2 = """
CREATE TABLE desk_tokens_v2 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES desk_users(id),
    label TEXT,
    created TEXT NOT NULL,
    last_used TEXT,
    expires TEXT NOT NULL
);
INSERT INTO desk_tokens_v2(token_hash, user_id, label, created, last_used, expires)
    SELECT token_hash, user_id, label, created, last_used, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+90 days')
    FROM desk_tokens ORDER BY created, rowid;
DROP TABLE desk_tokens;
ALTER TABLE desk_tokens_v2 RENAME TO desk_tokens;
CREATE INDEX IF NOT EXISTS desk_tokens_user ON desk_tokens(user_id);
CREATE INDEX IF NOT EXISTS desk_sessions_user ON desk_sessions(user_id);
ALTER TABLE desk_drafts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE IF NOT EXISTS desk_login_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_at TEXT NOT NULL,
    locked_until TEXT
)
"""

_MIGRATIONS = [_V1, _V2]
DESK_SCHEMA_VERSION = len(_MIGRATIONS)


def _version(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name='desk_schema_version'").fetchone()
    if row is None:
        return 0
    return int(db.execute("SELECT coalesce(max(version), 0) FROM desk_schema_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> None:
    """Create or upgrade the desk tables (one IMMEDIATE transaction per migration)."""
    if _version(db) >= DESK_SCHEMA_VERSION:
        return
    with immediate(db):
        version = _version(db)
        for n in range(version + 1, DESK_SCHEMA_VERSION + 1):
            for statement in (s.strip() for s in _MIGRATIONS[n - 1].split(";\n")):
                if statement:
                    db.execute(statement)
            db.execute("DELETE FROM desk_schema_version")
            db.execute("INSERT INTO desk_schema_version(version) VALUES (?)", (n,))
