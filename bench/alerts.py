"""What matching saved searches costs a release: 1,000 saved searches, one new cable at a time.

A release stores one cable in the archive; its ingest then runs `match_new` for the new id. This
bench times exactly that call (`cablegram.desk.alerts.match_new`, webhooks off) on released cables
of the dev corpus, with 1,000 saved searches of 20 readers (words, phrases, prefixes, OR, NOT,
tag and origin filters, drawn from the words of the corpus's subjects, leaving out the words more
than 1% of subjects use), in an open archive and in a
controlled one (readers of four clearances). The baseline, run here too, is the plain way: each
saved query through the reader's search restricted to the new id (no word pass).
Target: under 50 ms per release with 1,000 saved searches. Part of the desk bench (`bench/desk.py`).

    python bench/alerts.py [--archive dev.db] [--releases 40] [--searches 1000]

Without --archive it ingests the dev corpus into a temporary file first (the file is copied: the
bench adds a desk and alerts to it).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from cablegram.archive import ingest, open_archive
from cablegram.desk import add_post, add_user, open_desk
from cablegram.desk.alerts import _confirmed, _reader_archive, match_new, save_search
from cablegram.desk.db import DeskDB

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _corpus import dev_records

CLEARANCES = (("UNCLASSIFIED", ""), ("CONFIDENTIAL", ""), ("SECRET", "NOFORN"), ("TOP SECRET", "NOFORN EXDIS NODIS"))
_WORD = re.compile(r"[A-Za-z]{4,}")


def queries(archive: Any, n: int, rng: random.Random) -> list[str]:
    """`n` saved queries of every kind, from the words of the archive's subjects."""
    rows = archive.db.execute("SELECT subject, origin_station FROM cables WHERE subject IS NOT NULL").fetchall()
    # words a reader would watch for: not the few that most subjects use ("with", "from", "talks")
    counts = Counter(w.lower() for s, _ in rows for w in set(_WORD.findall(s)))
    words = sorted(w for w, c in counts.items() if c <= len(rows) // 100)
    stations = sorted({st for _, st in rows if st})
    tags = [t for (t,) in archive.db.execute("SELECT tag FROM tags GROUP BY tag ORDER BY count(*) DESC LIMIT 200")]
    out = []
    for i in range(n):
        a, b = rng.choice(words), rng.choice(words)
        kind = i % 8
        out.append([
            a, f"{a} {b}", f'"{rng.choice(rows)[0].split()[0].lower()} {a}"', f"{a[:4]}*", f"{a} OR {b}",
            f"{a} NOT {b}", f"tag:{rng.choice(tags)} {a}", f"origin:{rng.choice(stations).lower()} {a}",
        ][kind])
    return out


def setup(path: Path, n: int, controlled: bool) -> list[Any]:
    """A desk with 20 readers holding `n` saved searches between them; returns the readers."""
    rng = random.Random(7)
    desk = open_desk(path)
    add_post(desk, "SECSTATE WASHDC")
    desk.set_access_mode("controlled" if controlled else "open")
    users = [add_user(desk, f"reader{i}", post="STATE", clearance=CLEARANCES[i % 4][0],
                      caveats=CLEARANCES[i % 4][1].split()) for i in range(20)]
    with open_archive(path, readonly=True) as archive:
        for i, q in enumerate(queries(archive, n, rng)):
            save_search(desk, users[i % 20], f"s{i}", q)
    desk.close()
    return users


def run(path: Path, releases: list[str], controlled: bool,
        n: int) -> tuple[list[float], list[float], list[float], int]:
    users = setup(path, n, controlled)
    desk = DeskDB(path)
    searches = desk.query("SELECT user_id, query FROM desk_saved_searches")
    by_id = {u.id: u for u in users}
    ours, base, cpus, made = [], [], [], 0
    with open_archive(path) as archive:
        match_new(desk, archive, [releases[0]], webhooks=False)  # warm: caches, the reader indexes
        for rid in releases[1:]:
            started, cpu = time.perf_counter(), time.process_time()
            made += len(match_new(desk, archive, [rid], webhooks=False))
            ours.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        for rid in releases[1:4]:  # the baseline is slow: three releases
            started = time.perf_counter()
            for user_id, query in searches:
                _confirmed(_reader_archive(archive, by_id[user_id], controlled), query, [rid])
            base.append(time.perf_counter() - started)
    desk.close()
    return ours, base, cpus, made


def load() -> str:
    """The load average (1, 5, 15 minutes): on a shared machine, what the wall times went through."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def ms(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(q * len(xs)))] * 1000


def report(archive_path: Path | None, releases: int = 40, searches: int = 1000) -> None:
    """Print the figures (`archive_path`: an archive of the dev corpus, copied; None: ingest one)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "dev.db"
        if archive_path:
            shutil.copyfile(archive_path, source)
        else:
            with open_archive(source) as archive:
                ingest(archive, dev_records())
        with open_archive(source, readonly=True) as archive:
            ids = [r for (r,) in archive.db.execute("SELECT reference_id FROM cables")]
        sample = random.Random(3).sample(ids, releases + 1)
        print(f"{len(ids)} cables, {searches} saved searches of 20 readers, {releases} releases;"
              f" load average {load()} on {os.cpu_count()} cores")
        for controlled in (False, True):
            path = Path(tmp) / f"{'controlled' if controlled else 'open'}.db"
            shutil.copyfile(source, path)
            ours, base, cpus, made = run(path, sample, controlled, searches)
            mode = "controlled" if controlled else "open"
            print(f"{mode:<10} match_new per release  p50 {ms(ours, .5):7.1f} ms  p95 {ms(ours, .95):7.1f} ms"
                  f"  mean {statistics.mean(ours) * 1000:7.1f} ms  ({made} alerts)")
            print(f"{mode:<10} its CPU time           p50 {ms(cpus, .5):7.1f} ms  p95 {ms(cpus, .95):7.1f} ms"
                  f"  mean {statistics.mean(cpus) * 1000:7.1f} ms  (load average {load()})")
            print(f"{mode:<10} baseline (every saved query through the reader's search)"
                  f"  mean {statistics.mean(base) * 1000:7.1f} ms per release")
            mean = statistics.mean(ours) * 1000
            print(f"{mode:<10} ratio {statistics.mean(ours) / statistics.mean(base):.3f};"
                  f" target under 50 ms per release: mean {'met' if mean < 50 else 'NOT met'},"
                  f" p95 {'met' if ms(ours, .95) < 50 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, help="an archive of the dev corpus (default: ingest one)")
    parser.add_argument("--releases", type=int, default=40)
    parser.add_argument("--searches", type=int, default=1000)
    args = parser.parse_args()
    report(args.archive, args.releases, args.searches)


if __name__ == "__main__":
    main()
