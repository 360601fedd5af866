"""The desk's read-like helpers confirm nothing hidden (issue 9, items 6, 14 and 16).

- A draft's reference check reads the archive (and the desk's released cables) through the
  drafter's access: a reference to a cable they may not read gets the same "not in the archive"
  warning as a reference to no cable at all.
- Type-ahead filters by the reader's access before it takes the first N.
- Statistics count only the versions the reader may read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from cablegram.archive import ingest, open_archive
from cablegram.desk import add_user
from cablegram.desk.controlled import ControlledArchive
from cablegram.desk.drafts import save_draft
from cablegram.desk.workflow import clear, release
from cablegram.model import EO, Cable, ClassifiedBy, Paragraph
from cablegram.sources import RawRecord
from cablegram.synth import synthesize
from cablegram.telegram.parse import parse
from cablegram.telegram.render import render
from test_desk_support import make_desk, secret_fields


@dataclass(frozen=True)
class Reader:
    clearance: str
    caveats: frozenset[str] = frozenset()


def _archived(base: Cable, level: str, station_serial: int | None = None, caveats: tuple[str, ...] = ()) -> Cable:
    mark = {"UNCLASSIFIED": "U", "CONFIDENTIAL": "C", "SECRET": "S", "TOP SECRET": "TS"}[level]
    cable = replace(base, classification=level, caveats=(*caveats, "SIPDIS"), subject_marking=mark,
                    subject=f"A {level} REPORT", summary=None, comment=None, references=(),
                    paragraphs=(Paragraph(1, mark, None, f"A {level.lower()} paragraph."),),
                    eo=EO("12958", "2030-01-01", "DECL: 01/01/2030") if mark != "U" else EO("12958", None, "N/A"),
                    classified_by=ClassifiedBy(("John Doe",), "Ambassador", ("1.4(b)",),
                                               "Ambassador John Doe, Reasons 1.4 (b)") if mark != "U" else None)
    if station_serial is not None:
        cable = replace(cable, serial=station_serial)
    return parse(render(cable))


def _ref(c: Cable, label: str) -> str:
    return f"{label}. {(c.created or '')[2:4]} {c.origin.station} {c.serial}"


def test_the_reference_check_confirms_no_hidden_cable(backend_location: str) -> None:
    path = backend_location
    desk, people = make_desk(path)
    items = list(synthesize(3, seed=11, versions=0))
    secret, confidential = _archived(items[0].cable, "SECRET"), _archived(items[1].cable, "CONFIDENTIAL")
    with open_archive(path) as archive:
        ingest(archive, [RawRecord(render(c), {"format": "text", "file": "t", "line": i})
                         for i, c in enumerate((secret, confidential))], workers=0)
    # a TOP SECRET cable released from the desk
    tess = add_user(desk, "tess", post="MOSCOW", roles="drafter", clearance="TOP SECRET", caveats="NOFORN")
    top = {**secret_fields(long=False), "classification": "TOP SECRET"}
    top["paragraphs"] = [{**p, "marking": "TS"} if p["marking"] == "S//NF" else p for p in top["paragraphs"]]
    draft, problems = save_draft(desk, tess, top)
    assert not [p for p in problems if p.level == "error"], problems
    clear(desk, draft.id, people["carla"])
    released = release(desk, draft.id, people["carla"], when=datetime(2009, 3, 4, 10, 15)).cable
    cora = add_user(desk, "cora", post="MOSCOW", roles="drafter", clearance="CONFIDENTIAL")
    fields = {**secret_fields(long=False), "classification": "CONFIDENTIAL", "caveats": ["SIPDIS"],
              "subject_marking": "C", "references": [_ref(secret, "A"), _ref(released, "B"), "C. 09 MOSCOW 99999",
                                                     _ref(confidential, "D")]}
    fields["paragraphs"] = [{**p, "marking": "C"} for p in fields["paragraphs"]]
    with open_archive(path) as archive:
        _, problems = save_draft(desk, cora, fields, archive=archive)
        warned = {p.field: p.message for p in problems if "not in the archive" in p.message}
        assert set(warned) == {"references.1", "references.2", "references.3"}, problems
        # the same words for a hidden cable and for no cable at all
        assert warned["references.1"].replace(secret.reference_id or "", "X") == \
            warned["references.3"].replace("09MOSCOW99999", "X")
        # a reader cleared for them is told nothing about either
        fields_ts = {**fields, "classification": "SECRET", "caveats": ["NOFORN", "SIPDIS"]}
        fields_ts["paragraphs"] = secret_fields(long=False)["paragraphs"]
        _, problems = save_draft(desk, tess, fields_ts, archive=ControlledArchive(archive, tess))
        assert {p.field for p in problems if "not in the archive" in p.message} == {"references.3"}, problems


def test_type_ahead_filters_before_it_takes_the_first_n(backend_location: str) -> None:
    """Five or more SECRET cables sort before the two UNCLASSIFIED ones of the same year: a low
    reader still gets the two (before the fix: [] at limit 5)."""
    by_year: dict[str, list[Cable]] = {}
    for item in synthesize(80, seed=4, versions=0):
        by_year.setdefault((item.cable.reference_id or "")[:2], []).append(item.cable)
    group = sorted(max(by_year.values(), key=len), key=lambda c: c.reference_id or "")
    assert len(group) >= 7
    cables = [_archived(c, "SECRET" if i < len(group) - 2 else "UNCLASSIFIED") for i, c in enumerate(group)]
    with open_archive(backend_location) as archive:
        ingest(archive, [RawRecord(render(c), {"format": "text", "file": "t", "line": i})
                         for i, c in enumerate(cables)], workers=0)
        prefix = (cables[0].reference_id or "")[:2]
        low = ControlledArchive(archive, Reader("UNCLASSIFIED", frozenset()))
        got = [v for k, v in low.suggest(prefix, limit=5) if k == "reference_id"]
        assert got == [c.reference_id for c in cables[-2:]], got
        high = ControlledArchive(archive, Reader("SECRET", frozenset()))
        assert len(high.suggest(prefix, limit=5)) == 5


def test_stats_count_only_readable_versions(backend_location: str) -> None:
    """A cable whose earlier text was SECRET and whose current one is UNCLASSIFIED: the earlier
    version is no version for an UNCLASSIFIED reader, in `versions()` or in `stats()`."""
    base = next(iter(synthesize(1, seed=8, versions=0))).cable
    old, new = _archived(base, "SECRET"), _archived(base, "UNCLASSIFIED")
    assert old.reference_id == new.reference_id
    with open_archive(backend_location) as archive:
        for i, c in enumerate((old, new)):
            ingest(archive, [RawRecord(render(c), {"format": "text", "file": "t", "line": i,
                                                   "metadata": {"released": f"201{i}-01-01"}})], workers=0)
        assert archive.stats()["versions"] == 1
        low = ControlledArchive(archive, Reader("UNCLASSIFIED", frozenset()))
        assert len(low.versions(new.reference_id or "")) == 1
        assert low.stats()["versions"] == 0
        assert ControlledArchive(archive, Reader("SECRET", frozenset())).stats()["versions"] == 1
