"""Browser test of alerts and similar cables: Debian's chromium (Playwright) against a real
`cablegram serve` of a controlled archive holding real dev cables.

A reader logs in, saves a search on the alerts page; a cable is released on the desk; the header
shows the unread count, the alerts page lists the cable; the search's Atom feed opens in a browser
with no session (its token alone); marking all read clears the badge. A cable page lists its
similar cables, and following one opens it. Screenshots go to `test-artifacts/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import chromium, serving, shot
from cablegram.archive import ingest, open_archive
from cablegram.desk import get_user, open_desk
from corpus import DEV, SHARED, dev_records
from test_desk_browser import login
from test_desk_support import make_desk, release_gas

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not DEV.exists(), reason=f"the shared corpus is absent: {SHARED}")]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    path = tmp_path / "desk.db"
    desk, _people = make_desk(path)
    desk.close()
    with open_archive(path) as archive:
        ingest(archive, dev_records()[:600], workers=0)
    desk = open_desk(path)
    desk.set_access_mode("controlled")
    desk.close()
    with serving(path) as base:
        yield base, path


def test_the_alert_badge_the_alerts_page_and_the_feed(browser: Any, served: tuple[str, Path]) -> None:
    base, path = served
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, base, "dmitri", start="/alerts")
    assert page.locator(".alert-badge").count() == 0
    assert page.locator("header a.alerts-link").inner_text().strip() == "Alerts"
    page.fill("form.save-search input[name=name]", "gas talks")
    page.fill("form.save-search input[name=query]", '"gas transit" moscow')
    page.click("form.save-search button[type=submit]")
    page.wait_for_url(re.compile(r"/alerts\?message="))
    assert "saved 'gas talks'" in page.locator("p.flash").inner_text()
    feed = page.locator("table.saved-searches a.feed").get_attribute("href")
    assert feed and re.fullmatch(r"/feeds/alerts/\d+\.atom\?token=[0-9a-f]{40}", feed)

    desk = open_desk(path)
    rid = release_gas(desk, {n: get_user(desk, n) for n in ("anna", "boris", "carla")})
    desk.close()

    page.goto(base + "/search?q=gas")  # any page: the header counts the reader's unread alerts
    assert page.locator("header .alert-badge").inner_text() == "1"
    shot(page, "alerts-1-badge")
    page.click("header a.alerts-link")
    page.wait_for_url(re.compile(r"/alerts$"))
    item = page.locator("ol.alerts li.unread")
    assert item.count() == 1 and rid in item.inner_text() and "GAS TALKS RESUME" in item.inner_text()
    shot(page, "alerts-2-page", full_page=True)

    anonymous = browser.new_context()  # a feed reader: no session, the token in the URL only
    feed_page = anonymous.new_page()
    response = feed_page.goto(base + feed)
    assert response is not None and response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    xml = response.text()
    assert f"<title>{rid}: RUSSIA AND UKRAINE: GAS TALKS RESUME</title>" in xml
    assert feed_page.goto(base + feed[:-4] + "0000").status == 404  # type: ignore[union-attr]
    anonymous.close()

    page.click("button.mark-all")
    page.wait_for_url(re.compile(r"/alerts\?message="))
    assert "1 alert marked read" in page.locator("p.flash").inner_text()
    assert page.locator("header .alert-badge").count() == 0
    assert csp == []
    context.close()


def test_a_cable_page_lists_similar_cables_and_they_open(browser: Any, served: tuple[str, Path]) -> None:
    base, path = served
    with open_archive(path, readonly=True) as archive:
        rid = archive.db.execute("SELECT reference_id FROM cables WHERE subject LIKE '%IRAN%' ORDER BY id"
                                 " LIMIT 1").fetchone()[0]
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    login(page, base, "carla", start=f"/cable/{rid}")  # TOP SECRET with every caveat: sees them all
    section = page.locator("section:has(h2:text('Similar cables'))")
    links = section.locator("ol.similar li a")
    assert links.count() == 10
    first = links.first.inner_text()
    assert first != rid
    shot(page, "similar-1-cable-page", full_page=True)
    links.first.click()
    page.wait_for_url(re.compile(re.escape(f"/cable/{first}") + "$"))
    assert first in page.content()
    context.close()
