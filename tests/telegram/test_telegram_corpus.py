"""The parser measured on the 5,437 real dev cables against the website's independent metadata.

The parser sees the telegram text alone (header and body); the metadata columns are withheld and
serve only as the ground truth. bench/accuracy.py prints the same rates with the disagreeing ids;
docs/parsing.md explains the residue.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cablegram.model import Cable
from cablegram.sources import read_path
from cablegram.telegram import parse
from cablegram.telegram.render import render
from corpus import CSV_SAMPLE, PAGES, PLUSD, dev_parsed, dev_records, needs_shared

pytestmark = [needs_shared, pytest.mark.slow]

Check = Callable[[dict, Cable], bool]
CHECKS: dict[str, Check] = {
    "reference_id": lambda m, c: c.reference_id == m["reference_id"],
    "created": lambda m, c: (c.created or "")[:10] == m["created"][:10],
    "classification_label": lambda m, c: c.classification_label == m["classification"],
    "origin.label": lambda m, c: c.origin.label == m["origin"],
}

# Floors this parser reaches (see docs/parsing.md for why two fall short of the targets:
# the website's metadata contradicts the text of those cables).
WITH_DTG = {"reference_id": 99.5, "created": 99.5, "classification_label": 99.0, "origin.label": 99.5}
OVERALL = {"reference_id": 98.5, "created": 92.5, "classification_label": 98.5, "origin.label": 99.5}


def _rate(pairs: list[tuple[dict, Cable]], check: Check) -> float:
    return 100.0 * sum(check(m, c) for m, c in pairs) / len(pairs)


@pytest.fixture(scope="module")
def measured() -> dict[str, list[tuple[dict, Cable]]]:
    pairs = [(r.source["metadata"], c) for r, c in dev_parsed()]
    return {"dtg": [(m, c) for m, c in pairs if c.header.dtg], "all": pairs}


def test_every_dev_cable_is_read_and_parsed_without_error() -> None:
    records = dev_records()
    assert len(records) == 5437
    assert not [r for r in records if r.error]
    assert len(dev_parsed()) == 5437


@pytest.mark.parametrize("field", list(CHECKS))
def test_agreement_on_cables_with_a_date_time_group(measured: dict, field: str) -> None:
    assert len(measured["dtg"]) > 4800
    assert _rate(measured["dtg"], CHECKS[field]) >= WITH_DTG[field]


@pytest.mark.parametrize("field", list(CHECKS))
def test_agreement_over_all_cables_partial_extracts_included(measured: dict, field: str) -> None:
    assert _rate(measured["all"], CHECKS[field]) >= OVERALL[field]


def test_render_then_parse_gives_back_every_telegram_field_of_every_dev_cable() -> None:
    broken = [c.reference_id for _, c in dev_parsed() if parse(render(c)).telegram_dict() != c.telegram_dict()]
    assert broken == []


def test_the_original_pages_parse_like_their_jsonl_twins() -> None:
    by_id = {r.source["metadata"]["reference_id"]: c for r, c in dev_parsed()}
    pages = sorted(PAGES.glob("*.html"))
    assert len(pages) == 65
    for page in pages:
        (record,) = list(read_path(page))
        twin = by_id[record.source["metadata"]["reference_id"]]
        assert parse(record.text).telegram_dict() == twin.telegram_dict(), page.name


def test_cables_csv_rows_parse_to_their_own_columns() -> None:
    records = list(read_path(CSV_SAMPLE))
    assert len(records) == 2
    for record in records:
        cable = parse(record.text)
        meta = record.source["metadata"]
        assert cable.reference_id == meta["reference_id"]
        assert cable.origin.label == meta["origin"]
        assert cable.classification_label == meta["classification"]
        assert (cable.created or "")[:10] == meta["created"][:10]


def test_plusd_pages_of_1970s_telegrams_parse() -> None:
    for page in sorted(PLUSD.glob("*.html")):
        (record,) = list(read_path(page))
        cable = parse(record.text)
        assert cable.reference_id and cable.reference_id[:2] in ("73", "74"), page.name
        assert cable.subject and cable.tags and cable.paragraphs, page.name
