"""How a SQLite archive is tuned while ingest writes to it, and put back afterwards.

Two regimes:

- **Adding to an archive** (it holds cables already, readers may be open): WAL as always, a larger
  page cache, fewer and larger checkpoints, done from a second connection so that the writer
  seldom waits for them.
- **Filling an empty archive** (a bulk load): a rollback journal instead of the WAL and no
  fsync per commit (`synchronous = OFF`). Pages written to a growing file are then written once
  (the WAL writes each twice: to the log, then to the database), and no commit waits on the
  disk. Each batch is still one atomic transaction, so an ingest killed at any moment leaves the
  last committed batch and resumes from there. What the trade gives up is durability against a
  power cut *during* the load, of an archive that was empty before it: the file is synced once
  at the end, and the archive goes back to WAL.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator

__all__ = ["INGEST_CACHE_KIB", "READER_CACHE_KIB", "READER_MMAP_BYTES", "loading"]

#: SQLite page cache while ingesting (KiB): keeps the indexes' insertion points in memory.
INGEST_CACHE_KIB = 256 * 1024
#: What readers get (the archive's settings on open), put back after ingest: page cache (KiB)
#: and memory-mapped reads (bytes).
READER_CACHE_KIB = 64 * 1024
READER_MMAP_BYTES = 1024 * 1024 * 1024


class _Checkpointer(threading.Thread):
    """Copies the WAL into the database file from a second connection, so that the writer
    seldom waits for checkpoint I/O and fsync (SQLite releases the GIL while it does them)."""

    def __init__(self, path: str, every: float = 0.5) -> None:
        super().__init__(name="cablegram-checkpoint", daemon=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA busy_timeout = 0")
        self.every = every
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            with contextlib.suppress(sqlite3.Error):  # busy: the next round
                self.db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.db.close()


def _bulk_journal(db: sqlite3.Connection) -> bool:
    """Switch to a rollback journal without fsync; False when another connection holds the
    file open in WAL mode (then the load stays in WAL)."""
    try:
        mode = db.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError:  # locked by a reader
        return False
    if str(mode).lower() != "delete":
        return False
    db.execute("PRAGMA synchronous = OFF")
    return True


def _back_to_wal(db: sqlite3.Connection, path: str) -> None:
    db.execute("PRAGMA synchronous = NORMAL")
    with contextlib.suppress(sqlite3.OperationalError):  # a reader came: WAL on the next open
        db.execute("PRAGMA journal_mode = WAL")
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)  # the load wrote without syncing: make it durable now
    finally:
        os.close(fd)


@contextlib.contextmanager
def loading(db: sqlite3.Connection, path: str | None, *, bulk: bool) -> Iterator[None]:
    """Tune `db` (the archive at `path`) for ingest; put the readers' settings back after."""
    on_disk = bool(path) and path != ":memory:"
    rollback = bulk and on_disk and _bulk_journal(db)
    db.execute(f"PRAGMA cache_size = {-INGEST_CACHE_KIB}")
    db.execute("PRAGMA mmap_size = 0")  # memory-mapped reads are for searching
    if not rollback:
        db.execute("PRAGMA wal_autocheckpoint = 10000")  # fewer, larger checkpoints
    # one FTS5 merge per 16 segments of a level rather than 4: less rewriting while loading
    db.execute("INSERT INTO cables_fts(cables_fts, rank) VALUES ('automerge', 16)")
    checkpointer = _Checkpointer(path) if on_disk and not rollback and path else None
    if checkpointer is not None:
        checkpointer.start()
    try:
        yield
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        db.execute("INSERT INTO cables_fts(cables_fts, rank) VALUES ('automerge', 4)")
        db.execute("PRAGMA wal_autocheckpoint = 1000")
        db.execute(f"PRAGMA cache_size = {-READER_CACHE_KIB}")
        db.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
        if rollback and path:
            _back_to_wal(db, path)
