"""People, places and organisations in a cable, offline: gazetteers and patterns, no model.

`extract(cable)` gives an `Entities` record; each entity keeps the paragraph numbers that
mention it (0 for the heading: subject, classified-by line, TAGS).
"""

from __future__ import annotations

from .extract import extract
from .model import KINDS, Entities, Entity

__all__ = ["KINDS", "Entities", "Entity", "extract"]
