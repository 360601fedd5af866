"""Approximate positions of the posts, for maps (`data/coordinates.csv`, by station key)."""

from __future__ import annotations

from functools import cache

from ._data import read_csv
from .labels import label_for_station
from .stations import station_key

__all__ = ["coordinates"]


@cache
def _table() -> dict[str, tuple[float, float]]:
    return {r["station"]: (float(r["lat"]), float(r["lon"])) for r in read_csv("coordinates.csv")}


@cache
def _by_label() -> dict[str, str]:
    index: dict[str, str] = {}
    for key in _table():
        label = label_for_station(key)
        if label:
            index.setdefault(label.lower(), key)
    return index


def coordinates(station_key_or_label: str) -> tuple[float, float] | None:
    """(latitude, longitude) of a post, by station ('MOSCOW', 'TEL AVIV') or cablegate label
    ('Embassy Moscow', 'Secretary of State' -> Washington); None if not in the table."""
    table = _table()
    key = station_key(station_key_or_label)
    if key in table:
        return table[key]
    hit = _by_label().get(" ".join(station_key_or_label.split()).lower())
    if hit:
        return table[hit]
    label = label_for_station(station_key_or_label)
    hit = _by_label().get(label.lower()) if label else None
    return table[hit] if hit else None
