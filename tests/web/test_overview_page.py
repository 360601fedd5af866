"""The overview on the real dev corpus (1972-2010): year labels of the timeline do not overlap,
and tag, origin and classification bars are drawn to scale."""

from __future__ import annotations

import re
from itertools import pairwise

from fastapi.testclient import TestClient

from cablegram.web import create_app

LABEL = re.compile(r'<text class="axis" x="([\d.]+)" y="154"( text-anchor="end")?>(\d{4})</text>')
ROW = re.compile(r'<a class="tag" href="[^"]*">(\w+)</a></td><td>[^<]*</td><td class="bar-cell">'
                 r'<svg class="hbar"[^>]*><rect width="([\d.]+)" height="6"/></svg></td><td class="n">([\d,]+)</td>')


def test_timeline_year_labels_do_not_overlap(dev_location: str) -> None:
    with TestClient(create_app(dev_location)) as client:
        html = client.get("/").text
    labels = [(float(x), int(year)) for x, _end, year in LABEL.findall(html)]
    assert len(labels) >= 5
    assert all(b[0] - a[0] >= 34 for a, b in pairwise(labels)), labels  # ~30 px a label
    assert [y for _, y in labels] == sorted(y for _, y in labels)
    assert labels[-1][1] == 2010


def test_tag_bars_are_drawn_to_scale(dev_location: str) -> None:
    with TestClient(create_app(dev_location)) as client:
        html = client.get("/").text
    rows = {tag: (float(width), int(n.replace(",", ""))) for tag, width, n in ROW.findall(html)}
    assert len(rows) >= 10
    top = max(n for _, n in rows.values())
    for tag, (width, n) in rows.items():
        assert abs(width - 100 * n / top) < 0.01, tag
    assert rows["ETRD"][0] > rows["UK"][0] * 1.3  # 565 and 410 cables: no longer the same bar
