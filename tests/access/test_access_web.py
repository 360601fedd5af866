"""Access control in the web app: login, sessions, CSRF, API tokens, the desk API, open vs
controlled archives, audited reads; and the policy itself (portion marks, redaction)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from cablegram.access import WITHHELD, access_filter, can_read, portion, redact
from cablegram.desk import create_token, get_user
from cablegram.model import Cable, Paragraph
from cablegram.web.app import create_app
from test_desk_support import PASSWORDS, make_desk, secret_fields


def test_portion_marks_and_redaction_policy() -> None:
    assert portion("S//NF") == (2, frozenset({"NOFORN"})) and portion("C/NF") == (1, frozenset({"NOFORN"}))
    assert portion("SBU") == (0, frozenset()) and portion("XYZ")[0] == 3  # unknown marks fail closed
    cable = Cable(reference_id="09MOSCOW1", classification="SECRET", caveats=("SIPDIS",), subject="S",
                  subject_marking="C", summary="the secret part.", paragraphs=(
                      Paragraph(1, "S//NF", "Heading", "Summary: the secret part. End summary."),
                      Paragraph(2, "C", None, "A confidential part.")))
    user = type("U", (), {"clearance": "SECRET", "caveats": frozenset()})()
    assert access_filter(user).max_rank == 2 and can_read(user, cable)
    shown = redact(cable, user)
    assert shown.paragraphs[0] == Paragraph(1, "S//NF", None, WITHHELD.format(marking="S//NF"))
    assert shown.paragraphs[1] == cable.paragraphs[1] and shown.summary is None
    low = type("U", (), {"clearance": "CONFIDENTIAL", "caveats": frozenset()})()
    assert not can_read(low, cable)
    with pytest.raises(PermissionError):
        redact(cable, low)


@pytest.fixture()
def site(backend_location: str):  # type: ignore[no-untyped-def]
    """A desk with its people, on SQLite and on PostgreSQL."""
    desk, people = make_desk(backend_location)
    yield desk, people, backend_location
    desk.close()


def _login(client: TestClient, who: str) -> str:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": who, "password": PASSWORDS[who], "csrf": csrf, "next": "/desk"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/desk"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    desk_page = client.get("/desk/draft/new")
    return re.search(r'name="csrf" value="([^"]+)"', desk_page.text).group(1)  # type: ignore[union-attr]


def test_login_needs_password_and_csrf_and_forms_need_the_session_token(site) -> None:  # type: ignore[no-untyped-def]
    desk, _people, path = site
    client = TestClient(create_app(path))
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = client.post("/login", data={"username": "anna", "password": "wrong", "csrf": csrf})
    assert bad.status_code == 401 and "wrong username or password" in bad.text
    assert client.post("/login", data={"username": "anna", "password": PASSWORDS["anna"], "csrf": "x"}
                       ).status_code == 403
    token = _login(client, "anna")
    form = {"to": "SECSTATE WASHDC", "subject": "A TEST", "tags": "PGOV RS", "body": "Text."}
    assert client.post("/desk/draft/new", data={**form, "csrf": "forged"}).status_code == 403
    assert client.post("/desk/draft/new", data=form).status_code == 403
    ok = client.post("/desk/draft/new", data={**form, "csrf": token})
    assert ok.status_code == 200 and "Draft 1" in ok.text
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    assert client.get("/desk/draft/1").status_code == 401  # the session is gone
    assert [e["action"] for e in desk.audit_log()][-4:] == ["login.failed", "login", "draft.create", "logout"]
    row = desk.one("SELECT password_hash FROM desk_users WHERE username = 'anna'")
    assert row[0].startswith("$argon2id$")


def test_desk_api_with_bearer_tokens_from_draft_to_inbox(site) -> None:  # type: ignore[no-untyped-def]
    desk, people, path = site
    client = TestClient(create_app(path))
    auth = {who: {"Authorization": f"Bearer {create_token(desk, people[who])}"} for who in people}
    assert client.get("/api/desk/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/desk/me", headers=auth["anna"]).json()["username"] == "anna"
    fields = secret_fields(long=False)
    bad = client.post("/api/desk/drafts", json={**fields, "eo": None}, headers=auth["anna"]).json()
    assert ("eo", "error") in {(p["field"], p["level"]) for p in bad["problems"]}
    draft_id = bad["draft"]["id"]
    fixed = client.put(f"/api/desk/drafts/{draft_id}", json=fields, headers=auth["anna"]).json()
    assert not [p for p in fixed["problems"] if p["level"] == "error"]
    assert "S E C R E T MOSCOW 000001" in fixed["telegram"]
    assert client.post(f"/api/desk/drafts/{draft_id}/release", headers=auth["carla"]).status_code == 409
    assert client.post(f"/api/desk/drafts/{draft_id}/clear", json={"comment": "fine"},
                       headers=auth["boris"]).status_code == 200
    out = client.post(f"/api/desk/drafts/{draft_id}/release", headers=auth["carla"]).json()
    rid = out["reference_id"]
    assert out["archived"] and "SECSTATE WASHDC" in out["delivered_to"]
    items = client.get("/api/desk/inbox?precedence=IMMEDIATE", headers=auth["dmitri"]).json()["items"]
    assert [i["reference_id"] for i in items] == [rid]
    assert client.get("/api/desk/inbox", headers=auth["erin"]).json()["items"] == []
    assert client.get(f"/api/desk/cables/{rid}", headers=auth["erin"]).status_code == 404
    read = client.get(f"/api/desk/cables/{rid}", headers=auth["dmitri"]).json()
    assert read["record"]["reference_id"] == rid and read["text"].startswith("VZCZC")
    answer = client.post(f"/api/desk/cables/{rid}/reply", headers=auth["dmitri"]).json()
    assert answer["draft"]["reply_to"] == rid
    # an open archive (the default) shows the released SIPDIS cable to anyone, via the archive API
    assert client.get(f"/api/cables/{rid}").status_code == 200
    desk.set_access_mode("controlled")
    assert client.get(f"/api/cables/{rid}").status_code == 401
    assert client.get(f"/api/cables/{rid}", headers=auth["erin"]).status_code == 404
    assert client.get(f"/api/cables/{rid}", headers=auth["dmitri"]).status_code == 200
    assert client.get("/collections", headers=auth["dmitri"]).status_code == 403
    reads = [e for e in desk.audit_log(reference_id=rid) if e["action"] == "read"]
    assert {e["user"] for e in reads} == {"dmitri"} and any("web" in (e["detail"] or "") for e in reads)
    assert get_user(desk, "dmitri") is not None


def test_admin_page_adds_users_and_sets_the_access_mode(site) -> None:  # type: ignore[no-untyped-def]
    desk, people, path = site
    client = TestClient(create_app(path))
    token = _login(client, "anna")
    assert client.get("/desk/admin").status_code == 403  # anna is no admin
    from cablegram.desk import update_user

    update_user(desk, people["anna"], roles="drafter,admin")
    page = client.get("/desk/admin")
    assert page.status_code == 200 and "AMEMBASSY KYIV, AMEMBASSY MOSCOW" in page.text
    form = {"username": "zoe", "post": "KYIV", "password": "zoe-pass-9", "roles": "reader",
            "clearance": "CONFIDENTIAL", "caveats": "NOFORN"}
    assert client.post("/desk/admin/users", data={**form, "csrf": "forged"}).status_code == 403
    assert client.post("/desk/admin/users", data={**form, "csrf": token}, follow_redirects=False).status_code == 303
    assert get_user(desk, "zoe").clearance == "CONFIDENTIAL"  # type: ignore[union-attr]
    assert client.post("/desk/admin/mode", data={"mode": "controlled", "csrf": token},
                       follow_redirects=False).status_code == 303
    assert desk.access_mode == "controlled"
    assert TestClient(create_app(path)).get("/api/stats").status_code == 401
