"""The seed cable parses to exactly the expected record, field by field."""

from __future__ import annotations

from typing import Any

import pytest

from cablegram import Cable
from cablegram.telegram import TelegramError, parse
from cablegram.telegram.render import render
from corpus import SEED_JSON, SEED_TEXT, seed_expected

pytestmark = pytest.mark.skipif(not SEED_JSON.exists(), reason="the shared seed is absent")


def _differences(got: Any, want: Any, path: str = "") -> list[str]:
    """Every field of `want` that `got` does not match (extra keys in `got` are allowed)."""
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path}: {got!r} is not an object"]
        return [d for k, v in want.items() for d in _differences(got.get(k), v, f"{path}.{k}")]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{path}: {got!r} != {want!r}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True)) for d in _differences(g, w, f"{path}[{i}]")]
    return [] if got == want else [f"{path}: {got!r} != {want!r}"]


def test_seed_parses_to_the_expected_record_on_every_field() -> None:
    cable = parse(SEED_TEXT.read_text())
    assert _differences(cable.to_dict(), seed_expected()) == []


def test_seed_defects_name_its_artefacts() -> None:
    codes = {d.code for d in parse(SEED_TEXT.read_text()).defects}
    assert {"link-artefact", "page-break", "mangled-pilcrow"} <= codes


def test_strict_mode_raises_naming_the_line() -> None:
    with pytest.raises(TelegramError) as info:
        parse(SEED_TEXT.read_text(), strict=True)
    assert info.value.defect.code in {"link-artefact", "page-break", "mangled-pilcrow"}
    assert "line" in str(info.value) or info.value.defect.line is None


def test_seed_record_round_trips_through_dict_and_render() -> None:
    cable = parse(SEED_TEXT.read_text())
    assert Cable.from_dict(cable.to_dict()) == cable
    again = parse(render(cable))
    assert again.telegram_dict() == cable.telegram_dict()


def test_render_of_seed_has_its_wire_layout() -> None:
    text = render(parse(SEED_TEXT.read_text()))
    lines = text.splitlines()
    assert lines[:4] == ["VZCZCXRO3984", "PP RUEHIK RUEHLN RUEHPOD RUEHVK RUEHYG", "DE RUEHMO #2629/01 2470646",
                         "ZNR UUUUU ZZH"]
    assert "P 030646Z SEP 08" in lines and "FM AMEMBASSY MOSCOW" in lines
    assert "TO RUEHC/SECSTATE WASHDC PRIORITY 9806" in lines
    assert "UNCLAS SECTION 01 OF 02 MOSCOW 002629" in lines
    assert "MOSCOW 00002629 002 OF 002" in lines
    assert "TAGS: PGOV PREL ECON AM GG TU UZ RS" in lines
    assert lines[-1] == "BEYRLE"
