"""The JSON API under /api/: search, cables, raw text, references, threads, versions, facets,
stats, suggestions. Errors are `{"error": message}` with 400 (malformed query), 404 (unknown
cable), 422 (bad parameters)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from cablegram import directory
from cablegram.archive import FACETS, Archive
from cablegram.web.core import ArchiveDep, Reader, WebError, cached
from cablegram.web.views.cable import RefId, load

router = APIRouter(prefix="/api", tags=["api"])

MAX_LIMIT = 100
MAX_OFFSET = 10_000
Facet = Literal["origin", "year", "month", "classification", "tag", "caveat"]
QueryText = Annotated[str, Query(max_length=2000, description="query language, as `cablegram search`")]
Filters = Annotated[str | None, Query(max_length=2000, description="more query text ANDed to q")]
Facets = Annotated[list[Facet], Query(max_length=len(FACETS), description="facets to count")]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "malformed query: {\"error\": message}"},
    404: {"description": "unknown cable: {\"error\": message}"},
    422: {"description": "invalid parameters: {\"error\": message}"},
}


@router.get("/search", responses=ERRORS, summary="Search the archive")
def api_search(
    a: ArchiveDep,
    reader: Reader,
    q: QueryText = "",
    filters: Filters = None,
    facet: Facets = [],  # noqa: B006 (FastAPI copies defaults)
    limit: Annotated[int, Query(ge=0, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    sort: Literal["rank", "bm25", "date", "-date"] = "rank",
) -> dict[str, Any]:
    """Hits (reference id, date, origin, classification, subject, snippet with «marks»), the
    total and the requested facet counts."""
    result = a.search(q, filters=filters, facets=tuple(dict.fromkeys(facet)), limit=limit,
                      offset=offset, sort=sort, access=reader)
    return result.to_dict()


@router.get("/facets", responses=ERRORS, summary="Facet counts of a query")
def api_facets(
    a: ArchiveDep,
    reader: Reader,
    q: QueryText = "",
    filters: Filters = None,
    facet: Facets = [],  # noqa: B006
) -> dict[str, Any]:
    """The total and the counts of each facet (all facets when none is named)."""
    names = tuple(dict.fromkeys(facet)) or FACETS
    result = a.search(q, filters=filters, facets=names, limit=0, access=reader)
    return {"query": q, "total": result.total, "facets": result.to_dict()["facets"]}


@router.get("/cables/{reference_id}", responses=ERRORS, summary="A cable's record")
def api_cable(a: ArchiveDep, reader: Reader, reference_id: RefId) -> dict[str, Any]:
    """The parsed record (the fields of `cablegram parse --format json`)."""
    return load(a, reference_id, reader).to_dict()


@router.get("/cables/{reference_id}/raw", responses=ERRORS, response_class=PlainTextResponse,
            summary="A cable's raw text")
def api_raw(a: ArchiveDep, reader: Reader, reference_id: RefId) -> PlainTextResponse:
    """The telegram text as stored."""
    raw = a.raw_text(reference_id, access=reader)
    if raw is None:
        raise WebError(404, f"no cable {reference_id!r} in the archive")
    return PlainTextResponse(raw)


@router.get("/cables/{reference_id}/references", responses=ERRORS, summary="What a cable cites")
def api_references(a: ArchiveDep, reader: Reader, reference_id: RefId) -> dict[str, Any]:
    """What the cable cites (`resolved` when the cited cable is archived) and what cites it."""
    cable = load(a, reference_id, reader)
    refs = a.references(cable.reference_id or reference_id, access=reader)

    def link(x: Any) -> dict[str, Any]:
        return {"from": x.from_id, "to": x.to_id, "text": x.text, "label": x.label,
                "resolved": x.resolved, "subject": x.subject}

    return {"reference_id": refs.reference_id, "cites": [link(x) for x in refs.cites],
            "cited_by": [link(x) for x in refs.cited_by]}


@router.get("/cables/{reference_id}/thread", responses=ERRORS, summary="A cable's thread")
def api_thread(a: ArchiveDep, reader: Reader, reference_id: RefId,
               depth: Annotated[int, Query(ge=1, le=4)] = 2) -> dict[str, Any]:
    """The reference graph around the cable, `depth` steps both ways: nodes and edges."""
    cable = load(a, reference_id, reader)
    t = a.thread(cable.reference_id or reference_id, depth, access=reader)
    return {"root": t.root, "nodes": [{"id": k, **v} for k, v in t.nodes.items()],
            "edges": [{"from": e.from_id, "to": e.to_id, "text": e.text,
                       "resolved": e.resolved} for e in t.edges]}


@router.get("/cables/{reference_id}/versions", responses=ERRORS, summary="A cable's versions")
def api_versions(a: ArchiveDep, reader: Reader, reference_id: RefId, text: bool = False) -> dict[str, Any]:
    """Every known text of the cable, oldest first (`text=true` includes the texts)."""
    load(a, reference_id, reader)
    out = []
    for i, v in enumerate(a.versions(reference_id, access=reader)):
        item: dict[str, Any] = {"index": i, "content_hash": v.content_hash,
                                "released": v.released, "current": v.current}
        if text:
            item["raw_text"] = v.raw_text
        out.append(item)
    return {"reference_id": reference_id.replace(" ", "").upper(), "versions": out}


@router.get("/stats", summary="Archive statistics")
def api_stats(request: Request, a: ArchiveDep, reader: Reader) -> dict[str, Any]:
    """Counts: cables, by year, origin (top 20), classification, caveat, top tags; references,
    versions, quarantined records."""
    if reader is None:
        return cached(request, "stats", a.stats)
    return a.stats(access=reader)


@router.get("/suggest", responses=ERRORS, summary="Type-ahead suggestions")
def api_suggest(a: ArchiveDep, q: Annotated[str, Query(max_length=200)] = "",
                limit: Annotated[int, Query(ge=1, le=50)] = 10) -> dict[str, Any]:
    """Stations (origins), tags (by code or meaning) and reference ids starting with `q`, each
    with the query-language filter that selects it."""
    return {"query": q, "suggestions": suggestions(a, q, limit)}


def suggestions(a: Archive, q: str, limit: int = 10) -> list[dict[str, str]]:
    """Suggestions for the type-ahead: kind, value, label and the filter to insert."""
    prefix = q.strip()
    if not prefix:
        return []
    found = list(a.suggest(prefix, limit=limit))
    if len(prefix) >= 3 and len(found) < limit:
        have = {v for k, v in found if k == "tag"}
        found += [("tag", code) for code in directory.search_tags(prefix)[:limit] if code not in have]
    out = []
    for kind, value in found[:limit]:
        if kind == "origin":
            flt = f'origin:"{value}"' if " " in value else f"origin:{value}"
            label = value
        elif kind == "tag":
            flt, label = f"tag:{value}", f"{value} — {directory.tag_meaning(value) or 'tag'}"
        else:
            flt, label = f"id:{value}", value
        out.append({"kind": kind, "value": value, "label": label, "filter": flt})
    return out
