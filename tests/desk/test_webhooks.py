"""Webhooks go to public addresses only (no server-side request forgery through a saved search):
internal addresses are refused when a search is saved and again when a POST goes out, the POST
follows no redirect, and an operator's CABLEGRAM_WEBHOOK_ALLOW lets a receiver inside through."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from cablegram.desk.alerts import alert_count, save_search, wait_for_webhooks
from cablegram.desk.db import DeskError
from cablegram.desk.webhooks import ALLOW_ENV, check_url, post
from test_desk_support import make_desk, release_gas

INTERNAL = [
    "http://127.0.0.1:8080/hook",
    "http://127.1.2.3/",
    "http://[::1]:9000/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://172.16.5.4/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0:5432/",
    "http://localhost:8000/hook",
    "https://admin.localhost/hook",
    "http://[fe80::1]/hook",
    "http://224.0.0.1/hook",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_a_webhook_to_an_internal_address_is_refused_when_saved(tmp_path: Path, url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    desk, people = make_desk(tmp_path / "a.db")
    with pytest.raises(DeskError, match=f"internal address.*{ALLOW_ENV}"):
        save_search(desk, people["erin"], "gas", "gas", webhook=url)
    assert desk.one("SELECT count(*) FROM desk_saved_searches") == (0,)


def test_public_addresses_and_names_are_kept_and_the_operator_allows_hosts_inside(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    for url in ("https://hooks.example.org/cablegram", "http://8.8.8.8/hook", "https://[2001:4860::8888]/x"):
        assert check_url(url) == url
    assert check_url("  ") is None
    with pytest.raises(ValueError, match="http:// or https://"):
        check_url("gopher://8.8.8.8/")
    with pytest.raises(ValueError, match="http:// or https://"):
        check_url("http://8.8.8.8:99999/")  # a port out of range
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1, hooks.lan")
    assert check_url("http://127.0.0.1:9/hook") == "http://127.0.0.1:9/hook"
    with pytest.raises(ValueError, match="internal address"):
        check_url("http://10.0.0.1/")  # not the one allowed


def test_a_name_that_does_not_resolve_is_an_outcome_not_a_traceback() -> None:
    assert "does not resolve" in (post("http://cablegram-hooks.invalid/hook", b"{}") or "")


class _Hits(BaseHTTPRequestHandler):
    """Counts POSTs by port; answers `redirect_to` with a 302 when set."""

    hits: list[int] = []
    redirect_to: str | None = None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        _Hits.hits.append(self.server.server_address[1])
        if _Hits.redirect_to and not _Hits.redirect_to.startswith(f"http://127.0.0.1:{self.server.server_address[1]}/"):
            self.send_response(302)
            self.send_header("Location", _Hits.redirect_to)
        else:
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def two_receivers() -> Iterator[tuple[str, str]]:
    servers = [HTTPServer(("127.0.0.1", 0), _Hits) for _ in range(2)]
    _Hits.hits, _Hits.redirect_to = [], None
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tuple(f"http://127.0.0.1:{s.server_address[1]}/hook" for s in servers)  # type: ignore[misc]
    for server in servers:
        server.shutdown()
        server.server_close()


def _outcome(desk: Any) -> tuple[Any, ...] | None:
    return desk.one("SELECT webhook_at, webhook_error FROM desk_saved_searches WHERE name = 'gas'")


def test_a_stored_webhook_to_an_internal_address_is_not_posted(
        tmp_path: Path, two_receivers: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL that got in before the check (an older archive), or a name that resolves inside, is
    checked again at POST time: the receiver on loopback hears nothing, the outcome says why."""
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    desk, people = make_desk(tmp_path / "a.db")
    save_search(desk, people["dmitri"], "gas", "gas")
    with desk.transaction() as db:
        db.execute("UPDATE desk_saved_searches SET webhook = ?", (two_receivers[0],))
    release_gas(desk, people)
    wait_for_webhooks()
    assert alert_count(desk, people["dmitri"]) == 1  # the alert itself is made
    assert _Hits.hits == []
    row = _outcome(desk)
    assert row is not None and row[0] and "internal address" in row[1]


def test_a_redirect_is_recorded_not_followed(
        tmp_path: Path, two_receivers: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1")
    first, second = two_receivers
    _Hits.redirect_to = second
    desk, people = make_desk(tmp_path / "a.db")
    save_search(desk, people["dmitri"], "gas", "gas", webhook=first)
    release_gas(desk, people)
    wait_for_webhooks()
    assert len(_Hits.hits) == 1 and first.startswith(f"http://127.0.0.1:{_Hits.hits[0]}/")  # not the second
    row = _outcome(desk)
    assert row is not None and row[1] == "HTTP 302 (redirects are not followed)"
