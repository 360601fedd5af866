"""Desk checks a newcomer tripped on: an unknown precedence is an ordinary validation error (no
traceback in `desk show` or `draft --show`), an unknown caveat is rejected and the draft kept."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cablegram.desk import clear, save_draft
from cablegram.desk.db import DeskError
from cablegram.desk.drafts import load_draft
from corpus import ROOT
from test_desk_support import make_desk, secret_fields


def cli(archive: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "cablegram", *args, "--archive", str(archive)], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture()
def archive(backend_location: str) -> str:
    """A desk in a SQLite file and in a PostgreSQL schema."""
    desk, _people = make_desk(backend_location)
    desk.close()
    return backend_location


def test_unknown_precedence_is_a_validation_error_naming_the_allowed_values(archive: str, tmp_path: Path) -> None:
    fields = {**secret_fields(long=False), "precedence": "URGENT"}
    (tmp_path / "urgent.yaml").write_text(yaml.safe_dump(fields), encoding="utf-8")
    drafted = cli(archive, "draft", str(tmp_path / "urgent.yaml"), "--as", "anna", "--show")
    assert "Traceback" not in drafted.stderr, drafted.stderr
    assert drafted.returncode == 1
    assert "unknown precedence 'URGENT': use FLASH, IMMEDIATE, PRIORITY, ROUTINE" in drafted.stdout
    assert "FM AMEMBASSY MOSCOW" in drafted.stdout  # the telegram as it would look, all the same
    shown = cli(archive, "desk", "show", "1", "--as", "anna")
    assert "Traceback" not in shown.stderr, shown.stderr
    assert shown.returncode == 0
    assert "error: precedence: unknown precedence 'URGENT'" in shown.stdout


def test_an_unknown_caveat_is_rejected_and_the_draft_kept(tmp_path: Path) -> None:
    desk, people = make_desk(tmp_path / "other.db")
    fields = {**secret_fields(long=False), "caveats": ["NOFORN", "SIPDIS", "BLUE"]}
    draft, problems = save_draft(desk, people["anna"], fields)
    errors = [p for p in problems if p.level == "error"]
    assert [p.field for p in errors] == ["caveats"]
    assert "unknown caveat BLUE: known caveats are" in errors[0].message and "NOFORN" in errors[0].message
    stored = load_draft(desk, draft.id)
    assert stored is not None and stored.cable.caveats == ("NOFORN", "SIPDIS", "BLUE")  # nothing dropped
    with pytest.raises(DeskError, match="unknown caveat BLUE"):
        clear(desk, draft.id, people["carla"])
    desk.close()


def test_a_bare_ref_resolves_to_the_newest_archived_cable_of_that_station_and_serial(backend_location: str) -> None:
    from datetime import UTC, datetime

    from archive_fixtures import seed_cable, store_cable
    from cablegram.archive import open_archive

    desk, people = make_desk(backend_location)
    cable, raw = seed_cable()  # 08MOSCOW2629, the real seed
    with open_archive(backend_location) as archive:
        store_cable(archive, cable, raw)
        fields = {**secret_fields(long=False), "references": ["A. MOSCOW 2629", "B. MOSCOW 2618"]}
        draft, problems = save_draft(desk, people["anna"], fields, archive=archive)
    ids = [r.reference_id for r in draft.cable.references]
    assert ids == ["08MOSCOW2629", f"{datetime.now(UTC).year % 100:02d}MOSCOW2618"]  # the second: not archived
    assert "08 MOSCOW 2629" in draft.cable.references[0].text  # the wire says which year
    assert [p.field for p in problems if p.level == "warning"] == ["references.2"]
    desk.close()
