"""The query language on PostgreSQL: the AST of `query.parse_query` -> tsquery + SQL conditions.

The compiler's walks are `query.Dialect`'s, for both backends; SQLite's dialect writes FTS5,
this one (`PostgresDialect`) writes PostgreSQL full-text search over `cables.tsv`, a `tsvector`
with a GIN index: words and phrases (`<->`), prefixes (`:*`), AND/OR/NOT (`&`, `|`, `!`),
subject-only terms (weight `A`).

Parity with SQLite: both sides tokenize the same way, here in Python (`tokens`): FTS5's
`unicode61 remove_diacritics 2` splits on anything that is not a letter or a digit, lowercases and
drops diacritics, so `tokens` does the same, and the archive stores the tsvector built from those
tokens (`tsvector_literal`, weights subject A, tags B, text D) instead of letting PostgreSQL's
own parser (which keeps hyphenated words, e-mail addresses and decimals whole) decide. The query
side is a tsquery literal of the same tokens, cast with `::tsquery`, always a bound parameter.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cablegram.archive.query import Dialect, Node, Plan, Term
from cablegram.archive.records import Prepared
from cablegram.transactions import pg_sql

if TYPE_CHECKING:
    from cablegram.archive.reader import ReaderSource

__all__ = ["POSTGRES", "PgPlan", "PostgresDialect", "index_prepared", "pg_text", "tokens", "tsquery_for",
           "tsvector_literal"]

_WORD = re.compile(r"[^\W_]+")
#: Bytes to `tokens`' separators: every ASCII byte that is not a letter or a digit becomes a space.
_SPACES = bytes(c if c >= 128 or chr(c).isalnum() else 32 for c in range(256))
#: Positions PostgreSQL keeps in a tsvector (larger ones are clamped to it).
MAX_POSITION = 16383
#: The longest word (bytes) and about the largest tsvector PostgreSQL stores.
MAX_WORD = 2046
MAX_TSVECTOR = 900_000
#: A lexeme no stored tsvector holds (tokens are letters and digits only): what a term without
#: any word (`"--"`) compiles to, since FTS5 matches nothing for an empty phrase.
_NOTHING = "'-'"


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """`word` without diacritics (é -> e), as `remove_diacritics 2` folds it."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def tokens(text: str | None) -> list[str]:
    """The words of `text` as FTS5's unicode61 tokenizer (remove_diacritics 2) sees them."""
    if not text:
        return []
    # ASCII punctuation to spaces, then a split: what `_WORD.findall` finds, at half its cost
    # (each byte of a UTF-8 sequence is >= 128, so letters of other scripts stay whole); a piece
    # with other characters (`¶`, `’`, `é`) is split and folded as before
    words = text.lower().encode("utf-8", "surrogatepass").translate(_SPACES) \
        .decode("utf-8", "surrogatepass").split()
    if text.isascii():
        return words
    out: list[str] = []
    for w in words:
        if w.isascii():
            out.append(w)
        else:
            out.extend(x if x.isascii() else _fold(x) for x in _WORD.findall(w))
    return out


def tsvector_literal(subject: str | None, tag_text: str | None, raw_text: str | None) -> str:
    """The `tsvector` input of a cable: its words with positions, weight A for the subject, B for
    the tags and their meanings, D for the text. Columns follow each other, so a phrase never
    spans two of them (as in FTS5).

    Words only (schema 4): schema 2 added each pair of neighbouring words as a lexeme, so that
    the GIN index alone found a two-word phrase, but the pairs were 3 in 5 lexemes and made the
    column and its index ~4x larger (241 MB against 61 MB on the dev corpus); a phrase is now
    the words the index finds, their positions checked (`<->`)."""
    where: defaultdict[str, list[str]] = defaultdict(list)
    pos = 0  # the position of the last word so far
    for weight, text in (("A", subject), ("B", tag_text), ("", raw_text)):
        words = tokens(text)
        n = len(words)
        if n:
            # each word's position label, ready-made (`17A`); past the last kept position,
            # PostgreSQL's own clamp
            labels = _LABELS[weight][pos + 1:pos + 1 + n]
            if len(labels) < n:
                labels += [_LABELS[weight][MAX_POSITION]] * (n - len(labels))
            if max(map(len, words)) > MAX_WORD // 4:  # rare: drop the words PostgreSQL refuses
                pairs = [(w, x) for w, x in zip(words, labels, strict=True)
                         if len(w.encode()) <= MAX_WORD]
                words, labels = [w for w, _ in pairs], [x for _, x in pairs]
            for word, label in zip(words, labels, strict=True):
                where[word].append(label)
            pos += n
        pos += 1  # a gap, so that `a <-> b` never matches across two columns
    for p in where.values():
        if len(p) > 256:  # what PostgreSQL keeps of one word
            del p[256:]
    literal = " ".join(["'" + w + "':" + ",".join(p) for w, p in where.items()])
    if len(literal) > MAX_TSVECTOR:
        # a giant text: each word once (phrases inside it are lost), within the size limit
        literal, size = "", 0
        parts = []
        for w, p in where.items():
            part = "'" + w + "':" + p[0]
            size += len(part.encode()) + 1
            if size > MAX_TSVECTOR:
                break
            parts.append(part)
        literal = " ".join(parts)
    return literal


#: The position labels of each weight: `_LABELS["A"][17] == "17A"` (text: no letter).
_LABELS = {w: [f"{i}{w}" for i in range(MAX_POSITION + 1)] for w in ("A", "B", "")}


def pg_text(value: Any) -> Any:
    """PostgreSQL text holds neither NUL nor lone surrogates: store U+FFFD in their place (the
    content hash keeps naming the text as read)."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    if value.isascii():  # no surrogate (a flag of the string: no scan)
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def index_prepared(p: Prepared) -> None:
    """Set `p.index` to the tsvectors of a parsed cable (the whole cable, the subject): run in
    the ingest's parsing workers, so that the writer only copies them."""
    if p.cable is None:
        return
    p.index = (tsvector_literal(p.cable.subject, p.cable.tag_text, p.cable.raw_text),
               tsvector_literal(p.cable.subject, None, None))


def _term(t: Term, weight: str = "") -> str:
    words = tokens(t.text)
    if not words or any(len(x.encode()) > MAX_WORD for x in words):
        return _NOTHING
    w = "A" if t.column == "subject" else weight
    parts = [f"'{x}'" + (":" + w if w else "") for x in words]
    if t.prefix:
        parts[-1] = f"'{words[-1]}':*{w}"
    return parts[0] if len(parts) == 1 else "(" + " <-> ".join(parts) + ")"


class PostgresDialect(Dialect):
    """tsquery over `cables.tsv`: `&`, `|`, `!`, phrases with `<->`, prefixes with `:*`; with
    `weight` "A", terms match in the subject only."""

    true = "TRUE"
    false = "FALSE"
    contains = "strpos(upper({col}), ?) > 0"
    text_sql = "f.id IN (SELECT id FROM cables WHERE tsv @@ %s::tsquery)"

    def __init__(self, weight: str = "") -> None:
        self.weight = weight

    def plan(self) -> PgPlan:
        return PgPlan()

    def term(self, t: Term) -> str:
        return _term(t, self.weight)

    def any_of(self, parts: list[str]) -> str:
        return "(" + " | ".join(parts) + ")"

    def all_of(self, parts: list[tuple[str, bool]]) -> str:
        return "(" + " & ".join(self.negated(e) if neg else e for e, neg in parts) + ")"

    def negated(self, expr: str) -> str:
        return f"!({expr})"

    def for_reader(self, plan: Plan, reader: ReaderSource | None) -> Plan:
        from cablegram.archive.postgres_reader import for_reader  # it imports this module

        return for_reader(plan, reader)

    def withheld_ids(self, reader: ReaderSource | None) -> str | None:
        from cablegram.archive.postgres_reader import withheld_ids

        return withheld_ids(reader)

    def sql(self, text: str) -> str:
        return pg_sql(text)

    def names_in(self, column: str, names: list[str], params: list[object]) -> str:
        params.append(names)  # the names as they are stored: an exact = ANY on the index
        return f"{column} = ANY(?)"


POSTGRES = PostgresDialect()


def tsquery_for(node: Node, weight: str = "") -> str:
    """The tsquery literal of a text-only node (`weight` "A": matches in the subject only)."""
    expr = (PostgresDialect(weight) if weight else POSTGRES).match(node)
    if expr is None:  # pragma: no cover - fields are not text
        raise AssertionError(node)
    return expr


@dataclass
class PgPlan(Plan):
    """A compiled query: `match` is a tsquery literal over `cables.tsv`, `where` SQL over `f`
    (`cable_facets`) with `%s` parameters; `text` the AST `match` came from."""

    def sql_where(self) -> str:
        return " AND ".join(self.where) if self.where else "TRUE"
