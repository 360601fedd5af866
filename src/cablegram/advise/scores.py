"""The advice for every released cable, kept in the archive beside the cables it scores.

`advise train` scores each cable of the archive with the model it stores (table `advice_scores`:
the cable's own level, the advised level, P(classified) and the disagreement). The reading room's
over-classification view and the `advice:overclassified` / `advice:underclassified` filters read
it. The disagreement is the marked level's rank minus the rank the advice expects (the mean rank
under its probabilities): above 0 the marking sits above the advice, below 0 under it. A cable is
over-classified when its advised level is below its marking, under-classified when above it.

Scores are of the text as stored at training; a cable updated since keeps its old score until the
next `advise train`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cablegram.advise.features import LEVELS, level_of
from cablegram.advise.filters import FILTERS, TABLE, scored
from cablegram.advise.model import AdviceModel
from cablegram.advise.tables import ddl, tables
from cablegram.archive import reading
from cablegram.model import Cable

_CREATE = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    cable_id BIGINT PRIMARY KEY,
    model_version INTEGER NOT NULL,
    marked TEXT NOT NULL,
    marked_rank INTEGER NOT NULL,
    advised TEXT NOT NULL,
    advised_rank INTEGER NOT NULL,
    p_classified REAL NOT NULL,
    disagreement REAL NOT NULL
)"""
_INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_disagreement ON {TABLE} (disagreement)"
_BATCH = 500


@dataclass(frozen=True)
class Score:
    """One cable's advice as stored."""

    reference_id: str
    subject: str
    marked: str
    advised: str
    p_classified: float
    disagreement: float

    def to_dict(self) -> dict[str, Any]:
        return {"reference_id": self.reference_id, "subject": self.subject, "marked": self.marked,
                "advised": self.advised, "p_classified": round(self.p_classified, 4),
                "disagreement": round(self.disagreement, 3)}


def _records(archive: Any) -> Iterator[list[tuple[int, Cable]]]:
    """Every cable of the archive with its row id, in batches."""
    t = tables(archive)
    last = -1
    while True:
        ids = [int(r[0]) for r in t.rows("SELECT id FROM cables WHERE id > ? ORDER BY id LIMIT ?",
                                          (last, _BATCH))]
        if not ids:
            return
        last = ids[-1]
        yield list(zip(ids, reading.records(archive, ids), strict=True))  # stored compressed


def score_archive(archive: Any, model: AdviceModel, version: int) -> int:
    """Score every cable of a known level; replace the stored scores. Returns how many."""
    t = tables(archive)
    out: list[tuple[Any, ...]] = []
    for batch in _records(archive):
        labelled = [(i, c, lv) for i, c in batch if (lv := level_of(c)) is not None]
        if not labelled:
            continue
        p, _ = model.probabilities([c for _, c, _ in labelled])
        for (cable_id, _, marked), row in zip(labelled, p, strict=True):
            expected = float(sum(j * row[j] for j in range(len(LEVELS))))
            advised = int(row.argmax())
            marked_rank = LEVELS.index(marked)
            out.append((cable_id, version, marked, marked_rank, LEVELS[advised], advised,
                        float(row[2] + row[3]), marked_rank - expected))
    with t.writing() as w:
        w.execute(ddl(_CREATE, t.postgres))
        w.execute(_INDEX)
        w.execute(f"DELETE FROM {TABLE}")
        w.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", out)
    return len(out)


def most_disagreeing(archive: Any, direction: str, limit: int = 25) -> list[Score]:
    """The cables whose marking sits furthest above (`over`) or below (`under`) the advice."""
    if not scored(archive):
        return []
    over = direction == "over"
    rows = tables(archive).rows(
        f"SELECT c.reference_id, coalesce(c.subject, ''), s.marked, s.advised, s.p_classified,"
        f" s.disagreement FROM {TABLE} s JOIN cables c ON c.id = s.cable_id"
        f" WHERE s.{FILTERS['overclassified' if over else 'underclassified']}"
        f" ORDER BY s.disagreement {'DESC' if over else 'ASC'}, c.reference_id LIMIT ?", (limit,))
    return [Score(r[0], r[1], r[2], r[3], float(r[4]), float(r[5])) for r in rows]
