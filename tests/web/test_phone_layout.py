"""Pages on a 390 px phone (Debian's chromium): no page scrolls sideways; the cable page keeps one
passing line per line, styles only a real classification line as one, and shows no empty boxes.

The archive is the demo (with its desk) plus a few real dev cables with long passing lines and
no classification line right after the header."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from archive_fixtures import run_cli
from browser_support import chromium, serving, shot
from corpus import DEV, needs_shared

pytestmark = [pytest.mark.browser, needs_shared]
REAL = ("08MOSCOW2632", "05SANAA1352", "05BRASILIA574")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("phone")
    run_cli("demo", "--no-serve", "--archive", str(tmp / "demo.db"), "--cables", "300")
    with gzip.open(DEV, "rt", encoding="utf-8") as f, (tmp / "real.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(line for line in f if json.loads(line)["reference_id"] in REAL)
    run_cli("ingest", str(tmp / "real.jsonl"), "--archive", str(tmp / "demo.db"))
    with serving(tmp / "demo.db") as url:
        yield url


@pytest.fixture(scope="module")
def phone(base: str) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
        yield context.new_page()
        context.close()


def _width(page: Any) -> int:
    return int(page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"))


def test_the_cable_page_keeps_one_passing_line_per_line(phone: Any, base: str) -> None:
    phone.goto(base + "/cable/08MOSCOW2632")
    fields = phone.locator("pre.fields").inner_text().splitlines()
    assert "DEPT FOR EUR/RUS, FOR EEB/ESC/IEC GALLOGLY AND WRIGHT" in fields
    assert "EUR/CARC, SCA (GALLAGHER, SUMAR)" in fields
    assert _width(phone) <= 390


def test_only_a_classification_line_is_styled_as_one(phone: Any, base: str) -> None:
    phone.goto(base + "/cable/05SANAA1352")
    lines = [x.inner_text() for x in phone.locator(".classline").all()]
    assert lines == ["S E C R E T SECTION 01 OF 02 SANAA 001352"]
    assert not any("Cable dated" in x for x in lines)


def test_no_empty_addressees_box(phone: Any, base: str) -> None:
    phone.goto(base + "/cable/05SANAA1352")  # read from a cablegate page: no FM/TO lines
    boxes = phone.locator(".cable-side section:has(h2:text('Addressees'))")
    assert boxes.count() == 0 or boxes.locator("dd").count() > 0


def _pages(page: Any, base: str) -> list[str]:
    page.goto(base + "/browse/origins")
    return ["/", "/search?q=pipeline*+OR+gas", "/search?q=georgia&f=class%3ASECRET", "/cable/08MOSCOW2632",
            "/cable/05SANAA1352", "/cable/05BRASILIA574", "/cable/05BRASILIA574/graph?depth=2", "/browse",
            "/browse/origins", "/browse/tags", "/browse/months", "/collections", "/about", "/login", "/desk",
            "/cable/99NOWHERE1", "/search?q=%22open"]


def test_no_page_scrolls_sideways_on_a_phone(phone: Any, base: str) -> None:
    wide = {}
    pages = _pages(phone, base)
    versions = phone.evaluate("fetch('/api/search?q=&limit=100').then(r => r.json())")
    rid = next((h["reference_id"] for h in versions["hits"]), None)
    if rid:
        pages.append(f"/cable/{rid}.txt")
    for path in pages:
        phone.goto(base + path)
        if (w := _width(phone)) > 390:
            wide[path] = w
    # the desk, logged in as the demo's drafter
    phone.goto(base + "/login")
    phone.fill("input[name=username]", "anna")
    phone.fill("input[name=password]", "demo-anna")
    phone.click("form.desk-form button[type=submit]")
    phone.wait_for_url(re.compile("/desk$"))
    for path in ("/desk", "/desk/draft/new", "/desk/draft/1", "/desk/inbox"):
        phone.goto(base + path)
        if (w := _width(phone)) > 390:
            wide[path] = w
    shot(phone, "phone-desk-draft", full_page=True)
    phone.goto(base + "/cable/08MOSCOW2632")
    shot(phone, "phone-cable", full_page=True)
    assert not wide, wide
