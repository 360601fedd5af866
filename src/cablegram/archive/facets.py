"""Facet counts: total and counts by origin, year, month, classification, caveat, tag.

The cost of faceted search is counting a large match set, so counts read only the narrow,
integer-coded `cable_facets` table (about 30 bytes a cable), joined to the FTS5 rowids: one
grouped pass gives origin, classification, caveats and month together; tags need a second pass
over the `tags(cable_id, tag)` index. Counts for the empty query are cached until the data change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from cablegram.archive import dims as dims_mod
from cablegram.archive import entities_store
from cablegram.archive.base import ENTITY_FACETS, FacetCount
from cablegram.archive.query import Plan
from cablegram.archive.sqlite_reader import matches

if TYPE_CHECKING:
    from cablegram.archive.backend import SQLBackend
    from cablegram.archive.reader import ReaderSource

__all__ = ["TAG_LIMIT", "count", "joined_counts"]

#: Tags are the one open-ended facet: only the most frequent are returned.
TAG_LIMIT = 100


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


def joined_counts(run: Callable[[str, list[Any]], list[tuple[Any, ...]]],
                  joined: Callable[[str], tuple[str, Sequence[Any]]],
                  wanted: Iterable[str]) -> dict[str, list[FacetCount]]:
    """The facets counted through a join from the matching `f` rows, for both backends: `tag`
    (the TAG_LIMIT most frequent) and the entity facets. `joined(join)` is the backend's FROM/WHERE
    over the matches with `join` added to its tables, and its parameters; `run` its rows."""
    wanted = set(wanted)
    out: dict[str, list[FacetCount]] = {}
    if "tag" in wanted:
        frm, params = joined("JOIN tags t ON t.cable_id = f.id")
        out["tag"] = [FacetCount(t, n) for t, n in run(
            f"SELECT t.tag, count(*) AS n {frm} GROUP BY t.tag ORDER BY n DESC, t.tag LIMIT {TAG_LIMIT}",
            list(params))]
    if wanted & set(ENTITY_FACETS):
        out.update(entities_store.facet_counts(run, joined, wanted))
    return out


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
            groups = _fast_groups(archive, plan)
        else:  # grouped by the wanted columns only; the others are a constant `tally` never reads
            cols = [c if name in wanted else "0" for c, name in (("f.origin_id", "origin"),
                                                                  ("f.class_id", "classification"),
                                                                  ("f.caveat_mask", "caveat"))]
            cols.append("f.day / 100" if wanted & {"year", "month"} else "0")
            groups = db.execute(f"SELECT {', '.join(cols)}, count(*) {frm}"
                                f" GROUP BY {', '.join(c for c in cols if c != '0')}", params).fetchall()
        total, out = dims_mod.tally(archive.dims(), groups, wanted)
    out.update(joined_counts(lambda sql, p: db.execute(sql, p).fetchall(), lambda join: (m.joined(join), params),
                             wanted))
    result = total, {name: out[name] for name in facets}
    if key is not None:
        for stale in [k for k in archive._cache if k[0] == "facets" and k[2] != key[2]]:
            del archive._cache[stale]
        archive._cache[key] = result
    return result
