"""PlusD pages (WikiLeaks' Public Library of US Diplomacy): 1973-74 telegrams.

The telegram is the "Raw content" pane (`PAGE 01`, the `ACTION`/`INFO` block, ... `NNN`); the
synopsis table (Date, Canonical ID, classifications, TAGS with their descriptions, From, To, ...)
and the "Metadata" pane (Draft Date, Document Number, Film Number, ...) go to `metadata`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import IO, Any

from ._records import RawRecord, decode

__all__ = ["is_plusd_page", "read_plusd"]

_PANE = re.compile(
    r'<div class="pane-header">([^<]*)</div><div class="pane-content"><div class="text-content">'
    r"(.*?)</div>",
    re.DOTALL,
)
_SYNOPSIS = re.compile(r'<table id="synopsis">(.*?)</table>', re.DOTALL)
_SUBJECT = re.compile(r'<td colspan="2"[^>]*>(.*?)</td>', re.DOTALL)
_KEY_VAL = re.compile(
    r'<div class="s_key"><a class="i" title="([^"]*)"[^>]*>.*?</a></div>\s*'
    r'<div class="s_val"[^>]*>(.*?)</div>',
    re.DOTALL,
)
_TAG_LINK = re.compile(r"<a [^>]*>([^<]*)<span[^>]*>\s*-\s*([^<]*)</span></a>")
_LINK_TEXT = re.compile(r"<a [^>]*>([^<]*)</a>")
_ANY_TAG = re.compile(r"<[^>]+>")
_TRAILER = re.compile(r"^\*\*\*\s*(Current [^*]*?)\s*\*\*\*\s*(.*)$")
_META_LINE = re.compile(r"([A-Z][A-Za-z ]*): ?(.*)")


def is_plusd_page(head: str) -> bool:
    return 'id="synopsis"' in head or ("<title>Cable: " in head and "/plusd/" in head)


def _snake(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.strip().lower()).strip("_")


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_ANY_TAG.sub(" ", fragment)).split())


def _synopsis(page: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    table = _SYNOPSIS.search(page)
    if not table:
        return meta
    body = table.group(1)
    subject = _SUBJECT.search(body)
    if subject:
        meta["subject"] = _plain(subject.group(1))
    for key, value in _KEY_VAL.findall(body):
        k = _snake(key)
        if k == "tags":
            meta[k] = [
                {"code": code.strip(), "description": html.unescape(desc).strip()}
                for code, desc in _TAG_LINK.findall(value)
            ]
        elif k in ("from", "to"):
            names = [_plain(t) for t in _LINK_TEXT.findall(value)]
            meta[k] = names if k == "to" else " | ".join(names)
        else:
            meta[k] = _plain(value)
    if "canonical_id" in meta:
        meta["reference_id"] = meta["canonical_id"].split("_")[0]
    return meta


def _yaml_value(lines: list[str]) -> str:
    """A folded value of the Metadata pane (`! '...'` quoted scalars unquoted)."""
    raw = "\n".join(lines).strip()
    if raw.startswith("! "):
        raw = raw[2:]
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":
        raw = raw[1:-1].replace("''", "'")
    paragraphs = re.split(r"\n\s*\n", raw)
    return "\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _metadata_pane(text: str) -> dict[str, str]:
    """The "Metadata" pane: `Key: value` lines, values continued on indented lines."""
    out: dict[str, str] = {}
    key: str | None = None
    lines: list[str] = []
    for line in html.unescape(text).splitlines():
        if line.strip() == "---":
            continue
        m = _META_LINE.fullmatch(line)
        if m and not line[:1].isspace() and (lines == [] or not _open_quote(lines)):
            if key is not None:
                out[key] = _yaml_value(lines)
            key, lines = m.group(1), [m.group(2)]
        elif key is not None:
            lines.append(line)
    if key is not None:
        out[key] = _yaml_value(lines)
    return out


def _open_quote(lines: list[str]) -> bool:
    joined = "\n".join(lines).strip()
    if joined.startswith("! "):
        joined = joined[2:]
    return joined.startswith("'") and (joined.replace("''", "").count("'") % 2 == 1)


def _telegram(raw: str, meta: dict[str, Any]) -> str:
    """The raw-content pane as text; PlusD's `*** Current ... ***` trailer goes to metadata."""
    lines = html.unescape(raw).replace("\r\n", "\n").split("\n")
    trailer: dict[str, str] = {}
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and (m := _TRAILER.match(lines[-1].strip())):
        trailer[m.group(1).strip()] = m.group(2).strip()
        lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    if trailer:
        meta["trailer"] = dict(reversed(trailer.items()))
    return "\n".join(lines)


def read_plusd(stream: IO[bytes], name: str) -> Iterator[RawRecord]:
    """The one telegram of a PlusD page."""
    page = decode(stream.read())
    meta = _synopsis(page)
    panes = {title.strip(): content for title, content in _PANE.findall(page)}
    if "Metadata" in panes:
        meta["plusd"] = _metadata_pane(panes["Metadata"])
    source: dict[str, Any] = {"format": "plusd", "file": name, "metadata": meta}
    raw = panes.get("Raw content")
    if raw is None:
        yield RawRecord("", source, f"{name}: no 'Raw content' pane in this PlusD page")
        return
    yield RawRecord(_telegram(raw, meta), source)
