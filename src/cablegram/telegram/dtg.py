"""Date-time groups (`030646Z SEP 08`), Julian filing times (`2470646`) and two-digit years."""

from __future__ import annotations

import re
from datetime import date, datetime

from cablegram.directory.precedence import SIGN_PRECEDENCES

__all__ = [
    "MONTHS",
    "PRECEDENCES",
    "expand_year",
    "filing_time",
    "format_dtg",
    "parse_decl_date",
    "parse_dtg",
]

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTH_NUMBER = {m: i for i, m in enumerate(MONTHS, 1)}
_MONTH_NUMBER["SEPT"] = 9

#: precedence prosigns of the DTG line and the words of address lines
PRECEDENCES = SIGN_PRECEDENCES  # sign -> precedence, from the directory

DTG_RE = re.compile(r"(\d{2})(\d{2})(\d{2}) ?Z\s+([A-Z]{3,4})\s+(\d{2,4})\b")


def expand_year(yy: int) -> int:
    """Two-digit years: cables run from the 1960s to 2010, so 00-59 are 20xx."""
    if yy >= 100:
        return yy
    return 2000 + yy if yy < 60 else 1900 + yy


def parse_dtg(text: str) -> datetime | None:
    """`030646Z SEP 08` -> 2008-09-03 06:46 (naive UTC); None when not a real date."""
    m = DTG_RE.search(text)
    if not m:
        return None
    day, hour, minute, mon, year = m.groups()
    month = _MONTH_NUMBER.get(mon)
    if month is None:
        return None
    try:
        return datetime(expand_year(int(year)), month, int(day), int(hour), int(minute))
    except ValueError:
        return None


def format_dtg(when: datetime) -> str:
    """Inverse of `parse_dtg`: 2008-09-03 06:46 -> `030646Z SEP 08`."""
    return f"{when.day:02d}{when.hour:02d}{when.minute:02d}Z {MONTHS[when.month - 1]} {when.year % 100:02d}"


def filing_time(when: datetime) -> str:
    """The Julian filing time of a DE line: day of year and HHMM (`2470646`)."""
    return f"{when.timetuple().tm_yday:03d}{when:%H%M}"


_DECL_NUMERIC = re.compile(r"\b(\d{1,4})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{2,4})\b")


def parse_decl_date(text: str) -> date | None:
    """`07/01/2034`, `09/21/10`, `2029/10/16`, `3/3/2028` -> a date; None if there is none."""
    m = _DECL_NUMERIC.search(text)
    if not m:
        return None
    a, b, c = m.groups()
    try:
        if len(a) == 4:
            return date(int(a), int(b), int(c))
        return date(expand_year(int(c)), int(a), int(b))
    except ValueError:
        return None


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)

