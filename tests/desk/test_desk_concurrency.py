"""Concurrent releases: 16 processes releasing 192 cleared drafts of one post at once get 192
distinct, consecutive station serials and addressee sequence numbers, on SQLite (BEGIN
IMMEDIATE) and on PostgreSQL (the desk's advisory lock)."""

from __future__ import annotations

import multiprocessing

from cablegram.desk import clear, get_user, open_desk, release, save_draft
from test_desk_support import make_desk, secret_fields

RELEASES, PROCESSES = 192, 16


def _release_all(location: str, draft_ids: list[int]) -> list[tuple[int, int, int]]:
    desk = open_desk(location)
    carla = get_user(desk, "carla")
    assert carla is not None
    out = []
    for draft_id in draft_ids:
        r = release(desk, draft_id, carla)
        out.append((draft_id, r.cable.serial or 0, r.cable.to[0].serial or 0))
    desk.close()
    return out


def test_releases_from_16_processes_get_distinct_consecutive_serials(backend_location: str) -> None:
    desk, people = make_desk(backend_location)
    fields = {**secret_fields(long=False), "caveats": ["NOFORN"], "info": []}
    ids = []
    for _ in range(RELEASES):
        draft, _problems = save_draft(desk, people["anna"], fields)
        clear(desk, draft.id, people["boris"])
        ids.append(draft.id)
    desk.close()  # the children open their own; none shares the parent's connections
    chunks = [ids[i::PROCESSES] for i in range(PROCESSES)]
    with multiprocessing.get_context("fork").Pool(PROCESSES) as pool:
        results = [x for part in pool.starmap(_release_all, [(backend_location, c) for c in chunks]) for x in part]
    serials = sorted(s for _d, s, _q in results)
    sequences = sorted(q for _d, _s, q in results)
    assert serials == list(range(1, RELEASES + 1))
    assert sequences == list(range(1, RELEASES + 1))
    with open_desk(backend_location) as desk:
        rows = desk.query("SELECT reference_id, state FROM desk_drafts")
        assert len({r[0] for r in rows}) == RELEASES and {r[1] for r in rows} == {"delivered"}
        assert desk.one("SELECT count(*) FROM desk_inbox")[0] == RELEASES
        assert desk.one("SELECT next_serial FROM desk_posts WHERE station = 'MOSCOW'")[0] == RELEASES + 1
        assert desk.one("SELECT next_sequence FROM desk_channels")[0] == RELEASES + 1
    # the processes really ran at once: their serial ranges interleave
    by_process = [sorted(s for d, s, _q in results if d in set(c)) for c in chunks]
    assert all(len(p) == RELEASES // PROCESSES for p in by_process)
    interleaved = sum(1 for p in by_process if p[-1] - p[0] + 1 > len(p))
    assert interleaved >= 2, by_process
