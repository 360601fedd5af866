"""The wire format, both ways, no I/O: `parse(text) -> Cable`, `render(cable) -> str`."""

from cablegram.telegram.defects import (
    DEFECT_CODES,
    DEFECTS,
    LENIENT,
    STRICT,
    DefectKind,
    ParsePolicy,
    TelegramError,
)
from cablegram.telegram.parse import parse

__all__ = [
    "DEFECTS",
    "DEFECT_CODES",
    "LENIENT",
    "STRICT",
    "DefectKind",
    "ParsePolicy",
    "TelegramError",
    "parse",
]
