"""`cablegram serve --workers N`: N processes on one port and one archive, SQLite or PostgreSQL.

Each test starts the real command on a free port, asks it many questions at once, and reads the
process tree from /proc: N worker processes under the command, each of which spent CPU answering
(the kernel hands connections to whichever worker accepts first), cables ingested meanwhile seen
by every worker, and SIGTERM to the command stops every worker.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from archive_fixtures import need_parser
from cablegram.archive import ingest, open_archive
from corpus import DEV, ROOT

WORKERS = 2
PROC = Path("/proc")

pytestmark = pytest.mark.skipif(not PROC.is_dir(), reason="reads the process tree from /proc")


def _children(pid: int) -> list[int]:
    out = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _cpu_ticks(pid: int) -> int:
    fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _alive(pid: int) -> bool:
    try:
        state = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextmanager
def serving(location: str, workers: int = WORKERS) -> Iterator[tuple[subprocess.Popen[str], str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "cablegram", "serve", "--archive", location,
                             "--port", "0", "--workers", str(workers)],
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        assert m, line
        assert f"{workers} workers" in line and "***" not in line.replace(":***@", "")
        yield proc, m.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def _get(url: str) -> tuple[int, bytes]:
    deadline = time.monotonic() + 90  # workers import the app in turn: slow on a loaded machine
    while True:
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except (ConnectionError, urllib.error.URLError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # a worker is still starting


def _workers_up(proc: subprocess.Popen[str], base: str) -> list[int]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pids = _children(proc.pid)
        # uvicorn's workers are spawned: python processes, plus the resource tracker maybe
        workers = [p for p in pids if "multiprocessing.spawn" in (PROC / str(p) / "cmdline")
                   .read_bytes().decode(errors="replace") and "resource_tracker" not in
                   (PROC / str(p) / "cmdline").read_bytes().decode(errors="replace")]
        if len(workers) == WORKERS and _get(f"{base}/api/stats")[0] == 200:
            return workers
        time.sleep(0.5)
    raise AssertionError(f"{WORKERS} workers did not start: children {_children(proc.pid)}")


def _run(location: str, add: Any) -> None:
    with serving(location) as (proc, base):
        workers = _workers_up(proc, base)
        before = {p: _cpu_ticks(p) for p in workers}
        pages = [f"{base}/search?q=minister&facet=origin&page={1 + i % 5}" for i in range(120)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(_get, pages))
        assert [s for s, _ in answers] == [200] * len(pages)
        spent = {p: _cpu_ticks(p) - before[p] for p in workers}
        assert all(t > 0 for t in spent.values()), spent  # every worker answered some

        new_id = add()  # cables ingested while the workers run
        with ThreadPoolExecutor(8) as pool:
            seen = list(pool.map(_get, [f"{base}/api/cables/{new_id}"] * 40))
        assert [s for s, _ in seen] == [200] * 40, [s for s, _ in seen]

        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in workers if _alive(p)]


def _adder(location: str) -> Any:
    """A function that ingests 20 more dev cables and returns the id of one that is new."""
    from cablegram.sources import read_path
    from cablegram.telegram.parse import parse

    def add() -> str:
        records = list(islice(read_path(DEV), 300, 320))
        with open_archive(location) as archive:
            new = [rid for r in records if (rid := parse(r.text).reference_id)
                   and archive.get(rid) is None]
            assert new
            ingest(archive, records, workers=0)
            assert archive.get(new[0]) is not None
        return new[0]
    return add


def test_serve_workers_share_one_archive(archive_backend: str, backend_location: str) -> None:
    need_parser()
    from cablegram.sources import read_path

    with open_archive(backend_location) as archive:
        ingest(archive, list(islice(read_path(DEV), 0, 300)), workers=0)
    _run(backend_location, _adder(backend_location))


def test_workers_must_be_at_least_one(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    r = subprocess.run([sys.executable, "-m", "cablegram", "serve", "--archive", str(tmp_path / "a.db"),
                        "--workers", "0"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "--workers must be at least 1" in r.stderr
