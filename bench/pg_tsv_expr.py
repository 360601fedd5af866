"""Would a GIN index on an expression replace PostgreSQL's stored `cables.tsv`? Figures to decide.

The stored positional tsvector is the largest item of a PostgreSQL archive (docs/scale.md,
*Sizes*). The plain table of bench/size.py keeps none: its GIN index is over
`to_tsvector('simple', text)`, recomputed from the text wherever positions are needed. To do the
same, the archive would need (1) its texts readable by SQL (they are zstd bodies that only
Python reads), (2) an IMMUTABLE SQL function building from them the tsvector `tsvector_literal`
builds (FTS5's tokens: totals must stay equal to SQLite's), and (3) that function run on every
candidate of a phrase query (GIN keeps no positions: it rechecks) and on every cable "rank"
scores. This prints, on an ingested archive:

- bytes: the stored `tsv` column against the same texts stored as `text` (TOAST, LZ4);
- how often the best SQL builder below differs from the stored tsvector (ASCII and other cables);
- the cost of one cable's positions: reading the stored tsvector (baseline) against building it
  with that SQL function and with `to_tsvector('simple', text)` (the plain table's recheck);
- for the phrase queries of bench/search.py, the candidates GIN gives (its words, ANDed) and
  what rechecking them would cost each way.

    python bench/ingest.py --archive "$URL" --schema NAME      # then:
    python bench/pg_tsv_expr.py "$URL?options=-csearch_path%3DNAME_x1"
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import psycopg  # noqa: E402

from cablegram.archive import compress  # noqa: E402
from cablegram.archive.postgres_schema import dictionaries  # noqa: E402

#: The phrases of bench/search.py's queries.
PHRASES = ["human rights", "drug trafficking", "embassy security"]

#: FTS5's tokens for ASCII text with PostgreSQL's own C functions: every run of characters other
#: than ASCII letters and digits becomes one space, so that the default parser sees single words
#: only; a one-lexeme tsvector ('-', never a token) after the subject and after the tags makes the
#: gap `tsvector_literal` leaves between columns (`||` shifts the right side's positions by the
#: left side's largest), then it is deleted.
_BUILDER = r"""
CREATE FUNCTION pg_temp.cg_words(t text, w "char") RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT setweight(to_tsvector('pg_catalog.simple'::regconfig,
    regexp_replace(lower(coalesce(t, '')), '[^a-z0-9]+', ' ', 'g')), w) || '''-'':1'::tsvector $$;
CREATE FUNCTION pg_temp.cg_tsv(s text, g text, t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT ts_delete(pg_temp.cg_words(s, 'A') || pg_temp.cg_words(g, 'B')
    || to_tsvector('pg_catalog.simple'::regconfig,
                   regexp_replace(lower(coalesce(t, '')), '[^a-z0-9]+', ' ', 'g')), '-') $$
"""


def seconds(conn: psycopg.Connection, sql: str) -> float:
    start = time.perf_counter()
    conn.execute(sql).fetchall()
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archive", help="PostgreSQL URL of an ingested archive (its search_path)")
    args = ap.parse_args()
    with psycopg.connect(args.archive, autocommit=True) as conn:
        conn.execute("SET jit = off")
        codec = compress.Codec(lambda: dictionaries(conn))
        conn.execute("CREATE TEMP TABLE texts (id bigint PRIMARY KEY, subject text, tag_text text,"
                     " text text COMPRESSION lz4, ascii boolean)")
        rows = conn.execute("SELECT id, subject, tag_text, dict_id, body FROM cables").fetchall()
        with conn.cursor() as cur, cur.copy("COPY texts FROM STDIN") as copy:
            for cid, subject, tags, dict_id, body in rows:
                raw, _ = compress.unpack(codec.decompress(dict_id, bytes(body)))
                raw = raw.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
                ascii_ = all(x is None or x.isascii() for x in (subject, tags, raw))
                copy.write_row((cid, subject, tags, raw, ascii_))
        for statement in _BUILDER.split(";\n"):
            conn.execute(statement)
        n, n_ascii, tsv_bytes, text_bytes = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE t.ascii), sum(pg_column_size(c.tsv)),"
            " sum(pg_column_size(t.text)) FROM cables c JOIN texts t USING (id)").fetchone()
        print(f"{n} cables, {n_ascii} of them ASCII only (subject, tags and text)")
        print(f"stored tsv column {tsv_bytes / 1e6:8.1f} MB; the texts as text (LZ4)"
              f" {text_bytes / 1e6:8.1f} MB")
        bad, bad_ascii = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE t.ascii) FROM cables c JOIN texts t USING (id)"
            " WHERE pg_temp.cg_tsv(t.subject, t.tag_text, t.text) IS DISTINCT FROM c.tsv"
            ).fetchone()
        print(f"SQL builder differs from the stored tsvector on {bad} cables ({bad_ascii} ASCII)")
        stored = seconds(conn, "SELECT sum(length(tsv)) FROM cables")
        built = seconds(conn, "SELECT sum(length(pg_temp.cg_tsv(subject, tag_text, text)))"
                              " FROM texts")
        plain = seconds(conn, "SELECT sum(length(to_tsvector('simple', text))) FROM texts")
        per = {k: v / n * 1e3 for k, v in
               (("stored", stored), ("built", built), ("plain", plain))}
        print(f"\npositions of one cable, ms: stored tsvector {per['stored']:.3f} (baseline);"
              f" SQL builder {per['built']:.3f} ({per['built'] / per['stored']:.0f}x);"
              f" to_tsvector('simple') {per['plain']:.3f} ({per['plain'] / per['stored']:.0f}x)")
        print(f"\n{'phrase':22}{'candidates':>11}{'stored ms':>11}{'builder ms':>12}{'ratio':>7}")
        for phrase in PHRASES:
            words = " & ".join(phrase.split())
            (k,) = conn.execute("SELECT count(*) FROM cables WHERE tsv @@ %s::tsquery",
                                (words,)).fetchone()
            print(f"{phrase:22}{k:>11}{k * per['stored']:>11.0f}{k * per['built']:>12.0f}"
                  f"{per['built'] / per['stored']:>6.0f}x")
        print("\n(the builder runs on the primary's CPU for each candidate of each phrase query and"
              " each cable 'rank' scores, up to postgres_search.RANK_ALL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
