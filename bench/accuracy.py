"""Parser agreement with the website's independent metadata, per field, with the disagreeing ids.

    python bench/accuracy.py [--show 20] [--out disagreements.json]

The parser reads the telegram text alone; `reference_id`, `created` (its date), `classification`
and `origin` of the cablegate website are the ground truth. Rates are given for the cables that
carry a date-time group and over all cables, partial extracts included.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from _corpus import dev_records
from cablegram.model import Cable
from cablegram.telegram import parse

FIELDS: dict[str, tuple[Callable[[Cable], object], Callable[[dict], object]]] = {
    "reference_id": (lambda c: c.reference_id, lambda m: m["reference_id"]),
    "created": (lambda c: (c.created or "")[:10], lambda m: m["created"][:10]),
    "classification_label": (lambda c: c.classification_label, lambda m: m["classification"]),
    "origin.label": (lambda c: c.origin.label, lambda m: m["origin"]),
}
TARGETS = {"dtg": 99.5, "all": 97.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", type=int, default=15, help="disagreeing ids to print per field")
    ap.add_argument("--out", help="write every disagreement to this JSON file")
    args = ap.parse_args()
    pairs = [(r.source["metadata"], parse(r.text)) for r in dev_records()]
    groups = {"dtg": [(m, c) for m, c in pairs if c.header.dtg], "all": pairs}
    report: dict[str, list[dict[str, object]]] = {}
    print(f"{'field':22} {'with DTG':>22} {'all cables':>22}")
    for name, (ours, truth) in FIELDS.items():
        cells = []
        for group, items in groups.items():
            ok = sum(ours(c) == truth(m) for m, c in items)
            rate = 100 * ok / len(items)
            flag = "" if rate >= TARGETS[group] else " <"
            cells.append(f"{ok:5}/{len(items):5} {rate:6.2f}%{flag:2}")
        print(f"{name:22} {cells[0]:>22} {cells[1]:>22}")
        report[name] = [
            {"id": m["reference_id"], "dtg": bool(c.header.dtg), "parsed": ours(c), "metadata": truth(m)}
            for m, c in pairs if ours(c) != truth(m)
        ]
    print(f"targets: {TARGETS['dtg']}% with a DTG, {TARGETS['all']}% over all ('<' marks a miss)")
    for name, rows in report.items():
        print(f"\n{name}: {len(rows)} disagreements")
        for row in rows[: args.show]:
            print(f"  {row['id']:28} {'DTG ' if row['dtg'] else 'none'} parsed={row['parsed']!s:40} "
                  f"metadata={row['metadata']}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=1)
        print(f"\nall disagreements written to {args.out}")


if __name__ == "__main__":
    main()
