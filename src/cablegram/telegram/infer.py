"""When a cable has no date-time group: infer its date from what the text offers.

Evidence, best first: dates a wrapper wrote into the text (an e-mail's `Sent:` line, a database
export's `date:` line or row), a page header's day and time
(`PAGE 02 ROME 03639 01 OF 03 231626Z`), the declassification date (by default ten years after
the cable), dates written in the body (`On August 3, 2005, ...`), years that references cite.
Candidate years are checked against the release catalogue: the reference id they would give
must exist.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from functools import cache

from cablegram.directory.catalogue import reference_exists, reference_month
from cablegram.telegram.dtg import MONTHS, add_years

__all__ = ["infer_created"]

_FULL_MONTHS = (
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
    "OCTOBER", "NOVEMBER", "DECEMBER",
)
_MONTH_OF = {m: i for i, m in enumerate(_FULL_MONTHS, 1)} | {m: i for i, m in enumerate(MONTHS, 1)}
_MONTH_NAMES = (
    "JAN(?:UARY)?", "FEB(?:RUARY)?", "MAR(?:CH)?", "APR(?:IL)?", "MAY", "JUNE?", "JULY?", "AUG(?:UST)?",
    "SEPT?(?:EMBER)?", "OCT(?:OBER)?", "NOV(?:EMBER)?", "DEC(?:EMBER)?",
)  # one pattern a month, January first
_MONTH_WORD = rf"({'|'.join(_MONTH_NAMES)})\.?"


class _AtLineStart:
    """The search of `^pattern` under re.M, done faster: after the text's start, a match can only
    begin after a newline, and a pattern that starts with a literal newline lets the regex engine
    jump from newline to newline instead of trying every position."""

    def __init__(self, pattern: str) -> None:
        self._at_start = re.compile(pattern)
        self._after_newline = re.compile(f"\n(?:{pattern})")

    def search(self, text: str) -> re.Match[str] | None:
        return self._at_start.match(text) or self._after_newline.search(text)


_ISO = _AtLineStart(r"\s*((?:19|20)\d\d)-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d))?")
_US = re.compile(r"(?:\bdate:\s*|^\d+,)(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d\d))?", re.I | re.M)
_CSV_ROW = _AtLineStart(r"\d+,\d")
_DATED = re.compile(r"Cable dated:\s*((?:19|20)\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d)")
_SENT = re.compile(
    r"^(?:Sent:\s*)?(?:MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY),\s+"
    rf"(?:(\d{{1,2}})\s+{_MONTH_WORD}|{_MONTH_WORD}\s+(\d{{1,2}}),)\s+(\d{{4}})(?:,?\s+(\d{{1,2}}):(\d\d))?",
    re.I | re.M,
)
_TEXT_DATE = re.compile(
    rf"\b(?:{_MONTH_WORD}\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)|(\d{{1,2}})\s+{_MONTH_WORD},?\s+((?:19|20)\d\d))\b",
    re.I,
)
# The years `\b(19[6-9]\d|200\d|2010)\b` without the leading `\b`, which `_years` checks: a pattern
# that starts with a digit lets the regex engine skip ahead to candidate positions.
_YEAR = re.compile(r"(19[6-9]\d|200\d|2010)\b")


@cache
def _month_day(month: int) -> re.Pattern[str]:
    """`December 20` (not followed by a year) for one month: one month's pattern scans the text
    three times faster than all twelve, and matches of different months cannot overlap."""
    return re.compile(rf"\b({_MONTH_NAMES[month - 1]})\.?\s+(\d{{1,2}})\b(?!\s*,?\s*\d{{4}})", re.I)


def _days_named(text: str, month: int) -> list[int]:
    """The days of the month that the text names without a year (`told Emboff December 20`)."""
    if not 1 <= month <= 12:
        return []
    return [int(m.group(2)) for m in _month_day(month).finditer(text) if 1 <= int(m.group(2)) <= 31]


def _safe(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime | None:
    try:
        return datetime(y, m, d, hh, mm)
    except ValueError:
        return None


def _wrapper_date(text: str) -> datetime | None:
    """A date written into the text by a wrapper (e-mail, database export, news site)."""
    if m := _DATED.search(text):
        return _safe(*map(int, m.groups()))
    if ("ate:" in text or "ATE:" in text or _CSV_ROW.search(text)) and (m := _US.search(text)):
        mo, d, y, hh, mm = m.groups()
        return _safe(int(y), int(mo), int(d), int(hh or 0), int(mm or 0))
    if m := _ISO.search(text):
        y, mo, d, hh, mm = m.groups()
        return _safe(int(y), int(mo), int(d), int(hh or 0), int(mm or 0))
    if ("DAY," in text or "day," in text) and (m := _SENT.search(text)):
        d1, mon1, mon2, d2, y, hh, mm = m.groups()
        month = _MONTH_OF.get((mon1 or mon2 or "").upper()[:3])
        if month:
            return _safe(int(y), month, int(d1 or d2), int(hh or 0), int(mm or 0))
    return None


def _is_word_char(c: str) -> bool:
    """What `\\b` counts as a word character."""
    return c.isalnum() or c == "_"


def _years(text: str) -> list[re.Match[str]]:
    """The years from 1960 to 2010 written in the text, as whole words."""
    return [m for m in _YEAR.finditer(text) if m.start() == 0 or not _is_word_char(text[m.start() - 1])]


def _text_dates(text: str, years: list[re.Match[str]]) -> list[date]:
    out = []
    # Find the years first (rare), then look just around each for the month and day.
    spans = [(max(0, m.start() - 20), m.end() + 1) for m in years]
    for a, b in spans:
        m = _TEXT_DATE.search(text, a, b)
        if not m:
            continue
        mon1, d1, y1, d2, mon2, y2 = m.groups()
        month = _MONTH_OF.get((mon1 or mon2).upper()[:3])
        when = _safe(int(y1 or y2), month or 0, int(d1 or d2)) if month else None
        if when:
            out.append(when.date())
    return out


def infer_created(
    *,
    text: str,
    page_times: list[tuple[int, int, int]],
    declassify_on: str | None,
    eo_order: str | None,
    reference_years: list[int],
    station_key: str | None,
    serial: int | None,
    same_year_refs: tuple[str, ...] = (),
) -> tuple[datetime | None, str]:
    """The best date the evidence supports, and which evidence gave it."""
    wrapped = _wrapper_date(text)
    if wrapped:
        return wrapped, "date written beside the telegram"
    decl = date.fromisoformat(declassify_on) if declassify_on else None
    scores: Counter[int] = Counter()
    estimate: dict[int, date] = {}
    if decl:
        for offset, score in ((10, 6.0), (5, 1.0), (25, 1.5), (20, 1.0), (15, 0.5), (9, 0.5)):
            y = decl.year - offset
            if 1966 <= y <= 2010:
                scores[y] += score
                estimate.setdefault(y, add_years(decl, -offset))
    years = _years(text)
    body_dates = _text_dates(text, years)
    for d in body_dates:
        if 1966 <= d.year <= 2010:
            scores[d.year] += 1.0
    for y, n in Counter(int(m.group(1)) for m in years).items():
        scores[y] += min(n, 4) * 0.25
    floor = max(reference_years, default=1966)
    if eo_order == "13526":
        floor = max(floor, 2009)
    for y in list(scores):
        if y < floor:
            del scores[y]
    if not scores and reference_years:
        scores[max(reference_years)] += 0.5
    exists = None
    if station_key and serial is not None:
        def exists(y: int) -> bool:
            return reference_exists(f"{y % 100:02d}{station_key}{serial}")

        checked = Counter({y: s for y, s in scores.items() if exists(y)})
        evidence = bool(checked)
        if not checked:
            checked = Counter({y: 0.1 for y in range(floor, 2011) if exists(y)})
        # A reference without a year cites a cable of the same year: the years in which those
        # cables exist too are the likely ones.
        for y in checked:
            checked[y] += 2.0 * sum(reference_exists(f"{y % 100:02d}{ref}") for ref in same_year_refs)
        if evidence or len(checked) == 1 or (checked and max(checked.values()) >= 0.5):
            scores = checked
        elif checked:
            scores = Counter()
    if not scores:
        return None, "none"
    year = max(scores, key=lambda y: (scores[y], y))
    month = reference_month(f"{year % 100:02d}{station_key}{serial}") if exists else None
    guess = estimate.get(year)
    if guess and month and guess.month != month:
        guess = None
    in_year = [d for d in body_dates if d.year == year and (month is None or d.month == month)]
    if guess is None and in_year:
        guess = max(in_year)
    if guess is None and month:
        # `told Emboff December 20`: the latest day of that month the body speaks of.
        days = _days_named(text, month)
        if days:
            guess = _safe(year, month, max(days)) and date(year, month, max(days))
    if guess is None:
        guess = date(year, month or 1, 1)
    if page_times:
        day, hour, minute = page_times[0]
        cand = _safe(guess.year, guess.month, day, hour, minute)
        if cand:
            return cand, "page header"
    return datetime(guess.year, guess.month, guess.day), "declassification date and text"

