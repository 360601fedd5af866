"""A time budget for a query, enforced inside SQLite.

`time_budget(db, seconds)` installs a progress handler on the connection: SQLite calls it every
`STEPS` virtual-machine instructions (a few milliseconds of work at most, also inside FTS5's
ranking), and once the deadline has passed the handler makes SQLite abandon the statement.
The query then fails with `QueryTimeout`, a `QueryError` that says the limit. So a query that
would run for minutes (one a client has long given up on included) frees its connection and
its core within the budget. A query whose requester has gone away stops sooner: the web app
sets `cancelled` to an event it sets when the client disconnects (see `cablegram.web.app`).

Short queries go first: a query that has run longer than GRACE seconds while younger ones run
(on other connections) pauses in its handler, four times as long as it worked since the last
call, so that a few heavy queries cannot take the cores from many quick ones. Alone, it runs
at full speed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from cablegram.archive.query import QueryError

__all__ = [
    "DEFAULT_QUERY_TIMEOUT", "GRACE", "STEPS", "QueryCancelled", "QueryTimeout", "cancelled", "time_budget",
]

#: Seconds a search may take by default (the web server's `--query-timeout` sets its own).
#: Searches of the reading room take milliseconds; a query this slow is hostile or a mistake.
DEFAULT_QUERY_TIMEOUT = 5.0
#: The progress handler runs every STEPS SQLite instructions: ~1-20 ms of work for FTS5 queries
#: (one instruction may rank a row), and a negligible cost (a few hundred calls a second).
STEPS = 1000
#: After this many seconds a query yields to younger ones (it works a fifth of the time).
GRACE = 0.2
_YIELD = 4.0  # pause / work
_MAX_PAUSE = 0.05

#: Set (by the web app, per request) to an event that is set when nobody waits for the answer.
cancelled: ContextVar[threading.Event | None] = ContextVar("cablegram_query_cancelled",
                                                           default=None)
_started: dict[int, float] = {}  # id(connection) -> when its outermost budget began
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


def _handler(start: float, deadline: float,
             gone: threading.Event | None) -> Callable[[], bool]:
    last = start

    def progress() -> bool:
        """True stops the statement; a long query pauses while younger ones run."""
        nonlocal last
        now = time.monotonic()
        if now > deadline or (gone is not None and gone.is_set()):
            return True
        if now - start > GRACE and any(now - t < GRACE for t in list(_started.values())):
            time.sleep(min(_MAX_PAUSE, (now - last) * _YIELD))
            now = time.monotonic()
        last = now
        return False

    return progress


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
        outer = key in _started
    if outer or (not seconds and gone is None):
        yield
        return
    start = time.monotonic()
    deadline = start + seconds if seconds else float("inf")
    with _lock:
        _started[key] = start
    db.set_progress_handler(_handler(start, deadline, gone), STEPS)
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
            _started.pop(key, None)
