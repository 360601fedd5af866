"""The advice model: TF-IDF word and character n-grams plus record features, and calibrated
linear classifiers for the level and for NOFORN."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from cablegram.advise.features import CLASSIFIED, LEVELS, level_of, noforn_of, record_features
from cablegram.advise.strip import drafter_text
from cablegram.model import Cable

MODEL_VERSION = 1
CHAR_LIMIT = 6000  # character n-grams read the opening of a cable: most of the cost, little gain after


@dataclass(frozen=True)
class Advice:
    """The advice for one cable: the level, its calibrated probabilities, and NOFORN's."""

    reference_id: str | None
    advised: str
    p: dict[str, float]
    noforn: float
    marked: str | None = None  # the cable's own level, when it has one
    terms: tuple[str, ...] = field(default=())  # the terms that push it up the most

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
                "marked": self.marked, "below_advice": self.below_advice, "terms": list(self.terms)}


def _calibrated(c: float) -> CalibratedClassifierCV:
    svm = LinearSVC(C=c, class_weight="balanced", random_state=0)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=3)


class AdviceModel:
    """Fit on released cables; advise on any cable or draft."""

    def __init__(self, c: float = 0.1) -> None:
        self.c = c
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True,
                                     max_features=200_000, lowercase=True, dtype=np.float32)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=3,
                                     sublinear_tf=True, max_features=200_000, dtype=np.float32)
        self.record = DictVectorizer(dtype=np.float32)
        self.level: CalibratedClassifierCV | None = None
        self.noforn: CalibratedClassifierCV | None = None
        self.trained_on = 0
        self.fit_seconds = 0.0
        self._word_names: np.ndarray | None = None

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
        self.level = _calibrated(self.c).fit(x, y)
        nf = np.array([f for _, _, f in kept])
        self.noforn = _calibrated(self.c).fit(x, nf) if 3 <= nf.sum() < len(nf) - 3 else None
        self.trained_on = len(kept)
        self.fit_seconds = time.perf_counter() - start
        return self

    def probabilities(self, cables: Sequence[Cable]) -> tuple[np.ndarray, np.ndarray]:
        """Per cable: P(level) over LEVELS (columns in LEVELS order) and P(NOFORN)."""
        if self.level is None:
            raise RuntimeError("the model is not trained")
        x = self.features(cables)
        raw = self.level.predict_proba(x)
        p = np.zeros((len(cables), len(LEVELS)))
        for j, cls in enumerate(self.level.classes_):
            p[:, LEVELS.index(str(cls))] = raw[:, j]
        if self.noforn is None:
            nf = np.zeros(len(cables))
        else:
            nf = self.noforn.predict_proba(x)[:, list(self.noforn.classes_).index(True)]
        return p, nf

    def top_terms(self, cable: Cable, n: int = 5) -> tuple[str, ...]:
        """The words and phrases of the cable that push it most towards CONFIDENTIAL or above."""
        if self.level is None:
            return ()
        x = self.words.transform(self._texts([cable]))
        coefs = []
        for cal in self.level.calibrated_classifiers_:
            est = cal.estimator
            classes = list(self.level.classes_)
            rows = [classes.index(c) for c in CLASSIFIED if c in classes]
            w = est.coef_[rows].mean(axis=0) - np.delete(est.coef_, rows, axis=0).mean(axis=0)
            coefs.append(w[: x.shape[1]])
        weight = np.mean(coefs, axis=0)
        row = x.tocoo()
        scored = sorted(zip(row.col, row.data * weight[row.col], strict=True), key=lambda t: -t[1])
        names = self._names()
        return tuple(str(names[i]) for i, s in scored[:n] if s > 0)

    def _names(self) -> np.ndarray:
        if getattr(self, "_word_names", None) is None:
            self._word_names = self.words.get_feature_names_out()
        return self._word_names

    def advise(self, cables: Sequence[Cable], terms: bool = False) -> list[Advice]:
        p, nf = self.probabilities(cables)
        out = []
        for i, cable in enumerate(cables):
            probs = {level: float(p[i, j]) for j, level in enumerate(LEVELS)}
            advised = LEVELS[int(np.argmax(p[i]))]
            out.append(Advice(cable.reference_id, advised, probs, float(nf[i]), level_of(cable),
                              self.top_terms(cable) if terms else ()))
        return out
