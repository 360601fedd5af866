"""Issue 11, items 4 and 8 on the dev corpus: from:/to: name a post as the FM line writes it, as its
station or as its label; snippets come from the paragraphs, not the header. On SQLite and on
PostgreSQL (`dev_backend_archive` in conftest.py)."""

from __future__ import annotations

import re

import pytest

from cablegram.archive import MARK_END, MARK_START
from cablegram.archive.query import parse_query
from cablegram.archive.snippets import paragraph_snippet, positive_terms, term_pattern

pytestmark = pytest.mark.slow


@pytest.fixture()
def dev_archive(dev_backend_archive):  # type: ignore[no-untyped-def]
    """The dev corpus archive, on each backend."""
    return dev_backend_archive


def test_from_and_origin_take_the_fm_line_name_station_and_label(dev_archive) -> None:
    by_label = dev_archive.search('origin:"Embassy Moscow"', limit=0).total
    assert by_label > 50
    for q in ('from:"AMEMBASSY MOSCOW"', 'origin:"AMEMBASSY MOSCOW"', "origin:moscow", "from:MOSCOW"):
        assert dev_archive.search(q, limit=0).total == by_label, q
    # the Department's FM line names its station, STATE, which every Department origin label shares
    assert dev_archive.search('from:"SECSTATE WASHDC"', limit=0).total == \
        dev_archive.search("origin:STATE", limit=0).total >= \
        dev_archive.search('origin:"Secretary of State"', limit=0).total > 0


def test_to_takes_the_name_station_label_and_routing_indicator(dev_archive) -> None:
    by_name = dev_archive.search('to:"AMEMBASSY MOSCOW"', limit=0).total
    assert by_name > 50
    assert dev_archive.search('to:"Embassy Moscow"', limit=0).total == by_name
    assert dev_archive.search("to:moscow", limit=0).total == by_name
    # the routing indicator finds the cables whose addressee lines carry it
    assert 0 < dev_archive.search("to:RUEHMO", limit=0).total <= by_name + 50
    assert dev_archive.search('to:"AMEMBASSY NOWHERE"', limit=0).total == 0


_HEADER = re.compile(r"E\.O\.\s+1\d{4}|TAGS:|C O N F I D E N T I A L|SUBJECT:")


def test_snippets_come_from_the_paragraphs(dev_archive) -> None:
    hits = dev_archive.search('"south ossetia"', limit=40).hits
    assert len(hits) >= 20
    # a few cables carry a second copy of their header inside a paragraph (reflowed extracts)
    header_like = [(h.reference_id, h.snippet) for h in hits if _HEADER.search(h.snippet)]
    assert len(header_like) <= len(hits) // 10, header_like
    marked = [h for h in hits if MARK_START in h.snippet]
    assert len(marked) >= len(hits) * 0.8
    for h in marked:
        inner = h.snippet.split(MARK_START, 1)[1].split(MARK_END, 1)[0]
        assert inner.lower() == "south ossetia", (h.reference_id, h.snippet)


def test_a_match_only_in_the_header_still_shows_where(dev_archive) -> None:
    # SIPDIS stands in the header's handling line, rarely in a paragraph: the header's snippet,
    # with the match marked
    hits = dev_archive.search("sipdis", limit=10).hits
    assert len(hits) == 10
    assert sum(MARK_START + "SIPDIS" in h.snippet.upper() for h in hits) >= 8, [h.snippet for h in hits]


def test_paragraph_snippet_marks_phrases_prefixes_and_accents() -> None:
    terms = positive_terms(parse_query('"south ossetia" medvedev* -russia'))
    assert [t.text for t in terms] == ["south ossetia", "medvedev"]
    pattern = term_pattern(terms)
    text = "In Tskhinvali, President Medvedev's envoy spoke of South  Ossetia and Russia."
    got = paragraph_snippet(["Nothing here.", text], pattern, words=9, lead=2)
    assert got == ("…Tskhinvali, President " + MARK_START + "Medvedev" + MARK_END + "'s envoy spoke of "
                   + MARK_START + "South  Ossetia" + MARK_END + "…")
    assert paragraph_snippet(["Medvedev"], term_pattern(positive_terms(parse_query("med")))) is None
    accent = term_pattern(positive_terms(parse_query('"sao paulo"')))
    assert MARK_START + "São Paulo" + MARK_END in (paragraph_snippet(["Consulate São Paulo reports"], accent) or "")
