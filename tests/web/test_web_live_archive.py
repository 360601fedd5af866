"""The server keeps answering while the archive changes under it (issue 9, item 3).

A running app holds read connections and, per connection, the archive's dimension tables
(origins, classifications, caveat bits). Cables ingested by another process, or released from the
desk, add rows to those tables: every page must stay 200 and show the new cables at once.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cablegram.archive import ingest, open_archive
from cablegram.desk import add_user, create_token
from cablegram.sources import read_path
from cablegram.web.app import create_app
from corpus import DEV
from test_desk_support import make_desk, secret_fields

PAGES = (
    "/", "/api/stats", "/browse", "/browse/origins", "/browse/tags", "/browse/months",
    "/search?q=embassy&facet=origin&facet=classification&facet=caveat",
    "/search?q=", "/api/facets", "/api/facets?q=embassy",
    "/api/search?q=embassy&facet=origin&facet=classification&facet=caveat&facet=year",
    "/api/search?q=class:secret&facet=origin&facet=classification",
    "/api/search?q=origin:moscow&facet=origin", "/api/suggest?q=mo",
)


def _ingest(path: Path, start: int, stop: int) -> None:
    with open_archive(path) as archive:
        ingest(archive, list(islice(read_path(DEV), start, stop)), workers=0)


def _all_ok(client: TestClient, headers: dict[str, str] | None = None) -> dict[str, Any]:
    bad = {}
    for page in PAGES:
        r = client.get(page, headers=headers or {})
        if r.status_code != 200:
            bad[page] = (r.status_code, r.text[:200])
    assert not bad, bad
    return client.get("/api/stats", headers=headers or {}).json()  # type: ignore[no-any-return]


@pytest.mark.skipif(not DEV.exists(), reason=f"the shared dev corpus is absent ({DEV})")
def test_pages_stay_200_while_cables_are_ingested_and_released(tmp_path: Path) -> None:
    path = tmp_path / "live.db"
    _ingest(path, 0, 150)
    client = TestClient(create_app(path), raise_server_exceptions=False)
    before = _all_ok(client)

    # another process ingests more cables (new origins, classifications and caveats)
    _ingest(path, 150, 600)
    after = _all_ok(client)
    assert after["cables"] > before["cables"] and after["origins"] > before["origins"]
    assert "NODIS" not in after["by_caveat"]  # the release below brings it

    # the archive becomes controlled; a TOP SECRET cable is released from the desk while
    # the same app serves a TOP SECRET reader whose connections know no TOP SECRET yet
    desk, people = make_desk(path)
    desk.set_access_mode("controlled")
    people["tess"] = add_user(desk, "tess", post="MOSCOW", roles="drafter", clearance="TOP SECRET",
                              caveats="NOFORN,NODIS", password="tess-pass-6")
    people["tom"] = add_user(desk, "tom", post="STATE", roles="reader", clearance="TOP SECRET",
                             caveats="NOFORN", password="tom-pass-7")  # no NODIS
    auth = {who: {"Authorization": f"Bearer {create_token(desk, people[who])}"}
            for who in ("tess", "boris", "carla", "tom")}
    _all_ok(client, auth["tom"])
    seen = _all_ok(client, auth["carla"])
    assert "TOP SECRET" not in " ".join(seen["by_classification"])
    fields = {**secret_fields(long=False), "classification": "TOP SECRET",
              "caveats": ["NODIS", "SIPDIS"], "subject": "RUSSIA: A TOP SECRET GAS TALK"}
    fields["paragraphs"] = [{**p, "marking": "TS"} for p in fields["paragraphs"]]
    made = client.post("/api/desk/drafts", json=fields, headers=auth["tess"])
    assert made.status_code == 200, made.text
    draft_id = made.json()["draft"]["id"]
    assert client.post(f"/api/desk/drafts/{draft_id}/clear", json={"comment": "ok"},
                       headers=auth["carla"]).status_code == 200
    out = client.post(f"/api/desk/drafts/{draft_id}/release", headers=auth["carla"])
    assert out.status_code == 200 and out.json()["archived"], out.text
    shown = _all_ok(client, auth["carla"])
    assert shown["cables"] == seen["cables"] + 1
    assert any(label.startswith("TOP SECRET") for label in shown["by_classification"])
    assert shown["by_caveat"].get("NODIS") == seen["by_caveat"].get("NODIS", 0) + 1
    found = client.get("/api/search?q=class:ts&facet=classification", headers=auth["carla"]).json()
    assert [h["reference_id"] for h in found["hits"]] == [out.json()["reference_id"]]
    # a TOP SECRET reader without NODIS does not see it: the caveat NODIS, new to the archive,
    # is in their filter at once (a stale copy of the caveat bits would have shown it)
    for who in ("tom", "boris"):
        assert _all_ok(client, auth[who])["cables"] < shown["cables"]
        assert client.get("/api/search?q=class:ts", headers=auth[who]).json()["total"] == 0
        assert client.get(f"/api/cables/{out.json()['reference_id']}",
                          headers=auth[who]).status_code == 404
    desk.close()
