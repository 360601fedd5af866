"""Search snippets from a cable's paragraphs, not its header.

FTS5's `snippet()` picks its window from the whole indexed text, so a match in the E.O. line,
TAGS or SUBJECT gives "…12958: DECL… TAGS… SUBJECT:…" as the snippet, and the subject is already
the hit's title. Here the window is taken from the first paragraph that holds a query word; the
FTS5 snippet stays the fallback for cables whose match is only in the header.

Matching is the query's positive words (prefixes, phrases), case-insensitive and accent-blind
like FTS5's unicode61 tokenizer; it only chooses and marks the window, the FTS5 match decides the
hits.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from cablegram.archive.base import MARK_END, MARK_START
from cablegram.archive.query import And, Node, Not, Or, Term

__all__ = ["body_snippet", "fold", "hit_snippet", "paragraph_snippet", "positive_terms",
           "term_pattern"]

_WORD = re.compile(r"\w+")


def positive_terms(node: Node | None) -> list[Term]:
    """The words and phrases a match must or may contain (not those under NOT, not subject-only)."""
    if node is None or isinstance(node, Not):
        return []
    if isinstance(node, Term):
        return [node] if node.column is None else []
    if isinstance(node, And | Or):
        return [t for n in node.nodes for t in positive_terms(n)]
    return []


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one (so offsets stay those of `text`)."""
    if text.isascii():  # most cables: ASCII lower case is one for one
        return text.lower()
    # each other character folded once (they are few), then ASCII lower case
    return _OTHER.sub(lambda m: _fold_char(m.group()), text).translate(_ASCII_LOWER)


_OTHER = re.compile(r"[^\x00-\x7f]")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[:1] or ch
    return base.lower() if len(base.lower()) == 1 else ch


def term_pattern(terms: Iterable[Term]) -> re.Pattern[str] | None:
    """One regex finding any of `terms` in folded text, None when there is nothing to find."""
    alternatives = []
    for t in terms:
        words = _WORD.findall(fold(t.text))
        if not words:
            continue
        body = r"\W+".join(re.escape(w) for w in words)
        alternatives.append(body + (r"\w*" if t.prefix else r"(?!\w)"))
    if not alternatives:
        return None
    # the word start once, before the alternatives (not in each: tried at every position, it was
    # most of the time a snippet took)
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(set(alternatives), key=len, reverse=True)) + ")")


def paragraph_snippet(texts: Sequence[str], pattern: re.Pattern[str] | None, *, words: int = 32,
                      lead: int = 6) -> str | None:
    """A window of about `words` words around the first match in `texts`, matches marked with
    MARK_START/MARK_END and elisions with '…'; None when no paragraph holds a match."""
    if pattern is None:
        return None
    for text in texts:
        folded = fold(text)
        first = pattern.search(folded)
        if first is None:
            continue
        spans = [m.span() for m in _WORD.finditer(text)]
        at = next((i for i, (s, e) in enumerate(spans) if e > first.start()), 0)
        lo = max(0, at - lead)
        hi = min(len(spans), lo + words)
        start, end = spans[lo][0], spans[hi - 1][1]
        out, pos = [], start
        for m in pattern.finditer(folded, start, end):
            out += [text[pos:m.start()], MARK_START, text[m.start():m.end()], MARK_END]
            pos = m.end()
        out.append(text[pos:end])
        return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(spans) else "")
    return None


def body_snippet(pattern: re.Pattern[str] | None, subject: str, summary: str,
                 paragraphs_json: str | None) -> str | None:
    """The paragraph around the first match; else, when the match is only in the subject (the
    hit's title already), the summary; None when the match is elsewhere (TAGS, REF, the header):
    then the backend's own snippet of where it is decides (`hit_snippet`)."""
    texts = [p.get("text") or "" for p in json.loads(paragraphs_json)] if paragraphs_json else []
    found = paragraph_snippet(texts, pattern)
    if found:
        return found
    if pattern is not None and subject and pattern.search(fold(subject)) and summary:
        return summary
    return None


def hit_snippet(header: str, pattern: re.Pattern[str] | None, subject: str, summary: str,
                paragraphs_json: str | None) -> str:
    """A hit's snippet: `body_snippet`, else the full-text index's snippet `header` (FTS5's
    `snippet()`, PostgreSQL's `ts_headline`) when it marks a match, else the summary."""
    found = body_snippet(pattern, subject, summary, paragraphs_json)
    if found:
        return found
    if MARK_START not in header and summary:  # matched only in TAGS meanings: show the summary
        return summary
    return header
