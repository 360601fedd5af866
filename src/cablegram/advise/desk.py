"""The advice beside a draft (the desk editor on the web and `cablegram draft`): the archive's
latest model, loaded once per archive and version, asked about one draft. Advice, never a block:
any failure to advise gives no advice, and the draft is saved and checked as before."""

from __future__ import annotations

import logging
import threading
from typing import Any

from cablegram.model import Cable

log = logging.getLogger(__name__)
_lock = threading.Lock()
_models: dict[str, tuple[int, Any]] = {}


def _latest_version(archive: Any) -> int | None:
    from cablegram.advise.store import TABLE
    from cablegram.advise.tables import tables

    t = tables(archive)
    if not t.exists(TABLE):
        return None
    rows = t.rows(f"SELECT max(version) FROM {TABLE}")
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def model_for(archive: Any) -> Any | None:
    """The archive's latest advice model (cached until a newer version is stored), or None."""
    from cablegram.advise.store import load_model

    key = str(getattr(archive, "path", id(archive)))
    version = _latest_version(archive)
    if version is None:
        return None
    with _lock:
        hit = _models.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
    stored = load_model(archive, version)
    if stored is None:
        return None
    with _lock:
        _models[key] = (version, stored.model)
    return stored.model


def draft_advice(archive: Any, cable: Cable) -> Any | None:
    """The advice for a draft, or None when the archive has no model (or advising fails)."""
    try:
        model = model_for(archive)
        return model.advise([cable], terms=True)[0] if model is not None else None
    except Exception:  # advice must never stop a draft being saved or shown
        log.exception("no advice for the draft")
        return None
