"""The reader's match source: the partly withheld cables as one reader sees them.

The archive's full-text index holds each cable's stored text. For most cables a reader may read,
that is what they see; for a readable cable with a portion above them (a paragraph, the subject, a
REF item ... marked higher than their clearance, or with a caveat they lack) it is not: a word of
the withheld text would make the cable match, be counted and listed. So both backends take, beside
their own index, a second match source for one reader (an `AccessFilter`) and archive state: the
set R of those cables, redacted (`cablegram.access.redact`), with the subject, tags and text
re-rendered from the redacted record, indexed with the backend's own tokenizer (SQLite: a temporary
FTS5 table; PostgreSQL: rows of an unlogged table with the same tsvector builder). A query then
matches the archive's index outside R and the reader's inside R, in the one search, facet and
snippet code of the backend: totals, facets, order and snippets are those of an archive holding
only what the reader sees.

This module finds R (`candidates`, `withheld_rows`) and renders its rows, once for both backends; the
backends store and query them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cablegram.archive.base import AccessFilter
from cablegram.archive.query import Plan, QueryError
from cablegram.model import Cable
from cablegram.telegram.render import render

if TYPE_CHECKING:
    from cablegram.archive.compress import Codec

__all__ = ["Candidate", "ReaderRow", "ReaderSource", "candidates", "reader_key", "rewrite", "withheld_rows"]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A cable the reader may read, as stored: what deciding whether it is in R needs."""

    id: int
    classification: str | None
    caveats: str | None  # the stored column: caveats separated by spaces
    raw_text: str
    record_json: str
    tag_text: str | None


@dataclass(frozen=True, slots=True)
class ReaderRow:
    """One cable of R as the reader sees it."""

    id: int
    reference_id: str | None
    subject: str | None
    tag_text: str | None
    text: str  # the redacted record re-rendered: what the reader's index holds
    record_json: str  # the redacted record
    cites: tuple[str, ...]  # the reference ids the redacted record still cites


@dataclass(frozen=True, slots=True)
class ReaderSource:
    """A backend's handle on its installed match source for one reader and archive state."""

    access: AccessFilter
    key: str  # names the source inside the backend (letters and digits only)
    generation: object  # the archive state it was built from
    ids: frozenset[int]
    reference_ids: frozenset[str]


#: Every marking field of a stored record (subject and paragraphs), whatever the JSON spacing.
_MARKING = re.compile(r'"(?:subject_)?marking"\s*:\s*"((?:[^"\\]|\\.)*)"')


def reader_key(access: AccessFilter) -> str:
    """A short name for what `access` may see (the same for equal filters, in any process)."""
    spec = f"{access.max_rank}|{','.join(sorted(access.forbidden))}"
    return "r" + hashlib.sha256(spec.encode()).hexdigest()[:16]


def candidates(rows: Callable[[str], Iterable[Sequence[Any]]], codec: Codec,
               access_sql: str) -> Iterator[Candidate]:
    """The cables a reader may read (`access_sql`, the backend's condition over `f`), as stored:
    one query for both backends, streamed by the backend's `rows` (`?` SQL in, rows out, the whole
    archive never in memory at once), each body decompressed by the archive's `codec`."""
    for i, classification, caveats, dict_id, body, tag_text in rows(
            "SELECT c.id, c.classification, c.caveats, c.dict_id, c.body, c.tag_text"
            f" FROM cables c JOIN cable_facets f ON f.id = c.id WHERE {access_sql}"):
        raw, record = codec.record(int(dict_id), bytes(body))
        yield Candidate(int(i), classification, caveats, raw, record, tag_text)


def withheld_rows(access: AccessFilter, candidates: Iterable[Candidate]) -> list[ReaderRow]:
    """The rows of R among `candidates` (cables the reader may read), redacted for `access`.

    A cheap test first (a mark above the reader in the stored text or record, capped by the
    cable's level, or a subject or paragraph marking above them), then the exact one every read path uses
    (`needs_redaction`) on the parsed record: when in doubt, a cable is in R."""
    from cablegram.access import hidden_marks, needs_redaction, portion_visible, redact  # it imports the archive

    out: list[ReaderRow] = []
    for c in candidates:
        line = Cable(classification=c.classification, caveats=tuple((c.caveats or "").split()))
        if all(portion_visible(access, m) for m in _MARKING.findall(c.record_json)) and \
                not hidden_marks(access, line, c.raw_text, c.record_json):
            continue
        cable = Cable.from_dict(json.loads(c.record_json))
        if not needs_redaction(access, cable, c.raw_text):
            continue
        shown = redact(cable, access)
        out.append(ReaderRow(
            c.id, shown.reference_id, shown.subject, c.tag_text, render(shown),
            json.dumps(shown.to_dict(), ensure_ascii=False),
            tuple(r.reference_id for r in shown.references if r.reference_id)))
    return out


P = TypeVar("P", bound=Plan)


def rewrite(plan: P, mark: str, replacements: Mapping[str, str], guards: Iterable[str]) -> P:
    """`plan` with each condition of its `where` that reads a cable's text or references (a key of
    `replacements`, holding one parameter `mark`) replaced by its reader's form (holding `mark`
    once or twice: the parameter is repeated to match).

    Fails closed: when what is left still names a guarded table (the compiler wrote a condition
    this does not know) or the parameters do not line up, a `QueryError`, never a query on the
    stored text."""
    shared = re.compile("|".join(re.escape(t) for t in replacements))
    params = iter(plan.params)
    where: list[str] = []
    out: list[object] = []
    try:
        for clause in plan.where:
            parts, pos = [], 0
            for m in shared.finditer(clause):
                before = clause[pos:m.start()]
                out += [next(params) for _ in range(before.count(mark))]
                value = next(params)
                new = replacements[m.group()]
                out += [value] * new.count(mark)
                parts += [before, new]
                pos = m.end()
            rest = clause[pos:]
            out += [next(params) for _ in range(rest.count(mark))]
            rewritten = "".join(parts) + rest
            plain = rewritten
            for new in replacements.values():
                plain = plain.replace(new, "")
            if any(g in plain for g in guards):
                raise StopIteration
            where.append(rewritten)
        if next(params, _END) is not _END:
            raise StopIteration
    except StopIteration:
        raise QueryError("cannot search this as the reader sees it") from None
    return dataclasses.replace(plan, where=where, params=out)


_END = object()
