"""Entity extraction: precision and recall per kind over the hand-labelled dev cables, and its
cost per cable against parsing (the baseline: extraction may add at most 30% to ingest).

    python bench/entities.py [--sample N] [--misses]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import dev_records
from cablegram.entities import extract
from cablegram.entities.evaluate import load_labels, misses, score
from cablegram.telegram import parse

LABELS = Path(__file__).resolve().parents[1] / "tests" / "entities"
TARGETS = {"people": (0.90, 0.80), "places": (0.90, 0.80), "orgs": (0.85, 0.70)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=1000, help="dev cables timed (default 1000)")
    ap.add_argument("--misses", action="store_true", help="print what each labelled cable missed or added")
    args = ap.parse_args()

    records = dev_records()
    labels = load_labels(LABELS)
    by_id = {(r.source.get("metadata") or {}).get("reference_id"): r for r in records}
    extract(parse(records[0].text))  # gazetteers load once, outside the timings

    pairs = []
    for label in labels:
        record = by_id.get(label.record or label.reference_id)
        if record is None:
            print(f"{label.reference_id}: not in the dev corpus, skipped", file=sys.stderr)
            continue
        found = extract(parse(record.text))
        pairs.append((label, found))
        if args.misses:
            for kind, (missed, extra) in misses(label, found).items():
                if missed or extra:
                    print(f"{label.reference_id} {kind}: missed {missed} extra {extra}")

    print(f"{len(pairs)} labelled cables")
    print(f"{'kind':<8} {'precision':>9} {'recall':>7} {'target P/R':>11} {'found':>6} {'labelled':>8}")
    for kind, s in score(pairs).items():
        p, r = TARGETS[kind]
        ok = "ok" if s.precision >= p and s.recall >= r else "BELOW"
        print(f"{kind:<8} {s.precision:>9.3f} {s.recall:>7.3f} {p:>5.2f}/{r:.2f} "
              f"{s.predicted:>6} {s.expected:>8}  {ok}")

    sample = records[: args.sample]
    # CPU time of this process: the machine is shared, wall time says more about the others
    t0 = time.process_time()
    cables = [parse(r.text) for r in sample]
    t_parse = time.process_time() - t0
    t0 = time.process_time()
    for cable in cables:
        extract(cable)
    t_extract = time.process_time() - t0
    n = len(sample)
    if not n or not t_parse or not t_extract:
        return 0
    print(f"\n{n} dev cables (CPU time): parse {1000 * t_parse / n:.2f} ms/cable = {n / t_parse:,.0f} cables/s"
          f" (baseline), extract {1000 * t_extract / n:.2f} ms/cable = {n / t_extract:,.0f} cables/s"
          f" = {100 * t_extract / t_parse:.0f}% of parse time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
