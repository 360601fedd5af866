"""A time budget for a query, enforced inside SQLite.

`time_budget(db, seconds)` installs a progress handler on the connection: SQLite calls it every
`STEPS` virtual-machine instructions (a few milliseconds of work at most, also inside FTS5's
ranking), and once the deadline has passed the handler makes SQLite abandon the statement.
The query then fails with `QueryTimeout`, a `QueryError` that says the limit. So a query that
would run for minutes (one a client has long given up on included) frees its connection and
its core within the budget. A query whose requester has gone away stops sooner: the web app
sets `cancelled` to an event it sets when the client disconnects (see `cablegram.web.app`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from cablegram.archive.query import QueryError

__all__ = [
    "DEFAULT_QUERY_TIMEOUT", "STEPS", "QueryCancelled", "QueryTimeout", "cancelled", "time_budget",
]

#: Seconds a search may take by default (the web server's `--query-timeout` sets its own).
#: Searches of the reading room take milliseconds; a query this slow is hostile or a mistake.
DEFAULT_QUERY_TIMEOUT = 5.0
#: The progress handler runs every STEPS SQLite instructions: ~1-20 ms of work for FTS5 queries
#: (one instruction may rank a row), and a negligible cost (a few hundred calls a second).
STEPS = 1000

#: Set (by the web app, per request) to an event that is set when nobody waits for the answer.
cancelled: ContextVar[threading.Event | None] = ContextVar("cablegram_query_cancelled",
                                                           default=None)
_deadlines: dict[int, float] = {}  # id(connection) -> the deadline of its outermost budget
_lock = threading.Lock()


class QueryTimeout(QueryError):
    """A query stopped because it ran longer than its time budget."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query took longer than the limit of {seconds:g} s and was stopped;"
                         " use fewer or rarer words, or narrow it with field filters")
        self.seconds = seconds


class QueryCancelled(QueryError):
    """A query stopped because its requester went away."""

    def __init__(self) -> None:
        super().__init__("the query was stopped: the client went away")


@contextmanager
def time_budget(db: sqlite3.Connection, seconds: float | None) -> Iterator[None]:
    """Statements run on `db` inside the block stop after `seconds` (None or 0: no limit), or
    once the `cancelled` event of the calling context is set.

    Nested budgets on one connection keep the outer one; the connection must be used by one
    thread at a time for the block's duration (as the web pool and the CLI use theirs).
    """
    key = id(db)
    gone = cancelled.get()
    with _lock:
        outer = key in _deadlines
    if outer or (not seconds and gone is None):
        yield
        return
    deadline = time.monotonic() + seconds if seconds else float("inf")
    with _lock:
        _deadlines[key] = deadline
    if gone is None:
        db.set_progress_handler(lambda: time.monotonic() > deadline, STEPS)
    else:
        db.set_progress_handler(lambda: gone.is_set() or time.monotonic() > deadline, STEPS)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupt" not in str(exc):
            raise
        if gone is not None and gone.is_set():
            raise QueryCancelled() from None
        if seconds and time.monotonic() > deadline:
            raise QueryTimeout(seconds) from None
        raise
    finally:
        db.set_progress_handler(None, 0)
        with _lock:
            _deadlines.pop(key, None)
