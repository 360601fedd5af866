"""Every irregularity the parser works around has its own code, and one switch decides what
happens to it: recorded (lenient, the default) or raised as a `TelegramError` (strict).

Modelled on the `email` package: `errors.py` names the defects, the policy's `handle_defect()`
records or raises.
"""

from __future__ import annotations

from cablegram.model import Defect

__all__ = ["DEFECT_CODES", "DefectLog", "TelegramError"]

#: code -> what it means. The parser records these; docs/parsing.md lists them with examples.
DEFECT_CODES: dict[str, str] = {
    "missing-routing-header": "no VZCZC/DE routing header: the cable starts at its date line or later",
    "partial-extract": "no date-time group nor FM line: a partial extract of the cable",
    "missing-dtg": "no date-time group: the date was inferred from other evidence",
    "inferred-date": "the date was inferred (page header, declassification date, references)",
    "undated": "no date could be found or inferred",
    "bad-dtg": "a date-time group that is not a real date",
    "missing-classification-line": "no classification line (UNCLAS MOSCOW 002629 ...)",
    "unknown-station": "the station of the classification line is not a known cable station",
    "unknown-originator": "the FM line names an originator without a known label",
    "missing-reference-id": "no reference id could be built (station, serial or year missing)",
    "link-artefact": "markdown or HTML link markup around TAGS or paragraph marks",
    "escape-artefact": "backslashes an export left at line ends (removed)",
    "mangled-pilcrow": "a paragraph number with its pilcrow mangled into a digit (11. for ¶1)",
    "paragraph-number-gap": "paragraph numbers skip or repeat",
    "page-break": "page-break or page-header lines inside the text (removed)",
    "reflowed-line": "several header fields share one line (E.O., TAGS, SUBJECT, REF ...)",
    "leaked-metadata": "website or database metadata lines inside the telegram text",
    "redaction": "the text carries XXXXXXXXXXXX redactions",
    "bad-declassification-date": "a DECL date that is not a date",
    "missing-subject": "no SUBJECT line",
    "missing-tags": "no TAGS line",
    "unresolved-reference": "a REF item that names no telegram (letter, e-mail, phone call)",
    "bad-address": "an address line that could not be read",
    "empty": "no telegram text at all",
}


class TelegramError(ValueError):
    """Raised in strict mode for the first defect met; names the code and the line."""

    def __init__(self, defect: Defect) -> None:
        where = f" (line {defect.line})" if defect.line is not None else ""
        super().__init__(f"{defect.code}{where}: {defect.message}")
        self.defect = defect


class DefectLog:
    """Collects defects, or raises the first one when strict."""

    __slots__ = ("defects", "strict")

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.defects: list[Defect] = []

    def add(self, code: str, message: str, line: int | None = None) -> None:
        assert code in DEFECT_CODES, code
        defect = Defect(code, message, line)
        if self.strict:
            raise TelegramError(defect)
        if defect not in self.defects:
            self.defects.append(defect)
