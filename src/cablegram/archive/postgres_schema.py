"""The archive's PostgreSQL schema: the SQLite schema's tables (see `schema.py`), same names and
columns, so that the SQL above the backends (reference graph, field filters) reads both.

Differences: `cables.tsv` (a `tsvector`, GIN-indexed) replaces the FTS5 table, and
`cables.subject_tsv` (the subject's words alone, GIN-indexed too) finds the subject hits that
"rank" puts first without reading every matching `tsv` (weights are not in the index); ids are
`bigint`; `archive_state.generation` moves on every write (the cache key SQLite gets from
`PRAGMA data_version`). One migration list, versioned like SQLite's.

Version 3, like SQLite's version 5, stores each cable's text and record once, as one
zstd-compressed `body` (`compress.py`) in `cables` and `versions` (PostgreSQL cannot
decompress it: readers do, in Python). The tsvectors are computed at write time, so the index
needs no text stored as text.

Version 4 takes the word pairs of version 2 out of the tsvectors again (`_v4`): they were most of
the archive's bytes. The tsvector columns are LZ4-compressed where the server has LZ4.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from cablegram.archive import compress
from cablegram.archive.schema import KNOWN_CAVEATS, STORE_COLUMNS

__all__ = ["FULL_TEXT_INDEX", "LOOKUP_INDEXES", "SCHEMA_VERSION", "create_lookup_indexes", "drop_lookup_indexes",
           "migrate"]

_V1 = """
CREATE TABLE schema_version (version integer NOT NULL);
CREATE TABLE archive_state (generation bigint NOT NULL);
INSERT INTO archive_state VALUES (0);
CREATE TABLE origins (id serial PRIMARY KEY, label text NOT NULL UNIQUE, station text);
CREATE TABLE classifications (
    id serial PRIMARY KEY, label text NOT NULL UNIQUE, classification text, rank integer
);
CREATE TABLE caveat_bits (bit integer PRIMARY KEY, caveat text NOT NULL UNIQUE);
CREATE TABLE cables (
    id bigint PRIMARY KEY,
    reference_id text NOT NULL UNIQUE,
    created text,
    classification text,
    classification_label text,
    caveats text,
    origin_station text,
    origin_name text,
    origin_label text,
    precedence text,
    subject text,
    tags text,
    tag_text text,
    sections integer,
    paragraph_count integer,
    defect_count integer,
    released text,
    content_hash text NOT NULL,
    record_json text NOT NULL,
    raw_text text NOT NULL,
    tsv tsvector NOT NULL,
    subject_tsv tsvector NOT NULL
);
CREATE TABLE cable_facets (
    id bigint PRIMARY KEY,
    origin_id integer NOT NULL,
    class_id integer NOT NULL,
    class_rank integer NOT NULL,
    caveat_mask bigint NOT NULL,
    day integer NOT NULL
);
CREATE TABLE addressees (
    cable_id bigint NOT NULL, kind text NOT NULL, position integer NOT NULL, name text NOT NULL,
    routing_indicator text, precedence text, serial integer
);
CREATE INDEX addressees_cable ON addressees(cable_id);
CREATE TABLE tags (cable_id bigint NOT NULL, position integer NOT NULL, tag text NOT NULL);
CREATE INDEX tags_cable ON tags(cable_id, tag);
CREATE TABLE refs (from_id text NOT NULL, position integer NOT NULL, label text, to_id text,
                   text text NOT NULL);
CREATE INDEX refs_from ON refs(from_id);
CREATE TABLE paragraphs (cable_id bigint NOT NULL, position integer NOT NULL, number integer,
                         marking text, heading text);
CREATE INDEX paragraphs_cable ON paragraphs(cable_id);
CREATE TABLE defects (cable_id bigint NOT NULL, code text NOT NULL, message text, line integer);
CREATE INDEX defects_cable ON defects(cable_id);
CREATE TABLE people (cable_id bigint NOT NULL, role text NOT NULL, position integer NOT NULL,
                     name text NOT NULL, office text);
CREATE INDEX people_cable ON people(cable_id);
CREATE TABLE offices (cable_id bigint NOT NULL, role text NOT NULL, code text NOT NULL,
                      copies integer);
CREATE INDEX offices_cable ON offices(cable_id);
CREATE TABLE sources (
    id bigserial PRIMARY KEY, content_hash text NOT NULL, reference_id text,
    quarantined integer NOT NULL DEFAULT 0, format text, file text NOT NULL,
    position integer NOT NULL, metadata_json text, UNIQUE (file, position, content_hash)
);
CREATE TABLE versions (
    id bigserial PRIMARY KEY, cable_id bigint NOT NULL, reference_id text NOT NULL,
    content_hash text NOT NULL, released text, record_json text NOT NULL, raw_text text NOT NULL
);
CREATE UNIQUE INDEX versions_cable ON versions(cable_id, content_hash);
CREATE TABLE quarantine (
    id bigserial PRIMARY KEY, reason text NOT NULL, content_hash text NOT NULL, format text,
    file text NOT NULL, position integer NOT NULL, raw_text text NOT NULL, source_json text,
    UNIQUE (file, position, content_hash)
)
"""

#: Indexes only readers use: an ingest into an empty archive drops them and builds them at the
#: end (one sort each instead of an insertion per row). The GIN index is the big one.
_LOOKUP = {
    "cables_tsv": "CREATE INDEX IF NOT EXISTS cables_tsv ON cables USING gin (tsv)",
    "cables_subject_tsv": "CREATE INDEX IF NOT EXISTS cables_subject_tsv"
                          " ON cables USING gin (subject_tsv)",
    "cables_created": "CREATE INDEX IF NOT EXISTS cables_created ON cables(created)",
    "cables_hash": "CREATE INDEX IF NOT EXISTS cables_hash ON cables(content_hash)",
    "cable_facets_day": "CREATE INDEX IF NOT EXISTS cable_facets_day ON cable_facets(day, id)",
    "cable_facets_origin": "CREATE INDEX IF NOT EXISTS cable_facets_origin"
                           " ON cable_facets(origin_id, day)",
    "addressees_name": "CREATE INDEX IF NOT EXISTS addressees_name"
                       " ON addressees(lower(name), cable_id)",
    "addressees_ri": "CREATE INDEX IF NOT EXISTS addressees_ri"
                     " ON addressees(routing_indicator, cable_id)",
    "tags_tag": "CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag, cable_id)",
    "refs_to": "CREATE INDEX IF NOT EXISTS refs_to ON refs(to_id)",
    "defects_code": "CREATE INDEX IF NOT EXISTS defects_code ON defects(code)",
    "sources_ref": "CREATE INDEX IF NOT EXISTS sources_ref ON sources(reference_id)",
    "offices_code": "CREATE INDEX IF NOT EXISTS offices_code ON offices(code, cable_id)",
}
LOOKUP_INDEXES = tuple(_LOOKUP)
#: The GIN index over the whole cables' words: most of a bulk load's index building.
FULL_TEXT_INDEX = "cables_tsv"


def missing_lookup_indexes(conn: psycopg.Connection) -> list[str]:
    have = {r[0] for r in conn.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")}
    return [n for n in LOOKUP_INDEXES if n not in have]


def drop_lookup_indexes(conn: psycopg.Connection, *, keep: tuple[str, ...] = ()) -> None:
    for name in LOOKUP_INDEXES:
        if name not in keep:
            conn.execute(f"DROP INDEX IF EXISTS {name}")


def create_lookup_indexes(conn: psycopg.Connection, *, only: tuple[str, ...] | None = None,
                          skip: tuple[str, ...] = ()) -> int:
    """Create the missing lookup indexes (those of `only`, less those of `skip`); how many."""
    missing = [n for n in missing_lookup_indexes(conn)
               if (only is None or n in only) and n not in skip]
    for name in missing:
        conn.execute(_LOOKUP[name])
    return len(missing)


def _v1(conn: psycopg.Connection) -> None:
    for statement in _V1.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO caveat_bits(bit, caveat) VALUES (%s, %s)",
                        list(enumerate(KNOWN_CAVEATS)))
    create_lookup_indexes(conn)


def _v2(conn: psycopg.Connection) -> None:
    """The tsvectors again, then with each pair of neighbouring words as a lexeme (a two-word
    phrase found by the GIN index alone); version 4 took the pairs out again, and this now
    writes the tsvectors as `postgres_query.tsvector_literal` does today."""
    from cablegram.archive.postgres_query import tsvector_literal

    last = 0
    while rows := conn.execute("SELECT id, subject, tag_text, raw_text FROM cables WHERE id > %s"
                               " ORDER BY id LIMIT 500", (last,)).fetchall():
        with conn.cursor() as cur:
            cur.executemany("UPDATE cables SET tsv = %s::tsvector, subject_tsv = %s::tsvector"
                            " WHERE id = %s", [(tsvector_literal(r[1], r[2], r[3]),
                                                tsvector_literal(r[1], None, None), r[0])
                                               for r in rows])
        last = rows[-1][0]


_V3 = """
CREATE TABLE cables_v3 (
    id bigint PRIMARY KEY,
    reference_id text NOT NULL UNIQUE,
    created text,
    classification text,
    classification_label text,
    caveats text,
    origin_station text,
    origin_name text,
    origin_label text,
    precedence text,
    subject text,
    tags text,
    tag_text text,
    sections integer,
    paragraph_count integer,
    defect_count integer,
    released text,
    content_hash text NOT NULL,
    dict_id integer NOT NULL,
    body bytea NOT NULL,
    tsv tsvector NOT NULL,
    subject_tsv tsvector NOT NULL
);
ALTER TABLE cables_v3 ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE versions_v3 (
    id bigserial PRIMARY KEY, cable_id bigint NOT NULL, reference_id text NOT NULL,
    content_hash text NOT NULL, released text, dict_id integer NOT NULL, body bytea NOT NULL
);
ALTER TABLE versions_v3 ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE dictionaries (
    id serial PRIMARY KEY, created text NOT NULL, samples integer NOT NULL, dict bytea NOT NULL
)
"""

def dictionaries(conn: psycopg.Connection) -> dict[int, bytes]:
    """The archive's compression dictionaries (empty before version 3)."""
    if not conn.execute("SELECT 1 FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename = 'dictionaries'").fetchone():
        return {}
    return {int(i): bytes(d) for i, d in conn.execute("SELECT id, dict FROM dictionaries")}


def store_dictionary(conn: psycopg.Connection, codec: compress.Codec, data: bytes,
                     samples: int) -> int:
    """Add a dictionary (in the caller's transaction) and to `codec`; return its id."""
    row = conn.execute("INSERT INTO dictionaries(created, samples, dict)"
                       " VALUES (now()::text, %s, %s) RETURNING id", (samples, data)).fetchone()
    assert row is not None
    codec.add(int(row[0]), data)
    return int(row[0])


def _copy_compressed(conn: psycopg.Connection, codec: compress.Codec, select: str,
                     copy_sql: str) -> None:
    """Copy rows whose last two columns are (raw text, record JSON), as a compressed body."""
    with conn.cursor(name="cablegram_migration") as read:
        read.execute(select)
        while rows := read.fetchmany(500):
            with conn.cursor() as cur, cur.copy(copy_sql) as copy:
                for r in rows:
                    copy.write_row((*r[:-2], *codec.compress(compress.pack(r[-2], r[-1]))))


def _v3(conn: psycopg.Connection) -> None:
    """Each text stored once, compressed (see the module docstring)."""
    for statement in _V3.split(";\n"):
        if statement.strip():
            conn.execute(statement)
    codec = compress.Codec(lambda: dictionaries(conn))
    row = conn.execute("SELECT count(*) FROM cables").fetchone()
    if row and row[0] >= compress.TRAIN_AT:
        samples = [compress.pack(raw, rec) for raw, rec in conn.execute(
            "SELECT raw_text, record_json FROM cables ORDER BY id LIMIT %s", (compress.TRAIN_AT,))]
        store_dictionary(conn, codec, compress.train(samples), len(samples))
    cols = ", ".join(STORE_COLUMNS)
    _copy_compressed(
        conn, codec, f"SELECT id, {cols}, tsv::text, subject_tsv::text, raw_text, record_json"
        " FROM cables ORDER BY id",
        f"COPY cables_v3 (id, {cols}, tsv, subject_tsv, dict_id, body) FROM STDIN")
    _copy_compressed(
        conn, codec, "SELECT id, cable_id, reference_id, content_hash, released, raw_text,"
        " record_json FROM versions ORDER BY id",
        "COPY versions_v3 (id, cable_id, reference_id, content_hash, released, dict_id, body)"
        " FROM STDIN")
    for statement in ("DROP TABLE cables", "DROP TABLE versions",
                      "ALTER TABLE cables_v3 RENAME TO cables",
                      "ALTER TABLE versions_v3 RENAME TO versions",
                      "CREATE UNIQUE INDEX versions_cable ON versions(cable_id, content_hash)"):
        conn.execute(statement)
    conn.execute("SELECT setval(pg_get_serial_sequence('versions', 'id'),"
                 " coalesce((SELECT max(id) FROM versions), 0) + 1, false)")
    create_lookup_indexes(conn)


def _v4(conn: psycopg.Connection) -> None:
    """The tsvectors without the word-pair lexemes of version 2 (a lexeme with a space: tokens
    have none), the words' positions and weights unchanged, as `tsvector_literal` now writes
    them; the table is rewritten (ALTER ... TYPE ... USING), so the bytes go back to the disk.
    The readers' match sources (derived, unlogged) are rebuilt on their next use."""
    conn.execute("CREATE FUNCTION pg_temp.cablegram_words(t tsvector) RETURNS tsvector"
                 " LANGUAGE sql IMMUTABLE AS $$ SELECT ts_delete(t, ARRAY(SELECT lexeme"
                 " FROM unnest(t) WHERE strpos(lexeme, ' ') > 0)) $$")
    for name in ("cables_tsv", "cables_subject_tsv"):
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    if conn.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
                    " AND 'lz4' = ANY(enumvals)").fetchone():
        conn.execute("ALTER TABLE cables ALTER COLUMN tsv SET COMPRESSION lz4,"
                     " ALTER COLUMN subject_tsv SET COMPRESSION lz4")
    conn.execute("ALTER TABLE cables ALTER COLUMN tsv TYPE tsvector"
                 " USING pg_temp.cablegram_words(tsv), ALTER COLUMN subject_tsv TYPE tsvector"
                 " USING pg_temp.cablegram_words(subject_tsv)")
    conn.execute("DROP FUNCTION pg_temp.cablegram_words(tsvector)")
    conn.execute("DROP TABLE IF EXISTS reader_texts, reader_state")
    conn.execute("UPDATE archive_state SET generation = generation + 1")
    create_lookup_indexes(conn)


MIGRATIONS: list[Callable[[psycopg.Connection], None]] = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: psycopg.Connection) -> int:
    """Bring the schema (the connection's `current_schema()`) up to `SCHEMA_VERSION`, one
    transaction per migration, serialised between processes by an advisory lock."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.cablegram'))")
        exists = conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = current_schema()"
            " AND tablename = 'schema_version'").fetchone()
        version = 0
        if exists:
            row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
            version = int(row[0] or 0) if row else 0
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"archive schema version {version} is newer than this cablegram ({SCHEMA_VERSION})")
        for n in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[n - 1](conn)
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version(version) VALUES (%s)", (n,))
    return SCHEMA_VERSION
