"""`advice:` in a controlled archive tells nothing a reader may not see, on both backends.

A stored advice score is of a cable's whole text. A reader sees it only for the cables they may
fully see: a hidden cable is out of every search, and a readable cable with a portion withheld from
the reader has no advice for them (`advice:` never matches it, `-advice:` always does).

The archive is 300 real dev cables and, made from the real CONFIDENTIAL cables whose advice
disagrees with their marking, copies with paragraph 1 marked C//NF: readable by a CONFIDENTIAL
reader without NOFORN, but not fully, and scored as their originals for a reader who sees everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from archive_fixtures import ingest_paths
from cablegram.access import RESTRICTING_CAVEATS, can_read, needs_redaction
from cablegram.advise import LEVELS, AdviceModel, level_of
from cablegram.advise.scores import score_archive
from cablegram.archive import ingest, open_archive
from cablegram.archive.base import AccessFilter
from cablegram.desk.controlled import ControlledArchive
from cablegram.model import Cable
from cablegram.sources import RawRecord
from cablegram.telegram.parse import parse
from cablegram.telegram.render import render
from test_advise_scores import first300, model  # noqa: F401


@dataclass
class Reader:
    clearance: str
    caveats: frozenset[str] = frozenset()


READERS = [Reader("UNCLASSIFIED"), Reader("CONFIDENTIAL"), Reader("SECRET", frozenset({"NOFORN"}))]


def _copies(cables: list[Cable], advice_model: AdviceModel) -> list[Cable]:
    """CONFIDENTIAL cables (no restricting caveat) advised another level, copied (serial * 10) with
    their first numbered paragraph marked C//NF."""
    out = []
    for cable, advice in zip(cables, advice_model.advise(cables), strict=True):
        if level_of(cable) == "CONFIDENTIAL" and advice.advised != "CONFIDENTIAL" and cable.serial \
                and cable.paragraphs and cable.paragraphs[0].number is not None \
                and not set(cable.caveats) & RESTRICTING_CAVEATS and len(out) < 5:
            first = replace(cable.paragraphs[0], marking="C//NF")
            out.append(parse(render(replace(cable, reference_id=f"{cable.reference_id}0", serial=cable.serial * 10,
                                            paragraphs=(first, *cable.paragraphs[1:])))))
    return out


@pytest.fixture()
def scored(backend_location: str, first300: Path, model: AdviceModel) -> Iterator[tuple[Any, set[str]]]:  # noqa: F811
    ingest_paths(backend_location, [first300])  # type: ignore[list-item]
    archive = open_archive(backend_location)
    copies = _copies(list(archive.iter_records()), model)
    ingest(archive, [RawRecord(render(c), {"format": "text", "file": "copies", "line": i})
                     for i, c in enumerate(copies)], workers=0)
    score_archive(archive, model, 1)
    yield archive, {c.reference_id for c in copies if c.reference_id}
    archive.close()


def _found(archive: Any, query: str) -> set[str]:
    result = archive.search(query, limit=1000)
    assert result.total == len(result.hits)
    return {h.reference_id for h in result.hits}


def test_a_reader_sees_advice_only_of_the_cables_they_may_fully_see(scored: tuple[Any, set[str]]) -> None:
    archive, copies = scored
    cables = {c.reference_id: c for c in archive.iter_records()}
    over, under = _found(archive, "advice:overclassified"), _found(archive, "advice:underclassified")
    assert copies and copies & (over | under)  # scored for a reader who sees all
    withheld_somewhere = False
    for reader in READERS:
        view = ControlledArchive(archive, reader)

        def full(ids: set[str], reader: Reader = reader) -> set[str]:
            return {i for i in ids if can_read(reader, cables[i])
                    and not needs_redaction(reader, cables[i], archive.raw_text(i))}

        for query, open_set in (("advice:overclassified", over), ("advice:underclassified", under)):
            found = _found(view, query)
            assert found == full(open_set), (reader, query)
            withheld_somewhere |= bool({i for i in open_set if can_read(reader, cables[i])} - found)
            # negated: every readable cable but those, whatever its score
            readable = {i for i, c in cables.items() if can_read(reader, c)}
            assert _found(view, f"-{query}") == readable - found
        # combined with a level: still only what the reader may fully see
        both = "advice:underclassified class:unclassified"
        assert _found(view, both) == full(_found(archive, both))
    assert withheld_somewhere  # the copies' advice was withheld from the CONFIDENTIAL reader
    low = ControlledArchive(archive, READERS[1])
    assert not copies & (_found(low, "advice:overclassified") | _found(low, "advice:underclassified"))


def test_an_access_filter_without_a_match_source_gives_no_advice(scored: tuple[Any, set[str]]) -> None:
    archive, _ = scored
    assert archive.search("advice:underclassified", limit=0).total > 0
    for rank in range(len(LEVELS)):
        assert archive.search("advice:underclassified", limit=0, access=AccessFilter(max_rank=rank)).total == 0
        assert archive.search("advice:overclassified", limit=0, access=AccessFilter(max_rank=rank)).total == 0
