"""The cable and its parts: plain, typed, immutable records.

`Cable.to_dict()` gives the JSON object of the record contract (see
`../shared/seed/000_6ca206858de2c10e.expected.json`), and `Cable.from_dict()` is its inverse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "EO",
    "Address",
    "Cable",
    "ClassifiedBy",
    "Defect",
    "Header",
    "Office",
    "Origin",
    "Paragraph",
    "Person",
    "Reference",
    "public_source",
]

_ABSOLUTE = re.compile(r"^(?:/|\\\\|[A-Za-z]:[\\/])")


def _file_name(path: Any) -> Any:
    if isinstance(path, str) and _ABSOLUTE.match(path):
        return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return path


def public_source(source: dict[str, Any] | None) -> dict[str, Any] | None:
    """`source` as shown and stored: an absolute path (the reading machine's, kept by archives
    written before paths were stored relative) becomes its file name, here and in the
    provenance a cablegram output was `derived_from`."""
    if not source:
        return source
    out = dict(source)
    if "file" in out:
        out["file"] = _file_name(out["file"])
    meta = out.get("metadata")
    if isinstance(meta, dict) and isinstance(meta.get("derived_from"), dict):
        derived = dict(meta["derived_from"])
        if "file" in derived:
            derived["file"] = _file_name(derived["file"])
        out["metadata"] = {**meta, "derived_from": derived}
    return out


@dataclass(frozen=True, slots=True)
class Defect:
    """An irregularity the parser worked around: a code, a message and the 1-based line."""

    code: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "line": self.line}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Defect:
        return cls(d["code"], d["message"], d.get("line"))


@dataclass(frozen=True, slots=True)
class Address:
    """An addressee (or the originator) of a telegram.

    `precedence` and `serial` belong to TO/INFO lines of the routing header; `excluded` lists the
    offices of an `XMT` exclusion line that follows a collective.
    """

    name: str
    routing_indicator: str | None = None
    precedence: str | None = None
    serial: int | None = None
    excluded: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"routing_indicator": self.routing_indicator, "name": self.name}
        if self.precedence is not None:
            d["precedence"] = self.precedence
        if self.serial is not None:
            d["serial"] = self.serial
        if self.excluded:
            d["excluded"] = list(self.excluded)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Address:
        return cls(
            name=d["name"],
            routing_indicator=d.get("routing_indicator"),
            precedence=d.get("precedence"),
            serial=d.get("serial"),
            excluded=tuple(d.get("excluded") or ()),
        )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a cable comes from: station (as in its reference id), full name, cablegate label."""

    station: str | None = None
    name: str | None = None
    label: str | None = None
    routing_indicator: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "station": self.station,
            "name": self.name,
            "label": self.label,
            "routing_indicator": self.routing_indicator,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Origin:
        return cls(d.get("station"), d.get("name"), d.get("label"), d.get("routing_indicator"))


@dataclass(frozen=True, slots=True)
class Header:
    """The transmission part of the routing header (`VZCZC…`, `DE RUEHMO #2629/01 2470646`)."""

    transmission_id: str | None = None
    routing_precedence: str | None = None
    routing_indicators: tuple[str, ...] = ()
    originator: str | None = None
    station_serial: int | None = None
    section: int | None = None
    filing_time: str | None = None
    security: str | None = None
    dtg: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "transmission_id": self.transmission_id,
            "routing_precedence": self.routing_precedence,
            "routing_indicators": list(self.routing_indicators),
            "originator": self.originator,
            "station_serial": self.station_serial,
            "section": self.section,
            "filing_time": self.filing_time,
            "security": self.security,
            "dtg": self.dtg,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Header:
        return cls(
            transmission_id=d.get("transmission_id"),
            routing_precedence=d.get("routing_precedence"),
            routing_indicators=tuple(d.get("routing_indicators") or ()),
            originator=d.get("originator"),
            station_serial=d.get("station_serial"),
            section=d.get("section"),
            filing_time=d.get("filing_time"),
            security=d.get("security"),
            dtg=d.get("dtg"),
        )


@dataclass(frozen=True, slots=True)
class EO:
    """The executive-order line: `E.O. 12958: DECL: 07/01/2034` -> order 12958, 2034-07-01."""

    order: str | None = None
    declassify_on: str | None = None
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"order": self.order, "declassify_on": self.declassify_on, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EO:
        return cls(d.get("order"), d.get("declassify_on"), d.get("text") or "")


@dataclass(frozen=True, slots=True)
class ClassifiedBy:
    """`Classified By: Ambassador John Beyrle, Reasons 1.4 (b) and (d)`."""

    names: tuple[str, ...] = ()
    title: str | None = None
    reasons: tuple[str, ...] = ()
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "title": self.title,
            "reasons": list(self.reasons),
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassifiedBy:
        return cls(
            tuple(d.get("names") or ()), d.get("title"), tuple(d.get("reasons") or ()),
            d.get("text") or "",
        )


@dataclass(frozen=True, slots=True)
class Reference:
    """One item of a REF line: `A. 05 MOSCOW 14734` -> label A, id 05MOSCOW14734."""

    label: str | None
    text: str
    reference_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "text": self.text, "reference_id": self.reference_id}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reference:
        return cls(d.get("label"), d["text"], d.get("reference_id"))


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of the body. `number` is None for unnumbered text, `marking` for unmarked."""

    number: int | None
    marking: str | None
    heading: str | None
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "marking": self.marking,
            "heading": self.heading,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Paragraph:
        return cls(d.get("number"), d.get("marking"), d.get("heading"), d.get("text") or "")


@dataclass(frozen=True, slots=True)
class Person:
    """A drafter, approver or clearer of a Department telegram, with the office they signed for.

    `DRAFTED BY S/PM: PPCLAXTON, JR.` -> office `S/PM`, name `PPCLAXTON, JR.`; `text` keeps the
    entry as written (the typist's initials, the date and the extension that may follow).
    """

    name: str
    office: str | None = None
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "office": self.office, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Person:
        return cls(d["name"], d.get("office"), d.get("text") or "")


@dataclass(frozen=True, slots=True)
class Office:
    """A Department office of the distribution block: `EUR-25` -> code EUR, 25 copies.

    `origin` marks the `ORIGIN` line of the Department's own telegrams (the drafting office);
    the `ACTION` line of incoming ones leaves it False.
    """

    code: str
    copies: int = 0
    origin: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "copies": self.copies}
        if self.origin:
            d["origin"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Office:
        return cls(d["code"], d.get("copies") or 0, bool(d.get("origin")))


_TELEGRAM_KEYS = (
    "reference_id", "created", "classification", "caveats", "classification_label", "origin",
    "precedence", "header", "from", "to", "info", "sections", "eo", "classified_by", "tags",
    "subject", "references", "paragraphs", "summary", "comment", "signers",
    "action_office", "info_offices", "drafted_by", "approved_by", "clearances", "desired_distribution",
)


@dataclass(frozen=True, slots=True)
class Cable:
    """A State Department telegram, parsed.

    Every field comes from the telegram text. Metadata that a source carries beside the text
    lives in `source` and never replaces a parsed field. `notes` keeps body lines that are not
    part of a paragraph (passing instructions such as `FOR WHA/MEX`), so nothing is lost.
    """

    reference_id: str | None = None
    created: str | None = None
    classification: str | None = None
    caveats: tuple[str, ...] = ()
    classification_label: str | None = None
    origin: Origin = field(default_factory=Origin)
    precedence: str | None = None
    header: Header = field(default_factory=Header)
    from_: str | None = None
    to: tuple[Address, ...] = ()
    info: tuple[Address, ...] = ()
    sections: int = 1
    eo: EO | None = None
    classified_by: ClassifiedBy | None = None
    tags: tuple[str, ...] = ()
    subject: str | None = None
    subject_marking: str | None = None
    serial: int | None = None
    references: tuple[Reference, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    summary: str | None = None
    comment: str | None = None
    signers: tuple[str, ...] = ()
    action_office: Office | None = None
    info_offices: tuple[Office, ...] = ()
    drafted_by: Person | None = None
    approved_by: Person | None = None
    clearances: tuple[Person, ...] = ()
    desired_distribution: str | None = None
    notes: tuple[str, ...] = ()
    defects: tuple[Defect, ...] = ()
    source: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict, keys in the contract's order."""
        return {
            "reference_id": self.reference_id,
            "created": self.created,
            "classification": self.classification,
            "caveats": list(self.caveats),
            "classification_label": self.classification_label,
            "origin": self.origin.to_dict(),
            "precedence": self.precedence,
            "header": self.header.to_dict(),
            "from": self.from_,
            "to": [a.to_dict() for a in self.to],
            "info": [a.to_dict() for a in self.info],
            "sections": self.sections,
            "eo": self.eo.to_dict() if self.eo else None,
            "classified_by": self.classified_by.to_dict() if self.classified_by else None,
            "tags": list(self.tags),
            "subject": self.subject,
            "subject_marking": self.subject_marking,
            "serial": self.serial,
            "references": [r.to_dict() for r in self.references],
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "summary": self.summary,
            "comment": self.comment,
            "signers": list(self.signers),
            "action_office": self.action_office.to_dict() if self.action_office else None,
            "info_offices": [o.to_dict() for o in self.info_offices],
            "drafted_by": self.drafted_by.to_dict() if self.drafted_by else None,
            "approved_by": self.approved_by.to_dict() if self.approved_by else None,
            "clearances": [p.to_dict() for p in self.clearances],
            "desired_distribution": self.desired_distribution,
            "notes": list(self.notes),
            "defects": [d.to_dict() for d in self.defects],
            "source": public_source(self.source),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Cable:
        """Inverse of `to_dict()`; missing keys take their defaults."""
        eo = d.get("eo")
        cb = d.get("classified_by")
        action = d.get("action_office")
        drafted = d.get("drafted_by")
        approved = d.get("approved_by")
        return cls(
            reference_id=d.get("reference_id"),
            created=d.get("created"),
            classification=d.get("classification"),
            caveats=tuple(d.get("caveats") or ()),
            classification_label=d.get("classification_label"),
            origin=Origin.from_dict(d.get("origin") or {}),
            precedence=d.get("precedence"),
            header=Header.from_dict(d.get("header") or {}),
            from_=d.get("from"),
            to=tuple(Address.from_dict(a) for a in d.get("to") or ()),
            info=tuple(Address.from_dict(a) for a in d.get("info") or ()),
            sections=d.get("sections") or 1,
            eo=EO.from_dict(eo) if eo else None,
            classified_by=ClassifiedBy.from_dict(cb) if cb else None,
            tags=tuple(d.get("tags") or ()),
            subject=d.get("subject"),
            subject_marking=d.get("subject_marking"),
            serial=d.get("serial"),
            references=tuple(Reference.from_dict(r) for r in d.get("references") or ()),
            paragraphs=tuple(Paragraph.from_dict(p) for p in d.get("paragraphs") or ()),
            summary=d.get("summary"),
            comment=d.get("comment"),
            signers=tuple(d.get("signers") or ()),
            action_office=Office.from_dict(action) if action else None,
            info_offices=tuple(Office.from_dict(o) for o in d.get("info_offices") or ()),
            drafted_by=Person.from_dict(drafted) if drafted else None,
            approved_by=Person.from_dict(approved) if approved else None,
            clearances=tuple(Person.from_dict(p) for p in d.get("clearances") or ()),
            desired_distribution=d.get("desired_distribution"),
            notes=tuple(d.get("notes") or ()),
            defects=tuple(Defect.from_dict(x) for x in d.get("defects") or ()),
            source=d.get("source"),
        )

    def telegram_dict(self) -> dict[str, Any]:
        """The telegram fields only (no `defects`, no `source`): what round-trips must keep."""
        full = self.to_dict()
        return {k: full[k] for k in (*_TELEGRAM_KEYS, "subject_marking", "serial", "notes")}

    def with_source(self, source: dict[str, Any] | None) -> Cable:
        return replace(self, source=source)

    @property
    def year(self) -> int | None:
        return int(self.created[:4]) if self.created else None

    @property
    def body_text(self) -> str:
        """The paragraphs as plain text, one a line: what full-text search indexes."""
        return "\n".join(p.text for p in self.paragraphs)

