"""Chromium on the entity page and the places map, over real dev cables whose entities ingest
extracted: the page renders its chart, posts, co-mentions and cables, a co-mention leads to its
own page; the search page draws the places its cables mention beside their origins, and a place
on the map keeps its cables. No Content-Security-Policy violation. Screenshots to test-artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from browser_support import chromium, serving, shot
from cablegram.archive import entities_store, ingest, open_archive
from cablegram.archive.records import ENTITIES_ENV
from cablegram.sources import read_path
from corpus import DEV, needs_shared

pytestmark = [pytest.mark.browser, needs_shared]


@pytest.fixture(scope="module")
def dev_entities(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """400 dev cables with their entities (ingest `--entities`), and the top entities of 'russia'."""
    path = tmp_path_factory.mktemp("entities-browser") / "dev.db"
    old = os.environ.get(ENTITIES_ENV)
    os.environ[ENTITIES_ENV] = "1"
    try:
        with open_archive(path) as archive:
            ingest(archive, list(islice(read_path(DEV), 400)), workers=0)
    finally:
        if old is None:
            os.environ.pop(ENTITIES_ENV, None)
        else:
            os.environ[ENTITIES_ENV] = old
    with open_archive(path, readonly=True) as archive:
        top = entities_store.top_entities(archive, "", limit=5)
    assert top["person"] and top["place"], top
    return path, top


@pytest.fixture(scope="module")
def server(dev_entities: tuple[Path, dict[str, Any]]) -> Iterator[str]:
    with serving(dev_entities[0]) as base:
        yield base


@pytest.fixture()
def page(server: str) -> Iterator[Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        pg = context.new_page()
        problems: list[str] = []
        pg.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
        yield pg
        assert problems == []
        context.close()


def test_the_entity_page_renders_and_links_its_co_mentions(page: Any, server: str,
                                                           dev_entities: tuple[Path, dict[str, Any]]) -> None:
    key, name, cables = dev_entities[1]["person"][0]
    page.goto(f"{server}/entity/person/{key.replace(' ', '-')}")
    assert page.locator("h1").inner_text() == name
    assert f"{cables} cable" in page.locator("p.total").inner_text()
    bars = page.locator("svg.timeline rect.bar")
    assert bars.count() >= 1 and bars.first.bounding_box()["height"] > 0
    assert page.locator(".posts table.counts tr").count() >= 1
    listed = page.locator("ol.entity-cables li.hit")
    assert listed.count() == min(cables, 20)
    assert page.locator("ol.entity-cables a.rid").first.get_attribute("href").startswith("/cable/")
    shot(page, "entity-page", full_page=True)
    co = page.locator(".co-mentioned a.entity-link").first
    other = co.inner_text()
    co.click()
    page.wait_for_load_state()
    assert "/entity/" in page.url and page.locator("h1").inner_text() == other
    assert page.locator("ol.entity-cables li.hit").count() >= 1


def test_the_search_page_maps_the_places_its_cables_mention(page: Any, server: str,
                                                            dev_entities: tuple[Path, dict[str, Any]]) -> None:
    page.goto(f"{server}/search?q=russia")
    origins = page.locator('svg[aria-label="map of cable origins"] circle.dot')
    places = page.locator('svg[aria-label="map of the places the cables mention"] circle.dot')
    assert origins.count() >= 1 and places.count() >= 3
    box = page.locator("figure.places-map").bounding_box()
    assert box["width"] > 200 and box["height"] > 60
    titles = [t.text_content() for t in page.locator('svg[aria-label="map of the places the cables mention"] title')
              .all()]
    assert any(t.startswith("Russia: ") for t in titles), titles
    assert page.locator('section[data-facet="place"] a.entity-page').count() >= 1
    assert page.locator("p.network-links a").count() == 3
    shot(page, "search-places-map", full_page=True)
    page.locator('svg[aria-label="map of the places the cables mention"] a').last.click()  # drawn last: on top
    page.wait_for_load_state()
    assert "place%3A" in page.url
    assert page.locator(".chips a.chip").first.inner_text().startswith("place:")
    page.locator('section[data-facet="person"] a.entity-page').first.click()
    page.wait_for_load_state()
    assert "/entity/person/" in page.url and page.locator("ol.entity-cables li.hit").count() >= 1
