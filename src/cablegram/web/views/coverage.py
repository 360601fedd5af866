"""Coverage: how many cables each post sent, estimated from serials, and the share the archive
holds (`cablegram.coverage`), as a page (a chart of share by year, a table of posts sortable by
estimated size and share, each gap linked to the cables around it) and as `/api/coverage`.

Computed from the cables the reader may see as they see them (a REF item withheld from them cites
nothing), and cached per reader until the archive changes."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from cablegram.archive import AccessFilter, Archive
from cablegram.archive.entity_pages import reader_access
from cablegram.coverage import PostYear, Total, estimate, evidence, totals
from cablegram.web.core import ArchiveDep, NavLink, Reader, cached, page
from cablegram.web.filters import url

router = APIRouter()
nav = [NavLink("/coverage", "Coverage", 45)]

Sort = Literal["estimate", "share", "held", "post"]


def _as_reader(a: Archive, reader: AccessFilter | None) -> Any:
    """The archive as the reader sees it, without audit rows (coverage shows serials and counts,
    no cable's text): a controlled archive's own reader wins; an open one read with a reader's
    filter (a custom `Settings.access_for`) is read through it too, withheld REF items and all."""
    from cablegram.desk.controlled import ControlledArchive

    access = reader_access(a, reader)
    return a if access is None else ControlledArchive(getattr(a, "inner", a), access)


def _compute(a: Archive, reader: AccessFilter | None) -> dict[str, Any]:
    held, cited = evidence(_as_reader(a, reader).iter_records())
    rows = sorted((estimate(p, y, s, cited.get((p, y), set())) for (p, y), s in held.items()),
                  key=lambda r: (-r.estimate, r.post, r.year))
    return {"rows": rows, "held": {k: frozenset(v) for k, v in held.items()}}


def _coverage(request: Request, a: Archive, reader: AccessFilter | None) -> dict[str, Any]:
    return cached(request, ("coverage", reader), lambda: _compute(a, reader))


def _sorted(items: list[Total], sort: str) -> list[Total]:
    if sort == "post":
        return sorted(items, key=lambda t: t.key)
    key = {"share": lambda t: -t.share, "held": lambda t: -t.held}.get(sort, lambda t: -t.estimate)
    return sorted(items, key=lambda t: (key(t), t.key))


def share_chart(years: list[Total], width: int = 640, height: int = 180) -> Markup:
    """Bars of the share of the estimated traffic held, by year (inline SVG, no script)."""
    if not years:
        return Markup("")
    years = sorted(years, key=lambda t: t.key)
    top = max(t.share for t in years) or 1.0
    pad_l, pad_b, pad_t = 48, 22, 10
    bw = (width - pad_l) / len(years)
    out = [f'<svg class="coverage-chart" viewBox="0 0 {width} {height}" role="img"'
           f' aria-label="share of the estimated cables held, by year">']
    h = height - pad_b - pad_t
    out.append(f'<text x="4" y="{pad_t + 8}" class="axis">{top:.1%}</text>'
               f'<text x="4" y="{height - pad_b}" class="axis">0%</text>')
    for i, t in enumerate(years):
        bh = h * t.share / top
        x = pad_l + i * bw
        label = escape(f"{t.key}: {t.held} held of ~{t.estimate:.0f} ({t.share:.2%})")
        out.append(f'<a href="{escape(url("/coverage", year=t.key))}"><rect class="share-bar"'
                   f' data-year="{escape(t.key)}" x="{x + 1:.1f}" y="{pad_t + h - bh:.1f}"'
                   f' width="{max(bw - 2, 1):.1f}" height="{max(bh, 0.5):.1f}">'
                   f'<title>{label}</title></rect></a>')
        if len(years) <= 30 or i % max(1, len(years) // 15) == 0:
            out.append(f'<text x="{x + bw / 2:.1f}" y="{height - 6}" class="axis"'
                       f' text-anchor="middle">{escape(t.key)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _gap_links(row: PostYear, held: frozenset[int]) -> list[dict[str, Any]]:
    """Each gap with links to the cables around it: the one before and after when held, else
    the cables that cite it (a serial known only from a reference)."""
    yy = f"{row.year % 100:02d}"
    out = []
    for g in row.gaps:
        ends = []
        for serial in (g.before, g.after):
            if serial <= 0:
                continue
            ref = f"{yy}{row.post}{serial}"
            ends.append((ref, f"/cable/{ref}" if serial in held else url("/search", q=f"ref:{ref}")))
        out.append({**g.to_dict(), "ends": ends})
    return out


@router.get("/coverage", response_class=HTMLResponse, include_in_schema=False)
def coverage_page(request: Request, a: ArchiveDep, reader: Reader,
                  sort: Sort = "estimate", year: str | None = Query(None, max_length=4),
                  post: str | None = Query(None, max_length=40)) -> HTMLResponse:
    """The coverage page."""
    data = _coverage(request, a, reader)
    rows: list[PostYear] = data["rows"]
    overall = totals(rows, "all")
    chosen = [r for r in rows if (not year or str(r.year) == year)
              and (not post or r.post == post.replace(" ", "").upper())]
    posts = _sorted(totals(chosen, "post"), sort)
    detail = [(r, _gap_links(r, data["held"][(r.post, r.year)])) for r in chosen[:60]]
    return page(request, "coverage.html", title="Coverage", chart=share_chart(totals(rows, "year")),
                total=overall[0] if overall else None, posts=posts[:200], n_posts=len(posts),
                detail=detail, sort=sort, year=year, post=post,
                sort_url=lambda s: url("/coverage", sort=s, year=year, post=post),
                post_url=lambda p: url("/coverage", post=p, year=year, sort=sort))


@router.get("/api/coverage", tags=["api"], summary="Cables sent per post and year, and the share held")
def coverage_api(request: Request, a: ArchiveDep, reader: Reader,
                 by: Literal["post-year", "post", "year"] = "post-year",
                 origin: str | None = Query(None, max_length=40),
                 year: int | None = Query(None, ge=1900, le=2100)) -> dict[str, Any]:
    """As `cablegram coverage --json`: per post-year (or summed by post or year) the estimate of
    cables sent (m + m/k - 1), its one-sided 90% interval, the share held and the longest gaps."""
    rows: list[PostYear] = _coverage(request, a, reader)["rows"]
    rows = [r for r in rows if (origin is None or r.post == origin.replace(" ", "").upper())
            and (year is None or r.year == year)]
    overall = totals(rows, "all")
    table: list[Any] = rows if by == "post-year" else totals(rows, by)
    return {"by": by, "rows": [r.to_dict() for r in table],
            "total": overall[0].to_dict() if overall else None}
