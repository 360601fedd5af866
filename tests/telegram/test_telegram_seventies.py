"""The 1970s layout (NARA's 1973-79 telegrams): page headers, the distribution block, the drafting
lines, LIMITED OFFICIAL USE, the NNN trailer.

Measured on the three PlusD pages in ../shared and on cables of that layout written for these tests
(`fixtures/seventies/`, modelled on the PlusD pages), and on the dev corpus cables that carry a
distribution block (1990 and the `PTQ`/`TED` copies of the 2000s).
"""

from __future__ import annotations

import pytest

from cablegram.model import Cable, Office, Person
from cablegram.sources import read_path
from cablegram.telegram import parse
from cablegram.telegram.offices import parse_office_block, parse_person
from cablegram.telegram.render import render
from corpus import PLUSD, TESTS, dev_parsed, needs_shared

FIXTURES = TESTS / "fixtures" / "seventies"
needs_plusd = pytest.mark.skipif(not PLUSD.exists(), reason=f"the PlusD pages are absent: {PLUSD}")


def _plusd(name: str) -> Cable:
    (record,) = list(read_path(PLUSD / name))
    return parse(record.text)


def _fixture(name: str) -> Cable:
    return parse((FIXTURES / name).read_text())


# --- the PlusD pages -----------------------------------------------------------------------------

@needs_plusd
def test_plusd_department_cable_gives_origin_office_drafter_approver_and_signer() -> None:
    c = _plusd("1973STATE097844_b.html")
    assert c.reference_id == "73STATE97844"
    assert c.action_office == Office("SPM", 1, origin=True)
    assert [(o.code, o.copies) for o in c.info_offices] == [("OCT", 1), ("EUR", 25), ("ADP", 0), ("RSC", 1)]
    assert c.drafted_by == Person("PPCLAXTON, JR.", "S/PM", "S/ PM: PPCLAXTON, JR. 05/22/73 EXT 23262")
    assert c.approved_by == Person("DWLOVING", "EUR/WE", "EUR/ WE: DWLOVING")
    assert c.clearances == () and c.desired_distribution is None
    assert c.signers == ("PORTER",)  # glued to the last sentence; the NMAFVVZCZ debris is no signer
    assert c.paragraphs[-1].text.endswith("WITH MINISTER FOREIGN AFFAIRS.")
    assert c.references == ()
    assert c.precedence == "PRIORITY" and c.from_ == "SECSTATE WASHDC"
    assert [a.name for a in c.to] == ["AMEMBASSY LUXEMBOURG"] and [a.name for a in c.info] == ["AMEMBASSY ROME"]


@needs_plusd
@pytest.mark.parametrize(("page", "info_count", "refs"), [
    ("1974ATHENS02959_b.html", 14, [(None, "STATE -097844")]),
    ("1974ATHENS03099_b.html", 18, [("A", "STATE 97844"), ("B", "ATHENS 2959")]),
])
def test_plusd_embassy_cables_give_action_office_info_offices_references_and_signer(
        page: str, info_count: int, refs: list[tuple[str | None, str]]) -> None:
    c = _plusd(page)
    assert c.action_office == Office("EUR", 25)
    assert len(c.info_offices) == info_count
    assert c.info_offices[:3] == (Office("OCT", 1), Office("EA", 11), Office("ISO", 0))
    assert c.info_offices[-1] == Office("NEA", 14)
    assert c.drafted_by is None and c.approved_by is None and c.clearances == ()
    assert c.signers == ("TASCA",)
    assert [(r.label, r.text) for r in c.references] == refs
    assert c.tags == ("PINS", "GR")
    assert "NNN" not in " ".join(p.text for p in c.paragraphs)


@needs_plusd
def test_plusd_reference_ids_resolve_in_the_cable_year() -> None:
    c = _plusd("1974ATHENS03099_b.html")
    assert [r.reference_id for r in c.references] == ["74STATE97844", "74ATHENS2959"]


@needs_plusd
def test_limited_official_use_is_kept_as_the_label_and_as_the_first_caveat() -> None:
    lou = _plusd("1974ATHENS02959_b.html")
    assert lou.classification == "UNCLASSIFIED"  # its access rank
    assert lou.classification_label == "LIMITED OFFICIAL USE"
    assert lou.caveats[:1] == ("LIMITED OFFICIAL USE",)
    assert _plusd("1974ATHENS03099_b.html").classification_label == "CONFIDENTIAL"


@needs_plusd
@pytest.mark.parametrize("page", ["1973STATE097844_b.html", "1974ATHENS02959_b.html", "1974ATHENS03099_b.html"])
def test_plusd_pages_round_trip_with_their_new_fields(page: str) -> None:
    c = _plusd(page)
    again = parse(render(c))
    assert again.telegram_dict() == c.telegram_dict()
    assert again.action_office == c.action_office and again.drafted_by == c.drafted_by


# --- cables of that layout written for these tests ----------------------------------------------------

def test_department_cable_with_clearances_desired_distribution_and_a_second_page() -> None:
    c = _fixture("1974STATE051234.txt")
    assert c.reference_id == "74STATE51234" and c.created == "1974-03-12T15:30:00Z"
    assert c.precedence == "IMMEDIATE"  # `O R 121530Z MAR 74`: the action addressees' precedence
    assert c.classification_label == "LIMITED OFFICIAL USE"
    assert c.action_office == Office("EUR", 12, origin=True)
    assert [o.code for o in c.info_offices] == ["OCT", "ISO", "SS", "NSC", "SP", "L", "H", "PM", "INR"]
    assert c.drafted_by == Person("JWHOLMES", "EUR/RPM", "EUR/ RPM: JWHOLMES: LK 03/11/74 EXT 21334")
    assert c.approved_by == Person("AAHARTMAN", "EUR", "EUR: AAHARTMAN")
    assert [(p.office, p.name) for p in c.clearances] == [("EUR/WE", "RMCGUIRE"), ("S/S", "MR. GAMMON")]
    assert c.desired_distribution == "7D ACTION EUR CHANGES"
    assert c.eo is not None and (c.eo.order, c.eo.text) == ("11652", "XGDS-1")
    assert c.tags == ("PFOR", "NATO", "FR", "GW")
    assert [r.reference_id for r in c.references] == ["74PARIS6123", "74BONN3987"]
    # `PAGE 02 STATE 051234` (no time on the Department's pages) is no part of the text
    assert [p.number for p in c.paragraphs] == [1, 2, 3]
    assert not any("PAGE" in p.text for p in c.paragraphs)
    assert c.signers == ("KISSINGER",)
    assert [a.name for a in c.to] == ["AMEMBASSY PARIS", "AMEMBASSY BONN"]


def test_incoming_cable_with_sections_exdis_summary_and_comment() -> None:
    c = _fixture("1975MOSCOW03456.txt")
    assert c.reference_id == "75MOSCOW3456" and c.classification == "SECRET" and c.caveats == ("EXDIS",)
    assert c.action_office == Office("EUR", 12) and len(c.info_offices) == 11
    assert c.drafted_by is None
    assert c.sections == 2
    assert c.summary and c.summary.startswith("GROMYKO TOLD AMBASSADOR")
    assert c.comment and c.comment.endswith("SOVIET POSITION.")
    assert c.signers == ("STOESSEL",)
    assert [r.reference_id for r in c.references] == ["75STATE48211", "75MOSCOW3310"]


def test_labelled_clearances_the_secretary_as_approver_and_the_bt_trailer() -> None:
    c = _fixture("1976STATE210987.txt")
    assert c.drafted_by == Person("FMDICKMAN", "NEA/ARP", "NEA/ ARP: FMDICKMAN: CEJ")
    assert c.approved_by == Person("THE SECRETARY", None, "THE SECRETARY")
    assert [(p.office, p.name) for p in c.clearances] == [
        ("NEA", "ALATHERTON"), ("S/S-O", "RELTZ"), ("L/NEA", "SMSCHWEBEL")]
    assert c.signers == ("ROBINSON",)
    assert c.paragraphs[-1].text.endswith("END TEXT.")


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.txt")))
def test_written_cables_round_trip(name: str) -> None:
    c = _fixture(name)
    assert parse(render(c)).telegram_dict() == c.telegram_dict()
    assert Cable.from_dict(c.to_dict()) == c


def test_render_writes_the_block_before_the_date_time_group() -> None:
    lines = render(_fixture("1976STATE210987.txt")).splitlines()
    assert lines[:8] == [
        "ORIGIN NEA-10",
        "INFO  OCT-01  ISO-00  SS-15",
        "DRAFTED BY NEA/ ARP: FMDICKMAN: CEJ",
        "APPROVED BY THE SECRETARY",
        "CLEARANCES:",
        "NEA: ALATHERTON",
        "S/ S- O: RELTZ",
        "L/ NEA: SMSCHWEBEL",
    ]
    assert lines[8].startswith("---") and lines[9] == "R 241910Z AUG 76"


def test_a_record_built_in_code_renders_its_people_from_name_and_office() -> None:
    c = Cable(reference_id="76STATE1", from_="SECSTATE WASHDC", drafted_by=Person("JSMITH", "EUR/WE"),
              clearances=(Person("THE DEPUTY SECRETARY"),), action_office=Office("EUR", 3, origin=True))
    again = parse(render(c))
    assert again.drafted_by == Person("JSMITH", "EUR/WE", "EUR/WE: JSMITH")
    assert again.clearances == (Person("THE DEPUTY SECRETARY", None, "THE DEPUTY SECRETARY"),)
    assert again.action_office == Office("EUR", 3, origin=True)


# --- single shapes -----------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "name", "office"), [
    ("S/ PM: PPCLAXTON,  JR.", "PPCLAXTON, JR.", "S/PM"),
    ("NEA/ARP:FMDICKMAN:CEJ", "FMDICKMAN", "NEA/ARP"),
    ("DRL/AWH:O'SULLIVANSX -- 03/27/2009  202-647-8271", "O'SULLIVANSX", "DRL/AWH"),
    ("EUR/ RPM: JWHOLMES: LK 03/11/74 EXT 21334", "JWHOLMES", "EUR/RPM"),
    ("S/S: MR. GAMMON", "MR. GAMMON", "S/S"),
    ("D(S):PPARK", "PPARK", "D(S)"),
    ("THE SECRETARY", "THE SECRETARY", None),
])
def test_person_entries(text: str, name: str, office: str | None) -> None:
    p = parse_person(text)
    assert p is not None and (p.name, p.office) == (name, office)


def test_the_block_stops_at_the_date_time_group_and_ignores_address_info_lines() -> None:
    lines = list(enumerate([
        "ACTION AF-00", "", "INFO  LOG-00   ADS-00   INR-05", "      P-02     T-01     /037 W",
        "                    ------------------352654  200910Z /23", "R 171512Z JAN 90",
        "FM AMCONSUL CAPE TOWN", "TO SECSTATE WASHDC 5365", "INFO AMEMBASSY PRETORIA",
        "DRAFTED BY NOBODY",
    ], 1))
    block = parse_office_block(lines)
    assert block.action == Office("AF", 0)
    assert [o.code for o in block.info] == ["LOG", "ADS", "INR", "P", "T"]
    assert block.drafted_by is None


def test_a_block_repeated_inside_the_text_is_found_when_the_header_has_none() -> None:
    text = "\n".join([
        "R 031203Z JUL 01", "FM AMEMBASSY VATICAN", "TO SECSTATE WASHDC", "",
        "C O N F I D E N T I A L SECTION 01 OF 02 VATICAN 003507", "", "SUBJECT: TEST", "",
        "1. (C) FIRST SECTION TEXT.",
        " CONFIDENTIAL PTQ8384",
        "PAGE 01 VATICA 03507 02 OF 02 031715Z ACTION ECA-00",
        "INFO LOG-00 NP-00 AMAD-00  DRL-02  SAS-00 /002W  ------------------00B3A7 031716Z /38 O 031203Z JUL 01",
        "2. (C) SECOND SECTION TEXT.",
    ])
    c = parse(text)
    assert c.action_office == Office("ECA", 0)
    assert [(o.code, o.copies) for o in c.info_offices] == [("LOG", 0), ("NP", 0), ("AMAD", 0), ("DRL", 2), ("SAS", 0)]
    again = parse(render(c))
    assert (again.action_office, again.info_offices) == (c.action_office, c.info_offices)


def test_an_info_line_of_addressees_is_no_office_list() -> None:
    block = parse_office_block([(1, "INFO AMEMBASSY LONDON"), (2, "AMEMBASSY PARIS")])
    assert block.info == [] and block.action is None


# --- the dev corpus ----------------------------------------------------------------------------------

@needs_shared
@pytest.mark.slow
def test_dev_cables_with_a_distribution_block_get_their_offices_and_people() -> None:
    by_id = {c.reference_id: c for _, c in dev_parsed()}
    cape_town = by_id["90CAPETOWN97"]
    assert cape_town.action_office == Office("AF", 0) and len(cape_town.info_offices) == 23
    assert cape_town.info_offices[-1] == Office("T", 1)
    state = by_id["09STATE29700"]
    assert state.action_office == Office("DRL", 0, origin=True)
    assert state.drafted_by is not None
    assert (state.drafted_by.office, state.drafted_by.name) == ("DRL/AWH", "O'SULLIVANSX")
    assert state.approved_by is not None and state.approved_by.name == "O'SULLIVANSX"
    assert [p.office for p in state.clearances] == [
        "EAP/CM", "DRL/IRF", "P", "G", "D(S)", "D(L", "IO/RHS", "EUR", "SP"]
    with_action = sorted(c.reference_id for _, c in dev_parsed() if c.action_office)
    assert with_action == sorted([
        "90CAPETOWN97", "00HARARE5461", "05GABORONE411", "08STATE116943", "09STATE29700",
        "09MADRID673", "09ISLAMABAD2295", "09STATE118094",
        # the block only where a later section starts, inside the text
        "01VATICAN3507", "01VATICAN5693", "02ROME3639", "03ROME2045"])
    assert by_id["01VATICAN3507"].action_office == Office("ECA", 0)
    assert [o.code for o in by_id["01VATICAN3507"].info_offices][-3:] == ["DSCC", "DRL", "SAS"]
    # text cut before its ACTION line still gives the INFO offices; body text never makes a drafter
    assert sum(1 for _, c in dev_parsed() if c.info_offices) == 45
    assert [c.reference_id for _, c in dev_parsed() if c.drafted_by] == ["09STATE29700"]
    assert not [c.reference_id for _, c in dev_parsed() if "NNN" in c.signers]


def test_parse_text_format_shows_the_block_in_one_line() -> None:
    from cablegram.commands.parse import summary

    lines = summary(_fixture("1976STATE210987.txt")).splitlines()
    assert lines[3] == ("  ORIGIN NEA · INFO 3 offices · DRAFTED BY NEA/ARP: FMDICKMAN · APPROVED BY THE SECRETARY"
                        " · 3 clearances")
    assert not any("ORIGIN" in line or "ACTION" in line for line in summary(Cable(reference_id="x")).splitlines())
