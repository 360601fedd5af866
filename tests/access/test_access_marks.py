"""Fail closed on every portion mark (issue 9, item 1).

A paragraph is shown only when the reader may see every mark in it: at its start, after a
sub-paragraph label (`¶A. (S/NF)`, `3. (S/NF)`, `G - J) (S//NF)`) or in sub-paragraphs the parser
merged; an unmarked paragraph of a classified cable takes the cable's marking; the cable's level
caps a mark's level (an UNCLASSIFIED cable keeps its `(C)` list items and `(S/P)` offices) while a
restricting caveat in a mark always counts. The subject, REF lines, notes, summary and comment follow.

The whole-corpus scan reads every dev cable as UNCLASSIFIED, CONFIDENTIAL and SECRET-without-NOFORN
readers, and looks for any mark above the reader in every text shown (the record as JSON, the text
re-rendered, the raw text as `raw`/`.txt` serve it) with its own, independently written mark reader;
a smaller sample goes end to end through the web pages and the API.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cablegram.access import (
    WITHHELD,
    can_read,
    marks_in,
    needs_redaction,
    paragraph_visible,
    portion_visible,
    redact,
    shown_text,
)
from cablegram.archive import ingest, open_archive
from cablegram.archive.base import AccessFilter
from cablegram.archive.records import classification_rank
from cablegram.desk import add_post, add_user, create_token, open_desk
from cablegram.desk.controlled import ControlledArchive, redacted_snippet
from cablegram.directory import tag_meaning
from cablegram.model import Cable, Paragraph
from cablegram.sources import RawRecord
from cablegram.telegram.parse import parse
from cablegram.telegram.render import render
from cablegram.web.app import create_app
from corpus import dev_parsed, needs_shared
from pg_support import BACKENDS, fresh_schema


@dataclass(frozen=True)
class Reader:
    clearance: str
    caveats: frozenset[str] = frozenset()


U, C, S = Reader("UNCLASSIFIED"), Reader("CONFIDENTIAL"), Reader("SECRET")
S_NF = Reader("SECRET", frozenset({"NOFORN"}))
RANK = {"UNCLASSIFIED": 0, "CONFIDENTIAL": 1, "SECRET": 2, "TOP SECRET": 3}

# --- the scan's own reading of marks (deliberately not the code under test) --------------------
_LEVELS = {"U": 0, "UNCLAS": 0, "UNCLASSIFIED": 0, "SBU": 0, "LOU": 0, "FOUO": 0, "C": 1, "CONFIDENTIAL": 1,
           "S": 2, "SECRET": 2, "TS": 3}
_CAVEATS = {"NF": "NOFORN", "NOFORN": "NOFORN", "ND": "NODIS", "NODIS": "NODIS", "XD": "EXDIS", "EXDIS": "EXDIS",
            "OC": "ORCON", "ORCON": "ORCON", "LIMDIS": "LIMDIS", "STADIS": "STADIS"}
_PAREN = re.compile(r"\(([^()…]{1,80})\)")
# a withheld notice, and the marking shown as its label: the mark of what is withheld is not content
# (a snippet may cut a notice short: it then ends in '…')
_LABEL = re.compile(r"\([^()]{1,40}\)\s*(?=\[(?:subject )?withheld)")
_NOTICE = re.compile(r"\[(?:subject )?withheld(?::[^\]…]*)?[\]…]")


def marks_above(text: str, cable_rank: int, reader: Reader) -> list[str]:
    """Every parenthesised portion mark in `text` above the reader (its level capped by the cable's)."""
    if "<" in text:  # a page: its text, tags gone
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())
    if "withheld" in text:
        text = _NOTICE.sub(" ", _LABEL.sub(" ", text))
    out = []
    for m in _PAREN.finditer(text):
        words = [w for w in re.split(r"[^A-Z0-9]+", m.group(1).upper()) if w]
        if words[:2] == ["TOP", "SECRET"]:
            words = ["TS", *words[2:]]
        if not words or words[0] not in _LEVELS:
            continue
        level = min(_LEVELS[words[0]], cable_rank)
        if level > RANK[reader.clearance] or {_CAVEATS[w] for w in words[1:] if w in _CAVEATS} - reader.caveats:
            out.append(m.group(0))
    return out


def _vienna() -> tuple[str, Cable]:
    for raw, cable in dev_parsed():
        if cable.reference_id == "06VIENNA515":
            return raw.text, cable
    pytest.skip("06VIENNA515 is not in the dev corpus")


def _shown(reader: Reader, raw: str, cable: Cable) -> list[str]:
    """Every text of the cable a reader is shown, as the archive's read paths build them."""
    shown = redact(cable, reader)
    return [json.dumps(shown.to_dict(), ensure_ascii=False), render(shown), shown_text(reader, cable, raw),
            redacted_snippet(shown, "the"), redacted_snippet(shown, "concern")]


# --- the rule, on hand-made cables -----------------------------------------------------------------

def _cable(classification: str, *paragraphs: Paragraph, caveats: tuple[str, ...] = ("SIPDIS",), **kw: object) -> Cable:
    return Cable(reference_id="09MOSCOW1", classification=classification, caveats=caveats, subject="TALKS",
                 paragraphs=paragraphs, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    "Issues ¶A. (S/NF) USG Concern: the secret part.",
    "First point. 3. (S/NF) The secret part.",
    "Points A - F covered. G - J) (S//NF) The secret part.",
    "Merged sub-paragraphs: (S/NF) GOA Response: the secret part.",
    "Lower case b) (s/nf) the secret part.",
    "Spaced (S NF) and dashed (S-NF) marks: the secret part.",
])
def test_a_mark_inside_a_paragraph_withholds_it(text: str) -> None:
    cable = _cable("SECRET", Paragraph(1, "S", None, text), Paragraph(2, "S", None, "A visible part."))
    assert marks_in(text)
    shown = redact(cable, S)
    assert shown.paragraphs[0].text.startswith("[withheld") and "secret part" not in render(shown)
    assert shown.paragraphs[1] == cable.paragraphs[1]
    assert redact(cable, S_NF) == cable


def test_an_unmarked_paragraph_takes_the_cables_marking() -> None:
    cable = _cable("SECRET", Paragraph(1, None, None, "Unmarked."), caveats=("NOFORN",))
    assert not paragraph_visible(AccessFilter(2, frozenset()), cable, cable.paragraphs[0])
    assert not paragraph_visible(AccessFilter(1, frozenset({"NOFORN"})), cable, cable.paragraphs[0])
    assert paragraph_visible(AccessFilter(2, frozenset({"NOFORN"})), cable, cable.paragraphs[0])
    assert not portion_visible(AccessFilter(1), None, _cable("SECRET"))  # not UNCLASSIFIED


def test_the_cables_level_caps_a_mark_but_a_caveat_always_counts() -> None:
    listed = "The items: (A) one, (B) two, (C) three; ask (S/P) and (S/ES)."
    cable = _cable("UNCLASSIFIED", Paragraph(1, "U", None, listed), Paragraph(2, "C", None, "Item (C) again."),
                   caveats=())
    assert can_read(U, cable) and not needs_redaction(U, cable) and redact(cable, U) == cable
    confidential = _cable("CONFIDENTIAL", Paragraph(1, "S", None, "Mis-marked (S) above the line."))
    assert redact(confidential, C) == confidential
    nf = _cable("UNCLASSIFIED", Paragraph(1, "U", None, "Then b) (SBU/NF) the part."), caveats=())
    assert redact(nf, U).paragraphs[0].text == WITHHELD.format(marking="SBU/NF")


def test_subject_references_notes_summary_and_comment_fail_closed() -> None:
    text = """R 031200Z MAR 08
FM AMEMBASSY VIENNA
TO SECSTATE WASHDC 0001
S E C R E T VIENNA 000001

SIPDIS

E.O. 12958: DECL: 03/03/2018
TAGS: PREL AU
SUBJECT: (S/NF) BANKING WITH NOVIN

REF: A. (S/NF) STATE 1234 ON NOVIN B. VIENNA 309

Classified By: DCM Scott Kilner, reasons 1.4 (b) and (d).

1. (S) Summary: Banks report here. End summary.

2. (S) Comment: B) (S/NF) Novin is the concern. End comment.

3. (U) Plain text.
"""
    cable = parse(text)
    shown = redact(cable, S)
    everything = json.dumps(shown.to_dict()) + render(shown) + shown_text(S, cable, text)
    assert "NOVIN" not in everything.upper().replace("[WITHHELD", ""), everything
    assert marks_above(everything, 2, S) == []
    assert shown.paragraphs[-1].text == "Plain text."
    assert "NOVIN" in json.dumps(redact(cable, S_NF).to_dict()).upper()


def test_unknown_classification_ranks_highest_everywhere() -> None:
    for value in (None, "", "BOGUS", "RESTRICTED"):
        cable = _cable(value, Paragraph(1, None, None, "text"))  # type: ignore[arg-type]
        assert classification_rank(value) == 3
        assert not can_read(S_NF, cable) and can_read(Reader("TOP SECRET", frozenset({"NOFORN"})), cable)


# --- real cables ---------------------------------------------------------------------------------

@needs_shared
def test_vienna_515_hides_its_merged_noforn_sub_paragraphs() -> None:
    raw, cable = _vienna()
    assert "Novin Energy" in raw and "¶A. (S/NF) USG Concern: Novin" in raw
    for text in _shown(S, raw, cable):
        assert "Novin" not in text and "Mogilevich" not in text
    shown = redact(cable, S)
    assert [p.number for p in shown.paragraphs] == [p.number for p in cable.paragraphs]
    assert shown.paragraphs[-1] == cable.paragraphs[-1] and "McCaw" in render(shown)  # (U) stays
    assert "Novin Energy" in shown_text(S_NF, cable, raw)


@needs_shared
@pytest.mark.parametrize("reader", [U, C, S], ids=["U", "C", "S-no-NOFORN"])
def test_no_dev_cable_shows_a_mark_above_the_reader(reader: Reader) -> None:
    """The whole dev corpus, with the functions the archive's read paths use: zero marks above the
    reader in any shown text; and the scan is not blind (the stored texts hold many)."""
    readable = leaks = stored = 0
    found: list[tuple[str | None, list[str]]] = []
    for raw, cable in dev_parsed():
        if not can_read(reader, cable):
            continue
        readable += 1
        rank = classification_rank(cable.classification)
        stored += len(marks_above(raw.text, rank, reader))
        for text in _shown(reader, raw.text, cable):
            bad = marks_above(text, rank, reader)
            if bad:
                leaks += len(bad)
                found.append((cable.reference_id, bad[:3]))
    assert readable > 1000
    assert leaks == 0, found[:10]
    if reader is not U:  # the dev corpus has no readable UNCLASSIFIED cable with a NOFORN mark
        assert stored > 50


# --- end to end, a sample through the web and the API --------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, Cable]], dict[str, str]]:
    """An archive of the dev cables some reader needs withheld parts of, and every 60th other one."""
    picked = [(raw.text, c) for i, (raw, c) in enumerate(dev_parsed())
              if any(can_read(r, c) and needs_redaction(r, c, raw.text) for r in (C, S)) or i % 60 == 0]
    path = tmp_path_factory.mktemp("marks") / "sample.db"
    with open_archive(path) as archive:
        ingest(archive, [RawRecord(t, {"format": "text", "file": "dev", "line": i}) for i, (t, _) in enumerate(picked)],
               workers=0)
    desk = open_desk(path)
    add_post(desk, "SECSTATE WASHDC")
    desk.set_access_mode("controlled")
    tokens = {}
    for name, r in (("u", U), ("c", C), ("s", S)):
        tokens[name] = create_token(desk, add_user(desk, f"scan{name}", post="STATE", clearance=r.clearance,
                                                   caveats=sorted(r.caveats)))
    desk.close()
    return path, picked, tokens


@needs_shared
@pytest.mark.parametrize("name,reader", [("c", C), ("s", S)], ids=["C", "S-no-NOFORN"])
def test_web_and_api_show_no_mark_above_the_reader(sample: tuple[Path, list[tuple[str, Cable]], dict[str, str]],
                                                   name: str, reader: Reader) -> None:
    path, picked, tokens = sample
    client = TestClient(create_app(path))
    headers = {"Authorization": f"Bearer {tokens[name]}"}
    readable = [(t, c) for t, c in picked if can_read(reader, c)]
    withheld = [(t, c) for t, c in readable if needs_redaction(reader, c, t)]
    assert len(withheld) >= 20
    only_withheld: dict[str, str] = {}  # a word -> a cable that has it only in a paragraph withheld from the reader
    for text, cable in readable:
        rid = cable.reference_id or ""
        rank = classification_rank(cable.classification)
        for url in (f"/api/cables/{rid}", f"/api/cables/{rid}/raw", f"/api/cables/{rid}/versions?text=true",
                    f"/cable/{rid}", f"/cable/{rid}.txt", f"/cable/{rid}.json"):
            r = client.get(url, headers=headers)
            assert r.status_code == 200, url
            assert marks_above(r.text, rank, reader) == [], url
        meanings = " ".join(tag_meaning(t) or "" for t in cable.tags).lower()
        for p_in, p_out in zip(cable.paragraphs, redact(cable, reader).paragraphs, strict=True):
            if p_out.text.startswith("[withheld"):
                rest = text.replace(p_in.text, "").lower()
                for w in re.findall(r"[A-Za-z]{9,}", p_in.text)[:2]:
                    if w.lower() not in rest and w.lower() not in meanings:
                        only_withheld.setdefault(w.lower(), rid)
    top = RANK[reader.clearance]  # a list of readable cables: none is above the reader, nor their levels
    assert len(only_withheld) >= 10
    for word, rid in sorted(only_withheld.items())[:25]:
        got = client.get("/api/search", params={"q": word, "limit": 50}, headers=headers).json()
        assert marks_above(json.dumps(got), top, reader) == [], word
        assert rid not in {h["reference_id"] for h in got["hits"]}, (word, rid)
        page = client.get("/search", params={"q": word}, headers=headers)
        assert page.status_code == 200 and marks_above(page.text, top, reader) == []
        assert rid not in page.text, (word, rid)
    with open_archive(path, readonly=True) as inner:
        exported = "\n".join(json.dumps(c.to_dict()) for c in ControlledArchive(inner, reader).iter_records())
    assert marks_above(exported, top, reader) == []


# --- the same scan through a controlled archive, on each backend ------------------------------------

def _picked() -> list[tuple[str, Cable]]:
    """The dev cables some reader needs withheld parts of, and every 60th other one (a real subset:
    the whole corpus takes minutes to store in PostgreSQL on a shared machine)."""
    return [(raw.text, c) for i, (raw, c) in enumerate(dev_parsed())
            if any(can_read(r, c) and needs_redaction(r, c, raw.text) for r in (C, S)) or i % 60 == 0]


@pytest.fixture(scope="module", params=BACKENDS)
def sample_archive(request: pytest.FixtureRequest,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[tuple[str, Cable]]]]:
    picked = _picked()
    with ExitStack() as stack:
        location = str(tmp_path_factory.mktemp("marks") / "a.db") if request.param == "sqlite" else \
            stack.enter_context(fresh_schema())
        with open_archive(location) as archive:
            ingest(archive, [RawRecord(t, {"format": "text", "file": "dev", "line": i})
                             for i, (t, _) in enumerate(picked)], workers=0)
        yield location, picked


@needs_shared
@pytest.mark.parametrize("reader", [U, C, S], ids=["U", "C", "S-no-NOFORN"])
def test_archive_read_paths_show_no_mark_above_the_reader(sample_archive: tuple[str, list[tuple[str, Cable]]],
                                                          reader: Reader) -> None:
    """Every readable cable of the subset through `ControlledArchive` (record, raw text, versions),
    search for words only withheld text holds, snippets of common words, the export: zero marks
    above the reader, and the stored texts do hold such marks (the scan is not blind)."""
    location, picked = sample_archive
    readable = [(t, c) for t, c in picked if can_read(reader, c)]
    top = RANK[reader.clearance]
    stored = 0
    only_withheld: dict[str, str] = {}
    with open_archive(location, readonly=True) as inner:
        archive = ControlledArchive(inner, reader)
        for text, cable in readable:
            rid = cable.reference_id or ""
            rank = classification_rank(cable.classification)
            stored += len(marks_above(text, rank, reader))
            record = archive.get(rid)
            assert record is not None, rid
            shown = [json.dumps(record.to_dict(), ensure_ascii=False), archive.raw_text(rid) or "",
                     *(v.raw_text for v in archive.versions(rid))]
            assert [m for t in shown for m in marks_above(t, rank, reader)] == [], rid
            for p_in, p_out in zip(cable.paragraphs, record.paragraphs, strict=True):
                if p_out.text.startswith("[withheld"):
                    rest = text.replace(p_in.text, "").lower()
                    for w in re.findall(r"[A-Za-z]{9,}", p_in.text)[:2]:
                        if w.lower() not in rest:
                            only_withheld.setdefault(w.lower(), rid)
        for word, rid in sorted(only_withheld.items())[:40]:
            got = archive.search(word, limit=50, facets=("classification",))
            assert rid not in {h.reference_id for h in got.hits}, (word, rid)
            assert marks_above(json.dumps(got.to_dict(), ensure_ascii=False), top, reader) == [], word
        for word in ("the", "concern", "government", "secret"):
            for sort in ("rank", "date"):
                got = archive.search(word, limit=200, sort=sort)  # type: ignore[arg-type]
                assert marks_above(json.dumps(got.to_dict(), ensure_ascii=False), top, reader) == [], word
        exported = "\n".join(json.dumps(c.to_dict(), ensure_ascii=False) for c in archive.iter_records())
        assert marks_above(exported, top, reader) == []
        assert archive.stats()["cables"] == len(readable)
    assert len(readable) > (20 if reader is U else 80)
    if reader is not U:
        assert stored > 50 and len(only_withheld) >= 10


def test_every_decision_goes_through_the_one_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Close the gate and nothing is readable or visible, on any helper; open it and all is."""
    import cablegram.access as access

    cable = _cable("UNCLASSIFIED", Paragraph(1, "U", None, "Plain."), caveats=())
    calls: list[object] = []
    monkeypatch.setattr(access, "allowed", lambda reader, marking: calls.append(marking) or False)
    assert not can_read(U, cable) and not paragraph_visible(U, cable, cable.paragraphs[0])
    assert not portion_visible(U, "U") and not portion_visible(U, None, cable) and needs_redaction(U, cable)
    assert len(calls) >= 4
    monkeypatch.setattr(access, "allowed", lambda reader, marking: True)
    secret = _cable("TOP SECRET", Paragraph(1, "TS", None, "b) (TS//NF) all."), caveats=("NODIS",))
    assert can_read(U, secret) and redact(secret, U) == secret
