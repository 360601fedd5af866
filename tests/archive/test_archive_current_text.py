"""Which text of a re-released cable is current does not depend on the order its texts are read
in (nor on which of several ingest processes reads which): real pairs of texts from the dev
corpus, ingested in both orders, on both backends, end with the same current text and versions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive_fixtures import need_parser
from cablegram.archive import ingest, open_archive
from cablegram.sources import RawRecord, read_path
from cablegram.telegram import parse
from corpus import DEV, SHARED
from pg_support import fresh_schema

#: Cables the dev corpus holds two texts of, each pair with one date-time group.
PAIRS = ("05LIMA3571", "05PARIS5539", "06REYKJAVIK401", "08MANAMA492")


def _pair_records() -> list[RawRecord]:
    serials = tuple(re.search(r"\d+$", ref).group() for ref in PAIRS)  # type: ignore[union-attr]
    out = []
    for record in read_path(DEV):
        if record.error or not any(s in record.text for s in serials):
            continue
        if parse(record.text).reference_id in PAIRS:
            out.append(record)
    return out


@contextmanager
def _location(backend: str, path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield str(path)
    else:
        with fresh_schema() as url:
            yield url


@pytest.mark.skipif(not DEV.exists(), reason=f"the shared corpus is absent: {SHARED}")
def test_the_current_text_does_not_depend_on_the_reading_order(archive_backend: str, tmp_path: Path) -> None:
    need_parser()
    records = _pair_records()
    assert len(records) == 2 * len(PAIRS)
    with _location(archive_backend, tmp_path / "forward.db") as forward, \
            _location(archive_backend, tmp_path / "backward.db") as backward:
        for where, order in ((forward, records), (backward, records[::-1])):
            with open_archive(where) as archive:
                report = ingest(archive, order, workers=0)
            assert (report.stored, report.updated) == (len(PAIRS), len(PAIRS))
        with open_archive(forward) as a, open_archive(backward) as b:
            for ref in PAIRS:
                assert a.raw_text(ref) == b.raw_text(ref), ref
                assert a.get(ref) == b.get(ref), ref
                texts = {(v.content_hash, v.current) for v in a.versions(ref)}
                assert texts == {(v.content_hash, v.current) for v in b.versions(ref)}
                assert len(texts) == 2 and sum(current for _, current in texts) == 1
