"""Searching PostgreSQL (issue 12). The time budget: `query_timeout` becomes each statement's
`statement_timeout`, so PostgreSQL itself stops a query past it, and the search fails with the
same `QueryTimeout` as on SQLite; the connection is whole again afterwards. An archive indexed
with word pairs (schemas 2 and 3) loses them when opened (schema 4)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from archive_fixtures import need_parser
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


def test_a_version_3_archive_loses_its_word_pairs_on_open_and_searches_alike(pg: Any) -> None:
    """Schema 2 indexed neighbouring words as lexemes too (most of the archive's bytes); schema 4
    takes them out again: the same totals and facets, phrases included, and the tsvectors that
    `tsvector_literal` writes today."""
    import psycopg

    from cablegram.archive import postgres_schema
    from cablegram.archive.postgres_query import tsvector_literal

    queries = ['"human rights"', '"human righ"*', '"the united states"', "iran -nuclear",
               "subject:russia", "georg*"]
    before = {q: pg.search(q, facets=["origin", "classification"]) for q in queries}
    assert all(before[q].total > 0 for q in queries)
    with psycopg.connect(pg.url, autocommit=True) as conn:  # the tsvectors as version 3 wrote them
        conn.execute(
            "UPDATE cables c SET tsv = c.tsv || coalesce((WITH o AS (SELECT u.lexeme, p"
            " FROM unnest(c.tsv) u, unnest(u.positions) p) SELECT array_to_tsvector("
            "array_agg(DISTINCT x.lexeme || ' ' || y.lexeme)) FROM o x JOIN o y ON y.p = x.p + 1),"
            " ''::tsvector)")
        conn.execute("UPDATE schema_version SET version = 3")
        pairs = "SELECT count(*) FROM cables, unnest(tsv) u WHERE u.lexeme LIKE '% %'"
        assert conn.execute(pairs).fetchone()[0] > 10_000
    open_archive(pg.url).close()  # migrates
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (
            postgres_schema.SCHEMA_VERSION,) == (4,)
        assert conn.execute(pairs).fetchone() == (0,)
        stored = conn.execute("SELECT reference_id, subject, tag_text, tsv::text FROM cables"
                              " ORDER BY id LIMIT 20").fetchall()
    for ref, subject, tag_text, tsv in stored:
        assert tsv == pg.fetch("SELECT ?::tsvector::text",
                               (tsvector_literal(subject, tag_text, pg.raw_text(ref)),))[0][0]
    pg._cache.clear()
    for q in queries:
        after = pg.search(q, facets=["origin", "classification"])
        assert (after.total, after.facets) == (before[q].total, before[q].facets), q


def test_a_search_holds_one_pooled_connection(pg: Any) -> None:
    """A search's look-ups (dimensions, addressee names, release dates, the generation) run on
    the search's own connection: with every other connection busy, it neither waits for a second
    one nor fails (before, a pool of N and N searches at once each held one and waited 30 s)."""
    origin = pg.search("iran", limit=1).hits[0].origin
    queries = ['to:"SECSTATE WASHDC" iran', f'origin:"{origin}"', "class:secret iran"]
    wide = [pg.search(q, facets=["origin", "classification"]) for q in queries]
    one = open_archive(pg.url, readonly=True, pool_size=1)  # its caches cold: each look-up runs
    try:
        one.pool.timeout = 3  # a search asking for a second connection would fail after 3 s
        started = time.monotonic()
        narrow = [one.search(q, facets=["origin", "classification"]) for q in queries]
        assert time.monotonic() - started < 3
    finally:
        one.close()
    assert [(r.total, r.facets) for r in narrow] == [(r.total, r.facets) for r in wide]
    assert all(r.total > 0 for r in narrow)
