"""Turning raw records into archive rows: the CPU work an ingest worker does, no I/O.

`prepare()` runs in a worker process: it parses the text and flattens the Cable into plain
tuples that the writer inserts as they are.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from cablegram.directory.classification import rank_or_highest
from cablegram.model import Cable
from cablegram.sources.metadata import complete

__all__ = ["CableRow", "Prepared", "classification_rank", "content_hash", "dumps", "position_of", "prepare"]

try:
    import orjson
except ImportError:  # optional: the standard library gives the same JSON, ~5x slower
    orjson = None


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """Compact JSON, non-ASCII kept as is (orjson when installed: ingest encodes every record)."""
    if orjson is not None:
        try:
            return orjson.dumps(value, default=default).decode()
        except (TypeError, orjson.JSONEncodeError):
            pass  # lone surrogates, non-string keys, huge ints: the standard library copes
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=default)

def classification_rank(classification: str | None) -> int:
    """UNCLASSIFIED 0 < CONFIDENTIAL 1 < SECRET 2 < TOP SECRET 3; a missing or unknown
    classification ranks 3 (fail closed: only the highest clearance sees it)."""
    return rank_or_highest(classification)


@lru_cache(maxsize=8192)  # every cable looks up the same few hundred codes
def _tag_meaning(code: str) -> str | None:
    try:
        from cablegram.directory import tag_meaning
    except ImportError:
        return None
    try:
        return tag_meaning(code)
    except (KeyError, ValueError):
        return None


def content_hash(text: str) -> str:
    """SHA-256 of the raw text: what makes ingest idempotent."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def position_of(source: dict[str, Any] | None) -> int | None:
    """The record's line, row or index within its file."""
    if not source:
        return None
    for key in ("line", "row", "position", "index"):
        value = source.get(key)
        if isinstance(value, int):
            return value
    return None


def _released(source: dict[str, Any] | None) -> str | None:
    meta = (source or {}).get("metadata") or {}
    value = meta.get("released") or meta.get("release_date")
    return str(value) if value else None


class CableRow(NamedTuple):
    """A cable's row as ingest prepares it: the columns of `cables` but its id (assigned by the
    writer). Each backend stores `raw_text` and `record_json` together, compressed
    (`compress.py`); the other columns as they are."""

    reference_id: str
    created: str | None
    classification: str | None
    classification_label: str
    caveats: str
    origin_station: str | None
    origin_name: str | None
    origin_label: str
    precedence: str | None
    subject: str | None
    tags: str
    tag_text: str
    sections: int | None
    paragraph_count: int
    defect_count: int
    released: str | None
    content_hash: str
    record_json: str
    raw_text: str

    @property
    def columns(self) -> tuple[Any, ...]:
        """The values stored as columns (all but `record_json` and `raw_text`), in the order
        of `STORE_COLUMNS`."""
        return tuple(self)[:-2]


@dataclass(slots=True)
class Prepared:
    """One raw record, ready to write: a cable's rows, or a quarantine entry (`reason` set)."""

    content_hash: str
    raw_text: str
    source: dict[str, Any] | None
    reason: str | None = None
    reference_id: str | None = None
    released: str | None = None
    cable: CableRow | None = None
    facet: dict[str, Any] = field(default_factory=dict)
    addressees: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    refs: list[tuple[Any, ...]] = field(default_factory=list)
    paragraphs: list[tuple[Any, ...]] = field(default_factory=list)
    people: list[tuple[Any, ...]] = field(default_factory=list)  # (role, position, name, office)
    offices: list[tuple[Any, ...]] = field(default_factory=list)  # (role, code, copies)
    defects: list[tuple[Any, ...]] = field(default_factory=list)
    #: What a backend derived from the text in the parsing worker (PostgreSQL: its tsvectors).
    index: tuple[Any, ...] = ()
    entities: list[tuple[Any, ...]] | None = None  # entity mentions (see `entities_store`)


#: Columns of `cables` that `Prepared.cable` fills, in order (id is assigned by the writer).
CABLE_COLUMNS = CableRow._fields
#: The ones stored as columns (`record_json` and `raw_text` are the compressed body).
STORE_COLUMNS = CABLE_COLUMNS[:-2]


def current_key(released: str | None, created: str | None, content_hash: str) -> tuple[str, str, str]:
    """Which of two texts of one cable is the current one: the greater key wins. The later
    release first, then the later date-time group, then (two texts alike in both) the greater
    content hash: so the current text is the same whatever order the texts are read in, and
    however many processes read them at once. A text with no release date ranks below one with."""
    return (released or "", created or "", content_hash)


def _default_year(source: dict[str, Any] | None) -> int | None:
    meta = (source or {}).get("metadata") or {}
    created = str(meta.get("created") or "")
    return int(created[:4]) if created[:4].isdigit() else None


def rows_for(cable: Cable, raw_text: str, digest: str, released: str | None,
             source: dict[str, Any] | None = None) -> Prepared:
    """Flatten a parsed cable into the rows of every table (`source`, when given, replaces
    the cable's own)."""
    record = cable.to_dict()
    if source is not None:
        record["source"] = source
    else:
        source = cable.source
    tags = list(dict.fromkeys(cable.tags))
    words = []
    for tag in tags:
        words.append(tag)
        meaning = _tag_meaning(tag)
        if meaning:
            words.append(meaning)
    origin = cable.origin
    label = origin.label or origin.name or origin.station or "Unknown"
    cls_label = cable.classification_label or cable.classification or "UNKNOWN"
    created = cable.created or ""
    day = int(created[:10].replace("-", "")) if created[:10].replace("-", "").isdigit() else 0
    p = Prepared(digest, raw_text, source, reference_id=cable.reference_id,
                 released=released)
    p.cable = CableRow(
        cable.reference_id, cable.created, cable.classification, cls_label,
        " ".join(cable.caveats), origin.station, origin.name, label, cable.precedence,
        cable.subject, " ".join(tags), " ".join(words), cable.sections, len(cable.paragraphs),
        len(cable.defects), released, digest,
        dumps(record), raw_text,
    )
    p.facet = {
        "origin": label, "station": origin.station, "class_label": cls_label,
        "classification": cable.classification,
        "rank": classification_rank(cable.classification),
        "caveats": list(dict.fromkeys(cable.caveats)), "day": day,
    }
    for kind, addresses in (("to", cable.to), ("info", cable.info)):
        for i, a in enumerate(addresses):
            p.addressees.append((kind, i, a.name, a.routing_indicator, a.precedence, a.serial))
    p.tags = tags
    p.refs = [(i, r.label, r.reference_id, r.text) for i, r in enumerate(cable.references)]
    p.paragraphs = [
        (i, q.number, q.marking, q.heading) for i, q in enumerate(cable.paragraphs)
    ]
    p.defects = [(d.code, d.message, d.line) for d in cable.defects]
    p.people = _people(cable)
    p.offices = _offices(cable)
    return p


def _people(cable: Cable) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for role, person in (("drafted", cable.drafted_by), ("approved", cable.approved_by)):
        if person:
            out.append((role, 0, person.name, person.office))
    out.extend(("cleared", i, q.name, q.office) for i, q in enumerate(cable.clearances))
    return out


def _offices(cable: Cable) -> list[tuple[Any, ...]]:
    """One row per office and role (an office listed twice in INFO counts once, its fewer copies:
    what schema migration 4 writes too)."""
    rows: dict[tuple[str, str], int] = {}
    if cable.action_office:
        role = "origin" if cable.action_office.origin else "action"
        rows[(cable.action_office.code, role)] = cable.action_office.copies
    for o in cable.info_offices:
        rows[(o.code, "info")] = min(o.copies, rows.get((o.code, "info"), o.copies))
    return [(role, code, copies) for (code, role), copies in rows.items()]


def prepare(
    text: str,
    source: dict[str, Any] | None,
    error: str | None,
    digest: str | None,
    parse: Callable[..., Cable],
) -> Prepared:
    """Parse one raw record into rows, or into a quarantine entry with the reason (`digest`:
    the text's content hash, computed here when None)."""
    if digest is None:
        digest = content_hash(text)
    released = _released(source)
    if error:
        return Prepared(digest, text, source, reason=f"read error: {error}")
    try:
        cable = complete(parse(text, default_year=_default_year(source)), source)
    except Exception as exc:  # the parser is lenient; anything raised is a bug worth keeping
        return Prepared(digest, text, source, reason=f"parse error: {type(exc).__name__}: {exc}")
    if not cable.reference_id:
        return Prepared(digest, text, source, reason="no reference id")
    prepared = rows_for(cable, text, digest, released, source)
    prepared.entities = _mentions(cable)
    return prepared


#: Set to 1, ingest extracts entity mentions in its workers (`cablegram ingest --entities`).
ENTITIES_ENV = "CABLEGRAM_ENTITIES"


def _mentions(cable: Cable) -> list[tuple[Any, ...]] | None:
    """Entity mentions, extracted here in the worker; None (stored later by `cablegram entities
    --rebuild`) if extraction fails: a cable is never lost to it."""
    from cablegram.archive.entities_store import mention_rows

    if os.environ.get(ENTITIES_ENV) != "1":  # off by default: extraction costs several parses
        return None
    try:
        return list(mention_rows(cable))
    except Exception:  # an extraction bug must not cost the cable
        return None


#: A small telegram whose parse loads what every parse needs (directory tables, the release
#: catalogue that dates undated cables), so that forked workers start with them in memory.
_WARM_UP_TEXT = """R 031200Z MAR 08
FM AMEMBASSY MOSCOW
TO SECSTATE WASHDC 0001
UNCLAS MOSCOW 000001
SUBJECT: WARM UP
1. (U) Text.
"""


#: Paragraphs that make entity extraction load every gazetteer and word list it uses.
_WARM_UP_ENTITIES = """
2. (C) Foreign Minister Sergey Lavrov told Ambassador Beyrle in Moscow that the Ministry of
Foreign Affairs and the Democratic Revolutionary Party (PRD) met NATO, Diane Sawyer said.
The daily newspaper Izvestia reported on Mubarak and the parliament of Kenya.
3. (C) PRESIDENT MUBARAK SAID THE NATIONAL PARTY AND NELSON MANDELA MET IN CAIRO.
"""


def warm_up_parser() -> None:
    """Load the parser's tables in this process (before forking the workers), and entity
    extraction's when ingest extracts entities: loaded once here, the workers share them."""
    from cablegram.directory.catalogue import reference_exists
    from cablegram.telegram.parse import parse

    parse(_WARM_UP_TEXT)
    reference_exists("08MOSCOW1")
    if os.environ.get(ENTITIES_ENV) == "1":
        from cablegram.entities import extract

        extract(parse(_WARM_UP_TEXT + _WARM_UP_ENTITIES))


def prepare_batch(
    items: list[tuple[str, dict[str, Any] | None, str | None, str | None]],
    parse: Callable[..., Cable] | None = None,
    finish: Callable[[Prepared], None] | None = None,
) -> list[Prepared]:
    """Worker entry point: prepare a batch of (text, source, error, digest or None); `finish`
    (a backend's `prepare_hook`, module-level) adds what it derives from each cable's rows."""
    if parse is None:
        from cablegram.telegram.parse import parse as parse_
        parse = parse_
    out = [prepare(text, source, error, digest, parse) for text, source, error, digest in items]
    if finish is not None:
        for p in out:
            if p.cable:
                finish(p)
    for p in out:  # the caller has the raw texts: don't send them back through a pipe
        p.raw_text = ""
        if p.cable:
            p.cable = p.cable._replace(raw_text="")
    return out


def restore_raw(p: Prepared, text: str) -> Prepared:
    """Put back the raw text that `prepare_batch` left out."""
    p.raw_text = text
    if p.cable:
        p.cable = p.cable._replace(raw_text=text)
    return p
