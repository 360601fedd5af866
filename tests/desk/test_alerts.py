"""Saved searches that alert: matching after an ingest (real dev cables) and at a release on the
desk, in an open and a controlled archive; the webhook (a receiver on 127.0.0.1); the CLI; the API
and the Atom feed."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from archive_fixtures import run_cli
from cablegram.access import can_read
from cablegram.archive import ingest, open_archive
from cablegram.archive.query import parse_query
from cablegram.desk import (
    add_post,
    add_user,
    create_token,
    get_user,
    open_desk,
    update_user,
)
from cablegram.desk.alerts import (
    alert_count,
    delete_search,
    indexed_words,
    list_alerts,
    mark_read,
    match_new,
    save_search,
    wait_for_webhooks,
)
from cablegram.desk.alerts_match import may_match
from cablegram.desk.db import DeskError
from cablegram.desk.webhooks import ALLOW_ENV
from cablegram.web.app import create_app
from corpus import DEV, SHARED, dev_records
from test_desk_support import make_desk, release_gas

needs_dev = pytest.mark.skipif(not DEV.exists(), reason=f"the shared corpus is absent: {SHARED}")

#: Saved queries of every kind the language has: words, phrases, prefixes, OR, NOT, fields.
QUERIES = {
    "ossetia": '"south ossetia"',
    "iran nuclear": "iran nuclear",
    "pgov moscow": "tag:PGOV origin:moscow",
    "pipelines": "pipeline* OR gazprom",
    "election not ukraine": "election* NOT ukraine",
    "secret kabul": "class:secret kabul",
    "subject wheat": "subject:wheat",
}
SPLIT = 4200


@pytest.fixture(scope="module")
def split_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, set[str]]]:
    """The dev corpus in two ingests, with a reader's saved searches made between them; yields the
    archive and the reference ids the second ingest added."""
    if not DEV.exists():
        pytest.skip(f"the shared corpus is absent: {SHARED}")
    path = tmp_path_factory.mktemp("alerts") / "split.db"
    records = dev_records()
    with open_archive(path) as archive:
        ingest(archive, records[:SPLIT], workers=0)
        before = {r[0] for r in archive.db.execute("SELECT reference_id FROM cables")}
    desk = open_desk(path)
    add_post(desk, "SECSTATE WASHDC")
    rita = add_user(desk, "rita", post="STATE", clearance="SECRET")
    for name, query in QUERIES.items():
        save_search(desk, rita, name, query)
    desk.close()
    with open_archive(path) as archive:
        ingest(archive, records[SPLIT:], workers=0)
        added = {r[0] for r in archive.db.execute("SELECT reference_id FROM cables")} - before
    yield path, added


@needs_dev
def test_an_ingest_alerts_each_saved_search_to_exactly_the_new_cables_it_finds(
        split_archive: tuple[Path, set[str]]) -> None:
    path, added = split_archive
    assert len(added) > 1000
    desk = open_desk(path)
    rita = get_user(desk, "rita")
    assert rita is not None
    alerts = list_alerts(desk, rita, limit=100_000)
    got: dict[str, set[str]] = {}
    for a in alerts:
        got.setdefault(a.search_name, set()).add(a.reference_id)
    with open_archive(path, readonly=True) as archive:
        for name, query in QUERIES.items():
            expected = {c.reference_id for c in archive.iter_records(query)} & added
            assert got.get(name, set()) == expected, name
    assert sum(map(len, got.values())) == len(alerts) == alert_count(desk, rita)
    assert all(len(got.get(n, ())) > 0 for n in ("ossetia", "pgov moscow", "pipelines", "election not ukraine"))
    # an ingest of what is already stored adds no cable, so no alert
    with open_archive(path) as archive:
        ingest(archive, dev_records()[SPLIT:SPLIT + 50], workers=0)
    assert alert_count(desk, rita) == len(alerts)
    desk.close()


@needs_dev
def test_the_word_pass_keeps_every_match_and_drops_most_of_the_rest(split_archive: tuple[Path, set[str]]) -> None:
    """The cheap pass over-approximates the search (never drops a match) and is worth having."""
    path, added = split_archive
    sample = sorted(added)[:300]
    kept = dropped = 0
    with open_archive(path, readonly=True) as archive:
        for query in ("iran nuclear", '"south ossetia"', "pipeline* OR gazprom", "moscow -russia", "kabul"):
            node = parse_query(query)
            matches = {c.reference_id for c in archive.iter_records(query)}
            for rid in sample:
                cable = archive.get(rid)
                assert cable is not None
                words = indexed_words(archive, cable)
                if may_match(node, words):
                    kept += 1
                else:
                    assert rid not in matches, (query, rid)
                    dropped += 1
    assert dropped > kept


def test_saved_searches_are_checked_and_belong_to_their_reader(tmp_path: Path) -> None:
    desk, people = make_desk(tmp_path / "a.db")
    with pytest.raises(DeskError, match="unclosed quote"):
        save_search(desk, people["erin"], "bad", '"open')
    with pytest.raises(DeskError, match="webhook"):
        save_search(desk, people["erin"], "hook", "gas", "file:///etc/passwd")
    with pytest.raises(DeskError, match="name"):
        save_search(desk, people["erin"], " ", "gas")
    first = save_search(desk, people["erin"], "gas", "gas")
    again = save_search(desk, people["erin"], "gas", "gas transit")  # same name: replaced
    assert again.id == first.id and again.query == "gas transit"
    assert not delete_search(desk, people["dmitri"], "gas")  # not theirs
    assert delete_search(desk, people["erin"], "gas")


class _Receiver(BaseHTTPRequestHandler):
    posts: list[tuple[str, dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.posts.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1")  # a receiver on this machine, allowed by its operator
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.posts = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_a_release_alerts_the_readers_who_may_read_it_and_posts_the_webhook(tmp_path: Path, receiver: str) -> None:
    desk, people = make_desk(tmp_path / "a.db")
    desk.set_access_mode("controlled")
    save_search(desk, people["dmitri"], "gas", '"gas transit" moscow', webhook=receiver)  # SECRET NOFORN
    save_search(desk, people["erin"], "gas", '"gas transit"', webhook=receiver)  # CONFIDENTIAL: cannot read it
    save_search(desk, people["dmitri"], "wheat", "wheat")
    rid = release_gas(desk, people)
    wait_for_webhooks()
    assert [(a.search_name, a.reference_id) for a in list_alerts(desk, people["dmitri"])] == [("gas", rid)]
    assert list_alerts(desk, people["erin"]) == [] and alert_count(desk, people["erin"]) == 0
    assert len(_Receiver.posts) == 1
    kind, payload = _Receiver.posts[0]
    assert kind == "application/json" and payload["user"] == "dmitri"
    assert [a["reference_id"] for a in payload["alerts"]] == [rid]
    assert payload["alerts"][0]["subject"] == "RUSSIA AND UKRAINE: GAS TALKS RESUME"
    row = desk.one("SELECT webhook_at, webhook_error FROM desk_saved_searches WHERE name = 'gas' AND user_id = ?",
                   (people["dmitri"].id,))
    assert row is not None and row[0] and row[1] is None
    # a reader whose clearance drops loses the alert (fail closed), and gets it back when it returns
    update_user(desk, people["dmitri"], clearance="CONFIDENTIAL")
    dmitri = get_user(desk, "dmitri")
    assert dmitri is not None
    assert alert_count(desk, dmitri) == 0 and list_alerts(desk, dmitri) == []
    assert mark_read(desk, people["dmitri"]) == 1


def test_a_webhook_that_fails_is_recorded_and_does_not_hold_up_the_release(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv(ALLOW_ENV, "127.0.0.1")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    desk, people = make_desk(tmp_path / "a.db")
    save_search(desk, people["dmitri"], "gas", "gas", webhook=dead)
    started = time.perf_counter()
    release_gas(desk, people)
    assert time.perf_counter() - started < 2.5  # the POST runs after, in its own thread
    wait_for_webhooks()
    row = desk.one("SELECT webhook_at, webhook_error FROM desk_saved_searches WHERE name = 'gas'")
    assert row is not None and row[0] and "refused" in row[1].lower()
    assert alert_count(desk, people["dmitri"]) == 1


def test_match_new_is_idempotent_and_ignores_inactive_readers(tmp_path: Path) -> None:
    desk, people = make_desk(tmp_path / "a.db")
    save_search(desk, people["dmitri"], "gas", "gas")
    save_search(desk, people["erin"], "gas", "gas")
    update_user(desk, people["erin"], active=False)
    rid = release_gas(desk, people)
    with open_archive(desk.path) as archive:
        assert match_new(desk, archive, [rid]) == []  # already alerted
    assert alert_count(desk, people["dmitri"]) == 1
    assert desk.one("SELECT count(*) FROM desk_alerts WHERE user_id = ?", (people["erin"].id,)) == (0,)


def test_the_cli_lists_saves_and_marks_alerts(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    desk, people = make_desk(path)
    desk.close()
    out = run_cli("alerts", "save", "gas", '"gas transit"', "--as", "dmitri", "--archive", str(path))
    assert out.returncode == 0 and "saved 'gas'" in out.stdout and "/feeds/alerts/1.atom?token=" in out.stdout
    desk = open_desk(path)
    rid = release_gas(desk, people)
    desk.close()
    out = run_cli("alerts", "--as", "dmitri", "--archive", str(path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == "1 unread alert for dmitri"
    assert rid in out.stdout and "RUSSIA AND UKRAINE: GAS TALKS RESUME" in out.stdout
    listed = json.loads(run_cli("alerts", "--as", "dmitri", "--json", "--archive", str(path)).stdout)
    assert listed["unread"] == 1 and listed["alerts"][0]["reference_id"] == rid
    assert "marked 1 alert read; 0 unread" in run_cli("alerts", "--as", "dmitri", "read", "--archive", str(path)).stdout
    out = run_cli("alerts", "--archive", str(path), env={"CABLEGRAM_USER": ""}, check=False)
    assert out.returncode == 1 and "--as USER" in out.stderr
    out = run_cli("alerts", "save", "bad", '"open', "--as", "dmitri", "--archive", str(path), check=False)
    assert out.returncode == 1 and "unclosed quote" in out.stderr and "Traceback" not in out.stderr
    out = run_cli("alerts", "delete", "nope", "--as", "dmitri", "--archive", str(path), check=False)
    assert out.returncode == 1 and "no saved search 'nope'" in out.stderr


def test_the_api_the_page_and_the_feed(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    desk, people = make_desk(path)
    desk.set_access_mode("controlled")
    token = create_token(desk, people["dmitri"])
    client = TestClient(create_app(path))
    h = {"Authorization": f"Bearer {token}"}
    saved = client.post("/api/alerts/searches", json={"name": "gas", "query": '"gas transit"'}, headers=h)
    assert saved.status_code == 201, saved.text
    feed = saved.json()["feed"]
    assert client.post("/api/alerts/searches", json={"name": "x", "query": '"open'}, headers=h).json() == {
        "error": "bad query: unclosed quote (at position 1)"}
    rid = release_gas(desk, people)
    got = client.get("/api/alerts", headers=h).json()
    assert got["unread"] == 1 and [a["reference_id"] for a in got["alerts"]] == [rid]
    assert got["alerts"][0]["subject"] == "RUSSIA AND UKRAINE: GAS TALKS RESUME"
    assert 'href="/alerts?q=%22gas%20transit%22"' in client.get('/search?q="gas transit"', headers=h).text
    page = client.get("/alerts", headers=h)
    assert page.status_code == 200 and 'class="alert-badge"' in page.text and rid in page.text
    # the feed: its token alone opens it (no session, in a controlled archive), a wrong one does not
    anonymous = TestClient(create_app(path))
    atom = anonymous.get(feed)
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(atom.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}title") for e in entries] == [
        f"{rid}: RUSSIA AND UKRAINE: GAS TALKS RESUME"]
    assert anonymous.get(feed[:-1] + ("0" if feed[-1] != "0" else "1")).status_code == 404
    assert anonymous.get("/api/alerts").status_code == 401
    assert client.post("/api/alerts/read", json={}, headers=h).json() == {"marked": 1, "unread": 0}
    assert 'class="alert-badge"' not in client.get("/alerts", headers=h).text
    sid = saved.json()["id"]
    assert client.delete(f"/api/alerts/searches/{sid}", headers=h).json() == {"deleted": sid}
    assert anonymous.get(feed).status_code == 404


@needs_dev
def test_alerts_on_both_backends(backend_location: str) -> None:
    """An ingest alerts the saved searches on SQLite and on PostgreSQL alike: exactly the new cables
    each query finds; in a controlled archive never a cable the reader may not read."""
    records = dev_records()[:400]
    with open_archive(backend_location) as archive:
        ingest(archive, records[:200], workers=0)
    desk = open_desk(backend_location)
    add_post(desk, "SECSTATE WASHDC")
    rita = add_user(desk, "rita", post="STATE", clearance="SECRET")
    low = add_user(desk, "low", post="STATE", clearance="CONFIDENTIAL")
    queries = {"words": "government minister", "phrase": '"prime minister"', "tag": "tag:PREL", "or": "iran OR iraq"}
    for name, query in queries.items():
        save_search(desk, rita, name, query)
        save_search(desk, low, name, query)
    with open_archive(backend_location) as archive:
        before = {c.reference_id for c in archive.iter_records("")}
        ingest(archive, records[200:], workers=0)
        added = {c.reference_id for c in archive.iter_records("")} - before
        expected = {name: {c.reference_id for c in archive.iter_records(q)} & added for name, q in queries.items()}
        readable_by_low = {c.reference_id for c in archive.iter_records("") if can_read(low, c)}
        secret_alerted = {c.reference_id for c in archive.iter_records("class:secret")} & set().union(
            *expected.values())
    got: dict[str, set[str]] = {}
    for a in list_alerts(desk, rita, limit=10_000):
        got.setdefault(a.search_name, set()).add(a.reference_id)
    assert got == {k: v for k, v in expected.items() if v} and sum(map(len, got.values())) > 20
    desk.set_access_mode("controlled")
    with open_archive(backend_location) as archive:
        match_new(desk, archive, sorted(added), webhooks=False)  # again, now controlled: nothing new for rita
    low_alerts = {a.reference_id for a in list_alerts(desk, low, limit=10_000)}
    assert secret_alerted and low_alerts and low_alerts <= readable_by_low  # the SECRET ones are gone
    desk.close()
