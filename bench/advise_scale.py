"""Training the classification advice at scale: time and peak memory (the issue's target:
250,000 cables in under 10 minutes and 2 GB on this machine).

The dev corpus holds 5,437 cables; a corpus of N is the dev cables repeated, each copy with a
reference id of its own and its text varied (a copy number appended to every paragraph, so the
copies are not identical rows for the vectorisers). The copies are made one at a time as the
training reads them (a stream, as `cablegram advise train` reads an archive), stripped and hashed
in `--workers` processes. Prints, for each N: wall and CPU seconds to fit (the process and its
workers), the peak resident memory of the process and of the process with its workers, and a
linear extrapolation of time to `--full` from the largest N measured (memory is bounded: the
stream keeps at most its cache, the IDF sample and the calibration slice). The baseline is the
first N measured (a small archive, solved exactly in memory).

    python bench/advise_scale.py [--n 5000 50000] [--full 250000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
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


def _children(pid: int) -> list[int]:
    """The processes below `pid` (from /proc)."""
    out: list[int] = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return out
    for k in kids:
        out += [k, *_children(k)]
    return out


def _rss_cpu(pid: int) -> tuple[float, float]:
    """Resident MiB and CPU seconds of `pid` (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20,
            (int(fields[11]) + int(fields[12])) / ticks)


class TreePeak:
    """The peak of the summed resident memory of this process and its children, sampled."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.cpu_children = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        seen: dict[int, float] = {}  # each worker's CPU, as last sampled
        while not self._stop.wait(0.5):
            rss = _rss_cpu(me)[0]
            for child in _children(me):
                mib, cpu = _rss_cpu(child)
                rss += mib
                seen[child] = max(seen.get(child, 0.0), cpu)
            self.peak = max(self.peak, rss)
            self.cpu_children = sum(seen.values())

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, nargs="+", default=[5000, 50000])
    ap.add_argument("--full", type=int, default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    base = dev_cables()
    print(f"{len(base)} labelled dev cables parsed; peak {peak_mib():.0f} MiB before training; "
          f"{args.workers} workers; load average {os.getloadavg()[0]:.1f}")
    rows = []
    for n in sorted(args.n):
        drafter_text.cache_clear()
        wall, cpu = time.perf_counter(), time.process_time()
        with TreePeak() as tree:
            model = AdviceModel(workers=args.workers).fit(iter(Copies(base, n)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cpu += tree.cpu_children  # the workers' CPU, as last sampled
        m = model.metrics
        print(f"N={n:>7}: fit {wall:6.0f} s wall, {cpu:6.0f} s CPU ({cpu / n * 1000:.1f} ms a "
              f"cable); peak RSS {peak_mib():5.0f} MiB (with workers {tree.peak:5.0f} MiB); "
              f"{model.trained_on} read, {'exact solver' if n <= 8000 else 'streamed'}; "
              f"held-out AUC {m.get('roc_auc', 0):.3f} (copies of training cables: optimistic); "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        rows.append((n, wall, cpu, tree.peak))
        del model
    if len(rows) > 1:
        (n0, w0, _, _), (n, wall, cpu, rss) = rows[0], rows[-1]
        print(f"\nper cable: {wall / n * 1000:.1f} ms wall at N={n} against {w0 / n0 * 1000:.1f} ms "
              f"at N={n0} (baseline): {(wall / n) / (w0 / n0):.2f}x")
    if rows:
        n, wall, cpu, rss = rows[-1]
        f = args.full / n
        print(f"linear extrapolation of time to {args.full}: ~{wall * f / 60:.1f} min wall, "
              f"~{cpu * f / 60:.1f} min CPU; memory is bounded: {rss:.0f} MiB peak at N={n} "
              f"(target: 10 min, 2 GB)")


if __name__ == "__main__":
    main()
