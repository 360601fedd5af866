"""Swagger UI at /docs from bundled files (no CDN), and CORS for the JSON API only when asked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from archive_fixtures import run_cli
from browser_support import chromium, serving, shot
from cablegram.web import Settings, create_app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("apidocs") / "demo.db"
    run_cli("demo", "--no-serve", "--cables", "60", "--archive", str(path))
    return path


def test_docs_page_and_its_assets_are_served_locally(demo: Path) -> None:
    with TestClient(create_app(str(demo))) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "http" not in page.text.replace('name="viewport"', "")  # every asset from this server
        for src in ("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css", "/static/swagger-init.js"):
            assert src in page.text and client.get(src).status_code == 200
        assert client.get("/docs/assets/redoc.standalone.js").status_code == 404  # only the files it needs
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_cors_is_off_unless_asked_and_then_only_for_the_api(demo: Path) -> None:
    origin = {"Origin": "https://research.example"}
    with TestClient(create_app(str(demo))) as client:
        assert "access-control-allow-origin" not in client.get("/api/stats", headers=origin).headers
    settings = Settings(extra={"cors_origins": ["https://research.example"]})
    with TestClient(create_app(str(demo), settings=settings)) as client:
        assert client.get("/api/stats", headers=origin).headers["access-control-allow-origin"] == \
            "https://research.example"
        preflight = client.options("/api/search", headers={**origin, "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 200
        assert "access-control-allow-origin" not in client.get("/", headers=origin).headers  # pages: never
        other = client.get("/api/stats", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


@pytest.fixture()
def server(demo: Path) -> Iterator[str]:
    with serving(demo) as base:
        yield base


@pytest.mark.browser
def test_swagger_ui_renders_the_api_without_the_network(server: str) -> None:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        requests: list[str] = []
        problems: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(server + "/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=30_000)
        paths = [x.inner_text() for x in page.locator(".opblock-summary-path").all()]
        assert any("/api/search" in p for p in paths) and any("/api/cables/" in p for p in paths)
        shot(page, "api-docs")
        context.close()
    assert all(u.startswith(server) or u.startswith("data:") for u in requests), requests
    assert problems == []
