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

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg_pool import ConnectionPool

from cablegram.archive import dims as dims_mod
from cablegram.archive import entities_store, graph, postgres_schema
from cablegram.archive.base import (
    ENTITY_FACETS,
    FACETS,
    MARK_END,
    MARK_START,
    AccessFilter,
    FacetCount,
    Hit,
    References,
    SearchResult,
    Sort,
    Thread,
    VersionInfo,
)
from cablegram.archive.facets import TAG_LIMIT
from cablegram.archive.postgres_query import PgPlan, compile_pg, merge, tsvector_literal
from cablegram.archive.query import QueryError, parse_query
from cablegram.archive.records import CABLE_COLUMNS, Prepared, dumps, position_of
from cablegram.archive.search import MAX_LIMIT
from cablegram.model import Cable

if TYPE_CHECKING:
    import pandas

__all__ = ["PostgresArchive", "is_postgres_url", "redacted"]

#: `ts_rank` weights for D, C, B, A: text 1, tags 4, subject 10 (FTS5's BM25 weights).
_WEIGHTS = "'{0.1, 0.1, 0.4, 1.0}'"
_HEADLINE = ('StartSel="' + MARK_START + '", StopSel="' + MARK_END + '", MaxWords=32,'
             ' MinWords=12, ShortWord=1, MaxFragments=1, FragmentDelimiter="…"')
#: Up to this many matches, "rank" orders them all by `ts_rank` (which reads every matching
#: tsvector); past it, the subject hits by `ts_rank`, then the others newest first.
RANK_ALL = 2000
#: Snippets come from the start of the text (ts_headline re-reads what it is given, at ~5 ms a
#: cable for the whole text): a match past it shows the summary, as a tags-only match does.
SNIPPET_CHARS = 6000
_CHILD_TABLES = ("addressees", "tags", "paragraphs", "defects", "people", "offices")
_COPY = {
    "cables": f"COPY cables (id, {', '.join(CABLE_COLUMNS)}, tsv, subject_tsv) FROM STDIN",
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


def is_postgres_url(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    return re.sub(r"^(\w+://[^:/@]+):[^@]*@", r"\1:***@", url)


def _text(value: Any) -> Any:
    """PostgreSQL text holds neither NUL nor lone surrogates: store U+FFFD in their place (the
    content hash keeps naming the text as read)."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _row(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(_text(v) for v in values)


class PostgresArchive:
    """An archive in a PostgreSQL database (created and migrated on open)."""

    def __init__(self, url: str, *, readonly: bool = False, pool_size: int = 4) -> None:
        self.url = self.path = url
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
                if not readonly:
                    postgres_schema.migrate(conn)
                elif not conn.execute("SELECT 1 FROM pg_tables WHERE schemaname = current_schema()"
                                      " AND tablename = 'cables'").fetchone():
                    raise FileNotFoundError(f"no archive at {redacted(url)}")
        except psycopg.OperationalError as exc:
            raise ConnectionError(f"cannot connect to {redacted(url)}: {str(exc).strip()}") from None
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                   kwargs={"autocommit": True}, name="cablegram")
        self._dims: dict[str, dict[Any, Any]] | None = None
        self._dims_gen: int | None = None
        self._addressees: tuple[int, dims_mod.KnownNames] | None = None
        self._cache: dict[Any, Any] = {}

    # --- housekeeping -------------------------------------------------------------------------

    def close(self) -> None:
        """Close every pooled connection."""
        self.pool.close()

    def __enter__(self) -> PostgresArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query written with `?` placeholders (the SQL shared with SQLite,
        as in `graph.py`)."""
        return self._all(sql.replace("?", "%s"), params)

    def _all(self, sql: str, params: Sequence[Any] = (), *,
             text: bool = False) -> list[tuple[Any, ...]]:
        with self.pool.connection() as conn:
            if not text:
                return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]
            with conn.transaction():
                # The planner does not cost reading (detoasting) every tsvector: for a common
                # word it scans the table, ~10x slower than the GIN index it then skips.
                conn.execute("SET LOCAL enable_seqscan = off")
                return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def _one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self.pool.connection() as conn:
            return conn.execute(sql, params).fetchone()  # type: ignore[arg-type]

    def generation(self) -> int:
        """Moves on every committed write, from any process: a cache key."""
        row = self._one("SELECT generation FROM archive_state")
        return int(row[0]) if row else 0

    def dims(self) -> dict[str, dict[Any, Any]]:
        """Origins, classifications and caveat bits, cached until another write."""
        gen = self.generation()
        if self._dims is None or gen != self._dims_gen:
            with self.pool.connection() as conn:
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

    def origin_ids(self, value: str) -> list[int]:
        return dims_mod.origin_ids(self.dims(), value)

    def class_ids(self, value: str) -> list[int]:
        return dims_mod.class_ids(self.dims(), value)

    def caveat_bit(self, value: str) -> int | None:
        return dims_mod.caveat_bit(self.dims(), value)

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

    def access_sql(self, access: AccessFilter | None) -> str:
        """SQL over `f` (cable_facets) hiding what `access` may not see ("TRUE" when open)."""
        if access is None:
            return "TRUE"
        mask = dims_mod.forbidden_mask(self.dims(), access)
        return f"(f.class_rank <= {int(access.max_rank)} AND (f.caveat_mask & {mask}) = 0)"

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

    def drop_lookup_indexes(self) -> None:
        """Drop the readers' indexes before a bulk load into an empty archive."""
        with self.pool.connection() as conn, conn.transaction():
            # still empty once no other writer can add: concurrent ingests each see an empty
            # archive, and only the first may drop what the others read
            conn.execute("LOCK TABLE cables IN EXCLUSIVE MODE")
            if conn.execute("SELECT 1 FROM cables LIMIT 1").fetchone() is None:
                postgres_schema.drop_lookup_indexes(conn)

    def build_lookup_indexes(self) -> int:
        """Create the readers' indexes a bulk load dropped; return how many were missing."""
        with self.pool.connection() as conn:
            if not postgres_schema.missing_lookup_indexes(conn):
                return 0
            conn.execute("SET maintenance_work_mem = '256MB'")
            with conn.transaction():  # one builder at a time: concurrent ingests end together
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema()"
                             " || '.cablegram.indexes'))")
                n = postgres_schema.create_lookup_indexes(conn)
            conn.execute("ANALYZE")
            conn.execute("RESET maintenance_work_mem")
        return n

    def write_batch(self, items: Sequence[Prepared]) -> Counter[str]:
        """Store a batch in one transaction; count stored/updated/duplicates/quarantined.

        Writers take turns (an EXCLUSIVE lock on `cables`, which readers do not wait for), so
        ids, versions and the dimension tables stay consistent with many ingest processes."""
        counts: Counter[str] = Counter()
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("LOCK TABLE cables IN EXCLUSIVE MODE")
            _Writer(conn).write(items, counts)
            conn.execute("UPDATE archive_state SET generation = generation + 1")
        return counts

    # --- reading ------------------------------------------------------------------------------

    def _visible_row(self, reference_id: str, columns: str,
                     access: AccessFilter | None) -> tuple[Any, ...] | None:
        return self._one(
            f"SELECT {columns} FROM cables c JOIN cable_facets f ON f.id = c.id"
            f" WHERE c.reference_id = %s AND {self.access_sql(access)}",
            (reference_id.replace(" ", "").upper(),))

    def get(self, reference_id: str, *, access: AccessFilter | None = None) -> Cable | None:
        """The current record of a cable, or None when absent or hidden by `access`."""
        row = self._visible_row(reference_id, "c.record_json", access)
        return Cable.from_dict(json.loads(row[0])) if row else None

    def raw_text(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        """The raw telegram text as stored, or None."""
        row = self._visible_row(reference_id, "c.raw_text", access)
        return row[0] if row else None

    def versions(self, reference_id: str, *,
                 access: AccessFilter | None = None) -> list[VersionInfo]:
        """Every known text of a cable, oldest first (by release date, then by when read)."""
        row = self._visible_row(reference_id, "c.id, c.reference_id, c.content_hash, c.released,"
                                " c.raw_text", access)
        if row is None:
            return []
        out = [VersionInfo(r[0], r[1], r[2], r[3], False) for r in self._all(
            "SELECT reference_id, content_hash, released, raw_text FROM versions"
            " WHERE cable_id = %s ORDER BY coalesce(released, ''), id", (row[0],))]
        out.append(VersionInfo(row[1], row[2], row[3], row[4], True))
        return out

    def compile(self, query: str, filters: str | None = None,
                access: AccessFilter | None = None) -> PgPlan:
        """Parse and compile `query` AND `filters`, with the access filter as one condition."""
        plan = compile_pg(parse_query(query or ""), self)
        if filters:
            plan = merge(plan, compile_pg(parse_query(filters), self))
        if access is not None:
            plan.where.append(self.access_sql(access))
        return plan

    @staticmethod
    def _source(plan: PgPlan) -> tuple[str, list[Any]]:
        """FROM/WHERE selecting the matching `f` rows (`c` too when there are words)."""
        if plan.match is None:
            return f"FROM cable_facets f WHERE {plan.sql_where()}", list(plan.params)
        return ("FROM cables c JOIN cable_facets f ON f.id = c.id"
                f" WHERE c.tsv @@ %s::tsquery AND {plan.sql_where()}", [plan.match, *plan.params])

    def _page(self, plan: PgPlan, sort: Sort, limit: int, offset: int,
              total: int) -> list[tuple[int, float | None]]:
        frm, params = self._source(plan)
        text = plan.match is not None
        if plan.match is None or sort in ("date", "-date"):
            order = "f.day, f.id" if sort == "date" else "f.day DESC, f.id DESC"
            return [(r[0], None) for r in self._all(
                f"SELECT f.id {frm} ORDER BY {order} LIMIT %s OFFSET %s",
                (*params, limit, offset), text=text)]
        score = f"ts_rank({_WEIGHTS}, c.tsv, %s::tsquery)"
        if sort == "bm25" or total <= RANK_ALL:
            order, extra = "score DESC, f.id", []
            if sort == "rank":
                order, extra = "(c.subject_tsv @@ %s::tsquery) DESC, " + order, [plan.match]
            rows = self._all(f"SELECT f.id, {score} AS score {frm} ORDER BY {order}"
                             " LIMIT %s OFFSET %s", (plan.match, *params, *extra, limit, offset),
                             text=True)
            return [(r[0], float(r[1])) for r in rows]
        # Many matches: rank the subject hits (few), then the others newest first
        need = offset + limit
        first = self._all(f"SELECT f.id, {score} AS score {frm} AND c.subject_tsv @@ %s::tsquery"
                          " ORDER BY score DESC, f.id LIMIT %s",
                          (plan.match, *params, plan.match, need), text=True)
        out = [(r[0], float(r[1])) for r in first]
        if len(out) < need:
            rest = self._all(f"SELECT f.id {frm} AND NOT c.subject_tsv @@ %s::tsquery"
                             " ORDER BY f.day DESC, f.id DESC LIMIT %s",
                             (*params, plan.match, need - len(out)), text=True)
            out += [(r[0], None) for r in rest]
        return out[offset:]

    def _hits(self, plan: PgPlan, page: list[tuple[int, float | None]]) -> list[Hit]:
        if not page:
            return []
        ids = [i for i, _ in page]
        snippet = (f"ts_headline('simple', left(raw_text, {SNIPPET_CHARS}), %s::tsquery,"
                   f" '{_HEADLINE}')" if plan.match else "''")
        params: list[Any] = [plan.match] if plan.match else []
        rows = {r[0]: r for r in self._all(
            "SELECT id, reference_id, created, origin_label, classification_label, subject,"
            f" substr(record_json::json ->> 'summary', 1, 240), {snippet}"
            " FROM cables WHERE id = ANY(%s)", (*params, ids))}
        out = []
        for i, score in page:
            r = rows[i]
            text = r[7] or ""
            if MARK_START not in text and r[6]:  # matched only in the tags: show the summary
                text = r[6]
            elif MARK_START not in text:
                text = ""
            out.append(Hit(r[1], r[2], r[3], r[4], r[5], " ".join(text.split()), score))
        return out

    def _counts(self, plan: PgPlan,
                facets: Sequence[str]) -> tuple[int, dict[str, list[FacetCount]]]:
        key = None
        if plan.match is None and not plan.where:
            key = ("facets", tuple(facets), self.generation())
            if key in self._cache:
                return self._cache[key]  # type: ignore[no-any-return]
        frm, params = self._source(plan)
        wanted = set(facets)
        out: dict[str, list[FacetCount]] = {}
        if wanted & {"origin", "classification", "caveat", "year", "month"}:
            groups = self._all(
                "SELECT f.origin_id, f.class_id, f.caveat_mask, f.day / 100, count(*)"
                f" {frm} GROUP BY 1, 2, 3, 4", params, text=plan.match is not None)
            total, out = dims_mod.tally(self.dims(), groups, wanted)
        else:
            total = int(self._all(f"SELECT count(*) {frm}", params,
                                  text=plan.match is not None)[0][0])
        if "tag" in wanted:
            tag_frm = frm.replace("WHERE", "JOIN tags t ON t.cable_id = f.id WHERE", 1)
            out["tag"] = [FacetCount(t, n) for t, n in self._all(
                f"SELECT t.tag, count(*) AS n {tag_frm} GROUP BY t.tag ORDER BY n DESC, t.tag"
                f" LIMIT {TAG_LIMIT}", params, text=plan.match is not None)]
        if wanted & set(ENTITY_FACETS):
            out.update(entities_store.facet_counts(
                lambda sql, p: self._all(sql.replace("?", "%s"), p, text=plan.match is not None), frm, params, wanted))
        result = total, {name: out[name] for name in facets}
        if key is not None:
            self._cache = {k: v for k, v in self._cache.items() if k[0] != "facets"}
            self._cache[key] = result
        return result

    def search(self, query: str, *, filters: str | None = None, facets: Sequence[str] = (),
               limit: int = 20, offset: int = 0, sort: Sort = "rank",
               access: AccessFilter | None = None) -> SearchResult:
        """Search with the query language; the same contract as `SQLiteArchive.search`."""
        if sort not in ("rank", "bm25", "date", "-date"):
            raise QueryError(f"unknown sort {sort!r}: use rank, bm25, date or -date")
        unknown = [f for f in facets if f not in FACETS + ENTITY_FACETS]
        if unknown:
            raise QueryError(f"unknown facet {unknown[0]!r}; facets are {', '.join(FACETS + ENTITY_FACETS)}")
        if not 0 <= limit <= MAX_LIMIT or offset < 0:
            raise QueryError(f"limit must be 0..{MAX_LIMIT} and offset at least 0")
        plan = self.compile(query, filters, access)
        try:
            total, counts = self._counts(plan, facets)
            page = self._page(plan, sort, limit, offset, total) if limit else []
            hits = self._hits(plan, page)
        except psycopg.errors.DataError as exc:  # a safety net: the compiler should prevent it
            raise QueryError(f"cannot search for {query!r}: {exc}") from None
        return SearchResult(query=query, total=total, hits=hits, facets=counts, offset=offset,
                            limit=limit)

    def iter_records(self, query: str = "", *,
                     access: AccessFilter | None = None) -> Iterator[Cable]:
        """Every matching cable's full record, by date."""
        plan = self.compile(query, None, access)
        frm, params = self._source(plan)
        ids = [r[0] for r in self._all(f"SELECT f.id {frm} ORDER BY f.day, f.id", params,
                                       text=plan.match is not None)]
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = dict(self._all("SELECT id, record_json FROM cables WHERE id = ANY(%s)",
                                  (chunk,)))
            for i in chunk:
                yield Cable.from_dict(json.loads(rows[i]))

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """Type-ahead: origins, tags and reference ids that start with `prefix`."""
        p = prefix.strip()
        if not p:
            return []
        out = dims_mod.suggest_origins(self.dims(), p)
        out += [("tag", r[0]) for r in self._all(
            "SELECT DISTINCT tag FROM tags WHERE tag >= %s AND tag < %s ORDER BY tag LIMIT %s",
            (p.upper(), p.upper() + "\uffff", limit))]
        like = p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").upper() + "%"
        out += [("reference_id", r[0]) for r in self._all(
            "SELECT reference_id FROM cables WHERE reference_id LIKE %s"
            " ORDER BY reference_id LIMIT %s", (like, limit))]
        return out[:limit]

    def references(self, reference_id: str, *,
                   access: AccessFilter | None = None) -> References:
        """What a cable cites and what cites it."""
        return graph.references(self, reference_id, access=access)  # type: ignore[arg-type]

    def thread(self, reference_id: str, depth: int = 2, *,
               access: AccessFilter | None = None) -> Thread:
        """The reference graph around a cable, `depth` steps both ways."""
        return graph.thread(self, reference_id, depth, access=access)  # type: ignore[arg-type]

    def stats(self, *, access: AccessFilter | None = None) -> dict[str, Any]:
        """Counts by year, origin, classification, top tags; quarantine and versions."""
        result = self.search("", facets=("year", "origin", "classification", "tag", "caveat"),
                             limit=0, access=access)

        def count(table: str) -> int:
            row = self._one(f"SELECT count(*) FROM {table}")
            return int(row[0]) if row else 0

        return {
            "cables": result.total,
            "by_year": {f.value: f.count for f in result.facets["year"]},
            "by_origin": {f.value: f.count for f in result.facets["origin"][:20]},
            "origins": len(result.facets["origin"]),
            "by_classification": {f.value: f.count for f in result.facets["classification"]},
            "by_caveat": {f.value: f.count for f in result.facets["caveat"]},
            "top_tags": {f.value: f.count for f in result.facets["tag"][:20]},
            "references": count("refs"),
            "versions": count("versions"),
            "quarantined": count("quarantine"),
            "sources": count("sources"),
        }

    def to_pandas(self, query: str = "", *,
                  access: AccessFilter | None = None) -> pandas.DataFrame:
        """The matching cables as a DataFrame, one row each (flat metadata + body text)."""
        import pandas as pd

        from cablegram.archive.export import flat_rows

        return pd.DataFrame(list(flat_rows(self.iter_records(query, access=access))))



class _Writer:
    """One batch, inside the writers' lock: the same decisions as `SQLiteArchive.write_batch`
    (idempotent on the content hash, re-releases kept as versions, quarantine)."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.dims = PostgresArchive._load_dims(conn)
        self.by_label = {kind: {row[0]: i for i, row in self.dims[kind].items()}
                         for kind in ("origin", "class")}
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in _COPY}

    def write(self, items: Sequence[Prepared], counts: Counter[str]) -> None:
        conn = self.conn
        top = conn.execute("SELECT coalesce(max(id), 0) FROM cables").fetchone()
        next_id = int(top[0] if top else 0) + 1
        current: dict[str, tuple[int, str, str | None]] = {}
        wanted = list({p.reference_id for p in items if p.reason is None and p.cable})
        if wanted:
            for cid, ref, h, released in conn.execute(
                    "SELECT id, reference_id, content_hash, released FROM cables"
                    " WHERE reference_id = ANY(%s)", (wanted,)):
                current[ref] = (cid, h, released)
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
                current[p.reference_id] = (next_id, p.content_hash, p.released)
                self.add(next_id, p, new=True)
                next_id += 1
                counts["stored"] += 1
                continue
            cable_id, current_hash, current_released = known
            self.flush()
            if current_hash == p.content_hash or conn.execute(
                    "SELECT 1 FROM versions WHERE cable_id = %s AND content_hash = %s",
                    (cable_id, p.content_hash)).fetchone():
                counts["duplicates"] += 1
                continue
            counts["updated"] += 1
            if p.released and current_released and p.released < current_released:
                conn.execute(  # an older release read after a newer one: a version only
                    "INSERT INTO versions(cable_id, reference_id, content_hash, released,"
                    " record_json, raw_text) VALUES (%s, %s, %s, %s, %s, %s)",
                    _row((cable_id, p.reference_id, p.content_hash, p.released, p.cable[-2],
                          p.raw_text)))
                continue
            self.replace(cable_id, p)
            current[p.reference_id] = (cable_id, p.content_hash, p.released)
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
        conn.execute(
            "INSERT INTO versions(cable_id, reference_id, content_hash, released, record_json,"
            " raw_text) SELECT id, reference_id, content_hash, released, record_json, raw_text"
            " FROM cables WHERE id = %s", (cable_id,))
        for table in _CHILD_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE cable_id = %s", (cable_id,))
        conn.execute("DELETE FROM refs WHERE from_id = %s", (p.reference_id,))
        conn.execute("DELETE FROM cable_facets WHERE id = %s", (cable_id,))
        conn.execute(
            f"UPDATE cables SET {', '.join(c + ' = %s' for c in CABLE_COLUMNS)},"
            " tsv = %s::tsvector, subject_tsv = %s::tsvector WHERE id = %s",
            (*_row(p.cable), _tsv(p), _subject_tsv(p), cable_id))
        self.add(cable_id, p, new=False)
        self.flush()

    def add(self, cable_id: int, p: Prepared, *, new: bool) -> None:
        f = p.facet
        rows = self.rows
        if new:
            rows["cables"].append((cable_id, *_row(p.cable), _tsv(p), _subject_tsv(p)))
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


def _tsv(p: Prepared) -> str:
    # subject, tag_text and raw_text sit at these positions of CABLE_COLUMNS
    return tsvector_literal(p.cable[9], p.cable[11], p.cable[-1])


def _subject_tsv(p: Prepared) -> str:
    return tsvector_literal(p.cable[9], None, None)


def _source_row(p: Prepared, quarantined: bool) -> tuple[Any, ...]:
    src = p.source or {}
    meta = src.get("metadata")
    pos = position_of(src)
    return _row((p.content_hash, p.reference_id, int(quarantined), src.get("format"),
                 str(src.get("file") or ""), pos if pos is not None else -1,
                 dumps(meta, default=str) if meta else None))
