"""The source readers on the real shared corpus: JSONL, pages, cables.csv, text, PlusD, gzip."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from cablegram.sources import (
    RawRecord,
    SourceError,
    cablegate_html_to_text,
    detect_format,
    read_path,
    read_paths,
)
from corpus import CSV_SAMPLE as CSV
from corpus import DEV as JSONL
from corpus import SEED_TEXT as SEED
from corpus import SHARED

CORPUS = SHARED / "corpus"

needs_shared = pytest.mark.skipif(not JSONL.exists(), reason=f"shared corpus absent: {SHARED}")


@pytest.fixture(scope="module")
def corpus() -> list[RawRecord]:
    return list(read_path(JSONL))


@pytest.fixture(scope="module")
def by_id(corpus: list[RawRecord]) -> dict[str, RawRecord]:
    return {r.source["metadata"]["reference_id"]: r for r in corpus}


def test_html_conversion() -> None:
    header = "R 220927Z AUG 72 &#x000A;FM AMEMBASSY TEHRAN"
    body = (
        "TAGS: <a href='/tag/IR_0.html'>IR</a> <a href='/tag/PTER_0.html'>PTER</a>&#x000A;"
        "&#x000A;<a id='par1' href='#par1'>¶</a>1. <<Israel>> R&D &note &amp; SIPDIS <br>&#x000A;"
    )
    assert cablegate_html_to_text(header, body) == (
        "R 220927Z AUG 72 \nFM AMEMBASSY TEHRAN\n\n"
        "TAGS: IR PTER\n\n¶1. <<Israel>> R&D &note & SIPDIS \n"
    )
    partial = (
        "This record is a partial extract of the original cable. "
        "The full text of the original cable is not available."
    )
    assert cablegate_html_to_text(partial, "BODY") == "BODY"
    assert cablegate_html_to_text(partial + "&#x000A;&#x000A;240549Z Sep 03", "B") == (
        "240549Z Sep 03\n\nB"
    )


@needs_shared
def test_jsonl_corpus(corpus: list[RawRecord]) -> None:
    assert len(corpus) == 5437
    assert [r for r in corpus if r.error] == []
    first = corpus[0]
    assert first.source["format"] == "jsonl" and first.source["line"] == 1
    meta = first.source["metadata"]
    assert set(meta) >= {"reference_id", "created", "released", "classification", "origin", "path"}
    assert "header_html" not in meta and "body_html" not in meta
    assert all("&#x000A;" not in r.text and "<a " not in r.text for r in corpus)
    partial = [r for r in corpus if r.source["metadata"].get("partial_extract")]
    assert len(partial) == 585
    # the sentence is website boilerplate: gone from the text (a few bodies quote it in leaked
    # database dumps, which stay as they are)
    assert not any(r.text.startswith("This record is a partial extract") for r in partial)
    kept = [r for r in corpus if r.text.startswith(("INFO  LOG-00", "TelegramRestricted by"))]
    assert kept, "real header text must be kept"
    json.dumps([r.source for r in corpus[:50]])  # JSON-ready


@needs_shared
def test_corrupt_jsonl_line_yields_error_and_goes_on(tmp_path: Path) -> None:
    with gzip.open(JSONL, "rt", encoding="utf-8") as f:
        good = [next(f) for _ in range(3)]
    path = tmp_path / "mixed.jsonl"
    path.write_text(good[0] + "{not json at all\n" + good[1] + '{"foo": 1}\n\n' + good[2])
    records = list(read_path(path))
    assert len(records) == 5
    assert [r.source["line"] for r in records] == [1, 2, 3, 4, 6]
    assert [bool(r.error) for r in records] == [False, True, False, True, False]
    assert "line 2" in records[1].error and "invalid JSON" in records[1].error
    assert "line 4" in records[3].error


def test_jsonl_text_and_raw_text_objects(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    own = {
        "reference_id": "08MOSCOW2629",
        "raw_text": "RAW",
        "source": {"format": "text", "file": "a.txt", "line": 1, "metadata": {"k": "v"}},
    }
    path.write_text(json.dumps({"text": "T", "reference_id": "X"}) + "\n" + json.dumps(own) + "\n")
    a, b = read_path(path)
    assert (a.text, a.source["metadata"]) == ("T", {"reference_id": "X"})
    assert b.text == "RAW" and b.source["metadata"]["k"] == "v"
    assert b.source["metadata"]["derived_from"]["file"] == "a.txt"


@needs_shared
def test_pages_equal_jsonl(by_id: dict[str, RawRecord]) -> None:
    pages = sorted((CORPUS / "pages").glob("*.html"))
    assert len(pages) == 65
    for page in pages:
        assert detect_format(page) == "cablegate-html"
        [rec] = read_path(page)
        assert rec.error is None, page
        meta = rec.source["metadata"]
        twin = by_id[meta["reference_id"]]
        assert rec.text == twin.text, page.name
        for key in ("reference_id", "created", "released", "classification", "origin", "path"):
            assert meta[key] == twin.source["metadata"][key], (page.name, key)
        assert meta.get("partial_extract", False) == twin.source["metadata"].get(
            "partial_extract", False
        )
        assert rec.source["format"] == "cablegate-html"


@needs_shared
def test_cables_csv_sample() -> None:
    assert detect_format(CSV) == "csv"
    first, second = read_path(CSV)
    assert first.error is None and second.error is None
    assert first.source["row"] == 1 and first.source["line"] == 1
    assert second.source["row"] == 2 and second.source["line"] == 116
    meta = first.source["metadata"]
    assert meta == {
        "id": 1,
        "created": "1966-12-28 18:48",
        "reference_id": "66BUENOSAIRES2481",
        "origin": "Embassy Buenos Aires",
        "classification": "UNCLASSIFIED",
        "references": ["66STATE106206"],
    }
    assert second.source["metadata"]["created"] == "1972-02-25 09:30"
    assert second.source["metadata"]["references"] == [
        "72MOSCOW1603",
        "72TEHRAN1091",
        "72TEHRAN263",
    ]
    assert first.text.startswith("P R 281848Z DEC 66\nFM AMEMBASSY BUENOS AIRES\n")
    assert "STATE GRNC\n\nUNCLASSIFIED BUENOS AIRES 2481 \n" in first.text
    assert 'OF "PREFERENTIAL JURISDICTION"' in first.text and "\\" not in first.text


@needs_shared
def test_malformed_csv_rows(tmp_path: Path) -> None:
    sample = CSV.read_text(encoding="utf-8")
    rows = sample.split('\n"2","')
    row1, row2 = rows[0] + "\n", '"2","' + rows[1]
    bad_count = '"9","1/2/2003 4:05","03X1","O","C","","H"\n'  # 7 columns
    unterminated = '"10","1/2/2003 4:05","03X2","O","C","","H","body never ends\nmore\n'
    path = tmp_path / "bad.csv"
    path.write_text(row1 + bad_count + unterminated + row2 + '"11","1/2/2003","x\\"y\n')
    records = list(read_path(path, format="csv"))
    assert [r.source["row"] for r in records] == [1, 2, 3, 4, 5]
    assert [bool(r.error) for r in records] == [False, True, True, False, True]
    assert "7 columns" in records[1].error and records[1].source["line"] == 116
    assert "quote not closed" in records[2].error and records[2].source["line"] == 117
    assert records[3].source["metadata"]["reference_id"] == "72TEHRAN1164"
    assert "end of file" in records[4].error


def test_csv_escapes(tmp_path: Path) -> None:
    row = '"1","1/2/2003 4:05","03X1","O","C","A,B","H\\\\1","say \\"hi\\"\\nnext\\\'s"\n'
    path = tmp_path / "one.csv"
    path.write_text(row)
    [rec] = read_path(path)
    assert rec.error is None
    assert rec.text == 'H\\1\n\nsay "hi"\nnext\'s'
    assert rec.source["metadata"]["references"] == ["A", "B"]


@needs_shared
def test_seed_round_trips() -> None:
    assert detect_format(SEED) == "text"
    [rec] = read_path(SEED)
    assert rec.error is None
    assert rec.text == SEED.read_text(encoding="utf-8")
    # named by the file alone: it lies outside the working folder (no absolute paths stored)
    assert rec.source == {"format": "text", "file": SEED.name, "metadata": {}, "line": 1}


@needs_shared
def test_plusd_pages() -> None:
    pages = sorted((CORPUS / "plusd").glob("*.html"))
    assert len(pages) == 3
    for page in pages:
        assert detect_format(page) == "plusd"
        [rec] = read_path(page)
        assert rec.error is None
        assert "PAGE 01" in rec.text and "<" not in rec.text and "&quot;" not in rec.text
        meta = rec.source["metadata"]
        assert meta["tags"] and all(t["code"] and t["description"] for t in meta["tags"])
        assert meta["plusd"]["Draft Date"]
        assert "Current Classification" not in rec.text
    [tydings] = read_path(CORPUS / "plusd" / "1973STATE097844_b.html")
    meta = tydings.source["metadata"]
    assert meta["reference_id"] == "1973STATE097844"
    assert meta["original_classification"] == "LIMITED OFFICIAL USE"
    assert {"code": "SPOP", "description": "Social Affairs--Population"} in meta["tags"]
    assert meta["to"] == ["Italy Rome", "Luxembourg Luxembourg"]
    assert tydings.text.startswith("LIMITED OFFICIAL USE\n\nPAGE 01   STATE  097844\n")
    [athens] = read_path(CORPUS / "plusd" / "1974ATHENS02959_b.html")
    assert athens.text.endswith("NNN")
    assert "ACTION EUR-25" in athens.text


@needs_shared
def test_gzip_of_each_format(tmp_path: Path) -> None:
    for src in (
        SEED,
        CSV,
        CORPUS / "pages" / "03KATHMANDU1870.html",
        CORPUS / "plusd" / "1974ATHENS03099_b.html",
    ):
        gz = tmp_path / (src.name + ".gz")
        gz.write_bytes(gzip.compress(src.read_bytes()))
        assert detect_format(gz) == detect_format(src)
        assert [r.text for r in read_path(gz)] == [r.text for r in read_path(src)]


@needs_shared
def test_detect_by_content(tmp_path: Path) -> None:
    with gzip.open(JSONL, "rb") as f:
        lines = [next(f) for _ in range(2)]
    fake = tmp_path / "really_jsonl.txt"
    fake.write_bytes(b"".join(lines))
    assert detect_format(fake) == "jsonl"
    assert len(list(read_path(fake))) == 2
    html_txt = tmp_path / "page.txt"
    html_txt.write_bytes((CORPUS / "pages" / "03KATHMANDU1870.html").read_bytes())
    assert detect_format(html_txt) == "cablegate-html"


def test_missing_and_undetectable(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(SourceError, match=r"nope\.jsonl: no such file"):
        read_path(missing)
    with pytest.raises(SourceError, match="no such file"):
        detect_format(missing)
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(SourceError, match=r"blob\.txt: binary"):
        read_path(binary)
    other = tmp_path / "other.html"
    other.write_text("<!DOCTYPE html><html><body>hello</body></html>")
    with pytest.raises(SourceError, match="unknown layout"):
        read_path(other)
    with pytest.raises(SourceError, match="unknown format"):
        read_path(other, format="xml")
    bad_gz = tmp_path / "bad.txt.gz"
    bad_gz.write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(SourceError, match=r"bad\.txt\.gz: cannot read"):
        read_path(bad_gz)


@needs_shared
def test_read_paths_walks_directories(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(CSV.read_bytes()))
    (tmp_path / "notes.md").write_text("ignored")
    (tmp_path / "junk.html").write_text("<html><body>not a cable</body></html>")
    records = list(read_paths([tmp_path, CORPUS / "pages" / "05BRASILIA1839.html"]))
    formats = [r.source["format"] for r in records]
    assert formats == ["csv", "csv", None, "text", "cablegate-html"]
    assert records[2].error and "junk.html" in records[2].error


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = json.dumps({"text": "UNCLAS\n\nBODY", "reference_id": "X"}) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    [rec] = read_path("-")
    assert rec.text == "UNCLAS\n\nBODY" and rec.source["file"] == "<stdin>"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"VZCZC\n\nBODY\n")))
    [rec] = read_path("-")
    assert rec.source["format"] == "text" and rec.text == "VZCZC\n\nBODY\n"
