"""Only what a drafter writes before marking: every classification marking taken out of a text.

The advice must learn the words, not the stamps. Markings stripped, wherever they sit (a parsed
paragraph, a subject, or a header the parser left in the body):
- the classification line and caveats: UNCLASSIFIED, UNCLAS, CONFIDENTIAL, SECRET (spelled out
  or letter-spaced, `C O N F I D E N T I A L`), "SENSITIVE BUT UNCLASSIFIED", FOUO, "ENTIRE TEXT",
  "PLEASE PROTECT ACCORDINGLY";
- portion marks: `(C)`, `(S)`, `(SBU)`, `(S/NF)`, `(secret//rel germany)`, ...;
- `Classified By: NAME, TITLE. Reasons 1.4 (b) and (d).`;
- the E.O. line and its DECL date (or N/A, which itself says "unclassified");
- the routing header's security field (`ZNY CCCCC`) where a header was left in the body;
- SIPDIS, NOFORN, EXDIS, NODIS, LIMDIS and the other dissemination controls.
The words "secret" and "confidential" go even when they are prose ("met in secret"): in a flattened
telegram a prose word and a stamp cannot be told apart, and leaking the stamp is the worse error.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cablegram.model import Cable

_LEVEL = r"(?:TOP\s+SECRET|SECRET|CONFIDENTIAL|UNCLASSIFIED|UNCLAS|LIMITED\s+OFFICIAL\s+USE)"
_CONTROL = (r"(?:SIPDIS|NOFORN|NOFORNS|NOCONTRACT|NOCON|ORCON|PROPIN|EXDIS|NODIS|LIMDIS|STADIS|"
            r"ROGER|CHEROKEE|FOUO|SBU|EFTO|WNINTEL|REL\s+TO|LOU)")


def _spaced(word: str) -> str:
    return r"\b" + r"\s".join(word) + r"\b"


_PARTS = (
    # Classified By: ... Reason(s) 1.4 (b) and (d).  (the classifier's name and title are markings)
    # on a line of its own, the whole line; in a flattened text, up to the reasons
    r"classified\s+by\b[^\n]{0,300}(?=\n|$)",
    r"classified\s+by\b.{0,240}?\b(?:reasons?|1\.\s?[45]|e\.?\s?o\.?)\s*:?\s*(?:1\.\s?[45]\s*)?"
    r"(?:\(?[ \t]*[a-h]\b[ \t]*\)?(?:[ \t]*(?:,|/|and|&|\+)[ \t]*)?)*\.?",
    r"classified\s+by\b:?[^\n]{0,120}",
    r"\breasons?:?\s*1\.\s?[45]\s*(?:\(?[ \t]*[a-h]\b[ \t]*\)?(?:[ \t]*(?:,|/|and|&|\+)[ \t]*)?)*\.?",
    # E.O. 12958: DECL: 01/08/2028, E.O. 12958: N/A, E.O. 12958 AS AMENDED; DECLASSIFIED ...
    # (on a line of its own, the whole line: `E.O. 12958: DE...`, `E.O. 11652: GDS`)
    r"\be\.?\s?o\.?\s*1\d{4}\b[^\n]{0,60}(?=\n|$)",
    r"\be\.?\s?o\.?\s*1\d{4}\b\s*:?\s*(?:as\s+amended[;:,]?\s*)?"
    r"(?:n/?a\b|declassified[^\n.]*\.?|decl(?:assify)?\s*(?:on)?\s*:?[^\n]{0,40})?",
    r"\b(?:decl(?:assify)?\s*(?:on)?|dng)\s*:[^\n]{0,40}|\b1\.\s?[45]\s*\(\s*[a-h]\s*\)",
    r"\bdecl(?:assify)?(?:\s+on)?\s*:?\s*(?:oadr|x[1-8]|\d{1,2}/\d{1,2}/\d{2,4})\b",
    # the 1970s General Declassification Schedule: GDS, XGDS-1, XGDS 2
    r"\bx?gds(?:\s*-\s*[1-4]|\s[1-4]\b)?\b",
    # handling lines of the unclassified-but-sensitive
    r"\bsensitive\s+but\s+unclassified\b|\bfor\s+official\s+use\s+only\b",
    r"\b(?:please\s+)?(?:protect|handle|treat)\s+accordingly\b",
    r"\bnot\s+for\s+(?:internet|public)\s+(?:distribution|release)\b",
    r"\bentire\s+text\b",
    # portion marks: (C), (S//NF), (SBU), (secret//rel germany), (U//FOUO)
    r"\(\s*(?:TS|S|C|U|SBU|LOU|FOUO|" + _LEVEL + r")(?:\s*/{1,2}\s*[a-z ,/]{1,40})?\s*\)",
    # the routing header's security field (ZNY CCCCC), when the parser left a header in the body
    r"\bZN[YR]\s+[A-Z]{5}\b|\b(?:CCCCC|SSSSS|EEEEE|UUUUU)\b",
    # bare portion marks without brackets: S/NF, C//NF, NF
    r"\b(?:TS|S|C|U|SBU)\s*/{1,2}\s*NF\b|\bNF\b",
    # letter-spaced classification lines
    *(_spaced(w) for w in ("UNCLASSIFIED", "CONFIDENTIAL", "SECRET")),
    # a caveat line of its own: SENSITIVE
    r"(?:^|(?<=\n))[ \t]*sensitive[ \t]*(?=\n|$)",
    # caveat words beside a control (SIPDIS SENSITIVE), then the levels and controls themselves
    r"\bsensitive\b(?=[\s/,]+" + _CONTROL + r"\b)|(?<=" + "SIPDIS" + r")[\s/,]+sensitive\b",
    r"\b" + _LEVEL + r"\b",
    r"\b" + _CONTROL + r"\b",
)


def _upper(pattern: str) -> str:
    """The pattern for upper-cased text (letters outside escapes upper-cased): matching upper-cased
    text without IGNORECASE is several times faster, and the features lower-case it anyway."""
    return re.sub(r"(?<!\\)[a-z]", lambda m: m.group().upper(), pattern)


# Where a marking can start: a word starting with one of these letters (or 1), a bracket, the
# word CLASSIFIED inside another (DECLASSIFIED BY), just after SIPDIS, or a line's start. Every
# alternative of _PARTS starts at one of them; the lookahead skips the other positions before the
# alternation tries its two dozen branches there (three times faster, the same matches).
_START = r"(?=\b[CREDXGSFPHTNZULOW1]|\(|CLASSIFIED|(?<=SIPDIS)[\s/,]|(?<=\n)|^)"
# One pass of one alternation (earlier alternatives win at a position).
_MARKING = re.compile(_START + "(?:" + "|".join(f"(?:{_upper(p)})" for p in _PARTS) + ")")
_SPACE = re.compile(r"\s+")
# what a stripped stamp leaves: `//`, `-`, `.` standing alone (prose loses its lone dashes too)
_DEBRIS = re.compile(r"(?<!\S)[^\w\s]+(?!\S)")


def strip_markings(text: str) -> str:
    """`text`, upper-cased, with every classification marking removed (see the module docstring)."""
    text = _DEBRIS.sub(" ", _MARKING.sub(" ", text.upper()))
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=8192)  # cross-validation strips each cable once, not once a fold
def drafter_text(cable: Cable) -> str:
    """What the drafter wrote, markings stripped: the subject and the paragraphs' text (each
    paragraph's parsed portion mark is a separate field and never read)."""
    parts = [cable.subject or "", *(p.heading or "" for p in cable.paragraphs),
             *(p.text for p in cable.paragraphs)]
    return strip_markings("\n".join(p for p in parts if p))
