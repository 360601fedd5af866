"""Over-classification in the reading room: the cables whose marking most disagrees with the
classification advice, both ways (`cablegram.advise.scores`, filled by `cablegram advise train`).

The scores are of whole texts: in a controlled archive (a reader with an access filter) they
would tell of withheld portions, so there the page shows nothing (fail closed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cablegram.web.core import ArchiveDep, NavLink, Reader, WebError, page

router = APIRouter()
nav = [NavLink("/advice", "Advice", 46)]


def _lists(a: Any, limit: int) -> dict[str, Any]:
    from cablegram.advise.filters import scored
    from cablegram.advise.scores import most_disagreeing

    return {"scored": scored(a), "over": most_disagreeing(a, "over", limit),
            "under": most_disagreeing(a, "under", limit)}


@router.get("/advice", response_class=HTMLResponse, include_in_schema=False)
def advice_page(request: Request, a: ArchiveDep, reader: Reader,
                limit: int = Query(25, ge=1, le=200)) -> HTMLResponse:
    """The cables marked furthest above and below the advice."""
    if reader is not None:
        return page(request, "advice.html", title="Classification advice", controlled=True)
    return page(request, "advice.html", title="Classification advice", controlled=False,
                **_lists(a, limit))


@router.get("/api/advice", tags=["api"], summary="Cables whose marking most disagrees with the advice")
def advice_api(a: ArchiveDep, reader: Reader, limit: int = Query(25, ge=1, le=200)) -> dict[str, Any]:
    """`over`: marked above the advised level, furthest first; `under`: marked below it."""
    if reader is not None:
        raise WebError(403, "advice scores are not served from a controlled archive")
    lists = _lists(a, limit)
    return {"scored": lists["scored"], "over": [s.to_dict() for s in lists["over"]],
            "under": [s.to_dict() for s in lists["under"]]}
