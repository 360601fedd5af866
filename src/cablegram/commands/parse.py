"""`cablegram parse PATH... [--format jsonl|json|text] [--strict]`: cables to records."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from cablegram.cli import CommandError
from cablegram.model import Cable
from cablegram.sources import RawRecord, SourceError, read_paths
from cablegram.sources.metadata import complete
from cablegram.telegram import LENIENT, STRICT, TelegramError, parse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "parse",
        help="parse cables from any source into records",
        description="Parse cables (text, cablegate pages, cables.csv, JSONL, PlusD; .gz too) into records.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files or folders to read (a folder is walked); - reads standard input")
    p.add_argument("--format", choices=("jsonl", "json", "text"), default="jsonl", help="output (default jsonl)")
    p.add_argument("--strict", action="store_true",
                   help="stop at the first error in a text instead of recording it (observations, "
                   "such as redactions or inferred dates, are still recorded)")
    p.add_argument("--default-year", type=int, help="year for texts that carry no date (fragments)")
    p.set_defaults(func=run)


def _records(paths: list[str]) -> Iterator[RawRecord]:
    try:
        yield from read_paths(paths)
    except SourceError as exc:
        raise CommandError(str(exc)) from None


def _where(record: RawRecord) -> str:
    src = record.source
    pos = src.get("line") or src.get("row")
    return f"{src.get('file', '-')}:{pos}" if pos else str(src.get("file", "-"))


def summary(cable: Cable) -> str:
    """A few readable lines about a cable (the `text` format)."""
    when = (cable.created or "undated").replace("T", " ").replace(":00Z", "Z")
    lines = [
        f"{cable.reference_id or '(no reference id)'}  {when}  {cable.classification_label or '-'}  "
        f"{cable.origin.label or cable.from_ or '-'}",
        f"  {cable.subject or '(no subject)'}",
    ]
    facts = []
    if cable.tags:
        facts.append("TAGS " + " ".join(cable.tags))
    if cable.references:
        facts.append("REF " + ", ".join(r.reference_id or r.text for r in cable.references))
    numbered = sum(1 for p in cable.paragraphs if p.number is not None)
    facts.append(f"{numbered} numbered paragraphs, {cable.sections} section{'s' if cable.sections > 1 else ''}")
    lines.append("  " + " · ".join(facts))
    if office_line := _office_summary(cable):
        lines.append("  " + office_line)
    if cable.defects:
        counts = Counter(d.code for d in cable.defects)
        lines.append("  defects: " + ", ".join(f"{c}×{n}" if n > 1 else c for c, n in counts.items()))
    return "\n".join(lines)


def _office_summary(cable: Cable) -> str:
    """`ORIGIN SPM · DRAFTED BY S/PM: PPCLAXTON, JR. · ...`: the 1970s block, when there is one."""
    facts = []
    if cable.action_office:
        facts.append(f"{'ORIGIN' if cable.action_office.origin else 'ACTION'} {cable.action_office.code}")
    if cable.info_offices:
        facts.append(f"INFO {len(cable.info_offices)} offices")
    for label, person in (("DRAFTED BY", cable.drafted_by), ("APPROVED BY", cable.approved_by)):
        if person:
            facts.append(f"{label} {person.office + ': ' if person.office else ''}{person.name}")
    if cable.clearances:
        facts.append(f"{len(cable.clearances)} clearance{'s' if len(cable.clearances) > 1 else ''}")
    return " · ".join(facts)


def _emit(cables: Iterator[Cable], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write("[")
        for i, cable in enumerate(cables):
            out.write(("," if i else "") + "\n" + json.dumps(cable.to_dict(), ensure_ascii=False, indent=2))
        out.write("\n]\n")
        return
    for cable in cables:
        if fmt == "jsonl":
            out.write(json.dumps(cable.to_dict(), ensure_ascii=False) + "\n")
        else:
            out.write(summary(cable) + "\n\n")


def run(args: argparse.Namespace) -> int:
    unreadable = 0
    policy = STRICT if args.strict else LENIENT

    def cables() -> Iterator[Cable]:
        nonlocal unreadable
        for record in _records(args.paths):
            if record.error:
                unreadable += 1
                print(f"cablegram parse: {_where(record)}: unreadable record: {record.error}", file=sys.stderr)
                continue
            try:
                cable = complete(parse(record.text, default_year=args.default_year, policy=policy),
                                 record.source)
            except TelegramError as exc:
                raise CommandError(f"{_where(record)}: {exc}") from None
            yield cable.with_source(record.source)

    _emit(cables(), args.format, sys.stdout)
    if unreadable:
        print(f"cablegram parse: {unreadable} unreadable record(s) reported above", file=sys.stderr)
        return 1
    return 0
