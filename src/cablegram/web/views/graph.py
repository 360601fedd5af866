"""The reference graph of a cable's thread: what it cites and what cites it, `depth` steps each
way, drawn on the server (nodes link to the cables' graphs and pages)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cablegram.web.core import ArchiveDep, Reader, page
from cablegram.web.graphsvg import MAX_NODES, draw
from cablegram.web.views.cable import RefId, load

router = APIRouter(include_in_schema=False)


@router.get("/cable/{reference_id}/graph", response_class=HTMLResponse)
def graph_page(request: Request, a: ArchiveDep, reader: Reader, reference_id: RefId,
               depth: Annotated[int, Query(ge=1, le=4)] = 2) -> HTMLResponse:
    """The thread around a cable as a graph."""
    cable = load(a, reference_id, reader)
    rid = cable.reference_id or reference_id
    thread = a.thread(rid, depth, access=reader)
    listed = sorted(((k, v) for k, v in thread.nodes.items() if k != rid),
                    key=lambda kv: (kv[1].get("created") or "", kv[0]))
    return page(request, "graph.html", title=f"Thread of {rid}", cable=cable, rid=rid,
                depth=depth, svg=draw(thread), nodes=listed, edges=len(thread.edges),
                truncated=len(thread.nodes) > MAX_NODES)
