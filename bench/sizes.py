"""How big an archive is, table by table and index by index, on SQLite or PostgreSQL, and what
that makes at 2 million and 20 million cables (docs/scale.md).

    python bench/sizes.py /tmp/cablegram-bench/ours-x5.db
    python bench/sizes.py 'postgresql://user@host/db?options=-csearch_path%3Dx5'

SQLite sizes come from the `dbstat` table (pages in use, per table and per index; the FTS5 index
is its `cables_fts_*` tables); PostgreSQL's from `pg_relation_size` (heap), its TOAST table
(long texts, compressed) and `pg_relation_size` of each index. Extrapolation is linear in the
number of cables: each cable brings its rows to every table and its postings to the text index.
The "hot" set is what every search reads: the text index, `cable_facets` and its indexes, the tag
index and the primary keys; it is what should stay in RAM.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections import defaultdict

TARGETS = (2_000_000, 20_000_000)
#: Tables and indexes every search touches (both backends' names).
HOT = {"cables_fts_data", "cables_fts_idx", "cables_fts_docsize", "cable_facets", "cable_facets_day",
       "cable_facets_origin", "tags_tag", "cables_tsv", "cables_subject_tsv", "cables_pkey",
       "cable_facets_pkey", "sqlite_autoindex_cables_1", "cables_reference_id_key",
       "cables_v3_pkey", "cables_v3_reference_id_key"}  # names kept from schema 3's new table


def sqlite_sizes(path: str) -> tuple[int, list[tuple[str, str, int]]]:
    """(cables, [(table, object, bytes)]): each table's and index's pages in use."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    owner = {name: table for name, table in db.execute("SELECT name, tbl_name FROM sqlite_master")}
    rows = []
    for name, size in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        table = owner.get(name, name)
        if table.startswith("cables_fts"):
            table = "cables_fts"
        rows.append((table, name, int(size)))
    cables = int(db.execute("SELECT count(*) FROM cables").fetchone()[0])
    return cables, rows


def pg_sizes(url: str) -> tuple[int, list[tuple[str, str, int]]]:
    import psycopg

    with psycopg.connect(url) as conn:
        rows = []
        for table, heap, total, indexes in conn.execute(
                "SELECT c.relname, pg_relation_size(c.oid), pg_total_relation_size(c.oid),"
                " pg_indexes_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid ="
                " c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'"):
            rows.append((table, table, int(heap)))
            rows.append((table, f"{table} (TOAST)", int(total - heap - indexes)))
            for name, size in conn.execute(
                    "SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x JOIN pg_class i"
                    " ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass", (table,)):
                rows.append((table, name, int(size)))
        cables = int(conn.execute("SELECT count(*) FROM cables").fetchone()[0])  # type: ignore[index]
    return cables, rows


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1000
    return str(n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("location", help="a SQLite file or a postgresql:// URL")
    ap.add_argument("--objects", action="store_true", help="list every index, not only per table")
    args = ap.parse_args()
    pg = args.location.startswith(("postgresql://", "postgres://"))
    cables, rows = pg_sizes(args.location) if pg else sqlite_sizes(args.location)
    if not cables:
        sys.exit("the archive holds no cable")
    by_table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for table, name, size in rows:
        is_index = name != table and not name.endswith("(TOAST)")  # FTS5's tables: an index
        by_table[table][1 if is_index else 0] += size
    total = sum(size for _t, _n, size in rows)
    hot = sum(size for _t, name, size in rows if name in HOT)
    print(f"{'PostgreSQL' if pg else 'SQLite'} archive, {cables:,} cables")
    print(f"{'table':<22}{'data':>12}{'indexes':>12}")
    for table, (data, index) in sorted(by_table.items(), key=lambda kv: -sum(kv[1])):
        if data + index >= 100_000:
            print(f"{table:<22}{human(data):>12}{human(index):>12}")
    if args.objects:
        print()
        for table, name, size in sorted(rows, key=lambda r: -r[2]):
            if size >= 100_000:
                print(f"  {name:<32}{human(size):>12}  ({table})")
    print(f"{'total':<22}{human(total):>24}   {human(total / cables)} a cable")
    print(f"{'hot (every search)':<22}{human(hot):>24}   {human(hot / cables)} a cable")
    for target in TARGETS:
        k = target / cables
        print(f"at {target:>12,} cables: disk {human(total * k):>10}, hot indexes {human(hot * k):>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
