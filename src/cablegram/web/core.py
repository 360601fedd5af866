"""What every view shares: the archive pool, the reader's access, templates, errors, caches.

Views get the archive through the `archive` dependency (a connection from a small pool, so
concurrent requests read in parallel), the reader's `AccessFilter` through `access`, render
pages with `page(...)` and fail with `WebError(status, message)`: the app turns that into a JSON
`{"error": message}` under `/api/` and into an HTML error page elsewhere.

When every connection is busy a request waits `Settings.pool_wait` seconds at most, then gets a
503 with `Retry-After`; each search runs within `Settings.query_timeout` seconds (enforced inside
SQLite, see `cablegram.archive.budget`), so busy connections come free again.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from cablegram.archive import AccessFilter, Archive, open_archive
from cablegram.archive.budget import DEFAULT_QUERY_TIMEOUT

__all__ = [
    "RETRY_AFTER",
    "ArchiveDep",
    "ArchivePool",
    "NavLink",
    "Reader",
    "Settings",
    "WebError",
    "access",
    "archive",
    "cached",
    "page",
]

T = TypeVar("T")


@dataclass(frozen=True)
class NavLink:
    """A link in the site's navigation bar. View modules list theirs in a module-level `nav`."""

    path: str
    label: str
    order: int = 50


@dataclass
class Settings:
    """How the app runs. `templates` is a directory whose templates override the built-in ones;
    `access_for(request)` gives the reader's `AccessFilter` (None: an open archive, see all);
    `pool_size` is the number of read connections; `pool_wait` how long (seconds) a request
    waits for one when all are busy before it gets a 503; `query_timeout` how long (seconds) a
    search may run before SQLite stops it (None: no limit)."""

    title: str = "cablegram"
    templates: str | Path | None = None
    access_for: Callable[[Request], AccessFilter | None] | None = None
    pool_size: int = 8
    pool_wait: float = 0.25
    query_timeout: float | None = DEFAULT_QUERY_TIMEOUT
    page_size: int = 20
    extra: dict[str, Any] = field(default_factory=dict)


class WebError(Exception):
    """A request that cannot be answered: the status code, a one-line message and any headers
    the answer needs (`Retry-After` on a 503)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


#: Seconds a client is told to wait (`Retry-After`) when every connection is busy.
RETRY_AFTER = 1


class ArchivePool:
    """Read connections to one archive, handed out one request at a time.

    Given a path, opens up to `size` read-only connections lazily; given an `Archive` object,
    shares that one object (requests then take turns). When all are busy, `acquire` waits `wait`
    seconds at most, then raises a 503 `WebError`. Each connection's searches stop after
    `query_timeout` seconds.
    """

    def __init__(self, source: str | Path | Archive, size: int = 8, *, wait: float = 0.25,
                 query_timeout: float | None = DEFAULT_QUERY_TIMEOUT) -> None:
        self._free: queue.LifoQueue[Archive] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._all: list[Archive] = []
        self.wait = max(0.0, wait)
        self.query_timeout = query_timeout
        if isinstance(source, str) and source.startswith(("postgresql://", "postgres://")):
            # one PostgresArchive: its own pool of `size` connections, safe to share by threads
            self.path: str | None = source
            self._size = max(1, size)
            shared = open_archive(source, readonly=True, pool_size=self._size)
            shared.query_timeout = query_timeout
            self._all.append(shared)
            for _ in range(self._size):
                self._free.put(shared)
        elif isinstance(source, (str, Path)):
            self.path = str(source)
            if not Path(self.path).exists():
                raise FileNotFoundError(f"no archive at {self.path}")
            self._size = max(1, size)
            self._release(self._open())  # fail now, not at the first request
        else:
            self.path = getattr(source, "path", None)
            self._size = 1
            self._all.append(source)
            self._free.put(source)

    def _open(self) -> Archive:
        assert self.path is not None
        archive = open_archive(self.path, readonly=True)
        archive.query_timeout = self.query_timeout
        self._all.append(archive)
        return archive

    def _release(self, archive: Archive) -> None:
        self._free.put(archive)

    @contextmanager
    def acquire(self) -> Iterator[Archive]:
        """A connection for the duration of the block."""
        try:
            archive = self._free.get_nowait()
        except queue.Empty:
            with self._lock:
                archive = self._open() if len(self._all) < self._size else None
            if archive is None:
                try:
                    archive = self._free.get(timeout=self.wait) if self.wait else \
                        self._free.get_nowait()
                except queue.Empty:
                    raise WebError(503, f"the server is busy (all {self._size} archive connections"
                                   f" are in use): try again in {RETRY_AFTER} s",
                                   {"Retry-After": str(RETRY_AFTER)}) from None
        try:
            yield archive
        finally:
            self._release(archive)

    def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever the archive's data may have changed (for caches)."""
        if self.path and not self.path.startswith("postgres") and Path(self.path).exists():
            out: list[Any] = []
            for suffix in ("", "-wal"):
                try:
                    st = os.stat(self.path + suffix)
                    out += [st.st_mtime_ns, st.st_size]
                except OSError:
                    out.append(None)
            return tuple(out)
        with self.acquire() as a:
            gen = getattr(a, "generation", None)
            return (gen() if gen else None,)

    def close(self) -> None:
        for a in self._all:
            a.close()


def archive(request: Request) -> Iterator[Archive]:
    """FastAPI dependency: an archive connection for this request."""
    with request.app.state.pool.acquire() as a:
        yield a


def access(request: Request) -> AccessFilter | None:
    """FastAPI dependency: what this reader may see (None: everything)."""
    resolver = request.app.state.settings.access_for
    return resolver(request) if resolver else None


def cached(request: Request, key: Any, compute: Callable[[], T]) -> T:
    """`compute()` once per `key` until the archive's data change (for whole-archive counts)."""
    state = request.app.state
    stamp = state.pool.fingerprint()
    cache: dict[Any, tuple[Any, Any]] = state.cache
    hit = cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]  # type: ignore[no-any-return]
    value = compute()
    if len(cache) > 256:
        cache.clear()
    cache[key] = (stamp, value)
    return value


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a template with the common context (nav, settings, query box contents)."""
    templates = request.app.state.templates
    ctx = {"request": request, "nav": request.app.state.nav,
           "settings": request.app.state.settings, **context}
    ctx.setdefault("q", "")
    return templates.TemplateResponse(request, template, ctx, status_code=status)


#: A view's archive connection: `a: ArchiveDep`.
ArchiveDep = Annotated[Archive, Depends(archive)]
#: A view's reader (None: sees everything): `reader: Reader`.
Reader = Annotated[AccessFilter | None, Depends(access)]
