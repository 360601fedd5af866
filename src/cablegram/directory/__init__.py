"""Reference data and its lookups: routing indicators, stations and their cablegate labels,
TAGS meanings, the classification ladder, post positions and collectives.

Data files live in `data/` (loaded once, lazily); `_build.py` regenerates the ones made from
the shared reference tables.
"""

from __future__ import annotations

from .classification import (
    CAVEATS,
    CLASSIFICATIONS,
    classification_label,
    classification_rank,
    normalize_classification,
)
from .collectives import collective_members, is_collective
from .geo import coordinates
from .labels import label_for_station, origin_label
from .routing import indicator_for_name, normalize_name, station_name
from .stations import known_stations, match_station, station_from_name, station_key
from .tags import is_known_tag, search_tags, tag_kind, tag_meaning

__all__ = [
    "CAVEATS",
    "CLASSIFICATIONS",
    "classification_label",
    "classification_rank",
    "collective_members",
    "coordinates",
    "indicator_for_name",
    "is_collective",
    "is_known_tag",
    "known_stations",
    "label_for_station",
    "match_station",
    "normalize_classification",
    "normalize_name",
    "origin_label",
    "search_tags",
    "station_from_name",
    "station_key",
    "station_name",
    "tag_kind",
    "tag_meaning",
]
