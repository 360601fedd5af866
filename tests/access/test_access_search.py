"""Search in a controlled archive matches a cable only as the reader sees it.

A word that occurs only in a portion withheld from the reader (a C//NF paragraph of a
CONFIDENTIAL cable for a reader without NOFORN, a subject so marked) must not make that cable match: not in the
hits, not in the total, not in any facet, not in exports; a reader cleared for the portion finds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from cablegram.access import can_read, redact
from cablegram.archive import ingest, open_archive
from cablegram.archive.base import FACETS
from cablegram.desk.controlled import ControlledArchive
from cablegram.model import EO, Cable, ClassifiedBy, Paragraph
from cablegram.sources import RawRecord
from cablegram.synth import synthesize
from cablegram.telegram.parse import parse
from cablegram.telegram.render import render
from pg_support import BACKENDS, fresh_schema
from test_access_leaks import ingest_cables, make_cables


@dataclass
class Reader:
    clearance: str
    caveats: frozenset[str] = frozenset()


#: SECRET holds NOFORN: it may see the C//NF portions of the CONFIDENTIAL cables.
CONFIDENTIAL, SECRET = Reader("CONFIDENTIAL"), Reader("SECRET", frozenset({"NOFORN"}))

#: (classification, subject marking, subject, [(marking, text)]) of each cable.
SPECS = [
    ("CONFIDENTIAL", "C", "FISHERIES TALKS", [
        ("C", "The delegation discussed fisheries quotas in the Barents Sea."),
        ("C//NF", "The plutonium reprocessing facility near Tomsk will resume work in May."),
    ]),
    ("CONFIDENTIAL", "C//NF", "URANIUM ENRICHMENT TALKS", [
        ("C", "The delegation discussed fisheries and the weather."),
    ]),
    ("CONFIDENTIAL", "C", "FISHERIES AGAIN", [
        ("C", "The delegation discussed fisheries at length."),
        ("C//NF", "The ambassador mentioned the zirconium contract."),
    ]),
    ("UNCLASSIFIED", "U", "WEATHER REPORT", [
        ("U", "The fisheries ministry reported warm weather."),
    ]),
    ("SECRET", "S", "PLUTONIUM REPORT", [
        ("S", "The plutonium reprocessing facility is discussed again."),
    ]),
]


def _cable(base: Cable, spec: tuple[str, str, str, list[tuple[str, str]]]) -> Cable:
    level, smark, subject, paragraphs = spec
    classified = level != "UNCLASSIFIED"
    cable = replace(
        base, classification=level, caveats=("SIPDIS",), subject_marking=smark, subject=subject,
        paragraphs=tuple(Paragraph(i, m, None, t) for i, (m, t) in enumerate(paragraphs, 1)), summary=None,
        comment=None, references=(),
        eo=EO("12958", "2030-01-01", "DECL: 01/01/2030") if classified else EO("12958", None, "N/A"),
        classified_by=ClassifiedBy(("John Doe",), "Ambassador", ("1.4(b)",), "Ambassador John Doe, Reasons 1.4 (b)")
        if classified else None)
    return parse(render(cable))


def new_location(backend: str, tmp: Path, stack: ExitStack, name: str = "archive") -> str:
    """Where a new, empty archive of `backend` is (a PostgreSQL schema lives as long as `stack`)."""
    return str(tmp / f"{name}.db") if backend == "sqlite" else stack.enter_context(fresh_schema())


@pytest.fixture(scope="module", params=BACKENDS)
def archive_path(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[Cable]]]:
    """The SPECS archive on each backend: a file path or a `postgresql://` URL."""
    cables = [_cable(item.cable, spec) for item, spec in zip(synthesize(len(SPECS), seed=3, versions=0), SPECS,
                                                                strict=True)]
    with ExitStack() as stack:
        path = new_location(request.param, tmp_path_factory.mktemp("search"), stack, "controlled")
        with open_archive(path) as archive:
            ingest(archive, [RawRecord(render(c), {"format": "text", "file": "t", "line": i})
                             for i, c in enumerate(cables)], workers=0)
        yield path, cables


def _search(path: str, reader: Reader, query: str, **kw: object) -> tuple[int, set[str], dict[str, int]]:
    with open_archive(path, readonly=True) as inner:
        result = ControlledArchive(inner, reader).search(query, facets=FACETS, limit=100, **kw)  # type: ignore[arg-type]
    counts = {name: sum(f.count for f in values) for name, values in result.facets.items()}
    return result.total, {h.reference_id for h in result.hits}, counts


@pytest.mark.parametrize("query", ["plutonium", '"reprocessing facility"', "pluto*", '"plutonium reprocessing"*',
                                   "tomsk OR zzzz", "plutonium fisheries", "(plutonium) tag:ZZZZ OR plutonium",
                                   "subject:uranium", "uranium", "enrich*"])
@pytest.mark.parametrize("sort", ["rank", "bm25", "date", "-date"])
def test_a_withheld_word_finds_nothing_for_the_reader_below_it(archive_path: tuple[str, list[Cable]], query: str,
                                                               sort: str) -> None:
    path, cables = archive_path
    total, hits, counts = _search(path, CONFIDENTIAL, query, sort=sort)
    assert (total, hits) == (0, set())
    assert all(n == 0 for n in counts.values()), counts
    # the SECRET reader, cleared for the portion, finds the CONFIDENTIAL cable that holds it
    total, hits, counts = _search(path, SECRET, query, sort=sort)
    word_cable = cables[1] if "uran" in query or "enrich" in query else cables[0]
    assert word_cable.reference_id in hits and total == len(hits) >= 1
    assert counts["classification"] == total and counts["year"] == total


def test_a_caveat_portion_is_withheld_from_a_reader_without_the_caveat(archive_path: tuple[str, list[Cable]]) -> None:
    path, cables = archive_path
    assert _search(path, CONFIDENTIAL, "zirconium")[0] == 0
    assert _search(path, Reader("CONFIDENTIAL", frozenset({"NOFORN"})), "zirconium")[1] == {cables[2].reference_id}


def test_visible_words_still_match_and_counts_agree(archive_path: tuple[str, list[Cable]]) -> None:
    path, cables = archive_path
    total, hits, counts = _search(path, CONFIDENTIAL, "fisheries")
    assert hits == {c.reference_id for c in cables[:4]} and total == 4
    assert counts == {"origin": 4, "year": 4, "month": 4, "classification": 4, "tag": counts["tag"], "caveat": 4}
    # NOT: a cable whose only 'plutonium' is withheld does not contain it for this reader
    assert _search(path, CONFIDENTIAL, "fisheries -plutonium")[1] == {c.reference_id for c in cables[:4]}
    assert _search(path, SECRET, "fisheries -plutonium")[1] == {c.reference_id for c in cables[1:4]}
    assert _search(path, CONFIDENTIAL, "NOT uranium", filters="class:confidential")[0] == 3
    # the subject a reader sees is what `subject:` searches
    assert _search(path, CONFIDENTIAL, 'subject:"subject withheld"')[1] == {cables[1].reference_id}


def test_pages_of_an_exact_result_cover_it_once(archive_path: tuple[str, list[Cable]]) -> None:
    path, _ = archive_path
    with open_archive(path, readonly=True) as inner:
        archive = ControlledArchive(inner, CONFIDENTIAL)
        for sort in ("rank", "bm25", "date", "-date"):
            whole = archive.search("fisheries -plutonium", limit=100, sort=sort)  # type: ignore[arg-type]
            pages = [h for o in range(0, 5) for h in archive.search("fisheries -plutonium", limit=1, offset=o,
                                                                     sort=sort).hits]  # type: ignore[arg-type]
            assert [h.reference_id for h in pages] == [h.reference_id for h in whole.hits]
            assert all("plutonium" not in (h.snippet + (h.subject or "")).lower() for h in pages)


def test_exports_match_the_reader_view(archive_path: tuple[str, list[Cable]]) -> None:
    path, cables = archive_path
    with open_archive(path, readonly=True) as inner:
        low, high = ControlledArchive(inner, CONFIDENTIAL), ControlledArchive(inner, SECRET)
        assert list(low.iter_records("plutonium")) == []
        assert len(low.to_pandas("plutonium")) == 0
        assert [c.reference_id for c in high.iter_records("plutonium")] == [cables[0].reference_id,
                                                                            cables[4].reference_id]
        assert {c.reference_id for c in low.iter_records("fisheries -plutonium")} == \
            {c.reference_id for c in cables[:4]}


def test_the_reader_index_follows_changes(backend_location: str) -> None:
    base = list(synthesize(2, seed=5, versions=0))
    with open_archive(backend_location) as inner:
        archive = ControlledArchive(inner, CONFIDENTIAL)
        ingest(inner, [RawRecord(render(_cable(base[0].cable, SPECS[3])), {"format": "text", "file": "t", "line": 0})],
               workers=0)
        assert archive.search("plutonium").total == 0
        ingest(inner, [RawRecord(render(_cable(base[1].cable, SPECS[0])), {"format": "text", "file": "t", "line": 1})],
               workers=0)
        assert archive.search("plutonium").total == 0
        assert archive.search("fisheries").total == 2


def _oracle_queries(cables: list[Cable]) -> list[str]:
    toks = sorted({w for c in cables for p in c.paragraphs for w in p.text.split() if w.startswith("tk")})
    return ["delegation", "withheld", "tk00*", "tk01*", f"delegation -{toks[0]}", f"{toks[1]} OR {toks[2]}",
            f'"discussed item {toks[3]}"', f"subject:{cables[0].subject.split()[-1]}", 'subject:"talks report"',
            "class:confidential delegation", f"NOT {toks[4]}", f"(tag:PGOV OR {toks[5]}) delegation", "report*",
            *toks[6:40]]


@pytest.mark.parametrize("clearance,caveats", [("UNCLASSIFIED", ()), ("CONFIDENTIAL", ()), ("SECRET", ()),
                                               ("SECRET", ("NOFORN",)), ("TOP SECRET", ("NOFORN", "EXDIS"))])
def test_controlled_search_equals_an_open_archive_of_what_the_reader_sees(
        tmp_path: Path, archive_backend: str, clearance: str, caveats: tuple[str, ...]) -> None:
    """The oracle: an open archive holding only the redacted records the reader may read, searched
    without any access control, gives the same totals, hits and facets for every query."""
    reader = Reader(clearance, frozenset(caveats))
    cables = make_cables(21, 40)
    seen = [render(redact(c, reader)) for c in cables if can_read(reader, c)]
    with ExitStack() as stack:
        controlled_at = new_location(archive_backend, tmp_path, stack, "controlled")
        oracle_at = new_location(archive_backend, tmp_path, stack, "oracle")
        ingest_cables(controlled_at, cables)
        with open_archive(oracle_at) as oracle:
            ingest(oracle, [RawRecord(t, {"format": "text", "file": "o", "line": i}) for i, t in enumerate(seen)],
                   workers=0)
        _compare(controlled_at, oracle_at, cables, reader)


def _compare(controlled_at: str, oracle_at: str, cables: list[Cable], reader: Reader) -> None:
    with open_archive(controlled_at, readonly=True) as inner, \
            open_archive(oracle_at, readonly=True) as oracle:
        controlled = ControlledArchive(inner, reader)
        for q in _oracle_queries(cables):
            for sort in ("rank", "date"):
                got = controlled.search(q, facets=FACETS, limit=1000, sort=sort)  # type: ignore[arg-type]
                want = oracle.search(q, facets=FACETS, limit=1000, sort=sort)  # type: ignore[arg-type]
                assert got.total == want.total, q
                assert {h.reference_id for h in got.hits} == {h.reference_id for h in want.hits}, q
                assert got.facets == want.facets, q
                if sort == "date":
                    assert [h.reference_id for h in got.hits] == [h.reference_id for h in want.hits], q
                    assert [h.subject for h in got.hits] == [h.subject for h in want.hits], q
            assert [c.reference_id for c in controlled.iter_records(q)] == \
                [c.reference_id for c in oracle.iter_records(q)], q


VIENNA = """R 031200Z MAR 08
FM AMEMBASSY VIENNA
TO SECSTATE WASHDC 0001
S E C R E T VIENNA 000001

SIPDIS

E.O. 12958: DECL: 03/03/2018
TAGS: PREL AU
SUBJECT: (S) BANKING REPORT

REF: A. STATE 1234 (S/NF) ON NOVIN B. VIENNA 309

Classified By: DCM Scott Kilner, reasons 1.4 (b) and (d).

1. (S) Banks report here.

2. (U) Plain text.
"""


def test_a_withheld_reference_is_no_ref_match(backend_location: str) -> None:
    """`ref:` finds a cable only through the references the reader sees: a REF item marked above
    them is withheld, so it cites nothing for them (on both backends)."""
    with open_archive(backend_location) as inner:
        ingest(inner, [RawRecord(VIENNA, {"format": "text", "file": "t", "line": 0})], workers=0)
        cited = {r.reference_id for r in inner.get("08VIENNA1").references}  # type: ignore[union-attr]
        assert {"08STATE1234", "08VIENNA309"} <= cited
        low, high = ControlledArchive(inner, Reader("SECRET")), ControlledArchive(inner, SECRET)
        for q in ("ref:08STATE1234", "banks ref:08STATE1234", "ref:08STATE1234 OR tag:ZZZZ", "novin"):
            assert low.search(q, facets=FACETS).total == 0, q
            assert list(low.iter_records(q)) == [], q
        assert low.search("ref:08VIENNA309").total == 1  # the visible item still cites
        assert high.search("ref:08STATE1234").total == high.search("novin").total == 1


def test_a_condition_the_reader_rewrite_does_not_know_is_refused() -> None:
    """Fail closed: a plan whose conditions read the stored text in a form the reader's rewrite
    does not know is refused, never run on the stored text."""
    from cablegram.access import access_filter
    from cablegram.archive.query import Plan, QueryError
    from cablegram.archive.reader import ReaderSource
    from cablegram.archive.sqlite_reader import for_reader

    acc = access_filter(CONFIDENTIAL)
    assert acc is not None
    source = ReaderSource(acc, "rtest", 0, frozenset(), frozenset())
    known = Plan(None, ["f.id IN (SELECT rowid FROM cables_fts WHERE cables_fts MATCH ?)", "f.day >= ?"],
                 ['"tomsk"', 20080101])
    rewritten = for_reader(known, source)
    assert rewritten.params == ['"tomsk"', '"tomsk"', 20080101] and "temp.rtest_fts" in rewritten.where[0]
    for where in (["f.id IN (SELECT rowid FROM cables_fts WHERE cables_fts MATCH ? LIMIT 5)"],
                  ["f.id IN (SELECT from_id FROM refs WHERE to_id = ?)"]):
        with pytest.raises(QueryError):
            for_reader(Plan(None, where, ["x"]), source)
    with pytest.raises(QueryError):  # parameters that do not line up
        for_reader(Plan(None, ["f.day >= ?"], [1, 2]), source)
