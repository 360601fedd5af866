"""Classification advice: markings stripped from real cables, a model blind to markings, and the
train/advise commands on a real archive."""

from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from archive_fixtures import DEV, ingest_paths, need_parser, run_cli
from cablegram.advise import AdviceModel, drafter_text, level_of, noforn_of, strip_markings
from cablegram.archive import SQLiteArchive
from cablegram.model import Cable

_LEAK = re.compile(r"CLASSIFIED BY|\bDECL\b|E\.\s?O\.\s*1\d|SIPDIS|NOFORN|EXDIS|NODIS|ENTIRE TEXT|"
                   r"\((?:C|S|U|SBU|S/NF|C/NF|S//NF)\)|REASONS? 1\.[45]|\bCONFIDENTIAL\b|\bSECRET\b|"
                   r"SENSITIVE BUT|OFFICIAL USE ONLY|C O N F|S E C R E T|\bCCCCC\b|\bSSSSS\b", re.I)


def test_stripping_a_real_cable_keeps_the_words_and_drops_the_stamps(
        dev_archive: SQLiteArchive) -> None:
    raw = dev_archive.raw_text("08BEIJING125")
    assert raw and "Classified By" in raw and "(C)" in raw and "DECL" in raw
    out = strip_markings(raw)
    assert not _LEAK.search(out), _LEAK.search(out)
    assert "MFA AND SCHOLARS DESCRIBE CHINA" in out
    assert "SUMMARY: CHINA HAS MADE GREAT EFFORTS TO IMPROVE THE SITUATION IN BURMA" in out
    assert "AUBREY CARLSON" not in out  # the classifier's name is part of the marking
    assert strip_markings("E.O. 12958: N/A") == ""  # N/A would say "unclassified"


def test_markings_the_first_stripper_let_through_are_stripped() -> None:
    # each of these survived the first stripper and told the model the level (found by shuffling)
    for marking, words in [
            ("1. (S/ NATO/AUS) The minister spoke.", "1. THE MINISTER SPOKE."),
            ("Classified By: Counselor Richard Mills, for reasons 1. 4 (b) and (d)\nHMG is aware.",
             "HMG IS AWARE."),
            ("E.O. 11652: GDS\nTAGS: PFOR", "TAGS: PFOR"),
            ("E.O. 12958: DE...\nSUBJECT: TALKS", "SUBJECT: TALKS"),
            ("1.4 (B) 1.4(D) DECLASSIFY 11/07/2018\nThe talks went well.", "THE TALKS WENT WELL."),
            ("SENSITIVE\nSIPDIS\nThe talks went well.", "THE TALKS WENT WELL.")]:
        assert strip_markings(marking) == words, marking
    # prose keeps its words: only a line of its own is a caveat
    assert strip_markings("a sensitive issue") == "A SENSITIVE ISSUE"


def test_no_marking_survives_in_any_dev_cable(dev_archive: SQLiteArchive) -> None:
    leaks = [(c.reference_id, m.group()) for c in dev_archive.iter_records()
             if (m := _LEAK.search(drafter_text(c)))]
    assert leaks == []


_SWALLOWED = re.compile(r"\(\s*[A-Z]{1,3}(?:/[A-Z/]*)?\s*\)|T?AGS?\s*:|\bTAG\s|\bE\.O\.", re.I)


def _marking_block(cable: Cable) -> str:
    """A cable's markings written the way cables write them.

    Where the parser swallowed the next line into a marking field (a Classified By text running on
    into `(C) HMG is aware...`, an E.O. text running on into `TAGS: ECON ...`), that text is not a
    marking: the marking is written from the parsed parts instead."""
    lines = [cable.classification_label or cable.classification or "", *cable.caveats]
    if cable.eo:
        eo = cable.eo.text
        if _SWALLOWED.search(eo):
            eo = f"DECL: {cable.eo.declassify_on or 'OADR'}"
        lines.append(f"E.O. {cable.eo.order or '12958'}: {eo}")
    if cable.classified_by:
        by = cable.classified_by
        text = by.text
        if len(text) > 200 or _SWALLOWED.search(text):
            text = f"{by.title or ''} {', '.join(by.names)}, Reasons {' and '.join(by.reasons)}."
        lines.append(f"Classified By: {text}")
    lines.append(f"{cable.classification or ''} - ENTIRE TEXT.")
    return "\n".join(lines)


def _remarked(cable: Cable, donor: Cable, rng: random.Random) -> Cable:
    """`cable` carrying `donor`'s markings, everywhere a marking can be."""
    marks = [p.marking for p in donor.paragraphs if p.marking] or ["U"]
    paragraphs = tuple(replace(p, marking=(m := rng.choice(marks)), text=f"({m}) {p.text}")
                       for p in cable.paragraphs)
    if paragraphs:
        paragraphs = (replace(paragraphs[0], text=_marking_block(donor) + "\n" + paragraphs[0].text),
                      *paragraphs[1:])
    subject = f"{cable.subject or ''} ({marks[0]})"
    return replace(cable, classification=donor.classification, caveats=donor.caveats,
                   classification_label=donor.classification_label, eo=donor.eo,
                   classified_by=donor.classified_by, subject_marking=donor.subject_marking,
                   subject=subject, paragraphs=paragraphs, header=donor.header)


def test_shuffling_the_markings_of_the_training_cables_changes_nothing(
        dev_archive: SQLiteArchive) -> None:
    cables = [c for c in dev_archive.iter_records() if level_of(c)]
    rng = random.Random(14)
    sample = rng.sample(cables, 700)
    train, held_out = sample[:600], sample[600:]
    labels = [level_of(c) or "" for c in train]
    noforn = [noforn_of(c) for c in train]
    order = list(range(len(train)))
    rng.shuffle(order)
    shuffled = [_remarked(c, train[j], rng) for c, j in zip(train, order, strict=True)]
    # the shuffle is real: the texts before stripping differ, with other cables' markings in them
    changed = sum("\n".join(p.text for p in a.paragraphs) != "\n".join(p.text for p in b.paragraphs)
                  for a, b in zip(train, shuffled, strict=True))
    assert changed == sum(1 for c in train if c.paragraphs) > 550
    assert sum(level_of(a) != level_of(b) for a, b in zip(train, shuffled, strict=True)) > 100

    plain = AdviceModel().fit(train, labels, noforn)
    remarked = AdviceModel().fit(shuffled, labels, noforn)
    assert (plain.features(train) != remarked.features(shuffled)).nnz == 0
    p1, n1 = plain.probabilities(held_out)
    p2, n2 = remarked.probabilities(held_out)
    np.testing.assert_allclose(p1, p2, atol=1e-12)
    np.testing.assert_allclose(n1, n2, atol=1e-12)


def dev_paragraphs(path: Path, reference_id: str) -> list[tuple[int, str]]:
    with SQLiteArchive(path, readonly=True) as archive:
        cable = archive.get(reference_id)
    assert cable is not None
    return [(p.number or k, " ".join(p.text.split())) for k, p in enumerate(cable.paragraphs, start=1)]


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive of the dev corpus's first 600 records (a quick model to train)."""
    need_parser()
    tmp = tmp_path_factory.mktemp("advise")
    source = tmp / "first600.jsonl"
    with gzip.open(DEV, "rt", encoding="utf-8") as f, source.open("w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i == 600:
                break
            out.write(line)
    path = tmp / "small.db"
    ingest_paths(path, [source])
    return path


def test_train_stores_a_versioned_model_and_advise_prints_one_object_a_cable(
        small_archive: Path, tmp_path: Path) -> None:
    before = run_cli("advise", "08BEIJING125", "--archive", str(small_archive), check=False)
    assert before.returncode == 1 and "advise train" in before.stderr
    trained = json.loads(run_cli("advise", "train", "--archive", str(small_archive), "--json").stdout)
    assert trained["version"] == 1 and trained["trained_on"] > 500
    assert trained["scored"] == trained["trained_on"]  # every released cable of a known level
    assert 0.5 < trained["roc_auc"] <= 1
    import sqlite3
    db = sqlite3.connect(small_archive)
    (when, metrics), = db.execute("SELECT trained_at, metrics_json FROM advise_models").fetchall()
    assert when[:2] == "20" and "recall_at_11_fpr" in json.loads(metrics)
    ids = [r[0] for r in db.execute("SELECT reference_id FROM cables ORDER BY id LIMIT 2")]
    draft = tmp_path / "draft.txt"
    draft.write_text("UNCLASSIFIED\nSUBJECT: PARLIAMENT DEBATES THE BUDGET\n\n1. (U) The assembly "
                     "debated the budget today; the minister of finance answered questions.\n")
    out = run_cli("advise", *ids, str(draft), "--archive", str(small_archive), "--json").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["reference_id"] for r in rows[:2]] == ids and len(rows) == 3
    for r in rows:
        assert r["advised"] in ("UNCLASSIFIED", "SBU", "CONFIDENTIAL", "SECRET")
        assert sum(r["p"].values()) == pytest.approx(1, abs=1e-3)
        assert r["p_classified"] == pytest.approx(r["p"]["CONFIDENTIAL"] + r["p"]["SECRET"], abs=1e-3)
        assert 0 <= r["noforn"] <= 1
        assert len(r["terms"]) <= 5 and len(r["paragraphs"]) <= 5
        assert [p["weight"] for p in r["paragraphs"]] == sorted(
            (p["weight"] for p in r["paragraphs"]), reverse=True)
        assert all(p["weight"] > 0 for p in r["paragraphs"])
    # the paragraphs that push up are the cable's own, by number, and hold its words
    first = dev_paragraphs(small_archive, ids[0])
    for p in rows[0]["paragraphs"]:
        assert any(p["excerpt"][:40] in text for n, text in first if n == p["number"])
    text = run_cli("advise", ids[0], "--archive", str(small_archive)).stdout
    assert text.startswith(f"{ids[0]}: advise ") and "pushed up by: " in text
    missing = run_cli("advise", "99NOWHERE1", "--archive", str(small_archive), check=False)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_a_model_of_an_older_format_asks_to_retrain_never_a_traceback(
        small_archive: Path, tmp_path: Path) -> None:
    import shutil
    import sqlite3

    from cablegram.advise.desk import draft_advice
    from cablegram.advise.store import _CREATE, TABLE
    from cablegram.advise.tables import ddl

    path = tmp_path / "old.db"
    shutil.copyfile(small_archive, path)
    db = sqlite3.connect(path)
    db.execute(ddl(_CREATE, False))
    db.execute(f"DELETE FROM {TABLE}")
    db.execute(f"INSERT INTO {TABLE} (format, trained_at, trained_on, sklearn_version, metrics_json,"
               " model) VALUES (2, '2026-01-01T00:00:00+00:00', 600, '1.5', '{}', ?)",
               (b"a format 2 pickle",))
    db.commit()
    reference_id = db.execute("SELECT reference_id FROM cables LIMIT 1").fetchone()[0]
    db.close()
    out = run_cli("advise", reference_id, "--archive", str(path), check=False)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "older format: retrain with `cablegram advise train`" in out.stderr
    with SQLiteArchive(path, readonly=True) as archive:
        cable = archive.get(reference_id)
        assert cable is not None and draft_advice(archive, cable) is None  # no advice, no error
