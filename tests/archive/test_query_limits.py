"""Hostile queries (issue 9, items 2 and 10): repeated terms are dropped, the size of a query is
bounded with a clear error, and a query runs within a time budget enforced inside SQLite."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from archive_fixtures import run_cli
from cablegram.archive import QueryError, SQLiteArchive
from cablegram.archive.budget import QueryCancelled, QueryTimeout, cancelled
from cablegram.archive.query import MAX_DEPTH, MAX_TERMS, MIN_PREFIX, And, Or, Term, parse_query
from cablegram.archive.search import compile_for

#: Legal (32 terms) but heavy: 16 short prefixes and 16 of the commonest words, ranked by BM25
#: over every cable. Seconds on the dev corpus.
HEAVY = " OR ".join(
    [f"{p}*" for p in "con pro com per sta pre dis int res rep gov min for off sec pol".split()]
    + "the of and to in is for on that with by be as at this from".split())


def test_repeated_terms_are_dropped() -> None:
    the = Term("the")
    assert parse_query(" ".join(["the"] * 300)) == the
    assert parse_query(" OR ".join(["the"] * 280)) == the
    assert parse_query("the THE The \"the\"") == the
    assert parse_query("NEAR(" + " ".join(["the"] * 300) + ")") == And((Term("NEAR"), the))
    assert parse_query("(iran nuclear) (nuclear iran) iran") == And((Term("iran"), Term("nuclear")))
    assert parse_query("(a OR b) OR (b OR a) OR a") == Or((Term("a"), Term("b")))
    assert parse_query("tag:PGOV tag:pgov iran") == parse_query("tag:PGOV iran")
    # what differs stays: a phrase is not its words, a prefix not its word, -x not x
    assert parse_query('"the the" the the*') == And((Term("the the", phrase=True), the,
                                                     Term("the", prefix=True)))
    assert parse_query("iran -iran").nodes[1].node == Term("iran")  # type: ignore[union-attr]
    assert len(parse_query(HEAVY).nodes) == MAX_TERMS  # type: ignore[union-attr]


@pytest.mark.parametrize(("query", "message"), [
    ("(" * 300 + "x" + ")" * 300, f"nested too deeply ({MAX_DEPTH} levels"),
    ("NOT " * 300 + "x", f"nested too deeply ({MAX_DEPTH} levels"),
    ("(" * 300 + "x", f"nested too deeply ({MAX_DEPTH} levels"),
    (" ".join(f"w{i}" for i in range(200)), f"200 terms, {MAX_TERMS} at most"),
    ('"' + " ".join(["the"] * 300) + '"', f"300 terms, {MAX_TERMS} at most"),
    (" OR ".join(f"origin:x{i}" for i in range(40)), f"40 terms, {MAX_TERMS} at most"),
    ("a" * 2001, "2001 characters, 2000 at most"),
    (" OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz"), f"{MIN_PREFIX} characters before"),
    ('iran "south os"*', f"{MIN_PREFIX} characters before '*' ('os*'"),
])
def test_oversized_queries_get_an_error_that_names_the_limit(query: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        parse_query(query)


def test_queries_at_the_limits_parse() -> None:
    assert parse_query("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == Term("x")
    assert len(parse_query(" ".join(f"w{i}" for i in range(MAX_TERMS))).nodes) == MAX_TERMS  # type: ignore[union-attr]
    with pytest.raises(QueryError):
        parse_query(" ".join(f"w{i}" for i in range(MAX_TERMS + 1)))


def test_a_word_300_times_finds_what_the_word_finds(dev_archive: SQLiteArchive) -> None:
    many = " ".join(["iran"] * 300)
    assert compile_for(dev_archive, many, None, None).match == '"iran"'
    once, again = dev_archive.search("iran", facets=["origin"]), dev_archive.search(many, facets=["origin"])
    assert once.total == again.total > 50 and once.hits == again.hits and once.facets == again.facets


def test_a_query_over_its_time_budget_is_stopped_inside_sqlite(dev_archive: SQLiteArchive) -> None:
    dev_archive.query_timeout = 0.05
    try:
        with pytest.raises(QueryTimeout, match=r"longer than the limit of 0\.05 s"):
            dev_archive.search(HEAVY, sort="bm25", facets=["origin", "tag"])
        with pytest.raises(QueryTimeout):
            list(dev_archive.iter_records(HEAVY))
        dev_archive.query_timeout = 1e-6  # a budget around budgets: the outer one says why
        with pytest.raises(QueryTimeout):
            dev_archive.stats()
    finally:
        dev_archive.query_timeout = 5.0
    # the connection is whole again, and its progress handler gone
    r = dev_archive.search("piracy", facets=["origin"])
    assert r.total > 0 and r.hits
    dev_archive.query_timeout = None
    assert dev_archive.search("georgia", limit=1).total > 0


def test_a_query_whose_requester_left_stops(dev_archive: SQLiteArchive) -> None:
    gone = threading.Event()
    gone.set()
    token = cancelled.set(gone)
    try:
        with pytest.raises(QueryCancelled):
            dev_archive.search(HEAVY, sort="bm25")
    finally:
        cancelled.reset(token)
    assert dev_archive.search("piracy").total > 0


def test_the_cli_says_what_is_wrong_in_one_line(dev_archive_path: Path) -> None:
    for query, expected in (("(" * 300 + "iran" + ")" * 300, "nested too deeply"),
                            (HEAVY, "longer than the limit of 0.05 s")):
        r = run_cli("search", query, "--sort", "bm25", "--timeout", "0.05",
                    "--archive", str(dev_archive_path), check=False)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("cablegram search: error: ") \
            and expected in lines[0], r.stderr
    ok = run_cli("search", " ".join(["piracy"] * 250), "--archive", str(dev_archive_path))
    assert "cables match" in ok.stdout
