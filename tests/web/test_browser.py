"""Browser tests: Python Playwright drives Debian's chromium against a real uvicorn server.

Search, click a facet, open a cable, follow a reference link, the graph view, the versions
diff, type-ahead; no Content-Security-Policy violations. A screenshot of each page goes to
`test-artifacts/`. Skipped when /usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_support import chromium, serving, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(synthetic: tuple[Path, list[Any]]) -> Iterator[str]:
    with serving(synthetic[0]) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.csp_errors = []
    pg.on("console", lambda m: pg.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    yield pg
    assert pg.csp_errors == []
    context.close()


def _db_row(synthetic: tuple[Path, list[Any]], sql: str) -> tuple[Any, ...]:
    db = sqlite3.connect(synthetic[0])
    try:
        row = db.execute(sql).fetchone()
    finally:
        db.close()
    assert row, sql
    return row


def test_search_facet_and_cable(page: Any, server: str) -> None:
    page.goto(server + "/")
    shot(page, "overview")
    page.fill("input[name=q]", "minister")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("ol.hits li.hit")
    assert "minister" in page.url
    total = page.inner_text("p.total")
    assert page.locator("mark").count() > 0
    shot(page, "search")
    page.locator("section.facet[data-facet=classification] li a").first.click()
    page.wait_for_selector("a.chip")
    assert page.inner_text("p.total") != total or page.locator("a.chip").count() == 1
    shot(page, "search-facet")
    subject = page.locator("li.hit a.subject").first
    title = subject.inner_text()
    subject.click()
    page.wait_for_selector("article.cable h1")
    assert page.inner_text("article.cable h1").strip() == title.strip()
    assert page.locator("#par1").count() == 1
    shot(page, "cable")
    page.goto(page.url + "#par1")
    shot(page, "cable-par1")


def test_follow_a_reference(page: Any, server: str, synthetic: Any) -> None:
    rid, cited = _db_row(synthetic, "SELECT r.from_id, r.to_id FROM refs r JOIN cables c ON"
                         " c.reference_id = r.to_id ORDER BY r.from_id LIMIT 1")
    page.goto(f"{server}/cable/{rid}")
    page.locator(f'a.ref.resolved[href="/cable/{cited}"]').first.click()
    page.wait_for_url(f"**/cable/{cited}")
    assert cited in page.inner_text(".rid-big")
    assert page.locator(f'.cable-side a[href="/cable/{rid}"]').count() >= 1  # cited by
    shot(page, "cable-cited")


def test_graph_view(page: Any, server: str, synthetic: Any) -> None:
    (cited,) = _db_row(synthetic, "SELECT to_id FROM refs WHERE to_id IN (SELECT reference_id"
                       " FROM cables) GROUP BY to_id ORDER BY count(*) DESC, to_id LIMIT 1")
    page.goto(f"{server}/cable/{cited}/graph")
    svg = page.locator("svg.thread")
    assert svg.is_visible()
    assert page.locator("svg.thread .node").count() >= 2
    node = page.locator("svg.thread a.node:not(.root)").first
    node.hover()
    assert page.locator("svg.thread .edge.hl").count() >= 1  # the script runs under the CSP
    shot(page, "graph")
    target = node.get_attribute("data-id")
    node.click()
    page.wait_for_url(f"**/cable/{target}/graph")


def test_versions_diff(page: Any, server: str, synthetic: Any) -> None:
    (rid,) = _db_row(synthetic, "SELECT reference_id FROM versions ORDER BY reference_id LIMIT 1")
    page.goto(f"{server}/cable/{rid}/versions")
    assert page.locator(".diff .add, .diff .del").count() >= 1
    page.select_option("select[name=a]", "1")
    page.select_option("select[name=b]", "0")
    page.click("form.versions-form button")
    page.wait_for_url("**a=1&b=0")
    assert page.locator(".diff .del").count() >= 1
    shot(page, "versions")


def test_type_ahead(page: Any, server: str) -> None:
    page.goto(server + "/search")
    page.type("input[name=q]", "origin:emb", delay=30)
    option = page.locator("#suggestions option").first
    option.wait_for(state="attached")  # (no wait_for_function: the CSP forbids eval)
    value = option.get_attribute("value") or ""
    assert value.startswith('origin:"Embassy ')
