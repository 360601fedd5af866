"""The overview (home page): counts, a timeline of cables per month, a map of origins, the
classification mix and top tags. Counts come from the archive's facet index and are cached
until the archive changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from cablegram import directory
from cablegram.archive import AccessFilter, Archive
from cablegram.web.charts import fill_months, timeline, world_map
from cablegram.web.core import ArchiveDep, NavLink, Reader, cached, page
from cablegram.web.filters import facet_filter, url

router = APIRouter(include_in_schema=False)
nav = [NavLink("/", "Overview", 5)]

ALL_FACETS = ("origin", "year", "month", "classification", "tag", "caveat")


def all_counts(request: Request, a: Archive, reader: AccessFilter | None) -> dict[str, Any]:
    """Every facet's counts over the whole archive (cached for open readers)."""

    def compute() -> dict[str, Any]:
        result = a.search("", facets=ALL_FACETS, limit=0, access=reader)
        stats = a.stats(access=reader)
        return {"total": result.total, "facets": {k: [(c.value, c.count) for c in v]
                                                  for k, v in result.facets.items()},
                "stats": stats}

    return cached(request, ("counts", reader), compute)


def _search(facet: str, value: str) -> str:
    return url("/search", f=[facet_filter(facet, value)])


def bar(n: int, top: int) -> Markup:
    """A horizontal bar drawn to scale: `n` as a share of the largest, `top` (an SVG, so no
    inline style is needed under the pages' Content-Security-Policy)."""
    share = 100 * n / top if top > 0 else 0.0
    return Markup(f'<svg class="hbar" viewBox="0 0 100 6" preserveAspectRatio="none" role="img"'
                  f' aria-label="{share:.1f}%"><rect width="{share:.2f}" height="6"/></svg>')


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, a: ArchiveDep, reader: Reader) -> HTMLResponse:
    """The home page."""
    counts = all_counts(request, a, reader)
    facets = counts["facets"]
    months = fill_months(dict(facets.get("month", [])))
    points = []
    for label, n in facets.get("origin", []):
        where = directory.coordinates(label)
        if where:
            points.append((label, where[0], where[1], n, _search("origin", label)))
    classes = facets.get("classification", [])
    top_c = max((n for _, n in classes), default=0)
    tags = facets.get("tag", [])[:15]
    top_t = max((n for _, n in tags), default=0)
    origins = facets.get("origin", [])[:15]
    top_o = max((n for _, n in origins), default=0)
    return page(
        request, "overview.html", title="Overview", total=counts["total"], stats=counts["stats"],
        years=facets.get("year", []), chart=timeline(months, lambda m: _search("month", m)),
        map=world_map(points), mapped=len(points), origins_count=len(facets.get("origin", [])),
        classes=[(v, n, bar(n, top_c), _search("classification", v)) for v, n in classes],
        tags=[(v, directory.tag_meaning(v) or "", n, bar(n, top_t), _search("tag", v))
              for v, n in tags],
        origins=[(v, n, bar(n, top_o), _search("origin", v)) for v, n in origins],
    )
