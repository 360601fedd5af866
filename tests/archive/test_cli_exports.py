"""The CLI's rough edges a newcomer met, on real cables: `export -o -` writes to standard output; a
query starting with '-' gets a hint to use '--'; "1 cable", not "1 cables"; exports and
`to_pandas` carry typed columns (timestamps, lists). On SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_fixtures import run_cli
from cablegram.archive import open_archive
from corpus import DEV, needs_shared
from pg_support import BACKENDS, backend_location

pytestmark = needs_shared


@pytest.fixture(scope="module", params=BACKENDS)
def brasilia(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev corpus's 2005 Brasilia cables in an archive, on each backend (a path or a URL)."""
    tmp = tmp_path_factory.mktemp("exports")
    with gzip.open(DEV, "rt", encoding="utf-8") as f, (tmp / "brasilia.jsonl").open("w", encoding="utf-8") as out:
        out.writelines(line for line in f if json.loads(line)["reference_id"].startswith("05BRASILIA"))
    with backend_location(request.param, tmp, "exports") as location:
        run_cli("ingest", str(tmp / "brasilia.jsonl"), "--archive", location)
        yield location


def test_export_to_standard_output(brasilia: str, tmp_path: Path) -> None:
    run_cli("export", "summit", "-o", str(tmp_path / "x.jsonl"), "--archive", brasilia)
    done = run_cli("export", "summit", "-o", "-", "--archive", brasilia)
    assert done.stdout == (tmp_path / "x.jsonl").read_text(encoding="utf-8") and done.stdout.count("\n") > 1
    assert done.stderr.strip().endswith("cables to standard output")
    rows = list(csv.DictReader(io.StringIO(run_cli("export", "summit", "-o", "-", "--format", "csv",
                                                   "--archive", brasilia).stdout)))
    assert len(rows) == done.stdout.count("\n") and rows[0]["released"]


def test_one_is_singular(brasilia: str) -> None:
    one = run_cli("export", "id:05BRASILIA574", "-o", "-", "--archive", brasilia)
    assert one.stderr.strip() == "wrote 1 cable to standard output"
    assert run_cli("search", "id:05BRASILIA574", "--archive", brasilia).stdout.startswith(
        "1 cable matches; showing 1-1")


def test_a_query_starting_with_a_dash_gets_a_hint(brasilia: str) -> None:
    done = run_cli("search", "-summit", "--archive", brasilia, check=False)
    assert done.returncode == 2
    assert "hint: '-summit' was read as an option" in done.stderr and "-- '-summit'" in done.stderr
    fixed = run_cli("search", "--archive", brasilia, "--", "-summit")
    assert "cables match" in fixed.stdout


def test_parquet_and_pandas_carry_timestamps_and_lists(brasilia: str, tmp_path: Path) -> None:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    run_cli("export", "", "-o", str(tmp_path / "all.parquet"), "--archive", brasilia)
    table = pq.read_table(tmp_path / "all.parquet")
    for column in ("created", "released"):
        assert pa.types.is_timestamp(table.schema.field(column).type) and table.schema.field(column).type.tz == "UTC"
    for column in ("tags", "caveats", "signers", "references"):
        assert pa.types.is_list(table.schema.field(column).type)
    row = table.filter(pa.compute.equal(table["reference_id"], "05BRASILIA574")).to_pylist()[0]
    assert "05STATE35934" in row["references"] and "SIPDIS" in row["caveats"] and "BR" in row["tags"]
    assert row["created"].year == 2005 and row["released"].year >= 2010
    with open_archive(brasilia, readonly=True) as archive:
        df = archive.to_pandas("summit")
    assert isinstance(df["created"].dtype, pd.DatetimeTZDtype) and isinstance(df["released"].dtype, pd.DatetimeTZDtype)
    assert all(isinstance(x, list) for col in ("tags", "caveats", "signers") for x in df[col])
    assert df["created"].min() >= pd.Timestamp("2005-01-01", tz="UTC")
