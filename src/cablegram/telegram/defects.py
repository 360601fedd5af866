"""Every irregularity the parser works around has its own code, and a policy decides what
happens to it: recorded on the cable, or raised as a `TelegramError`.

Modelled on the `email` package: `errors.py` names the defects and sorts them into kinds, the
policy's `handle_defect()` raises or registers (`email/_policybase.py`). A code is of one of two
kinds. An *error* is an irregularity of the text that a field may stand on (a date-time group
that is no date, no classification line, a serial that disagrees with the DE line). An
*observation* is a fact about a text that real cables have and that needs no repair (a
redaction, a date inferred because the text carries none, a REF to an e-mail). The strict policy
raises on errors only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from cablegram.model import Defect

__all__ = [
    "DEFECTS",
    "DEFECT_CODES",
    "LENIENT",
    "STRICT",
    "DefectKind",
    "DefectLog",
    "DefectType",
    "ParsePolicy",
    "TelegramError",
]


class DefectKind(StrEnum):
    ERROR = "error"
    OBSERVATION = "observation"


@dataclass(frozen=True, slots=True)
class DefectType:
    code: str
    kind: DefectKind
    meaning: str


_E, _O = DefectKind.ERROR, DefectKind.OBSERVATION

_TYPES = (
    DefectType("missing-routing-header", _O, "no VZCZC/DE routing header: the cable starts at its date line or later"),
    DefectType("partial-extract", _O, "no date-time group nor FM line: a partial extract of the cable"),
    DefectType("missing-dtg", _E, "no date-time group: the date was inferred from other evidence"),
    DefectType("inferred-date", _O, "the date was inferred (page header, declassification date, references)"),
    DefectType("undated", _E, "no date could be found or inferred"),
    DefectType("bad-dtg", _E, "a date-time group that is not a real date"),
    DefectType("missing-classification-line", _E, "no classification line (UNCLAS MOSCOW 002629 ...)"),
    DefectType("unknown-station", _E, "the station of the classification line is not a known cable station"),
    DefectType("station-mismatch", _O,
               "the classification line names another post than the FM line (a forwarded cable): "
               "the FM line's post makes the reference id"),
    DefectType("serial-mismatch", _E,
               "the classification line's serial disagrees with the DE line's: the DE line's is used"),
    DefectType("unknown-originator", _O, "the FM line names an originator without a known label"),
    DefectType("missing-reference-id", _E, "no reference id could be built (station, serial or year missing)"),
    DefectType("link-artefact", _E, "markdown or HTML link markup around TAGS or paragraph marks"),
    DefectType("escape-artefact", _E, "backslashes an export left at line ends (removed)"),
    DefectType("mangled-pilcrow", _E, "a paragraph number with its pilcrow mangled into a digit (11. for ¶1)"),
    DefectType("paragraph-number-gap", _E, "paragraph numbers skip or repeat"),
    DefectType("page-break", _E, "page-break or page-header lines inside the text (removed)"),
    DefectType("reflowed-line", _E, "several header fields share one line (E.O., TAGS, SUBJECT, REF ...)"),
    DefectType("leaked-metadata", _E, "website or database metadata lines inside the telegram text"),
    DefectType("redaction", _O, "the text carries XXXXXXXXXXXX redactions"),
    DefectType("bad-declassification-date", _E, "a DECL date that is not a date"),
    DefectType("missing-subject", _O, "no SUBJECT line"),
    DefectType("missing-tags", _O, "no TAGS line"),
    DefectType("unresolved-reference", _O, "a REF item that names no telegram (letter, e-mail, phone call)"),
    DefectType("bad-address", _E, "an address line that could not be read"),
    DefectType("empty", _E, "no telegram text at all"),
    DefectType("from-source-metadata", _O,
               "a field the text does not give, taken from the source's own metadata (JSONL, cables.csv, "
               "page table or title, PlusD metadata)"),
)

#: code -> its type (kind and meaning). docs/parsing.md lists them with examples.
DEFECTS: MappingProxyType[str, DefectType] = MappingProxyType({t.code: t for t in _TYPES})
#: code -> what it means (the mapping before kinds existed; kept for callers of it).
DEFECT_CODES: MappingProxyType[str, str] = MappingProxyType({t.code: t.meaning for t in _TYPES})


class TelegramError(ValueError):
    """Raised by a policy for a defect it does not tolerate; names the code and the line."""

    def __init__(self, defect: Defect) -> None:
        where = f" (line {defect.line})" if defect.line is not None else ""
        super().__init__(f"{defect.code}{where}: {defect.message}")
        self.defect = defect


@dataclass(frozen=True, slots=True)
class ParsePolicy:
    """What the parser does with each defect it meets.

    `raise_on_defect` raises on every defect of kind error (as `email.policy.strict` does on
    every defect); `raise_on` names further codes that raise, observations included. A policy
    is frozen: `clone(**changes)` makes a variant, as in `email.policy`.
    """

    raise_on_defect: bool = False
    raise_on: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.raise_on) - DEFECTS.keys())
        if unknown:
            raise ValueError(f"unknown defect code(s): {', '.join(unknown)}")
        object.__setattr__(self, "raise_on", frozenset(self.raise_on))

    def raises(self, code: str) -> bool:
        """Whether a defect of this code raises under this policy."""
        return code in self.raise_on or (self.raise_on_defect and DEFECTS[code].kind is DefectKind.ERROR)

    def handle_defect(self, defects: list[Defect], defect: Defect) -> None:
        """Raise `TelegramError` for the defect, or register it on the cable's list."""
        if self.raises(defect.code):
            raise TelegramError(defect)
        self.register_defect(defects, defect)

    def register_defect(self, defects: list[Defect], defect: Defect) -> None:
        if defect not in defects:
            defects.append(defect)

    def clone(self, **changes: object) -> ParsePolicy:
        return replace(self, **changes)  # type: ignore[arg-type]


#: The default: every defect is recorded, nothing raises.
LENIENT = ParsePolicy()
#: Raises `TelegramError` on the first defect of kind error; observations are recorded.
STRICT = ParsePolicy(raise_on_defect=True)


class DefectLog:
    """The defects of one parse, each handed to the policy as it is met."""

    __slots__ = ("defects", "policy")

    def __init__(self, policy: ParsePolicy = LENIENT) -> None:
        self.policy = policy
        self.defects: list[Defect] = []

    def add(self, code: str, message: str, line: int | None = None) -> None:
        if code not in DEFECTS:  # a bug in the parser, not in the text: never silenced by -O
            raise ValueError(f"unknown defect code {code!r}")
        self.policy.handle_defect(self.defects, Defect(code, message, line))
