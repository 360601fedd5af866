"""Clean-up before parsing: link artefacts, page breaks, page headers, leaked metadata.

Each clean-up that fires is recorded as a defect; what it removed that carries evidence (a page
header's day and time) is kept for the date inference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cablegram import directory
from cablegram.telegram.defects import DefectLog

__all__ = ["CLASS_INITIALS", "CLASS_WORDS", "Cleaned", "clean_lines", "is_lone_classification", "squeeze_spaces"]

_MD_LINK = re.compile(r"\[([^\]\n]{0,80})\]\((?:#|/)[^)\n]{0,200}\)")
_HTML_TAG = re.compile(r"</?(?:a|pre|br|span|div|p|b|i)\b[^>\n]{0,300}>", re.I)
# `MOSCOW 00002629 002 OF 002`, `VATICAN 00000123 001.2 OF 002`: the page-break line of a
# multi-section cable; its serial always has eight digits. `(?<!\S.)` after the first letter: the
# letter starts the line or follows whitespace (checked after it, the regex engine skips to letters).
_PAGE_BREAK = re.compile(r"[A-Z](?<!\S.)[A-Z .'-]{1,30}?\s+0*\d{1,8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3}\b")
# `"PAGE " in text`, faster: the regex engine's search for a literal skips ahead on its first
# letter, where `in` advances a few characters at a time past the many spaces of a telegram.
_PAGE_WORD = re.compile("PAGE ")
_PAGE_HEADER = re.compile(r"^\s*PAGE\s+\d{2,3}\s+.*?\b(\d{2})(\d{2})(\d{2})Z\s*$")
# `PAGE 02 STATE 097844`: the Department's own 1970s telegrams print no time on their page headers.
_BARE_PAGE_HEADER = re.compile(r"^\s*PAGE\s+\d{2,3}\s+[A-Z][A-Z .'-]{0,30}?\s+\d{5,7}(?:\s+\d{2}\s+OF\s+\d{2})?\s*$")
# ` \` or ` \ \` at a line's end (an export's escaped newlines); a backslash glued to a word stays.
_TRAILING_BACKSLASHES = re.compile(r"(?:^|\s)[\s\\]*\\\s*$")
_DATED_LINE = re.compile(r"Cable dated:\s*\S+")
_LEAK_START = re.compile(r"^\s*(?:id:\s*\d+\s*$|ID:\d+\s+Cable dated:)")

CLASS_WORDS = {
    "UNCLASSIFIED", "UNCLAS", "CONFIDENTIAL", "SECRET", "TOP SECRET", "LIMITED OFFICIAL USE",
    "C O N F I D E N T I A L", "S E C R E T", "U N C L A S S I F I E D", "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
    "CONFIDENTIAL//NOFORN", "SECRET//NOFORN",
}

#: The first character of a line, stripped, that `is_lone_classification` can accept: a cheap pre-test.
CLASS_INITIALS = frozenset('UCSTL"')


def is_lone_classification(line: str) -> bool:
    return len(line) < 60 and (line in CLASS_WORDS or line.strip().strip('"').strip() in CLASS_WORDS)


_SPACE_RUN = re.compile("  +")


def squeeze_spaces(text: str) -> str:
    """`" ".join(text.split())`, without splitting text that holds no whitespace but single spaces.

    `isprintable()` is False for every whitespace character except the ASCII space, so a printable
    text needs only its runs of spaces collapsed and its ends stripped.
    """
    if not text.isprintable():
        return " ".join(text.split())
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    return text.strip(" ")


@dataclass
class Cleaned:
    lines: list[tuple[int, str]]
    page_times: list[tuple[int, int, int]] = field(default_factory=list)  # (day, hour, minute)
    dated: str = ""  # a `Cable dated:` line put before the telegram by an export or the renderer


def clean_lines(text: str, log: DefectLog) -> Cleaned:
    """Split into numbered lines and strip what is not telegram text."""
    # Single characters first: a text is scanned for one character much faster than for two.
    if "]" in text and "](" in text and _MD_LINK.search(text):
        text = _MD_LINK.sub(r"\1", text)
        log.add("link-artefact", "markdown links around TAGS or paragraph marks removed")
    if "<" in text and _HTML_TAG.search(text):
        text = _HTML_TAG.sub("", text)
        log.add("link-artefact", "HTML tags removed")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\t", " ").replace("\xa0", " ")
    raw = [line.rstrip() for line in text.split("\n")]
    if "\\" in text:
        stripped = [_TRAILING_BACKSLASHES.sub("", line) if line.endswith("\\") else line for line in raw]
        if stripped != raw:
            log.add("escape-artefact", "backslashes at line ends removed")
            raw = stripped
    cleaned = Cleaned([])
    drop: set[int] = set()
    if " OF 0" in text:
        for i in _indexes_of_lines_with(text, " OF 0"):
            without, found = _PAGE_BREAK.subn(_page_break_cut, raw[i])
            if found:
                log.add("page-break", "page-break marker removed", i + 1)
                raw[i] = without.rstrip()
                if not raw[i].strip():
                    drop.add(i)
    if _PAGE_WORD.search(text):
        for i in [i for i, line in enumerate(raw) if "PAGE " in line]:
            if m := _PAGE_HEADER.match(raw[i]):
                cleaned.page_times.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
                log.add("page-break", "page header removed", i + 1)
                drop.add(i)
            elif _BARE_PAGE_HEADER.match(raw[i]):
                log.add("page-break", "page header removed", i + 1)
                drop.add(i)
    first = next((i for i, line in enumerate(raw) if line), None)
    if first is not None and _DATED_LINE.fullmatch(raw[first]):
        cleaned.dated = raw[first]
        drop.add(first)
    cleaned.lines = list(enumerate(raw, 1))
    for i in sorted(drop, reverse=True):
        del cleaned.lines[i]
    if _has_id_label(text):
        _drop_leaked_block(cleaned.lines, log)
    return cleaned


_STATION_AND_SERIAL = re.compile(r"^(?P<station>.*?)(?P<rest>\s+0*\d{1,8}\s+\d{3}(?:\.\d+)?\s+OF\s+\d{3})$")


def _page_break_cut(m: re.Match[str]) -> str:
    """What replaces a page-break marker: the regex, searching leftmost, may have taken words of the
    text before the station (`STUDENTS IN U.S. UNIVERSITIES TRIPOLI 00000114 001.2 OF 003`); those
    stay. The station is the longest tail of the words that names one."""
    parts = _STATION_AND_SERIAL.match(m.group(0))
    if parts is None or not m.string[: m.start()].strip():
        return " "  # the marker on a line of its own: all of it goes
    words = parts.group("station").split(" ")
    for k in range(1, len(words)):
        tail = " ".join(words[k:])
        found = directory.match_station(tail + " 1")
        if found and found[1] >= len(tail):
            return " ".join(words[:k]) + " "
    return " "


def _indexes_of_lines_with(text: str, needle: str) -> list[int]:
    """The indexes of the lines of `text.split("\\n")` that contain `needle` (itself without a
    newline), found by searching the whole text rather than line by line."""
    indexes: list[int] = []
    index, counted_to = 0, 0
    at = text.find(needle)
    while at != -1:
        index += text.count("\n", counted_to, at)
        indexes.append(index)
        line_end = text.find("\n", at)
        if line_end == -1:
            break
        index, counted_to = index + 1, line_end + 1
        at = text.find(needle, counted_to)
    return indexes


def _has_id_label(text: str) -> bool:
    """`"id:" in text or "ID:" in text`, in one walk over the text's few colons: two scans of a
    long text for a three-character string cost more."""
    at = text.find(":", 2)
    while at != -1:
        if text[at - 2:at] in ("id", "ID"):
            return True
        at = text.find(":", at + 1)
    return False


def _drop_leaked_block(out: list[tuple[int, str]], log: DefectLog) -> None:
    """A database export block (`id: 2745`, `date: ...`, `refid: ...`, `header:`) inside the text.

    Where it ends with `header ends`, the block alone goes. Otherwise it precedes a second,
    complete copy of the cable: the first, abbreviated copy goes with it.
    """
    start = next((i for i, (_, t) in enumerate(out) if ("id:" in t or "ID:" in t) and _LEAK_START.match(t)), None)
    if start is None:
        return
    ends = next((i for i in range(start, len(out)) if "header ends" in out[i][1]), None)
    if ends is not None:
        del out[start:ends + 1]
    else:
        header = next((i for i in range(start, min(start + 12, len(out)))
                       if out[i][1].strip() == "header:"), None)
        if header is None:
            return
        del out[: header + 1]
    log.add("leaked-metadata", "database metadata block removed from the text", out[0][0] if out else None)
