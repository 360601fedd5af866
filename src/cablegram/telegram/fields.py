"""Single header fields: the E.O. line, `Classified By`, TAGS, SUBJECT."""

from __future__ import annotations

import re

from cablegram.model import EO, ClassifiedBy
from cablegram.telegram.dtg import parse_decl_date

__all__ = ["parse_classified_by", "parse_eo", "parse_subject", "parse_tags"]

_EO_HEAD = re.compile(r"^(?:E\s?\.\s?[O0]\s?\.?|EO)\s*:?\s*(\d{4,5})\s*[:.;,]?\s*")
_DECL = re.compile(r"\bDECL", re.I)
_LEADING_DIGIT = re.compile(r"^\s*\d")
_DECLASSIFIED = re.compile(r"DECLASSIFIED\b", re.I)


def parse_eo(text: str) -> EO:
    """`E.O. 12958: DECL: 07/01/2034` -> EO("12958", "2034-07-01", "DECL: 07/01/2034")."""
    text = " ".join(text.split())
    m = _EO_HEAD.match(text)
    order = m.group(1) if m else None
    rest = text[m.end():] if m else text
    decl = None
    if _DECL.search(rest) or _LEADING_DIGIT.match(rest):
        if not _DECLASSIFIED.search(rest):
            d = parse_decl_date(rest)
            decl = d.isoformat() if d else None
    return EO(order=order, declassify_on=decl, text=rest.strip())


_REASONS = re.compile(r"\b(?:REASONS?|FOR\s+REASONS?|E\.?O\.?\s*\d+\s*,?\s*(?:SECTION)?)\b", re.I)
_REASON_NUM = re.compile(r"\b1\s?\.\s?([456])")
_REASON_LETTER = re.compile(r"(?<![A-Za-z])([A-Ha-h])(?![A-Za-z])")
_TITLES = (
    "AMBASSADOR", "CHARGE D'AFFAIRES", "CHARGE D’AFFAIRES", "CHARGE", "CDA", "DCM", "A/DCM",
    "DEPUTY CHIEF OF MISSION", "POLITICAL COUNSELOR", "POLOFF", "POL/ECON CHIEF", "POLCHIEF",
    "POL CHIEF", "ECONOFF", "CONSUL GENERAL", "PRINCIPAL OFFICER", "ACTING DCM", "A/S", "DAS",
    "ECONOMIC COUNSELOR", "POLITICAL MINISTER COUNSELOR", "POLITICAL OFFICER", "ACTING DEPUTY CHIEF OF MISSION",
)

_TITLES_LONGEST_FIRST = sorted(_TITLES, key=len, reverse=True)
_TRAILING_FOR = re.compile(r"\s+(?:for|FOR)$")
_WHO_SEPARATOR = re.compile(r",|;|\bfor\b")


def parse_classified_by(text: str) -> ClassifiedBy:
    """`Ambassador John Beyrle, Reasons 1.4 (b) and (d)` -> names, title, reasons, text."""
    text = " ".join(text.split()).strip()
    m = _REASONS.search(text)
    who = text[: m.start()] if m else text
    reasons: list[str] = []
    tail = text[m.start():] if m else text
    numbers = list(_REASON_NUM.finditer(tail))
    for i, r in enumerate(numbers):
        end = numbers[i + 1].start() if i + 1 < len(numbers) else len(tail)
        letters = _REASON_LETTER.findall(tail[r.end():min(end, r.end() + 30)])
        if letters:
            reasons.extend(f"1.{r.group(1)}({x.lower()})" for x in letters)
        else:
            reasons.append(f"1.{r.group(1)}")
    who = who.strip(" ,.;:-")
    who = _TRAILING_FOR.sub("", who).strip(" ,.;")
    title: str | None = None
    names: list[str] = []
    pieces = [p.strip() for p in _WHO_SEPARATOR.split(who) if p.strip()]
    if pieces:
        first = pieces[0]
        upper = first.upper()
        for t in _TITLES_LONGEST_FIRST:
            if upper.startswith(t + " "):
                title = first[: len(t)]
                names.append(first[len(t):].strip())
                break
            if upper == t and len(pieces) > 1:
                title = first
                names.append(pieces[1])
                break
        else:
            names.append(first)
            if len(pieces) > 1:
                title = pieces[1]
    return ClassifiedBy(tuple(n for n in names if n), title, tuple(dict.fromkeys(reasons)), text)


def parse_tags(text: str) -> tuple[str, ...]:
    tags = []
    for token in _TAG_SPLIT.split(text.replace("[", " ").replace("]", " ")):
        token = token.strip(".:()")
        token = token.upper() if token.islower() else token
        if token and token not in tags and _TAG.fullmatch(token):
            tags.append(token)
    return tuple(tags)


_TAG_SPLIT = re.compile(r"[\s,;]+")
_TAG = re.compile(r"[A-Za-z0-9_-]{1,40}")
_SUBJECT_MARK = re.compile(r"^\((U|SBU|C|S|TS|U//FOUO|SBU//NF|C//NF|S//NF|C/NF|S/NF)\)\s*")


def parse_subject(text: str) -> tuple[str | None, str | None]:
    """-> (subject, its portion mark)."""
    text = " ".join(text.split()).strip()
    m = _SUBJECT_MARK.match(text)
    mark = m.group(1) if m else None
    if m:
        text = text[m.end():]
    return (text or None), mark
