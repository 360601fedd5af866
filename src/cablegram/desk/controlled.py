"""`ControlledArchive`: an `Archive` seen through one reader's access, for every read path.

The archive itself hides cables above the reader (its `AccessFilter`, applied in SQL: hits,
totals, facets, graph, exports). This wrapper adds what SQL cannot: portions of a readable cable
above the reader are withheld (`cablegram.access.redact`) in records, raw text (re-rendered from
the redacted record, never the stored original), versions, snippets and subjects of hits; search,
its totals, facets and exports match a partly withheld cable only on its redacted text
(the backend's reader match source, `cablegram.archive.reader`); references and threads go
only through the REF items the reader sees (a withheld one cites nothing for them); type-ahead
only offers what the reader can find; statistics count only readable cables. The reader bound at
construction overrides any `access` a caller passes, so a view that forgets it still cannot leak.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cablegram.access import (
    WITHHELD_TEXT,
    access_filter,
    can_read,
    is_withheld,
    needs_redaction,
    redact,
    shown_text,
)
from cablegram.archive.base import MARK_END, MARK_START, AccessFilter, Archive, Hit, RefLink, SearchResult, Sort
from cablegram.model import Cable, Reference
from cablegram.telegram.parse import parse

if TYPE_CHECKING:
    import pandas

    from cablegram.archive.base import References, Thread, VersionInfo
    from cablegram.archive.reader import ReaderSource

__all__ = ["ControlledArchive", "redacted_snippet"]

_WORD = re.compile(r"[A-Za-z0-9]{3,}")
_FILTER = re.compile(r'\b\w+:("[^"]*"|\S+)')
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def _walk(root: str, edges: Sequence[RefLink], walked: set[str], depth: int) -> dict[str, int]:
    """The distance from `root` of each node within `depth` steps along `edges` (either way),
    walking on only from the root and from `walked` nodes (archived: a cited id outside the
    archive is an end)."""
    near: dict[str, set[str]] = {}
    for e in edges:
        if e.to_id:
            near.setdefault(e.from_id, set()).add(e.to_id)
            near.setdefault(e.to_id, set()).add(e.from_id)
    distance = {root: 0}
    frontier = [root]
    for step in range(1, depth + 1):
        nxt = []
        for n in frontier:
            if n != root and n not in walked:
                continue
            for m in sorted(near.get(n, ())):
                if m not in distance:
                    distance[m] = step
                    nxt.append(m)
        frontier = nxt
    return distance


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

    def _source(self) -> ReaderSource:
        """The inner archive's match source for this reader (the backend builds and caches it)."""
        assert self.access is not None
        build = getattr(self.inner, "reader_source", None)
        if build is None:  # fail closed: no backend search can be exact for this reader
            raise NotImplementedError(f"{type(self.inner).__name__} cannot search as a reader sees it")
        return build(self.access)  # type: ignore[no-any-return]

    def search(self, query: str, *, filters: str | None = None, facets: Sequence[str] = (), limit: int = 20,
               offset: int = 0, sort: Sort = "rank", access: AccessFilter | None = None) -> SearchResult:
        """Hits the reader may see, matched, counted and ordered on the text as the reader sees it.

        The backend matches a cable with a portion withheld from the reader only through its
        redacted text (its reader's match source, `cablegram.archive.reader`); subjects and
        snippets of those hits come from that text too."""
        if self.access is None:
            return self.inner.search(query, filters=filters, facets=facets, limit=limit, offset=offset, sort=sort,
                                     access=access)
        source = self._source()
        result = self.inner.search(query, filters=filters, facets=facets, limit=limit, offset=offset, sort=sort,
                                   access=self.access, reader=source)  # type: ignore[call-arg]
        return replace(result, hits=self._checked(result.hits, source, f"{query} {filters or ''}"))

    def hits_of(self, query: str, ids: Sequence[int]) -> list[Hit]:
        """The hits of chosen row ids of the inner archive (a backend that has `hits_of`), as the
        reader's search for `query` shows them; those the reader may not see are left out."""
        if self.access is None:
            return self.inner.hits_of(query, ids)  # type: ignore[attr-defined, no-any-return]
        source = self._source()
        hits = self.inner.hits_of(query, ids, access=self.access, reader=source)  # type: ignore[attr-defined]
        return self._checked(hits, source, query)

    def _checked(self, hits: list[Hit], source: ReaderSource, query: str) -> list[Hit]:
        """Fail closed: a hit outside the reader's match source is checked against its record, and
        shown redacted should its record say otherwise (a change after the source was built)."""
        assert self.access is not None
        out = []
        for h in hits:
            if h.reference_id not in source.reference_ids:
                cable = self.inner.get(h.reference_id, access=self.access)
                if cable is None or not can_read(self.access, cable):
                    continue
                if needs_redaction(self.access, cable):
                    shown = redact(cable, self.access)
                    h = replace(h, subject=shown.subject, snippet=redacted_snippet(shown, query), score=None)
            out.append(h)
        return out

    def iter_records(self, query: str = "", *, access: AccessFilter | None = None) -> Iterator[Cable]:
        """Every record the reader may see that matches as they see it, redacted, by date."""
        if self.access is None:
            yield from self.inner.iter_records(query, access=access)
            return
        for c in self.inner.iter_records(query, access=self.access, reader=self._source()):  # type: ignore[call-arg]
            shown = self._shown(c)
            if shown is not None:
                yield shown

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """Type-ahead over what the reader can find: filtered first, then the first `limit`.

        Checks read no record (so they are not reads): each is whether a search for it
        (`id:`, `origin:`, `tag:`) under the reader's access finds anything."""
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
        for kind, value in items:
            field = {"reference_id": "id", "origin": "origin", "tag": "tag"}.get(kind)
            q = f'{field}:"{value}"' if field and '"' not in value else None
            out[kind, value] = q is not None and self.inner.search(q, limit=0, access=self.access).total > 0
        return out

    def _readable(self, ids: Iterable[str | None]) -> dict[str, Cable | None]:
        """Each of `ids` as the reader sees it (None: not theirs to read), each read once: what a
        reference view needs both to tell which REF items the reader sees and to show subjects."""
        return {rid: self._shown(self.inner.get(rid, access=self.access)) for rid in set(ids) if rid}

    @staticmethod
    def _cites(seen: dict[str, Cable | None], from_id: str) -> tuple[Reference, ...]:
        """The citing cable's REF items as the reader sees them. A REF item withheld from the reader
        (marked above them) cites nothing for them, as `ref:` finds nothing through it; a cable
        they may not read cites nothing at all."""
        cable = seen.get(from_id)
        return cable.references if cable else ()

    def references(self, reference_id: str, *, access: AccessFilter | None = None) -> References:
        """What a readable cable cites and which readable cables cite it (subjects redacted), as
        the reader sees the citing cables: a REF item withheld from them is a withheld link that
        names no cable, and cites nothing they are shown."""
        refs = self.inner.references(reference_id, access=self._acc(access))
        if self.access is None:
            return refs
        seen = self._readable([reference_id, *(x.from_id for x in refs.cited_by),
                               *(x.to_id for x in refs.cites if x.subject is not None)])

        def fix(link: RefLink) -> RefLink:
            if link.subject is None:
                return link
            other = seen.get((link.to_id if link.from_id == refs.reference_id else link.from_id) or "")
            return replace(link, subject=other.subject if other else None)

        def visible(link: RefLink) -> bool:
            return any(r.reference_id == link.to_id and r.text == link.text for r in self._cites(seen, link.from_id))

        cites = [fix(x) if visible(x) else RefLink(x.from_id, None, WITHHELD_TEXT, x.label, False)
                 for x in refs.cites]
        return replace(refs, cites=cites, cited_by=[fix(x) for x in refs.cited_by if visible(x)])

    def thread(self, reference_id: str, depth: int = 2, *, access: AccessFilter | None = None) -> Thread:
        """The reference graph over readable cables, subjects redacted, walked only through the
        REF items the reader sees (a node reached only through a withheld one is not there)."""
        t = self.inner.thread(reference_id, depth, access=self._acc(access))
        if self.access is None:
            return t
        titled = {k for k, m in t.nodes.items() if m.get("in_archive") and m.get("subject") is not None}
        seen = self._readable([*(e.from_id for e in t.edges), *titled])
        edges = []
        for e in t.edges:  # one edge per (from, to): the first item citing it that the reader sees
            item = next((r for r in self._cites(seen, e.from_id) if r.reference_id == e.to_id), None)
            if item is not None:
                edges.append(replace(e, text=item.text, label=item.label))
        distance = _walk(t.root, edges, {k for k, m in t.nodes.items() if m.get("in_archive")}, depth)
        nodes = {}
        for k, meta in t.nodes.items():
            if k not in distance:
                continue
            meta = {**meta, "distance": distance[k]}
            if k in titled:
                got = seen.get(k)
                meta["subject"] = got.subject if got else None
            nodes[k] = meta
        return replace(t, nodes=nodes, edges=[e for e in edges if e.from_id in nodes and e.to_id in nodes])

    def stats(self, *, access: AccessFilter | None = None) -> dict[str, Any]:
        """Counts over readable cables only (the backend counts references, versions and sources
        of those; quarantine is not counted for a reader)."""
        acc = self._acc(access)
        out = self.inner.stats(access=acc)
        if acc is not None:
            out["quarantined"] = 0
        return out

    def to_pandas(self, query: str = "", *, access: AccessFilter | None = None) -> pandas.DataFrame:
        """The readable records as a DataFrame, redacted."""
        from cablegram.archive.export import frame

        return frame(self, query, access=access)
