"""The metrics stored with a trained model (measured on its held-out slice, see `train`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from cablegram.advise.features import CLASSIFIED, LEVELS


def classified_metrics(y: Sequence[str] | np.ndarray, p: np.ndarray) -> dict[str, float]:
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
