"""The search page: query box, hits with highlighted snippets, facets as filters, paging,
sorting, and a sparkline of the hits over time."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cablegram.web.charts import fill_months, sparkline
from cablegram.web.core import ArchiveDep, NavLink, Reader, page
from cablegram.web.filters import facet_filter, url

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
    facets = {name: _facet_links(name, result.facets.get(name, []), q, f, sort,
                                 30 if name in ("origin", "tag") else 100) for name in SHOWN}
    chips = [{"text": x, "href": url("/search", q=q, f=[y for y in f if y != x],
                                     sort=None if sort == "rank" else sort)} for x in f]
    pages = -(-result.total // size) if size else 0
    base = {"q": q, "f": f, "sort": None if sort == "rank" else sort}
    return page(
        request, "search.html", q=q, f=f, sort=sort, sorts=SORTS, result=result, facets=facets,
        chips=chips, spark=sparkline(months), page_number=page_number, tags_counted=tags_counted,
        tag_facet_max=TAG_FACET_MAX,
        pages=min(pages, MAX_PAGE), size=size,
        prev_href=url("/search", **base, page=page_number - 1) if page_number > 1 else None,
        next_href=url("/search", **base, page=page_number + 1)
        if page_number < min(pages, MAX_PAGE) else None,
        sort_links={k: url("/search", q=q, f=f, sort=None if k == "rank" else k) for k in SORTS},
    )
