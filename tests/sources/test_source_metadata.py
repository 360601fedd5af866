"""The source's own metadata where the telegram text lacks a field (JSONL, cablegate pages,
cables.csv, PlusD), recorded as a `from-source-metadata` defect; the text wins where it speaks.
And "quarantined: REASON" instead of "no cable" for a record kept out of the archive."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from archive_fixtures import ingest_paths, run_cli
from cablegram.archive import open_archive
from cablegram.archive.base import AccessFilter
from cablegram.desk.controlled import ControlledArchive
from cablegram.sources import read_path
from cablegram.sources.metadata import complete, metadata_created, metadata_reference_id
from cablegram.telegram import parse
from corpus import CSV_SAMPLE, DEV, PAGES, PLUSD, dev_parsed, needs_shared
from test_web_support import make_client

NO_ID_TODAY = ("04MADRID4827", "05PARIS4749", "08STATE43817")
CODE = "from-source-metadata"


def _noted(cable) -> list[str]:  # type: ignore[no-untyped-def]
    return [d.message for d in cable.defects if d.code == CODE]


@needs_shared
def test_the_dev_cables_without_a_reference_id_take_the_sources() -> None:
    found = {r.source["metadata"]["reference_id"]: (r, c) for r, c in dev_parsed()
             if r.source["metadata"]["reference_id"] in NO_ID_TODAY}
    assert set(found) == set(NO_ID_TODAY)
    for rid, (record, text_alone) in found.items():
        assert text_alone.reference_id is None  # the text alone gives none: accuracy.py measures that
        done = complete(text_alone, record.source)
        assert done.reference_id == rid
        assert any(m.startswith(f"reference_id {rid} ") for m in _noted(done))
        assert done.paragraphs == text_alone.paragraphs and done.subject == text_alone.subject


@needs_shared
def test_the_text_wins_where_it_speaks() -> None:
    changed = years_taken = 0
    for record, text_alone in dev_parsed():
        done = complete(text_alone, record.source)
        changed += done is not text_alone
        if text_alone.reference_id and done.reference_id != text_alone.reference_id:
            # only a year the text does not give (its date inferred) gives way to the source's
            assert done.reference_id[2:] == text_alone.reference_id[2:] and text_alone.header.dtg is None
            years_taken += 1
        for field in ("classification", "classification_label", "subject", "tags", "references"):
            if getattr(text_alone, field):
                assert getattr(done, field) == getattr(text_alone, field), field
        if text_alone.origin.label:
            assert done.origin == text_alone.origin
        if text_alone.header.dtg:  # a date-time group in the text: its date stands
            assert done.created == text_alone.created
        assert done.defects[: len(text_alone.defects)] == text_alone.defects
    assert changed > 500 and 0 < years_taken < 20
    [(_, baghdad)] = [(r, c) for r, c in dev_parsed() if r.source["metadata"]["reference_id"] == "88BAGHDAD28"]
    assert baghdad.reference_id == "88BAGHDAD68250"  # the text's id, though the website says otherwise


@needs_shared
def test_a_year_the_text_does_not_give_comes_from_the_source() -> None:
    """A partial extract (`BRASILIA 001325`, no date-time group) whose year the parser inferred
    from the post's serial ranges as 2008: the page says 05BRASILIA1325 of May 2005. Kept as the
    guess, it was filed as an earlier version of the real 08BRASILIA1325."""
    [(record, text_alone)] = [(r, c) for r, c in dev_parsed()
                              if r.source["metadata"]["reference_id"] == "05BRASILIA1325"]
    assert text_alone.reference_id == "08BRASILIA1325" and text_alone.header.dtg is None
    done = complete(text_alone, record.source)
    assert done.reference_id == "05BRASILIA1325" and done.created == "2005-05-18T19:07:00Z"
    assert any(m.startswith("reference_id 05BRASILIA1325 ") and "inferred" in m for m in _noted(done))


@needs_shared
def test_a_partial_extract_with_only_a_day_gets_the_time() -> None:
    cases = [(r, c) for r, c in dev_parsed() if r.source["metadata"].get("partial_extract")
             and c.created and c.created.endswith("T00:00:00Z")
             and c.created[:10] == r.source["metadata"]["created"][:10]
             and not r.source["metadata"]["created"].endswith("00:00")]
    assert cases
    for record, text_alone in cases:
        done = complete(text_alone, record.source)
        want = record.source["metadata"]["created"].replace(" ", "T") + ":00Z"
        assert done.created == want
        assert any(m.startswith("created ") and "inferred" in m for m in _noted(done))


@needs_shared
def test_a_page_title_gives_the_subject() -> None:
    for page in sorted(PAGES.glob("*.html")):
        [record] = read_path(page)
        title = record.source["metadata"].get("page_title", "")
        if not re.search(r", \S", title):
            continue
        text = re.sub(r"(?m)^SUBJECT:.*\n", "", record.text)  # a copy that lost its SUBJECT line
        cable = parse(text)
        if cable.subject:
            continue
        done = complete(cable, record.source)
        assert done.subject == " ".join(title.split(", ", 1)[1].split())
        assert any(m.startswith("subject ") for m in _noted(done))
        return
    pytest.fail("no page with a title and a SUBJECT line to drop")


@needs_shared
def test_plusd_metadata_table() -> None:
    [record] = read_path(PLUSD / "1974ATHENS02959_b.html")
    meta = record.source["metadata"]
    assert metadata_reference_id(meta) == "74ATHENS2959"
    assert str(metadata_created(meta)) == "1974-05-17 16:00:00"
    body = record.text[record.text.index("1. INQUIRIES"):]  # the body alone: no header, no fields
    cable = parse(body)
    assert (cable.reference_id, cable.subject, cable.tags) == (None, None, ())
    done = complete(cable, record.source)
    assert done.reference_id == "74ATHENS2959"
    assert done.created == "1974-05-17T16:00:00Z"
    assert done.subject == "ARRESTS OF KALOUDIS AND AMBATIELOS"
    assert set(done.tags) == {"GR", "PINS"}
    assert (done.classification, done.classification_label) == ("UNCLASSIFIED", "LIMITED OFFICIAL USE")
    assert len(_noted(done)) == 5


@needs_shared
def test_cables_csv_columns() -> None:
    first = next(iter(read_path(CSV_SAMPLE)))
    body = first.text.split("\n\n", 1)[1]
    body = body[body.index("1."):] if "1." in body else body
    cable = parse(body)
    assert cable.reference_id is None
    done = complete(cable, first.source)
    assert done.reference_id == "66BUENOSAIRES2481"
    assert done.created == "1966-12-28T18:48:00Z"
    assert done.origin.label == "Embassy Buenos Aires"
    if not cable.references:
        assert [r.reference_id for r in done.references] == ["66STATE106206"]


def test_a_classification_from_the_metadata_keeps_its_restricting_caveat() -> None:
    """A text with no classification line and no marks: the source's SECRET//NOFORN guards it."""
    cable = parse("1. THE TEXT ALONE, NO MARKINGS.")
    assert cable.classification is None
    done = complete(cable, {"metadata": {"classification": "SECRET//NOFORN", "reference_id": "09ROME7"}})
    assert (done.classification, done.classification_label, done.caveats) == (
        "SECRET", "SECRET//NOFORN", ("NOFORN",))


@needs_shared
def test_ingest_stores_what_it_quarantined_before(tmp_path: Path) -> None:
    src = tmp_path / "three.jsonl"
    with gzip.open(DEV, "rt") as f:
        src.write_text("".join(line for line in f if json.loads(line)["reference_id"] in NO_ID_TODAY))
    db = tmp_path / "a.db"
    ingest_paths(db, [src], workers=0)
    with open_archive(db) as archive:
        assert archive.stats()["quarantined"] == 0
        for rid in NO_ID_TODAY:
            cable = archive.get(rid)
            assert cable is not None and any(d.code == CODE for d in cable.defects)


@pytest.fixture
def quarantined_archive(tmp_path: Path) -> Path:
    """An archive holding a record quarantined for a read error, its id in the source's metadata."""
    src = tmp_path / "bad.jsonl"
    src.write_text(json.dumps({"reference_id": "09ROME1", "header_html": 5, "body_html": "x"}) + "\n")
    db = tmp_path / "q.db"
    ingest_paths(db, [src], workers=0)
    return db


@needs_shared
def test_show_says_quarantined_with_the_reason(quarantined_archive: Path) -> None:
    out = run_cli("show", "09ROME1", "--archive", str(quarantined_archive), check=False)
    assert out.returncode != 0
    assert "09ROME1 is quarantined: read error: line 1: header_html/body_html not strings" in out.stderr
    other = run_cli("show", "09ROME2", "--archive", str(quarantined_archive), check=False)
    assert "no cable 09ROME2" in other.stderr


@needs_shared
def test_web_cable_page_says_quarantined(quarantined_archive: Path) -> None:
    client = make_client(quarantined_archive)
    page = client.get("/cable/09ROME1")
    assert page.status_code == 404
    assert "quarantined: read error" in page.text
    assert "quarantined" not in client.get("/cable/09ROME2").text


@needs_shared
def test_quarantine_is_told_only_to_a_reader_who_sees_everything(quarantined_archive: Path) -> None:
    with open_archive(quarantined_archive) as archive:
        assert archive.quarantine_reason("09rome1") is not None
        assert archive.quarantine_reason("09ROME1", access=AccessFilter(max_rank=2)) is None
        assert archive.quarantine_reason("09ROME1", access=AccessFilter(max_rank=3)) is None  # lacks caveats
        everything = AccessFilter(max_rank=3, caveats=AccessFilter().restricting)
        assert archive.quarantine_reason("09ROME1", access=everything) is not None
        assert ControlledArchive(archive, AccessFilter(max_rank=1)).quarantine_reason("09ROME1") is None
        assert ControlledArchive(archive, None).quarantine_reason("09ROME1") is not None
