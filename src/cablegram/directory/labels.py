"""Origin labels as the cablegate website spells them ('Embassy Moscow', 'Consulate Jeddah',
'Secretary of State'), from an FM-line name or from a reference-id station."""

from __future__ import annotations

import difflib
import re
from functools import cache, lru_cache

from ._data import read_csv
from .routing import normalize_name
from .stations import city_of_name, known_stations, station_from_name, station_key

__all__ = ["label_for_station", "origin_label"]

# Stations whose label is not 'Embassy <City>' / 'Consulate <City>'.
SPECIAL_LABELS: dict[str, str] = {
    "STATE": "Secretary of State",
    "WASHDC": "Secretary of State",
    "USUNNEWYORK": "USUN New York",
    "USNATO": "Mission USNATO",
    "UNVIEVIENNA": "UNVIE",
    "USEUBRUSSELS": "USEU Brussels",
    "AITTAIPEI": "American Institute Taiwan, Taipei",
    "TAIPEI": "American Institute Taiwan, Taipei",
    "HAVANA": "US Interests Section Havana",
    "BASRAH": "REO Basrah",
    "HILLAH": "REO Hillah",
    "KIRKUK": "REO Kirkuk",
    "MOSUL": "REO Mosul",
    "RPODUBAI": "Iran RPO Dubai",
    "IRANRPODUBAI": "Iran RPO Dubai",
    "GENEVA": "US Mission Geneva",
    "PARTO": "US Delegation, Secretary",
    "SECDEF": "Secretary of Defense",
    "USOSCE": "Mission USOSCE",
    "UNESCOPARIS": "Mission UNESCO",
    "UNESCOPARISFR": "Mission UNESCO",
    "UNROME": "UN Rome",
    "CDGENEVA": "Mission CD Geneva",
    "USTRGENEVA": "US Mission USTR Geneva",
    "FESTTWO": "US Delegation FEST TWO",
    "FSINFATC": "DIR FSINFATC",
    "FSCCHARLESTON": "US Office FSC Charleston",
}

# Other spellings of a station in classification lines and reference ids.
STATION_ALIASES: dict[str, str] = {
    "SECSTATE": "STATE",
    "SECSTATEWASHDC": "STATE",
    "USUN": "USUNNEWYORK",
    "USMISSIONUSUNNEWYORK": "USUNNEWYORK",
    "UNVIE": "UNVIEVIENNA",
    "USEU": "USEUBRUSSELS",
    "USMISSIONUSNATO": "USNATO",
    "USMISSIONGENEVA": "GENEVA",
    "AIT": "AITTAIPEI",
    "PARISFR": "PARIS",
}

# Cities that changed their name: the label uses the new one.
RENAMED: dict[str, str] = {
    "KIEV": "Kyiv",
    "CALCUTTA": "Kolkata",
    "MADRAS": "Chennai",
    "BOMBAY": "Mumbai",
}

# Consulates missing from the 2010 routing list (closed posts, older names).
EXTRA_CONSULATES = frozenset(
    {
        "ALEXANDRIA", "BOMBAY", "CALCUTTA", "MADRAS", "IZMIR", "KADUNA", "LENINGRAD",
        "JOHANNESBURG", "CHENNAI", "SHANGHAI", "LAGOS", "DUBAI", "ADANA", "OPORTO",
        "BORDEAUX", "LYON", "STUTTGART", "BREMEN", "ZURICH", "GENOA", "PALERMO", "TRIESTE",
        "TURIN", "SALZBURG", "GOTEBORG", "EDINBURGH", "MARACAIBO", "MEDAN", "SEVILLE",
        "BILBAO", "SAOPAULO", "PORTOALEGRE", "SALVADOR", "BELEM", "CEBU", "DAVAO",
        "CHIANGMAI", "UDORN", "SONGKHLA", "KAOHSIUNG", "KRAKOW", "POZNAN",
    }
)  # fmt: skip

_SECTION_GARBAGE = re.compile(r"^.*\d")
_PREFIX_GARBAGE = re.compile(r"^(?:EFTO|NOFORN|AMEMBASSY|AMCONSUL)(?=[A-Z]{4})")


@cache
def _posts() -> tuple[dict[str, str], dict[str, str]]:
    """Station key -> 'AMEMBASSY'/'AMCONSUL', and station key -> spaced city, from the routing
    list (an embassy wins over a consulate of the same city)."""
    kinds: dict[str, str] = {}
    cities: dict[str, str] = {}
    for row in read_csv("routing_indicators.csv"):
        prefix, city = city_of_name(normalize_name(row["name"]))
        if prefix not in ("AMEMBASSY", "AMCONSUL"):
            continue
        key = station_key(city)
        if kinds.get(key) != "AMEMBASSY":
            kinds[key] = prefix
        cities.setdefault(key, city)
    for key in EXTRA_CONSULATES:
        kinds.setdefault(key, "AMCONSUL")
    return kinds, cities


def _title(city: str) -> str:
    return " ".join(w[:1].upper() + w[1:].lower() for w in city.split())


def _city_label(key: str, city: str | None = None) -> str:
    if key in RENAMED:
        return RENAMED[key]
    return _title(city or _posts()[1].get(key) or key)


@cache
def _resolve(key: str) -> str | None:
    """A station key as the tables know it, correcting prefixes, section garbage and typos."""
    kinds = _posts()[0]

    def known(k: str) -> bool:
        return k in SPECIAL_LABELS or k in kinds or k in RENAMED

    key = STATION_ALIASES.get(key, key)
    if known(key):
        return key
    key = _PREFIX_GARBAGE.sub("", _SECTION_GARBAGE.sub("", key))
    key = STATION_ALIASES.get(key, key)
    if not key or known(key):
        return key or None
    candidates = [*SPECIAL_LABELS, *kinds]
    for k in sorted(candidates, key=len, reverse=True):
        if len(k) >= 5 and key.endswith(k):
            return k
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.8)
    if close:
        return close[0]
    if key in known_stations():
        return key
    return None


# From 2007 the US Mission to the EU (USEU) numbers its cables in the BRUSSELS series too; on the
# dev corpus BRUSSELS ids from 2007 on are USEU's in 14 of 17 cables, before 2007 Embassy's in 4/4.
_USEU_SHARES_BRUSSELS_FROM = 2007


# Cached: the parser asks this for the same few hundred names cable after cable.
@lru_cache(maxsize=4096)
def label_for_station(station: str, *, year: int | None = None) -> str | None:
    """The cablegate origin label of a station as a classification line or reference id spells
    it: 'MOSCOW' -> 'Embassy Moscow', 'TEL AVIV' -> 'Embassy Tel Aviv', 'STATE' ->
    'Secretary of State', 'SAO PAULO' -> 'Consulate Sao Paulo'. None when unknown.

    `year` (four digits) settles the one ambiguous station: BRUSSELS is 'Embassy Brussels'
    without it or before 2007, 'USEU Brussels' from 2007 (the majority from then on).
    """
    key = _resolve(station_key(station))
    if key is None:
        return None
    if key == "BRUSSELS" and year is not None and year >= _USEU_SHARES_BRUSSELS_FROM:
        return SPECIAL_LABELS["USEUBRUSSELS"]
    if key in SPECIAL_LABELS:
        return SPECIAL_LABELS[key]
    kind = _posts()[0].get(key, "AMEMBASSY")
    return ("Consulate " if kind == "AMCONSUL" else "Embassy ") + _city_label(key)


# FM-line names with a label of their own (normalised spelling).
_NAME_LABELS: dict[str, str] = {
    "USLO TRIPOLI": "Embassy Tripoli",
    "USOFFICE PRISTINA": "US Office Pristina",
    "USOFFICE ALMATY": "US Office Almaty",
    "USEU BRUSSELS": "USEU Brussels",
    "USMISSION USEU BRUSSELS": "USEU Brussels",
    "USMISSION USEU": "USEU Brussels",
}


@lru_cache(maxsize=4096)
def origin_label(name: str) -> str | None:
    """The cablegate origin label of an FM-line name: 'AMEMBASSY MOSCOW' -> 'Embassy Moscow',
    'AMCONSUL JEDDAH' -> 'Consulate Jeddah', 'SECSTATE WASHDC' -> 'Secretary of State'."""
    n = normalize_name(name)
    if n in _NAME_LABELS:
        return _NAME_LABELS[n]
    prefix, city = city_of_name(n)
    if prefix == "AMEMBASSY":
        return "Embassy " + _city_label(station_key(city), city)
    if prefix == "AMCONSUL":
        return "Consulate " + _city_label(station_key(city), city)
    if prefix == "USOFFICE" and station_key(city) not in SPECIAL_LABELS:
        return "US Office " + _title(city)
    station = station_from_name(n)
    return label_for_station(station) if station else None


@lru_cache(maxsize=8192)
def place_names(value: str) -> frozenset[str]:
    """Every lower-case way to name the post `value` names, for matching queries against origins
    and addressees: the value itself, its cablegate label and its station
    ('AMEMBASSY MOSCOW' -> {'amembassy moscow', 'embassy moscow', 'moscow'})."""
    v = " ".join(value.split())
    names = {v.lower()}
    if v:
        names.update(n.lower() for n in (origin_label(v.upper()), station_from_name(v.upper())) if n)
    return frozenset(names)
