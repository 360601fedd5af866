"""Withdrawing a draft: it is deleted (with its clearances) while nothing has been sent; the audit
log keeps that it existed, who withdrew it and its subject."""

from __future__ import annotations

from cablegram.desk.db import DeskDB, DeskError
from cablegram.desk.drafts import get_draft
from cablegram.desk.people import User

__all__ = ["withdraw"]


def withdraw(desk: DeskDB, draft_id: int, user: User) -> None:
    """Delete draft `draft_id` (state draft or cleared) as its author or an admin of its post."""
    draft = get_draft(desk, draft_id, user)  # None unless the user may see it
    if draft is None or draft.post_id != user.post_id or draft.withheld:
        raise DeskError(f"no draft {draft_id}")
    if draft.state not in ("draft", "cleared"):
        raise DeskError(f"draft {draft_id} is {draft.state}: a sent cable cannot be withdrawn")
    if draft.author_id != user.id and not user.has("admin"):
        raise DeskError(f"only the author of draft {draft_id} or an admin may withdraw it")
    with desk.transaction() as db:
        state = db.execute("SELECT state FROM desk_drafts WHERE id = ?", (draft_id,)).fetchone()
        if state is None or state[0] not in ("draft", "cleared"):  # released meanwhile
            raise DeskError(f"draft {draft_id} can no longer be withdrawn")
        db.execute("DELETE FROM desk_clearances WHERE draft_id = ?", (draft_id,))
        db.execute("DELETE FROM desk_drafts WHERE id = ?", (draft_id,))
        desk.audit("draft.withdraw", user=user, draft_id=draft_id, db=db,
                   detail={"subject": draft.cable.subject, "state": draft.state})
