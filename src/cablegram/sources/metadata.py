"""The source's own metadata, where the telegram text lacks a field.

A cable parsed from its text alone may have no reference id (a partial extract that names no
station), no time (a wrapper that gives only the day), no subject. The source often knows: the
cablegate JSONL and pages (`reference_id`, `created`, `origin`, `classification`, the page
title), `cables.csv` (its columns), PlusD pages (the synopsis table). `complete()` takes those
values for the fields the text leaves empty, or the date the parser had to infer, and records a
`from-source-metadata` defect for each. A field the text gives is never replaced.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from cablegram.model import Cable, Defect, Reference

__all__ = ["complete", "metadata_created", "metadata_reference_id"]

_CODE = "from-source-metadata"
_CANONICAL_ID = re.compile(r"(\d{2})(\d{2})([A-Z][A-Z-]*?)0*(\d{1,7})(?:_\w+)?")
_CABLEGATE_ID = re.compile(r"\d{2}[A-Z][A-Z-]*\d{1,7}")
_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d",
            "%m/%d/%Y %H:%M", "%Y %B %d, %H:%M", "%Y %b %d, %H:%M", "%Y %B %d", "%Y %b %d")
#: The caveats that restrict who may read a cable, as the archive's `RESTRICTING_CAVEATS` (not
#: imported: the archive imports this module).
_RESTRICTING = frozenset({"NOFORN", "NODIS", "EXDIS", "LIMDIS", "ORCON", "STADIS"})
_LEVELS = {"UNCLASSIFIED": "UNCLASSIFIED", "UNCLAS": "UNCLASSIFIED", "LIMITED OFFICIAL USE": "UNCLASSIFIED",
           "CONFIDENTIAL": "CONFIDENTIAL", "SECRET": "SECRET", "TOP SECRET": "TOP SECRET"}


def _meta(source: dict[str, Any] | None) -> dict[str, Any]:
    meta = (source or {}).get("metadata")
    return meta if isinstance(meta, dict) else {}


def metadata_reference_id(meta: dict[str, Any]) -> str | None:
    """The reference id the metadata gives, in the cablegate form (PlusD's canonical
    `1974ATHENS02959_b` is `74ATHENS2959`)."""
    raw = meta.get("reference_id") or meta.get("canonical_id")
    if not isinstance(raw, str):
        return None
    rid = raw.strip().replace(" ", "").upper()
    if m := _CANONICAL_ID.fullmatch(rid):
        return f"{m.group(2)}{m.group(3)}{int(m.group(4))}"
    return rid if _CABLEGATE_ID.fullmatch(rid) else None


def metadata_created(meta: dict[str, Any]) -> datetime | None:
    """The date and time the metadata gives (`created`, or PlusD's `date`), or None."""
    for key in ("created", "date"):
        value = meta.get(key)
        if not isinstance(value, str):
            continue
        text = re.sub(r"\s*\([A-Za-z]+\)\s*$", "", value.strip())  # PlusD's "(Friday)"
        for fmt in _FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
    return None


def _subject(meta: dict[str, Any]) -> str | None:
    subject = meta.get("subject")
    if isinstance(subject, str) and subject.strip():
        return " ".join(subject.split())
    title = meta.get("page_title")  # "06BANGKOK5811, THAILAND: MY MEETING WITH GENERAL SONTHI"
    if isinstance(title, str) and ", " in title:
        return " ".join(title.split(", ", 1)[1].split()) or None
    return None


def _classification(meta: dict[str, Any]) -> tuple[str, str] | None:
    """(classification, label) from `classification` (`CONFIDENTIAL//NOFORN`) or PlusD's
    `original_classification`."""
    value = meta.get("classification") or meta.get("original_classification")
    if not isinstance(value, str) or not value.strip():
        return None
    label = " ".join(value.split()).upper()
    level = _LEVELS.get(label.split("//")[0].strip())
    return (level, label) if level else None


def _tags(meta: dict[str, Any]) -> tuple[str, ...]:
    tags = meta.get("tags")
    if not isinstance(tags, list):
        return ()
    codes = [t.get("code") if isinstance(t, dict) else t for t in tags]
    return tuple(c.strip() for c in codes if isinstance(c, str) and c.strip())


def _date_inferred(cable: Cable) -> bool:
    return any(d.code in ("inferred-date", "undated") for d in cable.defects)


def complete(cable: Cable, source: dict[str, Any] | None) -> Cable:
    """The cable with each field its text lacks taken from the source's metadata, each recorded
    as a `from-source-metadata` defect. The text wins wherever it speaks: only empty fields and
    an inferred date are filled. A source without metadata gives the cable back unchanged."""
    meta = _meta(source)
    if not meta:
        return cable
    changes: dict[str, Any] = {}
    notes: list[Defect] = []

    def took(field: str, value: object, why: str = "the text gives none") -> None:
        notes.append(Defect(_CODE, f"{field} {value} from the source's metadata ({why})"))

    rid = metadata_reference_id(meta)
    if not cable.reference_id and rid:
        changes["reference_id"] = rid
        took("reference_id", rid)
    elif (rid and cable.reference_id and rid != cable.reference_id and rid[2:] == cable.reference_id[2:]
          and _date_inferred(cable)):
        # the text names its post and serial but no year: the year in its id was inferred (from
        # serial ranges, say), and a wrong guess would file it as a version of another cable
        changes["reference_id"] = rid
        took("reference_id", rid, f"the text gives no year; {cable.reference_id} was inferred")
    when = metadata_created(meta)
    if when is not None:
        stamp = when.strftime("%Y-%m-%dT%H:%M:00Z")
        if cable.created is None:
            changes["created"] = stamp
            took("created", stamp)
        elif _date_inferred(cable) and stamp != cable.created:
            changes["created"] = stamp
            took("created", stamp, f"the text's date was inferred: {cable.created}")
    if not cable.origin.label and isinstance(meta.get("origin"), str) and meta["origin"].strip():
        changes["origin"] = replace(cable.origin, label=meta["origin"].strip())
        took("origin", meta["origin"].strip())
    if not cable.classification and (cls := _classification(meta)):
        changes["classification"], changes["classification_label"] = cls
        # the label's restricting caveats (SECRET//NOFORN) guard the cable as the text's would
        marks = [c for c in (p.strip() for p in cls[1].split("//")[1:]) if c in _RESTRICTING]
        if extra := [c for c in marks if c not in cable.caveats]:
            changes["caveats"] = (*cable.caveats, *extra)
        took("classification", cls[1])
    if not cable.subject and (subject := _subject(meta)):
        changes["subject"] = subject
        took("subject", repr(subject))
    if not cable.tags and (tags := _tags(meta)):
        changes["tags"] = tags
        took("tags", " ".join(tags))
    refs = meta.get("references")
    if not cable.references and isinstance(refs, list) and refs:
        ids = [r for r in refs if isinstance(r, str) and _CABLEGATE_ID.fullmatch(r)]
        if ids:
            changes["references"] = tuple(Reference(None, r, r) for r in ids)
            took("references", " ".join(ids))
    if not changes:
        return cable
    return replace(cable, **changes, defects=(*cable.defects, *notes))
