"""Similar cables as JSON: `GET /api/cable/{id}/similar` (the issue's path) and its alias under
`/api/cables/`, the list the cable page shows (see `cablegram.archive.similar`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cablegram.archive.similar import similar
from cablegram.web.core import ArchiveDep, Reader, WebError
from cablegram.web.views.api import ERRORS
from cablegram.web.views.cable import RefId, _missing

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/cable/{reference_id}/similar", responses=ERRORS, summary="Cables like this one")
@router.get("/cables/{reference_id}/similar", responses=ERRORS, summary="Cables like this one (alias)")
def api_similar(a: ArchiveDep, reader: Reader, reference_id: RefId) -> dict[str, Any]:
    """The 10 cables most like this one that you may see: `{"reference_id", "terms", "similar":
    [hit, ...]}`; `terms` are the cable's distinctive words the likeness was searched by, hits are
    as `/api/search` gives them (best first)."""
    found = similar(a, reference_id, access=reader) if reference_id.strip() else None
    if found is None:
        raise WebError(404, _missing(a, reference_id, reader))
    return found.to_dict()
