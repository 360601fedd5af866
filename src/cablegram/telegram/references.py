"""REF lines -> references with canonical ids.

`REF: A. 05 MOSCOW 14734 B. MOSCOW 1082` in a 2008 cable gives `05MOSCOW14734` and
`08MOSCOW1082`. An item that names no telegram (a letter, an e-mail, a phone call) keeps its
text and gets no id.
"""

from __future__ import annotations

import re
from functools import cache

from cablegram import directory
from cablegram.directory.catalogue import reference_exists
from cablegram.model import Reference
from cablegram.telegram.dtg import expand_year

__all__ = ["parse_references", "reference_id", "resolve_reference"]

# An item label: `A.`, `A)`, `(A)`, `A-` at the start or after a separator.
_LABEL_RE = re.compile(r"(?:(?<=^)|(?<=[\s;,]))(?:\(([A-Z])\)|([A-Z])[.)-](?=\s|\d))\s*")
_YEAR_PREFIX = re.compile(r"^\(?(?:(\d{2}|\d{4})\s*)(?=[A-Z])")
_SERIAL = re.compile(r"^\s*(?:NO\.?\s*)?-?0*(\d{1,6})\b(?![/.]\d)")
_YEAR_AFTER = re.compile(r"^\s*\(((?:19|20)\d\d)\)")
# Short forms of station names that the directory does not know.
_ABBREVIATED = (("RIO DE JAN ", "RIO DE JANEIRO "),)
_REF_WORD = re.compile(r"^(?:REFTEL|REF)\s*[:.]?\s*")


def reference_id(year: int, station_key: str, serial: int) -> str:
    """`reference_id(2008, "MOSCOW", 2618)` -> `08MOSCOW2618`."""
    return f"{year % 100:02d}{station_key}{serial}"


def resolve_reference(
    text: str, default_year: int | None, own: tuple[str, int] | None = None
) -> str | None:
    """The id a single REF item names, or None when it names no telegram."""
    s = text.strip().upper()
    s = _REF_WORD.sub("", s)
    year: int | None = None
    m = _YEAR_PREFIX.match(s)
    if m:
        year = expand_year(int(m.group(1)))
        s = s[m.end():]
    for short, full in _ABBREVIATED:
        if s.startswith(short):
            s = full + s[len(short):]
    found = directory.match_station(s)  # knows the short forms too: SECSTATE, USUN, USEU, UNVIE
    if not found:
        return None
    key, used = found
    rest = s[used:]
    serial = _SERIAL.match(rest)
    if not serial:
        return None
    if year is None and (after := _YEAR_AFTER.match(rest[serial.end():])):
        year = int(after.group(1))  # `THE HAGUE 3128 (2005)`
    if year is None:
        year = default_year
        if year is not None and own is not None and own[0] == key and int(serial.group(1)) >= own[1]:
            # A cable cites its own station's earlier cables: a serial not below its own is last year's
            # when the release has last year's cable and not this year's. Without that evidence the id
            # stays as it was (a desk's own numbering, a septel sent the same day).
            number = int(serial.group(1))
            if not reference_exists(reference_id(year, key, number)) and reference_exists(
                reference_id(year - 1, key, number)
            ):
                year -= 1
    if year is None:
        return None
    return reference_id(year, key, int(serial.group(1)))


@cache
def _label_again(letter: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:REF\s+)?(?:\({letter}\)|{letter}[.)]|{letter}(?=\s+[A-Z]{{3}}))\s*")


def _split_items(text: str) -> list[tuple[str | None, str]]:
    labels = list(_LABEL_RE.finditer(text))
    # Labels must run A, B, C ... to count as item labels rather than initials in the text.
    good: list[re.Match[str]] = []
    for m in labels:
        letter = m.group(1) or m.group(2)
        last = (good[-1].group(1) or good[-1].group(2)) if good else None
        if (last is None and letter == "A") or (last is not None and ord(letter) - ord(last) in (0, 1)):
            good.append(m)  # a letter may come twice: `A. A) STATE 33385`, `B) EMAIL ... B) X 347`
    if good:
        items: list[tuple[str | None, str]] = []
        head = text[: good[0].start()].strip(" ;,")
        if head:
            items.append((None, head))
        for i, m in enumerate(good):
            end = good[i + 1].start() if i + 1 < len(good) else len(text)
            letter = m.group(1) or m.group(2)
            body = text[m.end():end].strip(" ;,")
            # `A. A) STATE 33385`, `A. (A) PARIS 7682`, `A. REF A HAVANA 639`: the label written twice.
            body = _label_again(letter).sub("", body)
            if body.upper().startswith("AND "):
                body = body[4:]
            items.append((letter, body))
        return items
    parts = [p.strip(" ,") for p in text.split(";")]
    out: list[tuple[str | None, str]] = []
    for part in parts:
        if not part:
            continue
        out.extend((None, p) for p in _split_runs(part))
    return out


_RUN = re.compile(r"(?:\b\d{2}\s+)?[A-Z][A-Z .]*?\s0*\d{1,6}\b")
_RUN_SEPARATOR = re.compile(r",\s*(?=(?:\d{2}\s+)?[A-Z]{3,})")
_RUN_START = re.compile(r"(?:(?<=\s)|^)(?:\d{2}\s+)?[A-Z]{3,}(?:\s[A-Z]+)*\s+0*\d{1,6}\b")
_LEADING_YEAR = re.compile(r"^\d{2}\s+")


def _split_runs(part: str) -> list[str]:
    """`STATE 1234, MOSCOW 56` or `TRIPOLI 142 TRIPOLI 93`: one item per telegram cited."""
    pieces = [p.strip() for p in _RUN_SEPARATOR.split(part) if p.strip()]
    out: list[str] = []
    for piece in pieces:
        starts = [
            m.start() for m in _RUN_START.finditer(piece)
            if directory.match_station(_LEADING_YEAR.sub("", piece[m.start():]))
        ]
        if len(starts) <= 1:
            out.append(piece)
            continue
        if starts[0] != 0:
            starts.insert(0, 0)
        for i, s in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(piece)
            out.append(piece[s:end].strip())
    return out


def parse_references(
    text: str, default_year: int | None, own: tuple[str, int] | None = None
) -> tuple[Reference, ...]:
    """Every item of a REF line's text (the part after `REF:`). `own` is the citing cable's station
    key and serial, when known."""
    text = " ".join(text.split())
    if not text:
        return ()
    refs = []
    for label, item in _split_items(text):
        if not item:
            continue
        refs.append(Reference(label, item, resolve_reference(item, default_year, own)))
    return tuple(refs)
