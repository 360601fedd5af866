"""The shared real data, located and loaded once for the tests that measure on it.

Tests read `../shared` beside the project's root and skip, with the reason, where it is absent.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from cablegram.model import Cable
from cablegram.sources import RawRecord, read_path
from cablegram.telegram import parse

ROOT = Path(__file__).resolve().parents[1]
#: The tests' own data (fixtures/, fields/, entities/), wherever a test module sits below it.
TESTS = ROOT / "tests"
SHARED = ROOT.parent / "shared"
DEV = SHARED / "corpus" / "cablegate-dev.jsonl.gz"
VERSIONS = SHARED / "corpus" / "cablegate-versions.jsonl.gz"
PAGES = SHARED / "corpus" / "pages"
PLUSD = SHARED / "corpus" / "plusd"
CSV_SAMPLE = SHARED / "corpus" / "cables_sample.csv"
SEED_TEXT = SHARED / "seed" / "000_6ca206858de2c10e.txt"
SEED_JSON = SHARED / "seed" / "000_6ca206858de2c10e.expected.json"

needs_shared = pytest.mark.skipif(not DEV.exists(), reason=f"the shared corpus is absent: {SHARED}")


@cache
def dev_records() -> tuple[RawRecord, ...]:
    return tuple(read_path(DEV))


@cache
def dev_parsed() -> tuple[tuple[RawRecord, Cable], ...]:
    """Every dev cable parsed from its telegram text alone (the metadata withheld)."""
    return tuple((r, parse(r.text)) for r in dev_records())


def seed_expected() -> dict:
    return json.loads(SEED_JSON.read_text())
