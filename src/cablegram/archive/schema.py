"""The archive's SQLite schema, versioned, with its migrations.

The schema is plain so that the file opens in Datasette or any SQLite tool:

- `cables`: one row per cable (the current text): metadata columns, `content_hash` (the raw
  text's SHA-256) and, since version 5, `body`: the raw text and the record JSON (the full
  `Cable.to_dict()`) compressed together with zstd dictionary `dict_id` (`compress.py`,
  `dictionaries`). The views `cable_texts` and `version_texts` show them decompressed.
- `addressees`, `tags`, `refs`, `paragraphs`, `defects`: the record's parts, one row each.
- `sources`: provenance of every record read (format, file, position, the source's own metadata).
- `versions`: earlier texts of re-released cables; `quarantine`: records that could not be stored.
- `cable_facets`: a narrow, integer-coded copy of the facet columns (origin, classification,
  caveats, day) that facet counting and filtering read instead of the wide `cables` rows.
- `origins`, `classifications`, `caveat_bits`: the small dimension tables that code them.
- `cables_fts`: FTS5 over `cable_texts(subject, tag_text, raw_text)` (external content, BM25 weighting
  subject 10, tags and their meanings 4, text 1).
- `paragraph_texts` (version 3, a view): every paragraph with its text, from `record_json`
  (`paragraphs` holds number, marking and heading only, so the texts are not stored twice).
- `people`, `offices` (version 4): the drafter, approver and clearers of a Department telegram,
  and the offices of its distribution block (ORIGIN/ACTION, INFO), for `drafter:`, `approver:`
  and `office:`.
- `fts_state` (version 2): `indexed_upto`, the highest `cables.id` the full-text index covers.
  Cables above it are indexed in bulk (`SQLiteArchive.index_pending()`), which is how ingest
  builds the index: one large FTS5 segment per catch-up instead of one small one per batch.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from cablegram.transactions import immediate

__all__ = ["LOOKUP_INDEXES", "SCHEMA_VERSION", "create_lookup_indexes", "migrate"]

_V1 = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE origins (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    station TEXT
);
CREATE TABLE classifications (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    classification TEXT,
    rank INTEGER
);
CREATE TABLE caveat_bits (
    bit INTEGER PRIMARY KEY,
    caveat TEXT NOT NULL UNIQUE
);
CREATE TABLE cables (
    id INTEGER PRIMARY KEY,
    reference_id TEXT NOT NULL UNIQUE,
    created TEXT,
    classification TEXT,
    classification_label TEXT,
    caveats TEXT,
    origin_station TEXT,
    origin_name TEXT,
    origin_label TEXT,
    precedence TEXT,
    subject TEXT,
    tags TEXT,
    tag_text TEXT,
    sections INTEGER,
    paragraph_count INTEGER,
    defect_count INTEGER,
    released TEXT,
    content_hash TEXT NOT NULL,
    record_json TEXT NOT NULL,
    raw_text TEXT NOT NULL
);
CREATE INDEX cables_created ON cables(created);
CREATE TABLE cable_facets (
    id INTEGER PRIMARY KEY REFERENCES cables(id),
    origin_id INTEGER NOT NULL REFERENCES origins(id),
    class_id INTEGER NOT NULL REFERENCES classifications(id),
    class_rank INTEGER NOT NULL,
    caveat_mask INTEGER NOT NULL,
    day INTEGER NOT NULL
);
CREATE INDEX cable_facets_day ON cable_facets(day, id);
CREATE INDEX cable_facets_origin ON cable_facets(origin_id, day);
CREATE TABLE addressees (
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    routing_indicator TEXT,
    precedence TEXT,
    serial INTEGER
);
CREATE INDEX addressees_cable ON addressees(cable_id);
CREATE INDEX addressees_name ON addressees(name COLLATE NOCASE, cable_id);
CREATE INDEX addressees_ri ON addressees(routing_indicator, cable_id);
CREATE TABLE tags (
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    position INTEGER NOT NULL,
    tag TEXT NOT NULL
);
CREATE INDEX tags_cable ON tags(cable_id, tag);
CREATE INDEX tags_tag ON tags(tag, cable_id);
CREATE TABLE refs (
    from_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT,
    to_id TEXT,
    text TEXT NOT NULL
);
CREATE INDEX refs_from ON refs(from_id);
CREATE INDEX refs_to ON refs(to_id);
CREATE TABLE paragraphs (
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    position INTEGER NOT NULL,
    number INTEGER,
    marking TEXT,
    heading TEXT,
    text TEXT NOT NULL
);
CREATE INDEX paragraphs_cable ON paragraphs(cable_id);
CREATE TABLE defects (
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    code TEXT NOT NULL,
    message TEXT,
    line INTEGER
);
CREATE INDEX defects_cable ON defects(cable_id);
CREATE INDEX defects_code ON defects(code);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL,
    reference_id TEXT,
    quarantined INTEGER NOT NULL DEFAULT 0,
    format TEXT,
    file TEXT NOT NULL,
    position INTEGER NOT NULL,
    metadata_json TEXT,
    UNIQUE (file, position, content_hash)
);
CREATE INDEX sources_ref ON sources(reference_id);
CREATE TABLE versions (
    id INTEGER PRIMARY KEY,
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    reference_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    released TEXT,
    record_json TEXT NOT NULL,
    raw_text TEXT NOT NULL
);
CREATE UNIQUE INDEX versions_cable ON versions(cable_id, content_hash);
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    reason TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    format TEXT,
    file TEXT NOT NULL,
    position INTEGER NOT NULL,
    raw_text TEXT NOT NULL,
    source_json TEXT,
    UNIQUE (file, position, content_hash)
);
CREATE VIRTUAL TABLE cables_fts USING fts5(
    subject, tag_text, raw_text,
    content='cables', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO cables_fts(cables_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
"""

# Caveats with a fixed bit in cable_facets.caveat_mask, so access filters are stable across
# archives; others get the next free bit as they are met (up to 62).
KNOWN_CAVEATS = (
    "SENSITIVE", "SIPDIS", "NOFORN", "EXDIS", "NODIS", "LIMDIS", "ORCON", "PROPIN", "REL",
    "STADIS", "CHEROKEE", "ROGER", "FOUO", "NOCONTRACT", "WNINTEL", "SBU",
)


#: Indexes that only readers use (search filters, facets, dates, sources by id). Ingest drops them
#: while it fills an empty archive and builds them at the end: one sort per index instead of an
#: insertion at a random place per row. A missing one is rebuilt by `create_lookup_indexes`.
LOOKUP_INDEXES = (
    "cables_created", "cable_facets_day", "cable_facets_origin", "addressees_name",
    "addressees_ri", "tags_tag", "refs_to", "defects_code", "sources_ref",
)


def _index_sql(name: str) -> str:
    for statement in _statements(_V1):
        if statement.startswith(f"CREATE INDEX {name} "):
            return statement.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
    raise KeyError(name)


def missing_lookup_indexes(db: sqlite3.Connection) -> list[str]:
    """The lookup indexes `db` lacks (dropped by a bulk ingest that has not finished)."""
    have = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    return [n for n in LOOKUP_INDEXES if n not in have]


def drop_lookup_indexes(db: sqlite3.Connection) -> None:
    """Drop the lookup indexes (in the caller's transaction)."""
    for name in LOOKUP_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")


def create_lookup_indexes(db: sqlite3.Connection) -> int:
    """Create the missing lookup indexes (in the caller's transaction); return how many."""
    missing = missing_lookup_indexes(db)
    for name in missing:
        db.execute(_index_sql(name))
    return len(missing)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";\n") if s.strip()]


def _v1(db: sqlite3.Connection) -> None:
    for statement in _statements(_V1):
        db.execute(statement)
    db.executemany(
        "INSERT INTO caveat_bits(bit, caveat) VALUES (?, ?)", list(enumerate(KNOWN_CAVEATS))
    )


def _v2(db: sqlite3.Connection) -> None:
    """The full-text index watermark: every cable of a version-1 archive is indexed."""
    db.execute("CREATE TABLE fts_state (indexed_upto INTEGER NOT NULL)")
    db.execute("INSERT INTO fts_state(indexed_upto) SELECT coalesce(max(id), 0) FROM cables")


#: Every paragraph with its text, read out of `cables.record_json` (schema version 3).
PARAGRAPH_TEXTS_VIEW = """
CREATE VIEW paragraph_texts AS
SELECT c.id AS cable_id, c.reference_id AS reference_id, CAST(p.key AS INTEGER) AS position,
       json_extract(p.value, '$.number') AS number, json_extract(p.value, '$.marking') AS marking,
       json_extract(p.value, '$.heading') AS heading, json_extract(p.value, '$.text') AS text
FROM cables c, json_each(c.record_json, '$.paragraphs') p
"""


def _v3(db: sqlite3.Connection) -> None:
    """Paragraph texts are no longer stored twice: `paragraphs` keeps the markings (what access
    and SQL filters use), the view `paragraph_texts` reads the texts out of `record_json`."""
    db.execute("ALTER TABLE paragraphs DROP COLUMN text")
    db.execute(PARAGRAPH_TEXTS_VIEW)


_V4 = """
CREATE TABLE people (
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    role TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    office TEXT
);
CREATE INDEX people_cable ON people(cable_id);
CREATE TABLE offices (
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    role TEXT NOT NULL,
    code TEXT NOT NULL,
    copies INTEGER
);
CREATE INDEX offices_cable ON offices(cable_id);
CREATE INDEX offices_code ON offices(code, cable_id);
"""


def _v4(db: sqlite3.Connection) -> None:
    """The 1970s distribution block and drafting lines: `people` (role `drafted`, `approved`,
    `cleared`) and `offices` (role `origin`, `action`, `info`; indexed by office code, which
    `office:` looks up). Filled from the records already stored; a record parsed before these
    fields existed has none (re-ingest it from its source to fill them)."""
    for statement in _statements(_V4):
        db.execute(statement)
    db.execute(
        "INSERT INTO people(cable_id, role, position, name, office)"
        " SELECT c.id, r.role, 0, json_extract(c.record_json, r.path || '.name'),"
        " json_extract(c.record_json, r.path || '.office')"
        " FROM cables c, (SELECT 'drafted' AS role, '$.drafted_by' AS path"
        " UNION ALL SELECT 'approved', '$.approved_by') r"
        " WHERE json_extract(c.record_json, r.path || '.name') IS NOT NULL"
    )
    db.execute(
        "INSERT INTO people(cable_id, role, position, name, office)"
        " SELECT c.id, 'cleared', CAST(p.key AS INTEGER), json_extract(p.value, '$.name'),"
        " json_extract(p.value, '$.office')"
        " FROM cables c, json_each(c.record_json, '$.clearances') p"
        " WHERE json_extract(p.value, '$.name') IS NOT NULL"
    )
    db.execute(
        "INSERT INTO offices(cable_id, role, code, copies)"
        " SELECT c.id,"
        " CASE WHEN json_extract(c.record_json, '$.action_office.origin') THEN 'origin' ELSE 'action' END,"
        " json_extract(c.record_json, '$.action_office.code'), json_extract(c.record_json, '$.action_office.copies')"
        " FROM cables c WHERE json_extract(c.record_json, '$.action_office.code') IS NOT NULL"
    )
    db.execute(
        "INSERT INTO offices(cable_id, role, code, copies)"
        " SELECT c.id, 'info', json_extract(o.value, '$.code'), min(json_extract(o.value, '$.copies'))"
        " FROM cables c, json_each(c.record_json, '$.info_offices') o"
        " WHERE json_extract(o.value, '$.code') IS NOT NULL GROUP BY c.id, json_extract(o.value, '$.code')"
    )


#: Schema version 5: `cables` and `versions` keep the columns of version 4 but `record_json` and
#: `raw_text`, which are one compressed `body` (see `compress.py`), and the dictionaries.
_V5 = """
CREATE TABLE cables_v5 (
    id INTEGER PRIMARY KEY,
    reference_id TEXT NOT NULL UNIQUE,
    created TEXT,
    classification TEXT,
    classification_label TEXT,
    caveats TEXT,
    origin_station TEXT,
    origin_name TEXT,
    origin_label TEXT,
    precedence TEXT,
    subject TEXT,
    tags TEXT,
    tag_text TEXT,
    sections INTEGER,
    paragraph_count INTEGER,
    defect_count INTEGER,
    released TEXT,
    content_hash TEXT NOT NULL,
    dict_id INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE versions_v5 (
    id INTEGER PRIMARY KEY,
    cable_id INTEGER NOT NULL REFERENCES cables(id),
    reference_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    released TEXT,
    dict_id INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE dictionaries (
    id INTEGER PRIMARY KEY,
    created TEXT NOT NULL,
    samples INTEGER NOT NULL,
    dict BLOB NOT NULL
)
"""

#: Columns of `cables` besides id, dict_id and body.
STORE_COLUMNS = (
    "reference_id", "created", "classification", "classification_label", "caveats",
    "origin_station", "origin_name", "origin_label", "precedence", "subject", "tags", "tag_text",
    "sections", "paragraph_count", "defect_count", "released", "content_hash",
)

#: The rows of version 4 with their texts, decompressed by the SQL functions that
#: `compress.Codec.register` defines on a connection (the full-text index reads `cable_texts`).
#: Without them, any SQLite tool still reads every other table and column.
TEXT_VIEWS = f"""
CREATE VIEW cable_texts AS
SELECT id, {", ".join(STORE_COLUMNS)},
       cable_record(dict_id, body) AS record_json, cable_text(dict_id, body) AS raw_text
FROM cables;
CREATE VIEW version_texts AS
SELECT id, cable_id, reference_id, content_hash, released,
       cable_record(dict_id, body) AS record_json, cable_text(dict_id, body) AS raw_text
FROM versions;
{PARAGRAPH_TEXTS_VIEW.replace("FROM cables c", "FROM cable_texts c")}
"""

#: The full-text index over `cable_texts` (version 5; `cables` before).
FTS_V5 = """
CREATE VIRTUAL TABLE cables_fts USING fts5(
    subject, tag_text, raw_text,
    content='cable_texts', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO cables_fts(cables_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)')
"""

def _v5(db: sqlite3.Connection) -> None:
    """Each text stored once, compressed: a cable's raw text and record JSON become one zstd
    body (`compress.py`) with a dictionary trained on the archive's first cables; the views
    `cable_texts` and `version_texts` decompress them, and the full-text index reads the texts
    through `cable_texts` (rebuilt: its `content=` changes; the terms are the same)."""
    from cablegram.archive import compress

    for statement in _statements(_V5):
        db.execute(statement)
    codec = compress.Codec(compress.sqlite_dictionaries(db))
    codec.register(db)  # the new full-text index reads through `cable_texts`
    if db.execute("SELECT count(*) FROM cables").fetchone()[0] >= compress.TRAIN_AT:
        samples = [compress.pack(raw, rec) for raw, rec in db.execute(
            "SELECT raw_text, record_json FROM cables ORDER BY id LIMIT ?", (compress.TRAIN_AT,))]
        compress.store_sqlite_dictionary(db, codec, compress.train(samples), len(samples))
    cols = ", ".join(STORE_COLUMNS)
    marks = ", ".join("?" * (len(STORE_COLUMNS) + 3))
    cur = db.execute(f"SELECT id, {cols}, raw_text, record_json FROM cables ORDER BY id")
    while rows := cur.fetchmany(500):
        db.executemany(f"INSERT INTO cables_v5(id, {cols}, dict_id, body) VALUES ({marks})",
                       [(*r[:-2], *codec.compress(compress.pack(r[-2], r[-1]))) for r in rows])
    cur = db.execute("SELECT id, cable_id, reference_id, content_hash, released, raw_text,"
                     " record_json FROM versions ORDER BY id")
    while rows := cur.fetchmany(500):
        db.executemany("INSERT INTO versions_v5(id, cable_id, reference_id, content_hash,"
                       " released, dict_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(*r[:5], *codec.compress(compress.pack(r[5], r[6]))) for r in rows])
    for statement in ("DROP VIEW paragraph_texts", "DROP TABLE cables_fts", "DROP TABLE cables",
                      "DROP TABLE versions", "ALTER TABLE cables_v5 RENAME TO cables",
                      "ALTER TABLE versions_v5 RENAME TO versions",
                      "CREATE INDEX cables_created ON cables(created)",
                      "CREATE UNIQUE INDEX versions_cable ON versions(cable_id, content_hash)",
                      *_statements(TEXT_VIEWS), *_statements(FTS_V5)):
        db.execute(statement)
    upto = db.execute("SELECT indexed_upto FROM fts_state").fetchone()
    db.execute("INSERT INTO cables_fts(rowid, subject, tag_text, raw_text)"
               " SELECT id, subject, tag_text, raw_text FROM cable_texts WHERE id <= ?",
               (int(upto[0]) if upto else 0,))


# Migration n takes the schema from version n-1 to n. Append; never edit a released one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)


def current_version(db: sqlite3.Connection) -> int:
    """The schema version of `db` (0 for an empty file)."""
    row = db.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_version'"
    ).fetchone()
    if row is None:
        return 0
    got = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(got[0] or 0)


def migrate(db: sqlite3.Connection) -> int:
    """Bring `db` up to `SCHEMA_VERSION`, one transaction per migration; return the version.

    `db` must be in autocommit mode (`isolation_level=None`): each migration runs in its own
    explicit transaction, so a failed migration leaves the previous version intact.
    """
    version = current_version(db)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"archive schema version {version} is newer than this cablegram ({SCHEMA_VERSION})"
        )
    for n in range(version + 1, SCHEMA_VERSION + 1):
        with immediate(db):
            MIGRATIONS[n - 1](db)
            db.execute("DELETE FROM schema_version")
            db.execute("INSERT INTO schema_version(version) VALUES (?)", (n,))
    return SCHEMA_VERSION
