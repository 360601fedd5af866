"""The query language: text -> AST -> (FTS5 MATCH expression, SQL conditions).

    georgia "south ossetia" NOT abkhazia   words, phrases, AND/OR/NOT, -word, prefix*, ( )
    origin:moscow tag:PGOV class:secret caveat:noforn from:2008-01 to:2008-12
    to:"SECSTATE WASHDC" ref:08MOSCOW2618 subject:georgia id:08MOSCOW2632
    drafter:claxton approver:EUR/WE office:EUR       (the 1970s drafting lines and office block)

Text goes to FTS5 (always quoted, so no user input is ever FTS syntax); field filters become
SQL over the narrow `cable_facets` table (alias `f`). Values never enter SQL text: they are bound
parameters or integers the resolver looked up. Anything malformed raises `QueryError`.

A query's cost grows with the square of its terms (FTS5 merges every phrase's positions for
every matching row), so the parser drops repeated terms (`a a`, `a OR a`, `(a b) (a b)` are `a`,
`a`, `a b`) and refuses queries over MAX_LENGTH characters, MAX_TERMS terms or MAX_DEPTH levels
of parentheses and NOT, and prefixes shorter than MIN_PREFIX, each with a message that names
the limit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from cablegram.archive.base import ENTITY_FACETS, FACETS

if TYPE_CHECKING:
    from cablegram.archive.base import AccessFilter
    from cablegram.archive.reader import ReaderSource

__all__ = [
    "FIELDS", "MAX_DEPTH", "MAX_LENGTH", "MAX_LIMIT", "MAX_TERMS", "MIN_PREFIX", "SQLITE", "Dialect", "Plan",
    "QueryError", "Resolver", "SQLiteDialect", "check_search", "compile_for", "compile_query", "parse_query",
]

#: Limits of one query (and of the filters beside it): characters; distinct terms, counting each
#: word of a phrase and each field filter; nesting of parentheses and NOT.
MAX_LENGTH = 2000
MAX_TERMS = 32
MAX_DEPTH = 16
#: Characters a prefix needs before `*`: `a*` merges the postings of every word in "a" (a
#: twentieth of the whole index, seconds on a large archive); `ele*` a few words.
MIN_PREFIX = 3

FIELDS = ("origin", "tag", "class", "caveat", "from", "to", "ref", "subject", "id", "drafter", "approver", "office",
          "person", "place", "org", "advice")
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class QueryError(ValueError):
    """A malformed query; `position` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int | None = None) -> None:
        where = f" (at position {position + 1})" if position is not None else ""
        super().__init__(message + where)
        self.position = position


# --- AST ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    prefix: bool = False
    column: str | None = None


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    position: int


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Field | Not | And | Or

# --- tokens and parser -------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<q>"[^"]*"?)|(?P<w>[^\s()"]+))')


@dataclass
class _Tok:
    kind: str  # "(" ")" "phrase" "word" "AND" "OR" "NOT" "field"
    text: str
    pos: int
    value: str = ""
    prefix: bool = False
    negated: bool = False


def _check_prefix(text: str, pos: int) -> None:
    last = (re.findall(r"\w+", text) or [""])[-1]
    if len(last) < MIN_PREFIX:
        raise QueryError(f"a prefix needs {MIN_PREFIX} characters before '*' ({last + '*'!r}"
                         " would match too many words)", pos)


def _tokens(q: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(q):
        m = _TOKEN.match(q, i)
        if not m or m.end() == i:
            break
        start = m.start(m.lastgroup) if m.lastgroup else i
        i = m.end()
        if m.group("lp"):
            out.append(_Tok("(", "(", start))
        elif m.group("rp"):
            out.append(_Tok(")", ")", start))
        elif m.group("q") is not None:
            text = m.group("q")
            if len(text) < 2 or not text.endswith('"'):
                raise QueryError("unclosed quote", start)
            prefix = q.startswith("*", i)
            if prefix:
                i += 1
                _check_prefix(text[1:-1], start)
            out.append(_Tok("phrase", text, start, text[1:-1], prefix=prefix))
        else:
            word = m.group("w")
            if word in ("AND", "OR", "NOT"):
                out.append(_Tok(word, word, start))
                continue
            negated = word.startswith("-") and len(word) > 1
            if negated:
                word, start = word[1:], start + 1
            name, colon, value = word.partition(":")
            if colon and name.lower() in FIELDS:
                if not value:  # field:"quoted value"
                    m2 = _TOKEN.match(q, i)
                    if i < len(q) and q[i] == '"' and m2 and m2.group("q"):
                        text = m2.group("q")
                        if len(text) < 2 or not text.endswith('"'):
                            raise QueryError("unclosed quote", i)
                        value, i = text[1:-1], m2.end()
                    else:
                        raise QueryError(f"{name}: needs a value", start)
                out.append(_Tok("field", word, start, value, negated=negated))
                out[-1].text = name.lower()
                continue
            if colon and name and value and name.isalpha():
                raise QueryError(
                    f"unknown field {name!r}; fields are {', '.join(FIELDS)}", start
                )
            prefix = word.endswith("*")
            if prefix:
                word = word.rstrip("*")
            if not word:
                raise QueryError("'*' must follow a word", start)
            if prefix:
                _check_prefix(word, start)
            out.append(_Tok("word", word, start, word, prefix=prefix, negated=negated))
    return out


class _Parser:
    def __init__(self, q: str) -> None:
        self.toks = _tokens(q)
        self.i = 0
        self.length = len(q)
        self.depth = 0

    def deeper(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"query nested too deeply ({MAX_DEPTH} levels of parentheses and NOT"
                             " at most)", tok.pos)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        if not self.toks:
            return None
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            raise QueryError(f"unexpected {tok.text!r}", tok.pos)
        return node

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            nodes.append(self.and_expr())
        return _combine(Or, nodes)

    def and_expr(self) -> Node:
        nodes = [self.unary()]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", ")"):
            if tok.kind == "AND":
                self.take()
            nodes.append(self.unary())
        return _combine(And, nodes)

    def unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QueryError("query ends where a term was expected", self.length)
        if tok.kind == "NOT":
            self.deeper(self.take())
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        tok = self.take()
        node: Node
        if tok.kind == "(":
            self.deeper(tok)
            node = self.or_expr()
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError("missing ')' for this '('", tok.pos)
            self.take()
            self.depth -= 1
            return node
        if tok.kind in (")", "AND", "OR"):
            raise QueryError(f"unexpected {tok.text!r}", tok.pos)
        if tok.kind == "phrase":
            if not tok.value.strip():
                raise QueryError("empty phrase", tok.pos)
            node = Term(tok.value, phrase=True, prefix=tok.prefix)
        elif tok.kind == "field":
            node = Field(tok.text, tok.value, tok.pos)
            if tok.text == "subject":
                node = Term(tok.value, phrase=True, column="subject")
        else:
            node = Term(tok.value, prefix=tok.prefix)
        return Not(node) if tok.negated else node


def _key(node: Node) -> object:
    """What a node means, for spotting repeats: FTS5 folds case, a field's position is no part."""
    if isinstance(node, Term):
        return ("term", " ".join(node.text.casefold().split()), node.prefix, node.column)
    if isinstance(node, Field):
        return ("field", node.name, node.value.strip().casefold())
    if isinstance(node, Not):
        return ("not", _key(node.node))
    return (type(node).__name__, tuple(_key(n) for n in node.nodes))


def _combine(kind: type[And] | type[Or], nodes: list[Node]) -> Node:
    """`kind` of `nodes`, flattened (`(a b) c` is `a b c`) and with repeats dropped."""
    flat: dict[object, Node] = {}
    for node in nodes:
        for n in node.nodes if isinstance(node, kind) else (node,):
            flat.setdefault(_key(n), n)
    out = tuple(flat.values())
    return out[0] if len(out) == 1 else kind(out)


_WORD = re.compile(r"\w+")


def _terms(node: Node) -> int:
    """Terms that cost FTS5 a phrase each: words (each word of a phrase) and field filters."""
    if isinstance(node, Term):
        return max(1, len(_WORD.findall(node.text)))
    if isinstance(node, Field):
        return 1
    if isinstance(node, Not):
        return _terms(node.node)
    return sum(_terms(n) for n in node.nodes)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_query(q: str) -> Node | None:
    """Parse a query into its AST (None for an empty query); raise `QueryError` if malformed
    or over the limits (MAX_LENGTH characters, MAX_TERMS terms, MAX_DEPTH levels)."""
    if len(q) > MAX_LENGTH:
        raise QueryError(f"query too long: {len(q)} characters, {MAX_LENGTH} at most")
    node = _Parser(_CONTROL.sub(" ", q)).parse()
    if node is not None and (n := _terms(node)) > MAX_TERMS:
        raise QueryError(f"query too large: {n} terms, {MAX_TERMS} at most (each word of a"
                         " phrase and each field filter counts; repeated terms count once)")
    return node


# --- compiling ---------------------------------------------------------------------------------

class Resolver(Protocol):
    """Looks up the integer codes that field filters compare against."""

    def origin_ids(self, value: str) -> list[int]: ...
    def class_ids(self, value: str) -> list[int]: ...
    def caveat_bit(self, value: str) -> int | None: ...
    def addressee_names(self, value: str) -> list[str]: ...


@dataclass
class Plan:
    """A compiled query: the backend's ranked match expression (FTS5 MATCH, tsquery; or None) AND
    SQL conditions over `f`; `text` the AST `match` came from."""

    match: str | None = None
    where: list[str] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    text: Node | None = None

    def sql_where(self) -> str:
        return " AND ".join(self.where) if self.where else "1"


def _is_text(node: Node) -> bool:
    if isinstance(node, Term):
        return True
    if isinstance(node, Field):
        return False
    if isinstance(node, Not):
        return _is_text(node.node)
    return all(_is_text(n) for n in node.nodes)


def _date_bound(value: str, upper: bool, pos: int) -> int:
    m = _DATE.match(value)
    if not m:
        raise QueryError(f"bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD", pos)
    year, month, day = int(m[1]), int(m[2] or 0), int(m[3] or 0)
    if (m[2] and not 1 <= month <= 12) or (m[3] and not 1 <= day <= 31):
        raise QueryError(f"bad date {value!r}", pos)
    if upper:
        month, day = month or 12, day or 31
    return year * 10000 + month * 100 + day


class Dialect:
    """How one backend says a compiled query. The walks are here, once: which text goes to the
    ranked match, the AND/OR/NOT of text terms and of SQL conditions, field filters, merging a
    search's filters, the access condition. A subclass renders the leaves and the operators:
    text terms and their AND/OR/NOT (`term`, `any_of`, `all_of`, `negated`), the condition that
    matches a text expression (`text_sql`), parameter marks (`sql`), the false constant, how a
    column is matched against a list of names or a substring, and the reader's rewriting."""

    true = "1"
    false = "0"
    contains = "instr(upper({col}), ?) > 0"  # {col} holds the (upper-case) parameter
    #: The condition over `f` that matches a text expression (one parameter).
    text_sql = ""

    # --- what a backend renders ---------------------------------------------------------------

    def plan(self) -> Plan:
        return Plan()

    def term(self, t: Term) -> str:
        raise NotImplementedError

    def any_of(self, parts: list[str]) -> str:
        raise NotImplementedError

    def all_of(self, parts: list[tuple[str, bool]]) -> str | None:
        """AND of `parts`, (expression, negated), in query order; None where it cannot say it."""
        raise NotImplementedError

    def negated(self, expr: str) -> str | None:
        """NOT `expr` on its own; None where the backend cannot say it."""
        raise NotImplementedError

    def for_reader(self, plan: Plan, reader: ReaderSource | None) -> Plan:
        """`plan` matched as the reader of `reader` sees the cables partly withheld from them."""
        raise NotImplementedError

    def withheld_ids(self, reader: ReaderSource | None) -> str | None:
        """SQL selecting the ids of R (the cables partly withheld from the reader), None without one."""
        raise NotImplementedError

    def sql(self, text: str) -> str:
        """`text`, written with `?` marks, in this dialect (SQLite's: as it is)."""
        return text

    def names_in(self, column: str, names: list[str], params: list[object]) -> str:
        """`column` is one of `names`, ignoring case (SQLite: through a NOCASE index)."""
        params.extend(names)
        return f"{column} COLLATE NOCASE IN ({','.join('?' * len(names))})"

    # --- the walks, for every backend ---------------------------------------------------------

    def match(self, node: Node) -> str | None:
        """The match expression of a text-only node, or None where the backend cannot say it."""
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Not):
            inner = self.match(node.node)
            return None if inner is None else self.negated(inner)
        if isinstance(node, Or):
            parts = [self.match(n) for n in node.nodes]
            return None if None in parts else self.any_of([p for p in parts if p is not None])
        if isinstance(node, And):
            negs = [(self.match(n.node), True) if isinstance(n, Not) else (self.match(n), False)
                    for n in node.nodes]
            if any(e is None for e, _ in negs):
                return None
            return self.all_of([(e, neg) for e, neg in negs if e is not None])
        return None  # a field is no text

    def where(self, node: Node, r: Resolver, params: list[object]) -> str:
        """A node as one SQL condition over `f`, its values in `params`."""
        if _is_text(node):
            expr = self.match(node)
            if expr is not None:
                params.append(expr)
                return self.text_sql
        if isinstance(node, Field):
            return field_sql(node, r, params, self)
        if isinstance(node, Not):
            return f"NOT ({self.where(node.node, r, params)})"
        if isinstance(node, Term):  # pragma: no cover - terms always compile
            raise AssertionError(node)
        joiner = " AND " if isinstance(node, And) else " OR "
        return "(" + joiner.join(self.where(n, r, params) for n in node.nodes) + ")"

    def compile(self, node: Node | None, resolver: Resolver) -> Plan:
        """Compile an AST: the text ANDed at the top level (with at least one positive term) goes
        to the ranked `match`, the rest to SQL conditions."""
        plan = self.plan()
        if node is None:
            return plan
        parts = list(node.nodes) if isinstance(node, And) else [node]
        text = [p for p in parts if _is_text(p) and not isinstance(p, Not)]
        neg = [p for p in parts if isinstance(p, Not) and _is_text(p)]
        rest = [p for p in parts if p not in text and p not in neg]
        if text:
            plan.text = And(tuple(text + neg)) if (len(text) > 1 or neg) else text[0]
            plan.match = self.match(plan.text)
            if plan.match is None:  # text the backend cannot rank (`a OR -b` in FTS5): conditions
                plan.text = None
                rest += text + neg
        else:
            rest += neg
        for p in rest:
            plan.where.append(self.where(p, resolver, plan.params))
        return plan

    def merge(self, plan: Plan, extra: Plan) -> Plan:
        """`plan` AND `extra` (the `filters` of a search)."""
        if extra.text is not None:
            plan.text = And((plan.text, extra.text)) if plan.text is not None else extra.text
            plan.match = self.match(plan.text)
        plan.where += extra.where
        plan.params += extra.params
        return plan


class SQLiteDialect(Dialect):
    """FTS5: every term a quoted phrase (no user input is ever FTS syntax), NOT only after a
    positive term (`a NOT b`: FTS5 has no NOT on its own)."""

    text_sql = "f.id IN (SELECT rowid FROM cables_fts WHERE cables_fts MATCH ?)"

    def term(self, t: Term) -> str:
        words = t.text.replace('"', '""')
        expr = f'"{words}"' + ("*" if t.prefix else "")
        return f"{t.column} : {expr}" if t.column else expr

    def any_of(self, parts: list[str]) -> str:
        return "(" + " OR ".join(parts) + ")"

    def all_of(self, parts: list[tuple[str, bool]]) -> str | None:
        pos = [e for e, neg in parts if not neg]
        if not pos:
            return None
        expr = "(" + " AND ".join(pos) + ")"
        neg = [e for e, negated in parts if negated]
        if neg:
            expr = f"({expr} NOT ({' OR '.join(neg)}))"
        return expr

    def negated(self, expr: str) -> str | None:
        return None

    def for_reader(self, plan: Plan, reader: ReaderSource | None) -> Plan:
        from cablegram.archive.sqlite_reader import for_reader  # it imports this module

        return for_reader(plan, reader)

    def withheld_ids(self, reader: ReaderSource | None) -> str | None:
        from cablegram.archive.sqlite_reader import tables

        return None if reader is None else f"SELECT id FROM {tables(reader)[1]}"


SQLITE = SQLiteDialect()


def _ids(column: str, ids: list[int], d: Dialect) -> str:
    return f"{column} IN ({','.join(map(str, ids))})" if ids else d.false


def field_sql(f: Field, r: Resolver, params: list[object], d: Dialect = SQLITE) -> str:
    """A field filter as SQL over `f` (cable_facets) in dialect `d`, its values in `params`."""
    return d.sql(_field_sql(f, r, params, d))


def _field_sql(f: Field, r: Resolver, params: list[object], d: Dialect) -> str:
    name, value = f.name, f.value.strip()
    if name == "from" and not _DATE.match(value):
        name = "origin"
    if name == "to" and _DATE.match(value):
        return f"f.day <= {_date_bound(value, True, f.position)}"
    if name == "from":
        return f"f.day >= {_date_bound(value, False, f.position)}"
    if name == "origin":
        return _ids("f.origin_id", r.origin_ids(value), d)
    if name == "class":
        return _ids("f.class_id", r.class_ids(value), d)
    if name == "caveat":
        bit = r.caveat_bit(value)
        return f"(f.caveat_mask & {1 << bit}) <> 0" if bit is not None else d.false
    if name == "tag":
        params.append(value.upper())
        return "f.id IN (SELECT cable_id FROM tags WHERE tag = ?)"
    if name == "ref":
        params.append(re.sub(r"\s+", "", value).upper())
        return ("f.id IN (SELECT c.id FROM refs JOIN cables c ON c.reference_id = refs.from_id"
                " WHERE refs.to_id = ?)")
    if name == "id":
        params.append(re.sub(r"\s+", "", value).upper())
        return "f.id IN (SELECT id FROM cables WHERE reference_id = ?)"
    if name in ("drafter", "approver"):
        return _person_sql("drafted" if name == "drafter" else "approved", value, params, d)
    if name in ("person", "place", "org"):  # entity mentions (archive/entities_store.py)
        from cablegram.archive.entities_store import field_sql as entity_sql

        return entity_sql(name, value, params)
    if name == "office":
        params.append(_office_code(value))
        return "f.id IN (SELECT cable_id FROM offices WHERE code = ?)"
    if name == "advice":  # the advice's own table (cablegram.advise.scores), when trained
        from cablegram.advise.filters import advice_sql

        return advice_sql(value, r, f.position)
    if name == "to":
        names = r.addressee_names(value)
        named = d.names_in("name", names, params) + " OR " if names else ""
        params.append(value.upper())
        return f"f.id IN (SELECT cable_id FROM addressees WHERE {named}routing_indicator = ?)"
    raise QueryError(f"unknown field {name!r}", f.position)  # pragma: no cover


def _office_code(value: str) -> str:
    """`eur`, `EUR-25`, `S/ S` -> `EUR`, `EUR`, `S/S`: an office as the block writes it."""
    code = re.sub(r"\s*([/-])\s*", r"\1", " ".join(value.split()).upper())
    return re.sub(r"-\d{1,3}$", "", code)


def _person_sql(role: str, value: str, params: list[object], d: Dialect) -> str:
    """A person of `role` whose name holds `value` (`claxton` finds PPCLAXTON), or who signed for
    office `value` or one of its parts (`EUR` finds EUR/WE)."""
    office = _office_code(value)
    like = office.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"
    params.extend([role, " ".join(value.split()).upper(), office, like])
    return ("f.id IN (SELECT cable_id FROM people WHERE role = ? AND (" + d.contains.format(col="name")
            + " OR office = ? OR office LIKE ? ESCAPE '\\'))")


def compile_query(node: Node | None, resolver: Resolver, dialect: Dialect = SQLITE) -> Plan:
    """Compile an AST in `dialect`: positive text at the top goes to the match (ranked), the rest to SQL."""
    return dialect.compile(node, resolver)


class Compiling(Resolver, Protocol):
    """An archive as `compile_for` uses it: its dialect, resolver and access condition."""

    dialect: Dialect

    def access_sql(self, access: AccessFilter | None) -> str: ...


#: The most hits one search returns.
MAX_LIMIT = 1000


def check_search(facets: Sequence[str], sort: str, limit: int, offset: int) -> None:
    """Raise `QueryError` for an unknown facet or sort, or a limit or offset out of range: the
    arguments of a search beside its query, on any backend."""
    if sort not in ("rank", "bm25", "date", "-date"):
        raise QueryError(f"unknown sort {sort!r}: use rank, bm25, date or -date")
    unknown = [f for f in facets if f not in FACETS + ENTITY_FACETS]
    if unknown:
        raise QueryError(f"unknown facet {unknown[0]!r}; facets are {', '.join(FACETS + ENTITY_FACETS)}")
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise QueryError(f"limit must be 0..{MAX_LIMIT} and offset at least 0")


def compile_for(archive: Compiling, query: str, filters: str | None, access: AccessFilter | None,
                reader: ReaderSource | None = None) -> Plan:
    """Parse and compile `query` AND `filters` in the archive's dialect, with the access filter as
    one more condition, and with `reader` (a match source for that same access, see
    `cablegram.archive.reader`) its text conditions as the reader sees the cables partly withheld."""
    if reader is not None and reader.access != access:
        raise QueryError("the reader's match source is for another access")
    d = archive.dialect
    plan = d.compile(parse_query(query or ""), archive)
    if filters:
        plan = d.merge(plan, d.compile(parse_query(filters), archive))
    if access is not None:
        plan.where.append(archive.access_sql(access))
        from cablegram.advise import filters as advice  # advice: only of the cables the reader sees whole

        plan.where = advice.for_reader(plan.where, d.withheld_ids(reader))
    return d.for_reader(plan, reader)
