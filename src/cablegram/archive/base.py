"""The archive interface: what every backend (SQLite now, PostgreSQL later) provides.

Readers (CLI, web, desk) depend only on `Archive` and the plain records defined here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from cablegram.directory.classification import RESTRICTING_CAVEATS
from cablegram.model import Cable

if TYPE_CHECKING:
    import pandas

    from cablegram.archive.records import Prepared

__all__ = [
    "ENTITY_FACETS",
    "FACETS",
    "MARK_END",
    "MARK_START",
    "AccessFilter",
    "Archive",
    "ArchiveWriter",
    "FacetCount",
    "Hit",
    "RefLink",
    "References",
    "SearchResult",
    "Sort",
    "Thread",
    "VersionInfo",
]

Sort = Literal["rank", "bm25", "date", "-date"]

#: Highlight markers around matched words in `Hit.snippet` (the rest of the snippet is plain,
#: unescaped text: a web page escapes it, then turns the markers into <mark>).
MARK_START, MARK_END = "«", "»"

#: The facets `Archive.search` can count.
FACETS = ("origin", "year", "month", "classification", "tag", "caveat")

#: Facets on entity mentions (`archive/entities_store.py`): counted only when asked for by name.
ENTITY_FACETS = ("person", "place", "org")

#: Caveats that restrict who may read a cable (as opposed to handling marks such as SIPDIS).


@dataclass(frozen=True, slots=True)
class AccessFilter:
    """A reader's clearance: what `search`, `get` and every other read may show.

    A cable is visible when its classification rank (UNCLASSIFIED 0 < CONFIDENTIAL 1 < SECRET 2 <
    TOP SECRET 3) is at most `max_rank` and each of its caveats in `restricting` is in `caveats`.
    The archive applies it in SQL, so counts and facets never include hidden cables.
    """

    max_rank: int = 3
    caveats: frozenset[str] = frozenset()
    restricting: frozenset[str] = RESTRICTING_CAVEATS

    @property
    def forbidden(self) -> frozenset[str]:
        """The restricting caveats this reader lacks."""
        return self.restricting - self.caveats


@dataclass(frozen=True, slots=True)
class Hit:
    """One search hit: enough to list it. `snippet` marks matches with `MARK_START`/`MARK_END`."""

    reference_id: str
    created: str | None
    origin: str | None
    classification: str | None
    subject: str | None
    snippet: str
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_id": self.reference_id, "created": self.created, "origin": self.origin,
            "classification": self.classification, "subject": self.subject,
            "snippet": self.snippet, "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class FacetCount:
    """One value of a facet and the number of matching cables that have it."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of hits, the total number of matches and the requested facet counts."""

    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    offset: int = 0
    limit: int = 20

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query, "total": self.total, "offset": self.offset,
            "limit": self.limit, "hits": [h.to_dict() for h in self.hits],
            "facets": {
                k: [{"value": f.value, "count": f.count} for f in v]
                for k, v in self.facets.items()
            },
        }


@dataclass(frozen=True, slots=True)
class RefLink:
    """An edge of the reference graph. `resolved` is True when the cited cable is archived."""

    from_id: str
    to_id: str | None
    text: str
    label: str | None
    resolved: bool
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class References:
    """What a cable cites and what cites it."""

    reference_id: str
    cites: list[RefLink]
    cited_by: list[RefLink]


@dataclass(frozen=True, slots=True)
class Thread:
    """A connected piece of the reference graph around one cable, `depth` steps each way."""

    root: str
    nodes: dict[str, dict[str, Any]]
    edges: list[RefLink]


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """An earlier text of a re-released cable."""

    reference_id: str
    content_hash: str
    released: str | None
    raw_text: str
    current: bool


@runtime_checkable
class Archive(Protocol):
    """A cable archive: store, get, search, follow references, export."""

    def close(self) -> None:
        """Release the connection."""

    def get(self, reference_id: str, *, access: AccessFilter | None = None) -> Cable | None:
        """The current record of a cable, or None when absent (or hidden by `access`)."""

    def raw_text(self, reference_id: str, *, access: AccessFilter | None = None) -> str | None:
        """The stored raw telegram text of a cable."""

    def versions(
        self, reference_id: str, *, access: AccessFilter | None = None
    ) -> list[VersionInfo]:
        """Every known text of a cable, oldest first; the last one is current."""

    def search(
        self,
        query: str,
        *,
        filters: str | None = None,
        facets: Sequence[str] = (),
        limit: int = 20,
        offset: int = 0,
        sort: Sort = "rank",
        access: AccessFilter | None = None,
    ) -> SearchResult:
        """Search with the query language; `filters` is more query text ANDed to `query`."""

    def iter_records(
        self, query: str = "", *, access: AccessFilter | None = None
    ) -> Iterator[Cable]:
        """Every matching cable's full record, by date."""

    def suggest(self, prefix: str, *, limit: int = 10) -> list[tuple[str, str]]:
        """Type-ahead: (kind, value) pairs of origins, tags and reference ids starting so."""

    def references(
        self, reference_id: str, *, access: AccessFilter | None = None
    ) -> References:
        """What `reference_id` cites and what cites it."""

    def thread(
        self, reference_id: str, depth: int = 2, *, access: AccessFilter | None = None
    ) -> Thread:
        """Walk the reference graph both ways from `reference_id`, `depth` steps."""

    def stats(self, *, access: AccessFilter | None = None) -> dict[str, Any]:
        """Counts: total, by year, origin, classification, top tags, quarantine, versions."""

    def to_pandas(self, query: str = "", *, access: AccessFilter | None = None) -> pandas.DataFrame:
        """The matching cables' metadata as a DataFrame (pandas imported lazily)."""


@runtime_checkable
class ArchiveWriter(Protocol):
    """What `cablegram.archive.ingest` needs from a backend to store records idempotently."""

    def known_hashes(self) -> dict[str, str | None]:
        """Content hash -> reference id (None for quarantined) of every text already stored."""

    def write_batch(self, items: Sequence[Prepared]) -> Counter[str]:
        """Store a batch in one transaction; count stored/updated/duplicates/quarantined."""
