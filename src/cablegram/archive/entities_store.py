"""Entity mentions in the archive: one row per (cable, entity, paragraph), on both backends.

Ingest extracts in its worker processes (`mention_rows`, through `records.prepare`) and stores
the rows after each batch (`store`); `rebuild` extracts again from every stored cable. The table
is this module's own (`CREATE TABLE IF NOT EXISTS`), keyed by the cable's id:

    entity_mentions(cable_id, kind, key, name, paragraph, rank, caveats, open)

`kind` is `person`, `place` or `org`; `key` the folded name variants share (`lavrov`); `name` the
spelling shown. Each row carries the marking of the paragraph it comes from, so that a reader
never learns of an entity from a paragraph withheld from them: `rank` (0-3, capped by the
cable's level, as `access.redact` does), `caveats` (restricting caveats, ` NOFORN EXDIS `) and
`open` (1 when whoever may read the cable may read the paragraph). Query filters and facets,
which do not know the reader, count open mentions only (fail closed); `visible_sql` gives the
reader's own condition.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from cablegram.archive.base import ENTITY_FACETS, AccessFilter, FacetCount
from cablegram.model import Cable

if TYPE_CHECKING:
    from cablegram.access import Marking

__all__ = [
    "ENTITY_FACETS", "KIND_OF_FIELD", "Mention", "ensure", "entity_key", "facet_counts", "field_sql", "mention_rows",
    "paragraph_markings", "rebuild", "store", "supported", "visible_sql",
]

#: Query fields and facets, and the kind of entity each names.
KIND_OF_FIELD = {"person": "person", "place": "place", "org": "org"}
_KIND_OF_LIST = {"people": "person", "places": "place", "orgs": "org"}
#: The most values an entity facet returns.
FACET_LIMIT = 100

Mention = tuple[str, str, str, int, int, str, int]  # kind, key, name, paragraph, rank, caveats, open

_DDL = (
    "CREATE TABLE IF NOT EXISTS entity_mentions ("
    " cable_id INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,"
    " paragraph INTEGER NOT NULL, rank INTEGER NOT NULL, caveats TEXT NOT NULL, open INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS entity_mentions_key ON entity_mentions(kind, key, cable_id)",
    "CREATE INDEX IF NOT EXISTS entity_mentions_cable ON entity_mentions(cable_id)",
)


# --- extraction (worker side) ------------------------------------------------------------------

def _combine(a: Marking, b: Marking) -> Marking:
    from cablegram.access import Marking

    return Marking(max(a.rank, b.rank), a.caveats | b.caveats)


def _effective(mark: str | None, own: Marking) -> Marking:
    """What a portion mark means in a cable of marking `own` (as `access.redact` reads it)."""
    from cablegram.access import Marking, portion

    if not mark:
        return own
    level, caveats = portion(mark)
    return Marking(min(level, own.rank), caveats)


def paragraph_markings(cable: Cable) -> dict[int, Marking]:
    """Paragraph number (as extraction counts them: 0 the heading, unnumbered text under the
    number before it) -> the strictest marking of what that number covers."""
    from cablegram.access import cable_marking, marks_in

    own = cable_marking(cable)
    heading = _effective(cable.subject_marking, own)
    for text in (cable.subject, cable.classified_by.text if cable.classified_by else None, *cable.notes):
        for mark in marks_in(text):
            heading = _combine(heading, _effective(mark, own))
    out = {0: heading}
    current = 0
    for p in cable.paragraphs:
        if p.number is not None:
            current = p.number
        m = _effective(p.marking, own)
        for mark in (*marks_in(p.heading), *marks_in(p.text)):
            m = _combine(m, _effective(mark, own))
        out[current] = _combine(out[current], m) if current in out else m
    return out


def mention_rows(cable: Cable) -> list[Mention]:
    """The mention rows of a parsed cable (extraction and the paragraphs' markings)."""
    from cablegram.access import Marking, cable_marking
    from cablegram.entities import extract

    found = extract(cable)
    markings = paragraph_markings(cable)
    own = cable_marking(cable)
    strictest = Marking(3, frozenset({"UNKNOWN"}))  # a number extraction knows and the cable not: fail closed
    rows: list[Mention] = []
    for attr, kind in _KIND_OF_LIST.items():
        for e in getattr(found, attr):
            for n in e.mentions:
                m = markings.get(n, strictest)
                caveats = f" {' '.join(sorted(m.caveats))} " if m.caveats else ""
                is_open = int(m.rank <= own.rank and m.caveats <= own.caveats)
                rows.append((kind, e.key, e.name, n, m.rank, caveats, is_open))
    return rows


# --- the backends ------------------------------------------------------------------------------

class _Db:
    """The few statements this module runs, on a SQLite archive (`db`) or a PostgreSQL one (`pool`),
    all written with `?` marks (`transactions.pg_sql` translates them for PostgreSQL)."""

    def __init__(self, archive: Any) -> None:
        self.archive = archive
        self.pg = hasattr(archive, "pool")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        """A write transaction: yields what runs `?` SQL (`execute`, `executemany`) on either backend."""
        from cablegram.transactions import PgCursor, immediate

        if self.pg:
            with self.archive.pool.connection() as conn, conn.transaction():
                yield PgCursor(conn)
                conn.execute("UPDATE archive_state SET generation = generation + 1")
        else:
            with immediate(self.archive.db) as db:
                yield db
            self.archive._writes += 1  # the archive's cache key: counts and facets read again

    def many(self, conn: Any, text: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            conn.executemany(text, rows)

    def all(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of `text` (`?` marks; SQLite's spelling)."""
        return list(self.archive.fetch(text, params))


def supported(archive: Any) -> bool:
    """Whether `archive` is one of the two backends (a test's stand-in writer is not)."""
    return hasattr(archive, "pool") or hasattr(archive, "db")


def ensure(archive: Any) -> None:
    """Create the mentions table and its indexes if they are not there (idempotent)."""
    if not supported(archive) or getattr(archive, "readonly", False):
        return
    db = _Db(archive)
    if db.pg:
        with archive.pool.connection() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7315013)")  # two ingests starting together
            for statement in _DDL:
                conn.execute(statement)
    else:
        for statement in _DDL:
            archive.db.execute(statement)


def _ids(db: _Db, reference_ids: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in range(0, len(reference_ids), 500):
        part = list(reference_ids[i:i + 500])
        marks = ",".join("?" * len(part))
        out.update((r, int(i_)) for i_, r in db.all(
            f"SELECT id, reference_id FROM cables WHERE reference_id IN ({marks})", part))
    return out


def _write(db: _Db, by_ref: dict[str, list[Mention]]) -> int:
    ids = _ids(db, list(by_ref))
    rows = [(ids[ref], *m) for ref, ms in by_ref.items() if ref in ids for m in ms]
    with db.transaction() as conn:
        db.many(conn, "DELETE FROM entity_mentions WHERE cable_id = ?", [(ids[r],) for r in by_ref if r in ids])
        db.many(conn, "INSERT INTO entity_mentions (cable_id, kind, key, name, paragraph, rank, caveats, open)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def store(archive: Any, items: Iterable[Any]) -> int:
    """After ingest wrote a batch: the mentions of its newly parsed cables (`Prepared.entities`),
    replacing what an earlier text of the same cable left. Returns the rows written."""
    if not supported(archive):
        return 0
    by_ref: dict[str, list[Mention]] = {}
    for p in items:
        if p.reason is None and p.cable and p.reference_id and p.entities is not None:
            by_ref[p.reference_id] = p.entities  # the batch's last text of a cable wins, as in `cables`
    return _write(_Db(archive), by_ref) if by_ref else 0


def rebuild(archive: Any, *, batch: int = 500, on_batch: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Extract again from every stored cable (`cablegram entities --rebuild`): (cables, rows)."""
    ensure(archive)
    db = _Db(archive)
    refs = [r for (r,) in db.all("SELECT reference_id FROM cables ORDER BY id")]
    cables = rows = 0
    for i in range(0, len(refs), batch):
        by_ref: dict[str, list[Mention]] = {}
        for ref in refs[i:i + batch]:
            cable = archive.get(ref)
            if cable is not None:
                by_ref[ref] = mention_rows(cable)
        rows += _write(db, by_ref)
        cables += len(by_ref)
        if on_batch is not None:
            on_batch(cables)
    return cables, rows


# --- reading -----------------------------------------------------------------------------------

def entity_key(kind: str, value: str) -> str:
    """The key a name is stored under: `Sergey Lavrov` -> `lavrov`, `Burma` -> `burma`, `NATO` ->
    `north atlantic treaty organization`."""
    from cablegram.entities.orgs import org_acronyms, org_names
    from cablegram.entities.people import person_key
    from cablegram.entities.places import place_index
    from cablegram.entities.text import fold

    value = value.strip()
    if kind == "person":
        return person_key(value) or fold(value)
    if kind == "place":
        place = place_index().get(fold(value))
        return fold(place.name) if place else fold(value)
    canonical = org_acronyms().get(value) or org_acronyms().get(value.upper()) or org_names().get(fold(value))
    return fold(canonical or value)


def field_sql(kind: str, value: str, params: list[object]) -> str:
    """`person:lavrov` as SQL over `f` (cable_facets): cables with an open mention of that key."""
    params.extend([kind, entity_key(kind, value)])
    return "f.id IN (SELECT cable_id FROM entity_mentions WHERE kind = ? AND key = ? AND open = 1)"


def visible_sql(access: AccessFilter | None, alias: str = "m") -> str:
    """SQL over mention rows `alias` that the reader may see (True without access control)."""
    if access is None:
        return "1 = 1"
    conditions = [f"{alias}.rank <= {int(access.max_rank)}"]
    for c in sorted(access.forbidden):
        # a caveat spelt with other characters cannot go into LIKE safely: no caveat at all then
        conditions.append(f"{alias}.caveats NOT LIKE '% {c} %'" if c.isalnum() else f"{alias}.caveats = ''")
    # a paragraph extraction knew and the cable did not: only a reader without control sees it
    conditions.append(f"{alias}.caveats NOT LIKE '% UNKNOWN %'")
    return "(" + " AND ".join(conditions) + ")"


def facet_counts(run: Callable[[str, list[Any]], list[tuple[Any, ...]]],
                 joined: Callable[[str], tuple[str, Sequence[Any]]],
                 wanted: Iterable[str]) -> dict[str, list[FacetCount]]:
    """Entity facets of a search: `joined(join)` is the backend's FROM/WHERE over the matching `f`
    rows with `join` added to its tables, and its parameters; the value of each count is the key
    a `person:`/`place:`/`org:` filter takes."""
    out: dict[str, list[FacetCount]] = {}
    for name in wanted:
        kind = KIND_OF_FIELD.get(name)
        if kind is None:
            continue
        # `em.kind || ''`: no index on kind, so SQLite walks the matches and looks their mentions up by
        # cable (with the (kind, key) index it ran the full-text match once per mention: seconds);
        # `em`, as PostgreSQL's full-text source already calls its matches `m`
        frm, params = joined(f"JOIN entity_mentions em ON em.cable_id = f.id AND em.kind || '' = '{kind}'"
                             " AND em.open = 1")
        rows = run(f"SELECT em.key, count(DISTINCT f.id) AS n {frm} GROUP BY em.key ORDER BY n DESC, em.key"
                   f" LIMIT {FACET_LIMIT}", list(params))
        out[name] = [FacetCount(str(k), int(n)) for k, n in rows]
    return out


def spellings(archive: Any, kind: str, keys: Sequence[str], access: AccessFilter | None,
              cable_ids: Sequence[int] | None = None) -> dict[str, str]:
    """The most frequent spelling of each key (ties: alphabetical) that the reader may see,
    over the cables `cable_ids` (None: every cable); a key with none keeps its key.

    An entity's name is the fullest spelling its cable uses anywhere (`Ivan Kestrelovsky` for a
    paragraph's `Ambassador Kestrelovsky`), so a cable counts only when the reader sees every
    paragraph naming the entity: else a given name written only in a withheld paragraph would show."""
    base = getattr(archive, "inner", archive)
    db = _Db(base)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    among = ""
    if cable_ids is not None:
        among = f" AND m.cable_id IN ({','.join(str(int(i)) for i in cable_ids) or 'NULL'})"
    for i in range(0, len(keys), 500):
        part = list(keys[i:i + 500])
        marks = ",".join("?" * len(part))
        for key, name, n in db.all(
                f"SELECT m.key, m.name, count(*) FROM entity_mentions m WHERE m.kind = ? AND m.key IN ({marks})"
                f"{among} GROUP BY m.cable_id, m.key, m.name"
                f" HAVING min(CASE WHEN {visible_sql(access)} THEN 1 ELSE 0 END) = 1", [kind, *part]):
            counts[str(key)][str(name)] += int(n)
    named = {k: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for k, c in counts.items()}
    return {str(k): named.get(str(k), str(k)) for k in keys}


# --- the commands' reads: top entities of a search, one person over time ------------------------

def _reader_access(archive: Any) -> AccessFilter | None:
    """The reader of a `ControlledArchive` (its `access`), else None: an open archive."""
    return getattr(archive, "access", None) if hasattr(archive, "inner") else None


def _base(archive: Any) -> Any:
    return getattr(archive, "inner", archive)


def matching_ids(archive: Any, query: str, *, most: int = 10_000) -> list[int]:
    """The cable ids of a search as its reader sees it (through `search`, which a controlled
    archive answers on the reader's view), at most `most`."""
    refs: list[str] = []
    page = 1000
    while len(refs) < most:
        result = archive.search(query, limit=page, offset=len(refs), sort="date")
        refs.extend(h.reference_id for h in result.hits)
        if len(result.hits) < page:
            break
    ids = _ids(_Db(_base(archive)), refs[:most])
    return [ids[r] for r in refs[:most] if r in ids]


def top_entities(archive: Any, query: str, *, limit: int = 10) -> dict[str, list[tuple[str, str, int]]]:
    """Per kind, the entities named in most cables of the search: (key, name, cables). Only
    mentions in paragraphs the reader may see count."""
    ids = matching_ids(archive, query)
    base = _base(archive)
    db = _Db(base)
    seen = visible_sql(_reader_access(archive))
    out: dict[str, list[tuple[str, str, int]]] = {}
    for kind in KIND_OF_FIELD:
        counts: Counter[str] = Counter()
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            marks = ",".join("?" * len(part))
            for key, n in db.all(f"SELECT m.key, count(DISTINCT m.cable_id) FROM entity_mentions m"
                                 f" WHERE m.kind = ? AND m.cable_id IN ({marks}) AND {seen} GROUP BY m.key",
                                 [kind, *part]):
                counts[str(key)] += int(n)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        # spelled from the search's own cables, as the reader sees them
        names = spellings(base, kind, [k for k, _ in top], _reader_access(archive), ids)
        out[kind] = [(k, names[k], n) for k, n in top]
    return out


def person_cables(archive: Any, name: str) -> tuple[str, list[tuple[str, str | None, tuple[int, ...]]]]:
    """One person's cables, oldest first: (key, [(reference_id, created, paragraphs)]); only
    cables and paragraphs the reader may see."""
    key = entity_key("person", name)
    base = _base(archive)
    db = _Db(base)
    access = _reader_access(archive)
    rows = db.all(
        "SELECT c.reference_id, c.created, m.paragraph FROM entity_mentions m"
        " JOIN cables c ON c.id = m.cable_id JOIN cable_facets f ON f.id = c.id"
        f" WHERE m.kind = 'person' AND m.key = ? AND {base.access_sql(access)} AND {visible_sql(access)}"
        " ORDER BY f.day, c.reference_id, m.paragraph", [key])
    by_ref: dict[str, tuple[str | None, list[int]]] = {}
    for ref, created, paragraph in rows:
        by_ref.setdefault(ref, (created, []))[1].append(int(paragraph))
    return key, [(ref, created, tuple(ps)) for ref, (created, ps) in by_ref.items()]
