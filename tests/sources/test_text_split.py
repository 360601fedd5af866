"""One cable a file: the text reader splits a dump only on positive evidence of a new telegram.

Measured on the real dev corpus: every cable written as a plain text file (header, a blank line,
body: tags stripped, entities unescaped) reads as one record equal to its JSONL twin.
"""

from __future__ import annotations

import json
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from cablegram.model import Cable
from cablegram.sources import RawRecord, read_path, read_paths
from cablegram.sources.text import read_text
from cablegram.telegram import parse
from corpus import PLUSD, dev_records, needs_shared


def _by_id() -> dict[str, RawRecord]:
    return {r.source["metadata"]["reference_id"]: r for r in dev_records()}


def _write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def _header_body(rec: RawRecord) -> tuple[str, str]:
    header, body = rec.text.split("\n\n", 1)
    assert header.startswith("VZCZC"), header[:40]
    return header, body


@needs_shared
def test_every_dev_cable_as_a_text_file_is_one_record(tmp_path: Path) -> None:
    records = dev_records()
    for i, rec in enumerate(records):
        _write(tmp_path / f"{i:05d}.txt", rec.text)
    read = list(read_paths([tmp_path]))
    by_file: dict[str, list[RawRecord]] = {}
    for r in read:
        by_file.setdefault(Path(r.source["file"]).name, []).append(r)
    several = {name: len(rs) for name, rs in by_file.items() if len(rs) != 1}
    assert not several, f"{len(several)} files split: {sorted(several.items())[:10]}"
    assert len(by_file) == len(records)
    for i, twin in enumerate(records):
        [got] = by_file[f"{i:05d}.txt"]
        assert got.error is None
        assert got.text == twin.text, twin.source["metadata"]["reference_id"]
    # the parsed fields, on a spread of them (the texts are equal, so are all the parses)
    for i in range(0, len(records), 97):
        [got] = by_file[f"{i:05d}.txt"]
        assert parse(got.text).telegram_dict() == parse(records[i].text).telegram_dict()


@needs_shared
def test_real_shapes_that_are_not_evidence() -> None:
    """Cables of the dev corpus the old reader cut into pieces: `=====` headings, a cables.csv
    row or a page's labelled metadata before the header again, a later section with its own
    header, the header repeated after the text, NNNN and its archive trailer, an e-mail wrapper."""
    by_id = _by_id()
    for rid in ("05MADRID1349", "06NAIROBI1114", "06MEXICO456", "06LIMA158", "06THEHAGUE997",
                "90CAPETOWN97", "02ROME3639", "06PARIS1236", "03ABUDHABI2641", "04CARACAS2200",
                "05ROME3081", "08STATE23763", "08TRIPOLI126"):
        text = by_id[rid].text
        assert [p.text for p in read_text(BytesIO(text.encode()), rid)] == [text], rid
    assert "=====" in by_id["05MADRID1349"].text


@needs_shared
def test_page_copy_shape_is_one_cable(tmp_path: Path) -> None:
    """Header, the page's metadata block (bare, labelled, or as the page's table), the same header
    again with the body: one record, whose fields are the twin's."""
    by_id = _by_id()
    for rid in ("06BANGKOK5811", "06MEXICO680", "06BRASILIA788"):
        twin = by_id[rid]
        meta = twin.source["metadata"]
        header, body = _header_body(twin)
        values = [meta["reference_id"], meta["created"], meta["origin"], meta["classification"]]
        blocks = {
            "bare": ["49732", meta["created"], meta["reference_id"], meta["origin"], meta["classification"]],
            "labelled": ["id: 49732", f"date: {meta['created']}", f"refid: {meta['reference_id']}",
                         f"origin: {meta['origin']}", f"classification: {meta['classification']}"],
            "table": ["Reference ID", "Created", "Released", "Classification", "Origin", "", "",
                      values[0], "", values[1], "", meta["released"], "", values[3], "", values[2]],
        }
        for shape, block in blocks.items():
            text = header + "\n\n" + "\n".join(block) + "\n\n" + header + "\n\n" + body
            [rec] = read_path(_write(tmp_path / f"{rid}-{shape}.txt", text))
            assert rec.text == text, (rid, shape)
            lifted = rec.source["metadata"]  # the block is the source's metadata, as a page's table is
            assert (lifted["reference_id"], lifted["created"], lifted["origin"], lifted["classification"]) == (
                meta["reference_id"], meta["created"], meta["origin"], meta["classification"]), (rid, shape)
            got, want = parse(rec.text), parse(twin.text)
            assert (got.reference_id, got.subject, got.created) == (
                want.reference_id, want.subject, want.created), (rid, shape)
            assert got.paragraphs == want.paragraphs, (rid, shape)
        # two page copies in one dump are two cables
        dump = header + "\n\n" + "\n".join(blocks["bare"]) + "\n" + header + "\n\n" + body
        other = by_id["06BANGKOK5811" if rid != "06BANGKOK5811" else "06MEXICO680"].text
        records = list(read_path(_write(tmp_path / f"{rid}-dump.txt", dump + "\n\n" + other)))
        assert [parse(r.text).reference_id for r in records] == [
            parse(twin.text).reference_id, parse(other).reference_id]
        assert records[0].source["metadata"]["reference_id"] == rid
        assert records[1].source["metadata"].get("reference_id") in (None, parse(other).reference_id)


@needs_shared
def test_dump_of_real_cables_is_split_on_evidence(tmp_path: Path) -> None:
    by_id = _by_id()
    a, b, c, d = (by_id[k].text for k in ("06BANGKOK5811", "06MEXICO680", "04CARACAS2200",
                                         "05MADRID1349"))
    # NNNN then text; NNNN and its archive trailer, then VZCZC after a body; a form feed;
    # `=====` inside a cable
    dump = a + "\nNNNN\n\n" + c + "\n" + b + "\f" + d
    records = list(read_path(_write(tmp_path / "dump.txt", dump)))
    assert [r.text for r in records] == [a + "\nNNNN", c, b, d]
    assert [parse(r.text).reference_id for r in records] == [
        "06BANGKOK5811", "04CARACAS2200", "06MEXICO680", "05MADRID1349"]
    assert records[0].source["line"] == 1
    assert records[1].source["line"] == a.count("\n") + 4


def test_rules_and_underlines_never_split(tmp_path: Path) -> None:
    text = (
        "R 121530Z MAR 08\nFM AMEMBASSY ROME\nTO SECSTATE WASHDC 0001\n\n"
        "UNCLAS ROME 000123\n\nSUBJECT: REFERENDUM\n\n1. (U) The count is in.\n"
        "=====\nYES VOTE WINS\n=====\n\n2. (U) Turnout was high.\n"
        "----------------------------------------\n3. (U) More follows.\n\nSMITH\n"
    )
    [rec] = read_path(_write(tmp_path / "one.txt", text))
    assert rec.text == text
    cable = parse(rec.text)
    assert cable.reference_id == "08ROME123"
    assert len([p for p in cable.paragraphs if p.number]) == 3


@needs_shared
def test_1970s_dump(tmp_path: Path) -> None:
    """PlusD telegrams end with NNN: a dump of them splits there. A DTG then FM after a body
    closed by BT starts a new telegram too, its preamble (PAGE 01, ACTION/INFO) with it."""
    texts = [r.text for p in sorted(PLUSD.glob("*.html"), reverse=True) for r in read_path(p)]
    assert [t.endswith("NNN") for t in texts] == [True, True, False]
    dump = "\n\n".join(texts)
    records = list(read_path(_write(tmp_path / "plusd.txt", dump)))
    assert [r.text for r in records] == texts
    first = (
        "R 101200Z MAR 74\nFM AMEMBASSY ATHENS\nTO SECSTATE WASHDC 3410\nBT\n"
        "UNCLAS ATHENS 2959\n\nSUBJECT: ARRESTS\n\n1. INQUIRIES MADE.\nTASCA\nBT\n"
    )
    second = (
        "PAGE 01  STATE  097844\nACTION EUR-25\n\nINFO  OCT-01  EA-11  ISO-00\n"
        "---------------------     064536\nR 111200Z MAR 74\nFM SECSTATE WASHDC\n"
        "TO AMEMBASSY ATHENS\nBT\nUNCLAS STATE 097844\n\nSUBJECT: REPLY\n\n1. NOTED.\nKISSINGER\nBT\n"
    )
    records = list(read_path(_write(tmp_path / "seventies.txt", first + "\n" + second)))
    assert [r.text for r in records] == [first.rstrip("\n"), second.rstrip("\n")]
    assert [parse(r.text).reference_id for r in records] == ["74ATHENS2959", "74STATE97844"]


def test_without_evidence_no_split(tmp_path: Path) -> None:
    """Fragments with no body before the next header stay together: a header alone is no cable."""
    text = "VZCZCXRO1\nDE RUEHMO #1\n\nVZCZCXRO2\nDE RUEHMO #2\n\nBODY\n"
    [rec] = read_path(_write(tmp_path / "frag.txt", text))
    assert rec.text == text


@needs_shared
def test_parse_command_walks_a_folder(tmp_path: Path) -> None:
    by_id = _by_id()
    folder = tmp_path / "cables"
    (folder / "sub").mkdir(parents=True)
    _write(folder / "a.txt", by_id["06BANGKOK5811"].text)
    _write(folder / "sub" / "b.txt", by_id["05MADRID1349"].text)
    _write(folder / "notes.bin", "not a cable")
    out = subprocess.run(
        [sys.executable, "-m", "cablegram", "parse", str(folder)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    ids = [Cable.from_dict(json.loads(line)).reference_id for line in out.stdout.splitlines()]
    assert ids == ["06BANGKOK5811", "05MADRID1349"]


@needs_shared
def test_a_block_of_another_telegram_is_not_lifted() -> None:
    """09ASUNCION595 quotes 09ASUNCION561 with its database block and header: no metadata."""
    text = _by_id()["09ASUNCION595"].text
    [rec] = read_text(BytesIO(text.encode()), "x")
    assert "refid: 09ASUNCION561" in text and rec.source["metadata"] == {}


@needs_shared
def test_two_releases_of_a_cable_in_a_dump_stay_two(tmp_path: Path) -> None:
    """A re-released cable's two texts name the same telegram: a form feed between them is a hard
    cut, and without one the second copy of text already read is not joined back either."""
    from corpus import VERSIONS

    texts: dict[str, list[str]] = {}
    for r in read_path(VERSIONS):
        texts.setdefault(r.source["metadata"]["reference_id"], []).append(r.text)
    pairs = [v[:2] for v in texts.values() if len(v) > 1 and v[0] != v[1]
             and all(t.startswith("VZCZC") for t in v[:2])]
    assert len(pairs) > 20
    for i, (old, new) in enumerate(pairs):
        for sep in ("\f", "\n\n"):
            got = [r.text for r in read_path(_write(tmp_path / f"{i}.txt", old + sep + new))]
            assert got == [old.strip("\n"), new.strip("\n")], (i, repr(sep))
