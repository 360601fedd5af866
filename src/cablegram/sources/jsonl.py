"""JSONL sources: one JSON object a line.

Three shapes are read: the cablegate corpus (`header_html`/`body_html` plus the website's
metadata), objects with a plain `text`, and cablegram's own output objects with `raw_text`.
A line that is not JSON, or lacks those fields, becomes an error record; reading goes on.
A line over the record cap (`limits.max_record`) is not held in memory: its head is kept and
the rest counted, and it becomes an error record too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

import orjson

from ._records import RawRecord
from .html import convert_cablegate
from .limits import HEAD_CHARS, max_record, over_limit

__all__ = ["read_jsonl", "record_from_object"]

_HTML_KEYS = ("header_html", "body_html")


def _source(name: str, line: int, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"format": "jsonl", "file": name, "line": line, "metadata": metadata}


def record_from_object(obj: Any, name: str, line: int) -> RawRecord:
    """One JSON value (already decoded) as a RawRecord."""
    if not isinstance(obj, dict):
        return RawRecord("", _source(name, line, {}), f"line {line}: not a JSON object")
    if "header_html" in obj or "body_html" in obj:
        header_html = obj.get("header_html") or ""
        body_html = obj.get("body_html") or ""
        meta = {k: v for k, v in obj.items() if k not in _HTML_KEYS}
        if not isinstance(header_html, str) or not isinstance(body_html, str):
            return RawRecord(
                "", _source(name, line, meta), f"line {line}: header_html/body_html not strings"
            )
        text, partial = convert_cablegate(header_html, body_html)
        if partial:
            meta["partial_extract"] = True
        return RawRecord(text, _source(name, line, meta))
    for key in ("text", "raw_text"):
        text = obj.get(key)
        if isinstance(text, str):
            if key == "raw_text" and isinstance(obj.get("source"), dict):
                # cablegram output: keep the provenance it was parsed from
                prior = obj["source"]
                meta = dict(prior.get("metadata") or {})
                meta["derived_from"] = {k: v for k, v in prior.items() if k != "metadata"}
                if obj.get("reference_id") and "reference_id" not in meta:
                    meta["reference_id"] = obj["reference_id"]
            else:
                meta = {k: v for k, v in obj.items() if k != key}
            return RawRecord(text, _source(name, line, meta))
    return RawRecord(
        "",
        _source(name, line, {}),
        f"line {line}: JSON object has no header_html/body_html, text or raw_text field",
    )


def _raw_text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _loads(raw: bytes) -> Any:
    """orjson (ingest reads every line: ~4x faster), else the standard library, which also takes
    what orjson refuses (NaN, lone surrogates, huge integers) and words its errors for people."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def _lines(stream: IO[bytes], limit: int) -> Iterator[tuple[bytes, int]]:
    """Each line (with its end) and its size; a line over `limit` bytes comes back cut short
    (its rest is read in bounded pieces and dropped), with its full size."""
    readline = stream.readline
    while line := readline(limit + 2):  # room for the line end
        size = len(line)
        if size > limit and not line.endswith(b"\n"):
            while more := readline(1 << 20):
                size += len(more)
                if more.endswith(b"\n"):
                    break
        yield line, size


def read_jsonl(stream: IO[bytes], name: str, *,
               max_bytes: int | None = None) -> Iterator[RawRecord]:
    """Records of a binary JSONL stream; blank lines are skipped; a line over `max_bytes`
    (default: `limits.max_record()`) becomes an error record holding its head."""
    limit = max_record(max_bytes)
    for line_no, (raw, size) in enumerate(_lines(stream, limit), 1):
        if size - (len(raw) - len(raw.rstrip(b"\r\n"))) > limit:
            head = _raw_text(raw[:HEAD_CHARS])
            yield RawRecord(head, _source(name, line_no, {}),
                            over_limit(f"line {line_no}", size, limit))
            continue
        if not raw.strip():
            continue
        try:
            obj = _loads(raw)
        except ValueError as e:  # JSONDecodeError and UnicodeDecodeError
            detail = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
            err = f"line {line_no}: invalid JSON: {detail}"
            yield RawRecord(_raw_text(raw), _source(name, line_no, {}), err)
            continue
        rec = record_from_object(obj, name, line_no)
        if rec.error and not rec.text:
            rec = RawRecord(_raw_text(raw), rec.source, rec.error)
        yield rec
