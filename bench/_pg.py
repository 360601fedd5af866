"""PostgreSQL for the benches: `--archive postgresql://…` names a server (database); each bench
archive lives in a schema of its own there, named by the scale (`cablegram_bench_x5`), so that
bench/search.py and bench/serve.py find what bench/ingest.py loaded. `--drop` removes it.

Two people benching on one server keep apart with `CABLEGRAM_BENCH_SCHEMA=NAME` (or bench/ingest.py's
`--schema NAME`): the schemas are then `NAME_x5` and so on."""

from __future__ import annotations

import os
from urllib.parse import quote

#: The environment variable naming the benches' schema prefix (default `cablegram_bench`).
SCHEMA_ENV = "CABLEGRAM_BENCH_SCHEMA"


def is_pg(location: object) -> bool:
    return str(location).startswith(("postgresql://", "postgres://"))


def schema_name(scale: int, suffix: str = "") -> str:
    prefix = os.environ.get(SCHEMA_ENV) or "cablegram_bench"
    if not prefix.replace("_", "").isalnum():
        raise SystemExit(f"{SCHEMA_ENV}={prefix!r}: letters, digits and _ only")
    return f"{prefix.lower()}_x{scale}{suffix}"


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


class ServerCPU:
    """The CPU seconds of the server processes serving connections named `application_name`,
    while in the `with` block: read from /proc every 0.2 s, so only for a server on this
    machine (else None), and a connection that ends between two reads loses up to 0.2 s."""

    def __init__(self, url: str, application_name: str) -> None:
        self.url, self.name = url, application_name
        self.seen: dict[int, float] = {}
        self.seconds: float | None = None
        self._stop = False

    @staticmethod
    def _cpu(pid: int) -> float | None:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _watch(self) -> None:
        import time

        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop:
                for (pid,) in conn.execute("SELECT pid FROM pg_stat_activity"
                                           " WHERE application_name = %s", (self.name,)):
                    cpu = self._cpu(pid)
                    if cpu is not None:
                        self.seen[pid] = cpu
                time.sleep(0.2)

    def __enter__(self) -> ServerCPU:
        import threading

        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self._thread.join()
        self.seconds = sum(self.seen.values()) if self.seen else None
