"""Leak tests for what REF lines prove: a REF item withheld from a reader (marked above them) and
the REF line of a cable they may not read cite nothing for them. Not in coverage's serials, counts,
estimates and gap links (`cablegram coverage --as`, `/api/coverage`, `/coverage`), nor in a cable's
references, its thread, its graph or `cablegram refs` (JSON, GraphML), on both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cablegram.archive import ingest, open_archive
from cablegram.cli import main
from cablegram.coverage import estimate
from cablegram.desk import add_post, add_user, create_token, open_desk
from cablegram.sources import RawRecord
from cablegram.web.app import create_app
from pg_support import BACKENDS, backend_location

_LINES = {"U": "UNCLASSIFIED", "C": "C O N F I D E N T I A L", "S": "S E C R E T"}


def _cable(serial: int, level: str, refs: str | None, paragraphs: list[str]) -> str:
    out = (f"R 031200Z MAR 08\nFM AMEMBASSY MOSCOW\nTO SECSTATE WASHDC 0001\n{_LINES[level]} MOSCOW {serial:06d}\n\n"
           f"SIPDIS\n\nE.O. 12958: DECL: 03/03/2018\nTAGS: PREL RS\nSUBJECT: ({level}) TALKS REPORT {serial}\n\n")
    if refs:
        out += f"REF: {refs}\n\n"
    if level != "U":
        out += "Classified By: DCM Scott Kilner, reasons 1.4 (b) and (d).\n\n"
    return out + "\n\n".join(f"{i}. {p}" for i, p in enumerate(paragraphs, 1)) + "\n"


#: A CONFIDENTIAL cable whose REF items B (a serial known from nowhere else) and C (a readable
#: cable) are NOFORN; an unclassified cable; a SECRET cable citing a serial nothing else cites.
CABLES = [
    _cable(100, "C", "A. MOSCOW 50 B. MOSCOW 133 (C/NF) ON ZEDTOKEN C. MOSCOW 120 (C/NF) ALSO",
           ["(C) The talks went on.", "(U) Plain."]),
    _cable(120, "U", None, ["(U) Plain text."]),
    _cable(141, "S", "MOSCOW 137", ["(S) Secret talks."]),
]
#: What a CONFIDENTIAL reader without NOFORN must never get: the withheld item's words and the
#: serials only withheld items or unreadable cables prove.
HIDDEN = re.compile(r"ZEDTOKEN|MOSCOW\s*0*(?:133|137|141)\b|\b(?:133|137|141)\b")


@pytest.fixture(scope="module", params=BACKENDS)
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The three cables on each backend, the desk controlled, readers `conf` (CONFIDENTIAL) and
    `top` (TOP SECRET, NOFORN)."""
    with backend_location(request.param, tmp_path_factory.mktemp("refleak"), "refleak") as location:
        with open_archive(location) as a:
            ingest(a, [RawRecord(t, {"format": "text", "file": "refs", "line": i}) for i, t in enumerate(CABLES)],
                   workers=0)
            cited = {r.reference_id for r in a.get("08MOSCOW100").references}  # type: ignore[union-attr]
            assert cited == {"08MOSCOW50", "08MOSCOW133", "08MOSCOW120"}
        desk = open_desk(location)
        add_post(desk, "SECSTATE WASHDC")
        add_user(desk, "conf", post="STATE", clearance="CONFIDENTIAL")
        add_user(desk, "top", post="STATE", clearance="TOP SECRET", caveats=["NOFORN"])
        desk.set_access_mode("controlled")
        desk.close()
        yield location


def _client(location: str, user: str) -> tuple[TestClient, dict[str, str]]:
    desk = open_desk(location)
    from cablegram.desk import get_user

    token = create_token(desk, get_user(desk, user))  # type: ignore[arg-type]
    desk.close()
    return TestClient(create_app(location)), {"Authorization": f"Bearer {token}"}


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def _expected(held: set[int], cited: set[int]) -> dict[str, object]:
    return estimate("MOSCOW", 2008, held, cited).to_dict()


def test_coverage_counts_no_serial_a_reader_may_not_see(archive: str, capsys: pytest.CaptureFixture[str]) -> None:
    """For `conf` the evidence is the two cables they read and the one REF item they see: the
    withheld items and the SECRET cable's REF line add no serial, count, gap or link."""
    low = _expected({100, 120}, {50})
    high = _expected({100, 120, 141}, {50, 133, 120, 137})
    assert low != high  # the hidden evidence would show
    for user, want in (("conf", low), ("top", high)):
        out = json.loads(_cli(["coverage", "--json", "--archive", archive, "--as", user], capsys))
        assert out["rows"] == [want], user
        client, headers = _client(archive, user)
        api = client.get("/api/coverage", headers=headers)
        assert api.status_code == 200 and api.json()["rows"] == [want], user
        page = client.get("/coverage", headers=headers)
        assert page.status_code == 200
        gaps = page.text[page.text.index('id="coverage-gaps"'):]
        ends = set(re.findall(r'class="gap-end">(\w+)<', gaps))
        seen = {f"08MOSCOW{s}" for s in ((50, 100, 120) if user == "conf" else (50, 100, 120, 133, 137, 141))}
        assert ends and ends <= seen, (user, ends)
        low_high = want["interval"]
        assert f'{want["estimate"]:.0f} ({low_high[0]}–{low_high[1]})' in gaps, user  # type: ignore[index]
        if user == "conf":
            for body in (json.dumps(out), api.text, gaps):
                assert not HIDDEN.search(body), HIDDEN.search(body)
    desk = open_desk(archive)
    assert not [e for e in desk.audit_log() if e["action"] == "read"], "coverage shows no cable's text"
    desk.close()


def test_references_threads_and_graphs_show_no_withheld_ref_item(
        archive: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A withheld REF item names no cable and cites nothing for `conf`: not in the citing cable's
    references (a withheld link in its place), thread or graph, nor in the cited cable's `cited
    by`; `top` sees all of it."""
    for user in ("conf", "top"):
        client, headers = _client(archive, user)
        refs = client.get("/api/cables/08MOSCOW100/references", headers=headers).json()
        cited_by = client.get("/api/cables/08MOSCOW120/references", headers=headers).json()["cited_by"]
        thread = client.get("/api/cables/08MOSCOW120/thread?depth=3", headers=headers).json()
        bodies = [json.dumps(refs), json.dumps(thread),
                  client.get("/api/cables/08MOSCOW100/thread?depth=3", headers=headers).text,
                  client.get("/cable/08MOSCOW100/graph", headers=headers).text,
                  client.get("/cable/08MOSCOW120", headers=headers).text,
                  _cli(["refs", "08MOSCOW100", "--json", "--archive", archive, "--as", user], capsys),
                  _cli(["refs", "08MOSCOW120", "--archive", archive, "--as", user], capsys)]
        graphml = tmp_path / f"{user}.graphml"
        _cli(["refs", "08MOSCOW100", "--depth", "3", "--graphml", str(graphml), "--archive", archive, "--as", user],
             capsys)
        bodies.append(graphml.read_text(encoding="utf-8"))
        if user == "top":
            assert [x["to"] for x in refs["cites"]] == ["08MOSCOW50", "08MOSCOW133", "08MOSCOW120"]
            assert [x["from"] for x in cited_by] == ["08MOSCOW100"]
            assert {n["id"] for n in thread["nodes"]} == {"08MOSCOW120", "08MOSCOW100", "08MOSCOW50", "08MOSCOW133"}
            assert "ZEDTOKEN" in bodies[0] and "08MOSCOW133" in bodies[3] and "08MOSCOW133" in bodies[5]
            assert "08MOSCOW100" in _cited_by_section(bodies[4]) and "08MOSCOW133" in bodies[-1]
            continue
        assert [(x["label"], x["to"], x["text"]) for x in refs["cites"]] == [
            ("A", "08MOSCOW50", "MOSCOW 50"), ("B", None, "[withheld]"), ("C", None, "[withheld]")]
        assert cited_by == []
        assert [n["id"] for n in thread["nodes"]] == ["08MOSCOW120"] and thread["edges"] == []
        for body in bodies:
            assert not HIDDEN.search(body), HIDDEN.search(body)
        assert "08MOSCOW100" not in _cited_by_section(bodies[4])


def _cited_by_section(page: str) -> str:
    return page.split("<h2>Cited by</h2>", 1)[1].split("</section>", 1)[0]
