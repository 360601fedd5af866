"""The classification advice in the desk editor: `cablegram draft` prints it, and in Debian's
chromium a drafter writes an UNCLASSIFIED draft whose words are those of a real classified cable
and sees the advice and the warning, never a block (the draft is saved)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from archive_fixtures import DEV, ingest_paths, need_parser, run_cli
from browser_support import chromium, serving, shot
from cablegram.advise import AdviceModel, save_model
from cablegram.archive import open_archive
from cablegram.model import Cable
from test_desk_browser import login
from test_desk_support import make_desk


@pytest.fixture(scope="module")
def advised_desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Cable]:
    """A controlled archive with the desk, 300 real cables and an advice model learnt from them
    (as `advise train --from OPEN_COPY` stores it); and the classified cable the model is surest
    of, whose words the drafts reuse."""
    need_parser()
    tmp = tmp_path_factory.mktemp("desk-advice")
    source = tmp / "first300.jsonl"
    with gzip.open(DEV, "rt", encoding="utf-8") as f, source.open("w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i == 300:
                break
            out.write(line)
    path = tmp / "desk.db"
    desk, _ = make_desk(path)
    desk.set_access_mode("controlled")
    desk.close()
    ingest_paths(path, [source])
    with open_archive(path) as archive:
        cables = list(archive.iter_records())
        model = AdviceModel().fit(cables)
        save_model(archive, model, {})
    p, _ = model.probabilities(cables)
    plain = [i for i, c in enumerate(cables) if 2 <= len(c.paragraphs) <= 8
             and all(len(x.text) < 1500 for x in c.paragraphs)]
    best = max(plain, key=lambda i: p[i, 2] + p[i, 3])
    assert p[best, 2] + p[best, 3] > 0.6
    return path, cables[best]


def _body(cable: Cable) -> str:
    return "\n\n".join(f"(U) {' '.join(p.text.split())}" for p in cable.paragraphs)


def test_cablegram_draft_prints_the_advice(advised_desk: tuple[Path, Cable], tmp_path: Path) -> None:
    path, cable = advised_desk
    draft = tmp_path / "draft.md"
    draft.write_text("---\nto: [SECSTATE WASHDC]\nclassification: UNCLASSIFIED\ntags: [PREL]\n"
                     f"subject: \"{(cable.subject or 'TALKS').replace(chr(34), '')}\"\nsigners: [ANNA]\n"
                     f"---\n{_body(cable)}\n", encoding="utf-8")
    out = run_cli("draft", str(draft), "--archive", str(path), "--as", "anna", "--json", check=False)
    data = json.loads(out.stdout)
    assert data["draft"]["id"] >= 1  # saved: advice never blocks
    advice = data["advice"]
    assert advice["marked"] == "UNCLASSIFIED" and advice["advised"] in ("CONFIDENTIAL", "SECRET")
    assert advice["below_advice"] is True and advice["paragraphs"] and advice["terms"]
    text = run_cli("draft", str(draft), "--archive", str(path), "--as", "anna", check=False).stdout
    assert "classification advice: (draft): advise " in text
    assert "WARNING: the marking sits below the advice" in text


@pytest.fixture()
def server(advised_desk: tuple[Path, Cable]) -> Iterator[str]:
    with serving(advised_desk[0]) as base:
        yield base


@pytest.mark.browser
def test_a_drafter_sees_the_advice_in_chromium(advised_desk: tuple[Path, Cable], server: str) -> None:
    _, cable = advised_desk
    with chromium() as browser:
        page: Any = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(180_000)  # the server loads the model at the first draft page
        login(page, server, "anna")
        page.click("text=New draft")
        page.fill("input[name=to]", "SECSTATE WASHDC")
        page.select_option("select[name=classification]", "UNCLASSIFIED")
        page.fill("input[name=tags]", "PREL")
        page.fill("input[name=subject]", "TALKS WITH THE MINISTRY")
        page.fill("textarea[name=body]", _body(cable))
        page.fill("input[name=signers]", "ANNA")
        page.click("#draft-form button[type=submit]")
        page.wait_for_url(re.compile(r"/desk/draft/\d+$"))
        assert page.locator("#advice").is_visible()
        assert page.locator("#advice-level").inner_text() in ("CONFIDENTIAL", "SECRET")
        assert "sits below the advice" in page.locator("#advice-warning").inner_text()
        assert page.locator(".advice-paragraphs li").count() >= 1
        assert page.locator("#draft-form button[type=submit]").is_enabled()  # never a block
        shot(page, "desk-advice", full_page=True)
        # marked at the advice, the warning goes
        page.select_option("select[name=classification]", page.locator("#advice-level").inner_text())
        page.fill("input[name=classified_by]", "Ambassador John Beyrle, Reasons 1.4 (b) and (d)")
        page.fill("input[name=eo]", "2040-07-01")
        page.fill("textarea[name=body]", _body(cable).replace("(U) ", "(C) "))
        page.click("#draft-form button[type=submit]")
        page.wait_for_load_state()
        assert page.locator("#advice").is_visible()
        assert page.locator("#advice-warning").count() == 0
