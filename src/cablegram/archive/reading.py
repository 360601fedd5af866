"""Reading stored cables, for every backend: rows -> records, texts, versions, stats.

Both backends keep the same tables (`cables`, `versions`, `cable_facets`; see
`schema.py` and `postgres_schema.py`) and the same compressed bodies (`compress.py`), so the
reading is written once here over what a backend offers (`Stored`): `fetch` (SQL with `?`
placeholders), `access_sql`, `codec` and `search`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple, Protocol

from cablegram.archive import dims as dims_mod
from cablegram.archive.base import AccessFilter, SearchResult, VersionInfo
from cablegram.archive.compress import Codec
from cablegram.model import Cable

__all__ = ["Body", "Stored", "get", "raw_text", "readable_versions", "records", "stats", "suggest", "versions"]

#: `iter_records` reads bodies this many at a time.
CHUNK = 500


class Stored(Protocol):
    """What a backend gives the readers here."""

    codec: Codec

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def access_sql(self, access: AccessFilter | None) -> str: ...

    def search(self, query: str, *, filters: str | None = None, facets: Sequence[str] = (),
               limit: int = 20, offset: int = 0, sort: Any = "rank",
               access: AccessFilter | None = None) -> SearchResult: ...


class Body(NamedTuple):
    """A stored text: a row of `cables` or `versions`, as the readers need it."""

    id: int
    reference_id: str
    content_hash: str
    released: str | None
    dict_id: int
    body: bytes


_BODY = "{t}.id, {t}.reference_id, {t}.content_hash, {t}.released, {t}.dict_id, {t}.body"


def _body(row: Sequence[Any]) -> Body:
    return Body(int(row[0]), row[1], row[2], row[3], int(row[4]), bytes(row[5]))


def current(archive: Stored, reference_id: str, access: AccessFilter | None) -> Body | None:
    """The current text of a cable the reader may see."""
    rows = archive.fetch(
        f"SELECT {_BODY.format(t='c')} FROM cables c JOIN cable_facets f ON f.id = c.id"
        f" WHERE c.reference_id = ? AND {archive.access_sql(access)}",
        (reference_id.replace(" ", "").upper(),))
    return _body(rows[0]) if rows else None


def _unpack(archive: Stored, b: Body) -> tuple[str, str]:
    return archive.codec.record(b.dict_id, b.body)


def get(archive: Stored, reference_id: str, access: AccessFilter | None) -> Cable | None:
    """The current record of a cable, or None when absent or hidden by `access`."""
    b = current(archive, reference_id, access)
    return None if b is None else Cable.from_dict(json.loads(_unpack(archive, b)[1]))


def raw_text(archive: Stored, reference_id: str, access: AccessFilter | None) -> str | None:
    """The raw telegram text as stored, or None."""
    b = current(archive, reference_id, access)
    return None if b is None else _unpack(archive, b)[0]


def versions(archive: Stored, reference_id: str, access: AccessFilter | None) -> list[VersionInfo]:
    """Every known text of a cable, oldest first (by release date, then by when read)."""
    b = current(archive, reference_id, access)
    if b is None:
        return []
    earlier = [_body(r) for r in archive.fetch(
        f"SELECT {_BODY.format(t='v')} FROM versions v WHERE v.cable_id = ?"
        " ORDER BY coalesce(v.released, ''), v.id", (b.id,))]
    out = [VersionInfo(v.reference_id, v.content_hash, v.released, _unpack(archive, v)[0], False)
           for v in earlier]
    out.append(VersionInfo(b.reference_id, b.content_hash, b.released, _unpack(archive, b)[0], True))
    return out


def records(archive: Stored, ids: Sequence[int]) -> Iterator[Cable]:
    """The records of cables `ids`, in that order."""
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        marks = ", ".join("?" * len(chunk))
        rows = {b.id: b for b in map(_body, archive.fetch(
            f"SELECT {_BODY.format(t='c')} FROM cables c WHERE c.id IN ({marks})", chunk))}
        for i in chunk:
            yield Cable.from_dict(json.loads(_unpack(archive, rows[i])[1]))


def stats(archive: Stored, access: AccessFilter | None) -> dict[str, Any]:
    """Totals and counts by year, origin, classification, caveat and tag (top 20); with `access`,
    references, versions and sources of the cables the reader may see (no quarantine)."""
    result = archive.search("", facets=("year", "origin", "classification", "tag", "caveat"),
                            limit=0, access=access)

    def count(sql: str) -> int:
        return int(archive.fetch(sql)[0][0])

    out = {
        "cables": result.total,
        "by_year": {f.value: f.count for f in result.facets["year"]},
        "by_origin": {f.value: f.count for f in result.facets["origin"][:20]},
        "origins": len(result.facets["origin"]),
        "by_classification": {f.value: f.count for f in result.facets["classification"]},
        "by_caveat": {f.value: f.count for f in result.facets["caveat"]},
        "top_tags": {f.value: f.count for f in result.facets["tag"][:20]},
        "references": count("SELECT count(*) FROM refs"),
        "versions": count("SELECT count(*) FROM versions"),
        "quarantined": count("SELECT count(*) FROM quarantine"),
        "sources": count("SELECT count(*) FROM sources"),
    }
    if access is not None:  # only what the reader may read: of visible cables, versions they may read
        visible = (f"SELECT c.reference_id FROM cables c JOIN cable_facets f ON f.id = c.id"
                   f" WHERE {archive.access_sql(access)}")
        out["references"] = count(f"SELECT count(*) FROM refs WHERE from_id IN ({visible})")
        bodies = archive.fetch(f"SELECT v.dict_id, v.body FROM versions v WHERE v.reference_id IN ({visible})")
        records = (json.loads(archive.codec.record(int(d), bytes(b))[1]) for d, b in bodies)
        out["versions"] = readable_versions(access, [(r.get("classification"), r.get("caveats") or [])
                                                     for r in records])
        out["sources"] = count(f"SELECT count(*) FROM sources WHERE reference_id IN ({visible})")
        out["quarantined"] = 0
    return out


def readable_versions(access: AccessFilter, rows: Sequence[tuple[Any, ...]]) -> int:
    """How many of the versions (classification, caveats) `access` may read."""
    from cablegram.access import can_read  # access imports the archive package

    return sum(can_read(access, Cable(classification=cls, caveats=tuple(
        cav if isinstance(cav, list) else json.loads(cav or "[]")))) for cls, cav in rows)


def suggest(archive: Any, prefix: str, limit: int) -> list[tuple[str, str]]:
    """Type-ahead suggestions: (kind, value) for origins, tags and reference ids that start with
    `prefix` (`archive`: `fetch` and `dims`)."""
    p = prefix.strip()
    if not p or "\x00" in p:  # PostgreSQL text holds no NUL (nothing starts with one)
        return []
    out = dims_mod.suggest_origins(archive.dims(), p)
    out += [("tag", r[0]) for r in archive.fetch(
        "SELECT DISTINCT tag FROM tags WHERE tag >= ? AND tag < ? ORDER BY tag LIMIT ?",
        (p.upper(), p.upper() + "\uffff", limit))]
    like = p.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").upper() + "%"
    out += [("reference_id", r[0]) for r in archive.fetch(
        "SELECT reference_id FROM cables WHERE reference_id LIKE ? ESCAPE '\\'"
        " ORDER BY reference_id LIMIT ?", (like, limit))]
    return out[:limit]
