"""The coverage page and `/api/coverage` on the real dev corpus: the API agrees with `cablegram
coverage`, and in Debian's chromium the chart, the sortable table of posts and the gap links
work."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive_fixtures import run_cli
from browser_support import chromium, serving, shot


@pytest.fixture(scope="module")
def client(dev_archive_path: Path) -> Iterator[TestClient]:
    from cablegram.web.app import create_app

    with TestClient(create_app(dev_archive_path)) as c:
        yield c


def test_api_serves_what_the_cli_prints(client: TestClient, dev_archive_path: Path) -> None:
    api = client.get("/api/coverage", params={"origin": "MOSCOW", "year": 2008}).json()
    cli = json.loads(run_cli("coverage", "--archive", str(dev_archive_path), "--origin", "MOSCOW",
                             "--year", "2008", "--json").stdout)
    assert api == cli
    [row] = api["rows"]
    assert row["held"] == 31 and row["interval"][0] == 3394
    by_year = client.get("/api/coverage", params={"by": "year"}).json()
    assert sum(r["held"] for r in by_year["rows"]) == by_year["total"]["held"]
    assert client.get("/api/coverage", params={"by": "planet"}).status_code == 422


def _shares(html: str) -> list[float]:
    body = html.split('id="coverage-posts"', 1)[1].split("</table>", 1)[0]
    return [float(s) for s in re.findall(r'<td class="n">([\d.]+)%</td></tr>', body)]


def test_page_sorts_posts_by_size_and_share(client: TestClient) -> None:
    html = client.get("/coverage").text
    assert html.count('class="share-bar"') == len(client.get(
        "/api/coverage", params={"by": "year"}).json()["rows"])
    by_share = _shares(client.get("/coverage", params={"sort": "share"}).text)
    assert len(by_share) > 20 and by_share == sorted(by_share, reverse=True)
    assert _shares(html) != by_share  # the default is by estimated size, another order
    moscow = client.get("/coverage", params={"post": "MOSCOW", "year": "2008"}).text
    # the longest gap of Moscow 2008 (518-817) links to the cables on either side of it
    assert "518–817 (300)" in moscow
    assert re.search(r'href="(/cable/08MOSCOW517|/search\?q=ref%3A08MOSCOW517)"', moscow)


@pytest.mark.browser
def test_coverage_page_in_chromium(dev_archive_path: Path) -> None:
    with serving(dev_archive_path) as base, chromium() as browser:
        page: Any = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/coverage")
        assert page.locator("svg.coverage-chart rect.share-bar").count() > 3
        page.click("#sort-share")
        page.wait_for_url(re.compile(r"sort=share"))
        shares = [float(t.rstrip("%")) for t in page.locator(
            "#coverage-posts tbody tr td:last-child").all_inner_texts()]
        assert shares == sorted(shares, reverse=True)
        page.locator("svg.coverage-chart a").first.click()  # a year's bar: that year's posts
        page.wait_for_url(re.compile(r"year=\d{4}"))
        link = page.locator("a.gap-end").first
        target = link.inner_text()
        link.click()
        page.wait_for_load_state()
        assert target in page.content()  # the cable beside the gap, or the cables citing it
        shot(page, "coverage", full_page=False)
