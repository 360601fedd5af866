"""The `cables.csv` release: 8 columns, no header row, MySQL-style backslash escapes.

Columns: id, date (`MM/DD/YYYY HH:MM`), reference_id, origin, classification, references,
header, body. Quoted fields span lines. The file is 1.7 GB, so it is streamed a line at a time:
a row ends at a line end outside quotes. A malformed row (wrong column count, a quote left open)
becomes an error record with its row and line, and reading goes on with the next row; a line
that opens a new row (`"123","1/2/2003 4:05","`) while a quote is open ends the broken one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from ._records import RawRecord, iter_lines

__all__ = ["normalise_date", "read_cables_csv", "unescape"]

_COLUMNS = 8
_MAX_ROW_CHARS = 64 * 1024 * 1024  # a row this long means a quote never closed
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "Z": "\x1a"}
_QUOTE_OR_ESCAPE = re.compile(r'\\.|"', re.DOTALL)
_FIELD = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"|([^,"\r\n]*)', re.DOTALL)
_ROW_START = re.compile(r'"\d+","\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}","')
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2})")
_REF_SPLIT = re.compile(r"[,|]")


def unescape(field: str) -> str:
    """MySQL escapes: `\\n` newline, `\\t` tab, `\\0` NUL, `\\"` quote, `\\\\` backslash..."""
    if "\\" not in field:
        return field
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(1)), field)


def normalise_date(value: str) -> str:
    """`12/28/1966 18:48` -> `1966-12-28 18:48`; anything else is returned as it is."""
    m = _DATE.fullmatch(value.strip())
    if not m:
        return value
    month, day, year, hour, minute = m.groups()
    return f"{year}-{int(month):02d}-{int(day):02d} {int(hour):02d}:{minute}"


def _quotes_open(line: str) -> bool:
    """Whether the line leaves a quote open (an odd number of unescaped quotes)."""
    if '"' not in line:
        return False
    return sum(1 for m in _QUOTE_OR_ESCAPE.finditer(line) if m.group() == '"') % 2 == 1


def split_row(row: str) -> list[str] | None:
    """The raw (still escaped) fields of one row, or None if it is not well formed."""
    end = len(row.rstrip("\r\n"))
    fields: list[str] = []
    pos = 0
    while True:
        m = _FIELD.match(row, pos, end)
        if m is None:
            return None
        fields.append(m.group(1) if m.group(1) is not None else m.group(2))
        pos = m.end()
        if pos == end:
            return fields
        if row[pos] != ",":
            return None
        pos += 1


def _record(row: str, name: str, row_no: int, line_no: int) -> RawRecord:
    source: dict[str, Any] = {"format": "csv", "file": name, "row": row_no, "line": line_no}
    fields = split_row(row)
    if fields is None or len(fields) != _COLUMNS:
        source["metadata"] = {}
        found = "not well formed" if fields is None else f"{len(fields)} columns, not {_COLUMNS}"
        return RawRecord(row, source, f"row {row_no} (line {line_no}): {found}")
    id_, date, ref_id, origin, classification, refs, header, body = map(unescape, fields)
    source["metadata"] = {
        "id": int(id_) if id_.isdigit() else id_,
        "created": normalise_date(date),
        "reference_id": ref_id,
        "origin": origin,
        "classification": classification,
        "references": [r.strip() for r in _REF_SPLIT.split(refs) if r.strip()],
    }
    return RawRecord(f"{header}\n\n{body}", source)


def read_cables_csv(stream: IO[bytes], name: str) -> Iterator[RawRecord]:
    """Records of a cables.csv stream, one per row, streamed."""
    buf: list[str] = []
    size = 0
    open_quote = False
    start_line = 0
    row_no = 0
    line_no = 0
    for line in iter_lines(stream):
        line_no += 1
        if open_quote and line.startswith('"') and _ROW_START.match(line):
            row_no += 1
            rec = _record("".join(buf), name, row_no, start_line)
            err = f"row {row_no} (line {start_line}): quote not closed"
            yield RawRecord(rec.text, rec.source, err)
            buf, size, open_quote = [], 0, False
        if not buf:
            if not line.strip():
                continue
            start_line = line_no
        buf.append(line)
        size += len(line)
        if _quotes_open(line):
            open_quote = not open_quote
        if not open_quote or size > _MAX_ROW_CHARS:
            row_no += 1
            rec = _record("".join(buf), name, row_no, start_line)
            if open_quote:
                rec = RawRecord(rec.text, rec.source, f"row {row_no} (line {start_line}): too long")
            yield rec
            buf, size, open_quote = [], 0, False
    if buf:
        row_no += 1
        rec = _record("".join(buf), name, row_no, start_line)
        err = f"row {row_no} (line {start_line}): quote not closed at end of file"
        yield RawRecord(rec.text, rec.source, err)
