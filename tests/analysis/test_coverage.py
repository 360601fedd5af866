"""Coverage: cables sent per post-year estimated from serials, on the real dev corpus (on SQLite and
on PostgreSQL) and on a complete synthetic post-year whose every serial is known."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from archive_fixtures import run_cli
from cablegram.archive import SQLiteArchive
from cablegram.coverage import (
    Serial,
    coverage,
    longest_gaps,
    mvue,
    parse_reference_id,
    totals,
    upper_bound,
)
from cablegram.synth import synthesize


@pytest.fixture()
def dev_archive(dev_backend_archive: SQLiteArchive) -> SQLiteArchive:
    """The dev corpus archive, on each backend (conftest.py)."""
    return dev_backend_archive


def test_reference_ids_split_into_year_post_serial() -> None:
    assert parse_reference_id("08MOSCOW2629") == Serial(2008, "MOSCOW", 2629)
    assert parse_reference_id("72TEHRAN5055") == Serial(1972, "TEHRAN", 5055)
    assert parse_reference_id("09USUNNEWYORK1") == Serial(2009, "USUNNEWYORK", 1)
    assert parse_reference_id("08 state 12") == Serial(2008, "STATE", 12)
    for bad in (None, "", "MOSCOW2629", "08MOSCOW", "08MOSCOW0"):
        assert parse_reference_id(bad) is None


def test_upper_bound_is_the_exact_tail_and_close_to_the_closed_form() -> None:
    # one serial seen, 100: P(max <= 100 | N) = 100/N >= 0.1 holds up to N = 1000 exactly
    assert upper_bound(100, 1) == 1000
    # large m: the continuous approximation m * 0.1 ** (-1/k)
    assert abs(upper_bound(100_000, 20) - 100_000 * 0.1 ** (-1 / 20)) < 0.001 * 100_000
    assert upper_bound(50, 50) == 50  # every serial seen: nothing is missing


def test_gaps_are_runs_of_missing_serials_longest_first() -> None:
    gaps = longest_gaps([3, 4, 10, 11, 30], 2)
    assert [g.to_dict() for g in gaps] == [{"from": 12, "to": 29, "length": 18},
                                           {"from": 5, "to": 9, "length": 5}]


def test_moscow_2008_in_the_dev_corpus(dev_archive: SQLiteArchive) -> None:
    # Verified by hand: `SELECT reference_id FROM cables WHERE reference_id LIKE '08MOSCOW%'` gives
    # 31 cables, 08MOSCOW410 .. 08MOSCOW3394; the references (as the parser resolves them since
    # issue 10's reference fixes) add 13 absent serials below that ceiling and none above it.
    [row] = coverage(dev_archive.iter_records(), post="Moscow", year=2008)
    assert (row.post, row.year, row.held, row.highest) == ("MOSCOW", 2008, 31, 3394)
    assert (row.cited_absent, row.implausible, row.seen) == (13, 0, 44)
    assert row.estimate == pytest.approx(3394 + 3394 / 44 - 1)
    assert row.low == 3394 < row.high < 3394 * 0.1 ** (-1 / 44) + 1
    assert row.share == pytest.approx(31 / row.estimate)


def test_every_held_cable_counts_once(dev_archive: SQLiteArchive) -> None:
    rows = coverage(dev_archive.iter_records())
    held = sum(r.held for r in rows)
    ids = {c.reference_id for c in dev_archive.iter_records()}
    assert held == len({i for i in ids if parse_reference_id(i)})
    assert all(r.low <= r.estimate <= r.high and r.low == r.highest for r in rows)
    [total] = totals(rows, "all")
    assert total.held == held and 0 < total.share < 0.05  # a leak holds a sliver of the traffic


def test_cli_prints_the_estimate(dev_archive_path: Path) -> None:
    out = run_cli("coverage", "--archive", str(dev_archive_path), "--origin", "MOSCOW",
                  "--year", "2008", "--json").stdout
    [row] = json.loads(out)["rows"]
    assert row["held"] == 31 and row["highest_serial"] == 3394 and row["interval"][0] == 3394
    text = run_cli("coverage", "--archive", str(dev_archive_path), "--by", "year").stdout
    assert "2009" in text and "all: " in text
    missing = run_cli("coverage", "--archive", str(dev_archive_path.parent / "nope.db"),
                      check=False)
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_interval_covers_a_complete_synthetic_post_year_at_the_nominal_rate() -> None:
    # A complete post-year: synthetic cables renumbered 1..N, so every serial is known.
    post_year = [replace(s.cable, reference_id=f"08TESTPOST{i}", serial=i, references=())
                 for i, s in enumerate(synthesize(300, seed=7, versions=0.0), start=1)]
    total = len(post_year)
    rng = random.Random(14)
    covered, estimates = 0, []
    for _ in range(200):
        sample = rng.sample(post_year, rng.randint(5, 60))
        [row] = coverage(sample)
        covered += row.low <= total <= row.high
        estimates.append(row.estimate)
    # nominal 90%: 200 draws have a standard deviation of ~2.1 points
    assert 0.85 <= covered / 200 <= 0.97
    assert abs(sum(estimates) / len(estimates) - total) < 0.03 * total  # unbiased
    assert mvue(total, total) == total
