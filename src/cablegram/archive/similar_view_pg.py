"""The archive's words as one reader sees them, on PostgreSQL: for a word, the cables the reader may
see that hold it (as they see them), and how many cables they may see (`similar_view` on SQLite).

A word's cables are the ids its tsquery finds in `cables.tsv` under the reader's access
(`access_sql` over `cable_facets f`), outside R, and in the reader's own rows (`reader_texts`)
inside R, exactly as their search matches (`postgres_reader.match_source`): never the whole index,
so a hidden cable weighs no word. The word's tsquery is the one the archive's search compiles for
that word alone (`PostgresArchive.compile`), so it follows the stored tsvector's form.

A word's ids are read once, up to one past the budget (`limit + 1`), the candidate words' in one
statement: its count is how many came back, and its list is kept (per archive object, reader and
archive state) for the scoring.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cablegram.archive.query import compile_for
from cablegram.archive.similar_view import kept_index

__all__ = ["PgReaderIndex", "pg_reader_index"]

#: Index entries kept per reader and archive state (the lists of words within the budget).
_KEEP_ENTRIES = 4_000_000


@dataclass
class PgReaderIndex:
    """One reader's view of a PostgreSQL archive's index, in one archive state."""

    archive: Any  # the PostgresArchive
    state: object
    access_sql: str  # "TRUE" when open
    match_source: str | None = None  # the reader's match source (`postgres_reader.match_source`), with an R
    total: int = 0  # cables the reader may see
    _lists: dict[tuple[str, int], tuple[int, ...]] = field(default_factory=dict)
    _entries: int = 0

    def _tsquery(self, term: str) -> str:
        """The tsquery the archive's search matches `term` (one word, as a phrase) by."""
        match = compile_for(self.archive, '"' + term.replace('"', " ") + '"', None, None).match
        return str(match) if match else "'-'"

    def _read(self, terms: list[str], limit: int) -> None:
        """Keep the first `limit + 1` cables the reader sees holding each of `terms` not yet read:
        one statement for them all (a GIN lookup per word, as the reader's search matches it)."""
        missing = list(dict.fromkeys(t for t in terms if (t, limit) not in self._lists))
        if not missing:
            return
        if self.match_source is not None:
            words = (f"SELECT m.id FROM {self.match_source} m JOIN cable_facets f ON f.id = m.id"
                     f" WHERE m.tsv @@ u.q::tsquery AND {self.access_sql}")
        elif self.access_sql == "TRUE":
            words = "SELECT c.id FROM cables c WHERE c.tsv @@ u.q::tsquery"
        else:
            words = (f"SELECT c.id FROM cables c JOIN cable_facets f ON f.id = c.id"
                     f" WHERE c.tsv @@ u.q::tsquery AND {self.access_sql}")
        rows = self.archive._all(f"SELECT u.n, w.id FROM unnest(%s::text[]) WITH ORDINALITY AS u(q, n)"
                                 f" CROSS JOIN LATERAL ({words} LIMIT %s) w",
                                 ([self._tsquery(t) for t in missing], limit + 1), text=True)
        found: dict[int, list[int]] = {}
        for n, i in rows:
            found.setdefault(int(n), []).append(int(i))
        entries = len(rows) + len(missing)
        if self._entries + entries > _KEEP_ENTRIES:
            self._lists.clear()
            self._entries = 0
        self._entries += entries
        for n, t in enumerate(missing, 1):
            self._lists[(t, limit)] = tuple(found.get(n, ()))

    def counts(self, terms: list[str], limit: int) -> dict[str, int]:
        """`count` of each of `terms`, read together."""
        self._read(terms, limit)
        return {t: len(self._lists[(t, limit)]) for t in terms}

    def count(self, term: str, limit: int) -> int:
        """How many cables the reader may see hold `term`, counted up to `limit + 1` (more: `limit + 1`)."""
        return self.counts([term], limit)[term]

    def cables(self, term: str, limit: int) -> tuple[int, ...] | None:
        """Row ids of the cables the reader may see that hold `term`; None when more than `limit`."""
        self._read([term], limit)
        found = self._lists[(term, limit)]
        return None if len(found) > limit else found


def pg_reader_index(archive: Any) -> PgReaderIndex:
    """The `PgReaderIndex` of what reads through `archive` (a `ControlledArchive` over a
    `PostgresArchive`, or the archive itself: open) see."""
    from cablegram.archive import postgres_reader

    inner = getattr(archive, "inner", archive)
    access = getattr(archive, "access", None) if inner is not archive else None
    if access is None:
        name, state, source = "open", inner.generation(), None
    else:
        reader = archive._source()  # R for this reader and archive state (built once, kept by the backend)
        name, state = reader.key, (reader.key, reader.generation)
        # with no cable partly withheld, the reader's words match in `cables` alone
        source = postgres_reader.match_source(reader) if reader.ids else None
    sql = inner.access_sql(access)

    def made() -> PgReaderIndex:
        (total,) = inner._all(f"SELECT count(*) FROM cable_facets f WHERE {sql}")[0]
        return PgReaderIndex(inner, state, sql, source, int(total))

    return kept_index(inner, name, state, made)
