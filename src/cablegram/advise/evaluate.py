"""The metrics stored with a trained model: a grouped held-out fifth of the archive."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import GroupShuffleSplit

from cablegram.advise.features import CLASSIFIED, LEVELS, level_of
from cablegram.advise.model import AdviceModel
from cablegram.model import Cable


def classified_metrics(y: Sequence[str], p: np.ndarray) -> dict[str, float]:
    """ROC AUC and recall at 11% FPR of P(CONFIDENTIAL or SECRET), and the level's accuracy."""
    truth = np.isin(np.asarray(y), CLASSIFIED)
    score = p[:, LEVELS.index("CONFIDENTIAL")] + p[:, LEVELS.index("SECRET")]
    if truth.all() or not truth.any():
        return {}
    fpr, tpr, _ = roc_curve(truth, score)
    advised = np.array(LEVELS)[p.argmax(axis=1)]
    return {"roc_auc": float(roc_auc_score(truth, score)),
            "recall_at_11_fpr": float(np.interp(0.11, fpr, tpr)),
            "level_accuracy": float((advised == np.asarray(y)).mean())}


def holdout_metrics(cables: Sequence[Cable], seed: int = 0) -> dict[str, Any]:
    """Train on four fifths (grouped by reference id), measure on the rest."""
    y = [level_of(c) or "" for c in cables]
    groups = [c.reference_id or str(i) for i, c in enumerate(cables)]
    split = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=seed)
    train, test = next(split.split(cables, y, groups))
    model = AdviceModel().fit([cables[i] for i in train])
    p, _ = model.probabilities([cables[i] for i in test])
    return {"holdout": len(test), **classified_metrics([y[i] for i in test], p)}
