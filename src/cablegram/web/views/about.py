"""The query-language help page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from cablegram.web.core import NavLink, page

router = APIRouter(include_in_schema=False)
nav = [NavLink("/about", "Help", 90)]


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    """How to search."""
    return page(request, "about.html", title="Help")
