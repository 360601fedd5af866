"""cablegram: the diplomatic telegram system.

`parse(text) -> Cable` and `render(cable) -> str` are the telegram format both ways;
`open_archive(path)` opens the searchable store.
"""

from __future__ import annotations

from typing import Any

from cablegram.model import (
    EO,
    Address,
    Cable,
    ClassifiedBy,
    Defect,
    Header,
    Origin,
    Paragraph,
    Reference,
)
from cablegram.telegram import TelegramError, parse
from cablegram.telegram.render import render

__version__ = "0.1.0"

__all__ = [
    "EO",
    "Address",
    "Cable",
    "ClassifiedBy",
    "Defect",
    "Header",
    "Origin",
    "Paragraph",
    "Reference",
    "TelegramError",
    "__version__",
    "open_archive",
    "parse",
    "render",
]


def __getattr__(name: str) -> Any:
    # The archive pulls in more than parsing needs: load it on first use.
    if name == "open_archive":
        from cablegram.archive import open_archive

        return open_archive
    raise AttributeError(f"module 'cablegram' has no attribute {name!r}")
