"""SQLite and PostgreSQL hold the same archive: the same dev cables ingested into both give equal
totals and facet counts for every bench query, the same record for every cable, the same stats
and the same reference graph. Ranking may differ (docs/archive.md, PostgreSQL).

The first `N` dev cables keep the test a few seconds long; `CABLEGRAM_PARITY_ALL=1` takes all.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import Any

import pytest

from archive_fixtures import need_parser
from cablegram.archive import ingest, open_archive
from corpus import ROOT
from pg_support import fresh_schema

pytestmark = pytest.mark.postgres

N = 5437 if os.environ.get("CABLEGRAM_PARITY_ALL") == "1" else 1200

#: Beyond the bench's queries: every field, NOT, prefixes, phrases, punctuation, diacritics.
EXTRA = [
    '"south ossetia"', "subject:georgia", "-iran", "iran -nuclear", "iran NOT nuclear", "georg*",
    '"human righ"*', 'to:"SECSTATE WASHDC"', "caveat:noforn", "from:2008 to:2009-06",
    "drafter:claxton", "office:EUR", "approver:eur", "id:08MOSCOW2629", "ref:08MOSCOW2618",
    '"--"', "(iran OR iraq) AND NOT class:secret", "u.s.-russia", "e-mail", "1.5", "12958",
    "café", "sao paulo", "são paulo", "o'neill", "NOT tag:PGOV", "tag:PGOV OR caveat:noforn",
    "russia OR (origin:moscow -georgia)", "c/o", "08MOSCOW*",
]


def _bench_queries() -> list[str]:
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.QUERIES)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    need_parser()
    from corpus import dev_records

    records = dev_records()[:N]
    with fresh_schema("parity") as url:
        sqlite = open_archive(tmp_path_factory.mktemp("parity") / "p.db")
        pg = open_archive(url)
        ingest(sqlite, records, workers=2)
        ingest(pg, records, workers=2)
        yield sqlite, pg
        sqlite.close()
        pg.close()


@pytest.mark.parametrize("query", _bench_queries() + EXTRA)
def test_totals_and_facets_are_equal(both: tuple[Any, Any], query: str) -> None:
    sqlite, pg = both
    facets = ["origin", "year", "month", "classification", "tag", "caveat"]
    a, b = sqlite.search(query, facets=facets, limit=50), pg.search(query, facets=facets, limit=50)
    assert (b.total, b.facets) == (a.total, a.facets)
    assert {h.reference_id for h in b.hits} <= {c.reference_id for c in sqlite.iter_records(query)}
    by_date = [h.reference_id for h in sqlite.search(query, sort="date", limit=50).hits]
    assert [h.reference_id for h in pg.search(query, sort="date", limit=50).hits] == by_date


def test_the_bench_queries_find_something(both: tuple[Any, Any]) -> None:
    """The parity above is not the parity of empty results."""
    sqlite, _ = both
    assert sum(sqlite.search(q, limit=0).total > 0 for q in _bench_queries()) >= 20


def test_every_cable_has_the_same_record_text_and_versions(both: tuple[Any, Any]) -> None:
    sqlite, pg = both
    a, b = list(sqlite.iter_records()), list(pg.iter_records())
    assert len(a) > N * 0.9 and b == a
    for cable in a[::50]:
        ref = cable.reference_id
        assert pg.raw_text(ref) == sqlite.raw_text(ref)
        assert pg.versions(ref) == sqlite.versions(ref)


def test_stats_and_reference_graph_are_equal(both: tuple[Any, Any]) -> None:
    sqlite, pg = both
    assert pg.stats() == sqlite.stats()
    cited = [c.reference_id for c in sqlite.iter_records() if c.references][:40]
    assert cited
    for ref in cited:
        assert pg.references(ref) == sqlite.references(ref)
        assert pg.thread(ref, depth=2) == sqlite.thread(ref, depth=2)


def test_ingest_again_adds_nothing(both: tuple[Any, Any]) -> None:
    from corpus import dev_records

    _, pg = both
    before = pg.stats()
    report = ingest(pg, dev_records()[:N], workers=0)
    assert report.stored == report.updated == 0 and report.duplicates == report.read
    assert pg.stats()["cables"] == before["cables"]
