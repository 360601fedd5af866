"""People, places and organisations in the reading room: the entity page (`/entity/person/lavrov`:
mentions over time, the posts reporting, co-mentioned entities, the cables), the entity facets and
the map of places of the search page, the co-mention network of a search as a download, and their
JSON API (`/api/entity/{kind}/{slug}`, `/api/entities`, `/api/entities/network`).

Every read is the reader's: a controlled archive's reader sees an entity only through mentions in
paragraphs they may read (`archive/entity_pages.py`); the search page's facets and map count the
mentions anyone who may read the cable may read (as the query filters do: fail closed).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from cablegram import directory
from cablegram.archive import AccessFilter, Archive, entities_store
from cablegram.archive.entity_network import co_mentions, render
from cablegram.archive.entity_pages import KINDS, available, entity_page, reader_access
from cablegram.archive.place_coordinates import place_point
from cablegram.web.charts import fill_months, timeline, world_map
from cablegram.web.core import ArchiveDep, Reader, WebError, page
from cablegram.web.filters import entity_url, facet_filter, url

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])

Kind = Literal["person", "place", "org"]
Slug = Annotated[str, Path(max_length=200)]
QueryText = Annotated[str, Query(max_length=2000, description="query language, as `cablegram search`")]
Filters = Annotated[str | None, Query(max_length=2000, description="more query text ANDed to q")]
NetworkFormat = Literal["graphml", "gexf", "csv", "json"]
PAGE = 20
MAX_PAGE = 500
#: Entity facets and the places map are counted for searches of at most this many cables.
ENTITY_FACET_MAX = 25_000
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "malformed query: {\"error\": message}"},
    404: {"description": "no cable you may read names the entity: {\"error\": message}"},
    422: {"description": "invalid parameters: {\"error\": message}"},
}
_MEDIA = {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "csv": "text/csv; charset=utf-8"}


def setup(app: Any) -> None:
    app.include_router(api)


def _as_reader(a: Archive, reader: AccessFilter | None) -> Any:
    """The archive as the reader sees it: a controlled archive is already; an open one read with
    a reader's filter (a custom `Settings.access_for`) is wrapped, so searches honour it too."""
    if reader is None or hasattr(a, "inner"):
        return a
    from cablegram.desk.controlled import ControlledArchive

    return ControlledArchive(a, reader)


def _page_of(a: Archive, reader: AccessFilter | None, kind: str, slug: str, number: int) -> Any:
    found = entity_page(_as_reader(a, reader), kind, slug, access=reader, offset=(number - 1) * PAGE, limit=PAGE)
    if found is None:
        raise WebError(404, f"no cable you may read names {kind} {slug!r}")
    return found


def _query(q: str, more: list[str]) -> str:
    parts = [f"({q})" if q.strip() else "", *(f"({x})" for x in more if x and x.strip())]
    return " ".join(p for p in parts if p)


@router.get("/entity/{kind}/{slug}", response_class=HTMLResponse)
def entity(request: Request, a: ArchiveDep, reader: Reader, kind: Kind, slug: Slug,
           page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1) -> HTMLResponse:
    """One person, place or organisation: mentions over time, posts, co-mentions, cables."""
    found = _page_of(a, reader, kind, slug, page_number)
    own = facet_filter(kind, found.key)
    months = fill_months(dict(found.months))
    chart = timeline(months, lambda m: url("/search", f=[own, facet_filter("month", m)]), width=900, height=150) \
        if months else ""
    top_post = max((n for _, n in found.posts), default=1)
    pages = -(-found.total // PAGE)
    where = place_point(found.key) if kind == "place" else None
    return page(
        request, "entity.html", title=found.name, entity=found, chart=chart, search_href=url("/search", f=[own]),
        posts=[(o, n, 100 * n / top_post, url("/search", f=[own, facet_filter("origin", o)]))
               for o, n in found.posts[:20]],
        co={k: [e for e in found.co_mentioned if e.kind == k] for k in KINDS},
        page_number=page_number, pages=pages,
        where=world_map([(found.name, where[1], where[2], found.total, url("/search", f=[own]))], width=450,
                        height=180, label=f"where {found.name} is") if where else "",
        prev_href=url(request.url.path, page=page_number - 1) if page_number > 1 else None,
        next_href=url(request.url.path, page=page_number + 1) if page_number < pages else None,
        api_href=url(f"/api/entity/{kind}/{found.slug}", page=page_number if page_number > 1 else None),
        network_href=url("/search/network", f=[own], format="graphml"),
    )


# --- the search page's entity facets, maps and network links ----------------------------------

def search_panels(a: Archive, reader: AccessFilter | None, q: str, f: list[str], sort: str, total: int,
                  origins: list[Any]) -> dict[str, Any]:
    """What the search page adds: a map of the hits' origins and one of the places they mention,
    person/place/org facets linking to the entities' pages, the network downloads."""
    keep = None if sort == "rank" else sort
    points = []
    for c in origins:
        where = directory.coordinates(c.value)
        if where:
            points.append((c.value, where[0], where[1], c.count,
                           url("/search", q=q, f=[*f, facet_filter("origin", c.value)], sort=keep)))
    out: dict[str, Any] = {
        "origin_map": world_map(points, width=450, height=180) if points else "",
        "places_map": "", "entity_facets": {}, "network": {}, "places_mapped": 0,
    }
    if not total or total > ENTITY_FACET_MAX or not available(a):
        return out
    filters = " ".join(f) or None
    counts = a.search(q, filters=filters, facets=KINDS, limit=0, access=reader).facets
    access = reader_access(a, reader)
    places = []
    for kind in KINDS:
        items = counts.get(kind, [])[:15] if kind != "place" else counts.get(kind, [])
        names = entities_store.spellings(a, kind, [c.value for c in items], access)
        rows = []
        for c in items:
            flt = facet_filter(kind, c.value)
            active = flt in f
            nf = [x for x in f if x != flt] if active else [*f, flt]
            row = {"value": c.value, "name": names.get(c.value, c.value), "count": c.count, "active": active,
                   "href": url("/search", q=q, f=nf, sort=keep), "page": entity_url(kind, c.value)}
            if kind == "place":
                where = place_point(c.value)
                if where:
                    href = url("/search", q=q, f=[*f, flt], sort=keep)
                    places.append((row["name"], where[1], where[2], c.count, href))
            rows.append(row)
        out["entity_facets"][kind] = rows[:15]
    out["places_map"] = world_map(places, width=450, height=180, label="map of the places the cables mention") \
        if places else ""
    out["places_mapped"] = len(places)
    out["network"] = {fmt: url("/search/network", q=q, f=f, format=fmt) for fmt in ("graphml", "gexf", "csv")}
    return out


def _network_response(a: Archive, reader: AccessFilter | None, query: str, fmt: str, most: int) -> Response:
    net = co_mentions(_as_reader(a, reader), query, most=most)  # a malformed query: the app's 400
    if fmt == "json":
        from fastapi.responses import JSONResponse

        return JSONResponse(net.to_dict())
    return Response(render(net, fmt), media_type=_MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="co-mentions.{fmt}"'})


@router.get("/search/network")
def search_network(a: ArchiveDep, reader: Reader, q: QueryText = "",
                   f: Annotated[list[str], Query(max_length=40)] = [],  # noqa: B006 (FastAPI copies defaults)
                   format: NetworkFormat = "graphml",
                   limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Response:
    """The co-mention network of the search page's cables, as a download."""
    return _network_response(a, reader, _query(q, [x for x in f if x.strip()][:20]), format, limit)


# --- the JSON API ------------------------------------------------------------------------------

@api.get("/entity/{kind}/{slug}", responses=ERRORS, summary="An entity's page")
def api_entity(a: ArchiveDep, reader: Reader, kind: Kind, slug: Slug,
               page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> dict[str, Any]:
    """A person, place or organisation (the slug, or any spelling): the cables naming it per month,
    per post, the co-mentioned entities and a page of the cables (20, oldest first)."""
    return dict(_page_of(a, reader, kind, slug, page).to_dict())


@api.get("/entities", responses=ERRORS, summary="Top entities of a search")
def api_entities(a: ArchiveDep, reader: Reader, q: QueryText = "", filters: Filters = None,
                 limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    """The people, places and organisations named in most cables of the search (as `cablegram
    entities --query`), places with their coordinates where known."""
    query = _query(q, [filters or ""])
    shown = _as_reader(a, reader)
    top = entities_store.top_entities(shown, query, limit=limit) if available(a) else {k: [] for k in KINDS}
    out: dict[str, Any] = {"query": query}
    for kind, items in top.items():
        rows = []
        for key, name, n in items:
            row: dict[str, Any] = {"key": key, "slug": key.replace(" ", "-"), "name": name, "cables": n}
            where = place_point(key) if kind == "place" else None
            if where:
                row["lat"], row["lon"] = where[1], where[2]
            rows.append(row)
        out[kind] = rows
    return out


@api.get("/entities/network", responses=ERRORS, summary="Co-mention network of a search")
def api_network(a: ArchiveDep, reader: Reader, q: QueryText = "", filters: Filters = None,
                format: NetworkFormat = "json",
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Response:
    """Entities named in the same cables of the search, weighted by cables: JSON (`nodes`,
    `edges`), GraphML, GEXF or a CSV edge list; the `limit` entities named in most cables."""
    return _network_response(a, reader, _query(q, [filters or ""]), format, limit)
