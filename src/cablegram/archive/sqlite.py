"""The SQLite + FTS5 archive: one file, WAL mode; storing and getting records.

Searching lives in `search.py`/`facets.py`, the reference graph in `graph.py`; this module
holds the connection, the writer and the lookups they share.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cablegram.archive import compress, reading, schema, search, sqlite_reader
from cablegram.archive import dims as dims_mod
from cablegram.archive.base import AccessFilter, Hit, SearchResult, Sort
from cablegram.archive.budget import DEFAULT_QUERY_TIMEOUT
from cablegram.archive.query import SQLITE
from cablegram.archive.records import STORE_COLUMNS, CableRow, Prepared, current_key, dumps, position_of
from cablegram.archive.shared import ArchiveBase
from cablegram.archive.sqlite_loading import READER_CACHE_KIB, READER_MMAP_BYTES
from cablegram.model import Cable
from cablegram.transactions import immediate

if TYPE_CHECKING:
    import pandas

    from cablegram.archive.reader import ReaderSource

__all__ = ["SQLiteArchive"]

#: Page size of a new archive: 32 KiB pages take an eighth of the page writes of 4 KiB ones and
#: make the full-text index build ~20% cheaper. Searching is unchanged.
PAGE_SIZE = 32 * 1024
_CHILD_TABLES = ("addressees", "tags", "paragraphs", "defects", "people", "offices")
_INSERT_CABLE = (
    f"INSERT INTO cables(id, {', '.join(STORE_COLUMNS)}, dict_id, body) "
    f"VALUES (?, {', '.join('?' * len(STORE_COLUMNS))}, ?, ?)"
)
_UPDATE_CABLE = (f"UPDATE cables SET {', '.join(c + ' = ?' for c in STORE_COLUMNS)},"
                 " dict_id = ?, body = ? WHERE id = ?")


class SQLiteArchive(ArchiveBase):
    """An archive in one SQLite file (created and migrated on open)."""

    #: How the query compiler writes this backend's SQL (FTS5).
    dialect = SQLITE

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = str(path)
        if readonly:
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, isolation_level=None,
                                      check_same_thread=False)
        else:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            # a new file only (it cannot change once the WAL exists)
            self.db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            schema.migrate(self.db)
        #: Compresses and decompresses the stored bodies; the views `cable_texts` and
        #: `version_texts` (and the full-text index) decompress through the SQL functions it
        #: registers here.
        self.codec = compress.Codec(compress.sqlite_dictionaries(self.db))
        self.codec.register(self.db)
        self.db.execute(f"PRAGMA cache_size = {-READER_CACHE_KIB}")
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
        self._dims: dict[str, dict[str, Any]] | None = None
        self._dims_version = -1  # `PRAGMA data_version` when `_dims` was read
        self._addressees: tuple[int, dims_mod.KnownNames] | None = None
        self._dim_ids: dict[str, dict[str, int]] = {}  # kind -> label -> id, for the writer
        self._cache: dict[Any, Any] = {}
        #: Seconds a search may run before SQLite stops it (`budget.time_budget`); None: no limit.
        self.query_timeout: float | None = DEFAULT_QUERY_TIMEOUT
        self._writes = 0
        #: Set by ingest: new cables wait for `index_pending()` instead of being indexed per batch.
        self.defer_index = False
        if not readonly:
            self._catch_up()

    # --- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query (the SQL shared with PostgreSQL, `?` placeholders)."""
        return self.db.execute(sql, params).fetchall()

    def generation(self) -> tuple[int, int]:
        """Changes when the data changes (here or in another connection): a cache key."""
        return (self.db.execute("PRAGMA data_version").fetchone()[0], self._writes)

    def dims(self) -> dict[str, dict[str, Any]]:
        """The dimension tables: origins, classifications and caveat bits.

        Cached, and read again whenever another connection has committed since (an ingest or a
        desk release while the server runs adds origins, classifications and caveats: a stale
        copy would fail on their ids, and would not withhold a new caveat). The check is one
        `PRAGMA data_version`, a few microseconds; this connection's own writes keep the cache
        up to date themselves (`_dim_id`, `_caveat_mask`).
        """
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._dims is None or version != self._dims_version:
            self._dims = {
                "origin": {r[0]: (r[1], r[2]) for r in
                           self.db.execute("SELECT id, label, station FROM origins")},
                "class": {r[0]: (r[1], r[2], r[3]) for r in self.db.execute(
                    "SELECT id, label, classification, rank FROM classifications")},
                "caveat": {r[1]: r[0] for r in
                           self.db.execute("SELECT bit, caveat FROM caveat_bits")},
            }
            self._dims_version = version
            self._dim_ids = {}
        return self._dims

    def _writer_dims(self) -> dict[str, dict[str, Any]]:
        """`dims()` inside the writer's transaction, without a check per row: `_write_items`
        refreshes them once per batch, and no other connection can commit meanwhile."""
        return self._dims if self._dims is not None else self.dims()

    # --- resolver for the query compiler ------------------------------------------------------

    def released_dates(self, reference_ids: Sequence[str]) -> dict[str, str | None]:
        """When each of `reference_ids` was released (those in the archive)."""
        marks = ",".join("?" * len(reference_ids))
        return dict(self.db.execute(f"SELECT reference_id, released FROM cables WHERE reference_id IN ({marks})",
                                    list(reference_ids)).fetchall())

    def addressee_names(self, value: str) -> list[str]:
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if self._addressees is None or self._addressees[0] != version:
            names = (r[0] for r in self.db.execute("SELECT DISTINCT name FROM addressees"))
            self._addressees = (version, dims_mod.known_names(names))
        return dims_mod.addressee_names(self._addressees[1], value)

    # --- writing ------------------------------------------------------------------------------

    def known_hashes(self) -> dict[str, str | None]:
        """Content hash -> reference id (None for quarantined) of every text already stored."""
        known: dict[str, str | None] = {}
        for h, ref in self.db.execute("SELECT content_hash, reference_id FROM versions"):
            known[h] = ref
        for h, ref in self.db.execute("SELECT content_hash, reference_id FROM cables"):
            known[h] = ref
        for (h,) in self.db.execute("SELECT content_hash FROM quarantine"):
            known.setdefault(h, None)
        return known

    def write_batch(self, items: Sequence[Prepared]) -> Counter[str]:
        """Store a batch in one transaction; count stored/updated/duplicates/quarantined.

        New cables are full-text indexed in the same transaction, unless `defer_index` is set
        (ingest sets it): then `index_pending()` indexes them later, many batches at once.
        """
        counts: Counter[str] = Counter()
        try:
            with immediate(self.db):
                self._write_items(items, counts)
                if not self.defer_index:
                    self._index_pending()
        except BaseException:
            self._dims = None  # rows added to the dimension tables were rolled back
            self._dim_ids = {}
            raise
        self._writes += 1
        return counts

    def pending_index(self) -> int:
        """How many cables the full-text index does not cover yet (see `index_pending`)."""
        upto = self._fts_upto()
        return int(self.db.execute("SELECT count(*) FROM cables WHERE id > ?",
                                   (upto,)).fetchone()[0])

    def index_pending(self) -> int:
        """Full-text index the cables stored since the last catch-up, in one transaction.

        Cables `id > fts_state.indexed_upto` are not in `cables_fts` yet; one INSERT ... SELECT
        indexes them all (a single FTS5 segment, much cheaper than one per batch). The watermark
        moves in the same transaction, so a run killed at any point leaves a consistent state and
        the next catch-up finishes the job. Returns the number of cables indexed.
        """
        with immediate(self.db):
            n = self._index_pending()
        if n:
            self._writes += 1
        return n

    def _catch_up(self) -> None:
        """Finish what an interrupted ingest left undone (full-text index, lookup indexes),
        unless another writer is busy: then that ingest will."""
        top = self.db.execute("SELECT max(id) FROM cables").fetchone()[0]
        unindexed = top is not None and top > self._fts_upto()
        if not unindexed and not schema.missing_lookup_indexes(self.db):
            return
        self.db.execute("PRAGMA busy_timeout = 0")
        try:
            self.build_lookup_indexes()
            if unindexed:
                self.index_pending()
        except sqlite3.OperationalError:  # locked: the running ingest will do it
            pass
        finally:
            self.db.execute("PRAGMA busy_timeout = 5000")

    def drop_lookup_indexes(self) -> None:
        """Drop the indexes only readers use, before a bulk load (see `schema.LOOKUP_INDEXES`)."""
        with immediate(self.db):
            schema.drop_lookup_indexes(self.db)

    def build_lookup_indexes(self) -> int:
        """Create the lookup indexes a bulk load dropped; return how many were missing."""
        if not schema.missing_lookup_indexes(self.db):
            return 0
        with immediate(self.db):
            n = schema.create_lookup_indexes(self.db)
        self._writes += 1
        return n

    def _fts_upto(self) -> int:
        row = self.db.execute("SELECT max(indexed_upto) FROM fts_state").fetchone()
        return int(row[0] or 0)

    def _index_pending(self) -> int:
        upto = self._fts_upto()
        top = self.db.execute("SELECT max(id) FROM cables").fetchone()[0]
        if top is None or top <= upto:
            return 0
        n = self.db.execute(
            "INSERT INTO cables_fts(rowid, subject, tag_text, raw_text)"
            " SELECT id, subject, tag_text, raw_text FROM cable_texts WHERE id > ? ORDER BY id",
            (upto,),
        ).rowcount
        self.db.execute("UPDATE fts_state SET indexed_upto = ?", (top,))
        return int(n)

    def _source_tuple(self, p: Prepared, quarantined: bool) -> tuple[Any, ...]:
        src = p.source or {}
        meta = src.get("metadata")
        pos = position_of(src)
        return (p.content_hash, p.reference_id, int(quarantined), src.get("format"),
                str(src.get("file") or ""), pos if pos is not None else -1,
                dumps(meta, default=str) if meta else None)

    def _write_items(self, items: Sequence[Prepared], counts: Counter[str]) -> None:
        db = self.db
        self.dims()  # what other writers added since the last batch
        self._train_dictionary(items)
        upto = self._fts_upto()
        top = db.execute("SELECT coalesce(max(id), 0) FROM cables").fetchone()[0]
        next_id = max(int(top), upto) + 1
        # reference id -> (id, content_hash, released, created) of the cables this batch may touch
        current: dict[str, tuple[int, str, str | None, str | None]] = {}
        wanted = list({p.reference_id for p in items if p.reason is None and p.cable})
        for i in range(0, len(wanted), 500):
            part = wanted[i:i + 500]
            for cid, ref, h, released, created in db.execute(
                "SELECT id, reference_id, content_hash, released, created FROM cables WHERE reference_id"
                f" IN ({', '.join('?' * len(part))})", part,
            ):
                current[ref] = (cid, h, released, created)
        rows = _Rows()
        sources: list[tuple[Any, ...]] = []
        for p in items:
            if p.reason is not None:
                src = p.source or {}
                pos = position_of(src)
                cur = db.execute(
                    "INSERT OR IGNORE INTO quarantine(reason, content_hash, format, file, position,"
                    " raw_text, source_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (p.reason, p.content_hash, src.get("format"), str(src.get("file") or ""),
                     pos if pos is not None else -1, p.raw_text,
                     dumps(src, default=str) if src else None),
                )
                sources.append(self._source_tuple(p, True))
                counts["quarantined" if cur.rowcount else "duplicates"] += 1
                continue
            if not p.cable:  # a text already known: provenance only
                sources.append(self._source_tuple(p, p.reference_id is None))
                counts["duplicates"] += 1
                continue
            sources.append(self._source_tuple(p, False))
            assert p.reference_id is not None
            known = current.get(p.reference_id)
            if known is None:
                current[p.reference_id] = (next_id, p.content_hash, p.released, p.cable.created)
                rows.add(self, next_id, p)
                next_id += 1
                counts["stored"] += 1
                continue
            cable_id, current_hash, current_released, current_created = known
            rows.flush(db)  # what follows reads and rewrites rows of this batch
            if current_hash == p.content_hash or db.execute(
                "SELECT 1 FROM versions WHERE cable_id = ? AND content_hash = ?",
                (cable_id, p.content_hash),
            ).fetchone():
                counts["duplicates"] += 1
                continue
            counts["updated"] += 1
            if current_key(p.released, p.cable.created, p.content_hash) < current_key(
                    current_released, current_created, current_hash):
                # a text that ranks below the current one (an older release read after a newer
                # one, say): a version only, whatever order the texts came in
                assert p.cable is not None
                db.execute(
                    "INSERT INTO versions(cable_id, reference_id, content_hash, released,"
                    " dict_id, body) VALUES (?, ?, ?, ?, ?, ?)",
                    (cable_id, p.reference_id, p.content_hash, p.released, *self._body(p.cable)),
                )
                continue
            self._replace(cable_id, p, indexed=cable_id <= upto)
            current[p.reference_id] = (cable_id, p.content_hash, p.released, p.cable.created)
        rows.flush(db)
        db.executemany(
            "INSERT OR IGNORE INTO sources(content_hash, reference_id, quarantined, format, file,"
            " position, metadata_json) VALUES (?, ?, ?, ?, ?, ?, ?)", sources,
        )

    def _replace(self, cable_id: int, p: Prepared, *, indexed: bool) -> None:
        """A re-release: keep the current text as a version, store `p` in its place."""
        db = self.db
        assert p.cable is not None
        db.execute(
            "INSERT INTO versions(cable_id, reference_id, content_hash, released, dict_id,"
            " body) SELECT id, reference_id, content_hash, released, dict_id, body"
            " FROM cables WHERE id = ?", (cable_id,),
        )
        if indexed:
            db.execute(
                "INSERT INTO cables_fts(cables_fts, rowid, subject, tag_text, raw_text)"
                " SELECT 'delete', id, subject, tag_text, raw_text FROM cable_texts WHERE id = ?",
                (cable_id,),
            )
        for table in _CHILD_TABLES:
            db.execute(f"DELETE FROM {table} WHERE cable_id = ?", (cable_id,))
        db.execute("DELETE FROM refs WHERE from_id = ?", (p.reference_id,))
        db.execute("DELETE FROM cable_facets WHERE id = ?", (cable_id,))
        db.execute(_UPDATE_CABLE, (*p.cable.columns, *self._body(p.cable), cable_id))
        rows = _Rows()
        rows.add(self, cable_id, p, new=False)
        rows.flush(db)
        if indexed:
            db.execute(
                "INSERT INTO cables_fts(rowid, subject, tag_text, raw_text) VALUES (?, ?, ?, ?)",
                (cable_id, p.cable.subject, p.cable.tag_text, p.cable.raw_text),
            )

    def _body(self, row: CableRow) -> tuple[int, bytes]:
        """(dict_id, body) of a cable's text and record, compressed."""
        return self.codec.compress(compress.pack(row.raw_text, row.record_json))

    def _train_dictionary(self, items: Sequence[Prepared]) -> None:
        """Train the archive's first compression dictionary once it has `TRAIN_AT` cables
        (stored, and new in this batch), and recompress the few stored before it."""
        if self.codec.current:
            return
        db = self.db
        stored = int(db.execute("SELECT count(*) FROM cables").fetchone()[0])
        new = [p.cable for p in items if p.reason is None and p.cable is not None]
        if stored + len(new) < compress.TRAIN_AT:
            return
        self.codec.reload()  # another writer may have trained it
        if self.codec.current:
            return
        samples = [self.codec.decompress(d, b) for d, b in db.execute(
            "SELECT dict_id, body FROM cables ORDER BY id")]
        samples += [compress.pack(c.raw_text, c.record_json)
                    for c in new[:max(0, compress.TRAIN_AT - len(samples))]]
        compress.store_sqlite_dictionary(db, self.codec, compress.train(samples), len(samples))
        for table in ("cables", "versions"):
            rows = db.execute(f"SELECT id, dict_id, body FROM {table}").fetchall()
            db.executemany(f"UPDATE {table} SET dict_id = ?, body = ? WHERE id = ?",
                           [(*self.codec.compress(self.codec.decompress(d, b)), i)
                            for i, d, b in rows])

    def _dim_id(self, kind: str, key: str, extra: tuple[Any, ...]) -> int:
        """The id of origin or classification `key` (its label), added when new.

        Runs in the batch's write transaction. Another ingest may have added the same label
        since this connection cached the table: the insert yields to it, and the row is read
        back, so concurrent ingests share one id per label."""
        table = self._writer_dims()[kind]
        by_label = self._dim_ids.get(kind)
        if by_label is None or len(by_label) != len(table):
            by_label = self._dim_ids[kind] = {row[0]: i for i, row in table.items()}
        found = by_label.get(key)
        if found is not None:
            return found
        if kind == "origin":
            self.db.execute("INSERT INTO origins(label, station) VALUES (?, ?)"
                            " ON CONFLICT(label) DO NOTHING", (key, *extra))
            row = self.db.execute("SELECT id, label, station FROM origins WHERE label = ?",
                                  (key,)).fetchone()
        else:
            self.db.execute("INSERT INTO classifications(label, classification, rank)"
                            " VALUES (?, ?, ?) ON CONFLICT(label) DO NOTHING", (key, *extra))
            row = self.db.execute("SELECT id, label, classification, rank FROM classifications"
                                  " WHERE label = ?", (key,)).fetchone()
        new = int(row[0])
        table[new] = tuple(row[1:])
        by_label[key] = new
        return new

    def _caveat_mask(self, caveats: list[str]) -> int:
        bits = self._writer_dims()["caveat"]
        mask = 0
        for c in caveats:
            if c not in bits:
                # the next free bit as the file has it now (another ingest may have taken some)
                self.db.execute(
                    "INSERT INTO caveat_bits(bit, caveat) SELECT n, ? FROM"
                    " (SELECT coalesce(max(bit) + 1, 0) AS n FROM caveat_bits) WHERE n < 62"
                    " ON CONFLICT DO NOTHING", (c,))
                row = self.db.execute("SELECT bit FROM caveat_bits WHERE caveat = ?",
                                      (c,)).fetchone()
                if row is not None:
                    bits[c] = int(row[0])
            if c in bits:
                mask |= 1 << bits[c]
        return mask

    # --- reading ------------------------------------------------------------------------------

    def quarantine_reason(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        """Why the record the source names `reference_id` was quarantined, or None. Its
        classification is unverified, so only a reader who sees everything is told."""
        if access is not None and (access.max_rank < 3 or access.forbidden):
            return None
        row = self.db.execute(
            "SELECT reason FROM quarantine WHERE json_extract(source_json, '$.metadata.reference_id') = ?"
            " ORDER BY id DESC LIMIT 1", (reference_id.replace(" ", "").upper(),),
        ).fetchone()
        return str(row[0]) if row else None

    def search(self, query: str, *, filters: str | None = None, facets: Sequence[str] = (),
               limit: int = 20, offset: int = 0, sort: Sort = "rank",
               access: AccessFilter | None = None, reader: ReaderSource | None = None) -> SearchResult:
        """Search; see `cablegram.archive.search.search`."""
        return search.search(self, query, filters=filters, facets=facets, limit=limit,
                             offset=offset, sort=sort, access=access, reader=reader)

    def hits_of(self, query: str, ids: Sequence[int], *, access: AccessFilter | None = None,
                reader: ReaderSource | None = None) -> list[Hit]:
        """The hits of chosen row ids; see `cablegram.archive.search.hits_of`."""
        return search.hits_of(self, query, ids, access=access, reader=reader)

    def reader_source(self, access: AccessFilter) -> ReaderSource:
        """The match source of what `access` sees (see `cablegram.archive.reader`), built when the
        archive changed since the last one."""
        return sqlite_reader.reader_source(self, access)

    def iter_records(self, query: str = "", *, access: AccessFilter | None = None,
                     reader: ReaderSource | None = None) -> Iterator[Cable]:
        """Every matching cable's full record (as stored), by date; with `reader`, the matches
        as that reader sees them."""
        for ids in search.iter_ids(self, query, access=access, reader=reader):
            yield from reading.records(self, ids)

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """Type-ahead: origins, tags and reference ids that start with `prefix`."""
        return search.suggest(self, prefix, limit=limit)

    def stats(self, *, access: AccessFilter | None = None) -> dict[str, Any]:
        """Counts by year, origin, classification, top tags; quarantine and versions."""
        return search.guarded(self, "", lambda: reading.stats(self, access))

    def to_pandas(self, query: str = "", *,
                  access: AccessFilter | None = None) -> pandas.DataFrame:
        """The matching cables as a DataFrame, one row each (flat metadata + body text)."""
        from cablegram.archive.export import frame

        return frame(self, query, access=access)


class _Rows:
    """The rows of a batch's new cables, inserted table by table with one executemany each."""

    __slots__ = ("addressees", "cables", "defects", "facets", "offices", "paragraphs", "people", "refs", "tags")

    def __init__(self) -> None:
        self.cables: list[tuple[Any, ...]] = []
        self.facets: list[tuple[Any, ...]] = []
        self.addressees: list[tuple[Any, ...]] = []
        self.tags: list[tuple[Any, ...]] = []
        self.refs: list[tuple[Any, ...]] = []
        self.paragraphs: list[tuple[Any, ...]] = []
        self.defects: list[tuple[Any, ...]] = []
        self.people: list[tuple[Any, ...]] = []
        self.offices: list[tuple[Any, ...]] = []

    def add(self, archive: SQLiteArchive, cable_id: int, p: Prepared, *, new: bool = True) -> None:
        f = p.facet
        if new:
            assert p.cable is not None
            self.cables.append((cable_id, *p.cable.columns, *archive._body(p.cable)))
        self.facets.append((
            cable_id, archive._dim_id("origin", f["origin"], (f["station"],)),
            archive._dim_id("class", f["class_label"], (f["classification"], f["rank"])),
            f["rank"], archive._caveat_mask(f["caveats"]), f["day"],
        ))
        self.addressees.extend((cable_id, *a) for a in p.addressees)
        self.tags.extend((cable_id, i, t) for i, t in enumerate(p.tags))
        self.refs.extend((p.reference_id, *r) for r in p.refs)
        self.paragraphs.extend((cable_id, *x) for x in p.paragraphs)
        self.defects.extend((cable_id, *d) for d in p.defects)
        self.people.extend((cable_id, *x) for x in p.people)
        self.offices.extend((cable_id, *x) for x in p.offices)

    def flush(self, db: sqlite3.Connection) -> None:
        if self.cables:
            db.executemany(_INSERT_CABLE, self.cables)
        for sql, rows in (
            ("INSERT INTO cable_facets(id, origin_id, class_id, class_rank, caveat_mask, day)"
             " VALUES (?, ?, ?, ?, ?, ?)", self.facets),
            ("INSERT INTO addressees VALUES (?, ?, ?, ?, ?, ?, ?)", self.addressees),
            ("INSERT INTO tags VALUES (?, ?, ?)", self.tags),
            ("INSERT INTO refs VALUES (?, ?, ?, ?, ?)", self.refs),
            ("INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?)", self.paragraphs),
            ("INSERT INTO defects VALUES (?, ?, ?, ?)", self.defects),
            ("INSERT INTO people VALUES (?, ?, ?, ?, ?)", self.people),
            ("INSERT INTO offices VALUES (?, ?, ?, ?)", self.offices),
        ):
            if rows:
                db.executemany(sql, rows)
        for rows in (self.cables, self.facets, self.addressees, self.tags, self.refs,
                     self.paragraphs, self.defects, self.people, self.offices):
            rows.clear()
