"""Exporting search results: JSON Lines (full records), CSV and Parquet (flat rows)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cablegram.model import Cable

if TYPE_CHECKING:
    from cablegram.archive.base import AccessFilter
    from cablegram.archive.sqlite import SQLiteArchive

__all__ = ["FLAT_COLUMNS", "FORMATS", "export", "flat_row", "flat_rows"]

FORMATS = ("jsonl", "csv", "parquet")
FLAT_COLUMNS = (
    "reference_id", "created", "classification", "classification_label", "caveats", "origin",
    "station", "precedence", "subject", "tags", "references", "to", "summary", "body",
    "defects",
)


def flat_row(c: Cable) -> dict[str, Any]:
    """One cable as a flat row: lists joined with spaces, body as text."""
    return {
        "reference_id": c.reference_id, "created": c.created,
        "classification": c.classification, "classification_label": c.classification_label,
        "caveats": " ".join(c.caveats), "origin": c.origin.label, "station": c.origin.station,
        "precedence": c.precedence, "subject": c.subject, "tags": " ".join(c.tags),
        "references": " ".join(r.reference_id for r in c.references if r.reference_id),
        "to": "; ".join(a.name for a in c.to), "summary": c.summary, "body": c.body_text,
        "defects": len(c.defects),
    }


def flat_rows(cables: Iterable[Cable]) -> Iterator[dict[str, Any]]:
    """`flat_row` of each cable."""
    return (flat_row(c) for c in cables)


def export(archive: SQLiteArchive, query: str, fmt: str, path: str | Path, *,
           access: AccessFilter | None = None) -> int:
    """Write every cable matching `query` to `path` as `fmt`; return how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    cables = archive.iter_records(query, access=access)
    n = 0
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as out:
            for c in cables:
                out.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
                n += 1
        return n
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS)
            writer.writeheader()
            for row in flat_rows(cables):
                writer.writerow(row)
                n += 1
        return n
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.int64() if c == "defects" else pa.string())
                        for c in FLAT_COLUMNS])
    with pq.ParquetWriter(str(path), schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in flat_rows(cables):
            batch.append(row)
            n += 1
            if len(batch) == 1000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return n
