"""The advice model: hashed TF-IDF word and character n-grams plus record features (`hashed`),
and calibrated linear heads learnt from a stream of cables (`train`) in a small hierarchy:

- P(classified): CONFIDENTIAL or SECRET against UNCLASSIFIED or SBU, learnt directly, since it is
  the figure the advice is judged by (recall of classified cables at a false-positive rate);
- P(SECRET | classified) and P(SBU | unclassified), each learnt on its side;
- P(NOFORN).

The level probabilities multiply out: P(SECRET) = P(classified) P(SECRET | classified), and so
on; they sum to one and P(CONFIDENTIAL) + P(SECRET) is P(classified) exactly."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from cablegram.advise.features import CLASSIFIED, LEVELS, level_of, noforn_of
from cablegram.advise.hashed import WORD_FEATURES, Hashed
from cablegram.advise.strip import drafter_text, strip_markings
from cablegram.advise.train import CACHE_NNZ, Linear, train
from cablegram.model import Cable

MODEL_VERSION = 3  # 3: hashed features, streamed training; 2 (and before) must be retrained
CHAR_LIMIT = 1500  # character n-grams read the opening of a cable: most of the cost, little gain after


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


class AdviceModel:
    """Fit on released cables (a stream: never all in memory); advise on any cable or draft."""

    def __init__(self, char_limit: int = CHAR_LIMIT, workers: int = 1,
                 cache_nnz: int = CACHE_NNZ) -> None:
        """`workers` processes strip and hash; `cache_nnz` bounds the rows kept for the exact
        solver (0: always stream, as a large archive does)."""
        self.hashed = Hashed(char_limit)
        self.workers = workers
        self.cache_nnz = cache_nnz
        self.linear: Linear | None = None
        self.metrics: dict[str, Any] = {}
        self.trained_on = 0
        self.fit_seconds = 0.0

    def features(self, cables: Sequence[Cable]) -> sparse.csr_matrix:
        """The feature matrix: stripped text and record features only, never a marking."""
        return self.hashed.transform(cables)

    def fit(self, cables: Iterable[Cable], labels: Sequence[str] | None = None,
            noforn: Sequence[bool] | None = None) -> AdviceModel:
        """Learn from released cables (labels default to their own markings; cables whose level
        is unknown are skipped). `cables` is read once, in order, a batch at a time."""
        start = time.perf_counter()
        trained = train(self.hashed, _labelled(cables, labels, noforn), self.workers, self.cache_nnz)
        self.linear, self.metrics, self.trained_on = trained.linear, trained.metrics, \
            trained.trained_on
        self.fit_seconds = time.perf_counter() - start
        return self

    def _levels(self, x: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        if self.linear is None:
            raise RuntimeError("the model is not trained")
        heads = self.linear.p(x)
        pc, ps, pb = heads["classified"], heads["secret"], heads["sbu"]
        p = np.column_stack([(1 - pc) * (1 - pb), (1 - pc) * pb, pc * (1 - ps), pc * ps])
        return p, heads["noforn"]

    def probabilities(self, cables: Sequence[Cable]) -> tuple[np.ndarray, np.ndarray]:
        """Per cable: P(level) over LEVELS (columns in LEVELS order) and P(NOFORN)."""
        return self._levels(self.features(cables))

    def _word_push(self) -> np.ndarray:
        """Each word column's weight towards CONFIDENTIAL or above."""
        assert self.linear is not None
        if "classified" in self.linear.constant:
            return np.zeros(WORD_FEATURES, dtype=np.float32)
        return self.linear.w[:WORD_FEATURES, 0]

    def pushes(self, cable: Cable, x: sparse.csr_matrix, n: int = 5) -> tuple[tuple[str, ...],
                                                                            tuple[Push, ...]]:
        """The `n` words or phrases, and the `n` paragraphs, of `cable` (its feature row `x`)
        that push it most towards CONFIDENTIAL or above. A paragraph's push is the sum of the
        pushes of the terms it holds."""
        weight = self._word_push()
        row = x[:, :WORD_FEATURES].tocoo()
        push = dict(zip(row.col.tolist(), (row.data * weight[row.col]).tolist(), strict=True))
        top = sorted(((s, i) for i, s in push.items() if s > 0), reverse=True)[:n]
        # the names of the top columns: the cable's own words, hashed as the features are
        names = self.hashed.names(drafter_text(cable), {i for _, i in top})
        terms = tuple(names.get(i, "") for _, i in top)
        # each paragraph's columns: its stripped text hashed (one call for all of them)
        rows = self.hashed.words.transform([strip_markings(p.text) for p in cable.paragraphs]) \
            if cable.paragraphs else None
        paragraphs = []
        for k, p in enumerate(cable.paragraphs, start=1):
            assert rows is not None
            cols = rows.indices[rows.indptr[k - 1]:rows.indptr[k]].tolist()
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


def _labelled(cables: Iterable[Cable], labels: Sequence[str] | None,
              noforn: Sequence[bool] | None) -> Iterator[tuple[Cable, str, bool]]:
    """(cable, level, NOFORN) of each cable of a known level, lazily."""
    if labels is None:
        for c in cables:
            if (lv := level_of(c)) is not None:
                yield c, lv, noforn_of(c)
        return
    flags = noforn if noforn is not None else [noforn_of(c) for c in cables]
    yield from zip(cables, labels, flags, strict=True)
