"""Versions of a re-released cable: its history and a line diff between any two texts."""

from __future__ import annotations

import difflib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cablegram.web.core import ArchiveDep, Reader, WebError, page
from cablegram.web.views.cable import RefId, load

router = APIRouter(include_in_schema=False)


def diff_lines(old: str, new: str, context: int = 3) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs, kind one of hunk/add/del/ctx (templates escape)."""
    out: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "ctx")
        out.append((kind, line))
    return out


@router.get("/cable/{reference_id}/versions", response_class=HTMLResponse)
def versions_page(request: Request, a: ArchiveDep, reader: Reader, reference_id: RefId,
                  a_index: Annotated[int | None, Query(alias="a", ge=0, le=1000)] = None,
                  b_index: Annotated[int | None, Query(alias="b", ge=0, le=1000)] = None) -> HTMLResponse:
    """Every known text of the cable; the diff between versions `a` and `b` (default: the
    previous and the current)."""
    cable = load(a, reference_id, reader)
    rid = cable.reference_id or reference_id
    history = a.versions(rid, access=reader)
    last = len(history) - 1
    old = max(last - 1, 0) if a_index is None else a_index
    new = last if b_index is None else b_index
    if old > last or new > last:
        raise WebError(404, f"{rid} has {len(history)} version(s), numbered 0 to {last}")
    diff = diff_lines(history[old].raw_text, history[new].raw_text) if old != new else []
    return page(request, "versions.html", title=f"Versions of {rid}", cable=cable, rid=rid,
                history=history, old=old, new=new, diff=diff)
