"""The dimension tables (origins, classifications, caveat bits) as every backend caches them, and
what the query compilers and facet counting do with them. No SQL here.

`dims` is `{"origin": {id: (label, station)}, "class": {id: (label, classification, rank)},
"caveat": {caveat: bit}}`, the shape `SQLiteArchive.dims()` returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from cablegram.archive.base import AccessFilter, FacetCount
from cablegram.directory.classification import CLASS_FILTER_ALIASES
from cablegram.directory.labels import place_names

__all__ = ["addressee_names", "caveat_bit", "class_ids", "forbidden_mask", "known_names", "origin_ids",
           "suggest_origins", "tally"]

Dims = dict[str, dict[Any, Any]]



def origin_ids(dims: Dims, value: str) -> list[int]:
    """Origins named by `value`: their label, their station, or an FM-line name
    ('AMEMBASSY MOSCOW' is Embassy Moscow); a bare city matches the end of a label."""
    wanted = place_names(value)
    v = value.strip().lower()
    return [
        i for i, (label, station) in dims["origin"].items()
        if wanted & {label.lower(), (station or "").lower()} or label.lower().endswith(" " + v)
    ]


KnownNames = list[tuple[str, frozenset[str]]]


def known_names(names: Iterable[str]) -> KnownNames:
    """Addressee names with every way to name each (see `addressee_names`): cached by backends."""
    return [(n, place_names(n)) for n in names if n]


def addressee_names(known: KnownNames, value: str) -> list[str]:
    """The addressee names (as TO/INFO lines write them) that `value` names: the name itself,
    its station or its origin label, as for `origin_ids`."""
    wanted = place_names(value)
    return [n for n, ways in known if wanted & ways]


def class_ids(dims: Dims, value: str) -> list[int]:
    """Classifications named `value` (`s`, `secret`, `SBU`, ...)."""
    v = value.strip().upper().replace(" ", "")
    alias = CLASS_FILTER_ALIASES.get(v, v)
    return [
        i for i, (label, cls, _rank) in dims["class"].items()
        if alias in (label.replace(" ", ""), (cls or "").replace(" ", ""))
    ]


def caveat_bit(dims: Dims, value: str) -> int | None:
    bit = dims["caveat"].get(value.strip().upper())
    return int(bit) if bit is not None else None


def forbidden_mask(dims: Dims, access: AccessFilter) -> int:
    """The `caveat_mask` bits a reader with `access` may not see."""
    bits = dims["caveat"]
    return sum(1 << bits[c] for c in access.forbidden if c in bits)


def suggest_origins(dims: Dims, prefix: str) -> list[tuple[str, str]]:
    low = prefix.strip().lower()
    out = [("origin", label) for label, station in dims["origin"].values()
           if label.lower().startswith(low) or (station or "").lower().startswith(low)
           or any(w.startswith(low) for w in label.lower().split())]
    return sorted(out)


def _sorted(counter: Counter[str], by_value: bool) -> list[FacetCount]:
    items = sorted(counter.items()) if by_value else sorted(
        counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return [FacetCount(v, n) for v, n in items if n]


def tally(dims: Dims, groups: Iterable[Sequence[int]],
          wanted: set[str]) -> tuple[int, dict[str, list[FacetCount]]]:
    """Total and facet counts from grouped rows `(origin_id, class_id, caveat_mask, yyyymm,
    count)`, for the facets of `wanted` among origin, classification, caveat, year, month."""
    bits = {b: c for c, b in dims["caveat"].items()}
    grouped = wanted & {"origin", "classification", "caveat", "year", "month"}
    counters: dict[str, Counter[str]] = {name: Counter() for name in grouped}
    total = 0
    for origin_id, class_id, mask, ym, n in groups:
        total += n
        if "origin" in grouped:
            counters["origin"][dims["origin"][origin_id][0]] += n
        if "classification" in grouped:
            counters["classification"][dims["class"][class_id][0]] += n
        if "caveat" in grouped:
            for bit, name in bits.items():
                if mask >> bit & 1:
                    counters["caveat"][name] += n
        if "month" in grouped:
            counters["month"][f"{ym // 100:04d}-{ym % 100:02d}"] += n
        if "year" in grouped:
            counters["year"][f"{ym // 100:04d}"] += n
    return total, {name: _sorted(c, name in ("year", "month")) for name, c in counters.items()}
