"""The Department's distribution block and drafting lines, before the date-time group.

NARA's 1973-79 telegrams (and the `PTQ`/`TED` copies of later ones) open with them:

    ORIGIN SPM-01                                 (the Department's own cables: drafting office)
    ACTION EUR-25                                 (incoming cables: the office that acts)
    INFO  OCT-01  EA-11  ISO-00 ...  /096 W       (offices that get copies; the total)
    DRAFTED BY S/ PM: PPCLAXTON,  JR.
    05/22/73   EXT 23262
    APPROVED BY EUR/ WE: DWLOVING
    EUR/WE:JSMITH                                 (clearances: unlabelled, or after CLEARANCES:)
    DESIRED DISTRIBUTION
    7D ACTION EUR CHRON
    ---------------------       001415
    P R 221828 Z MAY 73

`OCT-01` is office OCT with one copy. An entry `EUR/ WE: DWLOVING` is the office the person
signed for, then the person (PlusD's text puts a space after each slash; offices never hold one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cablegram.model import Office, Person
from cablegram.telegram.normalize import is_lone_classification

__all__ = [
    "OfficeBlock", "office_block_in_body", "parse_office_block", "parse_person", "render_office_block",
    "strip_trailer",
]

_OFFICE_TOKEN = re.compile(r"([A-Z][A-Z0-9]{0,7})-(\d{1,3})")
# At the end of its line: PTQ copies run the page header into it, reflowed
# (`PAGE 01 VATICA 03507 02 OF 04 031715Z ACTION ECA-00`, then `INFO LOG-00 ... /002W ---- O 031203Z ...`).
_ACTION = re.compile(r"(?:^|\s)(ACTION|ORIGIN)\s+([A-Z][A-Z0-9]{0,7})-(\d{1,3})\s*$")
_INFO = re.compile(r"^INFO\s+(?=[A-Z][A-Z0-9]{0,7}-\d)")
_LABEL = re.compile(
    r"^(?P<kind>DRAFTED\s+BY|APPROVED\s+BY|CLEARANCES?|CLEARED\s+BY|CLEARED|DESIRED\s+DISTRIBUTION)\b\s*:?\s*"
)
_KIND = {"DRAFTED": "drafted", "APPROVED": "approved", "CLEARANCE": "cleared", "CLEARANCES": "cleared",
         "CLEARED": "cleared", "DESIRED": "desired"}
# What may follow the person on a drafting line: `-- 03/27/2009`, `05/22/73`, `EXT 23262`, a phone number.
_TAIL = re.compile(r"\s+(?:--|\d{1,2}/\d{1,2}/\d{2,4}\b|EXT\.?\s*\d|X\d{4,5}\b|\d{3}-\d{3}-\d{4}\b)")
_CONTINUATION = re.compile(r"^(?:--\s*)?(?:\d{1,2}/\d{1,2}/\d{2,4}|EXT\.?\s*\d|X\d{4,5}\b|\d{3}-\d{3}-\d{4})")
_ENTRY = re.compile(r"^(?P<office>[A-Z][A-Z0-9/()&. -]{0,24}?)\s*:\s*(?P<rest>\S.*)$")
_TYPIST = re.compile(r"^(?P<name>.*?\S)\s*:\s*[A-Z]{1,4}$")
_RULE = re.compile(r"^-{5,}")
_DTG = re.compile(r"^(?:[ZOPR]\s+){1,2}\d{6}\s?Z\s+[A-Z]{3}\s+\d{2,4}\b")
_STOP = ("FM ", "TO ", "VZCZC", "DE ", "BT")


@dataclass
class OfficeBlock:
    action: Office | None = None
    info: list[Office] = field(default_factory=list)
    drafted_by: Person | None = None
    approved_by: Person | None = None
    clearances: list[Person] = field(default_factory=list)
    desired_distribution: str | None = None


def _office_text(office: str) -> str:
    """`S/ S- O` -> `S/S-O`: the spaces PlusD's text puts after slashes and around dashes go."""
    return re.sub(r"\s*([/-])\s*", r"\1", " ".join(office.split()))


def parse_person(text: str) -> Person | None:
    """`S/ PM: PPCLAXTON,  JR. 05/22/73 EXT 23262` -> Person("PPCLAXTON, JR.", "S/PM", text)."""
    text = " ".join(text.split())
    if not text:
        return None
    head = text
    tail = _TAIL.search(head)
    if tail:
        head = head[: tail.start()]
    office: str | None = None
    m = _ENTRY.match(head)
    if m:
        office, head = _office_text(m.group("office")), m.group("rest")
        if typist := _TYPIST.match(head):  # `FMDICKMAN:CEJ`: the typist's initials follow
            head = typist.group("name")
    name = head.strip(" ,;:-")
    if not name:
        return None
    return Person(name, office or None, text)


def _leading_offices(text: str) -> tuple[list[Office], bool]:
    """The office tokens that start `text`, and whether the list ended there (its total or other
    text follows)."""
    offices: list[Office] = []
    for token in text.split():
        if m := _OFFICE_TOKEN.fullmatch(token):
            offices.append(Office(m.group(1), int(m.group(2))))
        else:
            return offices, True
    return offices, False


def office_block_in_body(lines: list[tuple[int, str]]) -> OfficeBlock:
    """The ACTION/ORIGIN office and INFO offices of a block repeated inside the text (a later
    section's header in a PTQ copy), for a cable whose own header has none."""
    for i, (_, raw) in enumerate(lines):
        if "ACTION " not in raw and "ORIGIN " not in raw:
            continue
        m = _ACTION.search(raw)
        nxt = next((j for j in range(i + 1, min(i + 3, len(lines))) if lines[j][1].strip()), None)
        if not m or nxt is None or not (info := _INFO.match(lines[nxt][1].strip())):
            continue
        offices, done = _leading_offices(lines[nxt][1].strip()[info.end():])
        for _, more in lines[nxt + 1:]:
            if done:
                break
            found, done = _leading_offices(more)
            offices.extend(found)
        if len(offices) >= 2:
            return OfficeBlock(Office(m.group(2), int(m.group(3)), origin=m.group(1) == "ORIGIN"), offices)
    return OfficeBlock()


def _entries(text: str) -> list[str]:
    """A clearance line: one entry, or several split by `;` (or by `,` between `OFFICE:NAME`s)."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    out: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in re.split(r",\s*(?=[A-Z][A-Z0-9/()&. -]{0,24}?\s*:)", part) if p.strip()]
        out.extend(pieces if len(pieces) > 1 and all(":" in p for p in pieces) else [part])
    return out


def parse_office_block(lines: list[tuple[int, str]]) -> OfficeBlock:
    """The block in the lines before the date-time group (or the FM line) of a telegram."""
    block = OfficeBlock()
    section: str | None = None  # "info", "drafted", "approved", "cleared", "desired"
    drafted: list[str] = []
    approved: list[str] = []
    cleared: list[str] = []
    desired: list[str] = []
    labelled = False  # clearances under a CLEARANCES label: any line is one
    for _, raw in lines:
        line = raw.strip()
        if not line:
            if section in ("cleared", "desired"):
                section = None
            continue
        if line.startswith(_STOP) or _DTG.match(line) or _RULE.match(line):
            if line.startswith(_STOP) or _DTG.match(line):
                break
            section = None
            continue
        if block.action is None and not block.info and (m := _ACTION.search(line)):
            block.action = Office(m.group(2), int(m.group(3)), origin=m.group(1) == "ORIGIN")
            section = None
            continue
        if not block.info and (m := _INFO.match(line)):
            # the offices, up to the total or what a reflowed copy runs on with (`/002W ---- O 0312…`)
            offices, done = _leading_offices(line[m.end():])
            block.info.extend(offices)
            section = None if done else "info"
            continue
        if section == "info":
            offices, done = _leading_offices(line)
            if offices:
                block.info.extend(offices)
                section = None if done else "info"
                continue
            section = None
        if m := _LABEL.match(line):
            section = _KIND[m.group("kind").split()[0]]
            labelled = section == "cleared"
            rest = line[m.end():].strip()
            if section == "drafted" and not drafted:
                drafted.append(rest)
            elif section == "approved" and not approved:
                approved.append(rest)
            elif section == "cleared":
                cleared.extend(_entries(rest))
            elif section == "desired":
                if rest:
                    desired.append(rest)
            else:
                section = None
            continue
        if section in ("drafted", "approved"):
            own = drafted if section == "drafted" else approved
            if own == [""] or _CONTINUATION.match(line):  # `DRAFTED BY:` alone, or its date line
                own.append(line)
                continue
        if section in ("drafted", "approved", "cleared") and (labelled or _ENTRY.match(line)):
            cleared.extend(_entries(line))
            section = "cleared"
            continue
        if section == "desired":
            desired.append(line)
            continue
        section = None
    block.drafted_by = parse_person(" ".join(drafted))
    block.approved_by = parse_person(" ".join(approved))
    block.clearances = [p for e in cleared if (p := parse_person(e))]
    if desired:
        block.desired_distribution = " ".join(" ".join(desired).split())
    return block


def render_office_block(action: Office | None, info: tuple[Office, ...], drafted_by: Person | None,
                        approved_by: Person | None, clearances: tuple[Person, ...],
                        desired_distribution: str | None) -> list[str]:
    """The block's lines, in the order of the wire, for `parse_office_block` to read back."""
    out: list[str] = []
    if action:
        out.append(f"{'ORIGIN' if action.origin else 'ACTION'} {_token(action)}")
    for i in range(0, len(info), 7):
        tokens = "  ".join(_token(o) for o in info[i:i + 7])
        out.append(f"INFO  {tokens}" if i == 0 else f"      {tokens}")
    if drafted_by:
        out.append(f"DRAFTED BY {_person(drafted_by)}")
    if approved_by:
        out.append(f"APPROVED BY {_person(approved_by)}")
    if clearances:
        out.append("CLEARANCES:")
        out.extend(_person(p) for p in clearances)
    if desired_distribution:
        out.append(f"DESIRED DISTRIBUTION: {desired_distribution}")
    if out:
        out.append("-" * 20)
    return out


def _token(o: Office) -> str:
    return f"{o.code}-{o.copies:02d}"


def _person(p: Person) -> str:
    if p.text and parse_person(p.text) == p:
        return p.text
    return f"{p.office}: {p.name}" if p.office else p.name


_JUNK = re.compile(r"^(?:N{3,4}|BT|[A-Z]{0,6}(?:ZCZ|NNN)[A-Z]{0,6})$")


def strip_trailer(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The body lines without the end-of-message trailer of a 1970s telegram: the repeated
    classification, `NNN`, and the transmission debris that follows it (`NMAFVVZCZ`)."""
    end = len(lines)
    cut = end
    while end:
        text = lines[end - 1][1].strip()
        if not text:
            end -= 1
            continue
        if _JUNK.match(text) or is_lone_classification(text):
            end -= 1
            cut = end
            continue
        break
    return lines[:cut]
