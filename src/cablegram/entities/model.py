"""The records of entity extraction: one entity with the paragraphs that mention it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Entities", "Entity"]

KINDS = ("people", "places", "orgs")


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, place or organisation of one cable.

    `key` folds variants (`Lavrov`, `S. Lavrov`, `FM LAVROV` -> `lavrov`); `mentions` are the
    paragraph numbers (0 for the heading: subject, classified-by, tags); `aliases` the other
    spellings seen; `lat`/`lon` for places that have coordinates.
    """

    name: str
    key: str
    mentions: tuple[int, ...] = ()
    aliases: tuple[str, ...] = ()
    detail: str | None = None
    lat: float | None = None
    lon: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "mentions": list(self.mentions)}
        if self.detail:
            d["kind"] = self.detail
        if self.lat is not None and self.lon is not None:
            d["lat"], d["lon"] = self.lat, self.lon
        return d


@dataclass(frozen=True, slots=True)
class Entities:
    reference_id: str | None
    people: tuple[Entity, ...] = ()
    places: tuple[Entity, ...] = ()
    orgs: tuple[Entity, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_id": self.reference_id,
            "people": [e.to_dict() for e in self.people],
            "places": [e.to_dict() for e in self.places],
            "orgs": [e.to_dict() for e in self.orgs],
        }
