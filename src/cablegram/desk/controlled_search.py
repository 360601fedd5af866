"""Search in a controlled archive, exact for the reader: a cable matches only as the reader sees it.

The archive's full-text index holds each cable's stored text. For most cables that is what the
reader sees; for a readable cable with a portion above the reader (a paragraph or subject marked
higher than the reader's clearance, or with a caveat they lack) it is not: a word of the withheld
text would make the cable match, be counted and listed. So for each reader (an `AccessFilter`) and
archive state, a `ReaderIndex` holds those partly withheld cables (the set R) as the reader sees
them: redacted subject, tags, and the raw text re-rendered from the redacted record, in an
in-memory FTS5 table with the archive's tokenizer and BM25 weights. It lives in its own SQLite
connection with the archive file attached read-only, so the compiled query (the same MATCH
expression, the same field-filter SQL with `cables_fts` replaced by the reader's table) runs
against it with exactly the archive's phrase, prefix, column and boolean semantics.

A query's matches for the reader are then: the archive's matches outside R, plus the members of R
that match their redacted text. When the members of R that match are the same either way (and the
order does not depend on the text of R: a date sort, or no R cable among the matches), the
archive's own result is already exact; otherwise total, facets, order and page are computed over
the exact id set here.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cablegram.access import hidden_marks, needs_redaction, portion_visible, redact
from cablegram.archive.base import MARK_END, MARK_START, AccessFilter, FacetCount, Hit, Sort
from cablegram.archive.budget import DEFAULT_QUERY_TIMEOUT, time_budget
from cablegram.archive.query import Plan, QueryError
from cablegram.model import Cable
from cablegram.telegram.render import render

__all__ = ["ExactMatches", "ReaderIndex", "reader_index"]

#: Must agree with `cables_fts` in `cablegram.archive.schema`.
_TOKENIZER = "unicode61 remove_diacritics 2"
_RANK = "bm25(10.0, 4.0, 1.0)"
_TAG_LIMIT = 100  # as `cablegram.archive.facets.TAG_LIMIT`
_SNIPPET = "snippet({table}, 2, ?, ?, '…', 32)"


def _ids_json(ids: Iterable[int]) -> str:
    return json.dumps(sorted(ids))


@dataclass
class ExactMatches:
    """A query's matches among the partly withheld cables R: on the stored text and as the reader
    sees it."""

    stored: set[int]
    shown: dict[int, float | None]  # id -> BM25 rank in the reader's index

    @property
    def differ(self) -> bool:
        return self.stored != set(self.shown)


class ReaderIndex:
    """The partly withheld cables of one archive state, as one reader sees them, full-text indexed."""

    def __init__(self, archive: Any, access: AccessFilter) -> None:
        self.access = access
        self.lock = threading.RLock()
        self.conn = self._connect(archive)
        self.query_timeout = getattr(archive, "query_timeout", DEFAULT_QUERY_TIMEOUT)
        self.access_sql = archive.access_sql(access)
        self.ids: frozenset[int] = frozenset()
        self.reference_ids: frozenset[str | None] = frozenset()
        self.cables: dict[int, Cable] = {}  # the redacted records of R
        self._build()

    @staticmethod
    def _connect(archive: Any) -> sqlite3.Connection:
        conn = sqlite3.connect("file::memory:", uri=True, isolation_level=None, check_same_thread=False)
        archive.codec.register(conn)  # the archive's texts are compressed: `cable_texts` decompresses
        path = Path(str(getattr(archive, "path", "") or ""))
        if str(path) not in ("", ":memory:") and path.is_file():
            conn.execute("ATTACH DATABASE ? AS arc", (path.resolve().as_uri() + "?mode=ro",))
        else:  # an archive without a file: copy it (small ones only, as in tests)
            archive.db.backup(conn)
        return conn

    def _build(self) -> None:
        db = self.conn
        ids: set[int] = set()
        # candidates, cheaply: a mark above the reader in the stored text or record (capped by the
        # cable's level), or a paragraph or subject marking above them; then the exact check
        # (`needs_redaction`, the same function every read path uses) on each candidate's record
        hidden = [m for (m,) in db.execute("SELECT DISTINCT marking FROM paragraphs WHERE marking IS NOT NULL")
                  if not portion_visible(self.access, m)]
        if hidden:
            ids.update(r[0] for r in db.execute(
                "SELECT DISTINCT p.cable_id FROM paragraphs p JOIN cable_facets f ON f.id = p.cable_id"
                f" WHERE {self.access_sql} AND p.marking IN (SELECT value FROM json_each(?))", (json.dumps(hidden),)))
        for i, cls, caveats, mark, raw, record in db.execute(
                "SELECT c.id, c.classification, c.caveats, json_extract(c.record_json, '$.subject_marking'),"
                f" c.raw_text, c.record_json FROM cable_texts c JOIN cable_facets f ON f.id = c.id"
                f" WHERE {self.access_sql}"):
            line = Cable(classification=cls, caveats=tuple((caveats or "").split()))
            if (mark and not portion_visible(self.access, mark, line)) or hidden_marks(self.access, line, raw, record):
                ids.add(i)
        exact: set[int] = set()
        for i, raw, record in db.execute(
                "SELECT id, raw_text, record_json FROM cable_texts WHERE id IN (SELECT value FROM json_each(?))",
                (_ids_json(ids),)):
            if needs_redaction(self.access, Cable.from_dict(json.loads(record)), raw):
                exact.add(i)
        ids = exact
        db.execute(f"CREATE VIRTUAL TABLE main.reader_fts USING fts5(subject, tag_text, raw_text,"
                   f" tokenize='{_TOKENIZER}')")
        db.execute(f"INSERT INTO main.reader_fts(reader_fts, rank) VALUES ('rank', '{_RANK}')")
        rows = []
        for i, tag_text, record in db.execute(
                "SELECT id, tag_text, record_json FROM cable_texts WHERE id IN (SELECT value FROM json_each(?))",
                (_ids_json(ids),)):
            shown = redact(Cable.from_dict(json.loads(record)), self.access)
            self.cables[i] = shown
            rows.append((i, shown.subject, tag_text, render(shown)))
        db.executemany("INSERT INTO main.reader_fts(rowid, subject, tag_text, raw_text) VALUES (?, ?, ?, ?)", rows)
        self.ids = frozenset(self.cables)
        self.reference_ids = frozenset(c.reference_id for c in self.cables.values())

    def close(self) -> None:
        self.conn.close()

    # --- matching ----------------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        try:
            with self.lock, time_budget(self.conn, self.query_timeout):
                return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):  # an enclosing budget's: it says which
                raise
            raise QueryError(f"cannot search: {exc}") from None

    @staticmethod
    def _shown_where(plan: Plan) -> str:
        return plan.sql_where().replace("cables_fts", "reader_fts")

    def stored(self, plan: Plan, match: str | None = None, *, in_r: bool,
               ids: set[int] | None = None) -> list[tuple[int, float | None, int]]:
        """(id, rank, day) of the archive's matches (on the stored text) inside or outside R."""
        side = "IN" if in_r else "NOT IN"
        only = "" if ids is None else " AND f.id IN (SELECT value FROM json_each(?))"
        extra = [] if ids is None else [_ids_json(ids)]
        match = match or plan.match
        if match is None:
            return self._rows(f"SELECT f.id, NULL, f.day FROM cable_facets f WHERE {plan.sql_where()}"
                              f" AND f.id {side} (SELECT rowid FROM main.reader_fts){only}", [*plan.params, *extra])
        return self._rows(
            "SELECT fts.rowid, fts.rank, f.day FROM cables_fts fts JOIN cable_facets f ON f.id = fts.rowid"
            f" WHERE cables_fts MATCH ? AND {plan.sql_where()} AND f.id {side} (SELECT rowid FROM main.reader_fts)"
            f"{only}", [match, *plan.params, *extra])

    def shown(self, plan: Plan, match: str | None = None) -> list[tuple[int, float | None, int]]:
        """(id, rank, day) of the members of R that match as the reader sees them."""
        match = match or plan.match
        if match is None:
            return self._rows(f"SELECT f.id, NULL, f.day FROM cable_facets f WHERE {self._shown_where(plan)}"
                              " AND f.id IN (SELECT rowid FROM main.reader_fts)", plan.params)
        return self._rows(
            "SELECT r.rowid, r.rank, f.day FROM main.reader_fts r JOIN cable_facets f ON f.id = r.rowid"
            f" WHERE reader_fts MATCH ? AND {self._shown_where(plan)}", [match, *plan.params])

    def matches(self, plan: Plan) -> ExactMatches:
        """The query's matches in R, on the stored text and on the redacted text."""
        if not self.ids:
            return ExactMatches(set(), {})
        return ExactMatches({r[0] for r in self.stored(plan, in_r=True)}, {r[0]: r[1] for r in self.shown(plan)})

    def exact_ids(self, plan: Plan) -> list[int]:
        """Every match for the reader, oldest first."""
        rows = self.stored(plan, in_r=False) + self.shown(plan)
        return [i for i, _, _ in sorted(rows, key=lambda r: (r[2], r[0]))]

    def ordered(self, plan: Plan, sort: Sort) -> list[tuple[int, float | None]]:
        """Every match for the reader in `sort` order, with its BM25 rank (None without words).

        Ranks of R come from the reader's own index (its redacted text; corpus statistics of R),
        the others from the archive's: both order by BM25, neither sees a withheld word."""
        rows = self.stored(plan, in_r=False) + self.shown(plan)
        if plan.match is None or sort in ("date", "-date"):
            rev = sort != "date"
            rows.sort(key=lambda r: (r[2], r[0]), reverse=rev)
            return [(i, rank) for i, rank, _ in rows]
        tier: set[int] = set()
        if sort == "rank":  # subject matches first, as the archive's "rank" sort
            in_subject = f"({plan.match}) AND (subject : ({plan.match}))"
            tier = {r[0] for r in self.stored(plan, in_subject, in_r=False)}
            tier |= {r[0] for r in self.shown(plan, in_subject)}
        rows.sort(key=lambda r: (r[0] not in tier, r[1] if r[1] is not None else 0.0, r[0]))
        return [(i, rank) for i, rank, _ in rows]

    # --- counting and listing ----------------------------------------------------------------

    def facets(self, archive: Any, ids: Sequence[int], facets: Sequence[str]) -> dict[str, list[FacetCount]]:
        """Facet counts over exactly `ids`, as `cablegram.archive.facets.count` gives them."""
        wanted = set(facets)
        dims = archive.dims()
        bits = {b: c for c, b in dims["caveat"].items()}
        counters: dict[str, Counter[str]] = {n: Counter() for n in wanted - {"tag"}}
        doc = _ids_json(ids)
        for origin_id, class_id, mask, ym in self._rows(
                "SELECT origin_id, class_id, caveat_mask, day / 100 FROM cable_facets"
                " WHERE id IN (SELECT value FROM json_each(?))", [doc]):
            if "origin" in wanted:
                counters["origin"][dims["origin"][origin_id][0]] += 1
            if "classification" in wanted:
                counters["classification"][dims["class"][class_id][0]] += 1
            if "caveat" in wanted:
                for bit, name in bits.items():
                    if mask >> bit & 1:
                        counters["caveat"][name] += 1
            if "month" in wanted:
                counters["month"][f"{ym // 100:04d}-{ym % 100:02d}"] += 1
            if "year" in wanted:
                counters["year"][f"{ym // 100:04d}"] += 1
        out: dict[str, list[FacetCount]] = {}
        for name, counter in counters.items():
            items = sorted(counter.items()) if name in ("year", "month") else sorted(
                counter.items(), key=lambda kv: (-kv[1], kv[0]))
            out[name] = [FacetCount(v, n) for v, n in items if n]
        if "tag" in wanted:
            out["tag"] = [FacetCount(t, n) for t, n in self._rows(
                "SELECT tag, count(*) AS n FROM tags WHERE cable_id IN (SELECT value FROM json_each(?))"
                f" GROUP BY tag ORDER BY n DESC, tag LIMIT {_TAG_LIMIT}", [doc])]
        return {name: out[name] for name in facets}

    def snippets(self, plan: Plan, ids: Sequence[int]) -> dict[int, str]:
        """FTS5 snippets of the raw text: of R from the reader's redacted text, of others the stored."""
        if plan.match is None or not ids:
            return {}
        out: dict[int, str] = {}
        for table, part in (("cables_fts", [i for i in ids if i not in self.ids]),
                            ("reader_fts", [i for i in ids if i in self.ids])):
            if part:
                out.update(self._rows(
                    f"SELECT rowid, {_SNIPPET.format(table=table)} FROM {table} WHERE {table} MATCH ?"
                    " AND rowid IN (SELECT value FROM json_each(?))",
                    [MARK_START, MARK_END, plan.match, _ids_json(part)]))
        return out

    def hits(self, plan: Plan, page: Sequence[tuple[int, float | None]]) -> list[Hit]:
        """The page's hits; subjects, snippets and summaries of R from the redacted records."""
        if not page:
            return []
        ids = [i for i, _ in page]
        snippets = self.snippets(plan, ids)
        rows = {r[0]: r for r in self._rows(
            "SELECT id, reference_id, created, origin_label, classification_label, subject,"
            " substr(json_extract(record_json, '$.summary'), 1, 240)"
            " FROM cable_texts WHERE id IN (SELECT value FROM json_each(?))", [_ids_json(ids)])}
        out = []
        for i, rank in page:
            _, rid, created, origin, cls, subject, summary = rows[i]
            if i in self.cables:
                shown = self.cables[i]
                subject, summary = shown.subject, (shown.summary or "")[:240] or None
            snippet = snippets.get(i) or ""
            if MARK_START not in snippet and summary:
                snippet = summary
            out.append(Hit(rid, created, origin, cls, subject, " ".join(snippet.split()),
                           -rank if rank is not None else None))
        return out

    def records(self, ids: Sequence[int], chunk: int = 500) -> Iterable[Cable]:
        """The records of `ids` in that order (R already redacted; the others as stored)."""
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            rows = dict(self._rows("SELECT id, record_json FROM cable_texts"
                                   " WHERE id IN (SELECT value FROM json_each(?))", [_ids_json(part)]))
            for i in part:
                yield self.cables[i] if i in self.cables else Cable.from_dict(json.loads(rows[i]))


_INDEXES: weakref.WeakKeyDictionary[Any, dict[AccessFilter, tuple[Any, ReaderIndex]]] = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def reader_index(archive: Any, access: AccessFilter) -> ReaderIndex:
    """The reader's index of `archive` as it is now (cached per archive object, access and generation)."""
    generation = archive.generation()
    with _INDEXES_LOCK:
        per = _INDEXES.setdefault(archive, {})
        got = per.get(access)
        if got is not None and got[0] == generation:
            return got[1]
    index = ReaderIndex(archive, access)  # a replaced one closes when its last user lets it go
    with _INDEXES_LOCK:
        per.pop(access, None)
        per[access] = (generation, index)
        for key in list(per)[:-16]:  # bounded: the 16 most recently built readers' indexes
            del per[key]
    return index
