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

A part that names the same telegram as the one before it (a serial or, lacking serials, a
date-time group in common) is joined back to it: a later section with its own header, or the
header repeated after the text.

Two shapes real cables have are not evidence. A line of `=` or `-` is an underline or a rule
inside a cable (`=====` / `YES VOTE WINS` / `=====`). And a routing header, the page's metadata
block (serial number, date, reference id, origin, classification; labelled or not), then the
same header again with its body is one cable: that is what copying a cablegate page gives, and
a routing header that follows such a block never starts a new telegram.

The metadata block of a page copy goes to the record's `metadata` (the text keeps it too), as
the other readers put a source's own fields there.

A file that is never split comes through unchanged (the record's text is the file's content);
the parts of a split file lose their surrounding blank lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from ._records import RawRecord, iter_lines

__all__ = ["read_text"]

_END = re.compile(r"\s*N{3,4}\s*")
#: What the archives print after a telegram's NNNN: the page footer's id line, a closing mark.
_TRAILER = re.compile(
    r"\s*(?:\d{4}[A-Z][A-Z ]*\d{3,6}\s+-\s+(?:Classification:\s*)?[A-Z][A-Z /]*"
    r"|End Cable Text|[\"'”]+)\s*",
    re.IGNORECASE,
)
_VZCZC = re.compile(r"\s*VZCZC")
_DTG_LINE = re.compile(
    r"\s*(?:[ZOPR]{1,2}\s+){1,2}\d{6}Z\s+(?:[A-Z]{3}|\d{2})\s+\d{2,4}\s*", re.IGNORECASE
)
_FM = re.compile(r"\s*FM\s+\S")
#: Lines of the 1970s preamble that come before the date-time group of the telegram they head.
_PREAMBLE = re.compile(
    r"\s*(?:PAGE\s+\d{2}\b.*|(?:ACTION|INFO|ORIGIN)\s+[A-Z]+-\d+.*|(?:[A-Z]+-\d\d\s*)+"
    r"|-{3,}.*|/\d+\s+\w?|\d{1,3}|(?:UNCLASSIFIED|LIMITED OFFICIAL USE|CONFIDENTIAL|SECRET"
    r"|TOP SECRET)|)\s*"
)
_MARKING = (
    r"(?:UNCLAS(?:SIFIED)?|LIMITED OFFICIAL USE|CONFIDENTIAL|(?:TOP )?SECRET"
    r"|C O N F I D E N T I A L|S E C R E T|U N C L A S S I F I E D)"
)
#: Evidence that the part has reached its body: a classification line with station and serial,
#: a marking-block field, a numbered paragraph, or prose.
_BODY = re.compile(
    rf"\s*(?:{_MARKING}\b.*\b\d{{2,7}}\b"
    r"|(?:SUBJECT|SUBJ|TAGS?|E\.\s?O\.|EO 1\d{4}|REF|Classified By)\b"
    r"|¶?\s*\d{1,3}\.\s+\S)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?:From|Sent|To|Cc|Date): \S")
_WORD = re.compile(r"[a-z]{3,}[.,;:!?)]?")
#: Header, marking and metadata lines are short: longer lines are tried as prose only, so no
#: pattern ever runs over a huge line.
_SHORT = 300


def _prose(text: str) -> bool:
    """Three lower-case words: a sentence, not a header line (linear, whatever the line)."""
    found = 0
    for token in text[:2000].split():
        if _WORD.fullmatch(token):
            found += 1
            if found == 3:
                return True
    return False


def _short(text: str) -> str | None:
    """The line stripped, if it is short enough to be a header, marking or metadata line."""
    stripped = text.strip()
    return stripped if len(stripped) <= _SHORT else None


def _full(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.fullmatch` on the stripped line, short lines only."""
    stripped = _short(text)
    return pattern.fullmatch(stripped) if stripped is not None else None


def _starts(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.match` on the start of the line."""
    return pattern.match(text.lstrip()[:_SHORT])


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
    rf"|{_MARKING}(?://[A-Z /]+)?"
    rf"|{_REF_ID}(?:\s*[|,]\s*{_REF_ID})*"
    r"|(?:Embassy|Consulate|Mission|US Mission|USUN|Secretary of State|American Institute|REO|"
    r"US Office|US Interests Section|Office|Department|Leader|UN Rome|Amembassy|Amconsul)\b[\w .,'()-]*"
    r"|(?:id|date|origin|classification|destination|header|created|released|references?|"
    r"Reference ID|Created|Released|Classification|Origin)\s*(?::.*)?"
    r'|[^,"]*",[^,"]*,[^,"]*,"?)\s*',  # the end of a cables.csv row's columns
    re.IGNORECASE,
)


def _metadata_block_ends(lines: list[str]) -> bool:
    """Whether the last non-blank lines of `lines` are a page's metadata block."""
    seen = 0
    has_id = False
    for line in reversed(lines):
        if not line.strip():
            continue
        if _full(_META_ID, line):
            has_id = True
        elif not _full(_META_OTHER, line):
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
_MARKING_VALUE = re.compile(rf"\s*{_MARKING}(?://[A-Z /]+)?\s*")
_TABLE_LABEL = re.compile(r"\s*(?:Reference ID|Created|Released|Classification|Origin|destination|header)\s*:?\s*",
                          re.IGNORECASE)


def _block_values(block: list[str]) -> dict[str, Any]:
    """The fields of a page's metadata block, labelled (`refid: 06LIMA158`) or bare values in
    the page's order (serial number, dates, reference id, origin, classification, references)."""
    meta: dict[str, Any] = {}
    for line in block:
        if m := _starts(_CSV_HEAD, line):
            meta.setdefault("id", int(m.group(1)))
            meta.setdefault("created", m.group(2))
            meta.setdefault("reference_id", m.group(3).upper())
        elif m := _full(_LABELLED, line):
            key = m.group(1).lower()
            key, value = _LABEL_KEYS.get(key, key), m.group(2).strip()
            if value and key not in meta:
                meta[key] = value.split("|") if key == "references" else value
        elif _full(_TABLE_LABEL, line):
            continue
        elif line.strip().isdigit():
            meta.setdefault("id", int(line.strip()))
        elif _full(_DATE_VALUE, line):
            meta.setdefault("created" if "created" not in meta else "released", line.strip())
        elif _full(_MARKING_VALUE, line):
            meta.setdefault("classification", line.strip())
        elif _full(_REFS_VALUE, line):
            ids = [r.strip() for r in re.split(r"[|,]", line) if r.strip()]
            if "reference_id" not in meta and len(ids) == 1:
                meta["reference_id"] = ids[0]
            else:
                meta.setdefault("references", ids)
        elif _full(_META_OTHER, line):
            meta.setdefault("origin", line.strip())
    if isinstance(meta.get("id"), str) and meta["id"].isdigit():
        meta["id"] = int(meta["id"])
    return meta if "reference_id" in meta else {}


def _page_metadata(lines: list[tuple[int, str]]) -> dict[str, Any]:
    """The metadata block a page copy carries before its routing header, or {}. Only a block
    before any body, followed by the same header as the one before it (if any), counts: one
    inside the text, or before another telegram's header, is a leaked block of that telegram."""
    run: list[str] = []
    start = 0
    for i, (_, text) in enumerate(lines):
        if not text.strip():
            continue
        if not run and (_starts(_BODY, text) or _prose(text)) and not _full(_META_OTHER, text):
            return {}
        if _full(_META_ID, text) or _full(_META_OTHER, text):
            if not run:
                start = i
            run.append(text)
            continue
        if len(run) >= 3 and any(_full(_META_ID, t) for t in run) and (
                _starts(_VZCZC, text) or _full(_DTG_LINE, text)):
            before = _identity(lines[:start])
            after = _identity(lines[i:i + 12])
            if any(before) and not (before[0] & after[0] or before[1] & after[1]):
                return {}
            return _block_values(run)
        run = []
    return {}


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

    def add(self, text: str, line_no: int) -> None:
        if not text.strip():
            self.email = False
        else:
            if not self.first_line:
                self.first_line = line_no
            self.email = self.email or bool(_starts(_EMAIL, text))
            if not self.body and not self.email:
                self.body = bool(self.after_bt or _starts(_BODY, text) or _prose(text))
            self.after_bt = text.strip() == "BT"
            self.closed = self.closed or (self.body and self.after_bt)
        self.lines.append((line_no, text))

    def has_text(self) -> bool:
        return self.first_line != 0

    def ends_with_metadata_block(self) -> bool:
        return _metadata_block_ends([t for _, t in self.lines[-40:]])

    def take_preamble(self) -> list[tuple[int, str]]:
        """Remove and return the 1970s preamble lines at the end of the part."""
        i = len(self.lines)
        while i > 0 and _full(_PREAMBLE, self.lines[i - 1][1]):
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


_DTG = re.compile(r"\s*(?:[ZOPR]{1,2}\s+){0,2}(\d{6}Z)\s+([A-Z]{3})\s+(\d{2,4})\s*", re.IGNORECASE)
_DE_SERIAL = re.compile(r"\s*DE\s+[A-Z]{4,}\s*#(\d{1,6})")
_CLASS_SERIAL = re.compile(rf"\s*{_MARKING}\b.*?\b(\d{{2,7}})\s*")


def _identity(lines: list[tuple[int, str]]) -> tuple[set[str], set[int]]:
    """What names a telegram in these lines: its date-time groups and its serials."""
    dtgs: set[str] = set()
    serials: set[int] = set()
    for _, text in lines:
        if m := _full(_DTG, text):
            dtgs.add(" ".join(m.groups()).upper())
        elif (m := _starts(_DE_SERIAL, text)) or (m := _full(_CLASS_SERIAL, text)):
            serials.add(int(m.group(1)) % 10000)
    return dtgs, serials


def _same_telegram(a: tuple[set[str], set[int]], b: tuple[set[str], set[int]]) -> bool:
    """Whether the part named `b` continues the telegram named `a` (see `_identity`): a later
    section, or its header again."""
    (dtgs_a, serials_a), (dtgs_b, serials_b) = a, b
    if serials_a & serials_b:
        return True
    return bool(dtgs_a & dtgs_b) and not (serials_a and serials_b)


class _Splitter:
    """Cuts a stream of lines where the evidence says a new telegram starts."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.part = _Part(name)
        self.pending: tuple[int, str] | None = None  # a date-time group line: FM may follow

    def cut(self, carried: list[tuple[int, str]] | None = None) -> Iterator[list[tuple[int, str]]]:
        """End the current part (`carried` lines begin the next); yield its lines."""
        if self.part.has_text():
            yield self.part.lines
        self.part = _Part(self.name)
        for line_no, text in carried or ():
            self.part.add(text, line_no)

    def feed(self, piece: str, line_no: int) -> Iterator[list[tuple[int, str]]]:
        part = self.part
        if self.pending is not None:
            dtg, self.pending = self.pending, None
            if _starts(_FM, piece) and part.ends_with_metadata_block():
                part.body = part.closed = False  # the same header again: its body is to come
            if _starts(_FM, piece) and part.closed:
                yield from self.cut([*part.take_preamble(), dtg])
            else:
                part.add(dtg[1], dtg[0])
            part = self.part
        if part.ended and piece.strip():
            if _full(_TRAILER, piece):
                part.add(piece, line_no)
                return
            yield from self.cut()
        elif _starts(_VZCZC, piece) and part.body:
            if part.ends_with_metadata_block():
                part.body = part.closed = False
            else:
                yield from self.cut()
        elif _full(_DTG_LINE, piece) and part.closed:
            self.pending = (line_no, piece)
            return
        self.part.add(piece, line_no)
        if _full(_END, piece):
            self.part.ended = True

    def flush_pending(self) -> None:
        if self.pending is not None:
            self.part.add(self.pending[1], self.pending[0])
            self.pending = None

    def finish(self) -> Iterator[list[tuple[int, str]]]:
        self.flush_pending()
        yield from self.cut()


def _parts(stream: IO[bytes], name: str) -> Iterator[list[tuple[int, str]]]:
    """The line lists of the telegrams of a stream, as the evidence cuts them."""
    splitter = _Splitter(name)
    for line_no, line in enumerate(iter_lines(stream), 1):
        for i, piece in enumerate(line.split("\f")):
            if i:  # a form feed before this piece
                splitter.flush_pending()
                yield from splitter.cut()
            if piece:
                yield from splitter.feed(piece, line_no)
    yield from splitter.finish()


def _record(name: str, lines: list[tuple[int, str]], *, whole: bool) -> RawRecord:
    source: dict[str, Any] = {"format": "text", "file": name, "metadata": _page_metadata(lines)}
    if whole:
        source["line"] = 1
        return RawRecord(_text(lines), source)
    source["line"] = next(n for n, t in lines if t.strip())
    return RawRecord(_strip_blank_lines(_text(lines)), source)


def read_text(stream: IO[bytes], name: str) -> Iterator[RawRecord]:
    """The telegrams of a text file, streamed: a part that continues the telegram before it
    (a later section, or the same header again) is joined back to it."""
    held: list[tuple[int, str]] | None = None
    held_id: tuple[set[str], set[int]] = (set(), set())
    split = False
    for part in _parts(stream, name):
        part_id = _identity(part)
        if held is not None and _same_telegram(held_id, part_id):
            held.extend(part)
            held_id[0].update(part_id[0])
            held_id[1].update(part_id[1])
            continue
        if held is not None:
            split = True
            yield _record(name, held, whole=False)
        held, held_id = part, part_id
    if held is not None:
        yield _record(name, held, whole=not split)
