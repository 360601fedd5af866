"""The advice's features, hashed: nothing to learn but the inverse document frequencies, so a
cable is turned into its feature row alone (in any process) and training can stream.

Three blocks of columns:
- words and word pairs of the stripped text;
- character 3- to 5-grams of its opening (the subject and first paragraphs, `char_limit`
  characters: over the whole text they cost most of the time for little gain);
- the record's features (origin, TAGS, addressees, precedence, length), never a marking.
Text counts are weighed as TF-IDF (1 + log tf, times the IDF, each block of a row of unit length).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32

from cablegram.advise.features import record_features
from cablegram.advise.strip import drafter_text
from cablegram.model import Cable

WORD_FEATURES = 2**20
CHAR_FEATURES = 2**18
RECORD_FEATURES = 2**14


class Hashed:
    """Cables to hashed TF-IDF rows; the IDF is learnt from document frequencies (`learn_idf`)."""

    def __init__(self, char_limit: int) -> None:
        self.char_limit = char_limit
        self.words = HashingVectorizer(ngram_range=(1, 2), n_features=WORD_FEATURES,
                                       alternate_sign=False, norm=None, dtype=np.float32)
        self.chars = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                       n_features=CHAR_FEATURES, alternate_sign=False, norm=None,
                                       dtype=np.float32)
        self.record = FeatureHasher(n_features=RECORD_FEATURES, input_type="dict",
                                    alternate_sign=False, dtype=np.float32)
        self.idf: np.ndarray | None = None
        self.bounds = np.array([WORD_FEATURES, WORD_FEATURES + CHAR_FEATURES])

    @property
    def n_features(self) -> int:
        return WORD_FEATURES + CHAR_FEATURES + RECORD_FEATURES

    def counts(self, cables: Sequence[Cable]) -> sparse.csr_matrix:
        """The raw counts (and record values) of each cable: no IDF needed, so any process can."""
        texts = [drafter_text(c) for c in cables]
        heads = [t[: self.char_limit] for t in texts] if self.char_limit else [""] * len(texts)
        records = [record_features(c, t) for c, t in zip(cables, texts, strict=True)]
        return sparse.hstack([self.words.transform(texts), self.chars.transform(heads),
                              self.record.transform(records)], format="csr", dtype=np.float32)

    @staticmethod
    def document_frequency(counts: sparse.csr_matrix) -> np.ndarray:
        return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int64)

    def learn_idf(self, df: np.ndarray, n: int) -> None:
        """Smoothed IDF (as TfidfVectorizer's) from the document frequencies of `n` cables."""
        self.idf = (np.log((1 + n) / (1 + df[: self.bounds[1]])) + 1).astype(np.float32)

    def weigh(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """TF-IDF rows: 1 + log tf times IDF, each text block of unit length; record values as is."""
        if self.idf is None:
            raise RuntimeError("the model is not trained")
        x = counts.copy()
        block = np.searchsorted(self.bounds, x.indices, side="right")  # 0 words, 1 chars, 2 record
        text = block < 2
        data = x.data
        data[text] = (1 + np.log(data[text])) * self.idf[x.indices[text]]
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        key = rows * 3 + block
        norm = np.sqrt(np.bincount(key, weights=np.where(text, data, 0) ** 2,
                                   minlength=x.shape[0] * 3))
        norm[norm == 0] = 1
        data[text] /= norm[key[text]].astype(np.float32)
        return x

    def transform(self, cables: Sequence[Cable]) -> sparse.csr_matrix:
        return self.weigh(self.counts(cables))

    def names(self, text: str, columns: set[int]) -> dict[int, str]:
        """The first word or word pair of `text` hashed to each of `columns` (as the word block
        hashes: murmurhash3 of its UTF-8, absolute value modulo the width)."""
        out: dict[int, str] = {}
        if not columns:
            return out
        for gram in self.words.build_analyzer()(text):
            h = murmurhash3_32(gram, seed=0)
            col = (2**31 - WORD_FEATURES) % WORD_FEATURES if h == -2**31 else abs(h) % WORD_FEATURES
            if col in columns and col not in out:
                out[col] = gram
                if len(out) == len(columns):
                    break
        return out
