"""Saved searches that alert: a reader saves a query; each new cable that matches it, as that reader
sees it, becomes an alert for them.

New cables come from an ingest (`cablegram.archive.ingest` calls `after_ingest` with the reference
ids it added) and so from a release on the desk too (a released SIPDIS cable enters the archive
through that ingest). Matching (`match_new`) takes the new ids, the saved searches of active
readers, and decides each (search, cable) pair in two steps:

1. a cheap pass over the cable's words (`cablegram.desk.alerts_match`), which only drops pairs
   that cannot match;
2. the reader's own search, restricted to the candidate ids (`id:` filters): in a controlled
   archive the `ControlledArchive` of that reader, so a cable they cannot read never matches and a
   partly withheld one matches only on what they see (fail closed: a search that fails is no
   alert).

An alert row holds the search, the reader, the reference id and the cable's marking (so a count
can be checked against the reader's current access without reading the archive); what an alert
shows (subject, date) is read through the reader's access when shown. A saved search may name a
webhook URL: its new alerts are POSTed there as JSON after the alerts are committed, from a
background thread with a short timeout, to public addresses only (`cablegram.desk.webhooks`); the
outcome is recorded on the search.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import sys
import weakref
from collections.abc import Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from cablegram.access import Marking, access_filter, allowed, cable_marking, needs_redaction
from cablegram.archive.base import Hit
from cablegram.archive.query import QueryError, parse_query
from cablegram.desk import webhooks
from cablegram.desk.alerts_match import QueryIndex, Words, decide, may_match, new_index, query_index, words_of
from cablegram.desk.db import DeskDB, DeskError, now_iso
from cablegram.desk.people import User, get_user, list_users
from cablegram.directory.classification import rank_or_highest

__all__ = [
    "MAX_SEARCHES", "WEBHOOK_TIMEOUT", "Alert", "SavedSearch", "after_ingest", "alert_count", "delete_search",
    "feed_token", "get_search", "hits_by_id", "indexed_words", "list_alerts", "list_searches", "mark_read",
    "match_new", "save_search", "search_for_feed", "shown_alerts", "wait_for_webhooks",
]

#: Saved searches one reader may keep.
MAX_SEARCHES = 200
#: Seconds a webhook POST may take (connect and answer).
WEBHOOK_TIMEOUT = webhooks.TIMEOUT
#: Ids per `id:` filter of a confirming search (the query language allows 32 terms in filters).
_CHUNK = 30

_SEARCH_COLS = "s.id, s.user_id, s.name, s.query, s.webhook, s.created, s.webhook_at, s.webhook_error"


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A reader's saved query, its optional webhook and the outcome of the webhook's last POST."""

    id: int
    user_id: int
    name: str
    query: str
    webhook: str | None
    created: str
    webhook_at: str | None = None
    webhook_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "query": self.query, "webhook": self.webhook,
                "created": self.created, "webhook_at": self.webhook_at, "webhook_error": self.webhook_error}


@dataclass(frozen=True, slots=True)
class Alert:
    """A new cable that matched a saved search (what it shows is read through the reader's access)."""

    id: int
    search_id: int
    search_name: str
    reference_id: str
    at: str
    read: bool
    classification: str | None
    caveats: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "search_id": self.search_id, "search": self.search_name,
                "reference_id": self.reference_id, "at": self.at, "read": self.read}


def _search(row: Sequence[Any]) -> SavedSearch:
    return SavedSearch(int(row[0]), int(row[1]), row[2], row[3], row[4], row[5], row[6], row[7])


# --- saved searches ---------------------------------------------------------------------------

def _check_webhook(url: str | None) -> str | None:
    try:
        return webhooks.check_url(url)
    except webhooks.WebhookRefused as exc:
        raise DeskError(str(exc), "webhook") from None


def save_search(desk: DeskDB, user: User, name: str, query: str, webhook: str | None = None) -> SavedSearch:
    """Save (or replace, by name) a query of `user`'s; a malformed query is refused with its message."""
    name = " ".join(name.split())
    if not name or len(name) > 64:
        raise DeskError("a saved search needs a name of 1 to 64 characters", "name")
    try:
        parse_query(query)
    except QueryError as exc:
        raise DeskError(f"bad query: {exc}", "query") from None
    hook = _check_webhook(webhook)
    with desk.transaction() as db:
        (count,) = db.execute("SELECT count(*) FROM desk_saved_searches WHERE user_id = ? AND name <> ?",
                              (user.id, name)).fetchone()
        if count >= MAX_SEARCHES:
            raise DeskError(f"{user.username} has {MAX_SEARCHES} saved searches already: delete one first")
        row = db.execute(
            "INSERT INTO desk_saved_searches(user_id, name, query, webhook, created) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query, webhook = excluded.webhook"
            " RETURNING id", (user.id, name, query, hook, now_iso())).fetchone()
        desk.audit("save-search", user=user, detail={"name": name, "query": query, "webhook": bool(hook)}, db=db)
    found = get_search(desk, user, int(row[0]))
    assert found is not None
    return found


def list_searches(desk: DeskDB, user: User) -> list[SavedSearch]:
    """`user`'s saved searches, by name."""
    return [_search(r) for r in desk.query(
        f"SELECT {_SEARCH_COLS} FROM desk_saved_searches s WHERE s.user_id = ? ORDER BY s.name", (user.id,))]


def get_search(desk: DeskDB, user: User, key: int | str) -> SavedSearch | None:
    """One of `user`'s saved searches, by id or name (another reader's is None)."""
    column = "s.id" if isinstance(key, int) else "s.name"
    row = desk.one(f"SELECT {_SEARCH_COLS} FROM desk_saved_searches s WHERE s.user_id = ? AND {column} = ?",
                   (user.id, key if isinstance(key, int) else " ".join(key.split())))
    return _search(row) if row else None


def delete_search(desk: DeskDB, user: User, key: int | str) -> bool:
    """Delete one of `user`'s saved searches and its alerts."""
    found = get_search(desk, user, key)
    if found is None:
        return False
    with desk.transaction() as db:
        db.execute("DELETE FROM desk_alerts WHERE search_id = ?", (found.id,))
        db.execute("DELETE FROM desk_saved_searches WHERE id = ?", (found.id,))
        desk.audit("delete-search", user=user, detail={"name": found.name}, db=db)
    return True


# --- alerts -----------------------------------------------------------------------------------

def _marking(classification: str | None, caveats: str) -> Marking:
    return Marking(rank_or_highest(classification), frozenset(c.upper() for c in caveats.split()))


def list_alerts(desk: DeskDB, user: User, *, unread: bool = False, search_id: int | None = None,
                limit: int = 100, offset: int = 0) -> list[Alert]:
    """`user`'s alerts, newest first; in a controlled archive only those whose cable their access
    still lets them read (a reader whose clearance was lowered loses the alerts above it)."""
    controlled = desk.access_mode == "controlled"
    where, params = ["a.user_id = ?"], [user.id]
    if unread:
        where.append("a.read_at IS NULL")
    if search_id is not None:
        where.append("a.search_id = ?")
        params.append(search_id)
    out: list[Alert] = []
    skip = offset
    batch = max(limit, 1) * 2
    start = 0
    while len(out) < limit:
        rows = desk.query(
            "SELECT a.id, a.search_id, s.name, a.reference_id, a.at, a.read_at, a.classification, a.caveats"
            " FROM desk_alerts a JOIN desk_saved_searches s ON s.id = a.search_id"
            f" WHERE {' AND '.join(where)} ORDER BY a.id DESC LIMIT ? OFFSET ?", (*params, batch, start))
        for r in rows:
            if controlled and not allowed(user, _marking(r[6], r[7] or "")):
                continue
            if skip:
                skip -= 1
                continue
            out.append(Alert(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5] is not None, r[6],
                             tuple((r[7] or "").split())))
            if len(out) == limit:
                break
        if len(rows) < batch:
            break
        start += batch
    return out


def alert_count(desk: DeskDB, user: User, *, unread: bool = True) -> int:
    """How many (unread) alerts `user` has (in a controlled archive: of cables their access lets
    them read)."""
    controlled = desk.access_mode == "controlled"
    rows = desk.query("SELECT classification, caveats, count(*) FROM desk_alerts WHERE user_id = ?"
                      + (" AND read_at IS NULL" if unread else "") + " GROUP BY classification, caveats",
                      (user.id,))
    return sum(int(n) for cls, cav, n in rows if not controlled or allowed(user, _marking(cls, cav or "")))


def mark_read(desk: DeskDB, user: User, ids: Iterable[int] | None = None, *, search_id: int | None = None) -> int:
    """Mark `user`'s alerts read: the given ids, or those of one search, or all. Returns how many."""
    now = now_iso()
    with desk.transaction() as db:
        if ids is not None:
            n = 0
            for i in ids:
                n += db.execute("UPDATE desk_alerts SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL",
                                (now, int(i), user.id)).rowcount
            return n
        if search_id is not None:
            return int(db.execute("UPDATE desk_alerts SET read_at = ? WHERE search_id = ? AND user_id = ?"
                                  " AND read_at IS NULL", (now, search_id, user.id)).rowcount)
        return int(db.execute("UPDATE desk_alerts SET read_at = ? WHERE user_id = ? AND read_at IS NULL",
                              (now, user.id)).rowcount)


# --- feeds ------------------------------------------------------------------------------------

def feed_token(desk: DeskDB, search: SavedSearch) -> str:
    """The token of a saved search's Atom feed: an HMAC under the desk's secret key, so it is not
    stored and dies with the search (or a new secret key)."""
    message = f"feed:{search.id}:{search.user_id}:{search.created}".encode()
    return hmac.new(desk.secret_key().encode(), message, hashlib.sha256).hexdigest()[:40]


def search_for_feed(desk: DeskDB, search_id: int, token: str) -> tuple[User, SavedSearch] | None:
    """The active reader and their saved search a feed token opens, or None."""
    row = desk.one(f"SELECT {_SEARCH_COLS} FROM desk_saved_searches s WHERE s.id = ?", (search_id,))
    if row is None:
        return None
    search = _search(row)
    if not hmac.compare_digest(feed_token(desk, search), token or ""):
        return None
    user = get_user(desk, search.user_id)
    if user is None or not user.active:
        return None
    return user, search


# --- matching ---------------------------------------------------------------------------------

def _reader_archive(archive: Any, user: User, controlled: bool) -> Any:
    if not controlled:
        return archive
    from cablegram.desk.controlled import ControlledArchive

    return ControlledArchive(archive, user)


def hits_by_id(archive: Any, ids: Iterable[str], query: str = "") -> dict[str, Hit]:
    """The search hits of `query` among the cables `ids`, by reference id, as `archive` (the
    reader's) answers it: a cable absent does not match, or the reader cannot see it (any backend;
    in a controlled archive the reader's `ControlledArchive`, exact for partly withheld cables)."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, Hit] = {}
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i:i + _CHUNK]
        result = archive.search(query, filters=" OR ".join(f"id:{rid}" for rid in chunk),
                                limit=len(chunk), sort="date")
        out.update((h.reference_id, h) for h in result.hits if h.reference_id in chunk)
    return out


def shown_alerts(archive: Any, alerts: Iterable[Alert]) -> list[dict[str, Any]]:
    """What each alert shows (the CLI, the page, the API, the feed), read through the reader's
    `archive`: its row with the cable's date, origin, classification and subject, for the alerts
    whose cable the reader can still see (fail closed: the others are not listed)."""
    alerts = list(alerts)
    hits = hits_by_id(archive, (a.reference_id for a in alerts))
    return [{**a.to_dict(), "created": h.created, "origin": h.origin, "classification": h.classification,
             "subject": h.subject} for a in alerts if (h := hits.get(a.reference_id)) is not None]


def _confirmed(reader_archive: Any, query: str, ids: list[str]) -> set[str]:
    """The ids among `ids` that the reader's own search of `query` finds."""
    return set(hits_by_id(reader_archive, ids, query))


#: The temporary FTS5 table (on the archive's connection) holding the new cables' indexed texts.
_NEW = "temp.cablegram_alerts_new"
#: Field filters whose compiled SQL depends only on the query, the access and the dimension tables
#: (a plan of any other is compiled again each time).
_PLAIN_FIELDS = frozenset({"origin", "from", "to", "class", "caveat", "tag", "id", "ref", "subject"})
_PLANS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], Any]] = weakref.WeakKeyDictionary()


def _fields(node: Any) -> set[str]:
    from cablegram.archive.query import Field, Not, Term

    if node is None or isinstance(node, Term):
        return set()
    if isinstance(node, Field):
        return {node.name}
    if isinstance(node, Not):
        return _fields(node.node)
    return set().union(*(_fields(n) for n in node.nodes))


def _plan(archive: Any, query: str, node: Any, access: Any) -> Any:
    """`compile_for(archive, query, None, access)`, kept per archive object while its dimension
    tables keep their size (they only grow: origins, classifications, caveats are added, never
    renumbered) for queries whose filters compile from those alone."""
    from cablegram.archive.search import compile_for

    if not _fields(node) <= _PLAIN_FIELDS:
        return compile_for(archive, query, None, access)
    key = (query, access, tuple(len(v) for v in archive.dims().values()))
    per = _PLANS.setdefault(archive, {})
    plan = per.get(key)
    if plan is None:
        if len(per) > 20_000:
            per.clear()
        plan = per[key] = compile_for(archive, query, None, access)
    return plan


def _indexed(archive: Any, query: str, node: Any, access: Any, rows: dict[int, str]) -> set[str] | None:
    """The ids among `rows` (archive row id -> reference id) that `query` matches under `access`,
    its words matched in the new cables' own index (`_NEW`: the same texts and tokenizer as the
    archive's, so the same answer) and its filters on the archive's rows; None where the backend
    has no such path (then the reader's search decides).

    Exact for a reader who sees the whole cable: the index holds the text they see."""
    from cablegram.archive.reader import rewrite
    from cablegram.archive.sqlite_reader import TEXT_SQL

    db = getattr(archive, "db", None)
    if not isinstance(db, sqlite3.Connection) or not hasattr(archive, "access_sql"):
        return None
    own = f"f.id IN (SELECT rowid FROM {_NEW} WHERE {_NEW.split('.')[1]} MATCH ?)"
    try:
        plan = rewrite(_plan(archive, query, node, access), "?", {TEXT_SQL: own}, ("cables_fts",))
    except QueryError:
        return None
    ids = ",".join(str(int(i)) for i in rows)
    where, params = [f"f.id IN ({ids})"], []
    if plan.match:
        where.append(own)
        params.append(plan.match)
    found = db.execute(f"SELECT f.id FROM cable_facets f WHERE {' AND '.join(where)} AND {plan.sql_where()}",
                       (*params, *plan.params)).fetchall()
    return {rows[i] for (i,) in found}


def _tag_words(tags: Iterable[str]) -> str:
    from cablegram.directory import tag_meaning

    return " ".join(f"{t} {tag_meaning(t) or ''}" for t in tags)


@dataclass(frozen=True, slots=True)
class _Matched:
    """What matching reads of a saved search."""

    id: int
    user_id: int
    name: str
    query: str


@dataclass(frozen=True, slots=True)
class _New:
    reference_id: str
    row: int
    cable: Any
    classification: str | None
    caveats: tuple[str, ...]
    tags: frozenset[str]
    words: Any
    marking: Marking


def indexed_words(archive: Any, cable: Any) -> Words:
    """The words the archive indexes for a stored cable: subject, TAGS with their meanings, raw text."""
    return words_of(cable.subject, _tag_words(cable.tags), archive.raw_text(cable.reference_id) or "")


def _row_ids(archive: Any, reference_ids: list[str]) -> dict[str, int]:
    db = getattr(archive, "db", None)
    if not isinstance(db, sqlite3.Connection) or not reference_ids:
        return {}
    out: dict[str, int] = {}
    for i in range(0, len(reference_ids), 500):
        chunk = reference_ids[i:i + 500]
        marks = ",".join("?" * len(chunk))
        out.update(db.execute(f"SELECT reference_id, id FROM cables WHERE reference_id IN ({marks})", chunk).fetchall())
    return out


def _new_cables(archive: Any, reference_ids: Iterable[str]) -> list[_New]:
    wanted = list(dict.fromkeys(reference_ids))
    rows = _row_ids(archive, wanted)
    cables = [(rid, c) for rid in wanted if (c := archive.get(rid)) is not None]
    if rows and all(rid in rows for rid, _ in cables):  # SQLite: the words as its index holds them
        found = new_index(archive.db, _NEW, [rows[rid] for rid, _ in cables])
        words = [found[rows[rid]] for rid, _ in cables]
    else:  # no row in the temporary index: the reader's search decides what the words cannot
        words = [indexed_words(archive, c) for _, c in cables]
        rows = {}
    return [_New(rid, rows.get(rid, -1), c, c.classification, tuple(c.caveats), frozenset(c.tags), w, cable_marking(c))
            for (rid, c), w in zip(cables, words, strict=True)]


def _tags_allow(node: Any, tags: frozenset[str]) -> bool:
    """A top-level `tag:` filter the cable lacks rules it out (other filters are left to the search)."""
    from cablegram.archive.query import And, Field

    parts = node.nodes if isinstance(node, And) else (node,)
    return all(p.value.strip().upper() in tags for p in parts if isinstance(p, Field) and p.name == "tag")


@lru_cache(maxsize=8)
def _query_index(queries: tuple[str, ...]) -> QueryIndex:
    """The saved queries by the words they need (kept while the saved searches stay the same)."""
    return query_index(None if (node := _parsed(q)) is QueryError else node for q in queries)


@lru_cache(maxsize=16384)
def _parsed(query: str) -> Any:
    """A saved query's AST (parsed once per process), or `QueryError` when it no longer parses."""
    try:
        return parse_query(query)
    except QueryError:
        return QueryError


def _decide(archive: Any, user: User, access: Any, controlled: bool, query: str, node: Any,
            candidates: list[_New], whole_view: dict[tuple[Any, str], bool]) -> set[str]:
    """Which candidates the reader's search of `query` finds. For a cable the reader sees whole the
    archive's index is exact: its words settle most queries (`decide`), the index the rest; a cable
    partly withheld from the reader goes through their `ControlledArchive`."""
    found: set[str] = set()
    whole: dict[int, str] = {}
    partial: list[str] = []
    for n in candidates:
        key = (access, n.reference_id)
        if key not in whole_view:
            whole_view[key] = n.row >= 0 and (access is None or not needs_redaction(access, n.cable))
        if not whole_view[key]:
            if not n.words.exact or may_match(node, n.words):  # what it lacks whole, it lacks withheld
                partial.append(n.reference_id)
            continue
        verdict = decide(node, n.words, n.tags, n.reference_id)
        if verdict is None:
            whole[n.row] = n.reference_id
        elif verdict:
            found.add(n.reference_id)
    if whole:
        indexed = _indexed(archive, query, node, access, whole)
        if indexed is None:
            partial += list(whole.values())
        else:
            found |= indexed
    if partial:
        found |= _confirmed(_reader_archive(archive, user, controlled), query, partial)
    return found


def match_new(desk: DeskDB, archive: Any, reference_ids: Iterable[str], *, webhooks: bool = True) -> list[Alert]:
    """Alerts for the saved searches of active readers that the new cables match (as each reader
    sees them); committed in one transaction; webhooks fired afterwards. Returns the new alerts."""
    # what matching needs of each (a release reads them all: the rest is read for the alerts made)
    rows = desk.query("SELECT s.id, s.user_id, s.name, s.query FROM desk_saved_searches s"
                      " JOIN desk_users u ON u.id = s.user_id WHERE u.active = 1 ORDER BY s.id", ())
    if not rows:
        return []
    new = _new_cables(archive, reference_ids)
    if not new:
        return []
    controlled = desk.access_mode == "controlled"
    try:
        return _match(desk, archive, rows, new, controlled, webhooks)
    finally:
        if any(n.row >= 0 for n in new):  # the new texts leave the temporary index
            with suppress(sqlite3.OperationalError):
                archive.db.execute(f"DELETE FROM {_NEW}")


def _match(desk: DeskDB, archive: Any, rows: list[Any], new: list[_New], controlled: bool,
           webhooks: bool) -> list[Alert]:
    users: dict[int, User | None] = {u.id: u for u in list_users(desk)}  # as they are now: one query
    accesses: dict[int, Any] = {}
    whole_view: dict[tuple[Any, str], bool] = {}
    found: list[tuple[_Matched, _New]] = []
    maybe: dict[int, list[_New]] = {}
    if isinstance(getattr(archive, "db", None), sqlite3.Connection):
        index = _query_index(tuple(map(itemgetter(3), rows)))
        for n in new:
            for i in index.candidates(n.words):
                maybe.setdefault(i, []).append(n)
    else:  # another backend's search stems words (PostgreSQL): no word pass, its own search decides
        maybe = {i: list(new) for i in range(len(rows))}
    for i in sorted(maybe):
        search = _Matched(*rows[i])
        node = _parsed(search.query)
        if node is QueryError:
            continue
        user = users.get(search.user_id)
        if user is None or not user.active:
            continue
        if user.id not in accesses:
            accesses[user.id] = access_filter(user) if controlled else None
        access = accesses[user.id]
        candidates = [n for n in maybe[i] if (access is None or allowed(access, n.marking))
                      and _tags_allow(node, n.tags)]
        if not candidates:
            continue
        try:
            hits = _decide(archive, user, access, controlled, search.query, node, candidates, whole_view)
        except Exception as exc:  # fail closed: a search that cannot run is no alert
            print(f"cablegram: alerts: saved search {search.id} ({search.name!r}) not matched: {exc}", file=sys.stderr)
            continue
        found += [(search, n) for n in candidates if n.reference_id in hits]
    if not found:
        return []
    now = now_iso()
    made: list[Alert] = []
    with desk.transaction() as db:
        for search, n in found:
            row = db.execute("INSERT INTO desk_alerts(search_id, user_id, reference_id, classification, caveats, at)"
                             " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (search_id, reference_id) DO NOTHING"
                             " RETURNING id", (search.id, search.user_id, n.reference_id, n.classification,
                                               " ".join(n.caveats), now)).fetchone()
            if row is not None:
                made.append(Alert(int(row[0]), search.id, search.name, n.reference_id, now, False,
                                  n.classification, n.caveats))
    if webhooks:
        _fire_webhooks(desk, archive, controlled, made, users)
    return made


# --- webhooks ---------------------------------------------------------------------------------

def _payload(archive: Any, user: User, controlled: bool, search: SavedSearch, alerts: list[Alert]) -> dict[str, Any]:
    shown = _reader_archive(archive, user, controlled)
    items = []
    for a in alerts:
        cable = shown.get(a.reference_id)
        if cable is None:  # fail closed: never tell of a cable the reader cannot read
            continue
        items.append({"reference_id": a.reference_id, "created": cable.created, "subject": cable.subject,
                      "origin": cable.origin.label if cable.origin else None,
                      "classification": cable.classification_label or cable.classification,
                      "path": f"/cable/{a.reference_id}"})
    return {"search": {"id": search.id, "name": search.name, "query": search.query}, "user": user.username,
            "alerts": items}


def _deliver(location: str, jobs: list[tuple[int, str, bytes]]) -> None:
    outcomes = [(search_id, webhooks.post(url, body)) for search_id, url, body in jobs]
    try:
        desk = DeskDB(location)
    except Exception as exc:  # pragma: no cover - the file or the server went away
        print(f"cablegram: alerts: webhook outcomes not recorded: {exc}", file=sys.stderr)
        return
    try:
        with desk.transaction() as db:
            for search_id, error in outcomes:
                db.execute("UPDATE desk_saved_searches SET webhook_at = ?, webhook_error = ? WHERE id = ?",
                           (now_iso(), error, search_id))
    finally:
        desk.close()


def _fire_webhooks(desk: DeskDB, archive: Any, controlled: bool, made: list[Alert],
                   users: dict[int, User | None]) -> None:
    by_search: dict[int, list[Alert]] = {}
    for a in made:
        by_search.setdefault(a.search_id, []).append(a)
    jobs = []
    for search_id, alerts in by_search.items():
        row = desk.one(f"SELECT {_SEARCH_COLS} FROM desk_saved_searches s WHERE s.id = ?", (search_id,))
        if row is None or not row[4]:
            continue
        search = _search(row)
        user = users.get(search.user_id)
        if user is None:
            continue
        payload = _payload(archive, user, controlled, search, alerts)
        if payload["alerts"]:
            jobs.append((search.id, str(search.webhook), json.dumps(payload, ensure_ascii=False).encode()))
    if not jobs:
        return
    location = desk.path
    webhooks.start(lambda: _deliver(location, jobs))


def wait_for_webhooks(timeout: float = 30.0) -> None:
    """Wait for webhook POSTs in flight (tests, and commands that want the outcome recorded)."""
    webhooks.wait(timeout)


# --- the ingest hook --------------------------------------------------------------------------

def _has_saved_searches(archive: Any) -> bool:
    """Whether the archive's database holds saved searches (asked of the archive's own connection,
    so that an archive without a desk gets none made for it)."""
    db = getattr(archive, "db", None)
    try:
        if isinstance(db, sqlite3.Connection):
            return db.execute("SELECT 1 FROM desk_saved_searches LIMIT 1").fetchone() is not None
        fetch = getattr(archive, "fetch", None)
        if fetch is None or not fetch("SELECT to_regclass('desk_saved_searches') IS NOT NULL")[0][0]:
            return False
        return bool(fetch("SELECT 1 FROM desk_saved_searches LIMIT 1"))
    except Exception:  # no desk in this archive
        return False


def after_ingest(archive: Any, reference_ids: Iterable[str]) -> int:
    """The ingest hook: alerts for the cables an ingest added. Never fails the ingest: a problem
    is reported on stderr. Returns how many alerts were made."""
    ids = list(reference_ids)
    if not ids or not _has_saved_searches(archive):
        return 0
    try:
        desk = DeskDB(archive.path)
        try:
            return len(match_new(desk, archive, ids))
        finally:
            desk.close()
    except Exception as exc:
        print(f"cablegram: alerts: new cables not matched against saved searches: {exc}", file=sys.stderr)
        return 0
