"""The wire format, both ways, no I/O: `parse(text) -> Cable`, `render(cable) -> str`."""

from cablegram.telegram.defects import DEFECT_CODES, TelegramError
from cablegram.telegram.parse import parse

__all__ = ["DEFECT_CODES", "TelegramError", "parse"]
