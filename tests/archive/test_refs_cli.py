"""`cablegram refs` on real cables: an id that is absent but cited says "not in the archive" and
lists what cites it; an id neither archived nor cited is an error; a thread can start from it.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from archive_fixtures import run_cli
from corpus import DEV, needs_shared
from pg_support import BACKENDS, backend_location

pytestmark = needs_shared


@pytest.fixture(scope="module", params=BACKENDS)
def brasilia(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev corpus's 2005 Brasilia cables (three of them cite the absent 05STATE35934), on each
    backend: a file path or a `postgresql://` URL."""
    tmp = tmp_path_factory.mktemp("refs")
    with gzip.open(DEV, "rt", encoding="utf-8") as f, (tmp / "brasilia.jsonl").open("w", encoding="utf-8") as out:
        for line in f:
            if json.loads(line)["reference_id"].startswith("05BRASILIA"):
                out.write(line)
    with backend_location(request.param, tmp, "refs") as location:
        run_cli("ingest", str(tmp / "brasilia.jsonl"), "--archive", location)
        yield location


def test_refs_of_an_absent_but_cited_id_lists_what_cites_it(brasilia: str) -> None:
    out = run_cli("refs", "05STATE35934", "--archive", brasilia).stdout.splitlines()
    assert out[0] == "05STATE35934: not in the archive"
    assert out[1] == "cited by 3:"
    assert [line.split()[0] for line in out[2:]] == ["05BRASILIA564", "05BRASILIA574", "05BRASILIA660"]
    as_json = json.loads(run_cli("refs", "05STATE35934", "--json", "--archive", brasilia).stdout)
    assert as_json["in_archive"] is False and as_json["cites"] == []
    assert {x["from"] for x in as_json["cited_by"]} == {"05BRASILIA564", "05BRASILIA574", "05BRASILIA660"}


def test_refs_of_an_id_neither_archived_nor_cited_is_an_error(brasilia: str) -> None:
    done = run_cli("refs", "08MOSCOW2629", "--archive", brasilia, check=False)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "no cable 08MOSCOW2629" in done.stderr and "no archived cable cites it" in done.stderr


def test_a_thread_can_start_at_an_absent_cited_id(brasilia: str, tmp_path: Path) -> None:
    out = run_cli("refs", "05STATE35934", "--graphml", str(tmp_path / "t.graphml"), "--archive", brasilia)
    assert out.stdout.startswith("wrote ") and " 0 cables" not in out.stdout
    text = (tmp_path / "t.graphml").read_text(encoding="utf-8")
    assert "05BRASILIA574" in text and "05STATE35934" in text
