"""Telegram text -> `Cable`. Every irregularity is a `Defect` handed to a `ParsePolicy`: the
default (`LENIENT`) records it on the cable; `STRICT` (or `strict=True`) raises a
`TelegramError` naming the line of the first defect of kind error instead.

The text is read in three zones: the routing header (everything before the classification
line), the marking block (caveats, E.O., TAGS, SUBJECT, REF, Classified By), and the body.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime

from cablegram import directory
from cablegram.directory.classification import PORTION_LEVELS, SECURITY_LETTERS
from cablegram.model import EO, Cable, Origin, Paragraph, Reference
from cablegram.telegram.body import Body, extract_between, has_mid_pilcrow, parse_body
from cablegram.telegram.defects import LENIENT, STRICT, DefectLog, ParsePolicy
from cablegram.telegram.dtg import expand_year
from cablegram.telegram.fields import classified_in_paragraphs, parse_classified_by, parse_eo, parse_subject, parse_tags
from cablegram.telegram.frontmatter import FrontMatter, parse_front_matter
from cablegram.telegram.header import HeaderParts, dtg_anywhere, parse_header
from cablegram.telegram.infer import infer_created
from cablegram.telegram.normalize import Cleaned, clean_lines
from cablegram.telegram.offices import OfficeBlock, office_block_in_body, parse_office_block, strip_trailer
from cablegram.telegram.references import parse_references, reference_id, resolve_reference

__all__ = ["parse"]

_CLASS = (
    r"(?P<cls>UNCLAS(?:SIFIED)?|U\s?N\s?C\s?L\s?A\s?S(?:\s?S\s?I\s?F\s?I\s?E\s?D)?"
    r"|TOP\s+SECRET|T\s?O\s?P\s+S\s?E\s?C\s?R\s?E\s?T|CONFIDENTIAL|C\s?O\s?N\s?F\s?I\s?D\s?E\s?N\s?T\s?I\s?A\s?L"
    r"|SECRET|S\s?E\s?C\s?R\s?E\s?T|LIMITED\s+OFFICIAL\s+USE|L\s?I\s?M\s?I\s?T\s?E\s?D\s+O\s?F\s?F\s?I\s?C\s?I\s?A\s?L\s+U\s?S\s?E)"
)
_CLASS_LINE = re.compile(
    rf"{_CLASS}(?:\s+(?P<eyes>E\s?F\s?T\s?O|NOFORN|SENSITIVE|EXDIS|NODIS|LIMDIS|STADIS))?"
    r"(?:\s+SECTION\s+(?P<sec>\d{1,3})\s+(?:OF|of)\s+(?P<of>\d{1,3}))?"
    r"\s+(?P<station>[A-Z][A-Z.'-]*(?: [A-Z][A-Z.'-]*){0,4}?)\s+(?P<serial>\d{2,7})(?!\d)(?P<rest>.*)$"
)
_SPACED_OUT = ("C O N F I D E N T I A L", "S E C R E T", "U N C L A S S I F I E D")
_GLUED = re.compile(rf"^({'|'.join(_SPACED_OUT)})(?=[A-Z])")


@dataclass
class _ClassLine:
    index: int
    classification: str
    caveats: list[str]
    section: int | None
    sections: int | None
    station: str
    serial: int
    rest: str
    limited_official_use: bool


def _find_class_line(lines: list[tuple[int, str]]) -> _ClassLine | None:
    for anchored in (True, False):
        for i, (_, line) in enumerate(lines):
            s = line.strip().lstrip('"').strip()
            if not s or (anchored and s[0] not in "UCSTLucstl"):
                continue
            if s[:3].islower() or s[1:4].islower():
                s = s.upper()
            if s.startswith(_SPACED_OUT):
                s = _GLUED.sub(r"\1 ", s)
            m = _CLASS_LINE.match(s) if anchored else _CLASS_LINE.search(s)
            if not m:
                continue
            station = " ".join(m.group("station").split())
            if station in ("SECTION", "OF", "PAGE") or station.startswith("SECTION "):
                continue
            cls_key = "".join(m.group("cls").split())
            eyes = m.group("eyes")
            return _ClassLine(
                index=i,
                classification=directory.normalize_classification(cls_key),
                caveats=[re.sub(r"\s", "", eyes)] if eyes else [],
                section=int(m.group("sec")) if m.group("sec") else None,
                sections=int(m.group("of")) if m.group("of") else None,
                station=station,
                serial=int(m.group("serial")),
                rest=m.group("rest").strip(),
                limited_official_use=cls_key == "LIMITEDOFFICIALUSE",
            )
    return None


def _label(classification: str | None, caveats: list[str]) -> str | None:
    """The classification label; LIMITED OFFICIAL USE, the 1970s marking, is kept as written."""
    if classification is None:
        return None
    if classification == "UNCLASSIFIED" and caveats[:1] == ["LIMITED OFFICIAL USE"]:
        return "LIMITED OFFICIAL USE"
    return directory.classification_label(classification, _label_caveats(caveats))


def _label_caveats(caveats: list[str]) -> list[str]:
    """The caveats as cablegate's label counts them: its database drops NOFORN where the caveat
    lines read NOFORN then SENSITIVE (10 of 11 such dev cables). `caveats` itself keeps NOFORN."""
    for a, b in itertools.pairwise(caveats):
        if (a, b) == ("NOFORN", "SENSITIVE"):
            return [c for c in caveats if c != "NOFORN"]
    return caveats


def _joined(parts: list[tuple[int, str]] | None) -> str:
    return " ".join(" ".join(t for _, t in parts).split()) if parts else ""


def parse(
    text: str, *, default_year: int | None = None, policy: ParsePolicy | None = None, strict: bool = False
) -> Cable:
    """Parse a telegram (or a fragment of one) into a `Cable`.

    `default_year` resolves references and the reference id where the text carries no date.
    `policy` decides, code by code, whether a defect raises `TelegramError` or is recorded in
    `Cable.defects`; the default records them all. `strict=True` is short for `policy=STRICT`.
    """
    log = DefectLog(policy or (STRICT if strict else LENIENT))
    if not text or text.isspace():
        log.add("empty", "no telegram text")
        return Cable(defects=tuple(log.defects))
    z = _read_zones(text, log)
    fm, h, cl = z.front, z.header, z.class_line
    caveats = _caveats(cl, fm.caveats)
    eo = parse_eo(_joined(fm.fields["eo"])) if fm.fields.get("eo") else None
    if eo and eo.declassify_on is None and "DECL" in eo.text.upper() and re.search(r"\d/\d", eo.text):
        log.add("bad-declassification-date", f"not a date: {eo.text[:40]}", fm.fields["eo"][0][0])
    classified_by = parse_classified_by(_joined(fm.fields["classified"])) if fm.fields.get("classified") else None
    subject, subject_mark = parse_subject(_joined(fm.fields.get("subject")))
    when, references = _date_and_references(z, eo, default_year, log)
    serial, ref_id, origin = _origin(z, when, log)
    paragraphs = z.body.paragraphs
    if classified_by is None:
        classified_by = classified_in_paragraphs([p.text for p in paragraphs])
    classification = _classification(cl, h, paragraphs)
    ob = parse_office_block(z.header_lines) if cl or h.from_ or h.dtg else OfficeBlock()
    if ob.action is None and (late := office_block_in_body(z.lines)).action:
        ob = late
    if "XXXXXXXX" in text:
        log.add("redaction", "the text carries XXXXXXXXXXXX redactions")
    if not h.transmission_id and not h.originator and h.from_:
        log.add("missing-routing-header", "no VZCZC/DE routing header")
    if cl and not fm.fields.get("subject"):
        log.add("missing-subject", "no SUBJECT line")
    if cl and not fm.fields.get("tags"):
        log.add("missing-tags", "no TAGS line")
    return Cable(
        reference_id=ref_id,
        created=when.strftime("%Y-%m-%dT%H:%M:00Z") if when else None,
        classification=classification,
        caveats=tuple(caveats),
        classification_label=_label(classification, caveats),
        origin=origin,
        precedence=h.precedence,
        header=h.to_header(),
        from_=h.from_,
        to=tuple(h.to),
        info=tuple(h.info),
        sections=(cl.sections if cl and cl.sections else 1),
        eo=eo,
        classified_by=classified_by,
        tags=parse_tags(_joined(fm.fields["tags"])) if fm.fields.get("tags") else (),
        subject=subject,
        subject_marking=subject_mark,
        serial=serial,
        references=references,
        paragraphs=tuple(paragraphs),
        summary=extract_between(paragraphs, "summary"),
        comment=extract_between(paragraphs, "comment"),
        signers=tuple(z.body.signers),
        action_office=ob.action,
        info_offices=tuple(ob.info),
        drafted_by=ob.drafted_by,
        approved_by=ob.approved_by,
        clearances=tuple(ob.clearances),
        desired_distribution=ob.desired_distribution,
        notes=tuple(fm.notes),
        defects=tuple(log.defects),
    )


@dataclass
class _Zones:
    """The text cut into its three zones: routing header, marking block, body."""

    cleaned: Cleaned
    lines: list[tuple[int, str]]
    class_line: _ClassLine | None
    header_lines: list[tuple[int, str]]
    header: HeaderParts
    front: FrontMatter
    body: Body


def _read_zones(text: str, log: DefectLog) -> _Zones:
    cleaned = clean_lines(text, log)
    lines = cleaned.lines
    cl = _find_class_line(lines)
    if cl is None:
        log.add("missing-classification-line", "no classification line found")
    header_lines = lines[: cl.index] if cl else lines
    h = parse_header(header_lines, log, until_blank=cl is None) if header_lines else HeaderParts()
    if cl is None and h.from_ is None and h.dtg is None:
        # A fragment without FM, DTG or classification line: what follows its routing lines (if
        # any) is front matter and body.
        body_from = h.last + 1
    elif cl is None:
        body_from = h.end if h.end is not None else len(lines)
        header_lines = lines[:body_from]
    else:
        body_from = cl.index + 1
    if cl and cl.rest:
        lines = [*lines[:body_from], (lines[cl.index][0], cl.rest), *lines[body_from:]]
    fm = parse_front_matter(lines, body_from, log)
    body_lines = lines[fm.body_start:]
    if fm.body_prefix:
        body_lines = [(lines[fm.body_start][0], fm.body_prefix), *body_lines[1:]]
    body = parse_body(strip_trailer(body_lines), log, mid_pilcrows=has_mid_pilcrow(text))
    return _Zones(cleaned, lines, cl, header_lines, h, fm, body)


def _caveats(cl: _ClassLine | None, found: list[str]) -> list[str]:
    """Caveats in order of appearance: the classification line's, then the caveat lines'."""
    caveats: list[str] = list(cl.caveats) if cl else []
    caveats.extend(c for c in found if c not in caveats)
    if cl and cl.limited_official_use and "LIMITED OFFICIAL USE" not in caveats:
        caveats.insert(0, "LIMITED OFFICIAL USE")
    return caveats


_YEAR_PREFIXED = re.compile(r"^\s*\(?\d{2}\s")


def _date_and_references(
    z: _Zones, eo: EO | None, default_year: int | None, log: DefectLog
) -> tuple[datetime | None, tuple[Reference, ...]]:
    """The date (the DTG line, else a DTG anywhere in the header, else inferred) and the REF items,
    whose year-less ids take the cable's year."""
    h, cl = z.header, z.class_line
    when = h.when
    if when is None and z.header_lines:
        when = dtg_anywhere("\n".join(t for _, t in z.header_lines))
    year_hint = when.year if when else default_year
    ref_text = _joined(z.front.fields.get("ref"))
    own_key = directory.station_key(cl.station) if cl else None
    if own_key and h.from_ and directory.station_from_name(h.from_) not in (None, own_key):
        own_key = None  # the FM line names another station: which serial is the cable's own is in doubt
    own_serial = cl.serial if cl else h.station_serial  # as in _origin: the DE line's serial (modulo
    if cl and h.station_serial and cl.serial % 10000 != h.station_serial % 10000:  # 10000) outranks a typo
        own_serial = h.station_serial
    own = (own_key, own_serial) if own_key and own_serial is not None else None
    references = parse_references(ref_text, year_hint, own) if ref_text else ()
    if when is None:
        log.add(*(("partial-extract", "no date-time group nor FM line") if h.from_ is None
                  else ("missing-dtg", "no date-time group")))
        guess_key = directory.station_key(cl.station) if cl else None
        if h.from_:
            guess_key = directory.station_from_name(h.from_) or guess_key
        inferred, how = infer_created(
            text="\n".join([z.cleaned.dated, *(t for _, t in z.lines)]),
            page_times=z.cleaned.page_times,
            declassify_on=eo.declassify_on if eo else None,
            eo_order=eo.order if eo else None,
            reference_years=[expand_year(int(r.reference_id[:2])) for r in references
                             if r.reference_id and _YEAR_PREFIXED.match(r.text)],
            station_key=guess_key,
            serial=cl.serial if cl else h.station_serial,
            same_year_refs=tuple(rid[2:] for r in references
                                 if not _YEAR_PREFIXED.match(r.text) and (rid := resolve_reference(r.text, 2000))),
        )
        if inferred is None and default_year:
            inferred, how = datetime(default_year, 1, 1), "default year"
        if inferred is not None:
            log.add("inferred-date", f"date inferred from the {how}")
            when = inferred
            if year_hint is None and ref_text:
                references = parse_references(ref_text, when.year, own)
        else:
            log.add("undated", "no date could be found or inferred")
    for r in references:
        if r.reference_id is None:
            log.add("unresolved-reference", f"names no telegram: {r.text[:60]}")
    return when, references


def _origin(z: _Zones, when: datetime | None, log: DefectLog) -> tuple[int | None, str | None, Origin]:
    """Serial, reference id and origin. The FM line and the DE line's serial outrank a
    classification line that belongs to a forwarded cable or carries a typo."""
    h, cl = z.header, z.class_line
    year = when.year if when else None
    station = cl.station if cl else None
    station_key = directory.station_key(station) if station else None
    from_key = directory.station_from_name(h.from_) if h.from_ else None
    class_line_no = z.lines[cl.index][0] if cl else None
    if (from_key and station_key != from_key
            and directory.label_for_station(station or "", year=year) != directory.origin_label(h.from_ or "")):
        if station_key:
            log.add("station-mismatch", f"classification line names {station}, FM line {h.from_}", class_line_no)
        station_key = from_key
    elif station_key and station_key not in directory.known_stations():
        log.add("unknown-station", f"unknown station {station}", class_line_no)
    serial = cl.serial if cl else h.station_serial
    if cl and h.station_serial and cl.serial % 10000 != h.station_serial % 10000:
        log.add("serial-mismatch", f"classification line serial {cl.serial}, DE line {h.station_serial}", class_line_no)
        serial = h.station_serial
    ref_id: str | None = None
    if station_key and serial is not None and year is not None:
        ref_id = reference_id(year, station_key, serial)
    else:
        log.add("missing-reference-id", "station, serial or date missing")
    label = directory.origin_label(h.from_) if h.from_ else None
    if label is None and station:
        label = directory.label_for_station(station, year=year)
    if label is None and h.from_:
        log.add("unknown-originator", f"no label for {h.from_}")
    routing_indicator = h.originator or (directory.indicator_for_name(h.from_) if h.from_ else None)
    return serial, ref_id, Origin(station, h.from_, label, routing_indicator)


def _classification(cl: _ClassLine | None, h: HeaderParts, paragraphs: list[Paragraph]) -> str | None:
    """The classification line's, else the security line's (ZNY CCCCC), else the highest portion mark."""
    if cl:
        return cl.classification
    if h.security:
        return SECURITY_LETTERS.get(h.security.split()[1][0])
    ranks = [r for p in paragraphs if (r := PORTION_LEVELS.get((p.marking or "").split("/")[0].strip())) is not None]
    return directory.CLASSIFICATIONS[max(ranks)] if ranks else None
