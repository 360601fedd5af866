"""Plain text telegrams: one cable a file, or several in a dump.

A dump is split only on positive evidence that a new telegram starts:
- a form feed;
- an end-of-message line (`NNNN`, or the 1970s `NNN`) that more text follows, unless that text
  is a trailer the archives print after it (`2004CARACA02200 - CONFIDENTIAL`, `End Cable Text`);
- a new routing header after a cable that already has a body: a `VZCZC` line; or, after a
  body closed by its `BT` line, a date-time group line (`R 121530Z MAR 74`) followed by an `FM`
  line (the 1970s preamble lines just before it, `PAGE 01 ...`, the `ACTION`/`INFO` office
  block, the dashes line, a marking line, go with the new telegram). A body is a
  classification line with its serial, a marking-block field, a numbered paragraph or prose;
  the header of an e-mail that forwards a telegram is not one.

A part that a routing header began and that names the same telegram as the one before it (a
serial or, lacking serials, a date-time group in common) is joined back to it: a later section
with its own header, or the header repeated after the text; not a second copy of a section
whose text is already there. A form feed or an end-of-message
line is a hard cut: what follows is never joined back (a dump may hold two releases of a cable).

Two shapes real cables have are not evidence. A line of `=` or `-` is an underline or a rule
inside a cable (`=====` / `YES VOTE WINS` / `=====`). And a routing header, the page's metadata
block (serial number, date, reference id, origin, classification; labelled or not), then the
same header again with its body is one cable: that is what copying a cablegate page gives, and
a routing header that follows such a block never starts a new telegram.

The metadata block of a page copy (read by `page_block`) goes to the record's `metadata` (the
text keeps it too), as the other readers put a source's own fields there. `_lines` holds what
is told from one line.

A file that is never split comes through unchanged (the record's text is the file's content);
the parts of a split file lose their surrounding blank lines.
"""


from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from ._lines import BODY, DTG_LINE, EMAIL, VZCZC, Identity, full, identity, prose, starts
from ._records import RawRecord, iter_lines
from .page_block import ends_with_block, page_metadata

__all__ = ["read_text"]

_END = re.compile(r"\s*N{3,4}\s*")
#: What the archives print after a telegram's NNNN: the page footer's id line, a closing mark.
_TRAILER = re.compile(
    r"\s*(?:\d{4}[A-Z][A-Z ]*\d{3,6}\s+-\s+(?:Classification:\s*)?[A-Z][A-Z /]*"
    r"|End Cable Text|[\"'”]+)\s*",
    re.IGNORECASE,
)
_FM = re.compile(r"\s*FM\s+\S")
#: Lines of the 1970s preamble that come before the date-time group of the telegram they head.
_PREAMBLE = re.compile(
    r"\s*(?:PAGE\s+\d{2}\b.*|(?:ACTION|INFO|ORIGIN)\s+[A-Z]+-\d+.*|(?:[A-Z]+-\d\d\s*)+"
    r"|-{3,}.*|/\d+\s+\w?|\d{1,3}|(?:UNCLASSIFIED|LIMITED OFFICIAL USE|CONFIDENTIAL|SECRET"
    r"|TOP SECRET)|)\s*"
)


class _Part:
    """The telegram being read: its lines and what has been seen of it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[tuple[int, str]] = []
        self.first_line = 0  # 1-based line of the first non-blank line of the part
        self.body = False  # the part has reached its body
        self.after_bt = False
        self.closed = False  # a BT line after the body: the text of the telegram is over
        self.email = False  # inside the header of an e-mail that forwards the telegram
        self.ended = False  # the part has seen its end-of-message line
        self.hard = False  # a form feed or an end-of-message line came just before the part

    def add(self, text: str, line_no: int) -> None:
        if not text.strip():
            self.email = False
        else:
            if not self.first_line:
                self.first_line = line_no
            self.email = self.email or bool(starts(EMAIL, text))
            if not self.body and not self.email:
                self.body = bool(self.after_bt or starts(BODY, text) or prose(text))
            self.after_bt = text.strip() == "BT"
            self.closed = self.closed or (self.body and self.after_bt)
        self.lines.append((line_no, text))

    def has_text(self) -> bool:
        return self.first_line != 0

    def ends_with_metadata_block(self) -> bool:
        return ends_with_block([t for _, t in self.lines[-40:]])

    def take_preamble(self) -> list[tuple[int, str]]:
        """Remove and return the 1970s preamble lines at the end of the part."""
        i = len(self.lines)
        while i > 0 and full(_PREAMBLE, self.lines[i - 1][1]):
            i -= 1
        while i < len(self.lines) and not self.lines[i][1].strip():
            i += 1  # blank lines stay behind
        taken, self.lines = self.lines[i:], self.lines[:i]
        return taken


def _text(lines: list[tuple[int, str]]) -> str:
    return "".join(t for _, t in lines)


def _strip_blank_lines(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "".join(lines).rstrip("\r\n")


_Cut = tuple[list[tuple[int, str]], bool]


class _Splitter:
    """Cuts a stream of lines where the evidence says a new telegram starts."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.part = _Part(name)
        self.pending: tuple[int, str] | None = None  # a date-time group line: FM may follow

    def cut(self, carried: list[tuple[int, str]] | None = None, *, hard: bool = False) -> Iterator[_Cut]:
        """End the current part (`carried` lines begin the next); yield its lines. A `hard`
        cut (a form feed, an end-of-message line) is never joined back."""
        old = self.part
        if old.has_text():
            yield old.lines, old.hard
        self.part = _Part(self.name)
        self.part.hard = hard or (old.hard and not old.has_text())
        for line_no, text in carried or ():
            self.part.add(text, line_no)

    def feed(self, piece: str, line_no: int) -> Iterator[_Cut]:
        part = self.part
        if self.pending is not None:
            dtg, self.pending = self.pending, None
            if starts(_FM, piece) and part.ends_with_metadata_block():
                part.body = part.closed = False  # the same header again: its body is to come
            if starts(_FM, piece) and part.closed:
                yield from self.cut([*part.take_preamble(), dtg])
            else:
                part.add(dtg[1], dtg[0])
            part = self.part
        if part.ended and piece.strip():
            if full(_TRAILER, piece):
                part.add(piece, line_no)
                return
            yield from self.cut(hard=True)
        elif starts(VZCZC, piece) and part.body:
            if part.ends_with_metadata_block():
                part.body = part.closed = False
            else:
                yield from self.cut()
        elif full(DTG_LINE, piece) and part.closed:
            self.pending = (line_no, piece)
            return
        self.part.add(piece, line_no)
        if full(_END, piece):
            self.part.ended = True

    def flush_pending(self) -> None:
        if self.pending is not None:
            self.part.add(self.pending[1], self.pending[0])
            self.pending = None

    def finish(self) -> Iterator[_Cut]:
        self.flush_pending()
        yield from self.cut()


def _parts(stream: IO[bytes], name: str) -> Iterator[_Cut]:
    """The line lists of the telegrams of a stream, as the evidence cuts them, each with
    whether a hard cut began it."""
    splitter = _Splitter(name)
    for line_no, line in enumerate(iter_lines(stream), 1):
        for i, piece in enumerate(line.split("\f")):
            if i:  # a form feed before this piece
                splitter.flush_pending()
                yield from splitter.cut(hard=True)
            if piece:
                yield from splitter.feed(piece, line_no)
    yield from splitter.finish()


def _record(name: str, lines: list[tuple[int, str]], *, whole: bool) -> RawRecord:
    source: dict[str, Any] = {"format": "text", "file": name, "metadata": page_metadata(lines)}
    if whole:
        source["line"] = 1
        return RawRecord(_text(lines), source)
    source["line"] = next(n for n, t in lines if t.strip())
    return RawRecord(_strip_blank_lines(_text(lines)), source)


def read_text(stream: IO[bytes], name: str) -> Iterator[RawRecord]:
    """The telegrams of a text file, streamed: a part that continues the telegram before it
    (a later section, or the same header again) is joined back to it, unless a form feed or an
    end-of-message line came between them."""
    held: list[tuple[int, str]] | None = None
    held_id = Identity()
    split = False
    for part, hard in _parts(stream, name):
        part_id = identity(part)
        if held is not None and not hard and held_id.continued_by(part_id):
            held.extend(part)
            held_id.update(part_id)
            continue
        if held is not None:
            split = True
            yield _record(name, held, whole=False)
        held, held_id = part, part_id
    if held is not None:
        yield _record(name, held, whole=not split)
