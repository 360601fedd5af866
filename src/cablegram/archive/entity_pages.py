"""One entity's page, read from `entity_mentions` as one reader sees it (both backends).

The page of `person:lavrov`: how many cables name them, month by month; the posts that report on
them; the entities named in the same cables; and the cables themselves (paged, oldest first,
with the paragraphs that name them). A controlled archive's reader sees only cables they may
read and only mentions in paragraphs they may read (`entities_store.visible_sql`): an entity
named only in a withheld paragraph has no page for them, and is nobody's co-mention.

URLs name an entity by its slug, the key with `-` for spaces (`north-atlantic-treaty-organization`);
any spelling extraction folds resolves too (`Sergey Lavrov`, `NATO`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from cablegram.archive.base import AccessFilter
from cablegram.archive.entities_store import KIND_OF_FIELD, entity_key, spellings, visible_sql

__all__ = [
    "KINDS", "CableMention", "EntityPage", "EntityRef", "available", "cable_entities", "entity_page", "reader_access",
    "resolve", "slug",
]

KINDS = tuple(KIND_OF_FIELD)
#: The most co-mentioned entities a page lists.
CO_MENTIONS = 30


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity and the number of cables (of some set) that name it."""

    kind: str
    key: str
    name: str
    cables: int

    @property
    def slug(self) -> str:
        return slug(self.key)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "slug": self.slug, "name": self.name, "cables": self.cables}


@dataclass(frozen=True, slots=True)
class CableMention:
    """A cable naming the entity: its listing and the paragraphs (0: the heading) that name it."""

    reference_id: str
    created: str | None
    origin: str | None
    classification: str | None
    subject: str | None
    paragraphs: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"reference_id": self.reference_id, "created": self.created, "origin": self.origin,
                "classification": self.classification, "subject": self.subject,
                "paragraphs": list(self.paragraphs)}


@dataclass(frozen=True, slots=True)
class EntityPage:
    """What the entity page shows (`months`: cables per `YYYY-MM`; `posts`: cables per origin)."""

    kind: str
    key: str
    name: str
    total: int
    months: tuple[tuple[str, int], ...]
    posts: tuple[tuple[str, int], ...]
    co_mentioned: tuple[EntityRef, ...]
    cables: tuple[CableMention, ...]
    offset: int
    limit: int

    @property
    def slug(self) -> str:
        return slug(self.key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "key": self.key, "slug": self.slug, "name": self.name, "total": self.total,
            "months": [{"month": m, "cables": n} for m, n in self.months],
            "posts": [{"origin": o, "cables": n} for o, n in self.posts],
            "co_mentioned": [e.to_dict() for e in self.co_mentioned],
            "offset": self.offset, "limit": self.limit, "cables": [c.to_dict() for c in self.cables],
        }


def slug(key: str) -> str:
    """The URL form of a key: `north atlantic treaty organization` -> `north-atlantic-treaty-organization`."""
    return key.replace(" ", "-")


def _base(archive: Any) -> Any:
    return getattr(archive, "inner", archive)


def reader_access(archive: Any, access: AccessFilter | None = None) -> AccessFilter | None:
    """The reader's access: a `ControlledArchive`'s own reader wins over what a caller passes
    (fail closed: a view that forgets `access` still reads as the reader)."""
    own = getattr(archive, "access", None) if hasattr(archive, "inner") else None
    return own if own is not None else access


def available(archive: Any) -> bool:
    """Whether the archive has the mentions table (an archive made before it, read-only, has not)."""
    base = _base(archive)
    if hasattr(base, "pool"):
        rows = base.fetch("SELECT to_regclass('entity_mentions') IS NOT NULL")
        return bool(rows and rows[0][0])
    return bool(base.fetch("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'entity_mentions'"))


def _rows(archive: Any, kind: str, key: str, access: AccessFilter | None) -> list[tuple[Any, ...]]:
    """(reference_id, created, origin, classification, day, paragraph) of each visible mention."""
    base = _base(archive)
    return list(base.fetch(
        "SELECT c.reference_id, c.created, c.origin_label, c.classification_label, f.day, m.paragraph"
        " FROM entity_mentions m JOIN cables c ON c.id = m.cable_id JOIN cable_facets f ON f.id = c.id"
        f" WHERE m.kind = ? AND m.key = ? AND {base.access_sql(access)} AND {visible_sql(access)}"
        " ORDER BY f.day, c.reference_id, m.paragraph", [kind, key]))


def resolve(archive: Any, kind: str, name: str, access: AccessFilter | None = None) -> str | None:
    """The key a slug or spelling names, among the keys the reader has a visible mention of."""
    if kind not in KIND_OF_FIELD or not name.strip() or not available(archive):
        return None
    access = reader_access(archive, access)
    base = _base(archive)
    spaced = " ".join(name.replace("-", " ").split())
    for candidate in dict.fromkeys((spaced.lower(), name.strip().lower(), entity_key(kind, spaced),
                                    entity_key(kind, name))):
        if candidate and base.fetch(
                "SELECT 1 FROM entity_mentions m JOIN cable_facets f ON f.id = m.cable_id WHERE m.kind = ?"
                f" AND m.key = ? AND {base.access_sql(access)} AND {visible_sql(access)} LIMIT 1", [kind, candidate]):
            return candidate
    return None


def _co_mentioned(archive: Any, kind: str, key: str, access: AccessFilter | None,
                  limit: int = CO_MENTIONS) -> tuple[EntityRef, ...]:
    base = _base(archive)
    rows = base.fetch(
        "SELECT o.kind, o.key, count(DISTINCT o.cable_id) AS n FROM entity_mentions m"
        " JOIN cable_facets f ON f.id = m.cable_id JOIN entity_mentions o ON o.cable_id = m.cable_id"
        f" WHERE m.kind = ? AND m.key = ? AND {base.access_sql(access)} AND {visible_sql(access, 'm')}"
        f" AND {visible_sql(access, 'o')} AND NOT (o.kind = ? AND o.key = ?)"
        f" GROUP BY o.kind, o.key ORDER BY n DESC, o.kind, o.key LIMIT {int(limit)}", [kind, key, kind, key])
    names: dict[str, dict[str, str]] = {}
    for k in KIND_OF_FIELD:
        keys = [str(r[1]) for r in rows if r[0] == k]
        names[k] = spellings(archive, k, keys, access) if keys else {}
    return tuple(EntityRef(str(k), str(v), names[str(k)].get(str(v), str(v)), int(n)) for k, v, n in rows)


def _listed(archive: Any, refs: list[str], access: AccessFilter | None) -> dict[str, str | None]:
    """The subject of each cable as the reader may see it (a withheld subject is not shown)."""
    from cablegram.access import can_read, redact

    base = _base(archive)
    out: dict[str, str | None] = {}
    for ref in refs:
        cable = base.get(ref, access=access)
        if cable is None:
            continue
        if access is not None:
            if not can_read(access, cable):
                continue
            cable = redact(cable, access)
        out[ref] = cable.subject
    return out


def entity_page(archive: Any, kind: str, name: str, *, access: AccessFilter | None = None, offset: int = 0,
                limit: int = 20) -> EntityPage | None:
    """The page of an entity (a slug or any spelling), as the reader sees it; None when no cable
    they may read names it (absent and withheld look the same)."""
    access = reader_access(archive, access)
    key = resolve(archive, kind, name, access)
    if key is None:
        return None
    by_ref: dict[str, tuple[str | None, str | None, str | None, list[int]]] = {}
    for ref, created, origin, cls, _day, paragraph in _rows(archive, kind, key, access):
        by_ref.setdefault(ref, (created, origin, cls, []))[3].append(int(paragraph))
    if not by_ref:
        return None
    months = Counter((created or "")[:7] for created, _, _, _ in by_ref.values() if created and len(created) >= 7)
    posts = Counter(origin or "unknown" for _, origin, _, _ in by_ref.values())
    shown = list(by_ref)[offset:offset + limit] if limit > 0 else []
    subjects = _listed(archive, shown, access)
    cables = tuple(CableMention(ref, by_ref[ref][0], by_ref[ref][1], by_ref[ref][2], subjects.get(ref),
                                tuple(dict.fromkeys(by_ref[ref][3]))) for ref in shown if ref in subjects)
    display = spellings(archive, kind, [key], access).get(key, key)
    return EntityPage(kind, key, display, len(by_ref), tuple(sorted(months.items())),
                      tuple(sorted(posts.items(), key=lambda kv: (-kv[1], kv[0]))),
                      _co_mentioned(archive, kind, key, access), cables, offset, limit)


def cable_entities(archive: Any, reference_id: str, access: AccessFilter | None = None) -> dict[str, list[EntityRef]]:
    """The entities of one cable the reader may see, per kind (`cables` is the mentions count)."""
    if not available(archive):
        return {}
    access = reader_access(archive, access)
    base = _base(archive)
    rows = base.fetch(
        "SELECT m.kind, m.key, count(*) FROM entity_mentions m JOIN cables c ON c.id = m.cable_id"
        f" JOIN cable_facets f ON f.id = c.id WHERE c.reference_id = ? AND {base.access_sql(access)}"
        f" AND {visible_sql(access)} GROUP BY m.kind, m.key ORDER BY m.kind, 3 DESC, m.key", [reference_id])
    out: dict[str, list[EntityRef]] = {}
    for kind in KIND_OF_FIELD:
        keys = [str(r[1]) for r in rows if r[0] == kind]
        names = spellings(archive, kind, keys, access) if keys else {}
        out[kind] = [EntityRef(kind, str(k), names.get(str(k), str(k)), int(n)) for kd, k, n in rows if kd == kind]
    return out
