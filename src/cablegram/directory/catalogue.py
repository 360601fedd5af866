"""The catalogue of the cablegate release: every reference id with the month it was sent.

Built from the release's own index (251,287 ids). The parser uses it only to check that an id
it inferred exists, and to choose between candidate years when a partial extract carries no
date-time group; the archive uses it to tell a cited cable that exists from a misread one.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources

__all__ = ["reference_exists", "reference_month"]


@cache
def _catalogue() -> dict[str, int]:
    raw = resources.files("cablegram.directory").joinpath("data/catalogue.csv.gz").read_bytes()
    out: dict[str, int] = {}
    for line in gzip.decompress(raw).decode("ascii").splitlines():
        ref, _, month = line.partition(",")
        if month.isdigit():
            out[ref] = int(month)
    return out


def reference_exists(reference_id: str) -> bool:
    """True when the id is one of the release's cables."""
    return reference_id in _catalogue()


def reference_month(reference_id: str) -> int | None:
    """The month (1-12) the catalogue gives for an id, or None when it has no such cable."""
    return _catalogue().get(reference_id)
