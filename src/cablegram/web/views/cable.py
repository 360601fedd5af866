"""The cable page, laid out like the telegram: routing header, markings, fields, paragraphs
with their portion marks and anchors (#par3), signature; TAGS with their meanings, references
as links (resolved or marked missing), "cited by", the raw text, downloads as text and JSON."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse

from cablegram import directory
from cablegram.archive import AccessFilter, Archive
from cablegram.archive.entity_pages import cable_entities
from cablegram.archive.similar import similar
from cablegram.model import Cable
from cablegram.telegram.render import render
from cablegram.web.core import ArchiveDep, Reader, WebError, page

router = APIRouter(include_in_schema=False)

#: A reference id in a URL: no NUL (PostgreSQL cannot hold one in text; a 422, not a 500).
RefId = Annotated[str, Path(max_length=64, pattern=r"^[^\x00]*$")]
_CLASS_LINE = re.compile(r"(?:UNCLAS|U N C L A S|C O N F|CONFIDENTIAL|S E C R E T|SECRET|T O P|TOP SECRET"
                         r"|L I M I T E D|LIMITED OFFICIAL USE)\b")


def load(a: Archive, reference_id: str, reader: AccessFilter | None) -> Cable:
    """The cable, or a 404 `WebError`."""
    cable = a.get(reference_id, access=reader) if reference_id.strip() else None
    if cable is None:
        raise WebError(404, _missing(a, reference_id, reader))
    return cable


def _missing(a: Archive, reference_id: str, reader: AccessFilter | None) -> str:
    """"no cable ...", or "quarantined: REASON" for a record kept out of the archive (told only to
    a reader who sees everything: a quarantined record's classification is unverified)."""
    lookup = getattr(a, "quarantine_reason", None)
    reason = lookup(reference_id, access=reader) if callable(lookup) and reference_id.strip() else None
    if reason:
        return f"{reference_id} is quarantined: {reason}"
    return f"no cable {reference_id!r} in the archive"


def header_block(cable: Cable) -> str:
    """The routing header as the wire has it (VZCZC…, DE, DTG, FM/TO/INFO), or ''."""
    if not (cable.header.dtg or cable.from_ or cable.to):
        return ""
    return render(cable).split("\n\n", 1)[0]


def class_line(cable: Cable) -> str:
    """The classification line: `UNCLAS SECTION 01 OF 02 MOSCOW 002629`."""
    blocks = [b for b in render(cable).split("\n\n") if not b.startswith("Cable dated:")]
    start = 1 if header_block(cable) else 0
    line = blocks[start] if len(blocks) > start and "\n" not in blocks[start] else ""
    return line if _CLASS_LINE.match(line) else ""


@router.get("/cable/{reference_id}.txt", response_class=PlainTextResponse)
def cable_text(a: ArchiveDep, reader: Reader, reference_id: RefId) -> PlainTextResponse:
    """The raw telegram text as stored."""
    raw = a.raw_text(reference_id, access=reader)
    if raw is None:
        raise WebError(404, _missing(a, reference_id, reader))
    return PlainTextResponse(raw, headers={
        "Content-Disposition": f'inline; filename="{_safe(reference_id)}.txt"'})


@router.get("/cable/{reference_id}.json")
def cable_json(a: ArchiveDep, reader: Reader, reference_id: RefId) -> JSONResponse:
    """The parsed record as JSON."""
    return JSONResponse(load(a, reference_id, reader).to_dict())


def _safe(reference_id: str) -> str:
    return "".join(ch for ch in reference_id if ch.isalnum())[:64] or "cable"


@router.get("/cable/{reference_id}", response_class=HTMLResponse)
def cable_page(request: Request, a: ArchiveDep, reader: Reader, reference_id: RefId) -> HTMLResponse:
    """One cable, laid out like the telegram."""
    cable = load(a, reference_id, reader)
    rid = cable.reference_id or reference_id
    refs = a.references(rid, access=reader)
    resolved = {link.to_id: link for link in refs.cites if link.to_id}
    references = [{"ref": r, "link": resolved.get(r.reference_id)} for r in cable.references]
    versions = a.versions(rid, access=reader)
    tags = [{"code": t, "meaning": directory.tag_meaning(t) or "unknown tag"} for t in cable.tags]
    collections = request.app.state.collections.names() if hasattr(
        request.app.state, "collections") else []
    return page(
        request, "cable.html", cable=cable, rid=rid, header=header_block(cable),
        class_line=class_line(cable), tags=tags, references=references,
        cited_by=refs.cited_by, versions=len(versions), raw=a.raw_text(rid, access=reader) or "",
        collections=collections, title=cable.subject or rid, similar=similar(a, rid, access=reader),
        entities=cable_entities(a, rid, reader),
    )
