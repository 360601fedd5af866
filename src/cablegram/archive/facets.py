"""Facet counts: total and counts by origin, year, month, classification, caveat, tag.

The cost of faceted search is counting a large match set, so counts read only the narrow,
integer-coded `cable_facets` table (about 30 bytes a cable), joined to the FTS5 rowids: one
grouped pass gives origin, classification, caveats and month together; tags need a second pass
over the `tags(cable_id, tag)` index. Counts for the empty query are cached until the data change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cablegram.archive.base import FacetCount
from cablegram.archive.query import Plan
from cablegram.archive.sqlite_reader import matches

if TYPE_CHECKING:
    from cablegram.archive.backend import SQLBackend
    from cablegram.archive.reader import ReaderSource

__all__ = ["TAG_LIMIT", "count"]

#: Tags are the one open-ended facet: only the most frequent are returned.
TAG_LIMIT = 100


def _sorted(counter: Counter[str], by_value: bool = False) -> list[FacetCount]:
    items = sorted(counter.items()) if by_value else sorted(
        counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return [FacetCount(v, n) for v, n in items if n]


def _combos(archive: SQLBackend,
            fresh: bool = False) -> tuple[list[int], list[tuple[int, int, int, int]]]:
    """Per cable id, the index of its (origin, class, caveats, month) combination; cached."""
    key = ("combos", archive.generation())
    if fresh or key not in archive._cache:
        for k in [k for k in archive._cache if k[0] == "combos"]:
            del archive._cache[k]
        combos: dict[tuple[int, int, int, int], int] = {}
        top = archive.db.execute("SELECT max(id) FROM cable_facets").fetchone()[0] or 0
        per_id = [0] * (top + 1)
        for i, *combo in archive.db.execute(
                "SELECT id, origin_id, class_id, caveat_mask, day / 100 FROM cable_facets"):
            per_id[i] = combos.setdefault(tuple(combo), len(combos))  # type: ignore[arg-type]
        archive._cache[key] = (per_id, list(combos))
    return archive._cache[key]  # type: ignore[no-any-return]


def _fast_groups(archive: SQLBackend, plan: Plan) -> list[tuple[int, ...]]:
    """Grouped counts for a words-only query: the FTS5 rowids as one string, counted in Python
    against the cached combination index (no per-row B-tree lookups, no temp B-tree)."""
    per_id, combos = _combos(archive)
    ids = archive.db.execute("SELECT group_concat(rowid) FROM cables_fts WHERE cables_fts"
                             " MATCH ?", (plan.match,)).fetchone()[0]
    if not ids:
        return []
    rowids = list(map(int, ids.split(",")))
    if max(rowids) >= len(per_id):  # cables committed between the two reads: index them too
        archive._cache.pop(("combos", archive.generation()), None)
        per_id, combos = _combos(archive, fresh=True)
    counted = Counter(map(per_id.__getitem__, rowids))
    return [(*combos[c], n) for c, n in counted.items()]


def count(archive: SQLBackend, plan: Plan, facets: Sequence[str],
          reader: ReaderSource | None = None) -> tuple[int, dict[str, list[FacetCount]]]:
    """The total number of matches and the requested facet counts (with `reader`: of the matches
    as that reader sees them, `plan` already `sqlite_reader.for_reader`)."""
    key = None
    if plan.match is None and not plan.where and reader is None:
        key = ("facets", tuple(facets), archive.generation())
        if key in archive._cache:
            return archive._cache[key]
    m = matches(plan, reader)
    frm, params = m.sql, m.params
    db = archive.db
    wanted = set(facets)
    grouped = wanted & {"origin", "classification", "caveat", "year", "month"}
    out: dict[str, list[FacetCount]] = {}
    if not grouped:
        total = db.execute(f"SELECT count(*) {frm}", params).fetchone()[0]
    else:
        if plan.match is not None and not plan.where and reader is None:
            cols = ["f.origin_id", "f.class_id", "f.caveat_mask", "f.day / 100"]
            groups = _fast_groups(archive, plan)
        else:
            cols = [c for c, name in (("f.origin_id", "origin"),
                                      ("f.class_id", "classification"),
                                      ("f.caveat_mask", "caveat")) if name in wanted]
            if wanted & {"year", "month"}:
                cols.append("f.day / 100")
            groups = db.execute(
                f"SELECT {', '.join(cols)}, count(*) {frm} GROUP BY {', '.join(cols)}", params
            ).fetchall()
        total = sum(g[-1] for g in groups)
        dims = archive.dims()
        bits = {b: c for c, b in dims["caveat"].items()}
        counters: dict[str, Counter[str]] = {name: Counter() for name in grouped}
        for g in groups:
            n, values = g[-1], dict(zip(cols, g, strict=False))
            if "origin" in wanted:
                counters["origin"][dims["origin"][values["f.origin_id"]][0]] += n
            if "classification" in wanted:
                counters["classification"][dims["class"][values["f.class_id"]][0]] += n
            if "caveat" in wanted:
                mask = values["f.caveat_mask"]
                for bit, name in bits.items():
                    if mask >> bit & 1:
                        counters["caveat"][name] += n
            if "month" in wanted:
                ym = values["f.day / 100"]
                counters["month"][f"{ym // 100:04d}-{ym % 100:02d}"] += n
            if "year" in wanted:
                counters["year"][f"{values['f.day / 100'] // 100:04d}"] += n
        for name, counter in counters.items():
            out[name] = _sorted(counter, by_value=name in ("year", "month"))
    if "tag" in wanted:
        tag_frm = m.joined("JOIN tags t ON t.cable_id = f.id")
        rows = db.execute(
            f"SELECT t.tag, count(*) AS n {tag_frm}"
            f" GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT {TAG_LIMIT}", params).fetchall()
        out["tag"] = [FacetCount(t, n) for t, n in rows]
    result = total, {name: out[name] for name in facets}
    if key is not None:
        for stale in [k for k in archive._cache if k[0] == "facets" and k[2] != key[2]]:
            del archive._cache[stale]
        archive._cache[key] = result
    return result
