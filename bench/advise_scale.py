"""Training the classification advice at scale: time and peak memory (the issue's target:
250,000 cables in under 10 minutes and 2 GB on this machine).

The dev corpus holds 5,437 cables; a corpus of N is the dev cables repeated, each copy with a
reference id of its own and its text varied (a copy number appended to every paragraph, so the
copies are not identical rows for the vectorisers). Prints, for each N: wall and CPU seconds to
fit, the peak resident memory of the process, and a linear extrapolation to 250,000 from the
largest N measured. The baseline is the same fit on the plain dev corpus (N = its size).

    python bench/advise_scale.py [--n 5000 10000 20000] [--full 250000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import DEV
from cablegram.advise.features import level_of
from cablegram.advise.model import AdviceModel
from cablegram.advise.strip import drafter_text
from cablegram.model import Cable
from cablegram.sources import read_path
from cablegram.telegram import parse


def dev_cables() -> list[Cable]:
    out = []
    for raw in read_path(DEV):
        try:
            cable = parse(raw.text)
        except Exception:  # a bench: skip what does not parse
            continue
        if level_of(cable):
            out.append(cable)
    return out


class Copies:
    """N cables made from `base` on the fly (never all in memory at once as new objects)."""

    def __init__(self, base: list[Cable], n: int) -> None:
        self.base, self.n = base, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Cable:
        cable = self.base[i % len(self.base)]
        k = i // len(self.base)
        if k == 0:
            return cable
        return replace(cable, reference_id=f"{cable.reference_id}C{k}", paragraphs=tuple(
            replace(p, text=f"{p.text} copy{k}") for p in cable.paragraphs))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (self[i] for i in range(self.n))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[5000, 10000])
    ap.add_argument("--full", type=int, default=250_000)
    args = ap.parse_args()
    base = dev_cables()
    print(f"{len(base)} labelled dev cables parsed; peak {peak_mib():.0f} MiB before training")
    last = None
    for n in sorted(args.n):
        drafter_text.cache_clear()
        wall, cpu = time.perf_counter(), time.process_time()
        model = AdviceModel().fit(list(Copies(base, n)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"N={n:>7}: fit {wall:7.0f} s wall, {cpu:7.0f} s CPU; peak RSS {peak_mib():7.0f} MiB;"
              f" {model.trained_on} trained on", flush=True)
        last = (n, wall, cpu, peak_mib())
        del model
    if last:
        n, wall, cpu, rss = last
        f = args.full / n
        print(f"\nlinear extrapolation to {args.full}: ~{wall * f / 60:.0f} min wall, "
              f"~{cpu * f / 60:.0f} min CPU, ~{rss * f / 1024:.1f} GiB peak (target: 10 min, 2 GB)")


if __name__ == "__main__":
    main()
