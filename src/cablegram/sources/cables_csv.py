"""The `cables.csv` release: 8 columns, no header row, MySQL-style backslash escapes.

Columns: id, date (`MM/DD/YYYY HH:MM`), reference_id, origin, classification, references,
header, body. Quoted fields span lines. The file is 1.7 GB, so it is streamed a line at a time:
a row ends at a line end outside quotes. A malformed row (wrong column count, a quote left open)
becomes an error record with its row and line, and reading goes on with the next row; a line
that opens a new row (`"123","1/2/2003 4:05","`) while a quote is open ends the broken one.
A row over the record cap (`limits.max_record`) is not held in memory: its head is kept, the rest
read in bounded pieces up to the row's end and dropped, and it becomes an error record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from ._records import RawRecord
from .limits import HEAD_CHARS, max_record, over_limit

__all__ = ["normalise_date", "read_cables_csv", "unescape"]

_COLUMNS = 8
_PIECE = 1 << 20  # a line longer than this is read in pieces
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


def _pieces(stream: IO[bytes]) -> Iterator[str]:
    """The lines of a binary stream, decoded, each with its line end; a line longer than
    `_PIECE` bytes comes in several pieces (only the last ends with the line end)."""
    readline = stream.readline
    while raw := readline(_PIECE):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            yield raw.decode("cp1252", errors="replace")


class _Row:
    """The row being read: its pieces (up to the cap), size, quote state, where it started."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.size = 0
        self.open_quote = False
        self.start_line = 0
        self.over = False  # over the cap: the pieces past it are counted, not kept


def read_cables_csv(stream: IO[bytes], name: str, *,
                    max_bytes: int | None = None) -> Iterator[RawRecord]:
    """Records of a cables.csv stream, one per row, streamed; a row over `max_bytes`
    (default: `limits.max_record()`) becomes an error record holding its head."""
    limit = max_record(max_bytes)
    row = _Row()
    row_no = 0
    line_no = 0
    at_line_start = True

    def finish(problem: str | None) -> RawRecord:
        nonlocal row, row_no
        row_no += 1
        where = f"row {row_no} (line {row.start_line})"
        if row.over:
            source = {"format": "csv", "file": name, "row": row_no, "line": row.start_line,
                      "metadata": {}}
            rec = RawRecord("".join(row.buf)[:HEAD_CHARS], source,
                            over_limit(where, row.size, limit, "characters"))
        else:
            rec = _record("".join(row.buf), name, row_no, row.start_line)
            if problem is not None:
                rec = RawRecord(rec.text, rec.source, f"{where}: {problem}")
        row = _Row()
        return rec

    for piece in _pieces(stream):
        starts_line, at_line_start = at_line_start, piece.endswith("\n")
        if starts_line:
            line_no += 1
            if row.open_quote and piece.startswith('"') and _ROW_START.match(piece):
                yield finish("quote not closed")
        if not row.buf:
            if starts_line and not piece.strip():
                continue
            row.start_line = line_no
        row.size += len(piece)
        if row.size > limit:
            row.over = True
        if not row.over or not row.buf:
            row.buf.append(piece)
        if _quotes_open(piece):
            row.open_quote = not row.open_quote
        if at_line_start and not row.open_quote:
            yield finish(None)
    if row.buf:
        yield finish("quote not closed at end of file" if row.open_quote else None)
