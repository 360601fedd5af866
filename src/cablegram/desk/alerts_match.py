"""A cheap first pass of alert matching: which saved queries may match a new cable.

Evaluating a thousand saved queries through the archive's search for each released cable would
cost a thousand searches. Instead each new cable's indexed text (subject, tags, raw text) is
folded into a set of words the way the archive's tokenizer folds them (`unicode61
remove_diacritics 2`: letters and digits, lower case, no diacritics), and each saved query's
AST is checked against it: a word or phrase needs each of its words, a prefix some word that
starts with it, AND all parts, OR some part; a field filter or a NOT might hold either way, so
they pass. The pass never drops a cable that the search would match (it over-approximates); the
survivors go through the reader's own search (`cablegram.desk.alerts.matching`), which decides.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from cablegram.archive.query import And, Field, Node, Not, Or, Term
from cablegram.archive.similar import fold

__all__ = ["Words", "may_match", "words_of"]

@dataclass(frozen=True)
class Words:
    """The distinct tokens of one cable's indexed text, for exact and prefix lookups."""

    exact: frozenset[str]
    ordered: tuple[str, ...]

    def has_prefix(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.ordered, prefix)
        return i < len(self.ordered) and self.ordered[i].startswith(prefix)


def words_of(*texts: str | None) -> Words:
    """The `Words` of a cable's texts."""
    tokens = {t for text in texts if text for t in fold(text)}
    return Words(frozenset(tokens), tuple(sorted(tokens)))


def may_match(node: Node | None, words: Words) -> bool:
    """False only when the query cannot match a cable with these words."""
    if node is None or isinstance(node, (Field, Not)):
        return True
    if isinstance(node, Term):
        tokens = fold(node.text)
        if not tokens:
            return True
        *whole, last = tokens
        if any(t not in words.exact for t in whole):
            return False
        return words.has_prefix(last) if node.prefix else last in words.exact
    if isinstance(node, And):
        return all(may_match(n, words) for n in node.nodes)
    if isinstance(node, Or):
        return any(may_match(n, words) for n in node.nodes)
    return True  # pragma: no cover - every node kind is handled above
