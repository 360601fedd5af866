"""Classification advice: the level (and NOFORN) a draft's words suggest, learnt from an archive's
released cables with every marking stripped. Advice, never a block.

Names are imported on first use: the query compiler imports `cablegram.advise.filters`, and must
not pay for scikit-learn."""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {"LEVELS": "features", "level_of": "features", "noforn_of": "features",
          "Advice": "model", "AdviceModel": "model", "load_model": "store", "save_model": "store",
          "drafter_text": "strip", "strip_markings": "strip"}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
