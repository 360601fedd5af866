"""The routing header: `VZCZC…`, routing line, `DE`, security, DTG line, FM, TO, INFO, XMT."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from cablegram.model import Address, Header
from cablegram.telegram.defects import DefectLog
from cablegram.telegram.dtg import DTG_RE, PRECEDENCES, format_dtg, parse_dtg

__all__ = ["HeaderParts", "parse_header"]

_VZCZC = re.compile(r"^(VZCZC[A-Z0-9]*)\s*$")
_ROUTING = re.compile(r"^([OPRZ]{2})\s+((?:R[A-Z]{3,6}\s*)+)$")
_MORE_ROUTING = re.compile(r"(?:R[A-Z]{3,6}\s*)+")
_DE = re.compile(r"^DE\s+([A-Z]{4,7})\s+#?(\d{1,5})(?:/(\d{1,3}))?(?:\s+(\d{7}))?")
_SECURITY = re.compile(r"^(ZN[RY]\s+[UCSTE]{5}(?:\s+ZZH)?)\s*$")
_DTG_LINE = re.compile(r"^((?:[ZOPR]{1,2}\s+){1,2})(\d{6} ?Z\s+[A-Z]{3,4}\s+\d{2,4})\b")
_ADDRESS = re.compile(
    r"^(?:(R[A-Z]{3,7})/)?(.+?)"
    r"(?:\s+(FLASH|NIACT IMMEDIATE|IMMEDIATE|PRIORITY|ROUTINE))?"
    r"(?:\s+(\d{1,5}))?\s*$"
)
_HEADER_STARTS = ("TO ", "INFO ", "XMT ", "BT", "NNNN", "ZEN/", "FM ", "VZCZC", "DE ", "ZN")


@dataclass
class HeaderParts:
    transmission_id: str | None = None
    routing_precedence: str | None = None
    routing_indicators: list[str] = field(default_factory=list)
    originator: str | None = None
    station_serial: int | None = None
    section: int | None = None
    filing_time: str | None = None
    security: str | None = None
    dtg: str | None = None
    when: datetime | None = None
    precedence: str | None = None
    from_: str | None = None
    to: list[Address] = field(default_factory=list)
    info: list[Address] = field(default_factory=list)
    end: int | None = None  # where the header stopped, when told to stop at its first blank line
    last: int = -1  # index of the last line read as header

    def to_header(self) -> Header:
        return Header(
            transmission_id=self.transmission_id,
            routing_precedence=self.routing_precedence,
            routing_indicators=tuple(self.routing_indicators),
            originator=self.originator,
            station_serial=self.station_serial,
            section=self.section,
            filing_time=self.filing_time,
            security=self.security,
            dtg=self.dtg,
        )


@lru_cache(maxsize=4096)  # the same addressees recur in the TO and INFO lists of many cables
def parse_address(line: str) -> Address | None:
    line = " ".join(line.split())
    if not line:
        return None
    m = _ADDRESS.match(line)
    if not m:
        return None
    ri, name, prec, serial = m.groups()
    name = name.strip()
    if not name:
        return None
    return Address(
        name=name,
        routing_indicator=ri,
        precedence=prec,
        serial=int(serial) if serial else None,
    )


def parse_header(lines: list[tuple[int, str]], log: DefectLog, *, until_blank: bool = False) -> HeaderParts:
    """Parse the lines before the classification line (each with its 1-based number).

    With `until_blank` (a cable without classification line) the header ends at the first blank
    line after its addresses, and `end` says where.
    """
    h = HeaderParts()
    target: list[Address] | None = None
    for i, (no, raw) in enumerate(lines):
        line = raw.strip()
        if not line:
            if until_blank and h.from_ and (h.to or h.info):
                h.end = i
                break
            target = None if target is h.info and not h.info else target
            continue
        if target is not None and h.dtg is not None and not line.startswith(_HEADER_STARTS):
            # Inside the TO/INFO list: an address line (the common case, so tried first).
            target = _add_addresses(h, target, line, log, no)
            continue
        if m := _VZCZC.match(line):
            h.transmission_id = m.group(1)
            h.last = i
            continue
        if h.originator is None and (m := _ROUTING.match(line)) and not h.from_:
            h.routing_precedence = m.group(1)
            h.routing_indicators = m.group(2).split()
            h.last = i
            continue
        if h.routing_indicators and not h.originator and _MORE_ROUTING.fullmatch(line):
            h.routing_indicators.extend(line.split())
            h.last = i
            continue
        if m := _DE.match(line):
            h.originator = m.group(1)
            h.station_serial = int(m.group(2))
            h.section = int(m.group(3)) if m.group(3) else None
            h.filing_time = m.group(4)
            h.last = i
            continue
        if m := _SECURITY.match(line):
            h.security = " ".join(m.group(1).split())
            h.last = i
            continue
        if h.dtg is None and (m := _DTG_LINE.match(line)):
            dtg_text = " ".join(m.group(2).split())
            when = parse_dtg(dtg_text)
            if when is None:
                log.add("bad-dtg", f"not a real date-time group: {dtg_text}", no)
            h.dtg = format_dtg(when) if when else dtg_text
            h.when = when
            h.precedence = PRECEDENCES.get(m.group(1).split()[0])
            target = None
            continue
        if line.startswith("FM ") and h.from_ is None:
            h.from_ = " ".join(line[3:].strip(" \\").split())
            target = None
            continue
        if line.startswith("TO "):
            target = h.to
            line = line[3:]
        elif line.startswith("INFO ") and h.from_ is not None:
            target = h.info
            line = line[5:]
        elif line.startswith("XMT ") and target:
            last = target[-1]
            target[-1] = Address(
                last.name, last.routing_indicator, last.precedence, last.serial,
                (*last.excluded, " ".join(line[4:].split())),
            )
            continue
        elif line in ("BT", "NNNN") or line.startswith("ZEN/"):
            target = None
            continue
        if target is None:
            continue
        target = _add_addresses(h, target, line, log, no)
    return h


_LIST_COMMA = re.compile(r",\s+(?=(?:R[A-Z]{3,7}/)?[A-Z]{2})")


def _add_addresses(h: HeaderParts, target: list[Address], line: str, log: DefectLog, no: int) -> list[Address]:
    """The addresses of one TO/INFO line, into `target`; a reflowed `... INFO ...` switches to the INFO
    list, and a line may list several addressees between commas. -> the list now being filled."""
    if " INFO " in line and target is h.to:
        line, rest = line.split(" INFO ", 1)
        _add_addresses(h, target, line, log, no)
        return _add_addresses(h, h.info, rest, log, no)
    for piece in _LIST_COMMA.split(line) if "," in line else (line,):
        address = parse_address(piece)
        if address is None:
            log.add("bad-address", f"unreadable address line: {line[:60]}", no)
        else:
            target.append(address)
    return target


def dtg_anywhere(text: str) -> datetime | None:
    """A date-time group found anywhere in a text (for fragments that lack a DTG line)."""
    for m in DTG_RE.finditer(text):
        when = parse_dtg(m.group(0))
        if when:
            return when
    return None
