"""The web app: `create_app(archive)` builds the FastAPI application.

Every module in `cablegram.web.views` that has a `router` is included (in name order); a module
may also list `nav` links (`NavLink`) for the navigation bar and define `setup(app)`, called
once when the app is built. Access control (`cablegram.web.auth.install`: who is asking, and every
archive read through their access) is installed by `create_app` itself, before any view's setup.
Templates are looked up first in `Settings.templates` (a user's overrides), then in
`cablegram/web/templates`. Responses carry a strict Content-Security-Policy: no inline script or
style, nothing from other origins.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cablegram import __version__
from cablegram.archive import Archive, QueryError
from cablegram.archive.budget import QueryCancelled, QueryTimeout, cancelled
from cablegram.web import auth, filters, views
from cablegram.web.core import ArchivePool, NavLink, Settings, WebError, page

__all__ = ["SECURITY_HEADERS", "SERVE_ARCHIVE", "SERVE_OPTIONS", "app_from_environment", "create_app"]

#: What `cablegram serve --workers N` tells its worker processes: the archive's location, and
#: the options (JSON: templates, query_timeout, cors) each worker builds its app with.
SERVE_ARCHIVE = "CABLEGRAM_SERVE_ARCHIVE"
SERVE_OPTIONS = "CABLEGRAM_SERVE_OPTIONS"

HERE = Path(__file__).resolve().parent

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: the security headers on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.raw = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *[(k, v) for k, v in self.raw if k not in names]]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Disconnects:
    """ASGI middleware: notices a client that goes away before its answer, so that its search
    stops at once instead of running out its time budget (`cablegram.archive.budget.cancelled`).

    It reads the request's messages itself and hands them on to the app in order; the
    `http.disconnect` that follows the request sets the request's event.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        gone = threading.Event()
        inbox: asyncio.Queue[Message] = asyncio.Queue()

        async def pump() -> None:
            while True:
                message = await receive()
                await inbox.put(message)
                if message["type"] == "http.disconnect":
                    gone.set()
                    return

        task = asyncio.ensure_future(pump())
        token = cancelled.set(gone)
        try:
            await self.app(scope, inbox.get, send)
        finally:
            cancelled.reset(token)
            task.cancel()


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error(request: Request, status: int, message: str, headers: dict[str, str] | None = None,
           **extra: Any) -> Response:
    if _is_api(request):
        return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)
    response = page(request, "error.html", status=status, status_code=status, message=message)
    response.headers.update(headers or {})
    return response


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        return _error(request, exc.status, exc.message, exc.headers)

    @app.exception_handler(QueryCancelled)
    async def query_cancelled(request: Request, exc: QueryCancelled) -> Response:
        return _error(request, 499, str(exc))  # nobody reads it: the client has gone

    @app.exception_handler(QueryTimeout)
    async def query_timeout(request: Request, exc: QueryTimeout) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(QueryError)
    async def query_error(request: Request, exc: QueryError) -> Response:
        return _error(request, 400, f"bad query: {exc}")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x not in ("query", "path", "body"))
            problems.append(f"{where}: {e.get('msg')}" if where else str(e.get("msg")))
        return _error(request, 422, "; ".join(problems) or "invalid parameters",
                      **({"detail": problems} if _is_api(request) else {}))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
        return _error(request, exc.status_code, message)


def _templates(settings: Settings) -> Jinja2Templates:
    loaders: list[jinja2.BaseLoader] = []
    if settings.templates:
        loaders.append(jinja2.FileSystemLoader(str(settings.templates)))
    loaders.append(jinja2.FileSystemLoader(str(HERE / "templates")))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    filters.install(env)
    return Jinja2Templates(env=env)


def _view_modules() -> list[Any]:
    out = []
    for info in sorted(pkgutil.iter_modules(views.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            out.append(importlib.import_module(f"{views.__name__}.{info.name}"))
    return out


def create_app(archive: str | Path | Archive, *, settings: Settings | None = None) -> FastAPI:
    """The FastAPI app serving `archive` (a path, opened read-only, or an `Archive` object)."""
    settings = settings or Settings()
    pool = ArchivePool(archive, settings.pool_size, wait=settings.pool_wait,
                       query_timeout=settings.query_timeout)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    app = FastAPI(
        lifespan=lifespan,
        title=f"{settings.title} API", version=__version__,
        description="Search and read the cable archive: the query language of `cablegram search`, "
        "cables as JSON and text, references, threads, facets, stats, suggestions.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.pool = pool
    app.state.cache = {}
    app.state.templates = _templates(settings)
    app.state.nav = []
    _install_errors(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    auth.install(app)
    nav: list[NavLink] = []
    for module in _view_modules():
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
        nav += list(getattr(module, "nav", ()))
        setup = getattr(module, "setup", None)
        if callable(setup):
            setup(app)
    app.state.nav = sorted(nav, key=lambda link: (link.order, link.label))
    app.add_middleware(Disconnects)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The app of one `cablegram serve --workers N` process (uvicorn's app factory): the archive
    at `$CABLEGRAM_SERVE_ARCHIVE` (else `$CABLEGRAM_ARCHIVE`), the options in
    `$CABLEGRAM_SERVE_OPTIONS`. Each worker has its own pool of archive connections."""
    import json
    import os

    from cablegram.archive import archive_location

    options = json.loads(os.environ.get(SERVE_OPTIONS) or "{}")
    settings = Settings(templates=options.get("templates"), query_timeout=options.get("query_timeout"),
                        extra={"cors_origins": options.get("cors") or []})
    return create_app(archive_location(os.environ.get(SERVE_ARCHIVE)), settings=settings)
