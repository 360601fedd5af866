"""Training the advice as a stream: cables are read, stripped and hashed a batch at a time (in
`workers` processes), never all in memory, into four linear heads:

- P(classified): CONFIDENTIAL or SECRET against UNCLASSIFIED or SBU;
- P(SECRET | classified) and P(SBU | unclassified), each on its side;
- P(NOFORN).

The IDF comes from the first `IDF_SAMPLE` cables. A slice of the cables, chosen by a hash of the
reference id (re-released versions of a cable fall on the same side) and at most
`CALIBRATION_MAX`, is never learnt from: each head is calibrated on it (Platt scaling), and the
metrics stored with the model are measured on it (each half calibrated on the other).

While the weighed rows fit in `CACHE_NNZ` stored values (an archive of up to about 8,000 cables)
they are kept, and each head is solved exactly at the end (a linear SVM, as before streaming),
calibrated on the slice, then solved again with the slice too (the calibration kept: the metrics
are of the first solution, on cables it never saw).
Past that the kept rows are learnt by averaged SGD (logistic loss, classes balanced as in them),
dropped, and every later batch is learnt as it comes: one pass, which a large archive's many
updates make enough, in bounded memory."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.svm import LinearSVC

from cablegram.advise.evaluate import classified_metrics
from cablegram.advise.features import CLASSIFIED
from cablegram.advise.hashed import Hashed
from cablegram.advise.strip import drafter_text
from cablegram.model import Cable

BATCH = 1000
IDF_SAMPLE = 10_000
CALIBRATION_SHARE = 10  # one cable in ten (by reference id) ...
CALIBRATION_MAX = 2_000  # ... up to this many
CACHE_NNZ = 25_000_000  # stored values kept in memory (~200 MB): about 8,000 cables
SVM_C = 0.1  # the exact solver's regularisation (cables all in memory)
ALPHA = 2e-5  # SGD's (a stream)
HEADS = ("classified", "secret", "sbu", "noforn")


@dataclass
class Batch:
    counts: sparse.csr_matrix
    levels: np.ndarray
    noforn: np.ndarray
    held: np.ndarray  # the rows of the calibration slice
    refs: list[str]


@dataclass
class Linear:
    """The heads as one matrix: P(head) = expit(a (x.w + c) + b), or a constant."""

    w: np.ndarray  # n_features x heads, float32
    intercept: np.ndarray
    a: np.ndarray
    b: np.ndarray
    constant: dict[str, float] = field(default_factory=dict)

    def p(self, x: sparse.csr_matrix) -> dict[str, np.ndarray]:
        z = np.asarray(x @ self.w, dtype=float) + self.intercept
        q = expit(self.a * z + self.b)
        return {h: np.full(x.shape[0], self.constant[h]) if h in self.constant else q[:, j]
                for j, h in enumerate(HEADS)}


def _targets(levels: np.ndarray, noforn: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each head's rows and truth."""
    classified = np.isin(levels, CLASSIFIED)
    every = np.ones(len(levels), dtype=bool)
    return {"classified": (every, classified), "secret": (classified, levels == "SECRET"),
            "sbu": (~classified, levels == "SBU"), "noforn": (every, noforn)}


def _featurize(hashed: Hashed, items: list[tuple[Cable, str, bool]]) -> Batch:
    counts = hashed.counts([c for c, _, _ in items])
    refs = [c.reference_id or "" for c, _, _ in items]
    held = np.array([_bucket(r) % CALIBRATION_SHARE == 0 for r in refs], dtype=bool)
    return Batch(counts, np.array([lv for _, lv, _ in items]),
                 np.array([nf for _, _, nf in items], dtype=bool), held, refs)


def _bucket(reference_id: str) -> int:
    return zlib.crc32(reference_id.encode())


def _batches(hashed: Hashed, stream: Iterable[tuple[Cable, str, bool]],
             workers: int) -> Iterator[Batch]:
    it = iter(stream)
    chunks = iter(lambda: list(itertools.islice(it, BATCH)), [])
    if workers <= 1:
        yield from (_featurize(hashed, chunk) for chunk in chunks)
        return
    from joblib import Parallel, delayed

    # a window of 2 batches a worker at a time: joblib's generator would run ahead of a slower
    # learner and hold every finished batch in memory
    with Parallel(n_jobs=workers) as parallel:
        while window := list(itertools.islice(chunks, 2 * workers)):
            yield from parallel(delayed(_featurize_once)(hashed, chunk) for chunk in window)


def _featurize_once(hashed: Hashed, items: list[tuple[Cable, str, bool]]) -> Batch:
    """`_featurize` in a worker, which sees each cable once: its stripped texts are not kept."""
    try:
        return _featurize(hashed, items)
    finally:
        drafter_text.cache_clear()


class Learner:
    """The four heads, learnt batch by batch (logistic regression by averaged SGD)."""

    def __init__(self, levels: np.ndarray, noforn: np.ndarray) -> None:
        """Class weights from the cables seen so far (`levels`, `noforn`), balanced."""
        self.models: dict[str, SGDClassifier] = {}
        for name, (rows, truth) in _targets(levels, noforn).items():
            y = truth[rows]
            pos = max(int(y.sum()), 1)
            neg = max(int(len(y) - y.sum()), 1)
            n = pos + neg
            self.models[name] = SGDClassifier(
                loss="log_loss", alpha=ALPHA, average=True, random_state=0,
                class_weight={True: n / (2 * pos), False: n / (2 * neg)})

    def learn(self, x: sparse.csr_matrix, levels: np.ndarray, noforn: np.ndarray,
              rng: np.random.Generator) -> None:
        order = rng.permutation(x.shape[0])
        x, levels, noforn = x[order], levels[order], noforn[order]
        for name, (rows, truth) in _targets(levels, noforn).items():
            if rows.any():
                self.models[name].partial_fit(x[rows], truth[rows], classes=np.array([False, True]))

    def weights(self, name: str) -> tuple[np.ndarray, float] | None:
        model = self.models[name]
        return (model.coef_[0], float(model.intercept_[0])) if hasattr(model, "coef_") else None


def _solved(x: sparse.csr_matrix, levels: np.ndarray,
            noforn: np.ndarray) -> dict[str, tuple[np.ndarray, float] | None]:
    """Each head's weights by an exact solver (a linear SVM) on cables all in memory."""
    out: dict[str, tuple[np.ndarray, float] | None] = {}
    for name, (rows, truth) in _targets(levels, noforn).items():
        y = truth[rows]
        if y.all() or not y.any():
            out[name] = None
            continue
        svm = LinearSVC(C=SVM_C, class_weight="balanced", random_state=0).fit(x[rows], y)
        out[name] = (svm.coef_[0], float(svm.intercept_[0]))
    return out


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """a, b of P = expit(a z + b) fitted on scores `z` and truth `y` (identity when one class)."""
    if y.all() or not y.any():
        return 1.0, 0.0
    fit = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), y)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def _levels(p: dict[str, np.ndarray]) -> np.ndarray:
    pc, ps, pb = p["classified"], p["secret"], p["sbu"]
    return np.column_stack([(1 - pc) * (1 - pb), (1 - pc) * pb, pc * (1 - ps), pc * ps])


@dataclass
class Trained:
    linear: Linear
    metrics: dict[str, Any]
    trained_on: int


class _Stream:
    """The state of one training: the calibration slice, the IDF sample, the cache, the learner."""

    def __init__(self, hashed: Hashed, cache_nnz: int) -> None:
        self.hashed = hashed
        self.rng = np.random.default_rng(0)
        self.pending: list[Batch] = []  # batches read before the IDF is known
        self.df = np.zeros(hashed.n_features, dtype=np.int64)
        self.sampled = 0
        self.cache: list[tuple[sparse.csr_matrix, np.ndarray, np.ndarray]] | None = []
        self.cache_nnz = cache_nnz
        self.cached = 0
        self.learner: Learner | None = None
        self.held: list[Batch] = []
        self.held_refs: set[str] = set()
        self.read = 0
        self.counts = {name: [0, 0] for name in HEADS}  # negatives, positives learnt from

    def add(self, batch: Batch) -> None:
        # the calibration slice: by reference id, capped (a held id's later versions stay in it)
        for i in np.flatnonzero(batch.held):
            if len(self.held_refs) >= CALIBRATION_MAX and batch.refs[i] not in self.held_refs:
                batch.held[i] = False
            else:
                self.held_refs.add(batch.refs[i])
        if batch.held.any():
            rows = np.flatnonzero(batch.held)
            self.held.append(Batch(batch.counts[rows], batch.levels[rows], batch.noforn[rows],
                                   batch.held[rows], [batch.refs[i] for i in rows]))
        self.read += len(batch.levels)
        if self.hashed.idf is not None:
            self._learn(batch)
            return
        self.df += self.hashed.document_frequency(batch.counts[~batch.held])
        self.sampled += int((~batch.held).sum())
        self.pending.append(batch)
        if self.sampled >= IDF_SAMPLE:
            self.close_sample()

    def close_sample(self) -> None:
        """The IDF from the batches read so far; then they are learnt."""
        if self.hashed.idf is None:
            self.hashed.learn_idf(self.df, self.sampled)
        while self.pending:  # each batch's counts freed once weighed
            self._learn(self.pending.pop(0))

    def _learn(self, batch: Batch) -> None:
        keep = ~batch.held
        item = (self.hashed.weigh(batch.counts[keep]), batch.levels[keep], batch.noforn[keep])
        for name, (rows, truth) in _targets(item[1], item[2]).items():
            self.counts[name][1] += int(truth[rows].sum())
            self.counts[name][0] += int(rows.sum() - truth[rows].sum())
        if self.cache is None:
            assert self.learner is not None
            self.learner.learn(*item, self.rng)
            return
        self.cache.append(item)
        self.cached += item[0].nnz
        if self.cached > self.cache_nnz:  # too many to keep: learn them, and stream from now on
            self.learner = Learner(np.concatenate([c[1] for c in self.cache]),
                                   np.concatenate([c[2] for c in self.cache]))
            for c in self.cache:
                self.learner.learn(*c, self.rng)
            self.cache = None

    def weights(self, with_held: bool = False) -> dict[str, tuple[np.ndarray, float] | None]:
        """Each head's weights; `with_held`, solved again with the calibration slice too (the
        exact solver only: a small archive should not lose a tenth of its cables to calibration)."""
        if self.cache is not None:
            if not self.cache:
                raise ValueError("no labelled cables to learn from")
            rows = self.cache + [(self.hashed.weigh(h.counts), h.levels, h.noforn)
                                 for h in (self.held if with_held else [])]
            return _solved(sparse.vstack([c[0] for c in rows], format="csr"),
                           np.concatenate([c[1] for c in rows]),
                           np.concatenate([c[2] for c in rows]))
        assert self.learner is not None
        return {name: self.learner.weights(name) for name in HEADS}

    def constant(self, name: str) -> float | None:
        """A head whose learnt cables give (almost) one answer is that answer's share."""
        neg, pos = self.counts[name]
        return pos / (neg + pos) if min(neg, pos) < 3 or neg + pos == 0 else None


def train(hashed: Hashed, stream: Iterable[tuple[Cable, str, bool]], workers: int = 1,
          cache_nnz: int = CACHE_NNZ) -> Trained:
    """Learn the heads from `stream` of (cable, level, NOFORN); set `hashed`'s IDF."""
    state = _Stream(hashed, cache_nnz)
    for batch in _batches(hashed, stream, workers):
        state.add(batch)
    state.close_sample()
    linear, metrics = _calibrate(hashed, state)
    return Trained(linear, metrics, state.read)


def _calibrate(hashed: Hashed, state: _Stream) -> tuple[Linear, dict[str, Any]]:
    """The heads calibrated on the held slice, and the metrics measured on it (each half
    calibrated on the other half, so no cable is measured by a calibration it taught)."""
    names = list(HEADS)
    w = np.zeros((hashed.n_features, len(names)), dtype=np.float32)
    intercept = np.zeros(len(names))
    for j, (name, weights) in enumerate(state.weights().items()):
        assert name == names[j]
        if weights is not None:
            w[:, j], intercept[j] = weights
    constant = {n: c for n in names if (c := state.constant(n)) is not None}
    held = state.held
    a, b = np.ones(len(names)), np.zeros(len(names))
    metrics: dict[str, Any] = {"holdout": 0}
    if not held:
        return Linear(w, intercept, a, b, constant), metrics
    x = hashed.weigh(sparse.vstack([h.counts for h in held], format="csr"))
    levels = np.concatenate([h.levels for h in held])
    noforn = np.concatenate([h.noforn for h in held])
    half = np.array([_bucket(r) // CALIBRATION_SHARE % 2 == 0 for h in held for r in h.refs])
    z = np.asarray(x @ w, dtype=float) + intercept
    targets = list(_targets(levels, noforn).values())
    crossed = np.zeros_like(z)
    for j, (rows, truth) in enumerate(targets):
        a[j], b[j] = _platt(z[rows, j], truth[rows])
        for side in (half, ~half):
            aj, bj = _platt(z[rows & ~side, j], truth[rows & ~side])
            crossed[side, j] = expit(aj * z[side, j] + bj)
    p = {n: np.full(len(levels), constant[n]) if n in constant else crossed[:, j]
         for j, n in enumerate(names)}
    metrics = {"holdout": len(levels), **classified_metrics(levels, _levels(p))}
    if state.cache is not None:  # a small archive: solved again on every cable, calibration kept
        for j, weights in enumerate(state.weights(with_held=True).values()):
            if weights is not None and names[j] not in constant:
                w[:, j], intercept[j] = weights
    return Linear(w, intercept, a, b, constant), metrics
