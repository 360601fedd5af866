"""Where raw cables come from: each source an iterator of raw records with provenance.

A `RawRecord` holds the telegram text (routing header, blank line, body: plain text, as the
parser takes it) and `source`, the provenance and the source's own metadata. Readers: JSONL
(the cablegate corpus), cablegate pages, `cables.csv`, plain text, PlusD pages; `.gz` of any.
"""

from __future__ import annotations

from ._records import RawRecord, SourceError
from .detect import detect_format
from .html import cablegate_html_to_text
from .read import read_path, read_paths

__all__ = [
    "RawRecord",
    "SourceError",
    "cablegate_html_to_text",
    "detect_format",
    "read_path",
    "read_paths",
]
