"""Similar cables: a more-like-this search over a cable's distinctive words, on the real dev cables
(through the function, the CLI, the API and the cable page) and in a controlled archive (never a
hidden cable, never a withheld word)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from archive_fixtures import run_cli
from cablegram.access import can_read
from cablegram.archive import SQLiteArchive, open_archive
from cablegram.archive.similar import distinctive_terms, fold, similar
from cablegram.desk import add_post, add_user, create_token, open_desk
from cablegram.desk.controlled import ControlledArchive
from cablegram.model import Cable
from cablegram.web.app import create_app
from corpus import DEV, SHARED
from test_access_leaks import Reader, build, expectations, make_cables

needs_dev = pytest.mark.skipif(not DEV.exists(), reason=f"the shared corpus is absent: {SHARED}")


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


@needs_dev
def test_similar_cables_share_the_cables_distinctive_words_and_its_subject_matter(dev_archive: SQLiteArchive) -> None:
    rng = random.Random(5)
    ids = [r for (r,) in dev_archive.db.execute("SELECT reference_id FROM cables ORDER BY id")]
    like, unlike = [], []
    for rid in rng.sample(ids, 30):
        found = similar(dev_archive, rid)
        assert found is not None and found.reference_id == rid
        if not found.terms:
            continue
        assert 0 < len(found.hits) <= 10 and rid not in {h.reference_id for h in found.hits}
        assert len({h.reference_id for h in found.hits}) == len(found.hits)
        cable = dev_archive.get(rid)
        assert cable is not None
        assert set(found.terms) <= set(fold(f"{cable.subject} " + " ".join(p.text for p in cable.paragraphs)))
        tags = set(cable.tags)
        for h in found.hits:  # each shares at least one of the words it was found by
            other = dev_archive.get(h.reference_id)
            assert other is not None
            raw = set(fold(f"{dev_archive.raw_text(h.reference_id)} {other.subject}"))
            assert raw & set(found.terms), (rid, h.reference_id)
            like.append(_jaccard(tags, set(other.tags)))
        for other_id in rng.sample(ids, len(found.hits)):
            other = dev_archive.get(other_id)
            assert other is not None
            unlike.append(_jaccard(tags, set(other.tags)))
    assert len(like) >= 200
    # what they are about: similar cables share far more TAGS than cables drawn at random
    assert sum(like) / len(like) > 3 * sum(unlike) / len(unlike)


@needs_dev
def test_distinctive_words_are_rare_in_the_archive(dev_archive: SQLiteArchive) -> None:
    cable = dev_archive.get("10MOSCOW392") or dev_archive.get(
        dev_archive.db.execute("SELECT reference_id FROM cables LIMIT 1").fetchone()[0])
    assert cable is not None
    terms = distinctive_terms(dev_archive, cable)
    assert terms and not {"the", "and", "embassy", "state"} & set(terms)
    total = dev_archive.search("", limit=0).total
    for t in terms:
        assert dev_archive.search(f'"{t}"', limit=0).total < total / 5


@needs_dev
def test_the_api_the_cli_and_the_cable_page_give_the_same_list(dev_archive_path: Path) -> None:
    with open_archive(dev_archive_path, readonly=True) as archive:
        rid = archive.db.execute("SELECT reference_id FROM cables WHERE subject LIKE '%IRAN%' LIMIT 1").fetchone()[0]
        expected = similar(archive, rid)
    assert expected is not None and len(expected.hits) == 10
    ids = [h.reference_id for h in expected.hits]
    client = TestClient(create_app(dev_archive_path))
    for path in (f"/api/cable/{rid}/similar", f"/api/cables/{rid}/similar"):
        got = client.get(path).json()
        assert [h["reference_id"] for h in got["similar"]] == ids and got["terms"] == list(expected.terms)
    assert client.get("/api/cable/99NOWHERE1/similar").json() == {"error": "no cable '99NOWHERE1' in the archive"}
    page = client.get(f"/cable/{rid}").text
    section = page.split("<h2>Similar cables</h2>", 1)[1].split("</section>", 1)[0]
    assert re.findall(r'href="/cable/([^"]+)"', section) == ids
    out = run_cli("similar", rid, "--json", "--archive", str(dev_archive_path))
    assert [h["reference_id"] for h in json.loads(out.stdout)["similar"]] == ids
    text = run_cli("similar", rid, "--limit", "3", "--archive", str(dev_archive_path)).stdout.splitlines()
    assert text[0].startswith(f"like {rid}, by ") and [line.split()[0] for line in text[1:]] == ids[:3]
    missing = run_cli("similar", "99NOWHERE1", "--archive", str(dev_archive_path), check=False)
    assert missing.returncode == 1 and "no cable '99NOWHERE1'" in missing.stderr


def test_in_a_controlled_archive_similar_shows_no_hidden_cable_and_no_withheld_word(backend_location: str) -> None:
    """On both backends: the readers have cables partly withheld from them (their words read from
    the reader's own index, R), and cables they may not see at all."""
    path = backend_location
    cables = make_cables(31, 30)
    build(path, cables)
    client = TestClient(create_app(path))
    for i, reader in enumerate([Reader("CONFIDENTIAL", frozenset()), Reader("SECRET", frozenset())]):
        hidden_tokens, hidden_ids, _visible = expectations(cables, reader)
        desk = open_desk(path)
        user = add_user(desk, f"sim{i}", post="STATE", clearance=reader.clearance, caveats=sorted(reader.caveats))
        headers = {"Authorization": f"Bearer {create_token(desk, user)}"}
        desk.close()
        readable = [c for c in cables if can_read(reader, c)]
        listed = 0
        with open_archive(path, readonly=True) as archive:
            shown = ControlledArchive(archive, user)
            for c in readable:
                found = similar(shown, c.reference_id or "")
                assert found is not None
                assert not {t.lower() for t in hidden_tokens} & set(found.terms)
                assert {h.reference_id for h in found.hits} <= {x.reference_id for x in readable}
                body = client.get(f"/api/cable/{c.reference_id}/similar", headers=headers).text
                leaked = [t for t in hidden_tokens | (hidden_ids - {c.reference_id}) if t in body]
                assert not leaked, (c.reference_id, leaked)
                listed += len(found.hits)
            for c in cables:
                if not can_read(reader, c):
                    assert similar(shown, c.reference_id or "") is None
                    assert client.get(f"/api/cable/{c.reference_id}/similar", headers=headers).status_code == 404
        assert listed > len(readable)


@needs_dev
def test_similar_cables_on_both_backends(backend_location: str) -> None:
    """The same feature on SQLite and PostgreSQL (which has no vocabulary table: its words are
    ranked by their count in the cable), through the archive and the API."""
    from cablegram.archive import ingest
    from corpus import dev_records

    records = [r for r in dev_records() if "MOSCOW" in r.text[:3000]][:300]
    with open_archive(backend_location) as archive:
        ingest(archive, records, workers=0)
        rid = archive.search("iran", limit=1).hits[0].reference_id
        found = similar(archive, rid)
        assert found is not None and found.terms and 0 < len(found.hits) <= 10
        assert rid not in {h.reference_id for h in found.hits}
        assert similar(archive, "99NOWHERE1") is None
    client = TestClient(create_app(backend_location))
    got = client.get(f"/api/cable/{rid}/similar").json()
    assert [h["reference_id"] for h in got["similar"]] == [h.reference_id for h in found.hits]


@needs_dev
@pytest.mark.postgres
def test_both_backends_choose_the_same_words_and_list_the_same_cables(tmp_path: Path) -> None:
    """The same cables on SQLite and PostgreSQL give the same words, cables and scores, open and
    for a reader with cables partly withheld (their words read from the reader's own index): both
    count a word's cables over what the reader may see, from the same tokens."""
    from cablegram.archive import ingest
    from corpus import dev_records
    from pg_support import fresh_schema
    from test_access_leaks import Reader

    records = [r for r in dev_records() if "MOSCOW" in r.text[:3000]][:300]
    reader = Reader("CONFIDENTIAL", frozenset())
    with fresh_schema() as url, open_archive(tmp_path / "a.db") as lite, open_archive(url) as pg:
        ingest(lite, records, workers=0)
        ingest(pg, records, workers=0)
        ids = [r for (r,) in lite.fetch("SELECT reference_id FROM cables ORDER BY id")]
        low_lite, low_pg = ControlledArchive(lite, reader), ControlledArchive(pg, reader)
        assert low_pg._source().ids  # the reader has cables partly withheld
        listed = 0
        for rid in ids[::6]:
            for a, b in ((lite, pg), (low_lite, low_pg)):
                x, y = similar(a, rid), similar(b, rid)
                if x is None or y is None:
                    assert x is None and y is None and a is low_lite
                    continue
                assert y.terms == x.terms, rid
                assert [(h.reference_id, h.score, h.subject) for h in y.hits] == \
                    [(h.reference_id, h.score, h.subject) for h in x.hits], rid
                listed += len(x.hits)
        assert listed > 500


def _talk(base: Cable, level: int, text: str) -> Cable:
    """A cable (parsed back from its telegram text) at `level` (0 UNCLASSIFIED .. 2 SECRET) whose
    one paragraph is `text`."""
    from dataclasses import replace

    from cablegram.model import EO, ClassifiedBy, Paragraph
    from cablegram.telegram.parse import parse
    from cablegram.telegram.render import render
    from test_access_leaks import LEVELS, MARKS

    cable = replace(
        base, classification=LEVELS[level], caveats=("SIPDIS",), subject_marking=MARKS[level],
        subject=f"TALKS REPORT {base.serial}", paragraphs=(Paragraph(1, MARKS[level], None, text),),
        summary=None, comment=None, references=(),
        eo=EO("12958", "2030-01-01", "DECL: 01/01/2030") if level else EO("12958", None, "N/A"),
        classified_by=ClassifiedBy(("John Doe",), "Ambassador", ("1.4(b)",), "Ambassador John Doe, Reasons 1.4 (b)")
        if level else None)
    text_ = render(cable)
    return parse(text_).with_source({"text": text_})


def test_a_hidden_cable_does_not_change_a_readers_similar_list(backend_location: str) -> None:
    """The words a reader's similar list is searched by, and its order, come only from what the
    reader may see: a SECRET cable full of one of the words changes nothing a CONFIDENTIAL reader
    gets, through the API, the cable page and the CLI. (Document frequencies read from the whole
    index counted the SECRET cable: the word fell behind its equal, and BM25 re-scored the list.)"""
    from cablegram.synth import synthesize
    from test_access_leaks import ingest_cables

    bases = [item.cable for item in synthesize(9, seed=3, versions=0)]
    watched = "The mission reviewed kestrelwing kestrelwing kestrelwing and ospreywing ospreywing ospreywing"
    visible = [_talk(bases[0], 0, watched)]
    visible += [_talk(bases[i], i % 2, f"The envoy raised kestrelwing once in talks {i}") for i in (1, 2, 3)]
    visible += [_talk(bases[i], i % 2, f"The envoy raised ospreywing once in talks {i}") for i in (4, 5, 6)]
    hidden = _talk(bases[7], 2, "Secret notes on " + " ".join(["kestrelwing"] * 120))
    ingest_cables(backend_location, visible)
    desk = open_desk(backend_location)
    add_post(desk, "SECSTATE WASHDC")
    desk.set_access_mode("controlled")
    user = add_user(desk, "simleak", post="STATE", clearance="CONFIDENTIAL")
    headers = {"Authorization": f"Bearer {create_token(desk, user)}"}
    desk.close()
    rid = visible[0].reference_id or ""

    def answers() -> tuple[str, str, str]:
        client = TestClient(create_app(backend_location))
        api = client.get(f"/api/cable/{rid}/similar", headers=headers)
        page = client.get(f"/cable/{rid}", headers=headers)
        assert api.status_code == page.status_code == 200
        section = page.text.split("<h2>Similar cables</h2>", 1)[1].split("</section>", 1)[0]
        cli = run_cli("similar", rid, "--json", "--archive", backend_location, "--as", "simleak").stdout
        return api.text, section, cli

    before = answers()
    got = json.loads(before[0])
    assert {"kestrelwing", "ospreywing"} <= set(got["terms"])
    assert {h["reference_id"] for h in got["similar"]} == {c.reference_id for c in visible[1:]}
    ingest_cables(backend_location, [hidden])
    with open_archive(backend_location, readonly=True) as archive:
        assert archive.get(hidden.reference_id or "") is not None  # it is there, above the reader
    after = answers()
    for what, old, new in zip(("API", "cable page", "CLI"), before, after, strict=True):
        assert new == old, f"the {what} answer changed with a hidden cable: {old!r} -> {new!r}"
