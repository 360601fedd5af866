"""Advice stored per cable, on both backends: `advice:overclassified` / `advice:underclassified`
find the cables whose marking sits above / below the advice, and the reading room lists them."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from archive_fixtures import DEV, ingest_paths, need_parser
from cablegram.advise import LEVELS, AdviceModel, level_of
from cablegram.advise.scores import most_disagreeing, score_archive
from cablegram.archive import QueryError, open_archive
from cablegram.model import Cable


@pytest.fixture(scope="module")
def first300(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_parser()
    source = tmp_path_factory.mktemp("scores") / "first300.jsonl"
    with gzip.open(DEV, "rt", encoding="utf-8") as f, source.open("w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i == 300:
                break
            out.write(line)
    return source


@pytest.fixture(scope="module")
def model(first300: Path, tmp_path_factory: pytest.TempPathFactory) -> AdviceModel:
    """A model learnt from the 300 real cables (on SQLite; the backends store the same records)."""
    path = tmp_path_factory.mktemp("model") / "learn.db"
    ingest_paths(path, [first300])
    with open_archive(path) as archive:
        return AdviceModel().fit(list(archive.iter_records()))


@pytest.fixture()
def scored(backend_location: str, first300: Path, model: AdviceModel) -> Iterator[Any]:
    ingest_paths(backend_location, [first300])  # type: ignore[list-item]
    archive = open_archive(backend_location)
    yield archive
    archive.close()


def _expected(cables: list[Cable], model: AdviceModel) -> tuple[set[str], set[str]]:
    over, under = set(), set()
    for cable, advice in zip(cables, model.advise(cables), strict=True):
        marked = level_of(cable)
        if marked is None:
            continue
        rank, advised = LEVELS.index(marked), LEVELS.index(advice.advised)
        (over if advised < rank else under if advised > rank else set()).add(cable.reference_id)
    return over, under


def test_advice_filters_find_the_cables_marked_above_and_below_the_advice(
        scored: Any, model: AdviceModel) -> None:
    with pytest.raises(QueryError, match="advise train"):  # not yet scored: a clear error
        scored.search("advice:overclassified")
    cables = list(scored.iter_records())
    n = score_archive(scored, model, 1)
    assert n == sum(1 for c in cables if level_of(c)) > 250
    over, under = _expected(cables, model)
    assert over and under  # a real model on real cables disagrees both ways
    found = {h.reference_id for h in scored.search("advice:overclassified", limit=300).hits}
    assert found == over
    found = {h.reference_id for h in scored.search("advice:underclassified", limit=300).hits}
    assert found == under
    # combined with the rest of the language, and negated
    secret_over = scored.search("advice:overclassified class:secret", limit=300)
    assert {h.reference_id for h in secret_over.hits} == {
        c.reference_id for c in cables if c.reference_id in over and level_of(c) == "SECRET"}
    assert scored.search("-advice:overclassified", limit=0).total == len(cables) - len(over)
    with pytest.raises(QueryError, match="overclassified or underclassified"):
        scored.search("advice:maybe")
    # the reading room's lists: the furthest first, each list one way
    top = most_disagreeing(scored, "over", 10)
    assert [s.reference_id for s in top] and {s.reference_id for s in top} <= over
    assert [s.disagreement for s in top] == sorted((s.disagreement for s in top), reverse=True)
    bottom = most_disagreeing(scored, "under", 10)
    assert {s.reference_id for s in bottom} <= under and all(s.disagreement < 0 for s in bottom)
    # training again replaces the scores
    assert score_archive(scored, model, 2) == n
    assert scored.search("advice:overclassified", limit=0).total == len(over)


def test_the_reading_room_lists_the_disagreements(tmp_path: Path, first300: Path,
                                                   model: AdviceModel) -> None:
    from cablegram.web.app import create_app

    path = tmp_path / "a.db"
    ingest_paths(path, [first300])
    with TestClient(create_app(path)) as client:
        assert "No advice yet" in client.get("/advice").text
    with open_archive(path) as archive:
        score_archive(archive, model, 1)
        over = most_disagreeing(archive, "over", 5)
    with TestClient(create_app(path)) as client:
        html = client.get("/advice").text
        assert 'id="advice-over"' in html and 'id="advice-under"' in html
        assert f'href="/cable/{over[0].reference_id}"' in html
        data = client.get("/api/advice", params={"limit": 5}).json()
        assert [r["reference_id"] for r in data["over"]] == [s.reference_id for s in over]
        hits = client.get("/api/search", params={"q": "advice:underclassified"}).json()
        assert hits["total"] == len(_expected(list(archive_records(path)), model)[1])


def archive_records(path: Path) -> list[Cable]:
    with open_archive(path, readonly=True) as archive:
        return list(archive.iter_records())
