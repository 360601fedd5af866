"""How large one record may be: a cap, so that one monster line cannot take gigabytes.

A record over the cap (a JSONL line or a page, in bytes, as read; a CSV row, in characters, as
read; the text of a text-file cable, in characters, by ingest) is quarantined with the reason and its head.
The cap is `max_record` where a reader or ingest takes it, else the `CABLEGRAM_MAX_RECORD`
environment variable (`5MB`, `500kB`, `2MiB` or a number of bytes), else 5 MB.
"""

from __future__ import annotations

import os
import re

__all__ = ["DEFAULT_MAX_RECORD", "ENV", "HEAD_CHARS", "max_record", "over_limit", "parse_size"]

DEFAULT_MAX_RECORD = 5_000_000
ENV = "CABLEGRAM_MAX_RECORD"
#: How much of an oversized record the quarantine keeps, to show what it was.
HEAD_CHARS = 4096

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?)?b?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "ki": 2**10, "mi": 2**20, "gi": 2**30}


def parse_size(text: str) -> int:
    """`5MB` -> 5,000,000; `2MiB` -> 2,097,152; `1234` -> 1234. Raises ValueError."""
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ValueError(f"not a size: {text!r} (say 5MB, 500kB, 2MiB or a number of bytes)")
    size = int(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])
    if size < 1:
        raise ValueError(f"a record size cap must be at least 1 byte, not {text!r}")
    return size


def max_record(value: int | str | None = None) -> int:
    """The cap in force: `value`, else the environment's, else the default."""
    if value is None:
        value = os.environ.get(ENV) or DEFAULT_MAX_RECORD
    return parse_size(value) if isinstance(value, str) else int(value)


def over_limit(where: str, size: int, limit: int, unit: str = "bytes") -> str:
    """The quarantine reason of a record over the cap."""
    return (f"{where}: record of {size:,} {unit} is over the limit of {limit:,}"
            f" (raise it with --max-record or {ENV})")
