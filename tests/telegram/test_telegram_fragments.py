"""The parser on fragments and on the irregularities real cables carry (a line or two each)."""

from __future__ import annotations

from cablegram.telegram import parse
from cablegram.telegram.dtg import filing_time, format_dtg, parse_decl_date, parse_dtg
from cablegram.telegram.references import parse_references


def codes(text: str) -> set[str]:
    return {d.code for d in parse(text).defects}


def test_ref_line_alone_resolves_with_default_year() -> None:
    refs = parse_references("A. 05 MOSCOW 14734 B. MOSCOW 1082", 2008)
    assert [(r.label, r.text, r.reference_id) for r in refs] == [
        ("A", "05 MOSCOW 14734", "05MOSCOW14734"),
        ("B", "MOSCOW 1082", "08MOSCOW1082"),
    ]


def test_fragment_ref_uses_default_year() -> None:
    cable = parse("REF: MOSCOW 2618", default_year=2008)
    assert [r.reference_id for r in cable.references] == ["08MOSCOW2618"]


def test_ref_that_names_no_telegram_keeps_text_without_id() -> None:
    refs = parse_references("A) TRIPOLI 142, B) GRAY-CDA STEVENS EMAIL 3/02/08, C) TRIPOLI 93", 2008)
    assert [r.reference_id for r in refs] == ["08TRIPOLI142", None, "08TRIPOLI93"]
    assert refs[1].text == "GRAY-CDA STEVENS EMAIL 3/02/08"


def test_ref_short_forms_of_stations() -> None:
    refs = parse_references("SECSTATE 188288; 08 USUN 1126", 2005)
    assert [r.reference_id for r in refs] == ["05STATE188288", "08USUNNEWYORK1126"]


def test_ref_with_spaced_station_names_and_semicolons() -> None:
    refs = parse_references("QUITO 704; TEL AVIV 1234; BUENOS AIRES 2481", 2009)
    assert [r.reference_id for r in refs] == ["09QUITO704", "09TELAVIV1234", "09BUENOSAIRES2481"]


def test_dtg_and_filing_time() -> None:
    when = parse_dtg("030646Z SEP 08")
    assert when is not None and when.isoformat() == "2008-09-03T06:46:00"
    assert format_dtg(when) == "030646Z SEP 08"
    assert filing_time(when) == "2470646"
    assert parse_dtg("320646Z SEP 08") is None


def test_declassification_dates_in_every_spelling() -> None:
    assert str(parse_decl_date("DECL: 07/01/2034")) == "2034-07-01"
    assert str(parse_decl_date("DECL: 09/21/10")) == "2010-09-21"
    assert str(parse_decl_date("DECL: 2029/10/16")) == "2029-10-16"
    assert parse_decl_date("DECL: OADR") is None


HEADERLESS = """C O N F I D E N T I A L SECTION 01 OF 02 TEL AVIV 006669

SIPDIS

E.O. 12958: DECL: 11/28/2015
TAGS: PGOV PREL ECON KWBG IS
SUBJECT: (C) ISA CHIEF DISKIN VIEWS RAFAH
AS TEST CASE
Classified By: CHARGE GENE A. CRETZ, reasons 1.4 (b) and (d).

1. (C) Summary: Diskin said things. End summary.

2. (C) More.
"""


def test_partial_extract_spaced_classification_two_line_subject_and_inferred_date() -> None:
    cable = parse(HEADERLESS)
    assert cable.classification == "CONFIDENTIAL"
    assert cable.sections == 2
    assert cable.subject == "ISA CHIEF DISKIN VIEWS RAFAH AS TEST CASE"
    assert cable.subject_marking == "C"
    assert cable.reference_id == "05TELAVIV6669"
    assert cable.created is not None and cable.created.startswith("2005-11-28")
    assert cable.origin.label == "Embassy Tel Aviv"
    assert cable.eo is not None and cable.eo.declassify_on == "2015-11-28"
    assert cable.classified_by is not None and cable.classified_by.names == ("GENE A. CRETZ",)
    assert cable.classified_by.reasons == ("1.4(b)", "1.4(d)")
    assert cable.summary == "Diskin said things."
    assert {"partial-extract", "inferred-date"} <= codes(HEADERLESS)


def test_reflowed_eo_and_tags_on_one_line() -> None:
    text = "UNCLAS SECTION 01 OF 03 BRASILIA 001152\n\nE.O. 12958: DECL: 04/29/2015 TAGS: PARM PREL BR\n\n" \
           "SUBJECT: A MEETING\n\n1. (U) Text.\n"
    cable = parse(text)
    assert cable.eo is not None and cable.eo.declassify_on == "2015-04-29"
    assert cable.tags == ("PARM", "PREL", "BR")
    assert "reflowed-line" in codes(text)


def test_markdown_link_artefacts_and_mangled_pilcrows() -> None:
    text = "UNCLAS MOSCOW 002629\n\nTAGS: [PGOV](#) [RS](#)\nSUBJECT: X\n\n11. (U) One.\n\n12. (U) Two.\n"
    cable = parse(text, default_year=2008)
    assert cable.tags == ("PGOV", "RS")
    assert [p.number for p in cable.paragraphs] == [1, 2]
    assert {"link-artefact", "mangled-pilcrow"} <= codes(text)


def test_xmt_exclusions_join_the_collective_they_follow() -> None:
    text = ("R 011200Z JAN 09\nFM SECSTATE WASHDC\nTO ALL DIPLOMATIC AND CONSULAR POSTS COLLECTIVE\n"
            "XMT AMCONSUL JERUSALEM\n\nUNCLAS STATE 000001\n\nSUBJECT: X\n\n1. (U) Text.\n")
    cable = parse(text)
    assert cable.to[0].excluded == ("AMCONSUL JERUSALEM",)
    assert cable.reference_id == "09STATE1"
    assert cable.origin.label == "Secretary of State"
    assert cable.precedence == "ROUTINE"


def test_redactions_are_recorded() -> None:
    text = "UNCLAS MOSCOW 000001\n\nSUBJECT: X\n\n1. (U) XXXXXXXXXXXX met us.\n"
    assert "redaction" in codes(text)


def test_header_alone() -> None:
    cable = parse("P 030646Z SEP 08\nFM AMEMBASSY MOSCOW\nTO RUEHC/SECSTATE WASHDC PRIORITY 9806\n")
    assert cable.created == "2008-09-03T06:46:00Z"
    assert cable.to[0].routing_indicator == "RUEHC" and cable.to[0].serial == 9806
    assert cable.origin.label == "Embassy Moscow"


def test_lowercased_cable_still_reads() -> None:
    text = ("R 021258Z JAN 08\nFM AMEMBASSY BAGHDAD\nTO SECSTATE WASHDC 9118\n\nS e c r e t baghdad 000028\n\n"
            "Sipdis\n\nE.o. 12958: decl: 07/01/2034\nTags: mtcre, parm, prel\nSubject: a test\n\n1. (S) Text.\n")
    cable = parse(text)
    assert cable.classification == "SECRET"
    assert cable.caveats == ("SIPDIS",)
    assert cable.tags == ("MTCRE", "PARM", "PREL")


def test_empty_text_is_a_defect_not_an_error() -> None:
    assert [d.code for d in parse("").defects] == ["empty"]
