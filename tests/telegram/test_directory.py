"""cablegram.directory: lookups on concrete examples, and agreement with the dev corpus."""

from __future__ import annotations

import gzip
import html
import json
import re
from collections import Counter
from functools import cache

import pytest

from cablegram.directory import (
    CAVEATS,
    CLASSIFICATIONS,
    classification_label,
    classification_rank,
    collective_members,
    coordinates,
    indicator_for_name,
    is_collective,
    is_known_tag,
    known_stations,
    label_for_station,
    match_station,
    origin_label,
    search_tags,
    station_from_name,
    station_key,
    station_name,
    tag_kind,
    tag_meaning,
)
from corpus import DEV as CORPUS
from corpus import SHARED  # noqa: F401


@pytest.mark.parametrize(
    ("indicator", "name"),
    [
        ("RUEHMO", "AMEMBASSY MOSCOW"),
        ("RUEHC", "SECSTATE WASHDC"),
        ("RUEHLM", "AMEMBASSY COLOMBO"),
        ("RUEHPL", "AMEMBASSY PORT LOUIS"),
        ("RUEHPO", "AMEMBASSY PARAMARIBO"),
        ("RUEHQT", "AMEMBASSY QUITO"),
        ("RUEHME", "AMEMBASSY MEXICO"),
        ("RUEHDIR", "IRAN RPO DUBAI"),
        ("ruehmo", "AMEMBASSY MOSCOW"),
    ],
)
def test_station_name(indicator: str, name: str) -> None:
    assert station_name(indicator) == name


def test_station_name_unknown() -> None:
    assert station_name("RUEHXXXX") is None


@pytest.mark.parametrize(
    ("name", "indicator"),
    [
        ("AMEMBASSY MOSCOW", "RUEHMO"),
        ("SECSTATE WASHDC", "RUEHC"),
        ("  secstate   washdc ", "RUEHC"),
        ("AMEMBASY MOSCOW", "RUEHMO"),
        ("AMEMBASSY PARAMARIBO", "RUEHPO"),
        ("USEU BRUSSELS", "RUEHBS"),
        ("USMISSION USUN NEW YORK", "RUCNDT"),
        ("AMCONSUL CALCUTTA", "RUEHCI"),
        ("NOBODY AT ALL", None),
    ],
)
def test_indicator_for_name(name: str, indicator: str | None) -> None:
    assert indicator_for_name(name) == indicator


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("AMEMBASSY MOSCOW", "Embassy Moscow"),
        ("AMEMBASSY PORT AU PRINCE", "Embassy Port Au Prince"),
        ("AMEMBASSY DAR ES SALAAM", "Embassy Dar Es Salaam"),
        ("AMCONSUL RIO DE JANEIRO", "Consulate Rio De Janeiro"),
        ("AMCONSUL JEDDAH", "Consulate Jeddah"),
        ("AMCONSUL CALCUTTA", "Consulate Kolkata"),
        ("AMEMBASSY KIEV", "Embassy Kyiv"),
        ("SECSTATE WASHDC", "Secretary of State"),
        ("USMISSION GENEVA", "US Mission Geneva"),
        ("USMISSION USUN NEW YORK", "USUN New York"),
        ("USUN NEW YORK", "USUN New York"),
        ("USMISSION USNATO", "Mission USNATO"),
        ("USMISSION UNVIE VIENNA", "UNVIE"),
        ("UNVIE VIENNA", "UNVIE"),
        ("USEU BRUSSELS", "USEU Brussels"),
        ("USMISSION USEU BRUSSELS", "USEU Brussels"),
        ("AIT TAIPEI", "American Institute Taiwan, Taipei"),
        ("USINT HAVANA", "US Interests Section Havana"),
        ("REO BASRAH", "REO Basrah"),
        ("IRAN RPO DUBAI", "Iran RPO Dubai"),
        ("RPO DUBAI", "Iran RPO Dubai"),
        ("USDEL SECRETARY//MEXICO//", "US Delegation, Secretary"),
        ("AMEMBASY LIMA", "Embassy Lima"),
        ("AM EMBASSY LIMA", "Embassy Lima"),
        ("AMEMBASSY MEXICO", "Embassy Mexico"),
        ("AMEMBASSY MEXICO CITY", "Embassy Mexico"),
        ("USLO TRIPOLI", "Embassy Tripoli"),
        ("DIA WASHDC", None),
    ],
)
def test_origin_label(name: str, label: str | None) -> None:
    assert origin_label(name) == label


@pytest.mark.parametrize(
    ("station", "label"),
    [
        ("MOSCOW", "Embassy Moscow"),
        ("TEL AVIV", "Embassy Tel Aviv"),
        ("TELAVIV", "Embassy Tel Aviv"),
        ("STATE", "Secretary of State"),
        ("SECSTATE", "Secretary of State"),
        ("USUN NEW YORK", "USUN New York"),
        ("USUNNEWYORK", "USUN New York"),
        ("USNATO", "Mission USNATO"),
        ("UNVIE VIENNA", "UNVIE"),
        ("UNVIEVIENNA", "UNVIE"),
        ("USEU BRUSSELS", "USEU Brussels"),
        ("GENEVA", "US Mission Geneva"),
        ("SAO PAULO", "Consulate Sao Paulo"),
        ("JEDDAH", "Consulate Jeddah"),
        ("TAIPEI", "American Institute Taiwan, Taipei"),
        ("HAVANA", "US Interests Section Havana"),
        ("BASRAH", "REO Basrah"),
        ("RPODUBAI", "Iran RPO Dubai"),
        ("SECDEF", "Secretary of Defense"),
        ("KIEV", "Embassy Kyiv"),
        ("LAGOS", "Consulate Lagos"),
        ("EFTOLONDON", "Embassy London"),
        ("SECTION01OF02MANAMA", "Embassy Manama"),
        ("THEHAGE", "Embassy The Hague"),
        ("NOWHEREVILLE", None),
    ],
)
def test_label_for_station(station: str, label: str | None) -> None:
    assert label_for_station(station) == label


def test_label_for_station_brussels_by_year() -> None:
    assert label_for_station("BRUSSELS") == "Embassy Brussels"
    assert label_for_station("BRUSSELS", year=2005) == "Embassy Brussels"
    assert label_for_station("BRUSSELS", year=2009) == "USEU Brussels"


def test_station_key() -> None:
    assert station_key("TEL AVIV") == "TELAVIV"
    assert station_key("Port-au-Prince") == "PORTAUPRINCE"


@pytest.mark.parametrize(
    ("name", "station"),
    [
        ("AMEMBASSY MOSCOW", "MOSCOW"),
        ("SECSTATE WASHDC", "STATE"),
        ("USMISSION USUN NEW YORK", "USUNNEWYORK"),
        ("USMISSION GENEVA", "GENEVA"),
        ("USEU BRUSSELS", "BRUSSELS"),
        ("USMISSION USNATO", "USNATO"),
        ("UNVIE VIENNA", "UNVIEVIENNA"),
        ("AIT TAIPEI", "AITTAIPEI"),
        ("USINT HAVANA", "HAVANA"),
        ("IRAN RPO DUBAI", "RPODUBAI"),
        ("REO BASRAH", "BASRAH"),
        ("AMEMBASSY TEL AVIV", "TELAVIV"),
        ("AMEMBASSY MEXICO CITY", "MEXICO"),
        ("DIA WASHDC", None),
    ],
)
def test_station_from_name(name: str, station: str | None) -> None:
    assert station_from_name(name) == station


def test_known_stations() -> None:
    stations = known_stations()
    assert {"MOSCOW", "TELAVIV", "STATE", "USUNNEWYORK", "BUENOSAIRES"} <= stations
    assert len(stations) > 300
    assert all(re.fullmatch(r"[A-Z]+", s) for s in stations)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TEL AVIV 1234 AND 56", ("TELAVIV", 8)),
        ("BUENOS AIRES 2481", ("BUENOSAIRES", 12)),
        ("MOSCOW 2618", ("MOSCOW", 6)),
        ("STATE 106206", ("STATE", 5)),
        ("SECSTATE 106206", ("STATE", 8)),
        ("USUN NEW YORK 55", ("USUNNEWYORK", 13)),
        ("TELAVIV 1", ("TELAVIV", 7)),
        ("HO CHI MINH CITY 3", ("HOCHIMINHCITY", 16)),
        ("MOSCOWS 1", None),
        ("THE 1", None),
        ("", None),
    ],
)
def test_match_station(text: str, expected: tuple[str, int] | None) -> None:
    assert match_station(text) == expected


def test_tags() -> None:
    assert tag_meaning("PGOV") == "Internal Governmental Affairs"
    assert tag_meaning("PREL") == "External Political Relations"
    assert tag_meaning("RS") == "Russia"
    assert tag_meaning("UK") == "United Kingdom"
    assert tag_kind("PGOV") == "subject"
    assert tag_kind("KDEM") == "program"
    assert tag_kind("NATO") == "organization"
    assert tag_kind("IZ") == "country"
    assert tag_kind("NOPE") is None and tag_meaning("NOPE") is None
    assert is_known_tag("knnp") and not is_known_tag("QQQQ")
    assert search_tags("internal governmental affairs") == ["PGOV"]
    assert "KNNP" in search_tags("nuclear nonproliferation")
    assert search_tags("") == []


def test_classification() -> None:
    assert CLASSIFICATIONS == ("UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET")
    assert [classification_rank(c) for c in CLASSIFICATIONS] == [0, 1, 2, 3]
    assert classification_rank("UNCLAS") == 0
    assert classification_rank("S E C R E T") == 2
    with pytest.raises(ValueError):
        classification_rank("PUBLIC")
    assert {"SENSITIVE", "SBU", "SIPDIS", "NOFORN", "EXDIS", "NODIS", "ORCON"} <= set(CAVEATS)
    sbu = "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    assert classification_label("UNCLASSIFIED", ["SENSITIVE"]) == sbu
    assert classification_label("UNCLAS", ["SBU", "SIPDIS"]) == sbu
    assert classification_label("UNCLASSIFIED", ["NOFORN"]) == "UNCLASSIFIED"
    assert classification_label("CONFIDENTIAL", ["NOFORN"]) == "CONFIDENTIAL//NOFORN"
    assert classification_label("SECRET", ["SIPDIS", "NOFORN"]) == "SECRET//NOFORN"
    assert classification_label("SECRET", ["SIPDIS"]) == "SECRET"
    assert classification_label("CONFIDENTIAL", ["SENSITIVE"]) == "CONFIDENTIAL"
    assert classification_label("TOP SECRET", []) == "TOP SECRET"


def test_coordinates() -> None:
    lat, lon = coordinates("MOSCOW") or (0.0, 0.0)
    assert 55 < lat < 56 and 37 < lon < 38
    assert coordinates("Embassy Moscow") == coordinates("MOSCOW")
    assert coordinates("TEL AVIV") == coordinates("TELAVIV")
    assert coordinates("Secretary of State") == coordinates("WASHDC")
    assert coordinates("nowhere at all") is None


def test_collectives() -> None:
    assert is_collective("NATO EU COLLECTIVE") and is_collective("cis  collective")
    assert not is_collective("AMEMBASSY MOSCOW")
    assert "AMEMBASSY MOSCOW" in collective_members("CIS COLLECTIVE")
    assert "AMCONSUL TIJUANA" in collective_members("ALL US CONSULATES IN MEXICO COLLECTIVE")
    assert collective_members("NATO EU COLLECTIVE")
    assert collective_members("EUROPEAN POLITICAL COLLECTIVE")
    assert collective_members("SOME OTHER COLLECTIVE") == ()


# --- the dev corpus ---------------------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_FM = re.compile(r"^FM (.+?)\s*$", re.M)
_TAGS = re.compile(r"TAGS:?\s*([^\n]*)")


def _text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment.replace("&#x000A;", "\n")))


@cache
def _corpus() -> tuple[dict[str, object], ...]:
    rows = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            header, body = _text(r["header_html"]), _text(r["body_html"])
            fm = _FM.search(header)
            tags = _TAGS.search(body) or _TAGS.search(header)
            rid = r["reference_id"]
            m = re.fullmatch(r"(\d\d)(.*?)\d*", rid)
            assert m is not None
            yy = int(m.group(1))
            rows.append(
                {
                    "origin": r["origin"],
                    "fm": fm.group(1) if fm else None,
                    "station": m.group(2),
                    "year": 1900 + yy if yy > 60 else 2000 + yy,
                    "tags": tags.group(1) if tags else "",
                }
            )
    return tuple(rows)


corpus = pytest.mark.skipif(not CORPUS.exists(), reason=f"dev corpus not found at {CORPUS}")


@corpus
@pytest.mark.slow
def test_origin_label_agrees_with_corpus() -> None:
    with_fm = [r for r in _corpus() if r["fm"]]
    misses = Counter(
        (r["fm"], r["origin"]) for r in with_fm if origin_label(r["fm"]) != r["origin"]
    )
    rate = 1 - sum(misses.values()) / len(with_fm)
    assert len(with_fm) > 4800
    assert rate >= 0.999, misses.most_common(20)


@corpus
@pytest.mark.slow
def test_station_from_name_agrees_with_corpus() -> None:
    with_fm = [r for r in _corpus() if r["fm"]]
    misses = Counter(
        (r["fm"], r["station"]) for r in with_fm if station_from_name(r["fm"]) != r["station"]
    )
    # The residue is the ids' own quirks: EFTO and SECTION garbage in the id, AITTAIPEI/TAIPEI
    # and IRANRPODUBAI/RPODUBAI used side by side.
    assert 1 - sum(misses.values()) / len(with_fm) >= 0.995, misses.most_common(20)


@corpus
@pytest.mark.slow
def test_label_for_station_agrees_with_corpus() -> None:
    rows = _corpus()
    with_year = Counter(
        (r["station"], r["origin"])
        for r in rows
        if label_for_station(r["station"], year=r["year"]) != r["origin"]
    )
    without_year = Counter(
        (r["station"], r["origin"]) for r in rows if label_for_station(r["station"]) != r["origin"]
    )
    assert 1 - sum(with_year.values()) / len(rows) >= 0.999, with_year.most_common(20)
    assert 1 - sum(without_year.values()) / len(rows) >= 0.997, without_year.most_common(20)


@corpus
@pytest.mark.slow
def test_common_corpus_tags_are_known() -> None:
    counts: Counter[str] = Counter()
    for r in _corpus():
        line = re.split(r"\b(?:SUBJECT|REF|CLASSIFIED|Classified)\b", str(r["tags"]))[0]
        counts.update(w.strip(".:()[]") for w in re.split(r"[\s,;]+", line) if w.strip(".:()[]"))
    unknown = sorted(code for code, n in counts.items() if n >= 20 and not is_known_tag(code))
    assert unknown == []


@corpus
@pytest.mark.slow
def test_every_corpus_origin_has_coordinates() -> None:
    origins = {str(r["origin"]) for r in _corpus()}
    assert len(origins) > 150
    assert sorted(o for o in origins if coordinates(o) is None) == []
