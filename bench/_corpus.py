"""Where the benches find the shared dev corpus, and how they load its texts."""

from __future__ import annotations

import sys
from pathlib import Path

from cablegram.sources import RawRecord, read_path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV = SHARED / "corpus" / "cablegate-dev.jsonl.gz"


def dev_records() -> list[RawRecord]:
    if not DEV.exists():
        sys.exit(f"the shared dev corpus is absent: {DEV}")
    return list(read_path(DEV))
