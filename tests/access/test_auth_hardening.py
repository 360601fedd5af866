"""Issue 9, the desk and web-auth side: drafts redacted by paragraph (4), the read audit (5), login
throttling (7), sessions and tokens that end (8), the collections' Origin check (15), optimistic
concurrency on drafts (18), and the desk schema upgrading an old file."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cablegram.access import WITHHELD, is_classified
from cablegram.archive import ingest, open_archive
from cablegram.cli import main
from cablegram.desk import (
    TOKEN_DAYS,
    DeskError,
    DraftConflict,
    add_user,
    create_token,
    get_draft,
    list_tokens,
    open_desk,
    revoke_token,
    save_draft,
    update_user,
    user_for_token,
)
from cablegram.desk import logins as desk_logins
from cablegram.desk.schema import DESK_SCHEMA_VERSION
from cablegram.sources import read_path
from cablegram.web.app import create_app
from corpus import DEV
from test_desk_support import PASSWORDS, make_desk

SECRET_TEXT = "The defector named three officers of the service."


def _u_draft_with_secret_paragraph() -> dict[str, Any]:
    """An UNCLASSIFIED draft one of whose paragraphs is marked (S//NF)."""
    return {"to": ["SECSTATE WASHDC"], "precedence": "ROUTINE", "classification": "UNCLASSIFIED",
            "caveats": ["SIPDIS"], "eo": "N/A", "tags": ["PGOV", "RS"], "subject": "VISIT OF THE DELEGATION",
            "paragraphs": [{"marking": "U", "text": "The delegation arrives on Monday."},
                           {"marking": "S//NF", "text": SECRET_TEXT},
                           {"marking": "U", "text": "Post will report further."}],
            "signers": ["BEYRLE"]}


#: The desk's people and the two the site adds (a copy: the shared dict stays as other modules know it).
SITE_PASSWORDS = {**PASSWORDS, "uma": "uma-pass-6", "alex": "alex-pass-7"}


@pytest.fixture()
def site(backend_location: str) -> tuple[Any, dict[str, Any], str]:
    """A desk on a SQLite file and on a PostgreSQL schema: the web, the CLI and the desk alike."""
    desk, people = make_desk(backend_location)
    people["uma"] = add_user(desk, "uma", post="MOSCOW", roles="drafter,clearer", clearance="UNCLASSIFIED",
                             password="uma-pass-6")
    people["alex"] = add_user(desk, "alex", post="MOSCOW", roles="drafter", clearance="SECRET", caveats="NOFORN",
                              password="alex-pass-7")
    return desk, people, backend_location


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _login(client: TestClient, who: str, password: str | None = None) -> Any:
    csrf = _csrf(client.get("/login").text)
    return client.post("/login", data={"username": who, "password": password or SITE_PASSWORDS[who], "csrf": csrf,
                                       "next": "/desk"}, follow_redirects=False)


# --- item 4: drafts follow the archive's paragraph rule ------------------------------------------

def test_a_draft_withholds_paragraphs_above_the_reader_on_every_front_end(site, capsys) -> None:  # type: ignore[no-untyped-def]
    desk, people, path = site
    draft, _ = save_draft(desk, people["anna"], _u_draft_with_secret_paragraph())
    shown = get_draft(desk, draft.id, people["uma"])
    assert shown is not None and shown.withheld == 1
    assert SECRET_TEXT not in json.dumps(shown.to_dict())
    assert shown.cable.paragraphs[1].text == WITHHELD.format(marking="S//NF")
    whole = get_draft(desk, draft.id, people["boris"])
    assert whole is not None and whole.withheld == 0 and SECRET_TEXT in whole.cable.paragraphs[1].text
    assert get_draft(desk, draft.id, people["dmitri"]) is None  # another post

    client = TestClient(create_app(path))
    uma = {"Authorization": f"Bearer {create_token(desk, people['uma'])}"}
    api = client.get(f"/api/desk/drafts/{draft.id}", headers=uma)
    assert api.status_code == 200 and SECRET_TEXT not in api.text and api.json()["draft"]["withheld"] == 1
    assert "withheld" in api.json()["telegram"]
    assert SECRET_TEXT not in client.get("/api/desk/drafts", headers=uma).text
    # uma cannot overwrite (and so destroy) the paragraph she cannot see, nor clear the draft
    put = client.put(f"/api/desk/drafts/{draft.id}", json=_u_draft_with_secret_paragraph(), headers=uma)
    assert put.status_code == 422 and "portions above your clearance" in put.json()["error"]
    assert client.post(f"/api/desk/drafts/{draft.id}/clear", headers=uma).status_code == 409

    assert _login(client, "uma").status_code == 303
    page = client.get(f"/desk/draft/{draft.id}")
    assert page.status_code == 200 and SECRET_TEXT not in page.text and 'id="withheld"' in page.text
    assert 'name="save"' not in page.text

    assert main(["desk", "show", str(draft.id), "--as", "uma", "--archive", str(path)]) == 0
    out = capsys.readouterr().out
    assert SECRET_TEXT not in out and "1 portion(s) withheld" in out
    assert main(["desk", "show", str(draft.id), "--as", "boris", "--archive", str(path)]) == 0
    assert "DEFECTOR NAMED" in capsys.readouterr().out.upper()


# --- item 18: optimistic concurrency ---------------------------------------------------------------

def test_a_stale_save_of_a_draft_is_refused_with_409_on_the_api_the_form_and_the_cli(site, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    desk, people, path = site
    fields = _u_draft_with_secret_paragraph()
    draft, _ = save_draft(desk, people["anna"], fields)
    assert draft.version == 1
    again, _ = save_draft(desk, people["alex"], {**fields, "subject": "ALEX WAS HERE"}, draft_id=draft.id, version=1)
    assert again.version == 2
    with pytest.raises(DraftConflict) as stale:
        save_draft(desk, people["anna"], {**fields, "subject": "ANNA OVERWRITES"}, draft_id=draft.id, version=1)
    assert stale.value.current == 2 and "by alex" in stale.value.message
    assert get_draft(desk, draft.id, people["anna"]).cable.subject == "ALEX WAS HERE"  # type: ignore[union-attr]

    client = TestClient(create_app(path))
    anna = {"Authorization": f"Bearer {create_token(desk, people['anna'])}"}
    alex = {"Authorization": f"Bearer {create_token(desk, people['alex'])}"}
    got = client.get(f"/api/desk/drafts/{draft.id}", headers=anna)
    assert got.headers["etag"] == '"2"' and got.json()["draft"]["version"] == 2
    assert client.put(f"/api/desk/drafts/{draft.id}", json=fields, headers={**alex, "If-Match": '"2"'}
                      ).json()["draft"]["version"] == 3
    late = client.put(f"/api/desk/drafts/{draft.id}", json={**fields, "subject": "LATE"},
                      headers={**anna, "If-Match": '"2"'})
    assert late.status_code == 409 and late.json()["version"] == 3 and "not saved" in late.json()["error"]
    assert client.put(f"/api/desk/drafts/{draft.id}", json={**fields, "version": 3}, headers=anna).status_code == 200

    # the web form: anna opens the draft, alex saves, anna's save gets a clear 409 and keeps her text
    assert _login(client, "anna").status_code == 303
    form_page = client.get(f"/desk/draft/{draft.id}").text
    token = _csrf(form_page)
    version = re.search(r'name="version" value="(\d+)"', form_page).group(1)  # type: ignore[union-attr]
    save_draft(desk, people["alex"], fields, draft_id=draft.id)
    form = {"csrf": token, "version": version, "to": "SECSTATE WASHDC", "classification": "UNCLASSIFIED",
            "subject": "ANNA'S TEXT", "tags": "PGOV RS", "eo": "N/A", "body": "(U) Her paragraph."}
    conflict = client.post(f"/desk/draft/{draft.id}", data=form)
    assert conflict.status_code == 409 and "was saved by alex" in conflict.text and "ANNA&#39;S TEXT" in conflict.text
    newer = re.search(r'name="version" value="(\d+)"', conflict.text).group(1)  # type: ignore[union-attr]
    assert int(newer) == int(version) + 1
    assert client.post(f"/desk/draft/{draft.id}", data={**form, "version": newer}).status_code in (200, 422)
    assert get_draft(desk, draft.id, people["anna"]).cable.subject == "ANNA'S TEXT"  # type: ignore[union-attr]

    # the CLI
    current = get_draft(desk, draft.id, people["anna"]).version  # type: ignore[union-attr]
    file = tmp_path / "d.json"
    file.write_text(json.dumps(fields))
    argv = ["draft", str(file), "--id", str(draft.id), "--as", "anna", "--archive", str(path)]
    assert main([*argv, "--version", str(current - 1)]) == 1
    assert "since you opened it" in capsys.readouterr().err
    assert main([*argv, "--version", str(current)]) in (0, 1)
    assert get_draft(desk, draft.id, people["anna"]).version == current + 1  # type: ignore[union-attr]


# --- item 7: throttled logins ------------------------------------------------------------------------

class Clock:
    """The throttle's clock, frozen and moved by hand (instead of sleeping through the delays)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)
        monkeypatch.setattr(desk_logins, "_now", lambda: self.now)

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


def test_failed_logins_are_throttled_then_locked_and_an_admin_unlocks(site, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    desk, people, path = site
    clock = Clock(monkeypatch)
    client = TestClient(create_app(path))
    for _ in range(desk_logins.FREE_TRIES):
        assert _login(client, "anna", "wrong").status_code == 401
    early = _login(client, "anna", SITE_PASSWORDS["anna"])  # even the right password must wait now
    assert early.status_code == 429 and early.headers["retry-after"] == "2"
    assert "wait 2 second(s)" in early.text and "too many failed logins" in early.text
    delays = []
    for _ in range(desk_logins.FREE_TRIES, desk_logins.LOCK_AFTER):
        clock.advance(desk_logins.MAX_DELAY)  # past any delay, within the lock window
        assert _login(client, "anna", "wrong").status_code == 401
        retry = _login(client, "anna", "wrong")
        assert retry.status_code == 429
        delays.append(int(retry.headers["retry-after"]))
    assert delays == [4, 8, 16, 32, 60, 60, desk_logins.LOCK_MINUTES * 60]  # growing, capped, then a lock
    clock.advance(desk_logins.MAX_DELAY)
    r = _login(client, "anna", SITE_PASSWORDS["anna"])  # still locked: the lock has its own end
    assert r.status_code == 429 and "is locked for 14 more minute(s)" in r.text and "an admin can unlock" in r.text
    assert "anna" in desk_logins.locked_users(desk)
    assert main(["users", "list", "--archive", str(path)]) == 0
    assert "locked until" in capsys.readouterr().out
    assert main(["users", "unlock", "anna", "--archive", str(path)]) == 0
    assert f"{desk_logins.LOCK_AFTER} failed login(s) forgotten" in capsys.readouterr().out
    clock.advance(desk_logins.MAX_DELAY)  # the address's own delay
    assert _login(client, "anna", SITE_PASSWORDS["anna"]).status_code == 303
    actions = [e["action"] for e in desk.audit_log(limit=100)]
    assert "login.locked" in actions and "login.unlock" in actions

    # the admin page shows a locked user with an Unlock button
    other = TestClient(create_app(path))
    update_user(desk, people["carla"], roles="releaser,clearer,admin")
    with desk.transaction() as db:
        db.execute("INSERT INTO desk_login_failures VALUES ('user:boris', 10, '2030-01-01T00:00:00Z',"
                   " '2999-01-01T00:00:00Z')")
    assert _login(other, "carla").status_code == 303
    admin = other.get("/desk/admin").text
    assert "locked until 2999-01-01" in admin
    assert other.post("/desk/admin/users/boris/unlock", data={"csrf": _csrf(admin)},
                      follow_redirects=False).status_code == 303
    assert "boris" not in desk_logins.locked_users(desk)


def test_failed_logins_from_one_address_are_throttled_across_usernames(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    desk, _people, _path = site
    clock = Clock(monkeypatch)
    for i in range(desk_logins.ADDRESS_LOCK_AFTER):
        clock.advance(desk_logins.MAX_DELAY)
        assert desk_logins.login(desk, f"nobody{i}", "guess", "203.0.113.9") is None
    with pytest.raises(desk_logins.LoginRefused) as refused:
        desk_logins.login(desk, "erin", SITE_PASSWORDS["erin"], "203.0.113.9")
    assert "your address" in refused.value.message and refused.value.retry_after > 0
    assert desk_logins.login(desk, "erin", SITE_PASSWORDS["erin"], "198.51.100.1") is not None  # another address


# --- item 8: sessions and tokens end ---------------------------------------------------------------

def test_a_password_change_ends_sessions_and_tokens_expire_list_and_revoke(site, capsys) -> None:  # type: ignore[no-untyped-def]
    desk, people, path = site
    client = TestClient(create_app(path))
    assert _login(client, "anna").status_code == 303
    assert client.get("/desk").status_code == 200
    update_user(desk, people["anna"], password="a-new-pass-8")
    assert client.get("/desk/draft/new").status_code == 401  # the old session is gone
    assert desk.one("SELECT count(*) FROM desk_sessions WHERE user_id = ?", (people["anna"].id,))[0] == 0

    token = create_token(desk, people["anna"], "script")
    (listed,) = list_tokens(desk, people["anna"])
    lifetime = datetime.fromisoformat(listed.expires) - datetime.fromisoformat(listed.created)
    assert listed.label == "script" and abs(lifetime - timedelta(days=TOKEN_DAYS)) < timedelta(minutes=1)
    assert user_for_token(desk, token) is not None
    with desk.transaction() as db:  # expire it
        db.execute("UPDATE desk_tokens SET expires = '2000-01-01T00:00:00Z' WHERE id = ?", (listed.id,))
    assert user_for_token(desk, token) is None
    expired = client.get("/api/desk/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401 and "expired" in expired.json()["error"]

    assert main(["users", "token", "anna", "--label", "cli", "--days", "7", "--archive", str(path)]) == 0
    cli_token = capsys.readouterr().out.strip()
    assert client.get("/api/desk/me", headers={"Authorization": f"Bearer {cli_token}"}).status_code == 200
    assert main(["users", "tokens", "anna", "--json", "--archive", str(path)]) == 0
    tokens = json.loads(capsys.readouterr().out)
    assert [(t["label"], t["expired"]) for t in tokens] == [("script", True), ("cli", False)]
    week = datetime.fromisoformat(tokens[1]["expires"]) - datetime.fromisoformat(tokens[1]["created"])
    assert abs(week - timedelta(days=7)) < timedelta(minutes=1)
    assert main(["users", "revoke", str(tokens[1]["id"]), "--archive", str(path)]) == 0
    assert f"revoked token {tokens[1]['id']} of anna (cli)" in capsys.readouterr().out
    assert client.get("/api/desk/me", headers={"Authorization": f"Bearer {cli_token}"}).status_code == 401
    create_token(desk, people["anna"], "after")
    assert list_tokens(desk, people["anna"])[-1].id > tokens[1]["id"]  # a revoked id is never reused
    assert main(["users", "revoke", "999", "--archive", str(path)]) == 1
    assert "no token 999" in capsys.readouterr().err

    # the admin page lists tokens and revokes one
    update_user(desk, people["carla"], roles="releaser,clearer,admin")
    web_token = create_token(desk, people["erin"], "erin's")
    admin = TestClient(create_app(path))
    assert _login(admin, "carla").status_code == 303
    page = admin.get("/desk/admin").text
    tid = list_tokens(desk, people["erin"])[0].id
    assert f"/desk/admin/tokens/{tid}/revoke" in page and "erin&#39;s" in page and "(expired)" in page
    assert admin.post(f"/desk/admin/tokens/{tid}/revoke", data={"csrf": "forged"}).status_code == 403
    assert admin.post(f"/desk/admin/tokens/{tid}/revoke", data={"csrf": _csrf(page)},
                      follow_redirects=False).status_code == 303
    assert user_for_token(desk, web_token) is None
    with pytest.raises(DeskError):
        revoke_token(desk, tid)


def test_an_old_desk_schema_is_upgraded_in_place(tmp_path: Path) -> None:
    """A desk file made by schema v1 (tokens without ids or expiry, drafts without versions)."""
    from cablegram.desk.schema import _V1

    path = tmp_path / "old.db"
    open_archive(path).close()
    db = sqlite3.connect(path)
    db.executescript(_V1 + ";INSERT INTO desk_schema_version VALUES (1);"
                     "INSERT INTO desk_posts(name, routing_indicator, station) VALUES ('AMEMBASSY MOSCOW', 'RUEHMO',"
                     " 'MOSCOW');"
                     "INSERT INTO desk_users(username, post_id, roles, created) VALUES ('olga', 1, 'drafter',"
                     " '2024-01-01T00:00:00Z');"
                     "INSERT INTO desk_drafts(post_id, author_id, record_json, created_at, updated_at) VALUES"
                     " (1, 1, '{}', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z');")
    import hashlib

    old_token = "cg_old-token-from-v1"
    db.execute("INSERT INTO desk_tokens(token_hash, user_id, label, created) VALUES (?, 1, 'old', "
               "'2024-01-01T00:00:00Z')", (hashlib.sha256(old_token.encode()).hexdigest(),))
    db.commit()
    db.close()
    desk = open_desk(path)
    assert desk.one("SELECT max(version) FROM desk_schema_version")[0] == DESK_SCHEMA_VERSION
    (token,) = list_tokens(desk)
    assert token.id == 1 and token.label == "old" and not token.expired  # 90 days from the upgrade
    assert user_for_token(desk, old_token) is not None
    assert desk.one("SELECT version FROM desk_drafts WHERE id = 1")[0] == 1
    assert desk.one("SELECT count(*) FROM desk_login_failures")[0] == 0
    desk.close()
    open_desk(path).close()  # and again: nothing left to do


# --- item 15: the collections' Origin check ----------------------------------------------------------

def test_collections_refuse_a_null_or_missing_origin(tmp_path: Path) -> None:
    path = tmp_path / "open.db"
    records = list(islice(read_path(DEV), 5)) if DEV.exists() else []
    if not records:
        pytest.skip(f"the shared dev corpus is absent ({DEV})")
    with open_archive(path) as archive:
        ingest(archive, records, workers=0)
    client = TestClient(create_app(path))
    for headers in ({"Origin": "null"}, {}, {"Referer": "http://testserver/collections"},
                    {"Origin": "null", "Sec-Fetch-Site": "same-origin"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}):
        r = client.post("/collections", data={"name": "mine"}, headers=headers)
        assert r.status_code == 403 and "cross-site" in r.text, headers
    for headers in ({"Origin": "http://testserver"}, {"Sec-Fetch-Site": "same-origin"}):
        assert client.post("/collections", data={"name": "mine"}, headers=headers,
                           follow_redirects=False).status_code == 303, headers


# --- item 5: the read audit --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def controlled_dev(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[str]]:
    """600 real dev cables in a controlled archive; a classified cable with the largest thread."""
    if not DEV.exists():
        pytest.skip(f"the shared dev corpus is absent ({DEV})")
    path = tmp_path_factory.mktemp("audit") / "dev.db"
    with open_archive(path) as archive:
        ingest(archive, list(islice(read_path(DEV), 600)), workers=0)
        best = (0, "", [""])
        for c in archive.iter_records(""):
            if is_classified(c) and c.reference_id:
                nodes = [k for k, v in archive.thread(c.reference_id, 2).nodes.items() if v.get("in_archive")]
                best = max(best, (len(nodes), c.reference_id, nodes))
    assert best[0] >= 3
    desk = open_desk(path)
    from cablegram.desk import add_post

    add_post(desk, "SECSTATE WASHDC")
    add_user(desk, "sam", post="STATE", clearance="TOP SECRET", caveats="NOFORN,EXDIS,NODIS", password="sam-pass-1")
    desk.set_access_mode("controlled")
    desk.close()
    return path, best[1], best[2]


def _reads(path: Path) -> list[dict[str, Any]]:
    desk = open_desk(path)
    try:
        return [e for e in desk.audit_log(limit=10000) if e["action"] == "read"]
    finally:
        desk.close()


def test_each_view_audits_exactly_the_classified_cables_it_shows(controlled_dev, capsys) -> None:  # type: ignore[no-untyped-def]
    path, root, nodes = controlled_dev
    desk = open_desk(path)
    from cablegram.desk import get_user

    sam = {"Authorization": f"Bearer {create_token(desk, get_user(desk, 'sam'))}"}  # type: ignore[arg-type]
    desk.close()
    client = TestClient(create_app(path))

    def new_reads(url: str) -> list[str]:
        before = len(_reads(path))
        assert client.get(url, headers=sam).status_code == 200, url
        return [e["reference_id"] for e in _reads(path)[before:]]

    # type-ahead names cables, it shows none of them
    assert new_reads(f"/api/suggest?q={root[:6]}") == []
    # a thread shows its root, not the cables at its nodes
    assert len(nodes) >= 3 and new_reads(f"/api/cables/{root}/thread") == [root]
    assert new_reads(f"/api/cables/{root}/references") == [root]
    # raw text and .txt are reads too; a page that shows the record and the raw text is one read
    assert new_reads(f"/api/cables/{root}/raw") == [root]
    assert new_reads(f"/cable/{root}.txt") == [root]
    assert new_reads(f"/cable/{root}") == [root]
    assert new_reads(f"/cable/{root}.json") == [root]
    assert new_reads("/api/search?q=brazil&limit=20") == []
    last = _reads(path)[-1]
    detail = json.loads(last["detail"])
    assert last["user"] == "sam" and detail["via"] == "web" and detail["view"] == f"/cable/{root}.json"

    # `cablegram show --as` is audited, once per command, naming what it printed
    before = len(_reads(path))
    assert main(["show", root, "--as", "sam", "--archive", str(path)]) == 0
    assert main(["show", root, "--raw", "--as", "sam", "--archive", str(path)]) == 0
    assert main(["show", root, "--versions", "--as", "sam", "--archive", str(path)]) == 0
    capsys.readouterr()
    shown = [json.loads(e["detail"]) for e in _reads(path)[before:]]
    assert [(d["via"], d["shown"]) for d in shown] == [("cli", "record"), ("cli", "text")]


def test_parallel_guesses_cannot_all_slip_through_one_free_moment(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    _desk, _people, path = site
    Clock(monkeypatch)  # however slow the machine, all 12 guesses come at one moment

    def guess(i: int) -> str:
        with open_desk(path) as desk:
            try:
                return "checked" if desk_logins.login(desk, "erin", f"guess-{i}") is None else "in"
            except desk_logins.LoginRefused:
                return "refused"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(guess, range(12)))
    assert outcomes.count("checked") == desk_logins.FREE_TRIES
    assert outcomes.count("refused") == 12 - desk_logins.FREE_TRIES


def test_create_app_installs_auth_itself_whatever_view_modules_exist(site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import cablegram.web.app as web_app

    desk, people, path = site
    desk.set_access_mode("controlled")
    monkeypatch.setattr(web_app, "_view_modules", lambda: [])  # no login module, no desk views at all
    client = TestClient(create_app(path))
    assert client.get("/api/stats").status_code == 401
    assert client.get("/cable/anything", follow_redirects=False).headers["location"].startswith("/login")
    token = create_token(desk, people["erin"])
    assert client.get("/api/stats", headers={"Authorization": f"Bearer {token}"}).status_code == 404  # no views


def test_exports_audit_each_classified_cable_they_write(controlled_dev, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path, root, _nodes = controlled_dev
    desk = open_desk(path)
    from cablegram.desk import get_user

    sam = {"Authorization": f"Bearer {create_token(desk, get_user(desk, 'sam'))}"}  # type: ignore[arg-type]
    desk.close()
    client = TestClient(create_app(path))

    before = len(_reads(path))
    got = client.get("/search/export", params={"q": f"id:{root}", "format": "jsonl"}, headers=sam)
    assert got.status_code == 200 and root in got.text
    web = _reads(path)[before:]
    assert [e["reference_id"] for e in web] == [root]
    assert json.loads(web[0]["detail"])["shown"] == "export"

    before = len(_reads(path))
    out = tmp_path / "one.jsonl"
    assert main(["export", f"id:{root}", "-o", str(out), "--as", "sam", "--archive", str(path)]) == 0
    capsys.readouterr()
    cli = [json.loads(e["detail"]) for e in _reads(path)[before:]]
    assert [(d["via"], d["shown"]) for d in cli] == [("cli", "export")] and root in out.read_text()
