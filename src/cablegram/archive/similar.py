"""Similar cables: a more-like-this query over a cable's distinctive words.

The cable's words (subject and paragraphs, as the reader sees them) are weighed by TF-IDF: how
often the cable uses a word, times the log of how rare the word is among the cables the reader may
see. The document frequencies and each word's cables come from the archive's own full-text index
as the reader sees it (`similar_view.reader_index`: FTS5 on SQLite, the tsvector's GIN index on
PostgreSQL), and the words are taken by weight while the entries they make the search read stay
within `POSTINGS`; a backend without either ranks words by their count in the cable, longer words
first, common English words left out, and searches them OR-ed (BM25). A cable's score is the sum of
the weights of the words it shares; the cable itself is left out (its versions share its reference
id).
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from cablegram.archive.base import AccessFilter, Hit
from cablegram.archive.similar_view import WordIndex, reader_index

__all__ = ["SIMILAR", "Similar", "distinctive_terms", "fold", "similar"]

#: Cables listed.
SIMILAR = 10
#: Words in the more-like-this query.
TERMS = 12
#: Index entries the more-like-this query may read (the sum of its words' document frequencies):
#: what keeps it fast on a large archive, by preferring the rarer of the distinctive words.
POSTINGS = 3000
#: Cables one word of it may be found in (a word in more is too common to tell cables apart; its
#: count is read no further than this).
WORD_POSTINGS = 1000
#: Candidate words looked up in the index (the most frequent in the cable).
_CANDIDATES = 24
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
    plain = _OTHER.sub(lambda m: _plain(m.group()), text)
    return _TOKEN.findall(plain.casefold())


_OTHER = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=8192)
def _plain(ch: str) -> str:
    """A character decomposed (NFKD) without its combining marks (one at a time: the same as the
    whole text's, whose only reordering is of the marks left out)."""
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))


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


def _counts(cable: Any) -> Counter[str]:
    """How often the cable (as the reader sees it) uses each word that may be distinctive."""
    counts = Counter(fold(_text(cable)))
    for t in [t for t in counts if len(t) < 3 or t in _STOP or t.isdigit()]:
        del counts[t]
    return counts


def _weighed(view: WordIndex, counts: Counter[str], n: int) -> list[tuple[str, float, tuple[int, ...]]]:
    """The cable's `n` most distinctive words with their weights and the cables the reader sees that
    hold them: TF-IDF over what the reader may see, heaviest first while their cables stay within
    `POSTINGS` in all."""
    total = max(view.total, 1)
    freqs = view.counts([t for t, _ in counts.most_common(_CANDIDATES)], WORD_POSTINGS)
    # a word no other cable has finds nothing; a word of more than WORD_POSTINGS cables is never taken
    scored = sorted(((counts[t] * math.log(total / df), t) for t, df in freqs.items() if 1 < df <= WORD_POSTINGS),
                    key=lambda x: (-x[0], x[1]))
    out: list[tuple[str, float, tuple[int, ...]]] = []
    budget = POSTINGS
    for _, t in scored:
        df = freqs[t]
        if df <= budget:
            ids = view.cables(t, WORD_POSTINGS)
            assert ids is not None and len(ids) == df
            out.append((t, (1 + math.log(counts[t])) * math.log(total / df), ids))
            budget -= df
            if len(out) == n:
                break
    return out


def distinctive_terms(archive: Any, cable: Any, n: int = TERMS) -> list[str]:
    """The cable's `n` most distinctive words (TF-IDF over the cables the reader of `archive` may
    see; without an FTS5 index, by their count in the cable)."""
    counts = _counts(cable)
    if not counts:
        return []
    view = reader_index(archive)
    if view is None:
        ranked = sorted((t for t, _ in counts.most_common(_CANDIDATES)), key=lambda t: (-counts[t], -len(t), t))
        return ranked[:n]
    return [t for t, _, _ in _weighed(view, counts, n)]


def _ranked(view: WordIndex, weighed: list[tuple[str, float, tuple[int, ...]]], own: int,
            limit: int) -> list[tuple[int, float]]:
    """Row ids of the cables that share the most weight of the words (newest first among equals)."""
    scores: dict[int, float] = {}
    for _, weight, ids in weighed:
        for i in ids:
            scores[i] = scores.get(i, 0.0) + weight
    scores.pop(own, None)
    return [(i, score) for score, i in heapq.nlargest(limit, ((score, i) for i, score in scores.items()))]


def _hits(archive: Any, terms: list[str], ranked: list[tuple[int, float]]) -> list[Hit]:
    """The hits of `ranked` (row id, score) as the reader's search shows them, in that order."""
    ids = [i for i, _ in ranked]
    refs = dict(archive.fetch(f"SELECT id, reference_id FROM cables WHERE id IN ({','.join('?' * len(ids))})",
                              ids))
    scores = {refs.get(i): s for i, s in ranked}
    hits = archive.hits_of(" OR ".join(terms), ids)
    # the score is ours: the index's BM25 would weigh words by every cable, hidden ones too
    return [replace(h, score=round(scores[h.reference_id], 3)) for h in hits]


def similar(archive: Any, reference_id: str, *, access: AccessFilter | None = None,
            limit: int = SIMILAR) -> Similar | None:
    """The `limit` cables most like `reference_id` that the reader may see (None: no such cable).

    `archive` is what the reader reads through (a `ControlledArchive` in a controlled archive)."""
    if access is not None and getattr(archive, "inner", None) is None:
        from cablegram.desk.controlled import ControlledArchive  # a plain archive and an access: read as that reader

        archive = ControlledArchive(archive, access)
    cable = archive.get(reference_id, access=access)
    if cable is None:
        return None
    rid = cable.reference_id or reference_id
    view = reader_index(archive)
    if view is not None:
        counts = _counts(cable)
        weighed = _weighed(view, counts, TERMS) if counts else []
        if not weighed:
            return Similar(rid, (), ())
        terms = [t for t, _, _ in weighed]
        own = archive.fetch("SELECT id FROM cables WHERE reference_id = ?", (rid,))
        ranked = _ranked(view, weighed, own[0][0] if own else -1, limit)
        return Similar(rid, tuple(terms), tuple(_hits(archive, terms, ranked)) if ranked else ())
    terms = distinctive_terms(archive, cable)
    if not terms:
        return Similar(rid, (), ())
    result = archive.search(" OR ".join(terms), limit=limit + 1, sort="bm25", access=access)
    return Similar(rid, tuple(terms), tuple(h for h in result.hits if h.reference_id != rid)[:limit])
