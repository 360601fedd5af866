"""The demo's desk: a few posts, people with different roles and clearances, drafts at every stage.

    >>> from cablegram.synth.desk import build_desk
    >>> logins = build_desk("cablegram-demo.db")                 # doctest: +SKIP

The people log in with the passwords below (a demo on one's own machine: they are printed by
`cablegram demo`). Their cables are released at fixed date-time groups just after the synthetic
archive ends and numbered after the archive's own serials, so the demo is the same every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cablegram.transactions import archive_rows

__all__ = ["DEMO_PEOPLE", "Login", "build_desk", "logins"]

POSTS = ("AMEMBASSY MOSCOW", "SECSTATE WASHDC", "AMEMBASSY KYIV", "CIS COLLECTIVE")


@dataclass(frozen=True)
class Login:
    """A demo user: how to log in and what they may do."""

    username: str
    password: str
    post: str
    roles: str
    clearance: str
    caveats: str

    def line(self) -> str:
        caveats = f" {self.caveats}" if self.caveats else ""
        return (f"{self.username:6} password {self.password:12} {self.post:17} {self.clearance}{caveats};"
                f" {self.roles}")


#: username, post, roles, clearance, caveats
DEMO_PEOPLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("anna", "AMEMBASSY MOSCOW", "drafter,reader", "SECRET", "NOFORN"),
    ("boris", "AMEMBASSY MOSCOW", "clearer,releaser,reader", "SECRET", "NOFORN"),
    ("carla", "AMEMBASSY MOSCOW", "drafter,clearer,reader", "CONFIDENTIAL", ""),
    ("dan", "SECSTATE WASHDC", "admin,drafter,reader", "TOP SECRET", "EXDIS,NODIS,NOFORN"),
    ("erin", "SECSTATE WASHDC", "clearer,releaser,reader", "CONFIDENTIAL", ""),
    ("olena", "AMEMBASSY KYIV", "drafter,reader", "UNCLASSIFIED", ""),
)


def _login(row: tuple[str, str, str, str, str]) -> Login:
    name, post, roles, clearance, caveats = row
    return Login(name, f"demo-{name}", post, roles, clearance, caveats)


def logins(path: str | Path) -> list[Login]:
    """The demo people who exist in the desk at `path`."""
    from cablegram.desk import get_user, open_desk

    with open_desk(path) as desk:
        return [_login(row) for row in DEMO_PEOPLE if get_user(desk, row[0]) is not None]


def _next_serial(archive: Any, station: str) -> int:
    """One after the highest serial of `station` in the archive, so released ids never clash."""
    rows = archive_rows(archive, "SELECT reference_id FROM cables WHERE reference_id LIKE ?", (f"__{station}%",))
    serials = [int(m.group(1)) for (rid,) in rows if (m := re.fullmatch(rf"\d\d{station}(\d+)", rid))]
    return max(serials, default=0) + 1


def _newest(archive: Any, station: str) -> str | None:
    rows = archive_rows(archive, "SELECT reference_id FROM cables WHERE reference_id LIKE ?"
                        " ORDER BY created IS NULL, created DESC", (f"__{station}%",))
    return next((rid for (rid,) in rows if re.fullmatch(rf"\d\d{station}\d.*", rid)), None)


def _ref(reference_id: str | None) -> list[str]:
    """`10MOSCOW62` as a REF item (`10 MOSCOW 62`)."""
    m = re.fullmatch(r"(\d\d)([A-Z]+)(\d+)", reference_id or "")
    return [f"{m.group(1)} {m.group(2)} {m.group(3)}"] if m else []


def _secret(refs: list[str], subject: str, *, unmarked: bool = False) -> dict[str, Any]:
    return {
        "to": ["SECSTATE WASHDC"], "info": ["CIS COLLECTIVE"], "precedence": "IMMEDIATE",
        "classification": "SECRET", "caveats": ["NOFORN", "SIPDIS"], "eo": "DECL: 2045-07-01",
        "classified_by": "Ambassador Ellen Marsh, Reasons 1.4 (b) and (d)", "tags": ["PGOV", "PREL", "RS", "UP"],
        "subject": subject, "subject_marking": "C", "references": refs, "signers": ["MARSH"],
        "paragraphs": [
            {"marking": "C", "text": "Summary: Talks on gas transit resumed in Moscow. End summary."},
            {"marking": "S//NF", "heading": "The Russian Position",
             "text": "A Gazprom official told poloff that the price offered is final."},
            {"marking": "" if unmarked else "C", "text": "Comment: Both sides want a deal before winter."},
        ],
    }


def _unclassified(to: list[str], subject: str, tags: list[str], text: str, signer: str) -> dict[str, Any]:
    return {"to": to, "precedence": "ROUTINE", "classification": "UNCLASSIFIED", "caveats": ["SIPDIS"],
            "eo": "N/A", "tags": tags, "subject": subject, "signers": [signer],
            "paragraphs": [{"marking": "U", "text": text},
                           {"marking": "U", "text": "Post will report further developments."}]}


def build_desk(path: str | Path) -> list[Login]:
    """Add the demo desk to the archive at `path` (left as it is when it has users already);
    return the logins."""
    from cablegram.archive import open_archive
    from cablegram.desk import add_post, add_user, clear, get_user, list_users, open_desk, release, save_draft
    from cablegram.desk.people import set_next_serial

    with open_desk(path) as desk, open_archive(path) as archive:
        if list_users(desk):
            return logins(path)
        posts = {name: add_post(desk, name) for name in POSTS}
        for post in posts.values():
            if post.station:
                set_next_serial(desk, post, _next_serial(archive, post.station))
        for row in DEMO_PEOPLE:
            login = _login(row)
            add_user(desk, login.username, post=login.post, roles=login.roles, clearance=login.clearance,
                     caveats=login.caveats, password=login.password, full_name=login.username.title())
        who = {row[0]: get_user(desk, row[0]) for row in DEMO_PEOPLE}
        anna, boris, dan, erin = who["anna"], who["boris"], who["dan"], who["erin"]
        assert anna and boris and dan and erin
        refs = _ref(_newest(archive, "MOSCOW"))

        def draft(user: Any, data: dict[str, Any]) -> int:
            return save_draft(desk, user, data, archive=archive)[0].id

        # delivered: Moscow to Washington (SECRET//NOFORN) and Washington to Moscow (UNCLASSIFIED)
        sent = draft(anna, _secret(refs, "RUSSIA AND UKRAINE: GAS TALKS RESUME"))
        clear(desk, sent, boris, "ok for Washington")
        release(desk, sent, boris, when=datetime(2010, 3, 1, 10, 15), archive=archive)
        answer = draft(dan, _unclassified(["AMEMBASSY MOSCOW", "AMEMBASSY KYIV"],
                                          "GAS TALKS: WASHINGTON ASKS FOR A READOUT", ["ENRG", "RS", "UP"],
                                          "Department requests a readout of the talks.", "CLINTON"))
        clear(desk, answer, erin, "fine")
        release(desk, answer, erin, when=datetime(2010, 3, 2, 14, 30), archive=archive)
        # cleared, waiting for a releasing officer
        cleared = draft(anna, _unclassified(["SECSTATE WASHDC"], "RUSSIA: SPRING PLANTING OUTLOOK",
                                            ["EAGR", "ECON", "RS"], "The spring sowing campaign starts early.",
                                            "MARSH"))
        clear(desk, cleared, boris, "ok")
        # drafts: one ready to clear, one with an error to fix (an unmarked paragraph)
        draft(anna, _secret(refs, "RUSSIA: GAS TRANSIT FEES RISE"))
        draft(anna, _secret(refs, "RUSSIA: PIPELINE TALKS STALL", unmarked=True))
    return logins(path)
