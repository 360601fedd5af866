"""`advice:overclassified` and `advice:underclassified`: the query language's view of the stored
advice (`cablegram.advise.scores`). Light to import: the query compiler loads it."""

from __future__ import annotations

from typing import Any

TABLE = "advice_scores"
FILTERS = {"overclassified": "advised_rank < marked_rank",
           "underclassified": "advised_rank > marked_rank"}


def scored(archive: Any) -> bool:
    """The archive holds advice scores (`cablegram advise train` was run on it)."""
    from cablegram.advise.tables import tables

    try:
        return tables(archive).exists(TABLE)
    except AttributeError:  # not an archive (a resolver without a connection)
        return False


def advice_sql(value: str, archive: Any, position: int = 0) -> str:
    """The SQL condition over `f` (the cable_facets row) of `advice:VALUE`."""
    from cablegram.archive.query import QueryError

    condition = FILTERS.get(value.strip().lower())
    if condition is None:
        raise QueryError(f"advice: is {' or '.join(FILTERS)}, not {value!r}", position)
    if not scored(archive):
        raise QueryError("advice: this archive has no advice yet (run `cablegram advise train`)",
                         position)
    return f"f.id IN (SELECT cable_id FROM {TABLE} WHERE {condition})"
