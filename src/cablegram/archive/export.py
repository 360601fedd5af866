"""Exporting search results: JSON Lines (full records), CSV (flat text rows) and Parquet / pandas
(typed rows: `created` and `released` as UTC timestamps, `tags`, `caveats`, `signers` and
`references` as lists of strings)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from cablegram.model import Cable

if TYPE_CHECKING:
    import pandas

    from cablegram.archive.base import AccessFilter, Archive

__all__ = ["FLAT_COLUMNS", "FORMATS", "LIST_COLUMNS", "TIME_COLUMNS", "export", "flat_row", "flat_rows", "frame",
           "typed_rows"]

FORMATS = ("jsonl", "csv", "parquet")
FLAT_COLUMNS = (
    "reference_id", "created", "released", "classification", "classification_label", "caveats", "origin",
    "station", "precedence", "subject", "tags", "references", "to", "signers", "summary", "body",
    "defects",
)
LIST_COLUMNS = ("caveats", "tags", "references", "signers")
TIME_COLUMNS = ("created", "released")


def _timestamp(value: str | None) -> datetime | None:
    """`2008-09-03T06:46:00Z` or cablegate's `2010-11-30 16:04` as an aware UTC datetime."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _typed(c: Cable, released: str | None) -> dict[str, Any]:
    return {
        "reference_id": c.reference_id, "created": _timestamp(c.created), "released": _timestamp(released),
        "classification": c.classification, "classification_label": c.classification_label,
        "caveats": list(c.caveats), "origin": c.origin.label, "station": c.origin.station,
        "precedence": c.precedence, "subject": c.subject, "tags": list(c.tags),
        "references": [r.reference_id for r in c.references if r.reference_id],
        "to": "; ".join(a.name for a in c.to), "signers": list(c.signers), "summary": c.summary,
        "body": c.body_text, "defects": len(c.defects),
    }


def flat_row(c: Cable, released: str | None = None) -> dict[str, Any]:
    """One cable as a flat text row (CSV): lists joined with spaces, dates as stored."""
    row = _typed(c, released)
    row.update({k: " ".join(row[k]) for k in LIST_COLUMNS})
    row.update(created=c.created, released=released)
    return row


def flat_rows(cables: Iterable[Cable]) -> Iterator[dict[str, Any]]:
    """`flat_row` of each cable (without release dates; see `typed_rows` for those)."""
    return (flat_row(c) for c in cables)


def _with_released(archive: Any, cables: Iterable[Cable], size: int = 500) -> Iterator[tuple[Cable, str | None]]:
    """Each cable with its release date from the archive's `cables.released` (None if unknown)."""
    batch: list[Cable] = []

    def flush() -> Iterator[tuple[Cable, str | None]]:
        ids = [c.reference_id for c in batch if c.reference_id]
        found = archive.released_dates(ids) if ids else {}
        yield from ((c, found.get(c.reference_id or "")) for c in batch)
        batch.clear()

    for c in cables:
        batch.append(c)
        if len(batch) == size:
            yield from flush()
    yield from flush()


def typed_rows(archive: Any, cables: Iterable[Cable]) -> Iterator[dict[str, Any]]:
    """Typed rows (timestamps, lists) of `cables`, release dates read from `archive`."""
    return (_typed(c, released) for c, released in _with_released(archive, cables))


def frame(archive: Any, query: str = "", *, access: AccessFilter | None = None) -> pandas.DataFrame:
    """The cables matching `query` as a typed DataFrame: `created`/`released` are
    `datetime64[ns, UTC]`, list columns hold lists of strings."""
    import pandas as pd

    df = pd.DataFrame(list(typed_rows(archive, archive.iter_records(query, access=access))),
                      columns=list(FLAT_COLUMNS))
    for column in TIME_COLUMNS:
        df[column] = pd.to_datetime(df[column], utc=True)
    return df


def _parquet_schema() -> Any:
    import pyarrow as pa

    def kind(column: str) -> Any:
        if column in TIME_COLUMNS:
            return pa.timestamp("s", tz="UTC")
        if column in LIST_COLUMNS:
            return pa.list_(pa.string())
        return pa.int64() if column == "defects" else pa.string()

    return pa.schema([(c, kind(c)) for c in FLAT_COLUMNS])


def export(archive: Archive, query: str, fmt: str, path: str | Path | IO[bytes], *,
           access: AccessFilter | None = None) -> int:
    """Write every cable matching `query` to `path` (`-`: standard output; for Parquet also a
    binary file object) as `fmt`; return how many were written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    cables = _with_released(archive, archive.iter_records(query, access=access))
    to_stdout = str(path) == "-"
    n = 0
    if fmt in ("jsonl", "csv"):
        out: IO[str] = sys.stdout if to_stdout else open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        try:
            writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS) if fmt == "csv" else None
            if writer is not None:
                writer.writeheader()
            for c, released in cables:
                if writer is None:
                    out.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
                else:
                    writer.writerow(flat_row(c, released))
                n += 1
        finally:
            if not to_stdout:
                out.close()
        return n
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema()
    sink: Any = pa.PythonFile(sys.stdout.buffer, mode="w") if to_stdout else \
        path if hasattr(path, "write") else str(path)
    with pq.ParquetWriter(sink, schema) as writer:
        batch: list[dict[str, Any]] = []
        for c, released in cables:
            batch.append(_typed(c, released))
            n += 1
            if len(batch) == 1000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return n
