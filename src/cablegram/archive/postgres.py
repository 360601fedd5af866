"""The PostgreSQL archive: the `Archive` and `ArchiveWriter` protocols over psycopg 3 and a
connection pool, for a team or a corpus past one machine.

    >>> archive = open_archive("postgresql://user@host/cablegram")    # doctest: +SKIP

The tables are SQLite's (see `postgres_schema.py`); the full-text index is `cables.tsv`, built
from the same tokens as FTS5's (see `postgres_query.py`), so totals and facet counts equal
SQLite's. Ranking is `ts_rank` (weights subject 1.0, tags 0.4, text 0.1) after subject hits
first, like SQLite's "rank" sort, but the scores are not BM25's: the order within a tier may
differ. Writers serialise on a table lock (one batch at a time across processes), so several
ingests into one database lose and duplicate nothing; new rows go in with COPY.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import ConnectionPool

from cablegram.archive import compress, postgres_reader, postgres_schema, reading
from cablegram.archive import dims as dims_mod
from cablegram.archive import postgres_search as pg_search
from cablegram.archive.base import (
    AccessFilter,
    Hit,
    SearchResult,
    Sort,
)
from cablegram.archive.budget import DEFAULT_QUERY_TIMEOUT
from cablegram.archive.postgres_query import POSTGRES, index_prepared, pg_text
from cablegram.archive.query import check_search, compile_for
from cablegram.archive.records import STORE_COLUMNS, CableRow, Prepared, current_key, dumps, position_of
from cablegram.archive.shared import ArchiveBase
from cablegram.model import Cable
from cablegram.transactions import pg_sql

if TYPE_CHECKING:
    import pandas

    from cablegram.archive.reader import ReaderSource

__all__ = ["PostgresArchive", "is_postgres_url", "redacted"]

_CHILD_TABLES = ("addressees", "tags", "paragraphs", "defects", "people", "offices")
_COPY = {
    "cables": f"COPY cables (id, {', '.join(STORE_COLUMNS)}, dict_id, body, tsv,"
                   " subject_tsv) FROM STDIN",
    "cable_facets": "COPY cable_facets (id, origin_id, class_id, class_rank, caveat_mask, day)"
                    " FROM STDIN",
    "addressees": "COPY addressees (cable_id, kind, position, name, routing_indicator,"
                  " precedence, serial) FROM STDIN",
    "tags": "COPY tags (cable_id, position, tag) FROM STDIN",
    "refs": "COPY refs (from_id, position, label, to_id, text) FROM STDIN",
    "paragraphs": "COPY paragraphs (cable_id, position, number, marking, heading) FROM STDIN",
    "defects": "COPY defects (cable_id, code, message, line) FROM STDIN",
    "people": "COPY people (cable_id, role, position, name, office) FROM STDIN",
    "offices": "COPY offices (cable_id, role, code, copies) FROM STDIN",
}


#: The advisory lock every ingest of one archive (schema) holds shared while it loads.
_INGEST_KEY = "hashtext(current_schema() || '.cablegram.ingest')"
#: `maintenance_work_mem` of the lookup indexes' build (B-trees: one sort each).
_BUILD_MEMORY = "256MB"
#: ... and of the GIN index's: its build collects keys in a tree until this is full, then adds
#: them to the index. Small is faster: a tree that fits in the CPU's caches costs less than
#: adding each key a few times (dev corpus, 1.7 M distinct keys: 25 s of server CPU with 8 MB,
#: 31 s with 32 MB, 41 s with 256 MB).
_GIN_BUILD_MEMORY = "8MB"
#: The full-text index's pending list (`gin_pending_list_limit`, default 4 MB): the new keys
#: each write adds wait there until it is full, then move into the index. Its pages stay in the
#: index file once emptied (reused by the next list, never given back), so a load leaves the
#: index larger by about the list's size; a shorter list moves keys more often, for more of the
#: server's CPU. Dev corpus, one ingest, two alternating rounds (`cables_tsv`; the server's CPU
#: seconds): 4 MB 18.2 and 18.2 MB, 6.0 and 5.7 s; 2 MB 15.2 and 14.0 MB, 6.1 and 5.8 s; 1 MB
#: 14.7 and 14.7 MB, 6.9 and 6.6 s (built at once by `REINDEX`: 14.8 MB; 64 MB: 77 MB). Searches
#: read the whole list too, so a short one costs them less.
_GIN_PENDING = "2MB"


def is_postgres_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    return re.sub(r"^(\w+://[^:/@]+):[^@]*@", r"\1:***@", url)


def _row(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(map(pg_text, values))


def _configure(conn: psycopg.Connection) -> None:
    """A new pooled connection: no JIT (searches turn `enable_seqscan` off, which makes every
    plan look costly enough to compile: ~0.5 s of JIT for a 10 ms query); LZ4 for the TOAST
    compression of what it writes (texts, records, tsvectors), several times faster than the
    default pglz to write and to read back (a phrase search re-reads each candidate's tsvector),
    where the server has it; a GIN pending list of `_GIN_PENDING`."""
    conn.execute("SET jit = off")
    conn.execute(f"SET gin_pending_list_limit = '{_GIN_PENDING}'")
    with contextlib.suppress(psycopg.Error):
        conn.execute("SET default_toast_compression = 'lz4'")


class PostgresArchive(ArchiveBase):
    """An archive in a PostgreSQL database (created and migrated on open)."""

    #: Run by the ingest's parsing workers on each parsed cable: its tsvectors (see `ingest`).
    prepare_hook = staticmethod(index_prepared)
    #: How the query compiler writes this backend's SQL (tsquery).
    dialect = POSTGRES

    def __init__(self, url: str, *, readonly: bool = False, pool_size: int = 4) -> None:
        self.url = self.path = url
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                if not readonly:
                    postgres_schema.migrate(conn)
                elif not conn.execute("SELECT 1 FROM pg_class c JOIN pg_namespace n"
                                      " ON n.oid = c.relnamespace WHERE n.nspname = current_schema()"
                                      " AND c.relname = 'cables'").fetchone():
                    raise FileNotFoundError(f"no archive at {redacted(url)}")
        except psycopg.OperationalError as exc:
            raise ConnectionError(f"cannot connect to {redacted(url)}: {str(exc).strip()}") from None
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                   kwargs={"autocommit": True}, name="cablegram",
                                   configure=_configure)
        self._dims: dict[str, dict[Any, Any]] | None = None
        self._dims_gen: int | None = None
        self._addressees: tuple[int, dims_mod.KnownNames] | None = None
        self._cache: dict[Any, Any] = {}
        #: The session of the search running on this thread (see `_searching`).
        self._pinned = threading.local()
        self._ingest_conn: psycopg.Connection | None = None
        #: Seconds a search may take (None: no limit), as `SQLiteArchive.query_timeout`.
        self.query_timeout: float | None = DEFAULT_QUERY_TIMEOUT
        #: Compresses and decompresses the stored bodies (texts and records).
        self.codec = compress.Codec(self._dictionaries)

    def _dictionaries(self) -> dict[int, bytes]:
        with self._connection() as conn:
            return postgres_schema.dictionaries(conn)

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection, or inside a search its own (see `_searching`)."""
        session = getattr(self._pinned, "session", None)
        if session is not None:
            yield session.conn
            return
        with self.pool.connection() as conn:
            yield conn

    # --- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        """Close every pooled connection."""
        self.pool.close()

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query written with `?` placeholders (the SQL shared with SQLite,
        as in `graph.py`)."""
        return self._all(pg_sql(sql), params)

    def _all(self, sql: str, params: Sequence[Any] = (), *,
             text: bool = False) -> list[tuple[Any, ...]]:
        session = getattr(self._pinned, "session", None)
        if session is not None:  # inside a search: on its connection (see `_searching`)
            return session.all(sql, params, text=text)  # type: ignore[no-any-return]
        with self.pool.connection() as conn:
            if not text:
                return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
            with conn.transaction():
                # The planner does not cost reading (detoasting) every tsvector: for a common
                # word it scans the table, ~10x slower than the GIN index it then skips.
                conn.execute("SET LOCAL enable_seqscan = off")
                return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        session = getattr(self._pinned, "session", None)
        if session is not None:  # inside a search: on its connection (see `_searching`)
            rows = session.all(sql, params)
            return rows[0] if rows else None  # type: ignore[no-any-return]
        with self.pool.connection() as conn:
            return conn.execute(sql, params).fetchone()  # type: ignore[arg-type]

    def generation(self) -> int:
        """Moves on every committed write, from any process: a cache key. Inside `search` (on
        its thread), the generation the search reads with its first statement: the caches it
        consults (dimensions, facet combinations, addressee names) then cost no round trip."""
        session = getattr(self._pinned, "session", None)
        if session is not None:
            return int(session.generation())
        row = self._one(pg_search.GENERATION_SQL)
        return int(row[0]) if row else 0

    @contextlib.contextmanager
    def _searching(self, s: pg_search.Session) -> Iterator[None]:
        """For the block, on this thread: `generation()` is the one `s` reads with its first
        statement, and every read (`fetch`, the compiler's look-ups) runs on `s`'s connection, in
        its transaction: a search never holds two pooled connections, which with every
        connection busy would wait for one another (a pool of 8 and 8 searches at once: each
        held one and waited 30 s for a second, then failed)."""
        outer = getattr(self._pinned, "session", None)
        s.ask_generation()
        self._pinned.session = s
        try:
            yield
        finally:
            self._pinned.session = outer

    def dims(self) -> dict[str, dict[Any, Any]]:
        """Origins, classifications and caveat bits, cached until another write."""
        gen = self.generation()
        if self._dims is None or gen != self._dims_gen:
            with self._connection() as conn:
                self._dims = self._load_dims(conn)
            self._dims_gen = gen
        return self._dims

    @staticmethod
    def _load_dims(conn: psycopg.Connection) -> dict[str, dict[Any, Any]]:
        return {
            "origin": {r[0]: (r[1], r[2]) for r in
                       conn.execute("SELECT id, label, station FROM origins")},
            "class": {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
                "SELECT id, label, classification, rank FROM classifications")},
            "caveat": {r[1]: r[0] for r in conn.execute("SELECT bit, caveat FROM caveat_bits")},
        }

    # --- resolver for the query compiler ------------------------------------------------------

    def released_dates(self, reference_ids: Sequence[str]) -> dict[str, str | None]:
        """When each of `reference_ids` was released (those in the archive)."""
        rows = self._all("SELECT reference_id, released FROM cables WHERE reference_id = ANY(%s)",
                         (list(reference_ids),))
        return {r[0]: r[1] for r in rows}

    def addressee_names(self, value: str) -> list[str]:
        gen = self.generation()
        if self._addressees is None or self._addressees[0] != gen:
            names = (r[0] for r in self._all("SELECT DISTINCT name FROM addressees"))
            self._addressees = (gen, dims_mod.known_names(names))
        return dims_mod.addressee_names(self._addressees[1], value)

    # --- writing ------------------------------------------------------------------------------

    def known_hashes(self) -> dict[str, str | None]:
        """Content hash -> reference id (None for quarantined) of every text already stored."""
        known: dict[str, str | None] = {}
        with self.pool.connection() as conn:
            for h, ref in conn.execute("SELECT content_hash, reference_id FROM versions"):
                known[h] = ref
            for h, ref in conn.execute("SELECT content_hash, reference_id FROM cables"):
                known[h] = ref
            for (h,) in conn.execute("SELECT content_hash FROM quarantine"):
                known.setdefault(h, None)
        return known

    @contextlib.contextmanager
    def ingest_session(self) -> Iterator[None]:
        """Held by each ingest for its whole run: a shared advisory lock, on a connection of its
        own, that tells every ingest of this archive which ones are still loading (see
        `build_lookup_indexes`)."""
        conn, outer = psycopg.connect(self.url, autocommit=True), self._ingest_conn
        try:
            conn.execute(f"SELECT pg_advisory_lock_shared({_INGEST_KEY})")
            self._ingest_conn = conn
            yield
        finally:
            self._ingest_conn = outer
            conn.close()  # and with it any advisory lock it still holds

    def drop_lookup_indexes(self) -> None:
        """Drop the readers' indexes before a bulk load into an empty archive, all but the GIN
        index over the whole cables: its pending list takes each batch's new keys and moves
        them into the index a few MB at a time (`gin_pending_list_limit`), in the writer's
        batch, while the parsing workers go on. Built at the end instead, in one process, it
        was most of the load's time, with one core busy and the other idle (dev corpus, 1,000
        cables: 58 s and 6.2 s of server CPU with the build at the end; 39 s and 5.2 s)."""
        with self.pool.connection() as conn, conn.transaction():
            # still empty once no other writer can add: concurrent ingests each see an empty
            # archive, and only the first may drop what the others read
            conn.execute("LOCK TABLE cables IN EXCLUSIVE MODE")
            if conn.execute("SELECT 1 FROM cables LIMIT 1").fetchone() is None:
                postgres_schema.drop_lookup_indexes(conn, keep=(postgres_schema.FULL_TEXT_INDEX,))

    def build_lookup_indexes(self) -> int:
        """Create the readers' indexes a bulk load dropped; return how many were missing.

        Inside `ingest_session`, only the last ingest of those running at once builds them (an
        ingest that ends while another still loads leaves them to it: built earlier, the other's
        remaining rows would go in one by one, and each build would wait for its batches). The
        full-text index is built on a connection of its own while the others are built on this
        one: it takes most of the time, and the server has more than one core."""
        with self.pool.connection() as conn:
            if not postgres_schema.missing_lookup_indexes(conn):
                return 0
        session = self._ingest_conn
        if session is not None:
            session.execute(f"SELECT pg_advisory_unlock_shared({_INGEST_KEY})")
            self._ingest_conn = None  # our turn is over, whether or not we build
            if not session.execute(f"SELECT pg_try_advisory_lock({_INGEST_KEY})").fetchone()[0]:
                return 0  # another ingest is still loading: it builds them when it ends
        with self.pool.connection() as conn:
            conn.execute(f"SET maintenance_work_mem = '{_BUILD_MEMORY}'")
            with conn.transaction():  # one builder at a time (an ingest, or a copy)
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()"
                             " || '.cablegram.indexes'))")
                with ThreadPoolExecutor(1) as side:
                    gin = side.submit(self._build_alone, postgres_schema.FULL_TEXT_INDEX,
                                      _GIN_BUILD_MEMORY)
                    n = postgres_schema.create_lookup_indexes(
                        conn, skip=(postgres_schema.FULL_TEXT_INDEX,))
                    n += gin.result()
            for (table,) in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                                         ).fetchall():  # this archive's tables, not the whole database's
                conn.execute(f'ANALYZE "{table}"')
            conn.execute("RESET maintenance_work_mem")
        return n

    def _build_alone(self, name: str, memory: str) -> int:
        """Build the lookup index `name` (if missing) on a pooled connection of its own."""
        with self.pool.connection() as conn:
            conn.execute(f"SET maintenance_work_mem = '{memory}'")
            try:
                return postgres_schema.create_lookup_indexes(conn, only=(name,))
            finally:
                conn.execute("RESET maintenance_work_mem")

    def write_batch(self, items: Sequence[Prepared]) -> Counter[str]:
        """Store a batch in one transaction; count stored/updated/duplicates/quarantined.

        Writers take turns (an EXCLUSIVE lock on `cables`, which readers do not wait for),
        so ids, versions, the dimension tables and the compression dictionary stay consistent
        with many ingest processes."""
        counts: Counter[str] = Counter()
        # compressed before the lock, so that another writer's turn overlaps this work (once the
        # archive has its dictionary: the first batches are compressed inside, see `_Writer.body`)
        bodies = {id(p.cable): self.codec.compress(compress.pack(p.cable.raw_text, p.cable.record_json))
                  for p in items if p.reason is None and p.cable} if self.codec.current else {}
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE cables IN EXCLUSIVE MODE")
            writer = _Writer(conn, self.codec, bodies)
            writer.write(items, counts)
            conn.execute("UPDATE archive_state SET generation = generation + 1")
        if writer.recompressed:
            # the rows stored before the dictionary were rewritten: their old versions (and the
            # old bodies in TOAST) are dead; marked free now, the next batches' rows fill them
            # (left to autovacuum, a load often ran past them: dev corpus, ~3.7 MB of 125 MB);
            # only rows no open transaction of the database can still see are freed, so on a
            # busy shared server some loads still leave them (the figures vary by ~5 MB)
            with self.pool.connection() as conn:
                conn.execute("VACUUM cables, versions")
        return counts

    # --- reading ------------------------------------------------------------------------------

    def reader_source(self, access: AccessFilter) -> ReaderSource:
        """The match source of what `access` sees (see `cablegram.archive.reader`), built when the
        archive changed since the last one."""
        return postgres_reader.reader_source(self, access)

    def search(self, query: str, *, filters: str | None = None, facets: Sequence[str] = (),
               limit: int = 20, offset: int = 0, sort: Sort = "rank",
               access: AccessFilter | None = None, reader: ReaderSource | None = None) -> SearchResult:
        """Search with the query language; the same contract as `SQLiteArchive.search` (`reader`:
        see `cablegram.archive.reader`)."""
        check_search(facets, sort, limit, offset)
        with pg_search.session(self, query) as s, self._searching(s):
            plan = compile_for(self, query, filters, access, reader)
            total, counts = pg_search.counts(self, s, plan, facets, reader)
            page = pg_search.page(s, plan, sort, limit, offset, total, reader) \
                if limit and total > offset else []
            hits = pg_search.hits(self, s, plan, page, (query, filters), reader)
        return SearchResult(query=query, total=total, hits=hits, facets=counts, offset=offset,
                            limit=limit)

    def hits_of(self, query: str, ids: Sequence[int], *, access: AccessFilter | None = None,
                reader: ReaderSource | None = None) -> list[Hit]:
        """The hits of the cables with row ids `ids`, in that order, as `search` for `query` shows
        them (subjects and snippets; a cable of R as the reader sees it), without searching,
        counting or ranking (`SQLiteArchive.hits_of`). Those `access` hides are left out."""
        if not ids:
            return []
        plan = compile_for(self, query, None, access, reader)
        with pg_search.session(self, query) as s:
            shown = {int(i) for (i,) in s.all(f"SELECT f.id FROM cable_facets f WHERE f.id = ANY(%s)"
                                             f" AND {self.access_sql(access)}", (list(ids),))}
            return pg_search.hits(self, s, plan, [(i, None) for i in ids if i in shown], (query,), reader)

    def iter_records(self, query: str = "", *, access: AccessFilter | None = None,
                     reader: ReaderSource | None = None) -> Iterator[Cable]:
        """Every matching cable's full record (as stored), by date; with `reader`, the matches as
        that reader sees them."""
        plan = compile_for(self, query, None, access, reader)
        frm, params, _ = pg_search.source(plan, reader=reader)
        with pg_search.session(self, query) as s:
            ids = [r[0] for r in s.all(f"SELECT f.id {frm} ORDER BY f.day, f.id", params,
                                       text=plan.match is not None)]
        yield from reading.records(self, ids)

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """Type-ahead: origins, tags and reference ids that start with `prefix`."""
        return reading.suggest(self, prefix, limit)

    def stats(self, *, access: AccessFilter | None = None) -> dict[str, Any]:
        """Counts by year, origin, classification, top tags; quarantine and versions."""
        return reading.stats(self, access)

    def to_pandas(self, query: str = "", *,
                  access: AccessFilter | None = None) -> pandas.DataFrame:
        """The matching cables as a DataFrame, one row each (flat metadata + body text), typed as
        on SQLite: `created`/`released` are UTC timestamps, list columns hold lists."""
        from cablegram.archive.export import frame

        return frame(self, query, access=access)



class _Writer:
    """One batch, inside the writers' lock: the same decisions as `SQLiteArchive.write_batch`
    (idempotent on the content hash, re-releases kept as versions, quarantine)."""

    def __init__(self, conn: psycopg.Connection, codec: compress.Codec,
                 bodies: dict[int, tuple[int, bytes]] | None = None) -> None:
        self.conn = conn
        self.codec = codec
        self.bodies = bodies or {}  # id(CableRow) -> (dict_id, body), compressed beforehand
        self.dims = PostgresArchive._load_dims(conn)
        self.by_label = {kind: {row[0]: i for i, row in self.dims[kind].items()}
                         for kind in ("origin", "class")}
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _COPY}
        #: Whether this batch trained the dictionary and so rewrote the rows stored before it.
        self.recompressed = False

    def write(self, items: Sequence[Prepared], counts: Counter[str]) -> None:
        conn = self.conn
        self.train_dictionary(items)
        top = conn.execute("SELECT coalesce(max(id), 0) FROM cables").fetchone()
        next_id = int(top[0] if top else 0) + 1
        current: dict[str, tuple[int, str, str | None, str | None]] = {}
        wanted = list({p.reference_id for p in items if p.reason is None and p.cable})
        if wanted:
            for cid, ref, h, released, created in conn.execute(
                    "SELECT id, reference_id, content_hash, released, created FROM cables"
                    " WHERE reference_id = ANY(%s)", (wanted,)):
                current[ref] = (cid, h, released, created)
        sources: list[tuple[Any, ...]] = []
        for p in items:
            if p.reason is not None:
                src = p.source or {}
                pos = position_of(src)
                cur = conn.execute(
                    "INSERT INTO quarantine(reason, content_hash, format, file, position,"
                    " raw_text, source_json) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    _row((p.reason, p.content_hash, src.get("format"), str(src.get("file") or ""),
                          pos if pos is not None else -1, p.raw_text,
                          dumps(src, default=str) if src else None)))
                sources.append(_source_row(p, True))
                counts["quarantined" if cur.rowcount else "duplicates"] += 1
                continue
            if not p.cable:  # a text already known: provenance only
                sources.append(_source_row(p, p.reference_id is None))
                counts["duplicates"] += 1
                continue
            sources.append(_source_row(p, False))
            assert p.reference_id is not None
            known = current.get(p.reference_id)
            if known is None:
                current[p.reference_id] = (next_id, p.content_hash, p.released, p.cable.created)
                self.add(next_id, p, new=True)
                next_id += 1
                counts["stored"] += 1
                continue
            cable_id, current_hash, current_released, current_created = known
            self.flush()
            if current_hash == p.content_hash or conn.execute(
                    "SELECT 1 FROM versions WHERE cable_id = %s AND content_hash = %s",
                    (cable_id, p.content_hash)).fetchone():
                counts["duplicates"] += 1
                continue
            counts["updated"] += 1
            if current_key(p.released, p.cable.created, p.content_hash) < current_key(
                    current_released, current_created, current_hash):
                assert p.cable is not None
                conn.execute(  # ranks below the current text: a version only
                    "INSERT INTO versions(cable_id, reference_id, content_hash, released,"
                    " dict_id, body) VALUES (%s, %s, %s, %s, %s, %s)",
                    (*_row((cable_id, p.reference_id, p.content_hash, p.released)),
                     *self.body(p.cable)))
                continue
            self.replace(cable_id, p)
            current[p.reference_id] = (cable_id, p.content_hash, p.released, p.cable.created)
        self.flush()
        if sources:
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO sources(content_hash, reference_id, quarantined, format, file,"
                    " position, metadata_json) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING", sources)

    def replace(self, cable_id: int, p: Prepared) -> None:
        """A re-release: keep the current text as a version, store `p` in its place."""
        conn = self.conn
        assert p.cable is not None
        conn.execute(
            "INSERT INTO versions(cable_id, reference_id, content_hash, released, dict_id,"
            " body) SELECT id, reference_id, content_hash, released, dict_id, body"
            " FROM cables WHERE id = %s", (cable_id,))
        for table in _CHILD_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE cable_id = %s", (cable_id,))
        conn.execute("DELETE FROM refs WHERE from_id = %s", (p.reference_id,))
        conn.execute("DELETE FROM cable_facets WHERE id = %s", (cable_id,))
        conn.execute(
            f"UPDATE cables SET {', '.join(c + ' = %s' for c in STORE_COLUMNS)},"
            " dict_id = %s, body = %s, tsv = %s::tsvector, subject_tsv = %s::tsvector"
            " WHERE id = %s",
            (*_row(p.cable.columns), *self.body(p.cable), *_index(p), cable_id))
        self.add(cable_id, p, new=False)
        self.flush()

    def add(self, cable_id: int, p: Prepared, *, new: bool) -> None:
        f = p.facet
        rows = self.rows
        if new:
            assert p.cable is not None
            rows["cables"].append((cable_id, *_row(p.cable.columns), *self.body(p.cable),
                                   *_index(p)))
        rows["cable_facets"].append((
            cable_id, self.dim_id("origin", f["origin"], (f["station"],)),
            self.dim_id("class", f["class_label"], (f["classification"], f["rank"])),
            f["rank"], self.caveat_mask(f["caveats"]), f["day"]))
        rows["addressees"].extend(_row((cable_id, *a)) for a in p.addressees)
        rows["tags"].extend(_row((cable_id, i, t)) for i, t in enumerate(p.tags))
        rows["refs"].extend(_row((p.reference_id, *r)) for r in p.refs)
        rows["paragraphs"].extend(_row((cable_id, *x)) for x in p.paragraphs)
        rows["defects"].extend(_row((cable_id, *d)) for d in p.defects)
        rows["people"].extend(_row((cable_id, *x)) for x in p.people)
        rows["offices"].extend(_row((cable_id, *x)) for x in p.offices)

    def body(self, row: CableRow) -> tuple[int, bytes]:
        """(dict_id, body): the text and record, compressed (with any dictionary the archive
        has: each body names its own)."""
        done = self.bodies.get(id(row))
        return done if done is not None else self.codec.compress(compress.pack(row.raw_text,
                                                                                row.record_json))

    def train_dictionary(self, items: Sequence[Prepared]) -> None:
        """Train the archive's first dictionary once it has `TRAIN_AT` cables (stored and new
        in this batch) and recompress the few stored before it, as SQLite's writer does."""
        if self.codec.current:
            return
        conn = self.conn
        self.codec.reload()  # another process may have trained it (we hold the writers' lock)
        if self.codec.current:
            return
        row = conn.execute("SELECT count(*) FROM cables").fetchone()
        new = [p.cable for p in items if p.reason is None and p.cable is not None]
        if (row[0] if row else 0) + len(new) < compress.TRAIN_AT:
            return
        samples = [self.codec.decompress(d, bytes(b)) for d, b in conn.execute(
            "SELECT dict_id, body FROM cables ORDER BY id")]
        samples += [compress.pack(c.raw_text, c.record_json)
                    for c in new[:max(0, compress.TRAIN_AT - len(samples))]]
        postgres_schema.store_dictionary(conn, self.codec, compress.train(samples), len(samples))
        for table in ("cables", "versions"):
            rows = conn.execute(f"SELECT id, dict_id, body FROM {table}").fetchall()
            with conn.cursor() as cur:
                cur.executemany(f"UPDATE {table} SET dict_id = %s, body = %s WHERE id = %s",
                                [(*self.codec.compress(self.codec.decompress(d, bytes(b))), i)
                                 for i, d, b in rows])
            self.recompressed = self.recompressed or bool(rows)

    def flush(self) -> None:
        with self.conn.cursor() as cur:
            for table, rows in self.rows.items():
                if not rows:
                    continue
                with cur.copy(_COPY[table]) as copy:
                    for r in rows:
                        copy.write_row(r)
                rows.clear()

    def dim_id(self, kind: str, key: str, extra: tuple[Any, ...]) -> int:
        found = self.by_label[kind].get(key)
        if found is not None:
            return found
        if kind == "origin":
            sql = "INSERT INTO origins(label, station) VALUES (%s, %s) RETURNING id"
        else:
            sql = ("INSERT INTO classifications(label, classification, rank)"
                   " VALUES (%s, %s, %s) RETURNING id")
        row = self.conn.execute(sql, _row((key, *extra))).fetchone()
        assert row is not None
        self.dims[kind][row[0]] = (key, *extra)
        self.by_label[kind][key] = row[0]
        return int(row[0])

    def caveat_mask(self, caveats: list[str]) -> int:
        bits = self.dims["caveat"]
        mask = 0
        for c in caveats:
            if c not in bits and len(bits) < 62:
                bits[c] = len(bits)
                self.conn.execute("INSERT INTO caveat_bits(bit, caveat) VALUES (%s, %s)",
                                  _row((bits[c], c)))
            if c in bits:
                mask |= 1 << bits[c]
        return mask


def _index(p: Prepared) -> tuple[Any, ...]:
    """The tsvectors of `p`: made by the parsing worker, or here (parsed in this process)."""
    if not p.index:
        index_prepared(p)
    return p.index


def _source_row(p: Prepared, quarantined: bool) -> tuple[Any, ...]:
    src = p.source or {}
    meta = src.get("metadata")
    pos = position_of(src)
    return _row((p.content_hash, p.reference_id, int(quarantined), src.get("format"),
                 str(src.get("file") or ""), pos if pos is not None else -1,
                 dumps(meta, default=str) if meta else None))
