"""The desk end to end: draft, validate, clear, release, route, deliver, read, reply; the seed.
Each test runs on a SQLite file and on a PostgreSQL schema (`backend_location`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import yaml

from cablegram.archive import open_archive
from cablegram.cli import main
from cablegram.desk import (
    DeskError,
    add_post,
    add_user,
    clear,
    get_post,
    inbox,
    load_draft,
    load_draft_text,
    open_desk,
    open_message,
    release,
    reply,
    save_draft,
    set_next_sequence,
    set_next_serial,
    to_yaml,
    update_user,
)
from cablegram.model import Cable
from cablegram.telegram.parse import parse
from test_desk_support import SEED, make_desk, secret_fields, seed_record, seed_text_without_artefacts

#: What release adds to a draft: everything else must be the draft's.
TRANSMISSION = {"reference_id", "created", "header", "to", "info", "sections", "serial", "references"}


def _release(desk, people, fields, **kw):  # type: ignore[no-untyped-def]
    draft, problems = save_draft(desk, people["anna"], fields)
    assert not [p for p in problems if p.level == "error"], problems
    clear(desk, draft.id, people["boris"], "cleared for Washington")
    with open_archive(desk.path) as archive:
        return draft, release(desk, draft.id, people["carla"], archive=archive, **kw)


def test_secret_noforn_multisection_cable_reaches_both_inboxes_and_parses_back(backend_location: str) -> None:
    desk, people = make_desk(backend_location)
    draft, r = _release(desk, people, secret_fields(), when=datetime(2009, 3, 4, 10, 15))
    sent = r.cable
    assert sent.reference_id == "09MOSCOW1" and sent.sections == 2 and sent.header.dtg == "041015Z MAR 09"
    assert "S E C R E T SECTION 01 OF 02 MOSCOW 000001" in r.wire_text
    assert "MOSCOW 00000001 002 OF 002" in r.wire_text
    assert "TO RUEHC/SECSTATE WASHDC IMMEDIATE 0001" in r.wire_text
    # the wire text reads back to the released record, field for field
    assert parse(r.wire_text).telegram_dict() == sent.telegram_dict()
    # and the released record is the draft plus transmission data only
    drafted, released = draft.cable.telegram_dict(), sent.telegram_dict()
    assert {k for k in drafted if drafted[k] != released[k]} <= TRANSMISSION
    assert [r.reference_id for r in sent.references] == ["09MOSCOW2618", "08STATE12345"]
    # delivered: Washington (TO), Kyiv and Moscow (CIS COLLECTIVE)
    assert set(r.delivered_to) == {"SECSTATE WASHDC", "AMEMBASSY KYIV", "AMEMBASSY MOSCOW"}
    items = inbox(desk, people["dmitri"])
    assert [i.reference_id for i in items] == ["09MOSCOW1"] and not items[0].read
    assert inbox(desk, people["erin"]) == []  # CONFIDENTIAL: the cable does not exist for her
    _cable, text = open_message(desk, people["dmitri"], "09MOSCOW1")
    assert text == r.wire_text and inbox(desk, people["dmitri"])[0].read
    with pytest.raises(LookupError):
        open_message(desk, people["erin"], "09MOSCOW1")
    # SIPDIS: in the searchable archive
    with open_archive(desk.path, readonly=True) as archive:
        assert [h.reference_id for h in archive.search("gas transit").hits] == ["09MOSCOW1"]
    actions = [(e["user"], e["action"]) for e in desk.audit_log(draft_id=draft.id)]
    assert actions == [("anna", "draft.create"), ("boris", "clear"), ("carla", "release"), ("carla", "transmit"),
                       ("carla", "deliver"), ("carla", "archive"), ("dmitri", "read")]
    assert load_draft(desk, draft.id).state == "delivered"


@pytest.mark.skipif(not SEED.exists(), reason="../shared/seed is absent")
def test_seed_content_released_as_moscow_reproduces_the_seed_layout(backend_location: str) -> None:
    open_archive(backend_location).close()
    desk = open_desk(backend_location)
    for name in ("AMEMBASSY MOSCOW", "SECSTATE WASHDC", "CIS COLLECTIVE", "NATO EU COLLECTIVE"):
        add_post(desk, name)
    add_post(desk, "MOSCOW POLITICAL COLLECTIVE", "RUEHXD")
    moscow = get_post(desk, "MOSCOW")
    set_next_serial(desk, moscow, 2629)
    set_next_sequence(desk, moscow, "RUEHC", 9806)
    beyrle = add_user(desk, "beyrle", post="MOSCOW", roles="drafter,releaser", clearance="SECRET")
    polchief = add_user(desk, "polchief", post="MOSCOW", roles="clearer", clearance="SECRET")
    fields = load_draft_text(to_yaml(Cable.from_dict(seed_record())))
    draft, problems = save_draft(desk, beyrle, fields)
    assert not [p for p in problems if p.level == "error"], problems
    clear(desk, draft.id, polchief)
    r = release(desk, draft.id, beyrle, when=datetime(2008, 9, 3, 6, 46), transmission_id="VZCZCXRO3984",
                routing_indicators=["RUEHIK", "RUEHLN", "RUEHPOD", "RUEHVK", "RUEHYG"], section_chars=3000)
    ours = [ln for ln in r.wire_text.splitlines() if ln.strip() and ln != "MOSCOW 00002629 002 OF 002"]
    assert ours == seed_text_without_artefacts()
    expected = seed_record()
    back = parse(r.wire_text).telegram_dict()
    assert {k: back[k] for k in expected} == expected


def _problems(desk, user, **changes):  # type: ignore[no-untyped-def]
    fields = {**secret_fields(long=False), **changes}
    _draft, problems = save_draft(desk, user, fields)
    return {(p.field, p.level): p.message for p in problems}


def test_validation_names_the_field_of_each_rule(backend_location: str) -> None:
    desk, people = make_desk(backend_location)
    anna = people["anna"]
    base = secret_fields(long=False)
    paras = base["paragraphs"]
    got = _problems(desk, anna, classification="CONFIDENTIAL")
    assert "above the classification line" in got[("paragraphs.2", "error")]
    assert "highest portion mark" in got[("classification", "error")]
    got = _problems(desk, anna, paragraphs=[{**p, "marking": "C"} for p in paras])
    assert "highest portion mark is (C)" in got[("classification", "error")]
    got = _problems(desk, anna, paragraphs=[*paras, {"text": "An unmarked paragraph."}])
    assert "is not marked" in got[("paragraphs.5", "error")]
    got = _problems(desk, anna, eo="DECL: 2001-01-01")
    assert "not in the future" in got[("eo", "error")]
    assert "declassification date" in _problems(desk, anna, eo=None)[("eo", "error")]
    assert "Classified By" in _problems(desk, anna, classified_by=None)[("classified_by", "error")]
    assert "no reasons" in _problems(desk, anna, classified_by="Ambassador John Beyrle")[("classified_by", "error")]
    assert "unknown tag XYZZY" in _problems(desk, anna, tags=["XYZZY", "RS"])[("tags", "error")]
    assert "country or subject" in _problems(desk, anna, tags=["KPAO", "NATO"])[("tags", "error")]
    assert "needs a subject" in _problems(desk, anna, subject="", subject_marking=None)[("subject", "error")]
    assert "marked" in _problems(desk, anna, subject_marking=None)[("subject", "error")]
    assert "must carry NOFORN" in _problems(desk, anna, caveats=["SIPDIS"])[("caveats", "error")]
    assert "unknown addressee" in _problems(desk, anna, to=["AMEMBASSY ATLANTIS"])[("to.1", "error")]
    assert "unknown precedence" in _problems(desk, anna, precedence="URGENT")[("precedence", "error")]
    warn = _problems(desk, anna)
    assert "not in the archive" in warn[("references.1", "warning")]
    assert "names no telegram" in _problems(desk, anna, references=["TELCON 3 MARCH"])[("references.1", "warning")]
    assert not [k for k in warn if k[1] == "error"]


def test_workflow_refuses_what_roles_and_states_do_not_allow(backend_location: str) -> None:
    desk, people = make_desk(backend_location)
    draft, _ = save_draft(desk, people["anna"], secret_fields(long=False))
    with pytest.raises(DeskError, match="only a cleared draft"):
        release(desk, draft.id, people["carla"])
    with pytest.raises(DeskError, match="not a clearer"):
        clear(desk, draft.id, people["anna"])
    with pytest.raises(DeskError, match="another post"):
        clear(desk, draft.id, add_user(desk, "wash", post="STATE", roles="clearer", clearance="SECRET",
                                       caveats="NOFORN"))
    with pytest.raises(DeskError, match="not a releasing officer"):
        release(desk, draft.id, people["boris"])
    with pytest.raises(DeskError, match="not cleared for"):
        save_draft(desk, add_user(desk, "low", post="MOSCOW", roles="drafter", clearance="CONFIDENTIAL"),
                   secret_fields(long=False))
    bad, _found = save_draft(desk, people["anna"], {**secret_fields(long=False), "classified_by": None})
    with pytest.raises(DeskError, match="classified_by"):
        clear(desk, bad.id, people["boris"])
    clear(desk, draft.id, people["boris"])
    save_draft(desk, people["anna"], secret_fields(long=False), draft_id=draft.id)  # an edit un-clears
    assert load_draft(desk, draft.id).state == "draft" and load_draft(desk, draft.id).clearances == []


def test_nodis_reaches_only_named_addressees_and_exdis_readers(backend_location: str) -> None:
    desk, people = make_desk(backend_location)
    kyiv_reader = add_user(desk, "kyiv", post="KYIV", roles="reader", clearance="SECRET", caveats="NOFORN,NODIS")
    for name in ("anna", "boris"):
        people[name] = update_user(desk, people[name], caveats="NOFORN,NODIS")
    fields = {**secret_fields(long=False), "caveats": ["NODIS"], "paragraphs": [
        {"marking": "S", "text": "Summary: a nodis matter. End summary."}], "subject_marking": "S"}
    fields["classification"] = "SECRET"
    _draft, r = _release(desk, people, fields)
    assert r.delivered_to == ["SECSTATE WASHDC"]  # not the CIS collective's members
    assert inbox(desk, kyiv_reader) == []
    assert inbox(desk, people["dmitri"]) == []  # at Washington, but without NODIS access
    nodis_reader = add_user(desk, "nd", post="STATE", roles="reader", clearance="SECRET", caveats="NODIS")
    assert [i.reference_id for i in inbox(desk, nodis_reader)] == [r.cable.reference_id]


def test_inbox_orders_by_precedence_filters_and_replies_with_ref(backend_location: str) -> None:
    desk, people = make_desk(backend_location)
    short = secret_fields(long=False)
    sent = {}
    for prec, tag in (("ROUTINE", "ECON"), ("FLASH", "PREL"), ("PRIORITY", "ECON"), ("IMMEDIATE", "PGOV")):
        _d, r = _release(desk, people, {**short, "precedence": prec, "tags": [tag, "RS"]})
        sent[prec] = r.cable.reference_id
    dmitri = people["dmitri"]
    assert [i.precedence for i in inbox(desk, dmitri)] == ["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"]
    assert [i.reference_id for i in inbox(desk, dmitri, tag="ECON")] == [sent["PRIORITY"], sent["ROUTINE"]]
    assert [i.precedence for i in inbox(desk, dmitri, precedence="flash")] == ["FLASH"]
    open_message(desk, dmitri, sent["FLASH"])
    assert sent["FLASH"] not in [i.reference_id for i in inbox(desk, dmitri, unread=True)]
    answer = reply(desk, dmitri, sent["PRIORITY"])
    assert answer.reply_to == sent["PRIORITY"] and answer.state == "draft"
    assert [r.reference_id for r in answer.cable.references] == [sent["PRIORITY"]]
    assert [a.name for a in answer.cable.to] == ["AMEMBASSY MOSCOW"]
    assert answer.cable.origin.station == "STATE"


def test_cli_takes_a_markdown_draft_from_file_to_inbox(backend_location: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    db = backend_location
    run = lambda *a: main([*a, "--archive", db])  # noqa: E731
    for name in ("AMEMBASSY MOSCOW", "SECSTATE WASHDC"):
        assert run("posts", "add", name) == 0
    assert run("users", "add", "anna", "--post", "MOSCOW", "--roles", "drafter", "--clearance", "CONFIDENTIAL") == 0
    assert run("users", "add", "olga", "--post", "MOSCOW", "--roles", "clearer,releaser",
               "--clearance", "SECRET") == 0
    assert run("users", "add", "sam", "--post", "STATE", "--roles", "reader", "--clearance", "SECRET") == 0
    draft = tmp_path / "d.md"
    draft.write_text("---\nto: [SECSTATE WASHDC]\nprecedence: PRIORITY\nclassification: CONFIDENTIAL\n"
                     "caveats: [SIPDIS]\neo: 'DECL: 2036-01-01'\nclassified_by: 'Political Counselor Alice Brown, "
                     "Reasons 1.4 (b) and (d)'\ntags: [PGOV, RS]\nsubject: '(C) RUSSIA: A TEST'\n---\n"
                     "(C) Summary: first. End summary.\n\n## Heading\n\nSecond, unmarked.\n")
    capsys.readouterr()
    assert run("draft", str(draft), "--as", "anna") == 1  # an error: paragraph 2 is not marked
    assert "error: paragraphs.2: paragraph 2 is not marked" in capsys.readouterr().out
    draft.write_text(draft.read_text().replace("Second, unmarked.", "(U) Second, marked."))
    assert run("draft", str(draft), "--as", "anna", "--id", "1", "--show") == 0
    assert "C O N F I D E N T I A L MOSCOW 000001" in capsys.readouterr().out
    assert run("desk", "clear", "1", "--as", "olga", "--comment", "fine") == 0
    assert run("desk", "release", "1", "--as", "olga", "--dtg", "011200Z JAN 10") == 0
    assert "released 10MOSCOW1 (011200Z JAN 10), delivered to SECSTATE WASHDC; archived" in capsys.readouterr().out
    with open_archive(db, readonly=True) as archive:  # SIPDIS: stored in this archive, whichever backend
        stored = archive.get("10MOSCOW1")
    assert stored is not None and stored.subject == "RUSSIA: A TEST"
    assert run("desk", "inbox", "--as", "sam") == 0
    assert "10MOSCOW1" in capsys.readouterr().out
    assert run("desk", "access", "controlled") == 1  # setting the mode needs an admin
    assert run("desk", "access", "controlled", "--as", "sam") == 1
    assert run("users", "add", "zoe", "--post", "STATE", "--roles", "admin") == 0
    assert run("desk", "access", "controlled", "--as", "zoe") == 0
    assert run("users", "list", "--json") == 0
    assert yaml.safe_load(capsys.readouterr().out.splitlines()[-1])[0]["username"] == "anna"
