"""Desk pages and `cablegram draft` as a newcomer meets them: Clear/Release only for those roles, a
sent cable's page is read-only, a draft can be withdrawn, placeholders read as examples, a
starting template, and saving the same file again updates the draft instead of piling up new ones."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive_fixtures import run_cli
from browser_support import chromium, serving
from cablegram.desk import list_drafts, list_users, open_desk
from cablegram.desk.drafts import load_draft
from cablegram.web import create_app
from test_desk_support import PASSWORDS, make_desk, secret_fields


def _login(client: TestClient, who: str) -> str:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": who, "password": PASSWORDS[who], "csrf": csrf, "next": "/desk"},
                    follow_redirects=False)
    assert r.status_code == 303
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/desk/draft/new").text).group(1)  # type: ignore[union-attr]


@pytest.fixture()
def site(backend_location: str) -> tuple[str, int, int]:
    """A desk with a draft by anna, and a cable released by carla (a SQLite file, a PostgreSQL schema)."""
    from cablegram.desk import clear, release, save_draft

    desk, people = make_desk(backend_location)
    pending = save_draft(desk, people["anna"], secret_fields(long=False))[0].id
    sent = save_draft(desk, people["anna"], {**secret_fields(long=False), "subject": "RUSSIA: SENT"})[0].id
    clear(desk, sent, people["boris"])
    release(desk, sent, people["carla"])
    desk.close()
    return backend_location, pending, sent


def test_clear_and_release_are_shown_only_to_those_roles(site: tuple[str, int, int]) -> None:
    path, pending, _sent = site
    drafter = TestClient(create_app(str(path)))
    _login(drafter, "anna")
    page = drafter.get(f"/desk/draft/{pending}").text
    assert 'id="clear-button"' not in page and 'id="release-button"' not in page
    assert "Waiting for a clearer" in page
    clearer = TestClient(create_app(str(path)))
    _login(clearer, "boris")  # a clearer, not a releasing officer
    page = clearer.get(f"/desk/draft/{pending}").text
    assert 'id="clear-button"' in page


def test_a_sent_cable_is_read_only_and_a_draft_can_be_withdrawn(site: tuple[str, int, int]) -> None:
    path, pending, sent = site
    client = TestClient(create_app(str(path)))
    token = _login(client, "anna")
    page = client.get(f"/desk/draft/{sent}").text
    assert re.search(r"<fieldset disabled", page) and 'name="save"' not in page and "withdraw-button" not in page
    assert client.post(f"/desk/draft/{sent}/withdraw", data={"csrf": token}).status_code == 409
    assert "withdraw-button" in client.get(f"/desk/draft/{pending}").text
    assert client.post(f"/desk/draft/{pending}/withdraw", data={"csrf": "forged"}).status_code == 403
    done = client.post(f"/desk/draft/{pending}/withdraw", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    with open_desk(path) as desk:
        assert load_draft(desk, pending) is None and load_draft(desk, sent) is not None
        assert any(e["action"] == "draft.withdraw" for e in desk.audit_log(draft_id=pending))


def test_placeholders_read_as_examples(site: tuple[str, int, int]) -> None:
    path, _pending, _sent = site
    client = TestClient(create_app(str(path)))
    _login(client, "anna")
    page = client.get("/desk/draft/new").text
    placeholders = re.findall(r'placeholder="([^"]*)"', page)
    assert placeholders and all(p.startswith("e.g. ") for p in placeholders if p != "clearance comment")


def test_the_template_saving_again_and_withdrawing_from_the_cli(backend_location: str, tmp_path: Path) -> None:
    desk, _people = make_desk(backend_location)
    desk.close()
    db = backend_location
    template = run_cli("draft", "--template").stdout
    assert template.startswith("---\n") and "subject:" in template and "(C) Summary" in template
    (tmp_path / "t.md").write_text(template.replace("(U) Every", "Every"), encoding="utf-8")  # an error
    first = run_cli("draft", str(tmp_path / "t.md"), "--as", "anna", "--archive", db, check=False)
    again = run_cli("draft", str(tmp_path / "t.md"), "--as", "anna", "--archive", db, check=False)
    assert first.returncode == again.returncode == 1  # the unmarked paragraph
    assert first.stdout.startswith("draft 1 saved") and again.stdout.startswith("draft 1 saved")
    (tmp_path / "t.md").write_text(template, encoding="utf-8")
    fixed = run_cli("draft", str(tmp_path / "t.md"), "--as", "anna", "--archive", db)
    assert fixed.stdout.startswith("draft 1 saved") and "0 error(s)" in fixed.stdout
    assert run_cli("draft", str(tmp_path / "t.md"), "--as", "anna", "--new", "--archive", db).stdout.startswith(
        "draft 2 saved")
    with open_desk(db) as desk:
        anna = next(u for u in list_users(desk) if u.username == "anna")
        assert [d.id for d in list_drafts(desk, anna)] == [2, 1]
    refused = run_cli("draft", "--withdraw", "1", "--as", "boris", "--archive", db, check=False)
    assert refused.returncode == 1 and "only the author" in refused.stderr
    assert run_cli("draft", "--withdraw", "1", "--as", "anna", "--archive", db).stdout == "draft 1 withdrawn\n"


def _wait_for_wire(page: Any, text: str) -> None:
    """Poll the preview (wait_for_function would need eval, which the pages' CSP forbids)."""
    for _ in range(100):
        if text in page.locator("#wire").inner_text():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} not in the preview: {page.locator('#wire').inner_text()!r}")


@pytest.mark.browser
def test_the_wire_preview_follows_the_typing(tmp_path: Path) -> None:
    desk, _people = make_desk(tmp_path / "p.db")
    desk.close()
    with serving(tmp_path / "p.db") as base, chromium() as browser:
        page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
        page.goto(base + "/login")
        page.fill("input[name=username]", "anna")
        page.fill("input[name=password]", PASSWORDS["anna"])
        page.click("form.desk-form button[type=submit]")
        page.wait_for_url(re.compile("/desk$"))
        page.goto(base + "/desk/draft/new")
        page.fill("input[name=to]", "SECSTATE WASHDC")
        page.fill("input[name=tags]", "PREL RS")
        page.type("input[name=subject]", "RUSSIA: LIVE PREVIEW")
        _wait_for_wire(page, "SUBJECT: RUSSIA: LIVE PREVIEW")
        page.type("textarea[name=body]", "(U) A first paragraph.")
        _wait_for_wire(page, "1. (U) A first paragraph.")
        assert "FM AMEMBASSY MOSCOW" in page.locator("#wire").inner_text()
        with open_desk(tmp_path / "p.db") as desk:  # nothing was saved
            assert desk.one("SELECT count(*) FROM desk_drafts") == (0,)
