"""Synthetic cables: deterministic, consistent markings, threads between them, and every one
parses back to the record it was rendered from (through every reader that takes the output)."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cablegram import directory
from cablegram.archive import open_archive
from cablegram.sources import read_path
from cablegram.synth import synthesize, write_jsonl, write_text
from cablegram.telegram.parse import parse
from corpus import ROOT

_RANK = {"U": 0, "SBU": 0, "C": 1, "S": 2}


@pytest.fixture(scope="module")
def items() -> list:
    return synthesize(600, seed=11)


def test_same_seed_same_cables() -> None:
    a, b = synthesize(50, seed=3), synthesize(50, seed=3)
    assert [x.text for x in a] == [x.text for x in b]
    assert [x.text for x in synthesize(50, seed=4)] != [x.text for x in a]


@pytest.mark.parametrize("seed", [0, 1, 11])
def test_every_cable_parses_back_to_its_record(seed: int) -> None:
    for item in synthesize(300, seed=seed):
        assert parse(item.text).telegram_dict() == item.cable.telegram_dict(), item.cable.reference_id


def test_readers_give_the_same_records(items: list) -> None:
    for writer, name in ((write_jsonl, "x.jsonl"), (write_text, "x.txt")):
        buf = io.StringIO()
        writer(items, buf)
        from cablegram.sources.read import READERS

        reader = READERS["jsonl" if name.endswith("jsonl") else "text"]
        records = list(reader(io.BytesIO(buf.getvalue().encode()), name))
        assert len(records) == len(items)
        for rec, item in zip(records, items, strict=True):
            assert parse(rec.text).telegram_dict() == item.cable.telegram_dict()


def test_real_directory_data(items: list) -> None:
    for item in items:
        c = item.cable
        assert directory.indicator_for_name(c.from_ or "") == c.origin.routing_indicator
        assert directory.origin_label(c.from_ or "") == c.origin.label
        assert all(directory.is_known_tag(t) for t in c.tags)
        assert c.header.dtg and c.created and c.created.startswith("20")
        for a in (*c.to, *c.info):
            assert a.routing_indicator, a


def test_markings_are_consistent(items: list) -> None:
    levels = Counter()
    for item in items:
        c = item.cable
        levels[c.classification_label] += 1
        rank = directory.classification_rank(c.classification or "")
        marks = [p.marking for p in c.paragraphs if p.marking]
        if rank:
            assert len(marks) == len(c.paragraphs), "every paragraph of a classified cable is marked"
            assert max(_RANK[m.split("/")[0]] for m in marks) == rank
            assert c.eo and c.eo.declassify_on and c.eo.declassify_on > (c.created or "")
            assert ("NOFORN" in c.caveats) == any(m.endswith("/NF") for m in marks)
        else:
            assert c.eo and c.eo.text == "N/A"
        assert c.classification_label == directory.classification_label(c.classification or "", c.caveats)
    assert len(levels) >= 5, levels


def test_bodies_and_threads(items: list) -> None:
    current = {i.cable.reference_id: i.cable for i in items}
    cited = [r.reference_id for c in current.values() for r in c.references if r.reference_id]
    assert len(cited) > 100
    resolved = [r for r in cited if r in current]
    assert len(resolved) > 0.8 * len(cited)  # most cite generated cables, a few cite missing ones
    for c in current.values():
        for r in c.references:
            if r.reference_id in current:
                assert (current[r.reference_id].created or "") <= (c.created or "")
    assert sum(bool(c.summary) for c in current.values()) > 0.5 * len(current)
    assert sum(bool(c.comment) for c in current.values()) > 0.2 * len(current)
    assert any(c.sections > 1 for c in current.values())
    assert any(p.heading for c in current.values() for p in c.paragraphs)
    assert all(c.signers for c in current.values())
    versions = Counter(i.cable.reference_id for i in items)
    assert any(n > 1 for n in versions.values())


def test_synth_and_demo_commands(tmp_path: Path) -> None:
    env_path = {"PYTHONPATH": str(ROOT / "src")}
    import os

    env = {**os.environ, **env_path}
    out = tmp_path / "c.jsonl"
    subprocess.run([sys.executable, "-m", "cablegram", "synth", "40", "-o", str(out), "--seed", "2"],
                   check=True, env=env, capture_output=True, timeout=120)
    assert len(list(read_path(out))) >= 40
    db = tmp_path / "demo.db"
    done = subprocess.run([sys.executable, "-m", "cablegram", "demo", "--archive", str(db),
                           "--cables", "150", "--no-serve"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with open_archive(db, readonly=True) as archive:
        archived = archive.db.execute("SELECT count(*) FROM desk_drafts WHERE archived = 1").fetchone()[0]
        assert archived == 2  # the demo desk's two released SIPDIS cables are archived too
        assert archive.search("", limit=0).total == 150 + archived
    bad = subprocess.run([sys.executable, "-m", "cablegram", "serve", "--archive",
                          str(tmp_path / "none.db")], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "no archive" in bad.stderr
