"""Scoring extraction against hand labels: precision and recall per kind.

A label file (`tests/entities/*.yaml`) names a cable by `reference_id` and lists the people,
places and organisations a careful reader finds; `A|B` gives other spellings of one entity.
A predicted entity matches a label when they fold to the same key: the surname for people,
the gazetteer's canonical name (or the name itself) for places and organisations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .model import KINDS, Entities
from .orgs import org_acronyms, org_names
from .people import person_key
from .places import place_index
from .text import fold

__all__ = ["Label", "Score", "label_keys", "load_labels", "misses", "score"]


@dataclass(frozen=True, slots=True)
class Label:
    reference_id: str
    people: tuple[str, ...]
    places: tuple[str, ...]
    orgs: tuple[str, ...]
    path: str = ""
    record: str | None = None  # the corpus's id for the cable, where it files it under another


@dataclass(frozen=True, slots=True)
class Score:
    kind: str
    predicted: int
    expected: int
    matched_predicted: int
    matched_expected: int

    @property
    def precision(self) -> float:
        return self.matched_predicted / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.matched_expected / self.expected if self.expected else 1.0


def load_labels(directory: Path) -> list[Label]:
    labels = []
    for path in sorted(directory.glob("*.yaml")):
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        labels.append(Label(
            str(data["reference_id"]),
            tuple(data.get("people") or ()), tuple(data.get("places") or ()), tuple(data.get("orgs") or ()),
            str(path), data.get("record"),
        ))
    return labels


def _keys(kind: str, spelling: str) -> set[str]:
    spelling = spelling.strip()
    if kind == "people":
        key = person_key(spelling)
        return {key} if key else set()
    keys = {fold(spelling)}
    if kind == "places":
        place = place_index().get(fold(spelling))
        if place:
            keys.add(fold(place.name))
    else:
        for canonical in (org_names().get(fold(spelling)), org_acronyms().get(spelling)):
            if canonical:
                keys.add(fold(canonical))
    return keys


def label_keys(kind: str, label: str) -> set[str]:
    """Every key one labelled entity (`A|B|C`) may be matched by."""
    out: set[str] = set()
    for spelling in label.split("|"):
        out |= _keys(kind, spelling)
    return out


def _predicted_key(kind: str, name: str, key: str) -> str:
    return key if kind == "people" else fold(name)


def score(pairs: Iterable[tuple[Label, Entities]]) -> dict[str, Score]:
    """Micro-averaged precision and recall per kind over (label, extracted) pairs."""
    totals = {k: [0, 0, 0, 0] for k in KINDS}
    for label, found in pairs:
        for kind in KINDS:
            expected = [label_keys(kind, item) for item in getattr(label, kind)]
            predicted = {_predicted_key(kind, e.name, e.key) for e in getattr(found, kind)}
            t = totals[kind]
            t[0] += len(predicted)
            t[1] += len(expected)
            t[2] += sum(1 for p in predicted if any(p in keys for keys in expected))
            t[3] += sum(1 for keys in expected if keys & predicted)
    return {k: Score(k, *v) for k, v in totals.items()}


def misses(label: Label, found: Entities) -> dict[str, tuple[list[str], list[str]]]:
    """Per kind: (labelled but not found, found but not labelled) — for reading the errors."""
    out = {}
    for kind in KINDS:
        expected = {item: label_keys(kind, item) for item in getattr(label, kind)}
        predicted = {_predicted_key(kind, e.name, e.key): e.name for e in getattr(found, kind)}
        missed = [item for item, keys in expected.items() if not keys & set(predicted)]
        extra = [name for key, name in predicted.items() if not any(key in keys for keys in expected.values())]
        out[kind] = (missed, extra)
    return out
