"""The advice model: TF-IDF word and character n-grams plus record features, and calibrated
linear classifiers (a linear SVM, Platt-scaled) in a small hierarchy:

- P(classified): CONFIDENTIAL or SECRET against UNCLASSIFIED or SBU, learnt directly, since it is
  the figure the advice is judged by (recall of classified cables at a false-positive rate);
- P(SECRET | classified) and P(SBU | unclassified), each learnt on its side;
- P(NOFORN).

The level probabilities multiply out: P(SECRET) = P(classified) P(SECRET | classified), and so
on; they sum to one and P(CONFIDENTIAL) + P(SECRET) is P(classified) exactly."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from cablegram.advise.features import CLASSIFIED, LEVELS, level_of, noforn_of, record_features
from cablegram.advise.strip import drafter_text, strip_markings
from cablegram.model import Cable

MODEL_VERSION = 2
CHAR_LIMIT = 6000  # character n-grams read the opening of a cable: most of the cost, little gain after


@dataclass(frozen=True)
class Push:
    """A paragraph that pushes the advice up: its number, the opening of its text, and its share
    of the score towards CONFIDENTIAL or above (the sum of its terms' contributions)."""

    number: int
    excerpt: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "excerpt": self.excerpt, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class Advice:
    """The advice for one cable: the level, its calibrated probabilities, and NOFORN's."""

    reference_id: str | None
    advised: str
    p: dict[str, float]
    noforn: float
    marked: str | None = None  # the cable's own level, when it has one
    terms: tuple[str, ...] = field(default=())  # the terms that push it up the most
    paragraphs: tuple[Push, ...] = field(default=())  # the paragraphs that push it up the most

    @property
    def p_classified(self) -> float:
        return sum(self.p.get(level, 0.0) for level in CLASSIFIED)

    @property
    def below_advice(self) -> bool:
        """The cable's own marking sits below the advice."""
        return self.marked in LEVELS and LEVELS.index(self.marked) < LEVELS.index(self.advised)

    def to_dict(self) -> dict[str, Any]:
        return {"reference_id": self.reference_id, "advised": self.advised,
                "p_classified": round(self.p_classified, 4),
                "p": {k: round(v, 4) for k, v in self.p.items()}, "noforn": round(self.noforn, 4),
                "marked": self.marked, "below_advice": self.below_advice, "terms": list(self.terms),
                "paragraphs": [p.to_dict() for p in self.paragraphs]}


def _calibrated(c: float) -> CalibratedClassifierCV:
    svm = LinearSVC(C=c, class_weight="balanced", random_state=0)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=3)


class _Head:
    """One calibrated binary question (a constant when its training cables give one answer)."""

    def __init__(self, c: float, x: sparse.csr_matrix, y: np.ndarray) -> None:
        self.constant: float | None = None
        self.model: CalibratedClassifierCV | None = None
        if y.sum() < 3 or y.sum() > len(y) - 3:
            self.constant = float(y.mean()) if len(y) else 0.0
        else:
            self.model = _calibrated(c).fit(x, y)

    def p(self, x: sparse.csr_matrix) -> np.ndarray:
        if self.model is None:
            return np.full(x.shape[0], self.constant or 0.0)
        return self.model.predict_proba(x)[:, list(self.model.classes_).index(True)]

    def weights(self) -> np.ndarray | None:
        """The linear weights towards True (mean over the calibration folds)."""
        if self.model is None:
            return None
        return np.mean([cal.estimator.coef_[0] for cal in self.model.calibrated_classifiers_], axis=0)


class _Compiled:
    """The heads' calibrated linear classifiers as one dense matrix: advising a cable is one sparse
    row times it, then each head's sigmoids averaged, as `CalibratedClassifierCV.predict_proba`
    computes them (P(True) = mean over its folds of expit(-(a (w.x + c) + b))) without its
    per-call overhead (twelve estimators, three calls each)."""

    def __init__(self, heads: dict[str, _Head]) -> None:
        columns: list[np.ndarray] = []
        self.intercept: list[float] = []
        self.a: list[float] = []
        self.b: list[float] = []
        self.spans: dict[str, tuple[int, int] | float] = {}
        for name, head in heads.items():
            if head.model is None:
                self.spans[name] = head.constant or 0.0
                continue
            start = len(columns)
            for cal in head.model.calibrated_classifiers_:
                (sigmoid,) = cal.calibrators
                columns.append(np.asarray(cal.estimator.coef_[0], dtype=float))
                self.intercept.append(float(cal.estimator.intercept_[0]))
                self.a.append(float(sigmoid.a_))
                self.b.append(float(sigmoid.b_))
            self.spans[name] = (start, len(columns))
        self.w = np.column_stack(columns) if columns else np.zeros((0, 0))

    def p(self, x: sparse.csr_matrix) -> dict[str, np.ndarray]:
        """P(True) of each head for each row of `x`."""
        out: dict[str, np.ndarray] = {}
        z = np.asarray(x @ self.w) + np.asarray(self.intercept) if self.w.size else None
        for name, span in self.spans.items():
            if isinstance(span, float):
                out[name] = np.full(x.shape[0], span)
                continue
            lo, hi = span
            assert z is not None
            q = expit(-(np.asarray(self.a[lo:hi]) * z[:, lo:hi] + np.asarray(self.b[lo:hi])))
            q[(q > 1.0) & (q <= 1.0 + 1e-5)] = 1.0
            out[name] = q.mean(axis=1)
        return out


class AdviceModel:
    """Fit on released cables; advise on any cable or draft."""

    def __init__(self, c: float = 0.1) -> None:
        self.c = c
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True,
                                     max_features=200_000, lowercase=True, dtype=np.float32)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                                     sublinear_tf=True, max_features=200_000, dtype=np.float32)
        self.record = DictVectorizer(dtype=np.float32)
        self.heads: dict[str, _Head] = {}
        self.trained_on = 0
        self.fit_seconds = 0.0
        self._word_names: np.ndarray | None = None
        self._push: np.ndarray | None = None
        self._linear: _Compiled | None = None

    def _texts(self, cables: Sequence[Cable]) -> list[str]:
        return [drafter_text(c) for c in cables]

    def features(self, cables: Sequence[Cable], fit: bool = False) -> sparse.csr_matrix:
        """The feature matrix: stripped text and record features only, never a marking."""
        texts = self._texts(cables)
        heads = [t[:CHAR_LIMIT] for t in texts]
        records = [record_features(c, t) for c, t in zip(cables, texts, strict=True)]
        if fit:
            parts = [self.words.fit_transform(texts), self.chars.fit_transform(heads),
                     self.record.fit_transform(records)]
        else:
            parts = [self.words.transform(texts), self.chars.transform(heads),
                     self.record.transform(records)]
        return sparse.hstack(parts, format="csr")

    def fit(self, cables: Sequence[Cable], labels: Sequence[str] | None = None,
            noforn: Sequence[bool] | None = None) -> AdviceModel:
        """Learn from released cables (labels default to their own markings; cables whose level
        is unknown are skipped)."""
        start = time.perf_counter()
        if labels is None:
            pairs = [(c, level_of(c)) for c in cables]
            kept = [(c, lv, noforn_of(c)) for c, lv in pairs if lv is not None]
        else:
            flags = noforn if noforn is not None else [noforn_of(c) for c in cables]
            kept = list(zip(cables, labels, flags, strict=True))
        x = self.features([c for c, _, _ in kept], fit=True)
        y = np.array([lv for _, lv, _ in kept])
        classified = np.isin(y, CLASSIFIED)
        self.heads = {
            "classified": _Head(self.c, x, classified),
            "secret": _Head(self.c, x[classified], y[classified] == "SECRET"),
            "sbu": _Head(self.c, x[~classified], y[~classified] == "SBU"),
            "noforn": _Head(self.c, x, np.array([f for _, _, f in kept], dtype=bool)),
        }
        self.trained_on = len(kept)
        self.fit_seconds = time.perf_counter() - start
        self._push = self._word_names = self._linear = None
        return self

    def __getstate__(self) -> dict[str, Any]:
        """Stored without what is rebuilt on first use (the compiled heads, names and pushes)."""
        return {**self.__dict__, "_linear": None, "_word_names": None, "_push": None}

    def _compiled(self) -> _Compiled:
        """Every head's calibrated classifiers as one matrix (built once, not stored)."""
        compiled: _Compiled | None = getattr(self, "_linear", None)
        if compiled is None:
            compiled = self._linear = _Compiled(self.heads)
        return compiled

    def _levels(self, x: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        if not self.heads:
            raise RuntimeError("the model is not trained")
        heads = self._compiled().p(x)
        pc, ps, pb = heads["classified"], heads["secret"], heads["sbu"]
        p = np.column_stack([(1 - pc) * (1 - pb), (1 - pc) * pb, pc * (1 - ps), pc * ps])
        return p, heads["noforn"]

    def probabilities(self, cables: Sequence[Cable]) -> tuple[np.ndarray, np.ndarray]:
        """Per cable: P(level) over LEVELS (columns in LEVELS order) and P(NOFORN)."""
        return self._levels(self.features(cables))

    def _word_push(self) -> np.ndarray:
        """Each word feature's weight towards CONFIDENTIAL or above (computed once)."""
        if self._push is None:
            w = self.heads["classified"].weights()
            n = len(self.words.vocabulary_)
            self._push = np.zeros(n) if w is None else np.asarray(w[:n], dtype=float)
        return self._push

    def _names(self) -> np.ndarray:
        if self._word_names is None:
            self._word_names = self.words.get_feature_names_out()
        return self._word_names

    def pushes(self, cable: Cable, x: sparse.csr_matrix, n: int = 5) -> tuple[tuple[str, ...],
                                                                            tuple[Push, ...]]:
        """The `n` words or phrases, and the `n` paragraphs, of `cable` (its feature row `x`)
        that push it most towards CONFIDENTIAL or above. A paragraph's push is the sum of the
        pushes of the terms it holds."""
        weight = self._word_push()
        row = x[:, : len(weight)].tocoo()
        push = dict(zip(row.col.tolist(), (row.data * weight[row.col]).tolist(), strict=True))
        top = sorted(((s, i) for i, s in push.items() if s > 0), reverse=True)[:n]
        names = self._names()
        terms = tuple(str(names[i]) for _, i in top)
        analyze = self.words.build_analyzer()
        vocabulary = self.words.vocabulary_
        paragraphs = []
        for k, p in enumerate(cable.paragraphs, start=1):
            cols = {vocabulary[g] for g in analyze(strip_markings(p.text)) if g in vocabulary}
            score = sum(push.get(i, 0.0) for i in cols)
            if score > 0:
                excerpt = " ".join(p.text.split())
                excerpt = excerpt if len(excerpt) <= 160 else excerpt[:157].rstrip() + "..."
                paragraphs.append(Push(p.number or k, excerpt, score))
        paragraphs.sort(key=lambda q: -q.weight)
        return terms, tuple(paragraphs[:n])

    def top_terms(self, cable: Cable, n: int = 5) -> tuple[str, ...]:
        """The words and phrases of the cable that push it most towards CONFIDENTIAL or above."""
        return self.pushes(cable, self.features([cable]), n)[0]

    def advise(self, cables: Sequence[Cable], terms: bool = False) -> list[Advice]:
        """The advice for each cable; with `terms`, the terms and paragraphs that push it up."""
        x = self.features(cables)
        p, nf = self._levels(x)
        out = []
        for i, cable in enumerate(cables):
            probs = {level: float(p[i, j]) for j, level in enumerate(LEVELS)}
            advised = LEVELS[int(np.argmax(p[i]))]
            words, paragraphs = self.pushes(cable, x[i]) if terms else ((), ())
            out.append(Advice(cable.reference_id, advised, probs, float(nf[i]), level_of(cable),
                              words, paragraphs))
        return out
