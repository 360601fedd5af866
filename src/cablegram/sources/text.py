"""Plain text telegrams: one cable a file, or several in a dump.

A dump is split where a new telegram starts: at a form feed, at a line of only `=` (5 or
more, dropped), after an `NNNN` end-of-message line that more text follows, and before a
`VZCZC` line that comes after some text. A file that is never split comes through unchanged
(the record's text is the file's content); the parts of a split file lose their surrounding
blank lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from ._records import RawRecord, iter_lines

__all__ = ["read_text"]

_RULE = re.compile(r"={5,}\s*")
_END = re.compile(r"N{4}\s*")
_START = re.compile(r"\s*VZCZC")


class _Splitter:
    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.first_line = 0  # 1-based line of the first non-blank line of the part
        self.split = False
        self.ended = False  # the part has seen its NNNN line

    def add(self, text: str, line_no: int) -> None:
        if not self.first_line and text.strip():
            self.first_line = line_no
        self.lines.append(text)

    def has_text(self) -> bool:
        return self.first_line != 0

    def cut(self) -> RawRecord | None:
        """End the current part; return its record unless it holds only blank lines."""
        self.split = True
        rec = self._record(whole=False)
        self.lines, self.first_line, self.ended = [], 0, False
        return rec

    def finish(self) -> RawRecord | None:
        return self._record(whole=not self.split)

    def _record(self, *, whole: bool) -> RawRecord | None:
        text = "".join(self.lines)
        source: dict[str, Any] = {"format": "text", "file": self.name, "metadata": {}}
        if whole:
            if not text.strip():
                return None
            source["line"] = 1
            return RawRecord(text, source)
        if not self.has_text():
            return None
        source["line"] = self.first_line
        return RawRecord(_strip_blank_lines(text), source)


def _strip_blank_lines(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "".join(lines).rstrip("\r\n")


def read_text(stream: IO[bytes], name: str) -> Iterator[RawRecord]:
    """The telegrams of a text file, streamed line by line."""
    part = _Splitter(name)
    for line_no, line in enumerate(iter_lines(stream), 1):
        pieces = line.split("\f")
        for i, piece in enumerate(pieces):
            if i:  # a form feed before this piece
                rec = part.cut()
                if rec:
                    yield rec
            if not piece:
                continue
            if _RULE.fullmatch(piece):
                rec = part.cut()
                if rec:
                    yield rec
                continue
            new_cable = (part.ended and piece.strip()) or (_START.match(piece) and part.has_text())
            if new_cable:
                rec = part.cut()
                if rec:
                    yield rec
            part.add(piece, line_no)
            if _END.fullmatch(piece):
                part.ended = True
    rec = part.finish()
    if rec:
        yield rec
