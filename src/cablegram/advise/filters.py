"""`advice:overclassified` and `advice:underclassified`: the query language's view of the stored
advice (`cablegram.advise.scores`). Light to import: the query compiler loads it.

A stored score is of the whole text as stored. A reader with an access filter sees it only for the
cables they may fully see: hidden cables are out of every search already (the access filter), and a
readable cable with a portion withheld from them (the reader's match source R,
`cablegram.archive.reader`) counts as having no advice, so `advice:` never matches it and
`-advice:` always does (its score would tell of the withheld portion). Without a match source to
say which cables are partly withheld, no cable has advice for that reader (fail closed)."""

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
    return f"f.id IN (SELECT cable_id {_FROM}{condition})"


_FROM = f"FROM {TABLE} WHERE "


def for_reader(where: list[str], withheld: str | None) -> list[str]:
    """The conditions `where` of a search under an access filter, each `advice:` condition limited
    to the cables the reader may fully see: `withheld` is SQL selecting the ids of R (None: R is
    unknown, and no cable has advice)."""
    guard = f"cable_id NOT IN ({withheld}) AND " if withheld is not None else "1 = 0 AND "
    return [w.replace(_FROM, _FROM + guard) for w in where]
