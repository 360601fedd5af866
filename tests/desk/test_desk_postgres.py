"""The desk where PostgreSQL differs from SQLite: the shared SQL's one translation, the access
mode read the same way by the desk, the CLI and the web on both backends, and `cablegram demo`
building and serving its archive and desk in a PostgreSQL schema."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from archive_fixtures import ROOT, run_cli
from cablegram.archive import open_archive
from cablegram.cli import main
from cablegram.desk import access_mode, add_user, clear, open_desk, release, save_draft
from cablegram.transactions import pg_sql
from cablegram.web.app import create_app
from pg_support import fresh_schema
from test_desk_support import PASSWORDS, make_desk, secret_fields


def test_the_shared_sql_is_translated_for_postgresql_in_one_place() -> None:
    assert pg_sql("SELECT a FROM t WHERE b = ? AND c IN (?, ?)") == "SELECT a FROM t WHERE b = %s AND c IN (%s, %s)"
    # `%` is doubled everywhere (psycopg reads it even in a literal); `?` in a literal or name stays
    assert pg_sql("SELECT key FROM f WHERE key LIKE 'user:%' AND x = '?' AND \"a?\" = ?") == (
        "SELECT key FROM f WHERE key LIKE 'user:%%' AND x = '?' AND \"a?\" = %s")
    assert pg_sql("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', %s"


def test_a_controlled_archive_is_controlled_for_the_cli_and_the_web(backend_location: str, capsys,  # type: ignore[no-untyped-def]
                                                                    monkeypatch) -> None:
    """Before the desk ran on PostgreSQL, a PostgreSQL archive was always read and served open."""
    monkeypatch.delenv("CABLEGRAM_USER", raising=False)
    desk, people = make_desk(backend_location)
    draft, _ = save_draft(desk, people["anna"], secret_fields(long=False))
    clear(desk, draft.id, people["boris"])
    with open_archive(backend_location) as archive:
        sent = release(desk, draft.id, people["carla"], when=datetime(2009, 3, 4, 10, 15), archive=archive)
    assert sent.archived and access_mode(backend_location) == "open"
    assert main(["search", "gas transit", "--json", "--archive", backend_location]) == 0
    assert "09MOSCOW1" in capsys.readouterr().out  # open: anyone reads the SECRET cable

    add_user(desk, "zoe", post="STATE", roles="admin")
    assert main(["desk", "access", "controlled", "--as", "zoe", "--archive", backend_location]) == 0
    assert capsys.readouterr().out.strip() == "controlled"
    assert access_mode(backend_location) == "controlled" and desk.access_mode == "controlled"
    assert main(["search", "gas transit", "--json", "--archive", backend_location]) == 1
    assert "controlled archive: say who reads with --as USER" in capsys.readouterr().err
    client = TestClient(create_app(backend_location))
    assert client.get("/api/search", params={"q": "gas transit"}).status_code == 401
    assert client.get("/cable/09MOSCOW1", follow_redirects=False).headers["location"].startswith("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    login = client.post("/login", data={"username": "dmitri", "password": PASSWORDS["dmitri"], "csrf": csrf,
                                        "next": "/desk"}, follow_redirects=False)
    assert login.status_code == 303
    me = client.get("/api/desk/me")
    assert me.status_code == 200 and me.json()["username"] == "dmitri"
    assert [i["reference_id"] for i in client.get("/api/desk/inbox").json()["items"]] == ["09MOSCOW1"]
    actions = [e["action"] for e in desk.audit_log(limit=50)]
    assert actions[-2:] == ["access.mode", "login"]
    desk.close()


@pytest.mark.postgres
def test_the_demo_builds_and_serves_its_archive_and_desk_in_postgresql() -> None:
    with fresh_schema() as url:
        built = run_cli("demo", "--archive", url, "--cables", "150", "--no-serve")
        assert re.search(r"built postgresql://\S+: 150 cables", built.stderr)
        assert "dan    password demo-dan" in built.stderr
        with open_desk(url) as desk:
            assert desk.backend == "postgres" and desk.one("SELECT count(*) FROM desk_users")[0] == 6
        with open_archive(url, readonly=True) as archive:  # the demo desk's SIPDIS releases are in the archive
            assert archive.search("gas talks resume").total >= 1
        again = run_cli("demo", "--archive", url, "--no-serve")
        assert "using the existing" in again.stderr and "dan    password demo-dan" in again.stderr
        refused = run_cli("demo", "--archive", url, "--no-serve", "--rebuild", check=False)
        assert refused.returncode == 1 and "does not delete a PostgreSQL archive" in refused.stderr
        assert "Traceback" not in refused.stderr
        listed = run_cli("users", "list", "--archive", url)
        assert listed.stdout.split()[0] == "anna"

        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.Popen([sys.executable, "-m", "cablegram", "demo", "--archive", url, "--port", "0"],
                                env=env, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stderr is not None
            base = None
            for line in proc.stderr:
                if m := re.search(r"(http://127\.0\.0\.1:\d+)/", line):
                    base = m.group(1)
                    break
            assert base is not None
            for _ in range(100):
                try:
                    page = urllib.request.urlopen(base + "/login", timeout=5).read().decode()
                    break
                except OSError:  # the URL is printed when the socket is bound; uvicorn listens a moment later
                    time.sleep(0.1)
            assert 'name="csrf"' in page
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_collections_are_kept_in_the_archive_on_both_backends(backend_location: str) -> None:
    """Before, a PostgreSQL archive's collections went to `sqlite3.connect(URL)`: a 500."""
    from archive_fixtures import seed_cable, store_cable

    cable, raw = seed_cable()  # 08MOSCOW2629, the real seed
    with open_archive(backend_location) as archive:
        store_cable(archive, cable, raw)
    client = TestClient(create_app(backend_location))
    same = {"Origin": "http://testserver"}
    for _ in range(2):  # saving twice keeps one
        added = client.post("/collections/add", data={"name": "team picks", "reference_id": "08MOSCOW2629"},
                            headers=same, follow_redirects=False)
        assert added.status_code == 303
    listed = client.get("/api/collections").json()["collections"]
    assert [(c["name"], c["cables"]) for c in listed] == [("team picks", 1)]
    assert [c["reference_id"] for c in client.get("/api/collections/team picks").json()["cables"]] == ["08MOSCOW2629"]
    # another app (another server of the team) sees the same collections
    assert [c["name"] for c in TestClient(create_app(backend_location)).get("/api/collections").json()[
        "collections"]] == ["team picks"]
    client.post("/collections/team picks/remove", data={"reference_id": "08MOSCOW2629"}, headers=same)
    assert client.get("/api/collections/team picks").json()["cables"] == []


@pytest.mark.postgres
def test_a_desk_command_on_a_missing_schema_says_so_in_one_line() -> None:
    from pg_support import pg_server, with_schema

    url = with_schema(pg_server(), "no_such_schema_here")
    out = run_cli("users", "list", "--archive", url, check=False)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "its search_path names no schema that exists" in out.stderr
