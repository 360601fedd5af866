"""Similar cables: a more-like-this query over a cable's distinctive words.

The cable's words (subject and paragraphs, as the reader sees them) are weighed by TF-IDF: how
often the cable uses a word, times the log of how rare the word is in the archive. The document
frequencies come from the archive's own full-text index (SQLite: an `fts5vocab` table over
`cables_fts`, looked up by term), and the words are taken by weight while the entries they make
the search read stay within `POSTINGS`; a backend without one ranks words by their count in the cable,
longer words first, common English words left out. The top words, OR-ed, are searched through
the reader's access (the archive ranks hits by BM25, so cables sharing more of the rarer words come
first); the cable itself is left out (its versions share its reference id).
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from cablegram.archive.base import AccessFilter, Hit

__all__ = ["SIMILAR", "Similar", "distinctive_terms", "fold", "similar"]

#: Cables listed.
SIMILAR = 10
#: Words in the more-like-this query.
TERMS = 12
#: Index entries the more-like-this query may read (the sum of its words' document frequencies):
#: what keeps it fast on a large archive, by preferring the rarer of the distinctive words.
POSTINGS = 3000
#: Candidate words looked up in the index (the most frequent in the cable).
_CANDIDATES = 60
_NUMBER = re.compile(r"^\d+$")
_TOKEN = re.compile(r"[^\W_]+")
_ASCII = re.compile(r"[a-z0-9]+")
_STOP = frozenset("""
the and for that this with from have has had was were are been will would shall should could can may
not but they their them there these those which what when where who whom whose also into over under
than then its his her our your about after before between said says such other more most some any
all each only very just both same being does did doing per via upon out off one two three four five
six seven eight nine ten end comment summary note paragraph reason reasons classified para
""".split())


def fold(text: str) -> list[str]:
    """Words as the archive's tokenizer (FTS5 `unicode61 remove_diacritics 2`) makes them: runs of
    letters and digits, lower case, diacritics removed."""
    if text.isascii():
        return _ASCII.findall(text.lower())
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _TOKEN.findall(plain.casefold())


@dataclass(frozen=True, slots=True)
class Similar:
    """The cables most like one cable, and the words the likeness was searched by."""

    reference_id: str
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"reference_id": self.reference_id, "terms": list(self.terms),
                "similar": [h.to_dict() for h in self.hits]}


def _text(cable: Any) -> str:
    from cablegram.access import is_withheld

    parts = [cable.subject or ""]
    parts += [f"{p.heading or ''} {p.text}" for p in cable.paragraphs if not is_withheld(p)]
    return "\n".join(parts)


def _vocab(db: Any) -> bool:
    """An `fts5vocab` table over the archive's index, in the connection's temp schema."""
    try:
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.cablegram_vocab USING fts5vocab(main, cables_fts, row)")
    except Exception:
        return False
    return True


#: Document frequencies already looked up, per archive file and state (the vocabulary table counts
#: a word's documents by reading its whole entry: a millisecond for a common word on a large
#: archive, so a server keeps what it has looked up until the archive changes).
_DF_CACHE: dict[str, tuple[int, dict[str, int]]] = {}
_DF_CACHE_WORDS = 200_000


def _doc_freqs(archive: Any, terms: list[str]) -> tuple[dict[str, int], int] | None:
    """Document frequency of each term and the number of indexed cables, or None without a vocab."""
    inner = getattr(archive, "inner", archive)
    db = getattr(inner, "db", None)
    if not isinstance(db, sqlite3.Connection) or not _vocab(db):
        return None
    # the highest row id stands for the number of cables (ids are handed out in order): a count
    # would read the whole table on every page
    (top,) = db.execute("SELECT coalesce(max(id), 0) FROM cable_facets").fetchone()
    total = max(int(top), 1)
    key = str(getattr(inner, "path", id(db)))
    state, known = _DF_CACHE.get(key, (-1, {}))
    if state != total or len(known) > _DF_CACHE_WORDS:
        known = {}
        _DF_CACHE[key] = (total, known)
    missing = [t for t in terms if t not in known]
    if missing:
        marks = ",".join("?" * len(missing))
        found = dict(db.execute(f"SELECT term, doc FROM temp.cablegram_vocab WHERE term IN ({marks})", missing))
        known.update((t, int(found.get(t, 0))) for t in missing)
    return {t: known[t] for t in terms}, total


def distinctive_terms(archive: Any, cable: Any, n: int = TERMS) -> list[str]:
    """The cable's `n` most distinctive words (TF-IDF against the archive's index)."""
    counts = Counter(t for t in fold(_text(cable)) if len(t) > 2 and t not in _STOP and not _NUMBER.match(t))
    if not counts:
        return []
    candidates = [t for t, _ in counts.most_common(_CANDIDATES)]
    found = _doc_freqs(archive, candidates)
    if found is None:
        ranked = sorted(candidates, key=lambda t: (-counts[t], -len(t), t))
        return ranked[:n]
    freqs, total = found
    # a word no other cable has finds nothing
    scored = sorted(((counts[t] * math.log(total / freqs[t]), t) for t in candidates if freqs.get(t, 0) > 1),
                    key=lambda x: (-x[0], x[1]))
    out: list[str] = []
    budget = POSTINGS
    for _, t in scored:
        if freqs[t] <= budget:
            out.append(t)
            budget -= freqs[t]
            if len(out) == n:
                break
    return out


def similar(archive: Any, reference_id: str, *, access: AccessFilter | None = None,
            limit: int = SIMILAR) -> Similar | None:
    """The `limit` cables most like `reference_id` that the reader may see (None: no such cable).

    `archive` is what the reader reads through (a `ControlledArchive` in a controlled archive)."""
    cable = archive.get(reference_id, access=access)
    if cable is None:
        return None
    rid = cable.reference_id or reference_id
    terms = distinctive_terms(archive, cable)
    if not terms:
        return Similar(rid, (), ())
    result = archive.search(" OR ".join(terms), limit=limit + 1, sort="bm25", access=access)
    return Similar(rid, tuple(terms), tuple(h for h in result.hits if h.reference_id != rid)[:limit])
