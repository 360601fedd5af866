"""The trained model kept in the archive: one row a version in a table of its own.

The table is created here, beside the archive's schema and not in it: the archive knows nothing of
advice. A model is a pickle, and unpickling runs code: load models only from archives you trust
(as you would run a script from them).
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import joblib
import sklearn

from cablegram.advise.model import MODEL_VERSION, AdviceModel

TABLE = "advise_models"
_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    version INTEGER PRIMARY KEY AUTOINCREMENT,
    format INTEGER NOT NULL,
    trained_at TEXT NOT NULL,
    trained_on INTEGER NOT NULL,
    sklearn_version TEXT NOT NULL,
    metrics_json TEXT NOT NULL,
    model BLOB NOT NULL
)"""


@dataclass(frozen=True)
class StoredModel:
    version: int
    trained_at: str
    trained_on: int
    metrics: dict[str, Any]
    model: AdviceModel


def save_model(db: sqlite3.Connection, model: AdviceModel, metrics: dict[str, Any]) -> int:
    """Store a new version; return its number."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    with db:
        db.execute(_CREATE)
        cur = db.execute(
            f"INSERT INTO {TABLE} (format, trained_at, trained_on, sklearn_version, metrics_json,"
            " model) VALUES (?, ?, ?, ?, ?, ?)",
            (MODEL_VERSION, datetime.now(UTC).isoformat(timespec="seconds"), model.trained_on,
             sklearn.__version__, json.dumps(metrics), buffer.getvalue()))
    return int(cur.lastrowid or 0)


def load_model(db: sqlite3.Connection, version: int | None = None) -> StoredModel | None:
    """The latest stored model (or `version`), None when there is none or it is of another format."""
    try:
        row = db.execute(
            f"SELECT version, trained_at, trained_on, metrics_json, model FROM {TABLE}"
            " WHERE format = ? AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1",
            (MODEL_VERSION, version, version)).fetchone()
    except sqlite3.OperationalError:  # no table: never trained
        return None
    if row is None:
        return None
    model = joblib.load(io.BytesIO(row[4]))
    return StoredModel(row[0], row[1], row[2], json.loads(row[3]), model)
