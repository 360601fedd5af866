"""The desk bench: what the desk's controlled archive and its release-time alerts cost, on one
archive of the dev corpus, each figure against the baseline its own bench runs.

- `bench/access.py`: failing closed on every mark (a reader's match source; every record shown);
- `bench/alerts.py`: matching 1,000 saved searches at each release (target: under 50 ms).

    python bench/desk.py [--archive dev.db] [--releases 30] [--searches 1000]

Without --archive it ingests the dev corpus into a temporary file first (alerts work on copies).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from cablegram.archive import ingest, open_archive

sys.path.insert(0, str(Path(__file__).resolve().parent))
import access
import alerts
from _corpus import dev_records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, help="an archive of the dev corpus (default: ingest one)")
    parser.add_argument("--releases", type=int, default=30)
    parser.add_argument("--searches", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.archive
        if path is None:
            path = Path(tmp) / "dev.db"
            with open_archive(path) as archive:
                ingest(archive, dev_records())
        print(f"== the controlled archive (bench/access.py); load average {alerts.load()} on {os.cpu_count()} cores")
        access.report(path)
        print("== alerts at release time (bench/alerts.py)")
        alerts.report(path, args.releases, args.searches)


if __name__ == "__main__":
    main()
