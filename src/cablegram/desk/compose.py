"""Writing a cable: a draft file (YAML, or Markdown with YAML front matter) -> `Cable`.

A draft is a Cable without transmission data (no DTG, serial, reference id or routing header).
YAML keys: `precedence`, `to`, `info` (names such as `SECSTATE WASHDC`, `RUEHC/SECSTATE WASHDC`,
routing indicators, collectives), `classification`, `caveats`, `eo` (`DECL: 07/01/2034`, a
date, or `N/A`), `classified_by` (`Ambassador John Beyrle, Reasons 1.4 (b) and (d)`), `tags`,
`subject`, `subject_marking`, `references` (`MOSCOW 2618`, `08STATE12345`), `paragraphs`
(`{marking, heading, text}` or `"(C) text"`), `signers`. In Markdown the body holds the
paragraphs: blank-line separated, `(S//NF) text` for the marking, a `## line` for a heading.

`normalize()` reads the draft as the wire will read it (render, then parse), so the stored
draft is exactly what a recipient's parser will see; `content_changes()` says where it differs
from what was written.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import yaml

from cablegram import directory
from cablegram.model import EO, Address, Cable, Header, Origin, Paragraph
from cablegram.telegram.dtg import format_dtg
from cablegram.telegram.fields import parse_classified_by
from cablegram.telegram.parse import parse
from cablegram.telegram.references import parse_references
from cablegram.telegram.render import render

__all__ = ["DraftFormatError", "build_cable", "content_changes", "load_draft_text", "normalize", "to_yaml"]

_MARKED = re.compile(r"^\((?P<mark>[A-Z]{1,3}(?:\s*/{1,2}\s*[A-Z]{2,6})*)\)\s*(?P<text>.*)$", re.S)
_CONTENT_FIELDS = ("classification", "caveats", "eo", "classified_by", "tags", "subject", "subject_marking",
                   "paragraphs", "summary", "comment", "signers", "notes")


class DraftFormatError(ValueError):
    """A draft file that cannot be read (not YAML, a key of the wrong kind)."""


def _listing(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,\n]", value) if v.strip()] if "," in value or "\n" in value \
            else [value.strip()] if value.strip() else []
    if isinstance(value, list | tuple):
        return list(value)
    raise DraftFormatError(f"expected a list, got {type(value).__name__}")


def _paragraph(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return {"marking": item.get("marking"), "heading": item.get("heading"), "text": str(item.get("text") or "")}
    text = " ".join(str(item).split())
    m = _MARKED.match(text)
    return {"marking": m.group("mark").replace(" ", "") if m else None, "heading": None,
            "text": m.group("text") if m else text}


def _markdown_paragraphs(body: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    heading = None
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [ln for ln in block.strip().splitlines() if ln.strip()]
        if not lines:
            continue
        if lines[0].startswith("#"):
            heading = lines[0].lstrip("#").strip()
            lines = lines[1:]
            if not lines:
                continue
        p = _paragraph(" ".join(lines))
        p["heading"], heading = heading, None
        out.append(p)
    return out


def load_draft_text(text: str) -> dict[str, Any]:
    """The fields of a YAML draft, or of a Markdown draft (front matter + paragraphs)."""
    body = None
    if text.lstrip().startswith("---"):
        parts = re.split(r"^---\s*$", text.lstrip(), maxsplit=2, flags=re.M)
        if len(parts) == 3:
            text, body = parts[1], parts[2]
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise DraftFormatError(f"not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise DraftFormatError("a draft is a mapping of fields (subject:, to:, paragraphs: ...)")
    if body and body.strip():
        data["paragraphs"] = [*(data.get("paragraphs") or []), *_markdown_paragraphs(body)]
    return data


def _eo(value: Any, classification: str) -> EO | None:
    if value is None:
        return EO("12958", None, "N/A") if classification == "UNCLASSIFIED" else None
    if isinstance(value, date | datetime):
        return EO("13526", value.isoformat()[:10], f"DECL: {value:%m/%d/%Y}")
    if isinstance(value, dict):
        order = str(value.get("order") or "13526")
        decl = value.get("declassify_on")
        if decl:
            d = decl if isinstance(decl, date) else date.fromisoformat(str(decl))
            return EO(order, d.isoformat(), f"DECL: {d:%m/%d/%Y}")
        return EO(order, None, str(value.get("text") or "N/A"))
    text = str(value).strip()
    m = re.match(r"^(?:E\.O\.\s*)?(\d{5})\s*:\s*(.*)$", text)
    order, rest = (m.group(1), m.group(2)) if m else ("13526", text)
    try:
        d = date.fromisoformat(rest.replace("DECL:", "").strip())
        return EO(order, d.isoformat(), f"DECL: {d:%m/%d/%Y}")
    except ValueError:
        pass
    from cablegram.telegram.fields import parse_eo

    parsed = parse_eo(f"E.O. {order}: {rest}")
    return EO(order, parsed.declassify_on, parsed.text)


def _address(item: Any, precedence: str | None, resolve: Any) -> Address:
    if isinstance(item, dict):
        name, prec = str(item.get("name") or ""), item.get("precedence") or precedence
    else:
        name, prec = str(item), precedence
    name = " ".join(name.upper().split())
    ri = None
    if "/" in name and re.match(r"^R[A-Z]{3,6}/", name):
        ri, name = name.split("/", 1)
    found = resolve(ri or name) if resolve else None
    if found is not None:
        name, ri = found
    elif ri is None and re.fullmatch(r"R[A-Z]{3,6}", name) and directory.station_name(name):
        ri, name = name, directory.station_name(name) or name
    elif ri is None:
        ri = directory.indicator_for_name(name)
    if directory.is_collective(name):
        prec = None  # a collective line carries neither precedence nor sequence number (as the seed)
    return Address(name=name, routing_indicator=ri, precedence=prec)


_BARE_REF = re.compile(r"(?P<label>[A-Z]\.\s+)?(?P<station>[A-Z][A-Z ]*?[A-Z])\s+(?P<serial>\d{1,6})")


def _dated_reference(text: str, find_reference: Any) -> str:
    """A REF item without a year (`MOSCOW 2630`) with the year of the newest archived cable of
    that station and serial (`08 MOSCOW 2630`), when `find_reference(station, serial)` finds one."""
    m = _BARE_REF.fullmatch(" ".join(text.upper().split()))
    if find_reference is None or m is None:
        return text
    found = find_reference(m.group("station").replace(" ", ""), int(m.group("serial")))
    if not found or not found[:2].isdigit():
        return text
    return f"{m.group('label') or ''}{found[:2]} {m.group('station')} {m.group('serial')}"


def build_cable(data: dict[str, Any], *, origin: Origin, resolve: Any = None, year: int | None = None,
                find_reference: Any = None) -> Cable:
    """A draft `Cable` from draft fields, sent from `origin` (`resolve(name)` -> (name, RI) or None
    finds the desk's own posts; `find_reference(station, serial)` -> the newest reference id of
    that station and serial, or None, dates a bare REF such as `MOSCOW 2630`, which otherwise
    means this year's). Not yet normalized: see `normalize`."""
    try:
        classification = directory.normalize_classification(str(data.get("classification") or "UNCLASSIFIED"))
    except ValueError:
        classification = str(data.get("classification")).upper()
    caveats = tuple(str(c).upper() for c in _listing(data.get("caveats")))
    precedence = str(data.get("precedence") or "ROUTINE").upper()
    year = year or datetime.now(UTC).year
    refs = [_dated_reference(str(r), find_reference) for r in _listing(data.get("references"))]
    references = parse_references("; ".join(str(r) for r in refs), year % 100) if refs else ()
    cb = data.get("classified_by")
    classified_by = None
    if isinstance(cb, dict):
        classified_by = parse_classified_by(str(cb.get("text") or ""))
    elif cb:
        classified_by = parse_classified_by(str(cb))
    try:
        label = directory.classification_label(classification, caveats)
    except ValueError:
        label = classification
    paragraphs = []
    for i, item in enumerate(_listing(data.get("paragraphs")), 1):
        p = _paragraph(item)
        paragraphs.append(Paragraph(i, p["marking"], p["heading"], " ".join(p["text"].split())))
    subject = " ".join(str(data.get("subject") or "").split()) or None
    subject_marking = data.get("subject_marking")
    if subject and subject_marking is None and (m := _MARKED.match(subject)):
        subject, subject_marking = m.group("text"), m.group("mark")
    return Cable(
        classification=classification, caveats=caveats, classification_label=label, origin=origin,
        precedence=precedence, from_=origin.name,
        to=tuple(_address(a, precedence, resolve) for a in _listing(data.get("to"))),
        info=tuple(_address(a, precedence, resolve) for a in _listing(data.get("info"))),
        eo=_eo(data.get("eo"), classification), classified_by=classified_by,
        tags=tuple(str(t).upper() for t in _listing(data.get("tags"))), subject=subject,
        subject_marking=str(subject_marking) if subject_marking else None, references=references,
        paragraphs=tuple(paragraphs), signers=tuple(str(s).upper() for s in _listing(data.get("signers"))),
    )


def provisional(cable: Cable, when: datetime | None = None) -> Cable:
    """The draft with stand-in transmission data (serial 1, now): enough to render and read back."""
    when = when or datetime.now(UTC)
    station = cable.origin.station or "DRAFT"
    return replace(cable, serial=1, reference_id=f"{when:%y}{station.replace(' ', '')}1",
                   header=Header(dtg=format_dtg(when)), created=when.strftime("%Y-%m-%dT%H:%M:00Z"))


def normalize(cable: Cable, when: datetime | None = None) -> Cable:
    """The draft as the wire reads it: content fields taken from parse(render(draft))."""
    if not cable.origin.station:
        return cable
    back = parse(render(provisional(cable, when)))
    # A caveat the wire does not read back (an unknown one) stays, so validation rejects it
    # instead of the draft silently losing a handling instruction.
    caveats = back.caveats + tuple(c for c in cable.caveats if c not in back.caveats)
    references = tuple(replace(r, reference_id=b.reference_id)
                       for r, b in zip(cable.references, back.references, strict=False)) \
        if len(back.references) == len(cable.references) else back.references
    return replace(cable, **{f: getattr(back, f) for f in _CONTENT_FIELDS if f != "caveats"}, caveats=caveats,
                   references=references)


def content_changes(written: Cable, read_back: Cable) -> list[tuple[str, str]]:
    """(field, message) for content the wire would read differently from what was written."""
    out = []
    if len(written.paragraphs) != len(read_back.paragraphs):
        out.append(("paragraphs", f"the wire reads {len(read_back.paragraphs)} paragraphs where "
                                  f"{len(written.paragraphs)} were written (a line looks like a paragraph number?)"))
    else:
        for a, b in zip(written.paragraphs, read_back.paragraphs, strict=True):
            if (a.text, a.marking, a.heading) != (b.text, b.marking, b.heading):
                out.append((f"paragraphs.{a.number}", f"paragraph {a.number} reads back differently on the wire"))
    if written.subject != read_back.subject:
        out.append(("subject", "the subject reads back differently on the wire"))
    return out


def to_yaml(cable: Cable) -> str:
    """A cable's content as a draft file (what `cablegram draft` reads)."""
    data: dict[str, Any] = {
        "precedence": cable.precedence, "to": [a.name for a in cable.to], "info": [a.name for a in cable.info],
        "classification": cable.classification, "caveats": list(cable.caveats),
        "eo": f"{cable.eo.order}: {cable.eo.text}" if cable.eo else None,
        "classified_by": cable.classified_by.text if cable.classified_by else None,
        "tags": list(cable.tags), "subject": cable.subject, "subject_marking": cable.subject_marking,
        "references": [r.text for r in cable.references], "signers": list(cable.signers),
        "paragraphs": [{"marking": p.marking, "heading": p.heading, "text": p.text} for p in cable.paragraphs],
    }
    return yaml.safe_dump({k: v for k, v in data.items() if v not in (None, [])}, sort_keys=False,
                          allow_unicode=True, width=100)
