"""The search page: query box, hits with highlighted snippets, facets as filters, paging,
sorting, a labelled histogram of the hits per month whose bars filter by that month; tools for
the whole result set: export it (CSV, JSON Lines, Parquet), put checked hits into a collection."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from cablegram.archive import QueryError
from cablegram.archive.export import FLAT_COLUMNS, FORMATS, _with_released, export, flat_row
from cablegram.web.charts import fill_months, timeline
from cablegram.web.core import ArchiveDep, NavLink, Reader, WebError, page
from cablegram.web.filters import facet_filter, url
from cablegram.web.views.entities import search_panels

router = APIRouter(include_in_schema=False)
nav = [NavLink("/search", "Search", 10)]

#: Facets shown beside the hits, in this order; "month" feeds the sparkline.
SHOWN = ("classification", "origin", "year", "tag", "caveat")
MAX_PAGE = 500
#: Above this many hits the tag facet is left out (it would cost ~0.1 s per 25,000 hits).
TAG_FACET_MAX = 25_000
SORTS = {"rank": "relevance", "-date": "newest first", "date": "oldest first"}


def _facet_links(name: str, counts: list, q: str, f: list[str], sort: str,
                 limit: int) -> list[dict]:
    out = []
    for c in counts[:limit]:
        flt = facet_filter(name, c.value)
        active = flt in f
        nf = [x for x in f if x != flt] if active else [*f, flt]
        out.append({"value": c.value, "count": c.count, "active": active,
                    "href": url("/search", q=q, f=nf, sort=None if sort == "rank" else sort)})
    if name == "year":
        out.sort(key=lambda d: d["value"], reverse=True)
    return out


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    a: ArchiveDep,
    reader: Reader,
    q: Annotated[str, Query(max_length=2000)] = "",
    f: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006 (FastAPI copies defaults)
    sort: Literal["rank", "date", "-date", "bm25"] = "rank",
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    """Search results as a page."""
    f = [x for x in f if x.strip()][:20]
    size = request.app.state.settings.page_size
    filters = " ".join(f) or None
    cheap = tuple(x for x in (*SHOWN, "month") if x != "tag")
    result = a.search(q, filters=filters, facets=cheap, limit=size,
                      offset=(page_number - 1) * size, sort=sort, access=reader)
    tags_counted = result.total <= TAG_FACET_MAX or not (q.strip() or filters)
    if tags_counted:  # the tag facet costs a pass over the tags of every match
        result.facets["tag"] = a.search(q, filters=filters, facets=("tag",), limit=0,
                                        access=reader).facets["tag"]
    months = fill_months({c.value: c.count for c in result.facets.get("month", [])})
    keep = None if sort == "rank" else sort
    histogram = timeline(months, lambda m: url("/search", q=q, f=[*f, facet_filter("month", m)], sort=keep),
                         width=640, height=120) if len(months) > 1 else ""
    facets = {name: _facet_links(name, result.facets.get(name, []), q, f, sort,
                                 30 if name in ("origin", "tag") else 100) for name in SHOWN}
    chips = [{"text": x, "href": url("/search", q=q, f=[y for y in f if y != x],
                                     sort=None if sort == "rank" else sort)} for x in f]
    pages = -(-result.total // size) if size else 0
    base = {"q": q, "f": f, "sort": None if sort == "rank" else sort}
    panels = search_panels(a, reader, q, f, sort, result.total, result.facets.get("origin", []))
    return page(
        request, "search.html", q=q, f=f, sort=sort, sorts=SORTS, result=result, facets=facets,
        chips=chips, histogram=histogram, page_number=page_number, tags_counted=tags_counted,
        exports={fmt: url("/search/export", q=q, f=f, format=fmt) for fmt in FORMATS},
        tag_facet_max=TAG_FACET_MAX,
        pages=min(pages, MAX_PAGE), size=size,
        prev_href=url("/search", **base, page=page_number - 1) if page_number > 1 else None,
        next_href=url("/search", **base, page=page_number + 1)
        if page_number < min(pages, MAX_PAGE) else None,
        sort_links={k: url("/search", q=q, f=f, sort=None if k == "rank" else k) for k in SORTS},
        **panels,
    )


def _query(q: str, f: list[str]) -> str:
    """The page's query and its filters as one query (what the hits are)."""
    parts = [f"({q})" if q.strip() else "", *(x for x in f if x.strip())]
    return " ".join(p for p in parts if p)


_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8",
          "parquet": "application/vnd.apache.parquet"}


@router.get("/search/export")
def export_results(
    a: ArchiveDep,
    reader: Reader,
    q: Annotated[str, Query(max_length=2000)] = "",
    f: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006 (FastAPI copies defaults)
    format: Literal["jsonl", "csv", "parquet"] = "csv",
) -> Response:
    """Every cable of a result set (not only the page shown) as a file, as the reader may see it."""
    query = _query(q, [x for x in f if x.strip()][:20])
    try:
        a.search(query, limit=0, access=reader)  # a malformed query is a 400 before any byte is sent
    except QueryError as exc:
        raise WebError(400, f"bad query: {exc}") from None
    name = "cables." + format
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "parquet":
        buf = io.BytesIO()
        export(a, query, "parquet", buf, access=reader)
        return Response(buf.getvalue(), media_type=_MEDIA[format], headers=headers)

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS) if format == "csv" else None
        if writer is not None:
            writer.writeheader()
        for c, released in _with_released(a, a.iter_records(query, access=reader)):
            if writer is None:
                out.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
            else:
                writer.writerow(flat_row(c, released))
            if out.tell() > 65536:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    return StreamingResponse(lines(), media_type=_MEDIA[format], headers=headers)


@router.post("/search/collect")
def collect(request: Request, a: ArchiveDep, reader: Reader,
            name: Annotated[str, Form(max_length=64)] = "",
            reference_id: Annotated[list[str], Form(max_length=200)] = []) -> Response:  # noqa: B006
    """Put the checked hits into a collection (created if new)."""
    from cablegram.web.views.collections import _checked, _same_origin, _store

    _same_origin(request)
    name = _checked(name)
    ids = list(dict.fromkeys(r for r in reference_id[:200] if r.strip()))
    if not ids:
        raise WebError(422, "check at least one cable")
    store = _store(request)
    found: list[Any] = [a.get(r, access=reader) for r in ids]
    missing = [r for r, c in zip(ids, found, strict=True) if c is None or not c.reference_id]
    if missing:
        raise WebError(404, f"no cable {missing[0]!r} in the archive")
    for c in found:
        store.add(name, c.reference_id)
    return RedirectResponse(f"/collections/{quote(name)}", status_code=303)
