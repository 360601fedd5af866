"""Swagger UI for the JSON API at `/docs`, its assets served from the installed `fastapi-offline`
package (no CDN), and opt-in CORS for the JSON API (`Settings.extra["cors_origins"]`, set by
`cablegram serve --cors ORIGIN`)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from cablegram.web.core import WebError

router = APIRouter(include_in_schema=False)

#: The Swagger UI files served under /docs/assets/ (the rest of the package is not exposed).
ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript", "favicon.png": "image/png"}
#: Swagger UI sets inline styles; everything else stays as strict as the other pages.
DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self';"
            " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cablegram API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" href="/docs/assets/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


@cache
def asset_dir() -> Path | None:
    """Where the installed package keeps Swagger UI's files (None when it is not installed)."""
    try:
        path = Path(str(resources.files("fastapi_offline") / "static"))
    except ModuleNotFoundError:
        return None
    return path if (path / "swagger-ui-bundle.js").is_file() else None


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    """Swagger UI over /openapi.json."""
    if asset_dir() is None:
        raise WebError(404, "Swagger UI is not installed (pip install fastapi-offline); the schema is at "
                            "/openapi.json")
    return HTMLResponse(PAGE, headers={"Content-Security-Policy": DOCS_CSP})


@router.get("/docs/assets/{name}")
def asset(name: str) -> FileResponse:
    """One of Swagger UI's files."""
    base = asset_dir()
    if base is None or name not in ASSETS:
        raise WebError(404, f"no asset {name!r}")
    return FileResponse(base / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=86400"})


class ApiCors:
    """CORS for the JSON API only (`/api/...`, `/openapi.json`), for the origins given."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        from starlette.middleware.cors import CORSMiddleware

        self.app = app
        self.cors = CORSMiddleware(app, allow_origins=origins, allow_methods=["GET", "POST", "PUT"],
                                   allow_headers=["Authorization", "Content-Type", "X-CSRF-Token"],
                                   allow_credentials=False, max_age=600)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        target = self.cors if path.startswith("/api/") or path == "/openapi.json" else self.app
        await target(scope, receive, send)


def setup(app: FastAPI) -> None:
    """Add CORS for the JSON API when `cors_origins` is set (off by default)."""
    origins: Any = app.state.settings.extra.get("cors_origins") or ()
    if origins:
        app.add_middleware(ApiCors, origins=[str(o) for o in origins])
