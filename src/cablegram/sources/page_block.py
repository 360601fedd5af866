"""The metadata block of a copied cablegate page: recognised among a text's lines, and read.

Copying a cablegate page gives the routing header, the page's metadata block (serial number,
date, reference id, origin, classification; bare values, labelled `refid: 06LIMA158`, the
page's table with its labels, or a `cables.csv` row), then the same header again with the body.
"""

from __future__ import annotations

import re
from typing import Any

from ._lines import BODY, DTG_LINE, MARKING, VZCZC, full, identity, prose, starts

__all__ = ["ends_with_block", "page_metadata"]

_REF_ID = r"\d{2}[A-Z][A-Z-]{1,30}\d{1,7}"
#: The lines of a page's metadata block: values (serial number, date, reference id,
#: classification, references, origin) or labelled fields (`refid: 06LIMA158`, `Reference ID`).
_META_ID = re.compile(
    rf"\s*(?:(?:refid|reference id|reference_id)\s*:?\s*)?{_REF_ID}\s*"
    rf"|\s*\d+,\d{{1,2}}/\d{{1,2}}/\d{{4}} \d{{1,2}}:\d{{2}},{_REF_ID},.*",  # a cables.csv row
    re.IGNORECASE,
)
_META_OTHER = re.compile(
    r"\s*(?:\d{1,7}"
    r"|\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}/\d{1,2}/\d{4}(?: \d{1,2}:\d{2})?"
    rf"|{MARKING}(?://[A-Z /]+)?"
    rf"|{_REF_ID}(?:\s*[|,]\s*{_REF_ID})*"
    r"|(?:Embassy|Consulate|Mission|US Mission|USUN|Secretary of State|American Institute|REO|"
    r"US Office|US Interests Section|Office|Department|Leader|UN Rome|Amembassy|Amconsul)\b[\w .,'()-]*"
    r"|(?:id|date|origin|classification|destination|header|created|released|references?|"
    r"Reference ID|Created|Released|Classification|Origin)\s*(?::.*)?"
    r'|[^,"]*",[^,"]*,[^,"]*,"?)\s*',  # the end of a cables.csv row's columns
    re.IGNORECASE,
)


def ends_with_block(lines: list[str]) -> bool:
    """Whether the last non-blank lines of `lines` are a page's metadata block."""
    seen = 0
    has_id = False
    for line in reversed(lines):
        if not line.strip():
            continue
        if full(_META_ID, line):
            has_id = True
        elif not full(_META_OTHER, line):
            break
        seen += 1
        if seen > 16:
            break
    return has_id and seen >= 3


_LABELLED = re.compile(r"\s*(id|date|created|released|refid|reference id|reference_id|origin|classification|"
                       r"references)\s*:[ \t]*(.*)", re.IGNORECASE)
_LABEL_KEYS = {"date": "created", "refid": "reference_id", "reference id": "reference_id"}
_CSV_HEAD = re.compile(rf"\s*(\d+),(\d{{1,2}}/\d{{1,2}}/\d{{4}} \d{{1,2}}:\d{{2}}),({_REF_ID}),")
_DATE_VALUE = re.compile(
    r"\s*(\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}/\d{1,2}/\d{4}(?: \d{1,2}:\d{2})?)\s*"
)
_REFS_VALUE = re.compile(rf"\s*{_REF_ID}(?:\s*[|,]\s*{_REF_ID})*\s*")
_MARKING_VALUE = re.compile(rf"\s*{MARKING}(?://[A-Z /]+)?\s*")
_TABLE_LABEL = re.compile(r"\s*(?:Reference ID|Created|Released|Classification|Origin|destination|header)\s*:?\s*",
                          re.IGNORECASE)


def _block_values(block: list[str]) -> dict[str, Any]:
    """The fields of a page's metadata block, labelled (`refid: 06LIMA158`) or bare values in
    the page's order (serial number, dates, reference id, origin, classification, references)."""
    meta: dict[str, Any] = {}
    for line in block:
        if m := starts(_CSV_HEAD, line):
            meta.setdefault("id", int(m.group(1)))
            meta.setdefault("created", m.group(2))
            meta.setdefault("reference_id", m.group(3).upper())
        elif m := full(_LABELLED, line):
            key = m.group(1).lower()
            key, value = _LABEL_KEYS.get(key, key), m.group(2).strip()
            if value and key not in meta:
                meta[key] = value.split("|") if key == "references" else value
        elif full(_TABLE_LABEL, line):
            continue
        elif line.strip().isdigit():
            meta.setdefault("id", int(line.strip()))
        elif full(_DATE_VALUE, line):
            meta.setdefault("created" if "created" not in meta else "released", line.strip())
        elif full(_MARKING_VALUE, line):
            meta.setdefault("classification", line.strip())
        elif full(_REFS_VALUE, line):
            ids = [r.strip() for r in re.split(r"[|,]", line) if r.strip()]
            if "reference_id" not in meta and len(ids) == 1:
                meta["reference_id"] = ids[0]
            else:
                meta.setdefault("references", ids)
        elif full(_META_OTHER, line):
            meta.setdefault("origin", line.strip())
    if isinstance(meta.get("id"), str) and meta["id"].isdigit():
        meta["id"] = int(meta["id"])
    return meta if "reference_id" in meta else {}


def page_metadata(lines: list[tuple[int, str]]) -> dict[str, Any]:
    """The metadata block a page copy carries before its routing header, or {}. Only a block
    before any body, followed by the same header as the one before it (if any), counts: one
    inside the text, or before another telegram's header, is a leaked block of that telegram."""
    run: list[str] = []
    start = 0
    for i, (_, text) in enumerate(lines):
        if not text.strip():
            continue
        if not run and (starts(BODY, text) or prose(text)) and not full(_META_OTHER, text):
            return {}
        if full(_META_ID, text) or full(_META_OTHER, text):
            if not run:
                start = i
            run.append(text)
            continue
        if len(run) >= 3 and any(full(_META_ID, t) for t in run) and (
                starts(VZCZC, text) or full(DTG_LINE, text)):
            before = identity(lines[:start])
            after = identity(lines[i:i + 12])
            if (before.dtgs or before.serials) and not (
                    before.dtgs & after.dtgs or before.serials & after.serials):
                return {}
            return _block_values(run)
        run = []
    return {}
