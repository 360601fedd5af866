"""Browse pages: every origin, every tag (with its meaning), every month, with counts, each
linking to its cables. Counts come from the cached whole-archive facets."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cablegram import directory
from cablegram.archive import AccessFilter, Archive
from cablegram.web.core import ArchiveDep, NavLink, Reader, page
from cablegram.web.filters import facet_filter, url
from cablegram.web.views.overview import all_counts, bar

router = APIRouter(include_in_schema=False)
nav = [NavLink("/browse", "Browse", 20)]


@router.get("/browse", response_class=HTMLResponse)
def browse(request: Request) -> HTMLResponse:
    """The index of browse pages."""
    return page(request, "browse.html", title="Browse", kind="index", rows=[])


def _rows(request: Request, a: Archive, reader: AccessFilter | None, facet: str) -> list[tuple]:
    items = all_counts(request, a, reader)["facets"].get(facet, [])
    top = max((n for _, n in items), default=0)
    return [(v, n, bar(n, top), url("/search", f=[facet_filter(facet, v)])) for v, n in items]


@router.get("/browse/origins", response_class=HTMLResponse)
def origins(request: Request, a: ArchiveDep, reader: Reader) -> HTMLResponse:
    """Every origin with its number of cables."""
    return page(request, "browse.html", title="Origins", kind="origins",
                rows=_rows(request, a, reader, "origin"))


@router.get("/browse/tags", response_class=HTMLResponse)
def tags(request: Request, a: ArchiveDep, reader: Reader) -> HTMLResponse:
    """The most frequent tags with their meanings."""
    rows = [(v, n, w, href, directory.tag_meaning(v) or "", directory.tag_kind(v) or "")
            for v, n, w, href in _rows(request, a, reader, "tag")]
    return page(request, "browse.html", title="Tags", kind="tags", rows=rows)


@router.get("/browse/months", response_class=HTMLResponse)
def months(request: Request, a: ArchiveDep, reader: Reader) -> HTMLResponse:
    """A year-by-month grid of counts, shaded by volume."""
    items = all_counts(request, a, reader)["facets"].get("month", [])
    top = max((n for _, n in items), default=0)
    grid: dict[str, dict[int, tuple[int, str, str]]] = defaultdict(dict)
    for v, n in items:
        if len(v) == 7 and v[5:].isdigit():
            heat = 0 if not n else 1 + min(4, int(5 * n / (top + 1)))
            grid[v[:4]][int(v[5:])] = (n, f"heat{heat}", url("/search", f=[facet_filter("month", v)]))
    return page(request, "browse.html", title="Months", kind="months",
                grid=sorted(grid.items(), reverse=True), rows=[])
