"""Classification advice measured: 5-fold cross-validation on the dev corpus.

Folds are grouped by reference id, so the re-released versions of one cable stay in one fold.
Prints recall of classified cables (CONFIDENTIAL or SECRET) at 11% false positives (the target,
after Souza et al. 2016: 90%), ROC AUC and the curve around it, per-level precision and recall, a
calibration table, and the time to advise one draft with its pushing paragraphs and terms
(target < 50 ms; median and p95 over 200 dev cables, the model loaded once, as `cablegram advise`
and the desk editor use it), against a baseline in the same run: the same drafts advised without
their paragraphs and terms (the probabilities alone).

`--char-limit N` sets how many opening characters the character n-grams read (0: words only), for
the ablation; `--stream` trains every fold as a large archive is trained (averaged SGD, one pass)
instead of the exact solver a small archive gets.

    python bench/advise.py [--folds 5] [--limit N] [--timing-only] [--char-limit N] [--stream]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score, roc_curve
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from _corpus import dev_records
from cablegram.advise.features import CLASSIFIED, LEVELS, level_of, noforn_of
from cablegram.advise.model import CHAR_LIMIT, AdviceModel
from cablegram.archive import ingest, open_archive


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="only the first N cables (a quick look)")
    ap.add_argument("--char-limit", type=int, default=CHAR_LIMIT,
                    help=f"characters the char n-grams read (0: none; default {CHAR_LIMIT})")
    ap.add_argument("--stream", action="store_true", help="train as a large archive: SGD, one pass")
    ap.add_argument("--timing-only", action="store_true",
                    help="no cross-validation: train on four fifths, time advising the first 200")
    args = ap.parse_args()
    t0 = time.perf_counter()
    raws = dev_records()
    if args.limit:
        raws = raws[:args.limit]
    # the records `cablegram advise train` would see: the corpus ingested into an archive
    with tempfile.TemporaryDirectory() as tmp, open_archive(Path(tmp) / "dev.db") as archive:
        ingest(archive, iter(raws), workers=1)
        cables = [c for c in archive.iter_records() if level_of(c) and c.reference_id]
    print(f"char n-grams over the first {args.char_limit} characters; "
          f"{'streamed (SGD, one pass)' if args.stream else 'exact solver'}")
    print(f"{len(cables)} labelled cables of {len(raws)} records, ingested in "
          f"{time.perf_counter() - t0:.0f}s")
    y = np.array([level_of(c) for c in cables])
    groups = np.array([c.reference_id for c in cables])
    p = np.zeros((len(cables), len(LEVELS)))
    nf = np.zeros(len(cables))
    fit_times = []
    if args.timing_only:
        train, _ = next(iter(GroupKFold(n_splits=args.folds).split(cables, y, groups)))
        model = new_model(args).fit([cables[i] for i in train])
        print(f"trained on {len(train)} in {model.fit_seconds:.0f}s")
        timing(model, cables[:200])
        return
    for k, (train, test) in enumerate(GroupKFold(n_splits=args.folds).split(cables, y, groups)):
        model = new_model(args).fit([cables[i] for i in train])
        fit_times.append(model.fit_seconds)
        p[test], nf[test] = model.probabilities([cables[i] for i in test])
        print(f"  fold {k + 1}: trained on {len(train)} in {model.fit_seconds:.0f}s", flush=True)
    report(y, p, nf, np.array([noforn_of(c) for c in cables]))
    timing(model, cables[:200])
    print(f"\nfit: {statistics.mean(fit_times):.0f}s a fold (mean of {len(fit_times)})")


def report(y: np.ndarray, p: np.ndarray, nf: np.ndarray, nf_true: np.ndarray) -> None:
    classified = np.isin(y, CLASSIFIED)
    score = p[:, LEVELS.index("CONFIDENTIAL")] + p[:, LEVELS.index("SECRET")]
    fpr, tpr, _ = roc_curve(classified, score)
    print(f"\nclassified (CONFIDENTIAL or SECRET): {classified.sum()} of {len(y)}")
    print(f"ROC AUC: {roc_auc_score(classified, score):.3f}")
    print(f"recall of classified at 11% FPR: {np.interp(0.11, fpr, tpr):.1%} (target 90%)")
    print("ROC curve (FPR -> recall): " + ", ".join(
        f"{f:.0%}->{np.interp(f, fpr, tpr):.1%}" for f in (0.01, 0.05, 0.11, 0.2, 0.3, 0.5)))
    advised = np.array(LEVELS)[p.argmax(axis=1)]
    prec, rec, _, support = precision_recall_fscore_support(y, advised, labels=list(LEVELS),
                                                            zero_division=0)
    print("\nlevel          precision  recall  support")
    for level, pr, rc, n in zip(LEVELS, prec, rec, support, strict=True):
        print(f"{level:<14}{pr:>10.1%}{rc:>8.1%}{n:>9}")
    print(f"accuracy of the advised level: {(advised == y).mean():.1%}")
    print("\ncalibration of p_classified: predicted range, cables, mean predicted, observed")
    bins = np.linspace(0, 1, 11)
    for lo, hi in itertools.pairwise(bins):
        inside = (score >= lo) & ((score < hi) | (hi == 1))
        if inside.any():
            print(f"  {lo:.1f}-{hi:.1f} {inside.sum():>6} {score[inside].mean():>8.2f}"
                  f" {classified[inside].mean():>8.2f}")
    if nf_true.any():
        print(f"\nNOFORN: {nf_true.sum()} cables, ROC AUC {roc_auc_score(nf_true, nf):.3f}")


def new_model(args: argparse.Namespace) -> AdviceModel:
    return AdviceModel(char_limit=args.char_limit, cache_nnz=0) if args.stream \
        else AdviceModel(char_limit=args.char_limit)


def timing(model: AdviceModel, cables: list) -> None:
    from cablegram.advise.strip import drafter_text

    model.advise(cables[:1], terms=True)  # warm
    advise_ms, base_ms, cpu_ms = [], [], []
    for cable in cables:
        drafter_text.cache_clear()  # a new draft: nothing cached
        t, c = time.perf_counter(), time.process_time()
        model.advise([cable], terms=True)
        advise_ms.append((time.perf_counter() - t) * 1000)
        cpu_ms.append((time.process_time() - c) * 1000)
        drafter_text.cache_clear()
        t = time.perf_counter()
        model.advise([cable])
        base_ms.append((time.perf_counter() - t) * 1000)
    med, base = statistics.median(advise_ms), statistics.median(base_ms)
    print(f"\nadvise one draft (with its pushing paragraphs and terms): median {med:.1f} ms, "
          f"p95 {np.percentile(advise_ms, 95):.1f} ms, max {max(advise_ms):.1f} ms over "
          f"{len(cables)} cables (target < 50 ms); its CPU time: median "
          f"{statistics.median(cpu_ms):.1f} ms, p95 {np.percentile(cpu_ms, 95):.1f} ms (wall "
          f"exceeds CPU on a loaded machine); baseline (probabilities alone) median {base:.1f} ms, "
          f"p95 {np.percentile(base_ms, 95):.1f} ms: {med / base:.2f}x; "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
