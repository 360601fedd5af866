"""Entity extraction on real dev cables: the hand-labelled targets, folding, redactions,
paragraph numbers, acronyms the cable defines, and the `cablegram entities` command."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from cablegram.cli import main
from cablegram.entities import extract
from cablegram.entities.evaluate import load_labels, score
from cablegram.entities.text import fold
from cablegram.model import Cable
from cablegram.telegram import parse
from corpus import SEED_TEXT, TESTS, dev_records, needs_shared

LABELS = TESTS / "entities"
TARGETS = {"people": (0.90, 0.80), "places": (0.90, 0.80), "orgs": (0.85, 0.70)}
# Kinds whose measured figures are still below target (python bench/entities.py). strict: the
# day one passes, the test fails until its name is taken off this list.
BELOW_TARGET: set[str] = set()


@cache
def _by_id() -> dict[str, str]:
    return {(r.source.get("metadata") or {}).get("reference_id"): r.text for r in dev_records()}


def _cable(reference_id: str) -> Cable:
    text = _by_id().get(reference_id)
    if text is None:
        pytest.skip(f"{reference_id} is not in the shared dev corpus")
    return parse(text)


def test_there_are_enough_labels_of_every_era() -> None:
    labels = load_labels(LABELS)
    assert len(labels) >= 60
    decades = {label.reference_id[:1] for label in labels}
    assert {"7", "8", "9", "0", "1"} <= decades


@needs_shared
@pytest.mark.parametrize("kind", [
    pytest.param(k, marks=pytest.mark.xfail(strict=True, reason="below target: see bench/entities.py"))
    if k in BELOW_TARGET else k
    for k in sorted(TARGETS)
])
def test_extraction_meets_its_targets_on_the_labelled_cables(kind: str) -> None:
    pairs = [(label, extract(_cable(label.record or label.reference_id))) for label in load_labels(LABELS)]
    s = score(pairs)[kind]
    precision, recall = TARGETS[kind]
    assert s.precision >= precision and s.recall >= recall, (
        f"{kind}: precision {s.precision:.3f} (target {precision}), recall {s.recall:.3f} (target {recall})"
    )


@needs_shared
def test_variants_of_a_name_fold_into_one_person() -> None:
    found = extract(_cable("09MANAMA712"))  # `King Hamad` twice, `the King's advisor`
    hamad = [p for p in found.people if p.key == "hamad"]
    assert len(hamad) == 1
    assert hamad[0].mentions == (1, 2)
    names = {p.key for p in found.people}
    assert "ereli" in names  # classified by Ambassador Adam Ereli, signed ERELI


@needs_shared
def test_redactions_are_never_entities() -> None:
    found = extract(_cable("04RANGOON1100"))  # a dozen XXXXXXXXXXXX sources
    for entity in (*found.people, *found.places, *found.orgs):
        assert "XXX" not in entity.name.upper()
    assert {p.key for p in found.people} == {"mcmullen"}


@needs_shared
def test_mentions_are_the_cables_paragraph_numbers() -> None:
    cable = _cable("08MADRID724")
    numbers = {p.number for p in cable.paragraphs if p.number is not None} | {0}
    found = extract(cable)
    for entity in (*found.people, *found.places, *found.orgs):
        assert entity.mentions and set(entity.mentions) <= numbers, entity
    washington = next(p for p in found.places if p.name == "Washington")
    assert washington.mentions == (3, 4, 5, 6, 7)


@needs_shared
def test_an_acronym_the_cable_defines_is_resolved() -> None:
    # `the Bahrain Institute for Political Development (BIPD)` in 1, then `BIPD` alone
    found = extract(_cable("09MANAMA712"))
    bipd = next(o for o in found.orgs if o.name == "Bahrain Institute for Political Development")
    assert bipd.mentions == (0, 1, 2, 3, 4, 5)
    assert not any(o.name == "BIPD" for o in found.orgs)


@needs_shared
def test_a_gazetteer_acronym_folds_into_its_organisation() -> None:
    # `the opposition Labor Party (PvdA)`, then `PvdA` alone in later paragraphs
    found = extract(_cable("73TEHRAN2077"))
    labor = next(o for o in found.orgs if o.name == "Labor Party")
    assert {1, 3, 4, 5, 6, 7} <= set(labor.mentions)


@needs_shared
def test_places_carry_coordinates() -> None:
    found = extract(_cable("08LIMA1733"))
    pucallpa = next(p for p in found.places if p.name == "Pucallpa")
    assert pucallpa.lat is not None and -9 < pucallpa.lat < -8
    assert pucallpa.to_dict()["kind"] == "city"


@pytest.mark.skipif(not SEED_TEXT.exists(), reason=f"the seed cable is absent: {SEED_TEXT}")
def test_the_command_prints_one_json_object_per_cable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entities", str(SEED_TEXT), "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert obj["reference_id"] == "08MOSCOW2629"
    assert set(obj) == {"reference_id", "people", "places", "orgs"}
    medvedev = next(p for p in obj["people"] if p["name"] == "Medvedev")
    assert medvedev["mentions"] == [1, 2, 3, 4]
    assert any(o["name"] == "Collective Security Treaty Organization" for o in obj["orgs"])


def test_the_command_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["entities", str(tmp_path / "absent.txt"), "--json"]) == 1
    assert "entities" in capsys.readouterr().err


@needs_shared
def test_the_us_is_the_united_states() -> None:
    # `the U.S.` folds to `u s`: a name of one dotted word (it was never looked up)
    found = extract(_cable("05MOSCOW11807"))
    assert "United States" in {p.name for p in found.places}


@needs_shared
def test_a_section_header_run_into_a_paragraph_is_no_text() -> None:
    # paragraph 9 ends with `R 171512Z JAN 90 FM AMCONSUL CAPE TOWN ... INFO AMEMBASSY LUSAKA ... SUBJECT:`
    found = extract(_cable("90CAPETOWN97"))
    assert not {"Durban", "Lusaka", "Harare", "London", "Paris"} & {p.name for p in found.places}
    assert {"johannesburg", "paarl"} <= {fold(p.name) for p in found.places}


@needs_shared
def test_people_in_all_capitals_text() -> None:
    found = extract(_cable("90CAPETOWN97"))  # `NELSON MANDELA`, `ESSA MOOSA`, `PRESIDENT FW DE KLERK`
    keys = {p.key for p in found.people}
    assert {"mandela", "moosa", "klerk", "mbeki"} <= keys
    assert not keys & {"fw", "sentimentally"}


@needs_shared
def test_known_people_are_found_bare() -> None:
    # 90BAGHDAD4237: `MUBARAK` alone, known as a person from other cables (data/known_people.txt)
    found = extract(_cable("90BAGHDAD4237"))
    assert {"mubarak", "bush", "baker"} <= {p.key for p in found.people}
    assert "Būsh" not in {p.name for p in found.places}


@needs_shared
def test_acronyms_defined_in_all_capitals_text() -> None:
    found = extract(_cable("90CAPETOWN97"))  # `THE DEPARTMENT OF EDUCATION AND TRAINING (DET)`
    orgs = {o.name for o in found.orgs}
    assert "Department Of Education And Training" in orgs or "Department of Education and Training" in orgs
    assert "South African Communist Party" in orgs


@needs_shared
def test_newspapers_named_beside_the_word() -> None:
    # `the left-of-center Amsterdam daily newspaper Parool`; `Saif's Oea and Qurina newspapers`
    assert "Parool" in {o.name for o in extract(_cable("73TEHRAN2077")).orgs}
    orgs = {o.name for o in extract(_cable("10TRIPOLI75")).orgs}
    assert {"Oea", "Qurina"} <= orgs
    assert "Saif's Oea" not in orgs


@needs_shared
def test_two_organisations_run_together_are_two() -> None:
    # `Director of the Colombian National Police Counterterrorism Directorate (DIJIN)`
    orgs = {o.name for o in extract(_cable("06BOGOTA11398")).orgs}
    assert {"Colombian National Police", "Counterterrorism Directorate"} <= orgs
    assert "Colombian National Police Counterterrorism Directorate" not in orgs


@needs_shared
def test_parliament_and_acronyms_in_all_capitals_text() -> None:
    # `THE OPENING OF PARLIAMENT`, `THE WESTERN CAPE UDF'S LAWYER` (UDF: a gazetteer acronym that
    # is no word, so trusted in capitals)
    orgs = {o.name for o in extract(_cable("90CAPETOWN97")).orgs}
    assert {"Parliament", "United Democratic Front"} <= orgs


@needs_shared
def test_an_acronym_other_cables_define_is_known() -> None:
    # `NDP` alone in 09CAIRO1261; other dev cables define `the National Democratic Party (NDP)`
    # (data/orgs_mined.txt, written by `python -m cablegram.entities._build --orgs`)
    assert "National Democratic Party" in {o.name for o in extract(_cable("09CAIRO1261")).orgs}


@pytest.mark.skipif(not SEED_TEXT.exists(), reason=f"the seed cable is absent: {SEED_TEXT}")
def test_ingest_no_entities_wins_over_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    monkeypatch.setenv("CABLEGRAM_ENTITIES", "1")
    counts = {}
    for flag in ("--no-entities", "--entities"):
        db = tmp_path / f"{flag.strip('-')}.db"
        assert main(["ingest", str(SEED_TEXT), "--archive", str(db), "--quiet", "--workers", "0", flag]) == 0
        with sqlite3.connect(db) as conn:
            counts[flag] = conn.execute("SELECT count(*) FROM entity_mentions").fetchone()[0]
    assert counts["--no-entities"] == 0 < counts["--entities"]
