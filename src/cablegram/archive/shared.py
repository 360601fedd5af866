"""What the archive classes of both backends do alike, written once: their base class (one base,
one subclass per backend, as Datasette's `Database`).

A backend supplies its connection (`fetch`, `close`), its dimension tables (`dims`), its stored
texts' `codec` and its query `dialect`; the base gives the query compiler's resolver, the access
condition, records, texts and versions (`reading`) and the reference graph (`graph`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from cablegram.archive import dims as dims_mod
from cablegram.archive import graph, reading
from cablegram.archive.base import AccessFilter, References, Thread, VersionInfo

if TYPE_CHECKING:
    from cablegram.archive.query import Dialect
    from cablegram.model import Cable

__all__ = ["ArchiveBase"]


class ArchiveBase:
    """The methods `SQLiteArchive` and `PostgresArchive` share."""

    #: How the query compiler writes the backend's SQL.
    dialect: Dialect

    def dims(self) -> dict[str, dict[Any, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- resolver for the query compiler ------------------------------------------------------

    def origin_ids(self, value: str) -> list[int]:
        return dims_mod.origin_ids(self.dims(), value)

    def class_ids(self, value: str) -> list[int]:
        return dims_mod.class_ids(self.dims(), value)

    def caveat_bit(self, value: str) -> int | None:
        return dims_mod.caveat_bit(self.dims(), value)

    def access_sql(self, access: AccessFilter | None) -> str:
        """SQL over `f` (cable_facets) hiding what `access` may not see (true when open)."""
        if access is None:
            return self.dialect.true
        mask = dims_mod.forbidden_mask(self.dims(), access)
        return f"(f.class_rank <= {int(access.max_rank)} AND (f.caveat_mask & {mask}) = 0)"

    # --- reading ------------------------------------------------------------------------------

    def get(self, reference_id: str, *, access: AccessFilter | None = None) -> Cable | None:
        """The current record of a cable, or None when absent or hidden by `access`."""
        return reading.get(self, reference_id, access)  # type: ignore[arg-type]

    def raw_text(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        """The raw telegram text as read, or None."""
        return reading.raw_text(self, reference_id, access)  # type: ignore[arg-type]

    def versions(self, reference_id: str, *,
                 access: AccessFilter | None = None) -> list[VersionInfo]:
        """Every known text of a cable, oldest first (by release date, then by when read)."""
        return reading.versions(self, reference_id, access)  # type: ignore[arg-type]

    def references(self, reference_id: str, *,
                   access: AccessFilter | None = None) -> References:
        """What a cable cites and what cites it."""
        return graph.references(self, reference_id, access=access)  # type: ignore[arg-type]

    def thread(self, reference_id: str, depth: int = 2, *,
               access: AccessFilter | None = None) -> Thread:
        """The reference graph around a cable, `depth` steps both ways."""
        return graph.thread(self, reference_id, depth, access=access)  # type: ignore[arg-type]
