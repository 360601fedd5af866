"""`cablegram serve`: the web reading room and JSON API over an archive (uvicorn)."""

from __future__ import annotations

import argparse
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
    p.set_defaults(func=run)


def serve(location: str, host: str, port: int, templates: str | None,
          announce: str = "serving", query_timeout: float | None = DEFAULT_QUERY_TIMEOUT,
          cors: list[str] | None = None) -> None:
    """Build the app for `location` and run uvicorn until interrupted."""
    import socket

    import uvicorn

    from cablegram.web import Settings, create_app

    if templates and not Path(templates).is_dir():
        raise CommandError(f"no template directory {templates}")
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
    print(f"cablegram: {announce} {location} at http://{shown}:{sock.getsockname()[1]}/"
          "  (Ctrl-C to stop)", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def run(args: argparse.Namespace) -> int:
    if args.query_timeout < 0:
        raise CommandError("--query-timeout must be 0 (no limit) or more seconds")
    serve(archive_location(args.archive), args.host, args.port, args.templates,
          query_timeout=args.query_timeout, cors=args.cors)
    return 0
