"""The cable desk: posts and people, drafting and validation, clearance, release, routing, inboxes.

    >>> from cablegram.desk import open_desk, add_post, add_user, save_draft, clear, release
    >>> desk = open_desk("cablegram.db")                         # doctest: +SKIP
    >>> moscow = add_post(desk, "AMEMBASSY MOSCOW")              # doctest: +SKIP

The desk keeps its tables (`desk_*`, see `cablegram.desk.schema`) beside the archive's, in its
SQLite file or its PostgreSQL database (`open_desk("postgresql://...")`, `cablegram.desk.schema_pg`);
released SIPDIS cables enter the archive itself. Reading goes through `cablegram.access`.
"""

from __future__ import annotations

from cablegram.desk.compose import DraftFormatError, build_cable, load_draft_text, normalize, to_yaml
from cablegram.desk.db import ACCESS_MODES, DeskDB, DeskError, access_mode, open_desk
from cablegram.desk.drafts import STATES, Draft, DraftConflict, get_draft, list_drafts, load_draft, save_draft
from cablegram.desk.inbox import InboxItem, inbox, open_message, reply
from cablegram.desk.people import (
    ROLES,
    TOKEN_DAYS,
    Post,
    Token,
    User,
    add_member,
    add_post,
    add_user,
    authenticate,
    create_token,
    get_post,
    get_user,
    list_posts,
    list_tokens,
    list_users,
    members_of,
    require_admin,
    revoke_token,
    set_next_sequence,
    set_next_serial,
    update_user,
    user_for_token,
)
from cablegram.desk.validate import Problem, blocking, validate
from cablegram.desk.workflow import Release, clear, release, store_in_archive

__all__ = [
    "ACCESS_MODES",
    "ROLES",
    "STATES",
    "TOKEN_DAYS",
    "DeskDB",
    "DeskError",
    "Draft",
    "DraftConflict",
    "DraftFormatError",
    "InboxItem",
    "Post",
    "Problem",
    "Release",
    "Token",
    "User",
    "access_mode",
    "add_member",
    "add_post",
    "add_user",
    "authenticate",
    "blocking",
    "build_cable",
    "clear",
    "create_token",
    "get_draft",
    "get_post",
    "get_user",
    "inbox",
    "list_drafts",
    "list_posts",
    "list_tokens",
    "list_users",
    "load_draft",
    "load_draft_text",
    "members_of",
    "normalize",
    "open_desk",
    "open_message",
    "release",
    "reply",
    "require_admin",
    "revoke_token",
    "save_draft",
    "set_next_sequence",
    "set_next_serial",
    "store_in_archive",
    "to_yaml",
    "update_user",
    "user_for_token",
    "validate",
]

