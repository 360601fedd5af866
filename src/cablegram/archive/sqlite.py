"""The SQLite + FTS5 archive: one file, WAL mode; storing and getting records.

Searching lives in `search.py`/`facets.py`, the reference graph in `graph.py`; this module
holds the connection, the writer and the lookups they share.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cablegram.archive import graph, schema, search
from cablegram.archive.base import AccessFilter, References, SearchResult, Sort, Thread, VersionInfo
from cablegram.archive.records import CABLE_COLUMNS, Prepared, position_of
from cablegram.model import Cable

if TYPE_CHECKING:
    import pandas

__all__ = ["SQLiteArchive"]

_CHILD_TABLES = ("addressees", "tags", "paragraphs", "defects")
_INSERT_CABLE = (
    f"INSERT INTO cables({', '.join(CABLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(CABLE_COLUMNS))})"
)
_UPDATE_CABLE = f"UPDATE cables SET {', '.join(c + ' = ?' for c in CABLE_COLUMNS)} WHERE id = ?"


class SQLiteArchive:
    """An archive in one SQLite file (created and migrated on open)."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = str(path)
        if readonly:
            uri = Path(self.path).resolve().as_uri() + "?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, isolation_level=None,
                                      check_same_thread=False)
        else:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = NORMAL")
            schema.migrate(self.db)
        self.db.execute("PRAGMA cache_size = -65536")
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute("PRAGMA mmap_size = 1073741824")
        self._dims: dict[str, dict[str, Any]] | None = None
        self._cache: dict[Any, Any] = {}
        self._writes = 0

    # --- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> SQLiteArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def generation(self) -> tuple[int, int]:
        """Changes when the data changes (here or in another connection): a cache key."""
        return (self.db.execute("PRAGMA data_version").fetchone()[0], self._writes)

    def dims(self) -> dict[str, dict[str, Any]]:
        """The dimension tables, cached: origins, classifications and caveat bits."""
        if self._dims is None:
            self._dims = {
                "origin": {r[0]: (r[1], r[2]) for r in
                           self.db.execute("SELECT id, label, station FROM origins")},
                "class": {r[0]: (r[1], r[2], r[3]) for r in self.db.execute(
                    "SELECT id, label, classification, rank FROM classifications")},
                "caveat": {r[1]: r[0] for r in
                           self.db.execute("SELECT bit, caveat FROM caveat_bits")},
            }
        return self._dims

    # --- resolver for the query compiler ------------------------------------------------------

    def origin_ids(self, value: str) -> list[int]:
        v = value.strip().lower()
        return [
            i for i, (label, station) in self.dims()["origin"].items()
            if v in (label.lower(), (station or "").lower()) or label.lower().endswith(" " + v)
        ]

    def class_ids(self, value: str) -> list[int]:
        v = value.strip().upper().replace(" ", "")
        alias = {"U": "UNCLASSIFIED", "C": "CONFIDENTIAL", "S": "SECRET", "TS": "TOPSECRET",
                 "SBU": "UNCLASSIFIED//FOROFFICIALUSEONLY"}.get(v, v)
        return [
            i for i, (label, cls, _rank) in self.dims()["class"].items()
            if alias in (label.replace(" ", ""), (cls or "").replace(" ", ""))
        ]

    def caveat_bit(self, value: str) -> int | None:
        return self.dims()["caveat"].get(value.strip().upper())

    def access_sql(self, access: AccessFilter | None) -> str:
        """SQL over `f` (cable_facets) hiding what `access` may not see ("1" when open)."""
        if access is None:
            return "1"
        bits = self.dims()["caveat"]
        mask = sum(1 << bits[c] for c in access.forbidden if c in bits)
        return f"(f.class_rank <= {int(access.max_rank)} AND (f.caveat_mask & {mask}) = 0)"

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
        """Store a batch in one transaction; count stored/updated/duplicates/quarantined."""
        counts: Counter[str] = Counter()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for p in items:
                counts[self._write_one(p)] += 1
        except BaseException:
            self.db.execute("ROLLBACK")
            self._dims = None
            raise
        self.db.execute("COMMIT")
        self._writes += 1
        return counts

    def _source_row(self, p: Prepared, quarantined: bool) -> None:
        src = p.source or {}
        meta = src.get("metadata")
        self.db.execute(
            "INSERT OR IGNORE INTO sources(content_hash, reference_id, quarantined, format, file,"
            " position, metadata_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (p.content_hash, p.reference_id, int(quarantined), src.get("format"),
             str(src.get("file") or ""), position_of(src) if position_of(src) is not None else -1,
             json.dumps(meta, ensure_ascii=False, default=str) if meta else None),
        )

    def _write_one(self, p: Prepared) -> str:
        if p.reason is not None:
            src = p.source or {}
            pos = position_of(src)
            cur = self.db.execute(
                "INSERT OR IGNORE INTO quarantine(reason, content_hash, format, file, position,"
                " raw_text, source_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (p.reason, p.content_hash, src.get("format"), str(src.get("file") or ""),
                 pos if pos is not None else -1, p.raw_text,
                 json.dumps(src, ensure_ascii=False, default=str) if src else None),
            )
            self._source_row(p, True)
            return "quarantined" if cur.rowcount else "duplicates"
        if not p.cable:  # a text already known: provenance only
            self._source_row(p, p.reference_id is None)
            return "duplicates"
        self._source_row(p, False)
        row = self.db.execute(
            "SELECT id, content_hash, released FROM cables WHERE reference_id = ?",
            (p.reference_id,),
        ).fetchone()
        if row is None:
            cable_id = self.db.execute(_INSERT_CABLE, p.cable).lastrowid
            assert cable_id is not None
            self._insert_parts(cable_id, p)
            return "stored"
        cable_id, current_hash, current_released = row
        if current_hash == p.content_hash or self.db.execute(
            "SELECT 1 FROM versions WHERE cable_id = ? AND content_hash = ?",
            (cable_id, p.content_hash),
        ).fetchone():
            return "duplicates"
        if p.released and current_released and p.released < current_released:
            # an older release read after a newer one: keep it as a version only
            self.db.execute(
                "INSERT INTO versions(cable_id, reference_id, content_hash, released,"
                " record_json, raw_text) VALUES (?, ?, ?, ?, ?, ?)",
                (cable_id, p.reference_id, p.content_hash, p.released, p.cable[-2], p.raw_text),
            )
            return "updated"
        self.db.execute(
            "INSERT INTO versions(cable_id, reference_id, content_hash, released, record_json,"
            " raw_text) SELECT id, reference_id, content_hash, released, record_json, raw_text"
            " FROM cables WHERE id = ?", (cable_id,),
        )
        self.db.execute(
            "INSERT INTO cables_fts(cables_fts, rowid, subject, tag_text, raw_text)"
            " SELECT 'delete', id, subject, tag_text, raw_text FROM cables WHERE id = ?",
            (cable_id,),
        )
        for table in _CHILD_TABLES:
            self.db.execute(f"DELETE FROM {table} WHERE cable_id = ?", (cable_id,))
        self.db.execute("DELETE FROM refs WHERE from_id = ?", (p.reference_id,))
        self.db.execute("DELETE FROM cable_facets WHERE id = ?", (cable_id,))
        self.db.execute(_UPDATE_CABLE, (*p.cable, cable_id))
        self._insert_parts(cable_id, p)
        return "updated"

    def _dim_id(self, kind: str, key: str, extra: tuple[Any, ...]) -> int:
        dims = self.dims()
        if kind == "origin":
            for i, (label, _station) in dims["origin"].items():
                if label == key:
                    return i
            new = self.db.execute(
                "INSERT INTO origins(label, station) VALUES (?, ?)", (key, *extra)
            ).lastrowid
            assert new is not None
            dims["origin"][new] = (key, *extra)
            return new
        for i, (label, _c, _r) in dims["class"].items():
            if label == key:
                return i
        new = self.db.execute(
            "INSERT INTO classifications(label, classification, rank) VALUES (?, ?, ?)",
            (key, *extra),
        ).lastrowid
        assert new is not None
        dims["class"][new] = (key, *extra)
        return new

    def _caveat_mask(self, caveats: list[str]) -> int:
        bits = self.dims()["caveat"]
        mask = 0
        for c in caveats:
            if c not in bits and len(bits) < 62:
                bits[c] = len(bits)
                self.db.execute("INSERT INTO caveat_bits(bit, caveat) VALUES (?, ?)",
                                (bits[c], c))
            if c in bits:
                mask |= 1 << bits[c]
        return mask

    def _insert_parts(self, cable_id: int, p: Prepared) -> None:
        f = p.facet
        db = self.db
        db.execute(
            "INSERT INTO cable_facets(id, origin_id, class_id, class_rank, caveat_mask, day)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (cable_id, self._dim_id("origin", f["origin"], (f["station"],)),
             self._dim_id("class", f["class_label"], (f["classification"], f["rank"])),
             f["rank"], self._caveat_mask(f["caveats"]), f["day"]),
        )
        db.executemany("INSERT INTO addressees VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(cable_id, *a) for a in p.addressees])
        db.executemany("INSERT INTO tags VALUES (?, ?, ?)",
                       [(cable_id, i, t) for i, t in enumerate(p.tags)])
        db.executemany("INSERT INTO refs VALUES (?, ?, ?, ?, ?)",
                       [(p.reference_id, *r) for r in p.refs])
        db.executemany("INSERT INTO paragraphs VALUES (?, ?, ?, ?, ?, ?)",
                       [(cable_id, *x) for x in p.paragraphs])
        db.executemany("INSERT INTO defects VALUES (?, ?, ?, ?)",
                       [(cable_id, *d) for d in p.defects])
        # subject, tag_text, raw_text sit at these positions of CABLE_COLUMNS
        db.execute(
            "INSERT INTO cables_fts(rowid, subject, tag_text, raw_text) VALUES (?, ?, ?, ?)",
            (cable_id, p.cable[9], p.cable[11], p.cable[-1]),
        )

    # --- reading ------------------------------------------------------------------------------

    def _visible_row(self, reference_id: str, columns: str,
                     access: AccessFilter | None) -> tuple[Any, ...] | None:
        return self.db.execute(
            f"SELECT {columns} FROM cables c JOIN cable_facets f ON f.id = c.id"
            f" WHERE c.reference_id = ? AND {self.access_sql(access)}",
            (reference_id.replace(" ", "").upper(),),
        ).fetchone()

    def get(self, reference_id: str, *, access: AccessFilter | None = None) -> Cable | None:
        """The current record of a cable, or None when absent or hidden by `access`."""
        row = self._visible_row(reference_id, "c.record_json", access)
        return Cable.from_dict(json.loads(row[0])) if row else None

    def raw_text(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        """The raw telegram text as read, or None."""
        row = self._visible_row(reference_id, "c.raw_text", access)
        return row[0] if row else None

    def versions(self, reference_id: str, *,
                 access: AccessFilter | None = None) -> list[VersionInfo]:
        """Every known text of a cable, oldest first (by release date, then by when read)."""
        row = self._visible_row(reference_id, "c.id, c.reference_id, c.content_hash, c.released,"
                                " c.raw_text", access)
        if row is None:
            return []
        out = [VersionInfo(r[0], r[1], r[2], r[3], False) for r in self.db.execute(
            "SELECT reference_id, content_hash, released, raw_text FROM versions"
            " WHERE cable_id = ? ORDER BY coalesce(released, ''), id", (row[0],))]
        out.append(VersionInfo(row[1], row[2], row[3], row[4], True))
        return out

    def search(self, query: str, *, filters: str | None = None, facets: Sequence[str] = (),
               limit: int = 20, offset: int = 0, sort: Sort = "rank",
               access: AccessFilter | None = None) -> SearchResult:
        """Search; see `cablegram.archive.search.search`."""
        return search.search(self, query, filters=filters, facets=facets, limit=limit,
                             offset=offset, sort=sort, access=access)

    def iter_records(self, query: str = "", *,
                     access: AccessFilter | None = None) -> Iterator[Cable]:
        """Every matching cable's full record, by date."""
        for ids in search.iter_ids(self, query, access=access):
            marks = ",".join("?" * len(ids))
            rows = dict(self.db.execute(
                f"SELECT id, record_json FROM cables WHERE id IN ({marks})", ids))
            for i in ids:
                yield Cable.from_dict(json.loads(rows[i]))

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """Type-ahead: origins, tags and reference ids that start with `prefix`."""
        return search.suggest(self, prefix, limit=limit)

    def references(self, reference_id: str, *,
                   access: AccessFilter | None = None) -> References:
        """What a cable cites and what cites it."""
        return graph.references(self, reference_id, access=access)

    def thread(self, reference_id: str, depth: int = 2, *,
               access: AccessFilter | None = None) -> Thread:
        """The reference graph around a cable, `depth` steps both ways."""
        return graph.thread(self, reference_id, depth, access=access)

    def stats(self, *, access: AccessFilter | None = None) -> dict[str, Any]:
        """Counts by year, origin, classification, top tags; quarantine and versions."""
        return search.stats(self, access=access)

    def to_pandas(self, query: str = "", *,
                  access: AccessFilter | None = None) -> pandas.DataFrame:
        """The matching cables as a DataFrame, one row each (flat metadata + body text)."""
        import pandas as pd

        from cablegram.archive.export import flat_rows

        return pd.DataFrame(list(flat_rows(self.iter_records(query, access=access))))
