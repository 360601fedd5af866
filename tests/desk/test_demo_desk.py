"""The demo's desk, as a newcomer meets it: `cablegram demo` prints logins, and with them one can
log in, draft, clear, release and read the inbox (in Debian's chromium against the real demo)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from browser_support import ROOT, chromium, shot
from cablegram.desk import inbox, list_drafts, list_users, open_desk

LOGIN = re.compile(r"^\s+(\S+)\s+password (\S+)\s+(.+?)\s{2,}(UNCLASSIFIED|CONFIDENTIAL|SECRET|TOP SECRET)"
                   r"(?: (\S+))?; (\S+)$")
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def printed_logins(stderr: str) -> dict[str, dict[str, Any]]:
    """The users `cablegram demo` printed: name -> password, post, clearance, caveats, roles."""
    out = {}
    for line in stderr.splitlines():
        if m := LOGIN.match(line):
            out[m.group(1)] = {"password": m.group(2), "post": m.group(3), "clearance": m.group(4),
                               "caveats": set((m.group(5) or "").split(",")) - {""},
                               "roles": set(m.group(6).split(","))}
    return out


def demo(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cablegram", "demo", "--archive", str(path), "--cables", "150",
                           "--no-serve", *args], env=ENV, capture_output=True, text=True, timeout=300, check=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return path, printed_logins(demo(path).stderr)


def test_the_demo_prints_logins_of_people_with_different_roles_and_clearances(built: Any) -> None:
    path, people = built
    assert len(people) >= 4
    assert {r for p in people.values() for r in p["roles"]} >= {"drafter", "clearer", "releaser", "reader", "admin"}
    assert len({p["clearance"] for p in people.values()}) >= 3
    assert len({p["post"] for p in people.values()}) >= 2
    with open_desk(path) as desk:
        assert {u.username for u in list_users(desk)} == set(people)
    again = printed_logins(demo(path).stderr)  # reused: the same desk, the same logins, nothing added
    assert again == people


def test_the_demo_has_drafts_at_every_stage(built: Any) -> None:
    path, _people = built
    with open_desk(path) as desk:
        users = {u.username: u for u in list_users(desk)}
        drafts = [d for u in users.values() if u.post_id
                  for d in list_drafts(desk, u, states=("draft", "cleared", "delivered"))]
        states = {d.state for d in drafts}
        assert states >= {"draft", "cleared", "delivered"}
        from cablegram.desk.drafts import check
        assert any(p.level == "error" for d in drafts if d.state == "draft" for p in check(desk, d.cable))
        readers = [u for u in users.values() if u.has("reader") and inbox(desk, u)]
        assert len({u.post_id for u in readers}) >= 2  # something in the inboxes of two posts


def test_the_401_page_links_to_login_and_says_how_to_get_an_account(built: Any) -> None:
    path, _people = built
    with served_demo(path) as (base, _lines):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(base + "/desk")
        assert err.value.code == 401
        html = err.value.read().decode()
    assert re.search(r'<a href="/login[^"]*">Log in</a>', html)
    assert "No account?" in html and "cablegram users add" in html and "cablegram demo" in html
    assert "/login</p>" not in html  # no plain-text /login


def _wait_until_listening(base: str) -> None:
    """The URL is printed when the socket is bound; uvicorn listens a moment later."""
    host, port = base.removeprefix("http://").split(":")
    for _ in range(200):
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)


@contextmanager
def served_demo(path: Path) -> Iterator[tuple[str, list[str]]]:
    """`cablegram demo --port 0` on an archive; yields its URL and what it printed before serving."""
    proc = subprocess.Popen([sys.executable, "-m", "cablegram", "demo", "--archive", str(path), "--cables", "150",
                             "--port", "0"], env=ENV, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        lines: list[str] = []
        while True:
            line = proc.stderr.readline()
            assert line, "\n".join(lines)
            if m := re.search(r"(http://127\.0\.0\.1:\d+)/", line):
                _wait_until_listening(m.group(1))
                yield m.group(1), lines
                return
            lines.append(line.rstrip("\n"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _login(page: Any, base: str, who: str, password: str, start: str) -> None:
    page.goto(base + start)
    if "/login" not in page.url:  # the 401 page: follow its link
        page.click("p.login-help a")
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", password)
    page.click("form.desk-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(start) + "$"))


@pytest.mark.browser
def test_a_newcomer_drafts_clears_releases_and_reads_in_the_demo(tmp_path: Path) -> None:
    with served_demo(tmp_path / "demo.db") as (base, lines), chromium() as browser:
        people = printed_logins("\n".join(lines))
        drafter = next(n for n, p in people.items() if "drafter" in p["roles"] and p["clearance"] != "TOP SECRET"
                       and "releaser" not in p["roles"])
        post = people[drafter]["post"]
        releaser = next(n for n, p in people.items() if p["post"] == post and {"clearer", "releaser"} <= p["roles"])
        reader = next(n for n, p in people.items() if p["post"] != post and "reader" in p["roles"]
                      and p["clearance"] != "UNCLASSIFIED")
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(base + "/")
        page.click("header nav a:text('Desk')")
        _login(page, base, drafter, people[drafter]["password"], "/desk")
        assert page.locator("table.desk-table tr").count() > 1  # the demo's drafts in progress
        page.click("text=New draft")
        page.fill("input[name=to]", "SECSTATE WASHDC")
        page.select_option("select[name=classification]", "CONFIDENTIAL")
        page.fill("input[name=caveats]", "SIPDIS")
        page.fill("input[name=eo]", "2045-01-01")
        page.fill("input[name=classified_by]", "Ambassador Ellen Marsh, Reasons 1.4 (b) and (d)")
        page.fill("input[name=tags]", "PREL RS")
        page.fill("input[name=subject_marking]", "U")
        page.fill("input[name=subject]", "A NEWCOMER'S FIRST CABLE")
        page.fill("textarea[name=body]", "(C) The newcomer reports that the desk works.")
        page.fill("input[name=signers]", "NEWCOMER")
        page.click("#draft-form button[type=submit]")
        page.wait_for_url(re.compile(r"/desk/draft/\d+$"))
        assert page.locator(".desk-problem.error").count() == 0
        draft_url = page.url.removeprefix(base)
        page.click("nav.desk-nav form button")
        page.wait_for_url(re.compile("/login"))

        _login(page, base, releaser, people[releaser]["password"], draft_url)
        page.fill("input[name=comment]", "welcome aboard")
        page.click("#clear-button")
        page.wait_for_selector("#release-button")
        page.click("#release-button")
        page.wait_for_selector("text=Released as")
        reference_id = page.locator("p.desk-message a").inner_text()
        shot(page, "demo-desk-released", full_page=True)
        page.click("nav.desk-nav form button")
        page.wait_for_url(re.compile("/login"))

        _login(page, base, reader, people[reader]["password"], "/desk/inbox")
        assert reference_id in page.locator("table.desk-inbox").inner_text()
        page.click(f"text={reference_id}")
        assert "A NEWCOMER'S FIRST CABLE" in page.locator("h1").inner_text()
        assert "The newcomer reports that the desk works." in page.content()
        shot(page, "demo-desk-inbox-read", full_page=True)
        context.close()
