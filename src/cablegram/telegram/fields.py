"""Single header fields: the E.O. line, `Classified By`, TAGS, SUBJECT."""

from __future__ import annotations

import re
from datetime import date

from cablegram.directory.tags import is_known_tag
from cablegram.model import EO, ClassifiedBy
from cablegram.telegram.dtg import parse_decl_date

__all__ = ["classified_in_paragraphs", "parse_classified_by", "parse_eo", "parse_subject", "parse_tags"]

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
    if (_DECL.search(rest) or _LEADING_DIGIT.match(rest)) and not _DECLASSIFIED.search(rest):
        d = parse_decl_date(rest) or _written_date(rest)
        decl = d.isoformat() if d else None
    return EO(order=order, declassify_on=decl, text=rest.strip())


# Where the reasons start: `reasons 1.4`, `for Re asons` (a word broken by reflow), `per 1.4`, a bare
# `1.4 (b)`, `E.O. 12958, 1.4`, `under Section 1.4b`.
_MONTH_NUMBER = {m: i for i, m in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)}
_WRITTEN_DATE = re.compile(
    r"(?i)\b(?:(\d{1,2})\s+([A-Z]{3})[A-Z]*\.?,?\s+(\d{4})|([A-Z]{3})[A-Z]*\.?\s+(\d{1,2}),?\s+(\d{4}))\b"
)


def _written_date(text: str) -> date | None:
    """`DECL: 08 OCTOBER 2019`, `DECL: October 8, 2019`."""
    m = _WRITTEN_DATE.search(text)
    if not m:
        return None
    day, mon, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(4), m.group(6))
    month = _MONTH_NUMBER.get(mon.upper())
    try:
        return date(int(year), month, int(day)) if month else None
    except ValueError:
        return None


_REASONS = re.compile(
    r"(?i)(?:\bfor\s+)?(?:\b(?:r\s?e\s?a\s?s\s?o\s?n\s?s?|resons?|reason\(s\))\b|\bper\b|\bunder\s+section\b"
    r"|\bE\.?\s?O\.?\s*\d{5}\b|(?<![\w.])1\s?\.\s?[456]\b|(?<![\w.])1\s\(?[a-h]\))"
)
_REASON_NUM = re.compile(r"\b1\s?\.\s?([456])")
_REASON_LETTER = re.compile(r"(?<![A-Za-z])([A-Ha-h])(?![A-Za-z])")
# Words of titles, offices and ranks (upper-cased), never part of a person's name.
_TITLE_WORDS = frozenset("""
AMBASSADOR AMB CHARGE CHARGE' D'AFFAIRES D’AFFAIRES D,AFFAIRES AFFAIRES AFFAIRE A.I. AI CDA DCM ADCM DEPUTY
CHIEF MISSION OF THE AND FOR IN TO AT ON ACTING A/DCM D/AMBASSADOR POLITICAL POLITICAL/ECONOMIC ECONOMIC
ECONOMIC-POLITICAL POL ECON POLECON ECOPOL ECONPOL COUNSELOR COUNSELLOR COUNSEL MINISTER MINISTER-COUNSELOR
M-C M/C OFFICER OFFICE SECTION HEAD UNIT CONSUL GENERAL CONSULATE PRINCIPAL DIRECTOR DIR DIR. DEPUTY ASSISTANT
SECRETARY UNDER SPECIAL ENVOY REPRESENTATIVE COORDINATOR CHAIRMAN PRESIDENT POLOFF ECONOFF POLCOUNS ECONCOUNS
POLCHIEF POLMILOFF POLCOUNSELOR MGMT MANAGEMENT PUBLIC AFFAIRS DIPLOMACY REGIONAL SECURITY RSO PAO LEGATT
ATTACHE DEFENSE MILITARY COMMERCIAL AGRICULTURAL LABOR CONSULAR ADMIN ADMINISTRATIVE EMBASSY U.S. US USG
DEPARTMENT STATE BUREAU DIVISION AFFAIR A/S DAS PDAS S/E AIT AIT/T DOS EXECUTIVE INTERIM SENIOR JUNIOR CHIEF-
OF-MISSION ENVIRONMENT SCIENCE TECHNOLOGY HEALTH ESTH ESTHOFF EST POLITICO-MILITARY POL-MIL POL-ECON P/E E/P
POLMIL INTERNATIONAL NARCOTICS LAW ENFORCEMENT AFFAIRS, DEVELOPMENT MISSION PERMANENT ALTERNATE PERMREP
DEPUTY-CHIEF CHARGÉ A.I., ADVISOR ADVISER HUMANITARIAN PROGRAM PROGRAMS PROVINCIAL RECONSTRUCTION TEAM TEAM
LEADER OPERATIONS CENTER POLICY PLANNING STAFF ASST SECSTATE DEPSEC SECDEF NSC ACT AMBASSADOR-AT-LARGE AT-
LARGE A/POLCOUNS DEP DEPT DEPT. ACTG PRESENCE IRAN ORIGINAL AUTHORITY DERIVED CLASSIFIED CONFIDENTIAL SECRET
BY LINE MULTIPLE SOURCES ENTIRE TEXT BASED UPON MC
""".split())
_SUFFIXES = frozenset({"JR", "JR.", "SR", "SR.", "II", "III", "IV"})
_PORTION = re.compile(r"^\s*\((?:U|SBU|C|S|TS|C/NF|S/NF)\)\s*")
_WHO_SPLIT = re.compile(r"\s*([;,]|\s/\s|\bAND\b|\band\b|&)\s*")
_PARTICLES = frozenset("van von de da del della di du la le der den ten ter bin".split())
_SURNAME_COMMA_GIVEN = re.compile(r"\b([A-Z][a-z]+),([A-Z][a-z]+)\b")
_INITIAL = re.compile(r"^(?:[A-Z]\.){1,3}$|^[A-Z]$")


def _mend_reflow(text: str) -> str:
    """`Re asons`, `AFFAIR S`, `Affa irs`, `FO R`: words broken by reflow joined again."""
    words = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if i + 1 < len(words) and w and words[i + 1] and min(len(w), len(words[i + 1].rstrip(",.;:"))) <= 4:
            joined = w + words[i + 1]
            key = joined.upper().strip(",.;:")
            nxt = words[i + 1]
            if (key in _TITLE_WORDS or key in ("REASONS", "REASON", "FOR")) and (
                w.upper().strip(",.;:") not in _TITLE_WORDS or nxt.upper().strip(",.;:") not in _TITLE_WORDS
            ):
                out.append(joined)
                i += 2
                continue
            if len(w) == 1 and w.isupper() and nxt[0].islower() and nxt.rstrip(",.;:").isalpha():
                out.append(joined)  # `Andrew Y oung`
                i += 2
                continue
        out.append(w)
        i += 1
    return " ".join(out)


def _strip_end(text: str) -> str:
    """Punctuation off the ends, but the period of `Jr.` and `Sr.` stays."""
    text = text.strip(" ,;:")
    if text.upper().endswith((" JR.", " SR.", ",JR.", ",SR.")):
        return text
    return text.rstrip(".").strip(" ,;:")


def _is_title_token(token: str, mixed: bool) -> bool:
    bare = token.strip(",.;:()")
    up = token.upper().strip(",;:()")
    if up in _TITLE_WORDS or up.rstrip(".") in _TITLE_WORDS or bare.upper() in _TITLE_WORDS:
        return True
    if "/" in bare or "..." in token:
        return True  # `POL/C`, a text cut short (`Ambass...`)
    if "-" in bare and any(part.upper() in _TITLE_WORDS for part in bare.split("-")):
        return True  # `Minister-Counseor`, `PolEcon-Chief`
    if bare[:1].islower():
        return True
    # An abbreviation written in capitals inside mixed-case text: `ECONMINCOUNS Matthias Mitman`.
    return mixed and len(bare) >= 3 and bare.isupper() and bare.isalpha()


def _names_in(piece: str, mixed: bool) -> list[str]:
    """Runs of name-like words in one piece of the `who` text."""
    runs: list[list[str]] = []
    current: list[str] = []
    for token in piece.split():
        if current and token in _PARTICLES:
            current.append(token)  # `Carol van Voorst`
            continue
        if _is_title_token(token, mixed) and token.upper().strip(",.") not in _SUFFIXES:
            if current:
                runs.append(current)
            current = []
            continue
        if not (token[:1].isupper() or token[:1] in "'’"):
            if current:
                runs.append(current)
            current = []
            continue
        current.append(token)
    if current:
        runs.append(current)
    for run in runs:
        while run and run[-1] in _PARTICLES:
            run.pop()
    names = [_strip_end(" ".join(r)) for r in runs]
    names = [n for n in names if n and not _INITIAL.match(n)]
    multi = [n for n in names if " " in n]
    return multi or names[-1:]


def _who_names(who: str) -> tuple[list[str], str | None]:
    who = _PORTION.sub("", who)
    who = _SURNAME_COMMA_GIVEN.sub(r"\2 \1", who)  # `Berliner,Nicholas` -> `Nicholas Berliner`
    parts = _WHO_SPLIT.split(who)  # pieces, and between them the separators that split them
    names: list[str] = []
    titles: list[str] = []
    for k in range(0, len(parts), 2):
        piece = parts[k]
        if not piece or not piece.strip(" ."):
            continue
        bare = piece.strip(" .")
        if names and bare.upper().rstrip(".") in _SUFFIXES:
            names[-1] = f"{names[-1]}, {bare if bare.upper() in ('II', 'III', 'IV') else piece.strip()}"
            continue
        mixed = any(c.islower() for c in piece)
        first = piece.split()[0]
        if names and parts[k - 1].strip() in (",", ";") and _is_title_token(first, mixed):
            # `ROCCA, ASSISTANT SECRETARY FOR SOUTH ASIAN AFFAIRS`: the office of the name before it
            titles.append(bare)
            continue
        found = _names_in(piece, mixed)
        if found:
            head = piece.split(found[0].split()[0])[0].strip(" ,")
            if head:
                titles.append(head)
            names.extend(found)
        else:
            titles.append(bare)
    if any(" " in n for n in names):
        # `Gene Cretz, Ambassador, U.S. Embassy Tripoli`: a lone word beside a full name is a place.
        names = [n for n in names if " " in n]
    return names, (titles[0] if titles else None)


_IN_PARAGRAPH = re.compile(r"(?i)\bclassified\s+by\b\s*:?\s*")


def classified_in_paragraphs(texts: list[str]) -> ClassifiedBy | None:
    """The 1980s-90s form inside the first paragraphs: `1. (U) CLASSIFIED BY DCM PAUL R. STONE. REASON: 1.5 (D).`"""
    for text in texts[:2]:
        if "lassified" not in text and "LASSIFIED" not in text:
            continue
        m = _IN_PARAGRAPH.search(text, 0, 120)
        if m:
            start = m.end()
            while again := _IN_PARAGRAPH.match(text, start):  # `Classified by: Classified by: ...`
                start = again.end()
            return parse_classified_by(_first_sentences(text[start:start + 250]))
    return None


def _first_sentences(text: str) -> str:
    """`DCM PAUL R. STONE. REASON: 1.5 (D). 2. (C) ...` -> `DCM PAUL R. STONE. REASON: 1.5 (D).`: the
    sentence that names the classifier and, if the next one gives the reasons, that one too."""
    reasons = _REASONS.search(text)
    at = reasons.end() if reasons else 0
    for m in _SENTENCE_END.finditer(text, at):
        before = text[: m.start()]
        if before.endswith(("E.O", "E. O")) or _INITIAL_BEFORE.search(before):
            continue  # `E.O. 12958`, `PAUL R. STONE`
        return text[: m.start() + 1]
    return text


_SENTENCE_END = re.compile(r"\.(?=\s|$)")
_INITIAL_BEFORE = re.compile(r"(?:^|\s)[A-Z]$")


def parse_classified_by(text: str) -> ClassifiedBy:
    """`Ambassador John Beyrle, Reasons 1.4 (b) and (d)` -> names, title, reasons, text."""
    text = " ".join(text.split()).strip()
    mended = _mend_reflow(text)
    m = _REASONS.search(mended)
    who = mended[: m.start()] if m else mended
    reasons: list[str] = []
    tail = mended[m.start():] if m else mended
    numbers = list(_REASON_NUM.finditer(tail))
    for i, r in enumerate(numbers):
        end = numbers[i + 1].start() if i + 1 < len(numbers) else len(tail)
        letters = _REASON_LETTER.findall(tail[r.end():min(end, r.end() + 30)])
        if letters:
            reasons.extend(f"1.{r.group(1)}({x.lower()})" for x in letters)
        else:
            reasons.append(f"1.{r.group(1)}")
    who = _CUT_SHORT.sub("", who.strip())  # `Ambass...`: a word the source cut short
    who = _strip_end(who.strip(" ,;:-"))
    who = _strip_end(_TRAILING_FOR.sub("", who).strip(" ,;"))
    names, title = _who_names(who)
    return ClassifiedBy(tuple(names), title, tuple(dict.fromkeys(reasons)), text)


_CUT_SHORT = re.compile(r"[^\s,;.]*[A-Za-z](?:\.\.\.|…)$")  # `Ambass...`, not `HERBST,...`
_TRAILING_FOR = re.compile(r"\s+(?:for|FOR)$")


def parse_tags(text: str) -> tuple[str, ...]:
    """`PREL, OVIP (CLINTON, HILLARY), pgov` -> ("PREL", "OVIP (CLINTON, HILLARY)", "PGOV")."""
    tags: list[str] = []
    text = text.replace("[", " ").replace("]", " ")
    if "(" in text:
        # A person in parentheses, after its tag or alone: one tag.
        for m in _PERSON_TAG.finditer(text):
            person = " ".join(m.group("person").split())
            tags.append(f"{m.group('tag').upper()} ({person})" if m.group("tag") else f"({person})")
        parts = _PERSON_TAG.split(text)
        # re.split with groups returns the groups too: rebuild, putting each person tag in order.
        tags_in_order: list[str] = []
        k = 0
        for i in range(0, len(parts), 3):
            tags_in_order.extend(_plain_tags(parts[i]))
            if i + 2 < len(parts):
                tags_in_order.append(tags[k])
                k += 1
        return tuple(dict.fromkeys(tags_in_order))
    return tuple(dict.fromkeys(_plain_tags(text)))


def _plain_tags(text: str) -> list[str]:
    tags = []
    for token in _TAG_SPLIT.split(text):
        token = token.strip(".:()")
        token = token.upper() if token.islower() else token
        if token and token not in tags and _TAG.fullmatch(token):
            tags.extend(t for t in _unglued(token) if t not in tags)
    return tags


def _unglued(token: str) -> list[str]:
    """`VTPREL` -> VT, PREL; `KFRDCVISCMGTKOCIASECPHUMSMIGEG` -> KFRD, CVIS, ...: codes run together,
    split where every piece is a known code and one piece at least is a four-letter one (so that
    words such as POLITICS stay whole)."""
    if len(token) < 6 or not token.isalpha() or not token.isupper() or is_known_tag(token):
        return [token]
    best: list[list[str] | None] = [[]] + [None] * len(token)
    for end in range(2, len(token) + 1):
        for size in (4, 3, 2):
            start = end - size
            if start >= 0 and best[start] is not None and is_known_tag(token[start:end]):
                best[end] = [*best[start], token[start:end]]  # type: ignore[misc]
                break
    pieces = best[len(token)]
    if pieces and any(len(p) == 4 for p in pieces):
        return pieces
    return [token]


_PERSON_TAG = re.compile(r"(?:\b(?P<tag>[A-Za-z]{2,6})\s*)?\((?P<person>[^()]{2,60}?,[^()]{1,60})\)")


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
    cut = _SUBJECT_END.search(text)
    if cut:
        text = text[: cut.start()].rstrip(" ;,-")
        if not text.endswith("..."):
            text = text.rstrip(".")
    if twice := _REPEATED.match(text):
        text = twice.group(1)  # a second `SUBJECT:` line repeating the first
    return (text or None), mark


# What follows a reflowed subject on its line: a handling sentence, an action request, a page break.
_SUBJECT_END = re.compile(
    r"\s(?:Sensitive [Bb]ut [Uu]nclassified|SENSITIVE BUT UNCLASSIFIED|This (?:is an?|message|cable)\b"
    r"|(?<=[.:;]\s)THIS (?:IS AN?|MESSAGE|CABLE)\b|Please (?:handle|protect|see)\b"  # caps: after a sentence
    r"|[A-Z][A-Z ]{1,25} 0{3,}\d{1,5} \d{3}(?:\.\d+)? OF \d{3}"
    r"|(?:Summary|SUMMARY)?\s*-{3,}(?=\s|$)"  # `... Mendoza Summary -------- 1. Ambassador ...`
    r"|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{1,2} [A-Z][a-z]+ \d{4}"  # a wrapper's date
    r"|CLASSIFIED$)"  # `CLASSIFIED` / `BY: ...` broken over two lines
    # the classification line of a second copy, glued to a subject cut short (`RUSSIAN SCIEN... C O N F ...`)
    r"|(?:\s|(?<=\.\.\.))(?:C O N F I D E N T I A L|S E C R E T|U N C L A S|(?:UNCLAS|CONFIDENTIAL|SECRET)"
    r"(?: SECTION \d+ OF \d+)? [A-Z][A-Z ]{1,30} 0*\d{3,6}\b)"
)
_REPEATED = re.compile(r"^(.{10,}?) \1$")
