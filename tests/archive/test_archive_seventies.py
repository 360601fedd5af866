"""`drafter:`, `approver:`, `office:` and `class:LOU` on a real archive of 1970s telegrams (the PlusD
pages and the cables written for the tests), and the schema-4 migration that adds their tables."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import pytest

from archive_fixtures import as_version_4, ingest_paths, need_parser, run_cli, store_cable
from cablegram.archive import open_archive
from cablegram.archive.query import compile_query, parse_query
from cablegram.archive.schema import SCHEMA_VERSION
from cablegram.telegram import parse
from corpus import PLUSD, TESTS

FIXTURES = TESTS / "fixtures" / "seventies"


@pytest.fixture(scope="module")
def seventies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_parser()
    if not PLUSD.exists():
        pytest.skip(f"the PlusD pages are absent: {PLUSD}")
    path = tmp_path_factory.mktemp("seventies") / "seventies.db"
    ingest_paths(path, [*sorted(PLUSD.glob("*.html")), *sorted(FIXTURES.glob("*.txt"))], workers=1)
    return path


def _ids(path: Path, query: str) -> list[str]:
    with open_archive(path) as a:
        return sorted(h.reference_id for h in a.search(query, limit=50).hits)


@pytest.mark.parametrize(("query", "expected"), [
    ("drafter:claxton", ["73STATE97844"]),
    ("drafter:PPCLAXTON", ["73STATE97844"]),
    ("drafter:S/PM", ["73STATE97844"]),
    ("drafter:eur", ["74STATE51234"]),  # EUR/RPM is part of EUR
    ("drafter:EUR/RPM", ["74STATE51234"]),
    ("approver:EUR/WE", ["73STATE97844"]),
    ("approver:\"THE SECRETARY\"", ["76STATE210987"]),
    ("approver:hartman", ["74STATE51234"]),
    ("approver:claxton", []),  # the drafter is no approver
    ("office:EUR", ["73STATE97844", "74ATHENS2959", "74ATHENS3099", "74STATE51234", "75MOSCOW3456"]),
    ("office:SPM", ["73STATE97844"]),
    ("office:nea-14", ["74ATHENS2959", "74ATHENS3099", "76STATE210987"]),  # the copy count is no part of it
    ("office:ACDA", ["75MOSCOW3456"]),
    ("office:EUR -office:ISO", ["73STATE97844"]),
    ("arrests office:EUR", ["74ATHENS2959", "74ATHENS3099"]),
    ("class:LOU", ["73STATE97844", "74ATHENS2959", "74STATE51234"]),
    ('class:"limited official use"', ["73STATE97844", "74ATHENS2959", "74STATE51234"]),
    ('"limited official use"', ["73STATE97844", "74ATHENS2959", "74STATE51234"]),
])
def test_filters_find_the_cables_of_the_1970s_layout(seventies: Path, query: str, expected: list[str]) -> None:
    assert _ids(seventies, query) == expected


def test_the_record_keeps_the_new_fields(seventies: Path) -> None:
    with open_archive(seventies) as a:
        cable = a.get("74STATE51234")
    assert cable is not None and cable.drafted_by is not None and cable.drafted_by.name == "JWHOLMES"
    assert [p.name for p in cable.clearances] == ["RMCGUIRE", "MR. GAMMON"]


def test_the_tables_are_plain_sql(seventies: Path) -> None:
    with open_archive(seventies) as a:
        rows = a.db.execute(
            "SELECT c.reference_id, p.role, p.name, p.office FROM people p JOIN cables c ON c.id = p.cable_id"
            " WHERE c.reference_id = '73STATE97844' ORDER BY p.role").fetchall()
        assert rows == [("73STATE97844", "approved", "DWLOVING", "EUR/WE"),
                        ("73STATE97844", "drafted", "PPCLAXTON, JR.", "S/PM")]
        roles = a.db.execute("SELECT role, count(*) FROM offices GROUP BY role ORDER BY role").fetchall()
        assert roles == [("action", 3), ("info", 4 + 14 + 18 + 9 + 11 + 3), ("origin", 3)]


def test_search_command_takes_the_new_filters(seventies: Path) -> None:
    out = run_cli("search", "drafter:claxton", "--archive", str(seventies)).stdout
    assert "73STATE97844" in out and "TYDINGS" in out


def test_new_filters_are_bound_parameters() -> None:
    class _R:
        def origin_ids(self, value: str) -> list[int]:
            return []

        def class_ids(self, value: str) -> list[int]:
            return []

        def caveat_bit(self, value: str) -> int | None:
            return None

    p = compile_query(parse_query("drafter:\"o'sullivan%\" office:eur"), _R())
    assert "sullivan" not in " ".join(p.where).lower() and "EUR" not in " ".join(p.where)
    assert p.params == ["drafted", "O'SULLIVAN%", "O'SULLIVAN%", "O'SULLIVAN\\%/%", "EUR"]


def test_a_version_3_archive_migrates_and_fills_people_and_offices_from_its_records(tmp_path: Path) -> None:
    need_parser()
    path = tmp_path / "v3.db"
    cable = parse((FIXTURES / "1976STATE210987.txt").read_text())
    with open_archive(path) as a:
        store_cable(a, cable, (FIXTURES / "1976STATE210987.txt").read_text())
    as_version_4(path)
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("DROP TABLE people")
        db.execute("DROP TABLE offices")
        db.execute("UPDATE schema_version SET version = 3")
    with open_archive(path) as a:
        assert a.db.execute("SELECT version FROM schema_version").fetchone()[0] == SCHEMA_VERSION == 5
        people = a.db.execute("SELECT role, position, name, office FROM people ORDER BY role, position").fetchall()
        assert people == [("approved", 0, "THE SECRETARY", None), ("cleared", 0, "ALATHERTON", "NEA"),
                          ("cleared", 1, "RELTZ", "S/S-O"), ("cleared", 2, "SMSCHWEBEL", "L/NEA"),
                          ("drafted", 0, "FMDICKMAN", "NEA/ARP")]
        offices = a.db.execute("SELECT code, role, copies FROM offices ORDER BY role, code").fetchall()
        assert offices == [("ISO", "info", 0), ("OCT", "info", 1), ("SS", "info", 15), ("NEA", "origin", 10)]
        assert [h.reference_id for h in a.search("drafter:dickman office:NEA").hits] == ["76STATE210987"]
