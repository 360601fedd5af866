"""Checking a draft before clearance: each rule gives a message on the field it concerns.

Errors block clearance and release; warnings (a reference not in the archive, text the wire
would read differently) are shown but do not block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cablegram import directory
from cablegram.access import portion
from cablegram.directory.classification import CLASSIFICATION_RANKS
from cablegram.directory.precedence import PRECEDENCES
from cablegram.model import Cable

__all__ = ["Problem", "blocking", "validate"]

_MARK_WORDS = {"U", "SBU", "C", "S", "TS"}
_LEVEL_MARK = {0: "U", 1: "C", 2: "S", 3: "TS"}
_EXTRA_CAVEATS = {"LIMITED OFFICIAL USE"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: the field (`subject`, `paragraphs.3`, `to.1`...), a message, and its level."""

    field: str
    message: str
    level: str = "error"

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "level": self.level}


def blocking(problems: list[Problem]) -> list[Problem]:
    """The errors among `problems`."""
    return [p for p in problems if p.level == "error"]


def _marking_problem(marking: str) -> str | None:
    head = marking.replace("//", "/").split("/")[0].strip().upper()
    return None if head in _MARK_WORDS else f"unknown portion mark ({marking}): use U, SBU, C, S or TS, e.g. (S//NF)"


def _markings(c: Cable, out: list[Problem]) -> None:
    rank = CLASSIFICATION_RANKS.get(c.classification or "")
    if rank is None:
        out.append(Problem("classification", f"unknown classification {c.classification!r}: use one of "
                                             f"{', '.join(directory.CLASSIFICATIONS)}"))
        return
    classified = rank > 0
    portions: list[tuple[str, str]] = []
    if c.subject_marking:
        portions.append(("subject", c.subject_marking))
    for p in c.paragraphs:
        where = f"paragraphs.{p.number}"
        if p.marking:
            portions.append((where, p.marking))
        elif classified:
            out.append(Problem(where, f"paragraph {p.number} is not marked: every paragraph of a "
                                      f"{c.classification} cable carries a portion mark such as (U) or (C)"))
    top, top_where = 0, None
    for where, mark in portions:
        if problem := _marking_problem(mark):
            out.append(Problem(where, problem))
            continue
        level, caveats = portion(mark)
        if level > top:
            top, top_where = level, where
        if level > rank:
            out.append(Problem(where, f"marked ({mark}), above the classification line ({c.classification})"))
        for cav in sorted(caveats - set(c.caveats)):
            out.append(Problem("caveats", f"{where} is marked ({mark}): the classification line must carry {cav}"))
    if portions and top < rank:
        out.append(Problem("classification", f"the classification line says {c.classification} but the highest "
                                             f"portion mark is ({_LEVEL_MARK[top]}): mark down the line or mark "
                                             "the paragraphs that need it"))
    if top_where is not None and top > rank:
        out.append(Problem("classification", f"the classification line ({c.classification}) must agree with the "
                                             f"highest portion mark ({_LEVEL_MARK[top]}, {top_where})"))


def _authority(c: Cable, today: date, out: list[Problem]) -> None:
    if CLASSIFICATION_RANKS.get(c.classification or "", 0) == 0:
        return
    if c.eo is None or not c.eo.declassify_on:
        out.append(Problem("eo", "a classified cable needs an E.O. line with a declassification date "
                                 "(E.O. 13526: DECL: MM/DD/YYYY)"))
    elif date.fromisoformat(c.eo.declassify_on) <= today:
        out.append(Problem("eo", f"the declassification date {c.eo.declassify_on} is not in the future"))
    cb = c.classified_by
    if cb is None or not cb.text.strip():
        out.append(Problem("classified_by", "a classified cable needs a Classified By line: who classified it "
                                            "and for what reasons, e.g. 'Ambassador John Beyrle, Reasons 1.4 (b) "
                                            "and (d)'"))
    else:
        if not cb.names and not cb.title:
            out.append(Problem("classified_by", "Classified By names no one (give a title and name)"))
        if not cb.reasons:
            out.append(Problem("classified_by", "Classified By gives no reasons (e.g. Reasons 1.4 (b) and (d))"))


def _fields(c: Cable, out: list[Problem]) -> None:
    if not c.subject:
        out.append(Problem("subject", "a cable needs a subject"))
    elif CLASSIFICATION_RANKS.get(c.classification or "", 0) > 0 and not c.subject_marking:
        out.append(Problem("subject", "the subject of a classified cable is marked, e.g. (C) or (U)"))
    if not c.tags:
        out.append(Problem("tags", "a cable needs TAGS: at least one country or subject tag (e.g. RS, PGOV)"))
    for t in c.tags:
        if not directory.is_known_tag(t):
            out.append(Problem("tags", f"unknown tag {t}"))
    if c.tags and not any(directory.tag_kind(t) in ("country", "subject") for t in c.tags):
        out.append(Problem("tags", "TAGS need at least one country or subject tag (e.g. RS, PGOV)"))
    for cav in c.caveats:
        if cav not in directory.CAVEATS and cav not in _EXTRA_CAVEATS:
            out.append(Problem("caveats", f"unknown caveat {cav}: known caveats are "
                                          f"{', '.join(sorted({*directory.CAVEATS, *_EXTRA_CAVEATS}))}"))
    if not c.paragraphs:
        out.append(Problem("paragraphs", "a cable needs at least one paragraph"))
    for p in c.paragraphs:
        if not p.text.strip():
            out.append(Problem(f"paragraphs.{p.number}", f"paragraph {p.number} is empty"))


def _routing(c: Cable, out: list[Problem], known_post: Callable[[str], bool] | None) -> None:
    if c.precedence not in PRECEDENCES:
        out.append(Problem("precedence", f"unknown precedence {c.precedence!r}: use "
                                         f"{', '.join(PRECEDENCES)}"))
    if not c.to:
        out.append(Problem("to", "a cable needs at least one action (TO) addressee"))
    for kind, addresses in (("to", c.to), ("info", c.info)):
        for i, a in enumerate(addresses, 1):
            known = a.routing_indicator is not None or (known_post is not None and known_post(a.name))
            if not known:
                out.append(Problem(f"{kind}.{i}", f"unknown addressee {a.name}: no routing indicator is known for it"))
            if a.precedence not in (None, c.precedence) and a.precedence not in PRECEDENCES.values():
                out.append(Problem(f"{kind}.{i}", f"unknown precedence {a.precedence!r} for {a.name}"))


def validate(cable: Cable, *, reference_exists: Callable[[str], bool] | None = None,
             known_post: Callable[[str], bool] | None = None, today: date | None = None,
             changes: list[tuple[str, str]] = ()) -> list[Problem]:  # type: ignore[assignment]
    """Every problem of a draft; `reference_exists(id)` looks references up in the archive."""
    today = today or datetime.now(UTC).date()
    out: list[Problem] = []
    _fields(cable, out)
    _markings(cable, out)
    _authority(cable, today, out)
    _routing(cable, out, known_post)
    for i, r in enumerate(cable.references, 1):
        if r.reference_id is None:
            out.append(Problem(f"references.{i}", f"reference {r.text!r} names no telegram", "warning"))
        elif reference_exists is not None and not reference_exists(r.reference_id):
            out.append(Problem(f"references.{i}", f"reference {r.reference_id} is not in the archive", "warning"))
    out += [Problem(f, m, "warning") for f, m in changes]
    return out
