"""PostgreSQL for the benches: `--archive postgresql://…` names a server (database); each bench
archive lives in a schema of its own there, named by the scale (`cablegram_bench_x5`), so that
bench/search.py and bench/serve.py find what bench/ingest.py loaded. `--drop` removes it.

`CABLEGRAM_BENCH_SCHEMA=NAME` names the schema instead (two people benching on one server each
keep their own: `NAME_x5`)."""

from __future__ import annotations

import os
import re
from urllib.parse import quote


def is_pg(location: object) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def schema_name(scale: int, suffix: str = "") -> str:
    prefix = os.environ.get("CABLEGRAM_BENCH_SCHEMA") or "cablegram_bench"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise SystemExit(f"CABLEGRAM_BENCH_SCHEMA={prefix!r}: lower-case letters, digits, _ only")
    return f"{prefix}_x{scale}{suffix}"


def schema_url(url: str, schema: str) -> str:
    """`url` with `schema` as its search path (an archive of its own in that database)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-c search_path={schema}')}"


def reset_schema(url: str, schema: str) -> str:
    """A new, empty `schema` (dropped first if it exists); its archive URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    return schema_url(url, schema)


def drop_schema(url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def schema_size(url: str, schema: str) -> int:
    """Bytes of every table and index in `schema`."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'm')", (schema,)).fetchone()
    return int(row[0]) if row else 0
