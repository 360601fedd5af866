"""Stations as reference ids spell them (MOSCOW, TELAVIV, STATE, USUNNEWYORK).

The station of a reference id is the part between the two-digit year and the serial:
`09TELAVIV1234` -> `TELAVIV`. `known_stations()` lists every station of the cablegate release.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ._data import read_csv, read_lines
from .routing import normalize_name

__all__ = [
    "city_of_name",
    "known_stations",
    "match_station",
    "station_from_name",
    "station_key",
]

_NON_ALNUM = re.compile(r"[^A-Z0-9]+")

# FM-line names whose reference-id station is not simply the city after the office prefix.
_NAME_STATIONS: dict[str, str] = {
    "SECSTATE WASHDC": "STATE",
    "SECSTATE": "STATE",
    "DEPT OF STATE WASHINGTON DC": "STATE",
    "USMISSION USUN NEW YORK": "USUNNEWYORK",
    "USUN NEW YORK": "USUNNEWYORK",
    "USMISSION USNATO": "USNATO",
    "USNATO": "USNATO",
    "USMISSION UNVIE VIENNA": "UNVIEVIENNA",
    "UNVIE VIENNA": "UNVIEVIENNA",
    # USEU's cables carry BRUSSELS ids (14 of 14 on the dev corpus; the release has only 150
    # USEUBRUSSELS ids, 2006-2010).
    "USEU BRUSSELS": "BRUSSELS",
    "USMISSION USEU BRUSSELS": "BRUSSELS",
    "USMISSION USEU": "BRUSSELS",
    "AIT TAIPEI": "AITTAIPEI",
    "IRAN RPO DUBAI": "RPODUBAI",
    "RPO DUBAI": "RPODUBAI",
    "USDEL SECRETARY": "PARTO",
    "USMISSION USOSCE": "USOSCE",
    "USMISSION UNESCO PARIS": "UNESCOPARISFR",
    "USMISSION UN ROME": "UNROME",
    "USMISSION CD GENEVA": "CDGENEVA",
    "USMISSION USTR GENEVA": "USTRGENEVA",
    "SECDEF WASHDC": "SECDEF",
    "SECDEF WASHINGTON DC": "SECDEF",
    "DIR FSINFATC": "FSINFATC",
    "USOFFICE FSC CHARLESTON": "FSCCHARLESTON",
    "USDEL FEST TWO": "FESTTWO",
}

# Office prefixes of FM-line names; the rest is the city.
_PREFIXES = ("AMEMBASSY", "AMCONSUL", "USMISSION", "USOFFICE", "USINT", "USLO", "REO", "AIT")

# Cities the routing list or the cables spell longer than the reference ids do.
CITY_ALIASES: dict[str, str] = {
    "MEXICO CITY": "MEXICO",
    "GUATEMALA CITY": "GUATEMALA",
    "PANAMA CITY": "PANAMA",
    "VATICAN CITY": "VATICAN",
    "KUWAIT CITY": "KUWAIT",
    "MELBOURNE VIC": "MELBOURNE",
}

# Other spellings a REF line may use for a station.
_MATCH_ALIASES: dict[str, str] = {
    "SECSTATE": "STATE",
    "DEPT": "STATE",
    "USUN": "USUNNEWYORK",
    "UNVIE": "UNVIEVIENNA",
    "USEU": "USEUBRUSSELS",
}


# Cached: the parser asks this for the same few hundred names cable after cable.
@lru_cache(maxsize=4096)
def station_key(station: str) -> str:
    """The reference-id spelling of a station: upper case, no spaces or punctuation.

    >>> station_key("Tel Aviv")
    'TELAVIV'
    """
    return _NON_ALNUM.sub("", station.upper())


@cache
def known_stations() -> frozenset[str]:
    """Every station that occurs in the reference ids of the cablegate release."""
    return frozenset(read_lines("stations.txt"))


def city_of_name(name: str) -> tuple[str | None, str]:
    """Split a normalised FM-line name into its office prefix and city:
    'AMEMBASSY MEXICO CITY' -> ('AMEMBASSY', 'MEXICO')."""
    prefix, _, rest = name.partition(" ")
    if prefix in _PREFIXES and rest:
        return prefix, CITY_ALIASES.get(rest, rest)
    return None, CITY_ALIASES.get(name, name)


@lru_cache(maxsize=4096)
def station_from_name(name: str) -> str | None:
    """The reference-id station of an FM-line name: 'AMEMBASSY MOSCOW' -> 'MOSCOW',
    'SECSTATE WASHDC' -> 'STATE', 'USMISSION USUN NEW YORK' -> 'USUNNEWYORK'.

    None when the name is neither a post (office prefix + city) nor a known station.
    """
    n = normalize_name(name)
    if not n:
        return None
    if n in _NAME_STATIONS:
        return _NAME_STATIONS[n]
    prefix, city = city_of_name(n)
    key = station_key(city)
    if prefix is not None or key in known_stations():
        return key or None
    return None


@cache
def _match_table() -> tuple[dict[str, str], int]:
    table = {k: k for k in known_stations()}
    table.update(_MATCH_ALIASES)
    for row in read_csv("routing_indicators.csv"):
        prefix, city = city_of_name(normalize_name(row["name"]))
        if prefix in ("AMEMBASSY", "AMCONSUL"):
            table.setdefault(station_key(city), station_key(city))
    longest_words = 6
    return table, longest_words


_WORD = re.compile(r"[A-Za-z]+")
_GAP = re.compile(r"[ \-.']{1,2}")


def match_station(text: str) -> tuple[str, int] | None:
    """The station that `text` starts with, spelled with or without spaces, longest match first:
    'TEL AVIV 1234' -> ('TELAVIV', 8); 'STATE 106206' -> ('STATE', 5);
    'SECSTATE 12' -> ('STATE', 8).

    Returns (station key, number of characters of `text` the station takes), or None.
    """
    table, max_words = _match_table()
    pos = 0
    joined = ""
    best: tuple[str, int] | None = None
    for _ in range(max_words):
        m = _WORD.match(text, pos)
        if m is None:
            break
        joined += m.group().upper()
        if len(joined) > 24:
            break
        hit = table.get(joined)
        if hit is not None:
            best = (hit, m.end())
        gap = _GAP.match(text, m.end())
        if gap is None:
            break
        pos = gap.end()
    return best
