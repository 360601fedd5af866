"""`cablegram serve`: the web reading room and JSON API over an archive (uvicorn)."""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from cablegram.archive import archive_location
from cablegram.archive.budget import DEFAULT_QUERY_TIMEOUT
from cablegram.cli import CommandError
from cablegram.commands._archive import add_archive_option


def add_server_options(p: argparse.ArgumentParser) -> None:
    """--host, --port, --templates, --workers-free options shared with `demo`."""
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--templates", metavar="DIR", default=None,
                   help="a directory of templates that override the built-in ones")
    p.add_argument("--cors", metavar="ORIGIN", action="append", default=[],
                   help="let pages from ORIGIN (e.g. https://example.org, or '*') call the JSON API "
                   "(repeatable; default: none)")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the archive in a browser and as a JSON API",
        description="Serve the archive: search, cable pages, browse, overview, reference graphs, "
        "versions, collections, and the JSON API under /api/ (schema at /openapi.json).",
    )
    add_archive_option(p)
    add_server_options(p)
    p.add_argument("--query-timeout", type=float, metavar="SECONDS", default=DEFAULT_QUERY_TIMEOUT,
                   help=f"stop a search after this long (default {DEFAULT_QUERY_TIMEOUT:g}; 0: never)")
    p.add_argument("--workers", type=int, metavar="N", default=1,
                   help="serve from N processes sharing the port, each with its own pool of "
                   "archive connections (default 1; SIGTERM or Ctrl-C stops them all)")
    p.set_defaults(func=run)


def serve(location: str, host: str, port: int, templates: str | None,
          announce: str = "serving", query_timeout: float | None = DEFAULT_QUERY_TIMEOUT,
          cors: list[str] | None = None, workers: int = 1) -> None:
    """Build the app for `location` and run uvicorn until interrupted; with `workers` > 1, that
    many processes (`cablegram.web.app.app_from_environment` builds each one's app)."""
    import socket

    import uvicorn

    from cablegram.web import Settings, create_app
    from cablegram.web.app import SERVE_ARCHIVE, SERVE_OPTIONS

    if templates and not Path(templates).is_dir():
        raise CommandError(f"no template directory {templates}")
    options = {"templates": templates, "query_timeout": query_timeout or None, "cors": cors or []}
    try:
        app = create_app(location, settings=Settings(templates=templates, query_timeout=query_timeout or None,
                                                     extra={"cors_origins": cors or []}))
    except FileNotFoundError:
        raise CommandError(f"no archive at {location}: run `cablegram ingest SOURCE...` "
                           "or `cablegram demo` first") from None
    except (sqlite3.DatabaseError, ConnectionError, NotImplementedError) as exc:
        raise CommandError(f"cannot open archive {location}: {exc}") from None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise CommandError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    shown = f"[{host}]" if ":" in host else host
    if workers > 1:
        app.state.pool.close()  # the archive opens: each worker opens its own
        from uvicorn.supervisors import Multiprocess

        os.environ[SERVE_ARCHIVE] = location  # what each spawned worker builds its app from
        os.environ[SERVE_OPTIONS] = json.dumps(options)
        config = uvicorn.Config("cablegram.web.app:app_from_environment", factory=True,
                                workers=workers, log_level="warning", access_log=False)
        _announce(announce, location, shown, sock, f"{workers} workers, ")
        Multiprocess(config, sockets=[sock]).run()
        return
    _announce(announce, location, shown, sock, "")
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def _announce(announce: str, location: str, shown: str, sock: Any, workers: str) -> None:
    print(f"cablegram: {announce} {_redacted(location)} at http://{shown}:{sock.getsockname()[1]}/"
          f"  ({workers}Ctrl-C to stop)", file=sys.stderr, flush=True)


def _redacted(location: str) -> str:
    if location.startswith(("postgresql://", "postgres://")):
        from cablegram.archive.postgres import redacted

        return redacted(location)
    return location


def run(args: argparse.Namespace) -> int:
    if args.query_timeout < 0:
        raise CommandError("--query-timeout must be 0 (no limit) or more seconds")
    if args.workers < 1:
        raise CommandError("--workers must be at least 1")
    serve(archive_location(args.archive), args.host, args.port, args.templates,
          query_timeout=args.query_timeout, cors=args.cors, workers=args.workers)
    return 0
