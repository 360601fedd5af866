"""`ControlledArchive`: an `Archive` seen through one reader's access, for every read path.

The archive itself hides cables above the reader (its `AccessFilter`, applied in SQL: hits,
totals, facets, graph, exports). This wrapper adds what SQL cannot: portions of a readable cable
above the reader are withheld (`cablegram.access.redact`) in records, raw text (re-rendered from
the redacted record, never the stored original), versions, snippets and subjects of hits; search,
its totals, facets and exports match a partly withheld cable only on its redacted text
(`cablegram.desk.controlled_search`); type-ahead
only offers what the reader can find; statistics count only readable cables. The reader bound at
construction overrides any `access` a caller passes, so a view that forgets it still cannot leak.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cablegram.access import access_filter, can_read, is_withheld, needs_redaction, redact, shown_text
from cablegram.archive.base import MARK_END, MARK_START, AccessFilter, Archive, Hit, SearchResult, Sort
from cablegram.archive.query import Plan
from cablegram.desk.controlled_search import ReaderIndex, reader_index
from cablegram.model import Cable
from cablegram.telegram.parse import parse

if TYPE_CHECKING:
    import pandas

    from cablegram.archive.base import References, Thread, VersionInfo

__all__ = ["ControlledArchive", "redacted_snippet"]

_WORD = re.compile(r"[A-Za-z0-9]{3,}")
_FILTER = re.compile(r'\b\w+:("[^"]*"|\S+)')
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def redacted_snippet(cable: Cable, query: str, width: int = 200) -> str:
    """A snippet of the (redacted) cable's shown text around the first query word, marked like FTS5's
    (withheld notices are no text: a snippet never cuts one in half)."""
    words = [w.lower() for w in _WORD.findall(_FILTER.sub(" ", query)) if w.upper() not in _OPERATORS]
    text = " ".join(p.text for p in cable.paragraphs if not is_withheld(p))
    low = text.lower()
    for w in words:
        i = low.find(w)
        if i >= 0:
            start = max(0, i - width // 2)
            return ("…" if start else "") + text[start:i] + MARK_START + text[i:i + len(w)] + MARK_END + \
                text[i + len(w):i + width // 2] + "…"
    return (cable.summary or text)[:width]


class ControlledArchive:
    """Reads of `inner` as `reader` sees them (None: pass-through, an open archive)."""

    def __init__(self, inner: Archive, reader: Any) -> None:
        self.inner = inner
        self.reader = reader
        self.access: AccessFilter | None = access_filter(reader)

    def __getattr__(self, name: str) -> Any:  # path, generation, db ... of the inner archive
        return getattr(self.inner, name)

    def close(self) -> None:
        """Close the inner archive."""
        self.inner.close()

    def _acc(self, access: AccessFilter | None) -> AccessFilter | None:
        return self.access if self.access is not None else access

    def _shown(self, cable: Cable | None) -> Cable | None:
        if cable is None or self.access is None:
            return cable
        if not can_read(self.access, cable):
            return None
        return redact(cable, self.access)

    def get(self, reference_id: str, *, access: AccessFilter | None = None) -> Cable | None:
        """The record, redacted for the reader."""
        return self._shown(self.inner.get(reference_id, access=self._acc(access)))

    def quarantine_reason(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        """Why a record was quarantined, under the reader's access (not through `__getattr__`)."""
        lookup = getattr(self.inner, "quarantine_reason", None)
        return lookup(reference_id, access=self._acc(access)) if lookup else None

    def raw_text(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        """The stored text, or the redacted record re-rendered when some portion is withheld."""
        acc = self._acc(access)
        raw = self.inner.raw_text(reference_id, access=acc)
        if raw is None or self.access is None:
            return raw
        cable = self.inner.get(reference_id, access=acc)
        if cable is None or not can_read(self.access, cable):
            return None
        return shown_text(self.access, cable, raw)

    def versions(self, reference_id: str, *, access: AccessFilter | None = None) -> list[VersionInfo]:
        """Each known text the reader may see, redacted and re-rendered where needed."""
        out = []
        for v in self.inner.versions(reference_id, access=self._acc(access)):
            if self.access is None:
                out.append(v)
                continue
            cable = parse(v.raw_text)
            if not can_read(self.access, cable):
                continue
            out.append(replace(v, raw_text=shown_text(self.access, cable, v.raw_text)))
        return out

    def search(self, query: str, *, filters: str | None = None, facets: Sequence[str] = (), limit: int = 20,
               offset: int = 0, sort: Sort = "rank", access: AccessFilter | None = None) -> SearchResult:
        """Hits the reader may see, matched, counted and ordered on the text as the reader sees it.

        A cable with a portion withheld from the reader matches only through its redacted text
        (see `cablegram.desk.controlled_search`); its snippet and subject come from that text too."""
        result = self.inner.search(query, filters=filters, facets=facets, limit=limit, offset=offset,
                                   sort=sort, access=self._acc(access))
        if self.access is None:
            return result
        index, plan = self._exact(query, filters)
        found = index.matches(plan)
        if not found.differ and (not found.shown or sort in ("date", "-date") or plan.match is None):
            # the archive's own matches, counts and order are already those of the reader's view
            # (hits of partly withheld cables: subject, snippet and score from the redacted text)
            by_id = dict(self._ids([h.reference_id for h in result.hits]))
            hits = [index.hits(plan, [(i, found.shown[i])])[0] if (i := by_id[h.reference_id]) in index.ids
                    else h for h in result.hits]
            return replace(result, hits=self._checked(hits, index, f"{query} {filters or ''}"))
        ordered = index.ordered(plan, sort)
        ids = [i for i, _ in ordered]
        hits = self._checked(index.hits(plan, ordered[offset:offset + limit]), index, f"{query} {filters or ''}")
        return replace(result, total=len(ids), hits=hits,
                       facets=index.facets(self.inner, ids, facets) if facets else {})

    def _checked(self, hits: list[Hit], index: ReaderIndex, query: str) -> list[Hit]:
        """Fail closed: a hit outside the reader's index of partly withheld cables is checked against
        its record, and shown redacted should its record say otherwise."""
        assert self.access is not None
        out = []
        for h in hits:
            if h.reference_id not in index.reference_ids:
                cable = self.inner.get(h.reference_id, access=self.access)
                if cable is None or not can_read(self.access, cable):
                    continue
                if needs_redaction(self.access, cable):
                    shown = redact(cable, self.access)
                    h = replace(h, subject=shown.subject, snippet=redacted_snippet(shown, query), score=None)
            out.append(h)
        return out

    def _exact(self, query: str, filters: str | None = None) -> tuple[ReaderIndex, Plan]:
        from cablegram.archive.search import compile_for

        if not hasattr(self.inner, "access_sql") or getattr(self.inner, "db", None) is None:
            raise NotImplementedError("exact controlled search needs an SQLite archive")
        assert self.access is not None
        return reader_index(self.inner, self.access), compile_for(self.inner, query, filters, self.access)

    def _ids(self, reference_ids: list[str]) -> list[tuple[str, int]]:
        if not reference_ids:
            return []
        marks = ",".join("?" * len(reference_ids))
        return self.inner.db.execute(f"SELECT reference_id, id FROM cables WHERE reference_id IN ({marks})",
                                     reference_ids).fetchall()  # type: ignore[no-any-return]

    def iter_records(self, query: str = "", *, access: AccessFilter | None = None) -> Iterator[Cable]:
        """Every record the reader may see that matches as they see it, redacted, by date."""
        if self.access is not None:
            index, plan = self._exact(query)
            if index.matches(plan).differ:
                for c in index.records(index.exact_ids(plan)):
                    shown = self._shown(c)
                    if shown is not None:
                        yield shown
                return
        for c in self.inner.iter_records(query, access=self._acc(access)):
            shown = self._shown(c)
            if shown is not None:
                yield shown

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """Type-ahead over what the reader can find: filtered first, then the first `limit`.

        Checks read no record (so they are not reads): reference ids against the archive's access
        SQL, origins and tags by whether a search of them finds anything."""
        if self.access is None:
            return self.inner.suggest(prefix, limit=limit)
        checked: dict[tuple[str, str], bool] = {}
        asked = max(limit, 1)
        while True:
            found = self.inner.suggest(prefix, limit=asked)
            todo = [x for x in found if x not in checked]
            checked.update(self._findable(todo))
            out = [x for x in found if checked[x]]
            if len(out) >= limit or len(found) < asked:
                return out[:limit]
            asked *= 4

    def _findable(self, items: list[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        assert self.access is not None
        out: dict[tuple[str, str], bool] = {}
        ids = [v for k, v in items if k == "reference_id"]
        if ids and hasattr(self.inner, "access_sql") and getattr(self.inner, "db", None) is not None:
            marks = ",".join("?" * len(ids))
            readable = {r[0] for r in self.inner.db.execute(
                f"SELECT c.reference_id FROM cables c JOIN cable_facets f ON f.id = c.id"
                f" WHERE c.reference_id IN ({marks}) AND {self.inner.access_sql(self.access)}", ids)}
        else:
            readable = {i for i in ids if self.inner.get(i, access=self.access) is not None}
        for kind, value in items:
            if kind == "reference_id":
                out[kind, value] = value in readable
            else:
                q = f'origin:"{value}"' if kind == "origin" else f"tag:{value}"
                out[kind, value] = self.inner.search(q, limit=0, access=self.access).total > 0
        return out

    def references(self, reference_id: str, *, access: AccessFilter | None = None) -> References:
        """What a readable cable cites and which readable cables cite it (subjects redacted)."""
        refs = self.inner.references(reference_id, access=self._acc(access))
        if self.access is None:
            return refs

        def fix(link: Any) -> Any:
            if link.subject is None:
                return link
            other = self.get(link.to_id if link.from_id == refs.reference_id else link.from_id)
            return replace(link, subject=other.subject if other else None)

        return replace(refs, cites=[fix(x) for x in refs.cites], cited_by=[fix(x) for x in refs.cited_by])

    def thread(self, reference_id: str, depth: int = 2, *, access: AccessFilter | None = None) -> Thread:
        """The reference graph over readable cables, subjects redacted."""
        t = self.inner.thread(reference_id, depth, access=self._acc(access))
        if self.access is None:
            return t
        nodes = {}
        for k, meta in t.nodes.items():
            if meta.get("in_archive") and meta.get("subject") is not None:
                shown = self.get(k)
                meta = {**meta, "subject": shown.subject if shown else None}
            nodes[k] = meta
        return replace(t, nodes=nodes)

    def stats(self, *, access: AccessFilter | None = None) -> dict[str, Any]:
        """Counts over readable cables only (references, versions, sources too; no quarantine)."""
        acc = self._acc(access)
        out = self.inner.stats(access=acc)
        db = getattr(self.inner, "db", None)
        if acc is None or db is None or not hasattr(self.inner, "access_sql"):
            return out
        visible = (f"SELECT c.reference_id FROM cables c JOIN cable_facets f ON f.id = c.id"
                   f" WHERE {self.inner.access_sql(acc)}")
        out["references"] = db.execute(f"SELECT count(*) FROM refs WHERE from_id IN ({visible})").fetchone()[0]
        out["versions"] = sum(can_read(acc, Cable(classification=cls, caveats=tuple(json.loads(cav or "[]"))))
                              for cls, cav in db.execute(
                                  "SELECT json_extract(record_json, '$.classification'),"
                                  " json_extract(record_json, '$.caveats') FROM version_texts"
                                  f" WHERE reference_id IN ({visible})"))
        out["sources"] = db.execute(f"SELECT count(*) FROM sources WHERE reference_id IN ({visible})").fetchone()[0]
        out["quarantined"] = 0
        return out

    def to_pandas(self, query: str = "", *, access: AccessFilter | None = None) -> pandas.DataFrame:
        """The readable records as a DataFrame, redacted."""
        from cablegram.archive.export import frame

        return frame(self, query, access=access)
