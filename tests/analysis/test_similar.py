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
from cablegram.desk import add_user, create_token, open_desk
from cablegram.desk.controlled import ControlledArchive
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


def test_in_a_controlled_archive_similar_shows_no_hidden_cable_and_no_withheld_word(tmp_path: Path) -> None:
    path = tmp_path / "controlled.db"
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
