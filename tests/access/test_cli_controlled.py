"""The CLI's reading commands on a controlled archive: only through `--as USER`, and then only
what that reader may see (the same policy as the web UI and the API). On SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from cablegram.access import can_read
from cablegram.cli import main
from cablegram.desk import open_desk
from cablegram.desk.people import add_user, get_user
from pg_support import BACKENDS, backend_location
from test_access_leaks import build, make_cables


@pytest.fixture(scope="module", params=BACKENDS)
def controlled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    cables = make_cables(11, 40)
    with backend_location(request.param, tmp_path_factory.mktemp("cli"), "cli") as path:
        build(path, cables)
        desk = open_desk(path)
        add_user(desk, "conf", post="STATE", roles="reader", clearance="CONFIDENTIAL", password="conf-pass-1")
        add_user(desk, "top", post="STATE", roles="reader", clearance="TOP SECRET", caveats="NOFORN,EXDIS,NODIS",
                 password="top-pass-1")
        desk.close()
        yield path, cables


def _search(path: str, capsys: pytest.CaptureFixture[str], *who: str) -> dict:
    assert main(["search", "", "--limit", "100", "--json", "--archive", path, *who]) == 0
    return json.loads(capsys.readouterr().out)


def test_reading_a_controlled_archive_needs_a_reader(controlled: tuple[str, list],
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CABLEGRAM_USER", raising=False)
    path, _ = controlled
    for argv in (["search", "x"], ["stats"], ["show", "X"], ["refs", "X"], ["advise", "X"], ["coverage"],
                 ["advise", "train"]):  # a model learnt from every cable would tell of hidden ones
        assert main([*argv, "--archive", path]) == 1
        assert "controlled archive" in capsys.readouterr().err
    assert main(["stats", "--archive", path, "--as", "nobody"]) == 1
    assert "no active user" in capsys.readouterr().err


def test_a_reader_sees_only_cables_at_or_below_their_clearance(controlled: tuple[str, list],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path, cables = controlled
    desk = open_desk(path)
    conf, top = get_user(desk, "conf"), get_user(desk, "top")
    desk.close()
    low = _search(path, capsys, "--as", "conf")
    high = _search(path, capsys, "--as", "top")
    readable = {c.reference_id for c in cables if can_read(conf, c)}
    assert low["total"] == len(readable) and {h["reference_id"] for h in low["hits"]} == readable
    assert all(h["classification"].split("//")[0] in {"UNCLASSIFIED", "CONFIDENTIAL"} for h in low["hits"])
    assert high["total"] == sum(1 for c in cables if can_read(top, c)) == len(cables) > low["total"]
    secret = next(c.reference_id for c in cables if c.classification == "SECRET")
    assert main(["show", secret, "--archive", path, "--as", "conf"]) == 1
    capsys.readouterr()
    assert main(["show", secret, "--json", "--archive", path, "--as", "top"]) == 0
    assert json.loads(capsys.readouterr().out)["reference_id"] == secret
