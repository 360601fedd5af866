"""Which reader a file needs, told by its content (gzip is looked through)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ._records import SourceError, display_name, open_binary
from .pages import is_cablegate_page
from .plusd import is_plusd_page

__all__ = ["FORMATS", "detect_content", "detect_format", "undetectable_reason"]

FORMATS = ("jsonl", "csv", "cablegate-html", "plusd", "text")

_HTML_START = re.compile(r"<(?:!doctype|html|\?xml|head|body)\b", re.IGNORECASE)
_CSV_ROW = re.compile(r'"?\d+"?,"?\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}"?,')
_QUOTED_CSV_ROW = re.compile(r'"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}",')


def detect_content(head: bytes) -> str | None:
    """The format of a file from its first bytes, or None if it is none of ours."""
    if b"\0" in head[:8192]:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("{"):
        first = text.split("\n", 1)[0]
        try:
            if isinstance(json.loads(first), dict):
                return "jsonl"
        except ValueError:
            if "\n" not in text or first.startswith('{"'):  # a first line longer than the head
                return "jsonl"
    if _HTML_START.match(text) or text[:2000].lower().count("<div") > 2:
        if is_plusd_page(text):
            return "plusd"
        if is_cablegate_page(text):
            return "cablegate-html"
        return None
    if _QUOTED_CSV_ROW.match(text) or (
        _CSV_ROW.match(text) and sum(1 for line in text.splitlines() if _CSV_ROW.match(line)) > 1
    ):
        # cables.csv quotes every field; an unquoted row alone is a cable whose text starts
        # with a leaked row (two dev cables do)
        return "csv"
    return "text"


def detect_format(path: str | Path) -> str:
    """`jsonl`, `csv`, `cablegate-html`, `plusd` or `text`, by content; `.gz` is looked through.

    Raises SourceError for a missing or unreadable file, or one whose format cannot be told.
    """
    stream, head = open_binary(path)
    stream.close()
    fmt = detect_content(head)
    if fmt is None:
        raise SourceError(f"{display_name(path)}: {undetectable_reason(head)}")
    return fmt


def undetectable_reason(head: bytes) -> str:
    """Why `detect_content` found no format in these bytes."""
    if b"\0" in head[:8192]:
        return "binary data, not a cable source (expected JSONL, CSV, HTML or text)"
    return "HTML of an unknown layout (neither a cablegate page nor a PlusD page)"
