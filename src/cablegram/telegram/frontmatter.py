"""The marking block between the classification line and the first paragraph.

Caveat lines (`SENSITIVE`, `SIPDIS`, `NOFORN`), passing instructions (`DEPT FOR EUR/WE`), the
E.O. line, TAGS, SUBJECT, REF and `Classified By`. Reflowed cables put several of these on one
line; each keyword starts a field wherever it stands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cablegram.telegram.defects import DefectLog
from cablegram.telegram.normalize import is_lone_classification

__all__ = ["CAVEAT_WORDS", "FrontMatter", "parse_front_matter", "split_caveats"]

CAVEAT_WORDS = (
    "SENSITIVE", "SIPDIS", "NOFORN", "EXDIS", "NODIS", "LIMDIS", "STADIS", "ORCON", "NOCONTRACT",
    "PROPIN", "FOUO", "SBU", "CHEROKEE", "ROGER", "EFTO", "NOFORN/ORCON",
)
_CAVEAT_SET = frozenset(CAVEAT_WORDS)
_WORD_SPLIT = re.compile(r"[\s,;]+")
_CAVEAT_START = re.compile(r"(?i)(?:" + "|".join(CAVEAT_WORDS) + r"|E F T O|FOR OFFICIAL)")

# Each alternative starts with its keyword's first letter, and what must hold before that letter
# is a lookbehind after it: `(?<!\w.)` is a `\b` before the letter, `(?<!\S.)` "at the start or
# after whitespace", `(?<![\s\S].)` "at the start of the line". The regex engine then tries an
# alternative only where its letter stands (four times faster than a `\b` or `^` first).
_KEYWORD = re.compile(
    r"E(?P<eo>(?:\s?\.\s?[O0]\s?\.?|(?<!\w.)O\b)\s*:?\s*\d{4,5}\b)"  # E.O. 12958, EO 13526
    r"|T(?<![A-Za-z_].)(?P<tags>(?:AGS?|ags)\s*:|AGS?\b(?=\s+[A-Z]{2,}))"  # TAGS:, TAGS PGOV, TAG PGOV
    r"|S(?<![\w(].)(?P<subject>(?:UBJ(?:ECT)?|ubject)\s*:|(?<![\s\S].)UBJECT\b)"  # SUBJECT:, SUBJ:
    r"|R(?P<ref>(?<!\S.)(?:EFS?|EFTELS?|EFERENCES?|efs?|EF\(S\)|ef\(s\))\s*:"  # REF:, Ref(s):
    r"|(?<![\s\S].)EFS?\b(?=\s*[(A-Z]))"  # REF A. ...
    r"|[Cc](?<!\w.)(?P<classified>(?i:lassified\s+by)\b\s*:?)"  # Classified By:
)
_PARA_START = re.compile(r"^\s*(?:¶\s*\d{1,3}|\d{1,3}\s*\.\s*(?:\(|[A-Z])|\(\w{1,4}\)\s)")
_REF_LABEL_LINE = re.compile(r"^\s*¶?\s*(?:\([A-Z]\)|[A-Z][.)])\s")
# A first paragraph glued to the end of a field: `... REASON: 1.4 (d) 1. (C) In the absence ...`.
# (`1(?<=\s1)`: a 1 after whitespace, the lookbehind after the digit so that the search skips to digits.)
_GLUED_PARA = re.compile(r"(?:¶\s*1\s*\.|1(?<=\s1)\.\s*\((?:U|SBU|C|S)\)|1(?<=\s\s1)\.\s+(?=[A-Z][a-z]))")
_TAGS_CONT = re.compile(r"^[A-Z0-9][A-Z0-9 ,.-]{0,60}$")


@dataclass
class FrontMatter:
    caveats: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fields: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    body_start: int = 0  # index into the line list where the body starts
    body_prefix: str = ""  # text after a keyword field on the line where the body starts


def split_caveats(line: str) -> list[str] | None:
    """`SENSITIVE, SIPDIS` -> both; None when the line is not made of caveat words only."""
    if len(line) > 80 or not _CAVEAT_START.match(line.lstrip()):
        return None
    words = [w for w in _WORD_SPLIT.split(line.strip().strip(".").upper()) if w]
    if not words:
        return None
    joined = " ".join(words)
    if joined in ("SENSITIVE BUT UNCLASSIFIED", "E F T O", "FOR OFFICIAL USE ONLY"):
        return ["SENSITIVE"] if joined != "E F T O" else ["EFTO"]
    if all(w in _CAVEAT_SET for w in words):
        return words
    return None


def _peel_caveats(line: str) -> tuple[str, list[str]]:
    """`SENSITIVE EEB FOR CBA/...` or `... FOR ILAB SENSITIVE SIPDIS`: caveats run into a note."""
    words = line.split()
    found: list[str] = []
    while words and words[0].strip(",;.") in _CAVEAT_SET:
        found.append(words.pop(0).strip(",;."))
    tail: list[str] = []
    while words and words[-1].strip(",;.") in _CAVEAT_SET:
        tail.insert(0, words.pop().strip(",;."))
    return " ".join(words), found + tail


def _peel_leading_caveats(line: str) -> tuple[str, list[str]]:
    words = line.split()
    found: list[str] = []
    while words and words[0].strip(",;.").upper() in _CAVEAT_SET:
        found.append(words.pop(0).strip(",;.").upper())
    return " ".join(words), found




def _may_have_keyword(line: str) -> bool:
    """A cheap test (plain substring searches) before the keyword regex."""
    return (
        "E.O" in line or "E. O" in line or "E.0" in line or "E .O" in line or "E.o" in line or "EO " in line
        or "EO:" in line or "TAG" in line or "Tags" in line or "SUBJ" in line or "Subj" in line
        or "Ref" in line or ("REF" in line and ("REF:" in line or "REF " in line or "REFS" in line or "REFTEL" in line
                              or "REFERENCE" in line or line.startswith("REF")))
        or "lassified" in line or "LASSIFIED" in line
    )


def _split_keywords(line: str) -> list[tuple[str | None, str]]:
    """A line cut at each keyword: [(kind, text after keyword) ...], kind None for a lead-in."""
    if not _may_have_keyword(line):
        return [(None, line)]
    matches = list(_KEYWORD.finditer(line))
    if len(matches) > 1 and any(m.lastgroup == "classified" for m in matches):
        # `Classified By: CDA X; reasons: E.O. 12958 1.4 (b,d)`: an E.O. cited as the reason, no E.O. line.
        first = next(i for i, m in enumerate(matches) if m.lastgroup == "classified")
        matches = [m for i, m in enumerate(matches)
                   if not (i > first and m.lastgroup == "eo" and ":" not in m.group(0))]
    if not matches:
        return [(None, line)]
    parts: list[tuple[str | None, str]] = []
    if matches[0].start() > 0 and line[: matches[0].start()].strip():
        parts.append((None, line[: matches[0].start()]))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        kind = m.lastgroup
        text = line[m.end():end] if kind != "eo" else line[m.start():end]
        parts.append((kind, text))
    return parts


def _joined_text(parts: list[tuple[int, str]] | None) -> str:
    return "".join(t for _, t in parts).strip() if parts else ""


def _has_fields(lines: list[tuple[int, str]], start: int) -> bool:
    return any(_may_have_keyword(line) and _KEYWORD.search(line) for _, line in lines[start:start + 80])


def parse_front_matter(lines: list[tuple[int, str]], start: int, log: DefectLog) -> FrontMatter:
    """Read fields from `lines[start:]` until the body begins."""
    fm = FrontMatter(body_start=len(lines))
    expect_fields = _has_fields(lines, start)
    current: str | None = None
    blank = False
    i = start
    while i < len(lines):
        no, line = lines[i]
        text = line.strip()
        if not text:
            blank = True
            i += 1
            continue
        if not text.strip("-_= ") or is_lone_classification(text):
            i += 1
            blank = True
            continue
        if current is None and expect_fields and _CAVEAT_START.match(text):
            # `SENSITIVE REF LONDON 01170`: caveats run into the first field
            rest, found = _peel_leading_caveats(text)
            if found and rest and _KEYWORD.match(rest):
                fm.caveats.extend(c for c in found if c not in fm.caveats)
                text = rest
        parts = _split_keywords(text) if expect_fields else [(None, text)]
        lead_kind, lead_text = parts[0]
        if lead_kind is None:
            para = _PARA_START.match(lead_text)
            cont_ok = current is not None and not blank and not para
            if current == "subject" and blank and not para and not _joined_text(fm.fields.get("subject")):
                cont_ok = True  # `SUBJECT:`, a blank line, then the subject
            if current == "ref" and _REF_LABEL_LINE.match(lead_text):
                cont_ok = True
            if current == "tags" and not _TAGS_CONT.match(lead_text.strip()):
                cont_ok = False
            if current == "eo" and not lead_text.strip().upper().startswith("DECL"):
                cont_ok = False
            if cont_ok and current is not None:
                glued = _GLUED_PARA.search(lead_text)
                if glued:
                    fm.fields[current].append((no, lead_text[: glued.start()]))
                    fm.body_start = i
                    fm.body_prefix = lead_text[glued.start():]
                    return fm
                fm.fields[current].append((no, lead_text.lstrip("¶ ")))
            elif current is None and expect_fields and not para:
                caveats = split_caveats(lead_text)
                if caveats is not None:
                    fm.caveats.extend(c for c in caveats if c not in fm.caveats)
                else:
                    note, found = _peel_caveats(lead_text)
                    fm.caveats.extend(c for c in found if c not in fm.caveats)
                    if note and not is_lone_classification(note):
                        fm.notes.append(note)
            elif blank and split_caveats(lead_text) is not None:
                fm.caveats.extend(c for c in split_caveats(lead_text) or [] if c not in fm.caveats)
            elif current is None and not expect_fields and split_caveats(lead_text) is not None:
                caveats = split_caveats(lead_text) or []
                fm.caveats.extend(c for c in caveats if c not in fm.caveats)
            else:
                fm.body_start = i
                return fm
            parts = parts[1:]
        if len(parts) > 1 or (parts and lead_kind is None):
            log.add("reflowed-line", "several header fields on one line", no)
        for kind, value in parts:
            if kind is None:  # only a lead part has no keyword, and it was consumed above
                raise RuntimeError(f"line {no}: a field part without its keyword")
            # A paragraph glued to the end of a field (`SUBJECT: X ¶1. (C) ...`) starts the body.
            glued = _GLUED_PARA.search(value)
            if glued and kind in ("subject", "ref", "classified", "tags"):
                fm.fields.setdefault(kind, []).append((no, value[: glued.start()]))
                fm.body_start = i
                fm.body_prefix = value[glued.start():]
                return fm
            fm.fields.setdefault(kind, []).append((no, value))
            current = kind
        blank = False
        i += 1
    return fm
