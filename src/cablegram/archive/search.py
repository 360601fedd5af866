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
from cablegram.archive import reading
from cablegram.archive.base import (
    MARK_END,
    MARK_START,
    AccessFilter,
    Hit,
    SearchResult,
    Sort,
)
from cablegram.archive.budget import QueryCancelled, QueryTimeout, time_budget
from cablegram.archive.query import MAX_LIMIT, Plan, QueryError, check_search, compile_for, parse_query
from cablegram.archive.snippets import body_snippet, positive_terms, term_pattern
from cablegram.archive.snippets import hit_snippet as _snippet
from cablegram.archive.sqlite_reader import matches, tables
from cablegram.model import Cable

if TYPE_CHECKING:
    from cablegram.archive.backend import SQLBackend
    from cablegram.archive.reader import ReaderSource

__all__ = ["MAX_LIMIT", "compile_for", "iter_ids", "search", "suggest"]

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
    # the paragraph around the first match; the index's own snippet (it reads and tokenizes the
    # whole text) only for the hits whose match is elsewhere
    body = {i: body_snippet(pattern, rows[i][5] or "", rows[i][6] or "", rows[i][7]) for i in ids}
    snippets: dict[int, str] = {}
    rest = [i for i in ids if not body[i]]
    if plan.match and rest:
        snippets = _fts_snippets(archive, "cables_fts", plan.match, [i for i in rest if i not in in_r])
        if reader is not None:
            snippets.update(_fts_snippets(archive, tables(reader)[0], plan.match, [i for i in rest if i in in_r]))
    out = []
    for i, score in page:
        r = rows[i]
        snippet = body[i] or _snippet(snippets.get(i) or "", None, r[5] or "", r[6] or "", None)
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
    check_search(facets, sort, limit, offset)
    plan = compile_for(archive, query, filters, access, reader)

    def run() -> SearchResult:
        page = _page_ids(archive, plan, sort, limit, offset, reader) if limit else []
        total, counts = facets_mod.count(archive, plan, facets, reader)
        return SearchResult(query=query, total=total, hits=_hits(archive, plan, page, (query, filters), reader),
                            facets=counts, offset=offset, limit=limit)

    return guarded(archive, query, run)


def hits_of(archive: SQLBackend, query: str, ids: Sequence[int], *, access: AccessFilter | None = None,
            reader: ReaderSource | None = None) -> list[Hit]:
    """The hits of the cables with row ids `ids`, in that order, as `search` for `query` shows them
    (subjects and snippets; a cable of R as the reader sees it), without searching, counting or
    ranking: for a caller that chose the cables itself. Those `access` hides are left out."""
    if not ids:
        return []
    plan = compile_for(archive, query, None, access, reader)
    marks = ",".join("?" * len(ids))
    shown = {i for (i,) in archive.db.execute(
        f"SELECT f.id FROM cable_facets f WHERE f.id IN ({marks}) AND {archive.access_sql(access)}", list(ids))}
    return guarded(archive, query, lambda: _hits(archive, plan, [(i, None) for i in ids if i in shown],
                                                 (query,), reader))


def iter_ids(archive: SQLBackend, query: str, *, access: AccessFilter | None = None,
             chunk: int = 500, reader: ReaderSource | None = None) -> Iterator[list[int]]:
    """The ids of every match, oldest first, in chunks (all found within the time budget)."""
    plan = compile_for(archive, query, None, access, reader)
    m = matches(plan, reader)
    sql = f"SELECT f.id {m.sql} ORDER BY f.day, f.id"
    ids = guarded(archive, query, lambda: [r[0] for r in archive.db.execute(sql, m.params)])
    for start in range(0, len(ids), chunk):
        yield ids[start:start + chunk]


def suggest(archive: SQLBackend, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
    """Type-ahead suggestions (`reading.suggest`) within the archive's time budget."""
    if not prefix.strip():
        return []
    return guarded(archive, prefix, lambda: reading.suggest(archive, prefix, limit))
