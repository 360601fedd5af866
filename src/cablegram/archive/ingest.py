"""Ingest: raw records -> parsed cables -> archive, streaming, in batches, on every core.

The main process reads records, hashes each text and skips parsing for texts already stored
(resume and re-ingest are cheap); the rest are parsed in a process pool, batch by batch, and
written in read order, one transaction per batch. Every write is idempotent (content hash,
unique provenance rows), so a run killed at any moment and run again ends in the same tables as
an uninterrupted run. Memory stays bounded: at most `2 * workers` batches are in flight, and a
record over the size cap (`cablegram.sources.limits`) is quarantined with its head, not parsed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any, Protocol

from cablegram.archive import entities_store
from cablegram.archive.base import ArchiveWriter
from cablegram.archive.records import (
    Prepared,
    content_hash,
    prepare_batch,
    restore_raw,
    warm_up_parser,
)
from cablegram.archive.sqlite_loading import loading
from cablegram.model import Cable
from cablegram.sources.limits import HEAD_CHARS, max_record, over_limit

__all__ = ["IngestReport", "RawLike", "ingest"]


class RawLike(Protocol):
    """What ingest reads: `cablegram.sources.RawRecord` or anything shaped like it."""

    text: str
    source: dict[str, Any]
    error: str | None


@dataclass
class IngestReport:
    """What an ingest did. `updated` counts re-released texts (the previous kept as a version).

    `quarantined` counts records newly put in quarantine; `not_stored` every record of this run
    that could not be stored (a record quarantined by an earlier run too), and `problems` says
    why, for the first `MAX_PROBLEMS` of them.
    """

    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    quarantined: int = 0
    seconds: float = 0.0
    file: str | None = None
    not_stored: int = 0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


#: How many reasons an `IngestReport` keeps.
MAX_PROBLEMS = 20

#: How long a batch waits for the write lock (ms) while another ingest or writer holds it: they
#: take turns batch by batch, so waiting is right; the connection's own default is 5 s.
WRITE_WAIT_MS = 120_000

#: New cables are full-text indexed in bulk every so many (see `SQLiteArchive.index_pending`).
INDEX_EVERY = 4000

_Slot = Prepared | tuple[int, str]
_Item = tuple[str, dict[str, Any] | None, str | None, str | None]


@dataclass
class _Batch:
    """A batch in flight: its slots (known texts, or indexes into the parsed results) and the
    parsing (a worker's future, or results already at hand)."""

    slots: list[_Slot]
    work: Future[list[Prepared]] | list[Prepared] | None


def default_workers() -> int:
    """Parse processes: one per core."""
    return os.cpu_count() or 1


def _yield_to_writer() -> None:
    """Worker start-up: a lower CPU priority, so that the writer (the one process every batch
    goes through) keeps its core and the workers share what it leaves."""
    with contextlib.suppress(OSError):
        os.nice(10)


def _problem(p: Prepared) -> str:
    """`FILE LINE: reason` of a record that was not stored."""
    src = p.source or {}
    name = str(src.get("file") or "")
    reason = p.reason or ""
    if not name or name in reason:
        return reason
    for key in ("line", "row", "index"):
        if isinstance(src.get(key), int):
            return f"{name} ({key} {src[key]}): {reason}"
    return f"{name}: {reason}"


def _capped(r: RawLike, limit: int) -> tuple[str, str | None]:
    """The text and error ingest takes from `r`: a text over `limit` characters becomes its
    head and an error (the readers that stream cap their lines themselves)."""
    text = r.text or ""
    if r.error is None and len(text) > limit:
        return text[:HEAD_CHARS], over_limit("text", len(text), limit, "characters")
    return text, r.error


def _chunks(records: Iterable[RawLike], size: int) -> Iterator[list[RawLike]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def ingest(
    archive: ArchiveWriter,
    records: Iterable[RawLike],
    *,
    workers: int | None = None,
    batch: int = 250,
    parse: Callable[..., Cable] | None = None,
    on_batch: Callable[[IngestReport], None] | None = None,
    index_every: int = INDEX_EVERY,
    in_flight: int | None = None,
    max_record_chars: int | None = None,
) -> IngestReport:
    """Store `records` in `archive`; return the counts.

    `workers` parse processes (default: one per core; 0 parses in this process), at a lower
    CPU priority than the writer;
    `parse` replaces `cablegram.telegram.parse.parse` (it must be a picklable module-level
    function); `on_batch` is called with the running report after each committed batch.

    A backend that can defer its full-text index (`defer_index`, `index_pending()`: SQLite)
    indexes the new cables every `index_every` cables and at the end, in bulk, while the
    workers go on parsing: up to `in_flight` batches (default: enough to cover a catch-up) are
    parsed ahead of the writer.

    A text over `max_record_chars` (default: `cablegram.sources.limits.max_record()`) is
    quarantined with its head and the reason instead of being parsed.
    """
    workers = default_workers() if workers is None else workers
    limit = max_record(max_record_chars)
    report = IngestReport()
    started = time.perf_counter()
    known = archive.known_hashes()
    before, added = set(known.values()), set()  # reference ids: for the saved searches' alerts
    entities_store.ensure(archive)
    bulk = not known and hasattr(archive, "drop_lookup_indexes")
    db = getattr(archive, "db", None)  # SQLite tuning; other backends have their own
    tuning = (loading(db, getattr(archive, "path", None), bulk=bulk) if db is not None
              else contextlib.nullcontext())
    patience = _patient(db) if db is not None else contextlib.nullcontext()
    # a backend whose concurrent ingests agree on who builds the lookup indexes (PostgreSQL):
    # the last to end, whether or not it started the bulk load (it may resume one)
    session = getattr(archive, "ingest_session", None)
    finishing = bulk or session is not None
    with _short_switch_interval(), patience, tuning, \
            (session() if session is not None else contextlib.nullcontext()):
        deferring = hasattr(archive, "defer_index") and hasattr(archive, "index_pending")
        if bulk:  # an empty archive: build the readers' indexes once, at the end
            archive.drop_lookup_indexes()  # type: ignore[attr-defined]
        if deferring:
            archive.defer_index = True  # type: ignore[attr-defined]
        if in_flight is None:
            in_flight = max(2 * max(workers, 1), index_every // batch if deferring else 0)
        unindexed = 0
        if parse is None:
            warm_up_parser()
        # a backend's own work on each parsed cable, done in the workers (PostgreSQL: tsvectors)
        finish = getattr(archive, "prepare_hook", None)
        pool = (ProcessPoolExecutor(max_workers=workers, initializer=_yield_to_writer) if workers > 0
                else None)
        pending: deque[_Batch] = deque()

        def flush_one() -> None:
            nonlocal unindexed
            head = pending.popleft()
            slots, work = head.slots, head.work
            results: list[Prepared] = []
            if isinstance(work, Future):
                if deferring and not work.done() and unindexed >= index_every // 4:
                    # the workers are behind: index what is stored rather than wait
                    archive.index_pending()  # type: ignore[attr-defined]
                    unindexed = 0
                results = work.result()
            elif work is not None:
                results = work
            items = [s if isinstance(s, Prepared) else restore_raw(results[s[0]], s[1])
                     for s in slots]
            counts = archive.write_batch(items)
            entities_store.store(archive, items)
            unindexed += counts.get("stored", 0) + counts.get("updated", 0)
            if deferring and unindexed >= index_every:
                archive.index_pending()  # type: ignore[attr-defined]
                unindexed = 0
            for name in ("stored", "updated", "duplicates", "quarantined"):
                setattr(report, name, getattr(report, name) + counts.get(name, 0))
            added.update(p.reference_id for p in items if p.reason is None and p.cable and p.reference_id)
            for p in items:
                if p.reason is not None:
                    report.not_stored += 1
                    if len(report.problems) < MAX_PROBLEMS:
                        report.problems.append(_problem(p))
            if not bulk:  # a bulk load looks nothing up (see below)
                for p in items:
                    if p.reason is None and p.cable:
                        known[p.content_hash] = p.reference_id
            report.seconds = time.perf_counter() - started
            if on_batch is not None:
                on_batch(report)

        try:
            for chunk in _chunks(records, batch):
                slots: list[_Slot] = []
                to_parse: list[_Item] = []
                for r in chunk:
                    report.read += 1
                    text, error = _capped(r, limit)
                    # filling an empty archive, nothing can be known yet: the workers hash the texts
                    digest = None if bulk else content_hash(text)
                    if digest is not None and error is None and known.get(digest):
                        slots.append(Prepared(digest, "", r.source, reference_id=known[digest]))
                    else:
                        slots.append((len(to_parse), text))
                        to_parse.append((text, r.source, error, digest))
                    report.file = str((r.source or {}).get("file") or "")
                work: Future[list[Prepared]] | list[Prepared] | None = None
                if to_parse:
                    work = (pool.submit(prepare_batch, to_parse, parse, finish) if pool
                            else prepare_batch(to_parse, parse, finish))
                pending.append(_Batch(slots, work))
                while len(pending) > in_flight:
                    flush_one()
            while pending:
                flush_one()
            if pool is not None:
                pool.shutdown()
                pool = None
            if deferring:
                archive.index_pending()  # type: ignore[attr-defined]
            if finishing:
                archive.build_lookup_indexes()  # type: ignore[attr-defined]
        except Exception:
            if finishing:  # a source error: leave an archive that reads fast (what was stored stays)
                # on a full disk this fails too: the next open builds them (`_catch_up`)
                with contextlib.suppress(Exception):
                    archive.build_lookup_indexes()  # type: ignore[attr-defined]
            raise
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
            if deferring:
                archive.defer_index = False  # type: ignore[attr-defined]
    from cablegram.desk.alerts import after_ingest  # here: the desk package imports the archive

    after_ingest(archive, sorted(added - before))
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _patient(db: Any) -> Iterator[None]:
    """Wait up to `WRITE_WAIT_MS` for the write lock, then put the connection's wait back."""
    before = int(db.execute("PRAGMA busy_timeout").fetchone()[0])
    db.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_MS}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA busy_timeout = {before}")


@contextlib.contextmanager
def _short_switch_interval() -> Iterator[None]:
    """Worker results arrive in 64 KiB pipe reads, each needing the GIL back from a writer busy
    in Python: a short switch interval keeps the workers from stalling on a full pipe."""
    switch = sys.getswitchinterval()
    sys.setswitchinterval(min(switch, 0.0005))
    try:
        yield
    finally:
        sys.setswitchinterval(switch)
