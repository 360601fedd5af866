"""Pass rate of the labelled field suite (tests/fields/*.yaml), per field and overall.

    python bench/fields.py [--show]

`--show` prints each failing case with what the parser gave and what was labelled.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from field_cases import actual, case_cable, expected, load_cases, passes, shared_present

TARGET = 97.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--show", action="store_true", help="print every failing case")
    args = ap.parse_args()
    cases = load_cases()
    if not shared_present():
        cases = [c for c in cases if not c.needs_shared]
        print("the shared corpus is absent: written cases only")
    total: Counter[str] = Counter()
    ok: Counter[str] = Counter()
    failures = []
    for case in cases:
        cable = case_cable(case)
        total[case.field] += 1
        if passes(case, cable):
            ok[case.field] += 1
        else:
            failures.append((case, actual(case, cable)))
    print(f"{'field':22} {'passed':>12} {'rate':>8}")
    for field in sorted(total):
        rate = 100 * ok[field] / total[field]
        flag = "" if rate >= TARGET else " <"
        print(f"{field:22} {ok[field]:5}/{total[field]:<6} {rate:7.1f}%{flag}")
    n, k = sum(total.values()), sum(ok.values())
    print(f"{'overall':22} {k:5}/{n:<6} {100 * k / n:7.1f}%")
    print(f"target: {TARGET}% for every field ('<' marks a miss)")
    if args.show:
        for case, got in failures:
            print(f"\n{case.field} {case.id} ({case.source})\n  got  {got!r}\n  want {expected(case)!r}")


if __name__ == "__main__":
    main()
