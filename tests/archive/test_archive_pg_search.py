"""Searching PostgreSQL (issue 12). The time budget: `query_timeout` becomes each statement's
`statement_timeout`, so PostgreSQL itself stops a query past it, and the search fails with the
same `QueryTimeout` as on SQLite; the connection is whole again afterwards. Word pairs: an
archive indexed before schema 2 gets them when opened."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from archive_fixtures import need_parser, pg_as_version_1
from cablegram.archive import ingest, open_archive
from cablegram.archive import postgres_search as pg_search
from cablegram.archive.budget import QueryCancelled, QueryTimeout, cancelled
from pg_support import fresh_schema
from test_query_limits import HEAVY

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg() -> Iterator[Any]:
    need_parser()
    from corpus import dev_records

    with fresh_schema("budget") as url:
        archive = open_archive(url)
        ingest(archive, dev_records()[:400], workers=0)
        yield archive
        archive.close()


def test_a_slow_statement_is_stopped_by_postgresql(pg: Any) -> None:
    pg.query_timeout = 0.2
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match=r"longer than the limit of 0\.2 s"), \
                pg_search.session(pg, "sleep") as s:
            s.all("SELECT pg_sleep(5)")
        assert time.monotonic() - started < 2  # stopped inside the server, not after 5 s
    finally:
        pg.query_timeout = 5.0
    assert pg.search("piracy", limit=1).total >= 0  # the pooled connection works again


def test_a_search_over_its_budget_fails_with_query_timeout(pg: Any) -> None:
    pg.query_timeout = None
    started = time.monotonic()
    whole = pg.search(HEAVY, sort="bm25", facets=["origin", "tag"])
    assert whole.total > 300
    unbounded = time.monotonic() - started
    pg.query_timeout = 0.001
    try:
        with pytest.raises(QueryTimeout, match=r"longer than the limit of 0\.001 s"):
            pg.search(HEAVY, sort="bm25", facets=["origin", "tag"])
        with pytest.raises(QueryTimeout):
            list(pg.iter_records(HEAVY))
    finally:
        pg.query_timeout = 5.0
    assert unbounded > 0.001
    r = pg.search(HEAVY, sort="bm25", facets=["origin", "tag"])
    assert (r.total, r.facets) == (whole.total, whole.facets)


def test_a_search_whose_requester_left_stops(pg: Any) -> None:
    gone = threading.Event()
    gone.set()
    token = cancelled.set(gone)
    try:
        with pytest.raises(QueryCancelled):
            pg.search(HEAVY, sort="bm25")
    finally:
        cancelled.reset(token)
    assert pg.search("piracy").total > 0


def test_an_archive_without_word_pairs_gets_them_on_open(pg: Any) -> None:
    """Schema 2 indexes neighbouring words as lexemes (two-word phrases found by the GIN index
    alone); an archive written before is brought up to it when opened."""
    import psycopg

    from cablegram.archive import postgres_schema

    before = pg.search('"human rights"', facets=["origin"])
    assert before.total > 0
    pg_as_version_1(pg.url)  # the tables as version 1 wrote them: texts uncompressed...
    with psycopg.connect(pg.url, autocommit=True) as conn:  # ...and no word pairs
        conn.execute("UPDATE cables SET tsv = ts_delete(tsv, ARRAY(SELECT lexeme FROM unnest(tsv)"
                     " WHERE lexeme LIKE '% %')), subject_tsv = ts_delete(subject_tsv, ARRAY("
                     "SELECT lexeme FROM unnest(subject_tsv) WHERE lexeme LIKE '% %'))")
    pg._cache.clear()
    assert pg.search('"human rights"', limit=0).total == 0  # what an old archive answers now
    open_archive(pg.url).close()  # migrates: the pairs (2), then the compressed bodies (3)
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (
            postgres_schema.SCHEMA_VERSION,)
    pg._cache.clear()
    pg.codec.reload()  # version 3 trained the archive's dictionary again
    after = pg.search('"human rights"', facets=["origin"])
    assert (after.total, after.facets) == (before.total, before.facets)
