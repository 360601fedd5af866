"""Cablegate website pages: a metadata table and two `<pre>` blocks (header, body).

The table's fields go to `metadata` (named as in the JSONL: reference_id, created, released,
classification, origin, path); the text is made exactly as the JSONL reader makes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from ._records import RawRecord, decode
from .html import convert_cablegate, html_fragment_to_text

__all__ = ["is_cablegate_page", "read_page"]

_PRE = re.compile(r"<pre>(.*?)</pre>", re.DOTALL | re.IGNORECASE)
_TABLE = re.compile(r"<table class='cable'>(.*?)</table>", re.DOTALL)
_CELL = re.compile(r"<td>\s*<a href='([^']*)'[^>]*>(.*?)</a>\s*</td>", re.DOTALL)
_ARTICLE = re.compile(r"<a href='([^']*)'>([^<]*)</a><br />")
_TITLE = re.compile(r"<h3>Viewing cable ([^<]*)</h3>")
_FIELDS = ("reference_id", "created", "released", "classification", "origin")


def is_cablegate_page(head: str) -> bool:
    return "<title>Cable Viewer</title>" in head or "<table class='cable'>" in head


def page_metadata(page: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    table = _TABLE.search(page)
    if table:
        cells = _CELL.findall(table.group(1))
        for key, (href, value) in zip(_FIELDS, cells, strict=False):
            meta[key] = html_fragment_to_text(value).strip()
            if key == "reference_id":
                meta["path"] = href.lstrip("/")
        if "Appears in these articles" in table.group(1):
            articles = _ARTICLE.findall(table.group(1))
            meta["articles"] = [html_fragment_to_text(text) for _, text in articles]
    title = _TITLE.search(page)
    if title:
        meta["page_title"] = html_fragment_to_text(title.group(1)).strip()
    return meta


def read_page(stream: IO[bytes], name: str) -> Iterator[RawRecord]:
    """The one cable of a cablegate page."""
    page = decode(stream.read())
    meta = page_metadata(page)
    pres = _PRE.findall(page)
    source: dict[str, Any] = {"format": "cablegate-html", "file": name, "metadata": meta}
    if len(pres) != 2:
        text = html_fragment_to_text("\n".join(pres))
        yield RawRecord(text, source, f"{name}: expected 2 <pre> blocks, found {len(pres)}")
        return
    text, partial = convert_cablegate(pres[0], pres[1])
    if partial:
        meta["partial_extract"] = True
    if "reference_id" not in meta:
        yield RawRecord(text, source, f"{name}: no cable metadata table")
        return
    yield RawRecord(text, source)
