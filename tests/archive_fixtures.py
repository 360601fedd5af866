"""Helpers for the archive tests: the shared corpus, storing and ingesting, the CLI, table digests.

The fixtures (`dev_archive_path`, `dev_archive`) are in tests/conftest.py, built once a session:
importing a fixture into a test module would build it again for that module.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from cablegram.archive import SQLiteArchive, ingest, open_archive
from cablegram.archive.records import content_hash, rows_for
from cablegram.model import Cable
from corpus import DEV, ROOT, SEED_JSON, SEED_TEXT, SHARED, VERSIONS  # noqa: F401  (re-exported)


def need_shared() -> None:
    if not DEV.exists():
        pytest.skip(f"the shared corpus is absent ({SHARED})")


def need_parser() -> None:
    need_shared()
    try:
        from cablegram.sources import read_paths  # noqa: F401
        from cablegram.telegram.parse import parse  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"the parser or the source readers are not importable: {exc}")


def seed_cable() -> tuple[Cable, str]:
    """The seed's expected record and raw text (no parser needed)."""
    if not SEED_JSON.exists():
        pytest.skip(f"the shared seed is absent ({SHARED})")
    return Cable.from_dict(json.loads(SEED_JSON.read_text())), SEED_TEXT.read_text()


def store_cable(archive: SQLiteArchive, cable: Cable, raw: str,
                released: str | None = None) -> str:
    """Write one cable the way ingest does; return what happened (stored, updated, ...)."""
    counts = archive.write_batch([rows_for(cable, raw, content_hash(raw), released)])
    return next(iter(counts))


def as_version_4(path: Path) -> None:
    """Turn the archive at `path` into what cablegram wrote at schema version 4: texts and
    records uncompressed in the tables `cables` and `versions`, the full-text index over them."""
    from cablegram.archive.schema import _V1, PARAGRAPH_TEXTS_VIEW, _statements

    old = [s for s in _statements(_V1) if s.startswith((
        "CREATE TABLE cables ", "CREATE TABLE versions ", "CREATE VIRTUAL TABLE cables_fts",
        "INSERT INTO cables_fts", "CREATE INDEX cables_created", "CREATE UNIQUE INDEX versions_cable"))]
    assert len(old) == 6
    db = sqlite_connect(path)
    db.isolation_level = None
    db.execute("BEGIN")
    for statement in ("CREATE TEMP TABLE old_cables AS SELECT * FROM cable_texts",
                      "CREATE TEMP TABLE old_versions AS SELECT * FROM version_texts",
                      "DROP VIEW cable_texts", "DROP VIEW version_texts", "DROP VIEW paragraph_texts",
                      "DROP TABLE cables_fts", "DROP TABLE cables", "DROP TABLE versions",
                      "DROP TABLE dictionaries", *old, PARAGRAPH_TEXTS_VIEW,
                      "INSERT INTO cables SELECT * FROM old_cables",
                      "INSERT INTO versions SELECT * FROM old_versions",
                      "INSERT INTO cables_fts(cables_fts) VALUES ('rebuild')",
                      "UPDATE schema_version SET version = 4"):
        db.execute(statement)
    db.execute("COMMIT")
    db.close()


def pg_as_version_1(url: str) -> None:
    """Turn the PostgreSQL archive at `url` into what cablegram wrote at its schema version 1:
    texts and records uncompressed in the tables `cables` and `versions`."""
    import psycopg

    from cablegram.archive import compress, postgres_schema
    from cablegram.archive.records import STORE_COLUMNS

    v1 = {s.split()[2]: s for s in postgres_schema._V1.split(";\n")
          if s.strip().startswith(("CREATE TABLE cables ", "CREATE TABLE versions "))}
    cols = ", ".join(STORE_COLUMNS)
    with psycopg.connect(url) as conn:
        codec = compress.Codec(lambda: postgres_schema.dictionaries(conn))
        cables = conn.execute(f"SELECT id, {cols}, tsv::text, subject_tsv::text, dict_id, body"
                              " FROM cables").fetchall()
        versions = conn.execute("SELECT id, cable_id, reference_id, content_hash, released,"
                                " dict_id, body FROM versions").fetchall()
        for statement in ("DROP TABLE cables", "DROP TABLE versions", "DROP TABLE dictionaries",
                          v1["cables"], v1["versions"],
                          "CREATE UNIQUE INDEX versions_cable ON versions(cable_id, content_hash)",
                          "UPDATE schema_version SET version = 1"):
            conn.execute(statement)
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO cables (id, {cols}, tsv, subject_tsv, raw_text, record_json)"
                f" VALUES ({', '.join(['%s'] * (len(STORE_COLUMNS) + 5))})",
                [(*r[:-2], *codec.record(r[-2], bytes(r[-1]))) for r in cables])
            cur.executemany(
                "INSERT INTO versions (id, cable_id, reference_id, content_hash, released,"
                " raw_text, record_json) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(*r[:-2], *codec.record(r[-2], bytes(r[-1]))) for r in versions])
        postgres_schema.create_lookup_indexes(conn)


def ingest_paths(path: Path, sources: list[Path], workers: int = 2) -> None:
    from cablegram.sources import read_paths

    with open_archive(path) as archive:
        ingest(archive, read_paths([str(s) for s in sources]), workers=workers)


def run_cli(*args: str, env: dict[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `python -m cablegram ARGS` in a subprocess with the source tree on the path."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "cablegram", *args], capture_output=True,
                          text=True, env=full_env, check=check, timeout=600)


#: Tables compared through their views (decompressed): the compressed bytes depend on the
#: dictionary, which depends on which cables an ingest stored first.
_COMPRESSED = {"cables": "cable_texts", "versions": "version_texts", "dictionaries": None}


def sqlite_connect(path: Path | str) -> sqlite3.Connection:
    """A plain connection to an archive, with the SQL functions its views decompress with."""
    from cablegram.archive import compress

    db = sqlite3.connect(path)
    compress.Codec(compress.sqlite_dictionaries(db)).register(db)
    return db


def table_digests(path: Path) -> dict[str, str]:
    """A digest of every user table's rows (FTS5 internals excluded: compare by queries)."""
    db = sqlite_connect(path)
    out = {}
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'cables_fts%'"
        " AND name NOT LIKE 'sqlite_%'")]
    tables = [_COMPRESSED.get(t, t) for t in tables if _COMPRESSED.get(t, t)]
    for t in sorted(tables):
        h = hashlib.sha256()
        for row in db.execute(f"SELECT * FROM {t} ORDER BY id" if t.endswith("_texts") else
                              f"SELECT * FROM {t} ORDER BY rowid" if t != "schema_version"
                              else f"SELECT * FROM {t}"):
            h.update(repr(row).encode())
        out[t] = h.hexdigest()
    for word in ("georgia", "piracy", "pgov", "brasilia"):
        ids = [r[0] for r in db.execute(
            "SELECT rowid FROM cables_fts WHERE cables_fts MATCH ? ORDER BY rowid", (word,))]
        out[f"fts:{word}"] = hashlib.sha256(repr(ids).encode()).hexdigest()
    db.close()
    return out
