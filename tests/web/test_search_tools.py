"""Result-set tools of the search page, on the real dev corpus: export the whole result set
(CSV, JSON Lines, Parquet), put several checked hits into a collection at once, and a labelled
histogram of hits per month whose bars filter by that month."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cablegram.web import create_app


@pytest.fixture(scope="module")
def client(dev_archive_path: Path, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    copy = tmp_path_factory.mktemp("tools") / "dev.db"  # collections write into the file
    shutil.copyfile(dev_archive_path, copy)
    return TestClient(create_app(str(copy)))


def test_the_whole_result_set_exports_in_three_formats(client: TestClient) -> None:
    import pyarrow.parquet as pq

    total = client.get("/api/search", params={"q": "georgia", "filters": "origin:moscow", "limit": 0}).json()["total"]
    assert total > 20  # more than a page
    page = client.get("/search", params={"q": "georgia", "f": "origin:moscow"}).text
    links = {m.group(1): unescape(m.group(0).split('"')[1]) for m in
             re.finditer(r'href="/search/export\?[^"]*format=(\w+)"', page)}
    assert set(links) == {"csv", "jsonl", "parquet"}
    rows = list(csv.DictReader(io.StringIO(client.get(links["csv"]).text)))
    records = [json.loads(x) for x in client.get(links["jsonl"]).text.splitlines()]
    table = pq.read_table(io.BytesIO(client.get(links["parquet"]).content))
    assert len(rows) == len(records) == table.num_rows == total
    assert all(r["origin"] == "Embassy Moscow" for r in rows)
    assert client.get("/search/export", params={"q": '"open', "format": "csv"}).status_code == 400


def test_checked_hits_go_into_a_collection_at_once(client: TestClient) -> None:
    page = client.get("/search", params={"q": "south ossetia"}).text
    boxes = re.findall(r'<input type="checkbox" name="reference_id" value="([^"]+)"', page)
    assert len(boxes) >= 3 and 'action="/search/collect"' in page
    same = {"Origin": "http://testserver"}  # a browser's form post says where it comes from
    done = client.post("/search/collect", data={"name": "Ossetia", "reference_id": boxes[:3]},
                       headers=same, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/collections/Ossetia"
    saved = [c["reference_id"] for c in client.get("/api/collections/Ossetia").json()["cables"]]
    assert sorted(saved) == sorted(boxes[:3])
    assert client.post("/search/collect", data={"name": "Ossetia", "reference_id": ["99NOWHERE1"]},
                       headers=same).status_code == 404


def test_the_histogram_is_labelled_and_its_bars_filter_by_month(client: TestClient) -> None:
    page = client.get("/search", params={"q": "georgia"}).text
    figure = page[page.index('<figure class="histogram">'):page.index("</figure>")]
    assert re.search(r'<text class="axis"[^>]*>20\d\d</text>', figure)  # years on the axis
    bars = re.findall(r'<a href="([^"]+)"><rect[^>]*><title>(\d{4}-\d\d): ([\d,]+) cables</title>', figure)
    assert len(bars) > 5
    href, month, n = max(bars, key=lambda b: int(b[2].replace(",", "")))
    hits = client.get("/api/search", params={"q": "georgia", "filters": f"from:{month} to:{month}",
                                             "limit": 100}).json()
    assert hits["total"] == int(n.replace(",", ""))
    after = client.get(unescape(href)).text
    assert f"from:{month} to:{month}" in unescape(after)  # the filter chip
    assert all(h["created"].startswith(month) for h in hits["hits"])
