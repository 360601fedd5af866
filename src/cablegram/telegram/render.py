"""`Cable` -> telegram text, the inverse of `parse`: `parse(render(c))` gives back `c`'s fields.

The layout is the seed's: routing header, classification line, caveats, passing lines, E.O.,
TAGS, SUBJECT, REF, Classified By, headed and numbered paragraphs, signature. A cable of more
than one section gets `SECTION nn OF nn` in its classification line and a page-break line
(`MOSCOW 00002629 002 OF 002`) where each later section starts.
"""

from __future__ import annotations

import re
from dataclasses import replace

from cablegram.directory.classification import CLASSIFICATION_CAPTIONS
from cablegram.directory.precedence import PRECEDENCE_SIGNS
from cablegram.model import Address, Cable, Paragraph
from cablegram.telegram.body import looks_like_heading
from cablegram.telegram.offices import render_office_block

__all__ = ["SECTION_CHARS", "render", "split_sections"]

#: body characters per section when a new cable is split (a 1980s telegram page is ~ 4,000)
SECTION_CHARS = 9000
_PRECEDENCE_SIGN = PRECEDENCE_SIGNS  # the directory's vocabulary, under this module's old names
_CLASS_WORD = CLASSIFICATION_CAPTIONS


def _address(a: Address) -> list[str]:
    text = f"{a.routing_indicator}/{a.name}" if a.routing_indicator else a.name
    if a.precedence:
        text += f" {a.precedence}"
    if a.serial is not None:
        text += f" {a.serial:04d}"
    return [text, *(f"XMT {x}" for x in a.excluded)]


def _header(c: Cable) -> list[str]:
    h = c.header
    out: list[str] = []
    if h.transmission_id:
        out.append(h.transmission_id)
    if h.routing_precedence and h.routing_indicators:
        out.append(" ".join([h.routing_precedence, *h.routing_indicators]))
    if h.originator:
        de = f"DE {h.originator}"
        if h.station_serial is not None:
            de += f" #{h.station_serial:04d}"
            if h.section is not None:
                de += f"/{h.section:02d}"
        if h.filing_time:
            de += f" {h.filing_time}"
        out.append(de)
    if h.security:
        out.append(h.security)
    # The distribution block and drafting lines stand before the date-time group (1970s layout);
    # a `Cable dated:` line must stay the first line, so they follow that one.
    block = render_office_block(c.action_office, c.info_offices, c.drafted_by, c.approved_by,
                                c.clearances, c.desired_distribution)
    if h.dtg:
        out += [*block, f"{_PRECEDENCE_SIGN.get(c.precedence or '', 'R')} {h.dtg}"]
    elif c.created:
        # No date-time group in the telegram: the date came from outside it; say so as the
        # cablegate exports do, so the parser reads the same date back.
        out += [f"Cable dated:{c.created[:19]}", *block]
    else:
        out += block
    if c.from_:
        out.append(f"FM {c.from_}")
    for label, addresses in (("TO", c.to), ("INFO", c.info)):
        for i, a in enumerate(addresses):
            lines = _address(a)
            if i == 0:
                lines[0] = f"{label} {lines[0]}"
            out.extend(lines)
    return out


def _class_line(c: Cable, section: int) -> str | None:
    if not c.origin.station or c.classification is None:
        return None
    caveats = list(c.caveats)
    if c.classification == "UNCLASSIFIED" and caveats[:1] == ["LIMITED OFFICIAL USE"]:
        word = "LIMITED OFFICIAL USE"
    else:
        word = _CLASS_WORD[c.classification]
    sec = f" SECTION {section:02d} OF {c.sections:02d}" if c.sections > 1 else ""
    serial = c.serial if c.serial is not None else _serial_of(c)
    return f"{word}{sec} {c.origin.station} {serial:06d}" if serial is not None else None


def _serial_of(c: Cable) -> int | None:
    m = re.search(r"(\d+)$", c.reference_id or "")
    return int(m.group(1)) if m else None


def _marking_block(c: Cable) -> list[str]:
    out: list[str] = []
    caveats = [x for x in c.caveats if x != "LIMITED OFFICIAL USE"]
    if caveats:
        out += ["", *caveats]
    if c.notes:
        out += ["", *c.notes]
    fields: list[str] = []
    if c.eo:
        fields.append(f"E.O. {c.eo.order}: {c.eo.text}".rstrip())
    if c.tags:
        fields.append("TAGS: " + " ".join(c.tags))
    if c.subject:
        mark = f"({c.subject_marking}) " if c.subject_marking else ""
        fields.append(f"SUBJECT: {mark}{c.subject}")
    if fields:
        out += ["", *fields]
    if c.references:
        items = []
        for r in c.references:
            items.append(f"{r.label}. {r.text}" if r.label else r.text)
        joiner = " " if all(r.label for r in c.references) else "; "
        out += ["", "REF: " + joiner.join(items)]
    if c.classified_by:
        out += ["", f"Classified By: {c.classified_by.text}"]
    return out


def _unheaded(text: str) -> list[str]:
    """An unnumbered paragraph right before a numbered one: as lines the parser won't take for
    that paragraph's heading (a heading is one or two short lines)."""
    words = text.split()
    if len(words) < 3 or not looks_like_heading(text):
        return [text]
    a = max(1, len(words) // 3)
    b = max(a + 1, 2 * len(words) // 3)
    return [" ".join(words[:a]), " ".join(words[a:b]), " ".join(words[b:])]


def _paragraph(p: Paragraph, before_numbered: bool = False) -> list[str]:
    out: list[str] = [p.heading, ""] if p.heading else []
    if p.number is None:
        out += _unheaded(p.text) if before_numbered else [p.text]
    else:
        mark = f" ({p.marking})" if p.marking else ""
        out.append(f"¶{p.number}.{mark} {p.text}".rstrip())
    return out


def split_sections(cable: Cable, max_chars: int = SECTION_CHARS) -> Cable:
    """The cable with `sections` set from the length of its body (for new cables)."""
    size = sum(len(p.text) + 80 for p in cable.paragraphs)
    return replace(cable, sections=max(1, -(-size // max_chars)))


def _section_starts(c: Cable) -> list[int]:
    """Paragraph indexes where sections 2..n begin: equal shares of the body's characters."""
    if c.sections <= 1 or len(c.paragraphs) < 2:
        return []
    total = sum(len(p.text) for p in c.paragraphs) or 1
    starts: list[int] = []
    running = 0
    for i, p in enumerate(c.paragraphs):
        if i and running >= total * (len(starts) + 1) / c.sections and len(starts) < c.sections - 1:
            starts.append(i)
        running += len(p.text)
    return starts


def render(cable: Cable) -> str:
    """The telegram text of a cable, in the layout of the wire (and of the seed)."""
    out = _header(cable)
    class_line = _class_line(cable, 1)
    if class_line:
        out += ["", class_line]
    out += _marking_block(cable)
    starts = set(_section_starts(cable))
    serial = cable.serial if cable.serial is not None else _serial_of(cable)
    section = 1
    for i, p in enumerate(cable.paragraphs):
        if i in starts and cable.origin.station and serial is not None:
            section += 1
            out += ["", f"{cable.origin.station} {serial:08d} {section:03d} OF {cable.sections:03d}"]
        nxt = cable.paragraphs[i + 1] if i + 1 < len(cable.paragraphs) else None
        out += ["", *_paragraph(p, nxt is not None and nxt.number is not None and nxt.heading is None)]
    if cable.signers:
        out += ["", *cable.signers]
    text = "\n".join(out).lstrip("\n")
    return text + "\n"
