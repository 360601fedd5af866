"""Parser throughput on the dev corpus, on one core, against baselines run in the same process.

    python bench/parse.py [--repeat 3]

Baselines: the floor of any line-based reader (split lines, one regex per line) and the standard
library's `email` parser (the closest relative of a telegram parser) on the same texts.
"""

from __future__ import annotations

import argparse
import email.parser
import os
import re
import time
from collections.abc import Callable

from _corpus import dev_records
from cablegram.telegram import parse

_LINE = re.compile(r"^(?:[A-Z]{2,}|\d+\.)")


def floor(text: str) -> int:
    return sum(1 for line in text.splitlines() if _LINE.match(line))


def email_parse(text: str) -> object:
    return email.parser.Parser().parsestr(text)


def best_of(func: Callable[[str], object], texts: list[str], repeat: int) -> float:
    """CPU seconds of the best run: the process's own time on its core, which a busy neighbour
    on the machine does not inflate the way wall time does."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for t in texts:
            func(t)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = [r.text for r in dev_records()]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    parse(texts[0])  # load the directory tables once, as a long run would
    parse("UNCLAS SECSTATE 1\n\nE.O. 12958: DECL: 01/01/2020\n")
    ours = best_of(parse, texts, args.repeat)
    base_floor = best_of(floor, texts, args.repeat)
    base_email = best_of(email_parse, texts, args.repeat)
    n = len(texts)
    print(f"corpus: {n} cables, {megabytes:.1f} MB, one core, CPU time, best of {args.repeat}")
    print(f"cablegram.parse      {n / ours:8.0f} cables/s  {megabytes / ours:6.1f} MB/s")
    print(f"baseline: lines+re   {n / base_floor:8.0f} cables/s  {megabytes / base_floor:6.1f} MB/s"
          f"   ours takes {ours / base_floor:.1f}x its time")
    print(f"baseline: email      {n / base_email:8.0f} cables/s  {megabytes / base_email:6.1f} MB/s"
          f"   ours takes {ours / base_email:.1f}x its time")
    target = 2000
    print(f"target {target} cables/s: {'met' if n / ours >= target else 'NOT met'}")


if __name__ == "__main__":
    main()
