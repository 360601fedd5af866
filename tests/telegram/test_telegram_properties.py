"""Properties: the lenient parser never raises; render and parse invert each other."""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cablegram.model import EO, Address, Cable, ClassifiedBy, Header, Origin, Paragraph, Reference
from cablegram.telegram import parse
from cablegram.telegram.dtg import filing_time, format_dtg
from cablegram.telegram.render import render

TELEGRAM_LINES = [
    "VZCZCXRO3984", "PP RUEHIK RUEHLN", "DE RUEHMO #2629/01 2470646", "ZNR UUUUU ZZH", "P 030646Z SEP 08",
    "FM AMEMBASSY MOSCOW", "TO RUEHC/SECSTATE WASHDC PRIORITY 9806", "INFO RUCNCIS/CIS COLLECTIVE",
    "UNCLAS SECTION 01 OF 02 MOSCOW 002629", "C O N F I D E N T I A L TEL AVIV 006669", "SENSITIVE", "SIPDIS",
    "E.O. 12958: DECL: 07/01/2034", "TAGS: [PGOV](#) PREL", "SUBJECT: (C) A TEST", "REF: A. 05 MOSCOW 14734 B. X",
    "Classified By: Ambassador John Beyrle, Reasons 1.4 (b) and (d)", "11. (SBU) Summary: text. End summary.",
    "¶2. (C//NF) More.", "MOSCOW 00002629 002 OF 002", "PAGE 02 ROME 03639 01 OF 03 231626Z", "id: 12",
    "header:", "----------------- header ends ----------------", "XMT AMCONSUL JERUSALEM", "BEYRLE", "", "-----",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_lenient_parse_never_raises_on_arbitrary_text(text: str) -> None:
    cable = parse(text)
    assert isinstance(cable, Cable)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TELEGRAM_LINES), st.text(max_size=80)), max_size=60))
def test_lenient_parse_never_raises_on_shuffled_telegram_lines(lines: list[str]) -> None:
    cable = parse("\n".join(lines))
    assert isinstance(cable, Cable)
    assert isinstance(parse(render(cable)), Cable)


STATIONS = [("MOSCOW", "AMEMBASSY MOSCOW", "RUEHMO"), ("TEL AVIV", "AMEMBASSY TEL AVIV", "RUEHTV"),
            ("STATE", "SECSTATE WASHDC", "RUEHC"), ("SAO PAULO", "AMCONSUL SAO PAULO", "RUEHSO"),
            ("BUENOS AIRES", "AMEMBASSY BUENOS AIRES", "RUEHBU")]
WORDS = st.sampled_from(
    "the minister said that talks on trade and energy would resume soon after a long pause".split()
)
MARKS = st.sampled_from(["U", "SBU", "C", "S", "C//NF", "S//NF"])
TAGS = st.lists(st.sampled_from(["PGOV", "PREL", "ECON", "RS", "IS", "BR", "KNNP", "PHUM"]), min_size=1,
                max_size=5, unique=True)


def sentence(words: list[str]) -> str:
    return " ".join(words).capitalize() + "."


@st.composite
def cables(draw: st.DrawFn) -> Cable:
    station, name, ri = draw(st.sampled_from(STATIONS))
    when = draw(st.datetimes(min_value=datetime(1996, 1, 1), max_value=datetime(2010, 12, 31))).replace(
        second=0, microsecond=0)
    serial = draw(st.integers(1, 99999))
    classification = draw(st.sampled_from(["UNCLASSIFIED", "CONFIDENTIAL", "SECRET"]))
    caveats = tuple(draw(st.lists(st.sampled_from(["SENSITIVE", "SIPDIS", "NOFORN", "EXDIS"]), unique=True)))
    n = draw(st.integers(1, 8))
    paragraphs = tuple(
        Paragraph(i + 1, draw(MARKS), draw(st.one_of(st.none(), st.just("Talks Resume"))),
                  " ".join(sentence(draw(st.lists(WORDS, min_size=3, max_size=12)))
                           for _ in range(draw(st.integers(1, 4)))))
        for i in range(n)
    )
    refs = tuple(Reference(chr(65 + i), f"{when.year % 100:02d} MOSCOW {k}", f"{when.year % 100:02d}MOSCOW{k}")
                 for i, k in enumerate(draw(st.lists(st.integers(1, 9999), max_size=3))))
    dtg = format_dtg(when)
    decl = f"{when.month:02d}/{when.day:02d}/{when.year + 10}" if when.day <= 28 else None
    return Cable(
        reference_id=f"{when.year % 100:02d}{station.replace(' ', '')}{serial}",
        created=when.strftime("%Y-%m-%dT%H:%M:00Z"),
        classification=classification,
        caveats=caveats,
        origin=Origin(station, name, None, ri),
        precedence="PRIORITY",
        header=Header(None, None, (), ri, serial % 10000, None, filing_time(when), None, dtg),
        from_=name,
        to=(Address("SECSTATE WASHDC", "RUEHC", "PRIORITY", draw(st.integers(1, 9999))),),
        sections=draw(st.integers(1, 3)),
        eo=EO("12958", None, f"DECL: {decl}") if decl and classification != "UNCLASSIFIED" else None,
        classified_by=ClassifiedBy(text="Ambassador John Smith, Reasons 1.4 (b) and (d)")
        if classification != "UNCLASSIFIED" else None,
        tags=tuple(draw(TAGS)),
        subject=" ".join(draw(st.lists(WORDS, min_size=2, max_size=10))).upper(),
        serial=serial,
        references=refs,
        paragraphs=paragraphs,
        signers=("SMITH",),
    )


@settings(max_examples=200, deadline=None)
@given(cables())
def test_render_then_parse_gives_back_the_generated_cable(cable: Cable) -> None:
    got = parse(render(cable))
    assert got.reference_id == cable.reference_id
    assert got.created == cable.created
    assert got.classification == cable.classification
    assert got.caveats == cable.caveats
    assert got.from_ == cable.from_ and got.to == cable.to
    assert got.header.dtg == cable.header.dtg and got.header.originator == cable.header.originator
    assert got.sections == cable.sections
    assert got.tags == cable.tags and got.subject == cable.subject
    assert [(r.label, r.reference_id) for r in got.references] == [(r.label, r.reference_id) for r in cable.references]
    assert [(p.number, p.marking, p.heading, p.text) for p in got.paragraphs] == [
        (p.number, p.marking, p.heading, p.text) for p in cable.paragraphs]
    assert got.signers == cable.signers
    if cable.eo:
        assert got.eo is not None and got.eo.declassify_on is not None
    assert parse(render(got)).telegram_dict() == got.telegram_dict()
