"""Searching the SQLite archive: ranked hits with snippets, totals, paging, sorting.

Every function takes the backend interface (`cablegram.archive.backend.SQLBackend`), not the
archive class, and an optional reader's match source (`cablegram.archive.reader`): one search
path for an open archive and for a reader of a controlled one.

The ranked page comes from FTS5 (`ORDER BY rank` = BM25, subject weighted 10, tags 4, text 1);
facet counts come from `facets.py`, which never touches the wide `cables` rows.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from cablegram.archive import facets as facets_mod
from cablegram.archive.base import (
    ENTITY_FACETS,
    FACETS,
    MARK_END,
    MARK_START,
    AccessFilter,
    Hit,
    SearchResult,
    Sort,
)
from cablegram.archive.budget import QueryCancelled, QueryTimeout, time_budget
from cablegram.archive.query import Plan, QueryError, compile_query, parse_query
from cablegram.archive.snippets import hit_snippet as _snippet
from cablegram.archive.snippets import positive_terms, term_pattern
from cablegram.archive.sqlite_reader import for_reader, matches, tables
from cablegram.model import Cable

if TYPE_CHECKING:
    from cablegram.archive.backend import SQLBackend
    from cablegram.archive.reader import ReaderSource

__all__ = ["compile_for", "iter_ids", "search", "suggest"]

MAX_LIMIT = 1000
_SPACES = re.compile(r"\s+")
T = TypeVar("T")


def guarded(archive: SQLBackend, what: str, work: Callable[[], T]) -> T:
    """`work()` (reads only) within the archive's time budget (`QueryTimeout` past it).

    Once more when SQLite fails it with "SQL logic error": SQLite 3.40's FTS5 fails the first
    ranked query after another connection changed the index's settings (ingest does) that way,
    once per connection. Any other SQLite error becomes a `QueryError` (a safety net: the
    compiler should prevent them).
    """
    for attempt in (1, 2):
        try:
            with time_budget(archive.db, archive.query_timeout):
                return work()
        except (QueryTimeout, QueryCancelled):
            raise
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):  # an enclosing budget's: it says which
                raise
            if attempt == 2 or "logic error" not in str(exc):
                raise QueryError(f"cannot search for {what!r}: {exc}") from None
    raise AssertionError("unreachable")  # pragma: no cover


def compile_for(archive: SQLBackend, query: str, filters: str | None,
                access: AccessFilter | None, reader: ReaderSource | None = None) -> Plan:
    """Parse and compile `query` AND `filters`, with the access filter as one more condition (and
    `advice:` only of the cables the reader may fully see: those outside `reader`'s R)."""
    plan = compile_query(parse_query(query or ""), archive)
    if filters:
        extra = compile_query(parse_query(filters), archive)
        if extra.match:
            plan.match = f"({plan.match}) AND ({extra.match})" if plan.match else extra.match
        plan.where += extra.where
        plan.params += extra.params
    if access is not None:
        plan.where.append(archive.access_sql(access))
        from cablegram.advise import filters as advice

        plan.where = advice.for_reader(
            plan.where, f"SELECT id FROM {tables(reader)[1]}" if reader is not None else None)
    return plan


def _ranked(archive: SQLBackend, plan: Plan, match: str, need: int,
            reader: ReaderSource | None = None) -> list[tuple[int, float | None]]:
    if reader is not None:
        m = matches(plan, reader, match)
        return archive.db.execute(f"SELECT {m.id}, {m.rank} {m.sql} ORDER BY {m.rank}, {m.id} LIMIT ?",
                                  (*m.params, need)).fetchall()
    join = "" if not plan.where else " JOIN cable_facets f ON f.id = fts.rowid"
    sql = (f"SELECT fts.rowid, fts.rank FROM cables_fts fts{join}"
           f" WHERE cables_fts MATCH ? AND {plan.sql_where()} ORDER BY fts.rank LIMIT ?")
    rows: list[tuple[int, float | None]] = archive.db.execute(
        sql, (match, *plan.params, need)).fetchall()
    return rows


def _page_ids(archive: SQLBackend, plan: Plan, sort: Sort, limit: int,
              offset: int, reader: ReaderSource | None = None) -> list[tuple[int, float | None]]:
    if plan.match is None:
        order = "f.day DESC, f.id DESC" if sort != "date" else "f.day, f.id"
        sql = (f"SELECT f.id, NULL FROM cable_facets f WHERE {plan.sql_where()}"
               f" ORDER BY {order} LIMIT ? OFFSET ?")
        return archive.db.execute(sql, (*plan.params, limit, offset)).fetchall()
    need = offset + limit
    if sort == "bm25":
        return _ranked(archive, plan, plan.match, need, reader)[offset:]
    if sort == "rank":
        # Subject hits first, each tier by BM25: ranking then scores only the (usually few)
        # cables whose subject matches, and the rest only when those do not fill the page.
        in_subject = f"({plan.match}) AND (subject : ({plan.match}))"
        first = _ranked(archive, plan, in_subject, need, reader)
        if len(first) < need:
            rest = f"({plan.match}) NOT (subject : ({plan.match}))"
            first += _ranked(archive, plan, rest, need - len(first), reader)
        return first[offset:]
    order = {"date": "f.day, f.id", "-date": "f.day DESC, f.id DESC"}[sort]
    m = matches(plan, reader)
    return archive.db.execute(f"SELECT {m.id}, {m.rank} {m.sql} ORDER BY {order} LIMIT ? OFFSET ?",
                              (*m.params, limit, offset)).fetchall()


def _fts_snippets(archive: SQLBackend, table: str, match: str, ids: list[int]) -> dict[int, str]:
    """FTS5 snippets of the raw text of `ids` in `table` (`cables_fts` or a reader's index)."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    bare = table.split(".", 1)[-1]
    if "*" in match:
        # a prefix query re-expands its terms on every rowid lookup: scan the id range once
        return {r[0]: r[1] for r in archive.db.execute(
            f"SELECT rowid, CASE WHEN rowid IN ({marks}) THEN"
            f" snippet({bare}, 2, ?, ?, '…', 32) END FROM {table}"
            f" WHERE {bare} MATCH ? AND rowid BETWEEN ? AND ?",
            (*ids, MARK_START, MARK_END, match, min(ids), max(ids))) if r[1] is not None}
    return dict(archive.db.execute(
        f"SELECT rowid, snippet({bare}, 2, ?, ?, '…', 32) FROM {table}"
        f" WHERE {bare} MATCH ? AND rowid IN ({marks})",
        (MARK_START, MARK_END, match, *ids)))


def _hits(archive: SQLBackend, plan: Plan, page: list[tuple[int, float | None]],
          queries: Sequence[str | None] = (), reader: ReaderSource | None = None) -> list[Hit]:
    """The page's hits: of R (cables partly withheld from the reader) from their redacted records
    and the reader's index only."""
    if not page:
        return []
    ids = [i for i, _ in page]
    marks = ",".join("?" * len(ids))
    in_r = [i for i in ids if reader is not None and i in reader.ids]
    snippets: dict[int, str] = {}
    if plan.match:
        snippets = _fts_snippets(archive, "cables_fts", plan.match, [i for i in ids if i not in in_r])
        if reader is not None:
            snippets.update(_fts_snippets(archive, tables(reader)[0], plan.match, in_r))
    pattern = term_pattern(t for q in queries if q for t in positive_terms(parse_query(q)))
    rows = {r[0]: r for r in archive.db.execute(
        "SELECT id, reference_id, created, origin_label, classification_label, subject,"
        " substr(json_extract(record_json, '$.summary'), 1, 240),"
        " CASE WHEN ? THEN json_extract(record_json, '$.paragraphs') END"
        f" FROM cable_texts WHERE id IN ({marks})",
        (pattern is not None, *ids))}
    if in_r:
        from cablegram.access import is_withheld  # access imports the archive package

        assert reader is not None
        for i, record in archive.db.execute(
                f"SELECT id, record_json FROM {tables(reader)[1]} WHERE id IN ({','.join('?' * len(in_r))})", in_r):
            shown = Cable.from_dict(json.loads(record))
            texts = json.dumps([{"text": p.text} for p in shown.paragraphs if not is_withheld(p)])
            rows[i] = (*rows[i][:5], shown.subject, (shown.summary or "")[:240] or None, texts)
    out = []
    for i, score in page:
        r = rows[i]
        snippet = _snippet(snippets.get(i) or "", pattern, r[5] or "", r[6] or "", r[7])
        out.append(Hit(r[1], r[2], r[3], r[4], r[5], _SPACES.sub(" ", snippet).strip(),
                       -score if score is not None else None))
    return out


def search(archive: SQLBackend, query: str, *, filters: str | None = None,
           facets: Sequence[str] = (), limit: int = 20, offset: int = 0, sort: Sort = "rank",
           access: AccessFilter | None = None, reader: ReaderSource | None = None) -> SearchResult:
    """Search the archive with the query language (see `cablegram.archive.query`).

    Returns `limit` hits from `offset` in `sort` order, the total number of matches and the
    counts of each requested facet (`origin`, `year`, `month`, `classification`, `tag`,
    `caveat`). Raises `QueryError` for a malformed query or an unknown facet or sort.

    Sorts: "rank" puts cables whose subject matches the query first, then the others, each
    group by BM25 (subject 10, TAGS 4, text 1): fast, since BM25 is computed for the subject
    hits only unless they do not fill the page; "bm25" is plain BM25 over every match (slower
    on large match sets); "date" / "-date" oldest / newest first. Without words in the query,
    "rank" and "bm25" mean newest first.

    With `reader` (a `cablegram.archive.reader` match source for `access`), the cables partly
    withheld from that reader match, count, rank and show snippets only as the reader sees them.
    """
    if sort not in ("rank", "bm25", "date", "-date"):
        raise QueryError(f"unknown sort {sort!r}: use rank, bm25, date or -date")
    unknown = [f for f in facets if f not in FACETS + ENTITY_FACETS]
    if unknown:
        raise QueryError(f"unknown facet {unknown[0]!r}; facets are {', '.join(FACETS + ENTITY_FACETS)}")
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise QueryError(f"limit must be 0..{MAX_LIMIT} and offset at least 0")
    plan = for_reader(compile_for(archive, query, filters, _checked_access(access, reader), reader), reader)

    def run() -> SearchResult:
        page = _page_ids(archive, plan, sort, limit, offset, reader) if limit else []
        total, counts = facets_mod.count(archive, plan, facets, reader)
        return SearchResult(query=query, total=total, hits=_hits(archive, plan, page, (query, filters), reader),
                            facets=counts, offset=offset, limit=limit)

    return guarded(archive, query, run)


def iter_ids(archive: SQLBackend, query: str, *, access: AccessFilter | None = None,
             chunk: int = 500, reader: ReaderSource | None = None) -> Iterator[list[int]]:
    """The ids of every match, oldest first, in chunks (all found within the time budget)."""
    plan = for_reader(compile_for(archive, query, None, _checked_access(access, reader), reader), reader)
    m = matches(plan, reader)
    sql = f"SELECT f.id {m.sql} ORDER BY f.day, f.id"
    ids = guarded(archive, query, lambda: [r[0] for r in archive.db.execute(sql, m.params)])
    for start in range(0, len(ids), chunk):
        yield ids[start:start + chunk]


def _checked_access(access: AccessFilter | None, reader: ReaderSource | None) -> AccessFilter | None:
    """The access filter of a search; a reader's source is only for its own access (fail closed)."""
    if reader is not None and reader.access != access:
        raise QueryError("the reader's match source is for another access")
    return access


def suggest(archive: SQLBackend, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
    """Type-ahead suggestions: (kind, value) for origins, tags and reference ids."""
    p = prefix.strip()
    if not p:
        return []
    return guarded(archive, prefix, lambda: _suggest(archive, p, limit))


def _suggest(archive: SQLBackend, p: str, limit: int) -> list[tuple[str, str]]:
    like = p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    out: list[tuple[str, str]] = []
    low = p.lower()
    for label, station in archive.dims()["origin"].values():
        if label.lower().startswith(low) or (station or "").lower().startswith(low) or \
                any(w.startswith(low) for w in label.lower().split()):
            out.append(("origin", label))
    out.sort()
    out += [("tag", r[0]) for r in archive.db.execute(
        "SELECT DISTINCT tag FROM tags WHERE tag >= ? AND tag < ? ORDER BY tag LIMIT ?",
        (p.upper(), p.upper() + "\uffff", limit))]
    out += [("reference_id", r[0]) for r in archive.db.execute(
        "SELECT reference_id FROM cables WHERE reference_id LIKE ? ESCAPE '\\'"
        " ORDER BY reference_id LIMIT ?", (like.upper(), limit))]
    return out[:limit]


