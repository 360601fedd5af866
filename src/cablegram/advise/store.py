"""The trained model kept in the archive: one row a version in a table of its own.

The table is created here, beside the archive's schema and not in it: the archive knows nothing of
advice. A model is a pickle, and unpickling runs code: load models only from archives you trust
(as you would run a script from them).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import joblib
import sklearn

from cablegram.advise.model import MODEL_VERSION, AdviceModel
from cablegram.advise.tables import ddl, tables

TABLE = "advise_models"
_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    version {{serial}},
    format INTEGER NOT NULL,
    trained_at TEXT NOT NULL,
    trained_on INTEGER NOT NULL,
    sklearn_version TEXT NOT NULL,
    metrics_json TEXT NOT NULL,
    model {{blob}} NOT NULL
)"""


@dataclass(frozen=True)
class StoredModel:
    version: int
    trained_at: str
    trained_on: int
    metrics: dict[str, Any]
    model: AdviceModel


def save_model(archive: Any, model: AdviceModel, metrics: dict[str, Any]) -> int:
    """Store a new version in `archive` (either backend); return its number."""
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    t = tables(archive)
    with t.writing() as w:
        w.execute(ddl(_CREATE, t.postgres))
        w.execute(
            f"INSERT INTO {TABLE} (format, trained_at, trained_on, sklearn_version, metrics_json,"
            " model) VALUES (?, ?, ?, ?, ?, ?)",
            (MODEL_VERSION, datetime.now(UTC).isoformat(timespec="seconds"), model.trained_on,
             sklearn.__version__, json.dumps(metrics), buffer.getvalue()))
        row = w.execute(f"SELECT max(version) FROM {TABLE}").fetchone()
    return int(row[0])


def load_model(archive: Any, version: int | None = None) -> StoredModel | None:
    """The latest stored model (or `version`), None when there is none or it is of another format
    (`older_model` tells which: an older one asks for `cablegram advise train`)."""
    t = tables(archive)
    if not t.exists(TABLE):  # never trained
        return None
    rows = t.rows(
        f"SELECT version, trained_at, trained_on, metrics_json, model FROM {TABLE}"
        " WHERE format = ? AND (version = ? OR ? < 0) ORDER BY version DESC LIMIT 1",
        (MODEL_VERSION, version or 0, -1 if version is None else 0))
    if not rows:
        return None
    row = rows[0]
    try:
        model = joblib.load(io.BytesIO(bytes(row[4])))
    except Exception:  # written by another scikit-learn or cablegram: as good as absent
        return None
    if not isinstance(model, AdviceModel) or getattr(model, "linear", None) is None:
        return None
    return StoredModel(int(row[0]), row[1], int(row[2]), json.loads(row[3]), model)


def older_model(archive: Any) -> bool:
    """The archive holds a model of a format this cablegram no longer reads."""
    t = tables(archive)
    return t.exists(TABLE) and bool(
        t.rows(f"SELECT 1 FROM {TABLE} WHERE format <> ? LIMIT 1", (MODEL_VERSION,)))
