"""Browser test of the desk: Debian's chromium (Playwright) against a real `cablegram serve`.

In a controlled archive a drafter is sent to the login page, logs in, writes a SECRET draft in the
form, sees the validation error on the unmarked paragraph, fixes it; a releasing officer logs in,
clears and releases it; a reader at Washington finds it in the inbox. Screenshots go to
`test-artifacts/`. Skipped when /usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import chromium, serving, shot
from test_desk_support import PASSWORDS, make_desk

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[str]:
    """A controlled archive with the desk's people, served by `cablegram serve` on a free port."""
    desk, _people = make_desk(tmp_path / "desk.db")
    desk.set_access_mode("controlled")
    desk.close()
    with serving(tmp_path / "desk.db") as base:
        yield base


def login(page: Any, base: str, who: str, start: str = "/desk") -> None:
    page.goto(base + start)
    assert "/login" in page.url  # a controlled archive: log in first
    page.fill("input[name=username]", who)
    page.fill("input[name=password]", PASSWORDS[who])
    page.click("form.desk-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(start) + "$"))


def logout(page: Any) -> None:
    page.click("nav.desk-nav form button")
    page.wait_for_url(re.compile("/login"))


BODY = "(S//NF) Summary: the talks resumed. End summary.\n\n## Outlook\n\nBoth sides want a deal before winter."


def test_draft_error_fix_clear_release_in_the_browser(browser: Any, server: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, server, "anna")
    page.click("text=New draft")
    page.fill("input[name=to]", "SECSTATE WASHDC")
    page.select_option("select[name=precedence]", "IMMEDIATE")
    page.select_option("select[name=classification]", "SECRET")
    page.fill("input[name=caveats]", "NOFORN, SIPDIS")
    page.fill("input[name=eo]", "2040-07-01")
    page.fill("input[name=classified_by]", "Ambassador John Beyrle, Reasons 1.4 (b) and (d)")
    page.fill("input[name=tags]", "PGOV PREL RS")
    page.fill("input[name=subject_marking]", "C")
    page.fill("input[name=subject]", "RUSSIA: GAS TALKS RESUME")
    page.fill("textarea[name=body]", BODY)
    page.fill("input[name=signers]", "BEYRLE")
    page.click("#draft-form button[type=submit]")
    page.wait_for_url(re.compile(r"/desk/draft/\d+$"))
    error = page.locator(".desk-problem.error[data-field='paragraphs.2']")
    assert "paragraph 2 is not marked" in error.inner_text()
    assert "S E C R E T" in page.locator("#wire").inner_text()
    shot(page, "desk-1-validation-error", full_page=True)
    page.fill("textarea[name=body]", BODY.replace("Both sides", "(C) Both sides"))
    page.click("#draft-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".desk-problem.error").count() == 0
    assert "¶2. (C) Both sides want a deal" in page.locator("#wire").inner_text()
    shot(page, "desk-2-fixed", full_page=True)
    draft_url = page.url
    logout(page)

    login(page, server, "carla", start=draft_url.removeprefix(server))
    page.fill("input[name=comment]", "ok to send")
    page.click("#clear-button")
    page.wait_for_selector("#release-button")
    assert "cleared by carla" in page.content()
    page.click("#release-button")
    page.wait_for_selector("text=Released as")
    reference_id = page.locator("p.desk-message a").inner_text()
    assert re.fullmatch(r"\d{2}MOSCOW1", reference_id)
    assert "DE RUEHMO #0001" in page.locator("#wire").inner_text()
    shot(page, "desk-3-released", full_page=True)
    logout(page)

    login(page, server, "dmitri", start="/desk/inbox")
    assert reference_id in page.locator("table.desk-inbox").inner_text()
    page.click(f"text={reference_id}")
    assert "RUSSIA: GAS TALKS RESUME" in page.locator("h1").inner_text()
    shot(page, "desk-4-inbox-read", full_page=True)
    assert csp == []
    context.close()
