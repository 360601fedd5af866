"""Collections: readers save cables into named lists, each with a permalink
(`/collections/NAME`) and exports as JSONL and CSV; also read through the API."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, FastAPI, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from cablegram.archive import AccessFilter, Archive
from cablegram.model import Cable
from cablegram.web.collections_store import CollectionStore, valid_name
from cablegram.web.core import ArchiveDep, NavLink, Reader, WebError, page

router = APIRouter()
nav = [NavLink("/collections", "Collections", 30)]
Name = Annotated[str, Path(max_length=64, pattern=r"^[^\x00]*$")]  # no NUL: PostgreSQL text cannot hold one
FormText = Annotated[str, Form(max_length=64)]


def setup(app: FastAPI) -> None:
    """Keep the collections in the archive itself (its SQLite file or its PostgreSQL schema)."""
    app.state.collections = CollectionStore(app.state.pool.path)


def _store(request: Request) -> CollectionStore:
    store: CollectionStore = request.app.state.collections
    if not store.available:
        raise WebError(503, "collections need an archive file")
    return store


def _same_origin(request: Request) -> None:
    """Refuse form posts from other sites (a CSRF guard without cookies). Fail closed: an opaque
    `Origin: null` (sandboxed frames, some redirects), or no Origin from a client that sends no
    `Sec-Fetch-Site` either, counts as cross-site; a Referer proves nothing."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None and site not in ("same-origin", "none"):
        raise WebError(403, "cross-site request refused")
    if origin is None:
        if site is None:
            raise WebError(403, "cross-site request refused: the request says neither its Origin nor "
                                "its Sec-Fetch-Site")
        return
    netloc = urlsplit(origin).netloc if origin.strip().lower() != "null" else ""
    if not netloc or netloc != request.headers.get("host", ""):
        raise WebError(403, "cross-site request refused")


def _checked(name: str) -> str:
    name = name.strip()
    if not valid_name(name):
        raise WebError(422, "a collection name is 1-64 letters, digits, spaces, '_' or '-'")
    return name


def _cables(store: CollectionStore, name: str, a: Archive,
            reader: AccessFilter | None) -> list[tuple[str, str, Cable | None]]:
    if not store.exists(name):
        raise WebError(404, f"no collection {name!r}")
    return [(rid, added, a.get(rid, access=reader)) for rid, added in store.items(name)]


@router.get("/collections", response_class=HTMLResponse, include_in_schema=False)
def collections_page(request: Request) -> HTMLResponse:
    """Every collection with its size."""
    store: CollectionStore = request.app.state.collections
    rows = store.summary() if store.available else []
    return page(request, "collections.html", title="Collections", rows=rows, name=None)


@router.post("/collections", include_in_schema=False)
def create(request: Request, name: FormText) -> Response:
    """Create an empty collection."""
    _same_origin(request)
    name = _checked(name)
    _store(request).create(name)
    return RedirectResponse(f"/collections/{quote(name)}", status_code=303)


@router.post("/collections/add", include_in_schema=False)
def add(request: Request, a: ArchiveDep, reader: Reader, name: FormText, reference_id: FormText) -> Response:
    """Save a cable into a collection (created if new)."""
    _same_origin(request)
    name = _checked(name)
    cable = a.get(reference_id, access=reader)
    if cable is None or not cable.reference_id:
        raise WebError(404, f"no cable {reference_id!r} in the archive")
    _store(request).add(name, cable.reference_id)
    return RedirectResponse(f"/collections/{quote(name)}", status_code=303)


@router.post("/collections/{name}/remove", include_in_schema=False)
def remove(request: Request, name: Name, reference_id: FormText) -> Response:
    """Take a cable out of a collection."""
    _same_origin(request)
    _store(request).remove(_checked(name), reference_id)
    return RedirectResponse(f"/collections/{quote(name)}", status_code=303)


@router.post("/collections/{name}/delete", include_in_schema=False)
def delete(request: Request, name: Name) -> Response:
    """Delete a collection."""
    _same_origin(request)
    _store(request).delete(_checked(name))
    return RedirectResponse("/collections", status_code=303)


def _row(rid: str, added: str, c: Cable | None) -> dict[str, Any]:
    return {"reference_id": rid, "added": added, "created": c.created if c else None,
            "origin": c.origin.label if c else None,
            "classification": c.classification_label if c else None,
            "subject": c.subject if c else None, "in_archive": c is not None}


@router.get("/collections/{name}.jsonl", include_in_schema=False)
def export_jsonl(request: Request, a: ArchiveDep, reader: Reader, name: Name) -> Response:
    """The collection's cables as JSONL (full records)."""
    rows = _cables(_store(request), _checked(name), a, reader)

    def lines() -> Iterator[str]:
        for rid, added, c in rows:
            obj = c.to_dict() if c else {"reference_id": rid, "in_archive": False}
            yield json.dumps({**obj, "added": added}, ensure_ascii=False) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson", headers={
        "Content-Disposition": f'attachment; filename="{quote(name)}.jsonl"'})


@router.get("/collections/{name}.csv", include_in_schema=False)
def export_csv(request: Request, a: ArchiveDep, reader: Reader, name: Name) -> Response:
    """The collection's cables as CSV (metadata columns)."""
    rows = [_row(*r) for r in _cables(_store(request), _checked(name), a, reader)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["reference_id", "created", "origin", "classification",
                                             "subject", "added", "in_archive"])
    writer.writeheader()
    writer.writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{quote(name)}.csv"'})


@router.get("/collections/{name}", response_class=HTMLResponse, include_in_schema=False)
def collection_page(request: Request, a: ArchiveDep, reader: Reader, name: Name) -> HTMLResponse:
    """One collection: its cables, the permalink, exports."""
    name = _checked(name)
    rows = [_row(*r) for r in _cables(_store(request), name, a, reader)]
    return page(request, "collections.html", title=name, name=name, items=rows, rows=[])


@router.get("/api/collections", tags=["api"], summary="Collections")
def api_collections(request: Request) -> dict[str, Any]:
    """Every collection: name, number of cables, when created."""
    store: CollectionStore = request.app.state.collections
    rows = store.summary() if store.available else []
    return {"collections": [{"name": n, "cables": c, "created": t} for n, c, t in rows]}


@router.get("/api/collections/{name}", tags=["api"], summary="A collection's cables",
            responses={404: {"description": "unknown collection"}})
def api_collection(request: Request, a: ArchiveDep, reader: Reader, name: Name) -> dict[str, Any]:
    """The cables of one collection (metadata) in the order added."""
    store = _store(request)
    if not valid_name(name):
        raise WebError(404, f"no collection {name!r}")
    return {"name": name, "cables": [_row(*r) for r in _cables(store, name, a, reader)]}
