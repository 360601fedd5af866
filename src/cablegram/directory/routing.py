"""Routing indicators (RUEHMO) and the station names they stand for (AMEMBASSY MOSCOW)."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from ._data import read_csv

__all__ = ["indicator_for_name", "normalize_name", "station_name"]

_PREFIX_FIXES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^AM ?EMBA?S{1,3}Y ?"), "AMEMBASSY "),
    (re.compile(r"^AM ?EMB "), "AMEMBASSY "),
    (re.compile(r"^AM ?CONSU?L(?:ATE)? ?|^AM ?CONGEN ?"), "AMCONSUL "),
    (re.compile(r"^US ?MISSI?ON ?"), "USMISSION "),
)
_SUFFIX = re.compile(r"\s*//.*$")
_PRECEDENCE = re.compile(r"\s+(?:FLASH|IMMEDIATE|PRIORITY|ROUTINE|NIACT)\b.*$")


# Cached: the parser asks this for the same few hundred names cable after cable.
@lru_cache(maxsize=4096)
def normalize_name(name: str) -> str:
    """A station name in its canonical spelling: upper case, single spaces, no `//...//` office
    suffix, no trailing precedence or serial, the AMEMBASSY/AMCONSUL/USMISSION prefix spelled right.

    >>> normalize_name(" amembasy  port au prince//pol// ")
    'AMEMBASSY PORT AU PRINCE'
    """
    s = _SUFFIX.sub("", " ".join(name.upper().split()))
    s = _PRECEDENCE.sub("", s)
    s = re.sub(r"\s+\d+$", "", s).strip()
    for pattern, repl in _PREFIX_FIXES:
        s = pattern.sub(repl, s, count=1)
    return s.strip()


@cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    by_indicator: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for row in read_csv("routing_indicators.csv"):
        indicator, name = row["indicator"], row["name"]
        by_indicator[indicator] = name
        by_name.setdefault(normalize_name(name), indicator)
        for alias in filter(None, row["aliases"].split("|")):
            by_name.setdefault(normalize_name(alias), indicator)
    # A name listed under several indicators: prefer the RUEH (State) one, the shortest.
    for indicator, name in by_indicator.items():
        key = normalize_name(name)
        best = by_name[key]
        if indicator.startswith("RUEH") and (
            not best.startswith("RUEH") or len(indicator) < len(best)
        ):
            by_name[key] = indicator
    return by_indicator, by_name


def station_name(routing_indicator: str) -> str | None:
    """The station a routing indicator stands for: RUEHMO -> 'AMEMBASSY MOSCOW'."""
    return _tables()[0].get(routing_indicator.strip().upper())


@lru_cache(maxsize=4096)
def indicator_for_name(name: str) -> str | None:
    """The routing indicator of a station name: 'AMEMBASSY MOSCOW' -> 'RUEHMO'."""
    return _tables()[1].get(normalize_name(name))
