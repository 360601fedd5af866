"""The labelled field suite (tests/fields/*.yaml): one test a case, the field's value as labelled by hand."""

from __future__ import annotations

import pytest

from field_cases import Case, actual, case_cable, expected, load_cases, passes, shared_present

CASES = load_cases()


PARAMS = [
    pytest.param(c, id=f"{c.field}:{c.id}",
                 marks=[pytest.mark.xfail(strict=True, reason=c.known_failure)] if c.known_failure else [])
    for c in CASES
]


@pytest.mark.parametrize("case", PARAMS)
def test_field_case(case: Case) -> None:
    if case.needs_shared and not shared_present():
        pytest.skip("the shared corpus is absent")
    cable = case_cable(case)
    assert passes(case, cable), f"{case.source}: got {actual(case, cable)!r}, want {expected(case)!r}"


def test_suite_is_large_enough() -> None:
    assert len(CASES) >= 300
    assert len({(c.field, c.id) for c in CASES}) == len(CASES), "case ids repeat within a field"
