"""Defects as a policy (the `email` package's model): each code has a kind, and a frozen
`ParsePolicy` decides per code whether a defect raises or is recorded."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from cablegram.model import Cable
from cablegram.telegram import (
    DEFECT_CODES,
    DEFECTS,
    LENIENT,
    STRICT,
    DefectKind,
    ParsePolicy,
    TelegramError,
    parse,
)
from cablegram.telegram.defects import DefectLog
from corpus import SEED_TEXT, dev_parsed, needs_shared

#: The policies every defect test runs under: record all, raise on errors, raise on one
#: observation only.
POLICIES = {
    "lenient": LENIENT,
    "strict": STRICT,
    "redaction-only": ParsePolicy(raise_on=frozenset({"redaction"})),
}

UNKNOWN_STATION = (
    "R 031200Z MAR 08\nTO SECSTATE WASHDC 0001\n\nUNCLAS ATLANTIS 000123\n\n"
    "SUBJECT: A POST NO DIRECTORY KNOWS\n\n1. (U) Text.\n"
)
SERIAL_MISMATCH = (
    "VZCZCXRO1\nRR RUEHWEB\nDE RUEHMO #2630 2470646\nZNR UUUUU ZZH\nR 030646Z SEP 08\n"
    "FM AMEMBASSY MOSCOW\nTO RUEHC/SECSTATE WASHDC 9806\nBT\nUNCLAS MOSCOW 002629\n\n"
    "TAGS: PGOV\nSUBJECT: TWO SERIALS\n\n1. (U) Text.\n"
)
REDACTED_PARTIAL = (  # the shape of the dev corpus's partial extracts (04DUBLIN1101)
    "Monday, 26 July 2004, 07:22\nC O N F I D E N T I A L DUBLIN 001101 \nSIPDIS \n"
    "EO 12958 DECL: 07/07/2014 \nTAGS EI, PGOV\nSUBJECT: A MEETING\n"
    "Classified By: AMBASSADOR JAMES KENNY PER 1.4 (B) AND (D)\n"
    "\u00b61. (C) XXXXXXXXXXXX met the envoy.\n"
)


def _outcome(text: str, policy: ParsePolicy) -> Cable | TelegramError:
    try:
        return parse(text, policy=policy)
    except TelegramError as e:
        return e


def test_every_code_has_a_kind_and_a_meaning() -> None:
    assert set(DEFECTS) == set(DEFECT_CODES)
    assert all(t.kind in (DefectKind.ERROR, DefectKind.OBSERVATION) and t.meaning for t in DEFECTS.values())
    for code in ("redaction", "inferred-date", "unresolved-reference", "partial-extract", "station-mismatch",
                 "from-source-metadata"):
        assert DEFECTS[code].kind is DefectKind.OBSERVATION, code
    for code in ("bad-dtg", "undated", "unknown-station", "serial-mismatch", "missing-classification-line"):
        assert DEFECTS[code].kind is DefectKind.ERROR, code


def test_policy_is_frozen_and_checks_its_codes() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        STRICT.raise_on_defect = False  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown defect code"):
        ParsePolicy(raise_on=frozenset({"no-such-code"}))
    variant = STRICT.clone(raise_on=frozenset({"redaction"}))
    assert variant.raises("redaction") and variant.raises("bad-dtg") and not STRICT.raises("redaction")


def test_an_unknown_code_is_refused_under_python_O() -> None:
    code = ("from cablegram.telegram.defects import DefectLog\n"
            "try:\n    DefectLog().add('no-such-code', 'x')\nexcept ValueError as e:\n    print('refused', e)\n")
    out = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True, timeout=60,
                         check=True)
    assert out.stdout.startswith("refused unknown defect code 'no-such-code'")
    with pytest.raises(ValueError):
        DefectLog(STRICT).add("no-such-code", "x")


@pytest.mark.parametrize("name", POLICIES)
def test_unknown_station_is_three_faults(name: str) -> None:
    policy = POLICIES[name]
    unknown, serials = _outcome(UNKNOWN_STATION, policy), _outcome(SERIAL_MISMATCH, policy)
    if policy is STRICT:
        assert isinstance(unknown, TelegramError) and unknown.defect.code == "unknown-station"
        assert isinstance(serials, TelegramError) and serials.defect.code == "serial-mismatch"
        assert "line 4" in str(unknown)
        return
    assert isinstance(unknown, Cable) and isinstance(serials, Cable)
    assert "unknown-station" in {d.code for d in unknown.defects}
    codes = {d.code for d in serials.defects}
    assert "serial-mismatch" in codes and "unknown-station" not in codes
    assert serials.reference_id == "08MOSCOW2630"  # the DE line's serial


@pytest.mark.parametrize("name", POLICIES)
def test_observations_do_not_stop_strict(name: str) -> None:
    policy = POLICIES[name]
    got = _outcome(REDACTED_PARTIAL, policy)
    lenient = parse(REDACTED_PARTIAL)
    codes = [d.code for d in lenient.defects]
    assert "redaction" in codes and "partial-extract" in codes
    if name == "redaction-only":
        assert isinstance(got, TelegramError) and got.defect.code == "redaction"
    else:
        assert got == lenient


@needs_shared
@pytest.mark.parametrize("name", POLICIES)
def test_each_policy_on_every_dev_cable(name: str) -> None:
    """Under any policy a cable parses as the lenient parse does, or raises the first of its
    defects the policy does not tolerate."""
    policy = POLICIES[name]
    raised = 0
    for record, lenient in dev_parsed():
        first = next((d for d in lenient.defects if policy.raises(d.code)), None)
        got = _outcome(record.text, policy)
        if first is None:
            assert got == lenient, record.source["metadata"]["reference_id"]
        else:
            raised += 1
            assert isinstance(got, TelegramError), record.source["metadata"]["reference_id"]
            assert got.defect == first
    if policy is LENIENT:
        assert raised == 0
    else:
        assert raised > 0
    if policy is STRICT:  # redacted partial extracts with inferred dates are not errors
        quiet = [c for _, c in dev_parsed() if {"redaction", "inferred-date"} <= {d.code for d in c.defects}
                 and not any(STRICT.raises(d.code) for d in c.defects)]
        assert quiet


def test_strict_keyword_is_the_strict_policy() -> None:
    text = SEED_TEXT.read_text() if SEED_TEXT.exists() else SERIAL_MISMATCH
    with pytest.raises(TelegramError) as a:
        parse(text, strict=True)
    with pytest.raises(TelegramError) as b:
        parse(text, policy=STRICT)
    assert a.value.defect == b.value.defect


def test_cli_strict_maps_to_the_strict_policy(tmp_path: Path) -> None:
    quiet = tmp_path / "redacted.txt"
    quiet.write_text(REDACTED_PARTIAL)
    loud = tmp_path / "serials.txt"
    loud.write_text(SERIAL_MISMATCH)
    run = [sys.executable, "-m", "cablegram", "parse", "--strict"]
    ok = subprocess.run([*run, str(quiet)], capture_output=True, text=True, timeout=120, check=False)
    assert ok.returncode == 0, ok.stderr
    assert '"redaction"' in ok.stdout
    bad = subprocess.run([*run, str(loud)], capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode != 0
    assert "serial-mismatch" in bad.stderr and "Traceback" not in bad.stderr
