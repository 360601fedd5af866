"""Helpers for the desk and access tests: a desk with posts and people, draft fields, the seed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from cablegram.archive import open_archive
from cablegram.desk import DeskDB, User, add_post, add_user, clear, open_desk, release, save_draft
from corpus import SEED_JSON, SHARED  # noqa: F401  (re-exported)
from corpus import SEED_TEXT as SEED

PASSWORDS = {"anna": "anna-pass-1", "boris": "boris-pass-2", "carla": "carla-pass-3", "dmitri": "dmitri-pass-4",
             "erin": "erin-pass-5"}


def make_desk(path: Path | str) -> tuple[DeskDB, dict[str, User]]:
    """An archive (a file, or a `postgresql://` URL) with the desk: Moscow and Washington (plus
    Kyiv in the CIS collective), a drafter, a clearer and a releasing officer at Moscow, readers
    at Washington."""
    open_archive(path).close()
    desk = open_desk(path)
    for name in ("AMEMBASSY MOSCOW", "SECSTATE WASHDC", "AMEMBASSY KYIV", "CIS COLLECTIVE"):
        add_post(desk, name)
    people = {
        "anna": add_user(desk, "anna", post="MOSCOW", roles="drafter", clearance="SECRET", caveats="NOFORN",
                         password=PASSWORDS["anna"]),
        "boris": add_user(desk, "boris", post="MOSCOW", roles="clearer", clearance="SECRET", caveats="NOFORN",
                          password=PASSWORDS["boris"]),
        "carla": add_user(desk, "carla", post="MOSCOW", roles="releaser,clearer", clearance="TOP SECRET",
                          caveats="NOFORN,EXDIS,NODIS", password=PASSWORDS["carla"]),
        "dmitri": add_user(desk, "dmitri", post="STATE", roles="reader,drafter", clearance="SECRET",
                           caveats="NOFORN", password=PASSWORDS["dmitri"]),
        "erin": add_user(desk, "erin", post="STATE", roles="reader", clearance="CONFIDENTIAL",
                         password=PASSWORDS["erin"]),
    }
    return desk, people


def secret_fields(long: bool = True) -> dict[str, Any]:
    """A SECRET//NOFORN cable with references, long enough for two sections."""
    filler = ("The delegation reviewed the situation in detail and agreed to meet again within a month. " * 60).strip()
    return {
        "to": ["SECSTATE WASHDC"], "info": ["CIS COLLECTIVE"], "precedence": "IMMEDIATE",
        "classification": "SECRET", "caveats": ["NOFORN", "SIPDIS"], "eo": "DECL: 2040-07-01",
        "classified_by": "Ambassador John Beyrle, Reasons 1.4 (b) and (d)", "tags": ["PGOV", "PREL", "RS", "UP"],
        "subject": "RUSSIA AND UKRAINE: GAS TALKS RESUME", "subject_marking": "C",
        "references": ["A. MOSCOW 2618", "B. 08 STATE 12345"],
        "paragraphs": [
            {"marking": "C", "text": "Summary: Talks on gas transit resumed in Moscow. End summary."},
            {"marking": "S//NF", "heading": "The Russian Position", "text": "A source said the price is final. "
             + (filler if long else "")},
            {"marking": "C", "text": "Comment: Both sides want a deal before winter. " + (filler if long else "")},
            {"marking": "U", "text": "Post will report further developments."},
        ],
        "signers": ["BEYRLE"],
    }


def seed_text_without_artefacts() -> list[str]:
    """The seed's lines with its known artefacts undone: markdown links in TAGS, `11.` for `¶1.`,
    the page-break line, the subject and paragraph 4 broken over two lines (blank lines dropped)."""
    text = SEED.read_text(encoding="utf-8")
    text = re.sub(r"\[([A-Z]{2,6})\]\(#\)", r"\1", text)
    text = re.sub(r"(?m)^1(\d)\. ", r"¶\1. ", text)
    text = text.replace("SUPPORT ON\nGEORGIA", "SUPPORT ON GEORGIA")
    text = text.replace("ITAR-TASS\n\nthat", "ITAR-TASS that")
    lines = [ln for ln in text.splitlines() if ln.strip() and not re.fullmatch(r"MOSCOW \d{8} \d{3} OF \d{3}", ln)]
    return lines


def seed_record() -> dict[str, Any]:
    return json.loads(SEED_JSON.read_text(encoding="utf-8"))


def release_gas(desk: Any, people: dict[str, Any], **changes: Any) -> str:
    """Draft, clear and release the SECRET gas-talks cable into the desk's archive; its id."""
    draft, problems = save_draft(desk, people["anna"], {**secret_fields(long=False), **changes})
    assert not [p for p in problems if p.level == "error"], problems
    clear(desk, draft.id, people["boris"])
    with open_archive(desk.path) as archive:
        done = release(desk, draft.id, people["carla"], archive=archive)
    assert done.archived
    return str(done.cable.reference_id)
