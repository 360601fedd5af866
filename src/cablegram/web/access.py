"""Every archive read of a controlled archive through the request's actor, and the read audit.

`cablegram.web.auth.DeskAuth` resolves the actor once per request and enters `reading_as(user)`;
`ControlledPool` (installed over the app's pool by `auth.install`) then hands each view an
`AuditedArchive`: the `ControlledArchive` of that actor (hidden cables, withheld portions) that
records in the audit log each classified cable the view shows them, once per request:

- `get`, `raw_text` and `versions` are what views show (the cable page, its `.txt`, `.json`,
  the raw and versions API, the graph's root);
- the cables a view only names (type-ahead, references, a thread's nodes, search hits) are looked
  up without an audit row: their text is not shown.

Nobody logged in sees nothing (`NOBODY`): fail closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from fastapi import Request

from cablegram.access import WITHHELD, access_filter, is_classified
from cablegram.archive.base import AccessFilter
from cablegram.desk import DeskDB, User
from cablegram.desk.controlled import ControlledArchive
from cablegram.model import Cable

__all__ = ["NOBODY", "AuditedArchive", "ControlledPool", "access_for", "reading_as"]

#: Sees nothing: the reader of a controlled archive when no one is logged in (fail closed).
NOBODY = AccessFilter(max_rank=-1)
_WITHHELD_PREFIX = WITHHELD.split("{", 1)[0]
_actor: ContextVar[tuple[User | None, str]] = ContextVar("cablegram_actor", default=(None, ""))
#: The access mode the request's middleware read (None outside a request: read it again).
_request_mode: ContextVar[str | None] = ContextVar("cablegram_access_mode", default=None)


@contextmanager
def reading_as(user: User | None, view: str = "", mode: str | None = None) -> Iterator[None]:
    """Archive reads in this block are this user's (None: an open archive, or nobody). `mode`:
    the archive's access mode as read for this request, which the block's archive connections
    then go by (one read of it per request, and the same answer for the whole request)."""
    token = _actor.set((user, view))
    mode_token = _request_mode.set(mode)
    try:
        yield
    finally:
        _request_mode.reset(mode_token)
        _actor.reset(token)


class AuditedArchive(ControlledArchive):
    """A `ControlledArchive` that records each classified cable it shows its reader (once)."""

    def __init__(self, inner: Any, reader: Any, desk: DeskDB | None, view: str = "", via: str = "web") -> None:
        super().__init__(inner, reader)
        self._desk = desk
        self._view = view
        self._via = via
        self._seen: set[str] = set()
        self._quiet = 0

    @contextmanager
    def _unaudited(self) -> Iterator[None]:
        self._quiet += 1
        try:
            yield
        finally:
            self._quiet -= 1

    def _record(self, cable: Cable | None, what: str) -> None:
        if cable is None or self._quiet or self._desk is None or not isinstance(self.reader, User):
            return
        rid = cable.reference_id or ""
        if rid in self._seen or not is_classified(cable):
            return
        self._seen.add(rid)
        withheld = sum(p.text.startswith(_WITHHELD_PREFIX) for p in cable.paragraphs)
        self._desk.audit("read", user=self.reader, reference_id=rid, detail={
            "classification": cable.classification_label, "via": self._via, "view": self._view, "shown": what,
            "withheld_paragraphs": withheld})

    def get(self, reference_id: str, *, access: AccessFilter | None = None) -> Any:
        cable = super().get(reference_id, access=access)
        self._record(cable, "record")
        return cable

    def raw_text(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        text = super().raw_text(reference_id, access=access)
        if text is not None and not self._quiet:
            with self._unaudited():
                cable = super().get(reference_id, access=access)
            self._record(cable, "text")
        return text

    def versions(self, reference_id: str, *, access: AccessFilter | None = None) -> Any:
        found = super().versions(reference_id, access=access)
        if found and not self._quiet:
            with self._unaudited():
                cable = super().get(reference_id, access=access)
            self._record(cable, "versions")
        return found

    def iter_records(self, query: str = "", *, access: AccessFilter | None = None) -> Iterator[Cable]:
        """An export shows each record it writes: each classified one is a read, recorded before
        it is handed on (and so before it is written)."""
        records = super().iter_records(query, access=access)
        while True:
            with self._unaudited():
                cable = next(records, None)
            if cable is None:
                return
            self._record(cable, "export")
            yield cable

    # the cables these only name (subjects of links and nodes, type-ahead) are not shown: no audit
    def references(self, reference_id: str, *, access: AccessFilter | None = None) -> Any:
        with self._unaudited():
            return super().references(reference_id, access=access)

    def thread(self, reference_id: str, depth: int = 2, *, access: AccessFilter | None = None) -> Any:
        with self._unaudited():
            return super().thread(reference_id, depth, access=access)

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        with self._unaudited():
            return super().suggest(prefix, limit=limit)


class ControlledPool:
    """The app's archive pool, handing out archives seen through the request's actor."""

    def __init__(self, inner: Any, desk: Callable[[], DeskDB]) -> None:
        self.inner = inner
        self.desk = desk

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @contextmanager
    def acquire(self) -> Iterator[Any]:
        with self.inner.acquire() as archive:
            desk = self.desk()
            if (_request_mode.get() or desk.access_mode) != "controlled":
                yield archive
                return
            user, view = _actor.get()
            yield AuditedArchive(archive, user if user is not None else NOBODY, desk if user else None, view)


def access_for(request: Request) -> AccessFilter | None:
    """`Settings.access_for`: the actor's `AccessFilter` in a controlled archive (nobody's when no
    one is logged in), None in an open one."""
    state = request.scope.get("state", {})
    if not state.get("desk_controlled"):
        return None
    user = state.get("desk_user")
    return access_filter(user) if user is not None else NOBODY
