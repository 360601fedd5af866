"""The labelled field suite in tests/fields/: loading its cases and reading the field each one checks.

Each YAML file holds one field's cases. A case's text is `input` (a line or fragment, written out),
`cable` (a dev-corpus cable by reference id) or `plusd` (a PlusD page in the shared corpus), and
`expect` the field's value, checked by hand. `year` is the default year a fragment's references
take. `known_failure` says why the parser still misses a case. A `summary` expectation may give
`starts`/`ends` instead of the whole text; a `subject` case may name the subject's portion `marking`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cablegram.model import Cable
from cablegram.sources import read_path
from cablegram.telegram import parse

FIELDS_DIR = Path(__file__).resolve().parent / "fields"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV = SHARED / "corpus" / "cablegate-dev.jsonl.gz"
PLUSD = SHARED / "corpus" / "plusd"


@dataclass(frozen=True)
class Case:
    field: str
    id: str
    source: str
    expect: Any
    input: str | None = None
    cable: str | None = None
    plusd: str | None = None
    year: int | None = None
    marking: str | None = None
    known_failure: str | None = None  # why the parser still misses it (the test is a strict xfail)

    @property
    def needs_shared(self) -> bool:
        return self.input is None


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(FIELDS_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for raw in doc["cases"]:
            cases.append(Case(field=doc["field"], **raw))
    return cases


@cache
def _dev_texts() -> dict[str, str]:
    return {r.source["metadata"]["reference_id"]: r.text for r in read_path(DEV)}


@cache
def _plusd_text(name: str) -> str:
    return next(iter(read_path(PLUSD / name))).text


def shared_present() -> bool:
    return DEV.exists() and PLUSD.exists()


@cache
def _parse_cached(text: str, year: int | None) -> Cable:
    return parse(text, default_year=year)


def case_cable(case: Case) -> Cable:
    if case.input is not None:
        text = case.input
    elif case.cable is not None:
        text = _dev_texts()[case.cable]
    else:
        assert case.plusd is not None
        text = _plusd_text(case.plusd)
    return _parse_cached(text, case.year)


_ACTUAL: dict[str, Callable[[Cable], Any]] = {
    "classified_by.names": lambda c: list(c.classified_by.names) if c.classified_by else [],
    "signers": lambda c: list(c.signers),
    "references": lambda c: [r.reference_id for r in c.references],
    "tags": lambda c: list(c.tags),
    "subject": lambda c: c.subject,
    "summary": lambda c: c.summary,
    "to": lambda c: [a.name for a in c.to],
    "info": lambda c: [a.name for a in c.info],
    "eo.declassify_on": lambda c: c.eo.declassify_on if c.eo else None,
}


def actual(case: Case, cable: Cable) -> Any:
    value = _ACTUAL[case.field](cable)
    if case.field == "subject" and case.marking is not None:
        return value, cable.subject_marking
    return value


def expected(case: Case) -> Any:
    if case.field == "subject" and case.marking is not None:
        return case.expect, case.marking
    return case.expect


def passes(case: Case, cable: Cable) -> bool:
    got = actual(case, cable)
    want = case.expect
    if case.field == "summary" and isinstance(want, dict):
        return isinstance(got, str) and got.startswith(want["starts"]) and got.endswith(want.get("ends", ""))
    return got == expected(case)
