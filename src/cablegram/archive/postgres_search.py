"""Searching the PostgreSQL archive: totals and facet counts, the ranked page, hits with snippets,
on one connection and within the archive's time budget (`statement_timeout`).

What makes it fast:

- **Counts** of a words-only query never join: the ids matching the tsquery come back as one
  `array_agg` and are counted in Python against a cached per-cable index of (origin,
  classification, caveats, month) combinations, as on SQLite (`facets.py`). With field filters
  or an access filter, one grouped pass over `cable_facets`.
- **Ranking** reads each scored cable's tsvector (`ts_rank` has no index to use): "rank" scores
  every match up to `RANK_ALL`; past it, the subject hits (`cables.subject_tsv`, GIN) come first,
  scored on their subject alone (small and in the row), then the others, each newest first.
- **Snippets** are the paragraph around the first match, made in Python from the hits' records
  (`snippets.hit_snippet`, as on SQLite); `ts_headline`, which re-reads the text, only for a hit
  whose match is nowhere else (TAGS, REF, the header).
- `enable_seqscan` is off for full-text statements: the planner does not cost reading (detoasting)
  every tsvector, and for a common word it would scan the table, ~10x slower than the GIN index.

The time budget: before each statement the time left becomes `statement_timeout` (`SET LOCAL`),
so PostgreSQL itself stops a query past it, and the search fails with `QueryTimeout` as on SQLite.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import psycopg

from cablegram.archive import dims as dims_mod
from cablegram.archive import postgres_reader
from cablegram.archive.base import MARK_END, MARK_START, FacetCount, Hit, Sort
from cablegram.archive.budget import QueryCancelled, QueryTimeout, cancelled
from cablegram.archive.facets import joined_counts
from cablegram.archive.postgres_query import PgPlan, pg_text
from cablegram.archive.query import QueryError, parse_query
from cablegram.archive.snippets import body_snippet, hit_snippet, paragraph_snippet, positive_terms, term_pattern

if TYPE_CHECKING:
    from cablegram.archive.postgres import PostgresArchive
    from cablegram.archive.reader import ReaderSource

__all__ = ["GENERATION_SQL", "RANK_ALL", "Session", "counts", "hits", "page", "session"]

#: The archive's generation (see `PostgresArchive.generation`).
GENERATION_SQL = "SELECT generation FROM archive_state"

#: `ts_rank` weights for D, C, B, A: text 1, tags 4, subject 10 (FTS5's BM25 weights).
_WEIGHTS = "'{0.1, 0.1, 0.4, 1.0}'"
_HEADLINE = ('StartSel="' + MARK_START + '", StopSel="' + MARK_END + '", MaxWords=32,'
             ' MinWords=12, ShortWord=1, MaxFragments=1, FragmentDelimiter="…"')
#: Up to this many matches, "rank" orders them all by `ts_rank` (which reads every matching
#: tsvector, ~50 us each); past it, the subject hits by their subject's `ts_rank`, then the
#: others, newest first.
RANK_ALL = 500
#: `ts_headline` re-reads what it is given (~5 ms a cable for a whole text): the start only.
SNIPPET_CHARS = 6000
#: Up to this many matches of a words-only query, the ranked page is looked up by the ids the
#: counts found (primary key) instead of matching again: a phrase (`<->`) re-reads every
#: candidate's tsvector to check positions, and that is most of its time.
REUSE_IDS = 5000


class Session:
    """One connection, in one transaction, for the statements of a search; each statement runs
    with the time the budget has left as its `statement_timeout`. The connection is in pipeline
    mode for the whole search: `BEGIN` goes with the first statement, each statement with its
    settings, `COMMIT` with the end of the pipeline, one round trip each (a search of words is
    4: the generation with the counts, the page, the hits, the commit; 5 with `ts_headline`, or
    with field filters, whose compiling reads the dimensions the generation keys)."""

    def __init__(self, conn: psycopg.Connection, seconds: float | None) -> None:
        self.conn = conn
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds if seconds else None
        self.gone = cancelled.get()
        #: The ids `counts` found for a words-only query (`page` reuses them: see `REUSE_IDS`).
        self.ids: list[int] | None = None
        self._asked: psycopg.Cursor[Any] | None = None
        self._generation: int | None = None

    def all(self, sql: str, params: Sequence[Any] = (), *,
            text: bool = False) -> list[tuple[Any, ...]]:
        if self.gone is not None and self.gone.is_set():
            raise QueryCancelled()
        ms = 0
        if self.deadline is not None and self.seconds is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise QueryTimeout(self.seconds)
            ms = max(1, int(left * 1000))
        # the connection is in pipeline mode: the settings and the statement go together, and
        # fetching the rows is the one round trip
        self.conn.execute("SELECT set_config('statement_timeout', %s, true),"
                          " set_config('enable_seqscan', %s, true)",
                          (str(ms), "off" if text else "on"))
        return self.conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def generation(self) -> int:
        """The archive's generation, read in this transaction: asked with `BEGIN` (see
        `ask_generation`) and read with the first statement's answer, in its round trip."""
        if self._generation is None:
            if self._asked is None:
                self.ask_generation()
            assert self._asked is not None
            row = self._asked.fetchone()
            self._generation = int(row[0]) if row else 0
        return self._generation

    def ask_generation(self) -> None:
        """Send the generation's query now; `generation()` reads its answer when needed."""
        if self._asked is None:
            self._asked = self.conn.execute(GENERATION_SQL)


@contextmanager
def session(archive: PostgresArchive, what: str) -> Iterator[Session]:
    """A `Session` on a pooled connection; a statement stopped by the budget is `QueryTimeout`."""
    with archive.pool.connection() as conn:
        try:
            try:
                with conn.pipeline():
                    # BEGIN and COMMIT by hand: `conn.transaction()` waits for each of them
                    conn.execute("BEGIN")
                    yield Session(conn, archive.query_timeout)
                    conn.execute("COMMIT")
            finally:
                conn.rollback()  # after an error (nothing to do after the COMMIT)
        except psycopg.errors.QueryCanceled:
            raise QueryTimeout(archive.query_timeout or 0) from None
        except psycopg.errors.DataError as exc:  # a safety net: the compiler should prevent it
            raise QueryError(f"cannot search for {what!r}: {exc}") from None


def _index(reader: ReaderSource | None) -> str:
    """The relation (id, tsv, subject_tsv, created) words match in: the archive's, or with
    `reader` the archive's outside R and the reader's inside (`postgres_reader.match_source`)."""
    return "cables" if reader is None else postgres_reader.match_source(reader)


def source(plan: PgPlan, facets: bool = True, cables: bool = False, join: str = "",
           reader: ReaderSource | None = None) -> tuple[str, list[Any], str]:
    """FROM/WHERE selecting the matches, its parameters and the id column. Without words: over
    `f` (cable_facets). Words alone: over `c` (cables, or with `reader` its match source), or
    joined to `f` when `facets`. Words and conditions (SQL over `f`): the ids the GIN index
    gives, in a subquery planned on its own (`OFFSET 0`), joined to `f` and, when `cables`, to
    `c`: else the planner may walk the primary key and read every tsvector to test it, as it does
    not cost reading them. `join` is one more JOIN clause (over `f`)."""
    if plan.match is None:
        return (f"FROM cable_facets f {join} WHERE {plan.sql_where()}", list(plan.params),
                "f.id")
    index = _index(reader)
    if not facets and not plan.where and not join:
        return f"FROM {index} c WHERE c.tsv @@ %s::tsquery", [plan.match], "c.id"
    with_c = f" JOIN {index} c ON c.id = m.id" if cables else ""
    return (f"FROM (SELECT id FROM {index} x WHERE tsv @@ %s::tsquery OFFSET 0) AS m"
            f" JOIN cable_facets f ON f.id = m.id{with_c} {join} WHERE {plan.sql_where()}",
            [plan.match, *plan.params], "m.id")


def _combos(archive: PostgresArchive, s: Session, gen: int,
            fresh: bool = False) -> tuple[list[int], list[tuple[int, int, int, int]]]:
    """Per cable id, the index of its (origin, class, caveats, month) combination; cached until
    the next write."""
    key = ("combos", gen)
    found = archive._cache.get(key)
    if found is None or fresh:
        combos: dict[tuple[int, int, int, int], int] = {}
        rows = s.all("SELECT id, origin_id, class_id, caveat_mask, day / 100 FROM cable_facets")
        per_id = [0] * (max((r[0] for r in rows), default=0) + 1)
        for i, *combo in rows:
            per_id[i] = combos.setdefault(tuple(combo), len(combos))  # type: ignore[arg-type]
        found = (per_id, list(combos))
        for k in [k for k in archive._cache if k[0] == "combos"]:
            archive._cache.pop(k, None)
        archive._cache[key] = found
    return found  # type: ignore[no-any-return]


def counts(archive: PostgresArchive, s: Session, plan: PgPlan, facets: Sequence[str],
           reader: ReaderSource | None = None) -> tuple[int, dict[str, list[FacetCount]]]:
    """The total number of matches and the requested facet counts."""
    key = None
    if plan.match is None and not plan.where and reader is None:
        key = ("facets", tuple(facets), s.generation())
        if key in archive._cache:
            return archive._cache[key]  # type: ignore[no-any-return]
    wanted = set(facets)
    grouped = wanted & {"origin", "classification", "caveat", "year", "month"}
    text = plan.match is not None
    out: dict[str, list[FacetCount]] = {}
    if text and not plan.where:
        ids = s.all(f"SELECT array_agg(id) FROM {_index(reader)} c WHERE tsv @@ %s::tsquery", (plan.match,),
                    text=True)[0][0] or []
        total = len(ids)
        s.ids = ids if reader is None else None
        if grouped:
            per_id, combos = _combos(archive, s, s.generation())
            if ids and max(ids) >= len(per_id):  # cables written since: index them too
                per_id, combos = _combos(archive, s, s.generation(), fresh=True)
            counted = Counter(map(per_id.__getitem__, ids))
            total, out = dims_mod.tally(archive.dims(), ((*combos[c], n)
                                                         for c, n in counted.items()), wanted)
    else:
        frm, params, _ = source(plan, reader=reader)
        if grouped:
            groups = s.all("SELECT f.origin_id, f.class_id, f.caveat_mask, f.day / 100, count(*)"
                           f" {frm} GROUP BY 1, 2, 3, 4", params, text=text)
            total, out = dims_mod.tally(archive.dims(), groups, wanted)
        else:
            total = int(s.all(f"SELECT count(*) {frm}", params, text=text)[0][0])
    def joined(join: str) -> tuple[str, list[Any]]:
        frm, params, _ = source(plan, reader=reader, join=join)
        return frm, params
    out.update(joined_counts(lambda sql, p: s.all(sql, p, text=text), joined, wanted))
    result = total, {name: out[name] for name in facets}
    if key is not None:
        for stale in [k for k in archive._cache if k[0] == "facets"]:
            archive._cache.pop(stale, None)
        archive._cache[key] = result
    return result


def page(s: Session, plan: PgPlan, sort: Sort, limit: int, offset: int,
         total: int, reader: ReaderSource | None = None) -> list[tuple[int, float | None]]:
    """The ids (and scores) of the page, in `sort` order."""
    if plan.match is None or sort in ("date", "-date"):
        frm, params, _ = source(plan, reader=reader)
        order = "f.day, f.id" if sort == "date" else "f.day DESC, f.id DESC"
        return [(r[0], None) for r in s.all(
            f"SELECT f.id {frm} ORDER BY {order} LIMIT %s OFFSET %s", (*params, limit, offset),
            text=plan.match is not None)]
    frm, params, idc = source(plan, facets=False, cables=True, reader=reader)
    if s.ids is not None and len(s.ids) <= REUSE_IDS:  # the matches, without matching again
        frm, params, idc = "FROM cables c WHERE c.id = ANY(%s)", [s.ids], "c.id"
    score = f"ts_rank({_WEIGHTS}, c.tsv, %s::tsquery)"
    if sort == "bm25" or total <= RANK_ALL:
        order, extra = f"score DESC, {idc}", []
        if sort == "rank":
            order, extra = "(c.subject_tsv @@ %s::tsquery) DESC, " + order, [plan.match]
        rows = s.all(f"SELECT {idc}, {score} AS score {frm} ORDER BY {order} LIMIT %s OFFSET %s",
                     (plan.match, *params, *extra, limit, offset), text=True)
        return [(r[0], float(r[1])) for r in rows]
    # Many matches: the subject hits first, by how well the subject matches (`subject_tsv` is
    # small and stored in the row: no tsvector to read), then the others; each newest first
    need = offset + limit
    first = s.all(f"SELECT {idc}, ts_rank({_WEIGHTS}, c.subject_tsv, %s::tsquery) AS score {frm}"
                  f" AND c.subject_tsv @@ %s::tsquery ORDER BY score DESC, c.created DESC,"
                  f" {idc} DESC LIMIT %s", (plan.match, *params, plan.match, need), text=True)
    out = [(r[0], float(r[1])) for r in first]
    if len(out) < need:
        rest = s.all(f"SELECT {idc} {frm} AND NOT c.subject_tsv @@ %s::tsquery"
                     f" ORDER BY c.created DESC, {idc} DESC LIMIT %s",
                     (*params, plan.match, need - len(out)), text=True)
        out += [(r[0], None) for r in rest]
    return out[offset:]


def hits(archive: PostgresArchive, s: Session, plan: PgPlan, page: list[tuple[int, float | None]],
         queries: Sequence[str | None], reader: ReaderSource | None = None) -> list[Hit]:
    """The page's hits, with their snippets (with `reader`, from the texts as the reader sees
    them). Texts and records are stored compressed: decompressed here, and where the match is
    outside the paragraphs the server's `ts_headline` is given the text."""
    if not page:
        return []
    ids = [i for i, _ in page]
    pattern = term_pattern(t for q in queries if q for t in positive_terms(parse_query(q)))
    head = "id, reference_id, created, origin_label, classification_label, subject, dict_id, body"
    if reader is None:
        found = s.all(f"SELECT {head}, NULL, NULL FROM cables WHERE id = ANY(%s)", (ids,))
    else:
        found = s.all(f"SELECT {head}, shown_text, shown_record FROM {postgres_reader.texts(reader)} t"
                      " WHERE id = ANY(%s)", (ids,))
    rows: dict[int, tuple[Any, ...]] = {}
    texts: dict[int, str] = {}
    bodies: dict[int, str | None] = {}
    for r in found:
        raw, record = (r[8], r[9]) if r[9] is not None else archive.codec.record(r[6], bytes(r[7]))
        j = json.loads(record)
        summary = str(j.get("summary") or "")[:240]
        rows[r[0]] = (*r[:6], summary)
        texts[r[0]] = raw
        paragraphs = json.dumps(j.get("paragraphs") or []) if pattern is not None else None
        bodies[r[0]] = body_snippet(pattern, r[5] or "", summary, paragraphs)
    headers: dict[int, str] = {}
    missing = [i for i, body in bodies.items() if body is None]
    # the match is outside the paragraphs: where, the query's own pattern finds in the text (a
    # phrase marked whole, as FTS5's snippet does; `ts_headline` marks each word of it apart),
    # else PostgreSQL says
    for i in missing:
        found = paragraph_snippet([texts[i][:SNIPPET_CHARS]], pattern)
        if found:
            headers[i] = found
    missing = [i for i in missing if i not in headers]
    if plan.match and missing:
        headers.update(s.all(  # type: ignore[arg-type]
            f"SELECT u.i, ts_headline('simple', u.t, %s::tsquery, '{_HEADLINE}')"
            " FROM unnest(%s::bigint[], %s::text[]) AS u(i, t)",
            (plan.match, missing, [pg_text(texts[i][:SNIPPET_CHARS]) for i in missing])))
    out = []
    for i, score in page:
        r = rows[i]
        text = bodies[i] or hit_snippet(headers.get(i) or "", None, "", r[6] or "", None)
        if MARK_START not in text and text != (r[6] or ""):
            text = ""  # no match shown and no summary: nothing (as before)
        out.append(Hit(r[1], r[2], r[3], r[4], r[5], " ".join(text.split()), score))
    return out
