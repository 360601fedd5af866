"""The query language on PostgreSQL: the AST of `query.parse_query` -> tsquery + SQL conditions.

The SQLite compiler (`query.compile_query`) writes FTS5; this one writes PostgreSQL full-text
search over `cables.tsv`, a `tsvector` with a GIN index: words and phrases (`<->`), prefixes
(`:*`), AND/OR/NOT (`&`, `|`, `!`), subject-only terms (weight `A`).

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
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cablegram.archive.query import (
    POSTGRES,
    And,
    Field,
    Node,
    Not,
    Or,
    Plan,
    Resolver,
    Term,
    _is_text,
    field_sql,
)
from cablegram.archive.records import Prepared

__all__ = ["PgPlan", "compile_pg", "index_prepared", "pg_text", "tokens", "tsquery_for", "tsvector_literal"]

_WORD = re.compile(r"[^\W_]+")
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
    words = _WORD.findall(text.lower())
    if text.isascii():
        return words
    return [w if w.isascii() else _fold(w) for w in words]


def tsvector_literal(subject: str | None, tag_text: str | None, raw_text: str | None) -> str:
    """The `tsvector` input of a cable: its words with positions, weight A for the subject, B for
    the tags and their meanings, D for the text. Columns follow each other, so a phrase never
    spans two of them (as in FTS5).

    Words only (schema 4): schema 2 added each pair of neighbouring words as a lexeme, so that
    the GIN index alone found a two-word phrase, but the pairs were 3 in 5 lexemes and made the
    column and its index ~4x larger (241 MB against 61 MB on the dev corpus); a phrase is now
    the words the index finds, their positions checked (`<->`)."""
    where: dict[str, list[str]] = {}
    pos = 0
    for weight, text in (("A", subject), ("B", tag_text), ("", raw_text)):
        for word in tokens(text):
            pos += 1
            if len(word) > MAX_WORD // 4 and len(word.encode()) > MAX_WORD:
                continue  # PostgreSQL refuses it (FTS5 indexes it: the one word that differs)
            at = where.get(word)
            if at is None:
                where[word] = at = []
            if len(at) < 256:  # what PostgreSQL keeps of one word
                at.append(_POSITIONS[min(pos, MAX_POSITION)] + weight)
        pos += 1  # a gap, so that `a <-> b` never matches across two columns
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


_POSITIONS = [str(i) for i in range(MAX_POSITION + 1)]


def pg_text(value: Any) -> Any:
    """PostgreSQL text holds neither NUL nor lone surrogates: store U+FFFD in their place (the
    content hash keeps naming the text as read)."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
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


def tsquery_for(node: Node, weight: str = "") -> str:
    """The tsquery literal of a text-only node (`weight` "A": matches in the subject only)."""
    if isinstance(node, Term):
        return _term(node, weight)
    if isinstance(node, Not):
        return f"!({tsquery_for(node.node, weight)})"
    if isinstance(node, (And, Or)):
        joiner = " & " if isinstance(node, And) else " | "
        return "(" + joiner.join(tsquery_for(n, weight) for n in node.nodes) + ")"
    raise AssertionError(node)  # pragma: no cover - fields are not text


@dataclass
class PgPlan(Plan):
    """A compiled query: `match` is a tsquery literal over `cables.tsv`, `where` SQL over `f`
    (`cable_facets`) with `%s` parameters; `text` the AST `match` came from."""

    text: Node | None = None

    def sql_where(self) -> str:
        return " AND ".join(self.where) if self.where else "TRUE"


def _sql(node: Node, r: Resolver, params: list[object]) -> str:
    if _is_text(node):
        params.append(tsquery_for(node))
        return "f.id IN (SELECT id FROM cables WHERE tsv @@ %s::tsquery)"
    if isinstance(node, Field):
        return field_sql(node, r, params, POSTGRES)
    if isinstance(node, Not):
        return f"NOT ({_sql(node.node, r, params)})"
    if isinstance(node, Term):  # pragma: no cover - terms are text
        raise AssertionError(node)
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(_sql(n, r, params) for n in node.nodes) + ")"


def compile_pg(node: Node | None, resolver: Resolver) -> PgPlan:
    """Compile an AST as `query.compile_query` does for FTS5: the text ANDed at the top level
    (with at least one positive term) becomes the ranked `match`, the rest SQL conditions."""
    plan = PgPlan()
    if node is None:
        return plan
    parts = list(node.nodes) if isinstance(node, And) else [node]
    text = [p for p in parts if _is_text(p) and not isinstance(p, Not)]
    neg = [p for p in parts if isinstance(p, Not) and _is_text(p)]
    rest = [p for p in parts if p not in text and p not in neg]
    if text:
        plan.text = And(tuple(text + neg)) if (len(text) > 1 or neg) else text[0]
        plan.match = tsquery_for(plan.text)
    else:
        rest += neg
    for p in rest:
        plan.where.append(_sql(p, resolver, plan.params))
    return plan


def merge(plan: PgPlan, extra: PgPlan) -> PgPlan:
    """`plan` AND `extra` (the `filters` of a search)."""
    if extra.text is not None:
        plan.text = And((plan.text, extra.text)) if plan.text is not None else extra.text
        plan.match = tsquery_for(plan.text)
    plan.where += extra.where
    plan.params += extra.params
    return plan
