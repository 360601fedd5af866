"""Organisations: a gazetteer (organisation TAGS, ministries, parties, agencies), names built
on an organisation's head word, and acronyms the cable defines (`the Democratic
Revolutionary Party (PRD)`)."""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from .lexicon import common_words as _common
from .lexicon import data_lines
from .scan import piece_words
from .text import fold
from .trie import trie_pattern

__all__ = ["HEAD_RX", "acronym_definitions", "head_word_orgs", "org_acronyms", "org_names"]

_HEAD_WORDS = ("Party|Directorate|Partido|Front|Frente|Movement|Movimiento|Commission|Comision|Committee|Council|"
          "Consejo|Agency|"
          "Bank|Banco|Corporation|Company|Institute|Instituto|Foundation|Fundacion|University|Universidad|"
          "Federation|Association|Alliance|Alianza|Coalition|Authority|Bureau|Organization|Organisation|Court|"
          "Tribunal|Assembly|Parliament|Congress|Union|Union|Ministry|Ministerio|Army|Ejercito|Police|Policia|"
          "Guard|Navy|Forces|Service|Secretariat|Fund|Center|Centre|Church|Brigades|Group|Network|Senate|Cabinet|"
          "Office|Initiative|Airport|Museum|Hospital|Clinic|Unit|Society|Syndicate|Forum|Division|Archive|"
          "Nunciature|Club|Conference|Institutes|Resort|Services")
_HEADS = trie_pattern(sorted(set(_HEAD_WORDS.split("|"))))
#: Every `_HEAD_ORG` name ends in one of these words: a piece without any has none.
_HEAD_SET = frozenset(_HEAD_WORDS.split("|"))
_CAPS_HEADS = trie_pattern(sorted({w.upper() for w in _HEAD_WORDS.split("|")}))
_LINK = r"(?:of|for|and|the|on|de|del|la|el|y|des|du|da|do)"
_CAP = r"[A-ZÀ-Þ][\wÀ-ÿ'’-]+"
_HEAD_ORG = re.compile(
    rf"\b((?:{_CAP}\s+(?:{_LINK}\s+)*){{1,5}}(?:{_HEADS}))\b"
    rf"(?:\s+(?:of|for|on|[Aa]gainst|[Tt]owards?|To)\s+(?:the\s+)?({_CAP}(?:\s+(?:and\s+)?{_CAP}){{0,3}}))?"
)
_MINISTRY = re.compile(
    rf"\b((?:Ministry|Ministerio|Department|Secretariat)\s+(?:of|for|de)\s+(?:the\s+)?"
    rf"{_CAP}(?:\s+(?:and|&|y|de|of)?\s*{_CAP}){{0,3}})"
)
_MINISTRY_WORDS = ("Ministry", "Ministerio", "Department", "Secretariat")
_MINISTER_OF = re.compile(
    rf"(?<!Prime )(?<!Deputy )\bMinister\s+(?:of|for)\s+(?:the\s+)?({_CAP}(?:\s+(?:and|&)?\s*{_CAP}){{0,2}})")
_DEFINED = re.compile(
    rf"((?:{_CAP}\s+(?:{_LINK}\s+)*){{1,9}}){_CAP}?\s*\(\s*([A-Z][A-Za-z]{{1,7}}|[A-Z]{{2,}}-[A-Z]+)\s*\)"
)
_HEAD_RX = re.compile(rf"\b(?:{_HEADS}|Ministry|Office|Department|Board|Directorate|Police)\b", re.IGNORECASE)
#: An organisation's head word anywhere in a name, as written (`Frente`, `Association`, `Meeting`).
HEAD_RX = re.compile(rf"\b(?:{_HEADS}|Ministry|Office|Department|Board|Meeting)\b")
_BAD_LEAD = frozenset({"the", "a", "an", "this", "that", "his", "her", "their", "its", "our", "both", "new", "former",
                       "and", "of", "in", "on", "at", "by", "for", "with", "from", "to", "as", "while", "when",
                       "but", "if", "per", "during", "after", "before", "since", "although", "because", "said",
                       "under", "between", "also", "all", "any", "each", "some", "many", "other"})


_TITLE_LEAD = re.compile(r"(?:Secretary|Minister|Chair|Chairman|Director|President|Head|Member|Members|Deputy|Vice|"
                         r"General|Spokesman|Leader|Chief|Speaker|Ambassador|Official|Officer)\b.*", re.IGNORECASE)


_ACRONYM = re.compile(r"[A-Z][A-Z0-9&/.-]*[A-Z0-9]\.?|[A-Z][a-z]*[A-Z][A-Za-z]*")


def _tag_orgs() -> list[tuple[str, list[str]]]:
    path = resources.files("cablegram.directory").joinpath("data", "tags.csv")
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["kind"] == "organization"]
    return [(re.sub(r"\s*\(.*\)$", "", r["meaning"]).strip(), [r["code"]]) for r in rows]


@cache
def _gazetteer() -> tuple[dict[str, str], dict[str, str]]:
    """(folded full name -> canonical name, ACRONYM -> canonical name)."""
    names: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    entries: list[tuple[str, list[str]]] = []
    for line in data_lines("orgs.txt"):  # the hand-made list first: its WTO is the trade one
        name, *aliases = [s.strip() for s in line.split("|")]
        entries.append((name, aliases))
    entries.extend(_tag_orgs())
    for line in data_lines("orgs_mined.txt"):  # mined from dev cables outside the labels (`_build.py --orgs`)
        name, *aliases = [s.strip() for s in line.split("|")]
        entries.append((name, aliases))
    for name, aliases in entries:
        canonical = names.get(fold(name), name)
        names.setdefault(fold(name), canonical)
        for alias in aliases:
            if _ACRONYM.fullmatch(alias):
                acronyms.setdefault(alias, canonical)
            else:
                names.setdefault(fold(alias), canonical)
    return names, acronyms


def org_names() -> dict[str, str]:
    return _gazetteer()[0]


def org_acronyms() -> dict[str, str]:
    return _gazetteer()[1]


def _clean(name: str) -> str | None:
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r"['’]s?$", "", re.sub(r"^(?:.*\s)?(?!People)\S+['’]s\s", "", name))
    if " and the " in name:
        name = name.rsplit(" and the ", 1)[1]
    words = name.split()
    for i, w in enumerate(words):
        if i and _TITLE_LEAD.fullmatch(w) and not (w == "General" and i + 1 < len(words)):
            words = words[:i]
            break
    if len(words) > 2 and words[0].lower() not in _ORG_WORDS and fold(" ".join(words[1:])) in org_names():
        words = words[1:]  # `Spanish Foreign Ministry`, not `National Democratic Party`
    if len(words) > 2 and "-" in words[0] and words[0].split("-", 1)[1].islower():
        words = words[1:]  # `Ultra-nationalist Pan Iranist Party`
    if len(words) > 4 and words[0] == "The" and words[2] == "Ministry" and fold(" ".join(words[:2])) in _place_keys():
        words = words[2:]
    if len(words) > 3 and words[1] in ("Ministry", "Ministerio") and (
            fold(words[0]) in _place_keys() or fold(words[0]).endswith(("an", "ese", "ish", "i"))):
        words = words[1:]  # `Netherlands Ministry of Economic Affairs` is its Ministry of Economic Affairs
    if len(words) > 2 and words[1] == "of" and words[0].lower() in _common():
        words = words[3:] if words[2:3] == ["the"] else words[2:]
    for i in range(len(words) - 1, 0, -1):
        if (words[i].lower() in ("of", "for") and _TITLE_LEAD.match(" ".join(words[:i]))
                and not HEAD_RX.search(" ".join(words[:i]))):  # not `General People's Committee for`
            words = words[i + 1:]
            break
    if "of" in words[1:-1]:
        i = words.index("of", 1)
        if not HEAD_RX.search(" ".join(words[:i])) and HEAD_RX.search(" ".join(words[i + 1:])):
            words = words[i + 1:]  # `Sayed Abdelhafez of the Multaqa Forum`: the forum
    while words and (words[0].lower() in _BAD_LEAD or _TITLE_LEAD.fullmatch(words[0])):
        if words[0].lower() == "the" and fold(" ".join(words[:2])) in _place_keys():
            break  # `The Hague Police`
        if words[0] == "General" and len(words) > 2:
            break  # `General People's Congress`
        words.pop(0)
    return " ".join(words) if len(words) >= 2 else None


def head_word_orgs(text: str) -> list[tuple[str, int, int]]:
    """Capitalised names ending in an organisation's head word (`Democratic Revolutionary
    Party`, `Special Court for Sierra Leone`) and ministries (`Ministry of Foreign Affairs`),
    with their offsets."""
    out = []
    # each pattern only where its first word is in the text: a substring test costs far less than a scan
    for m in (_MINISTER_OF.finditer(text) if "Minister" in text else ()):
        # `Minister of Culture Cesar Antonio Molina` speaks for the Ministry of Culture
        words = []
        for w in re.split(r"['’]s\b", m.group(1))[0].split():
            if (w.lower() not in _common() and w.lower() not in _portfolio_words()) or fold(w) in _place_keys():
                break
            words.append(w)
        while words and words[-1].lower() in ("and", "&"):
            words.pop()
        if words:
            portfolio = " ".join(words)
            out.append((f"Ministry of {portfolio}", m.start(1), m.start(1) + len(portfolio)))
    for m in (_MINISTRY.finditer(text) if any(w in text for w in _MINISTRY_WORDS) else ()):
        name = _clean(re.split(r"['’]s\b", m.group(1))[0])
        if name:
            out.append((name, m.start(1), m.start(1) + len(name)))
    for m in (_HEAD_ORG.finditer(text) if not _HEAD_SET.isdisjoint(piece_words(text)) else ()):
        if any(m.start(1) < b and a < m.end(0) for _, a, b in out):
            continue
        whole = m.group(0) if m.group(2) else m.group(1)
        end = m.end(0) if m.group(2) else m.end(1)
        # two names run together: `Colombian National Police Counterterrorism Directorate`
        inner = [h for h in _INNER_HEAD.finditer(whole) if h.end() < len(whole)]
        if inner and not m.group(2):
            cut = inner[-1].end()
            first, second = _clean(whole[:cut]), _clean(whole[cut:])
            if first and second:
                start = m.start(0)
                out.append((first, start + cut - len(first), start + cut))
                out.append((second, end - len(second), end))
                continue
        name = _clean(whole)
        if name:
            out.append((name, end - len(name), end))
    return out


# A head word inside a name, followed by a capitalised word (not `of`, `for`): where a second name starts.
_INNER_HEAD = re.compile(r"\b(?:Police|Ministry|Party|Army|Navy|Forces|Court|University|Bank|Union)(?= [A-Z])")


@cache
def _portfolio_words() -> frozenset[str]:
    """Words of the ministries the gazetteer knows (`affairs`, `cabinet`): a portfolio goes on
    over them though they are capitalised more often than not."""
    return frozenset(w for k in org_names() if k.startswith("ministry ") for w in k.split()[1:])


_CAPS_HEAD_ORG = re.compile(
    rf"\b((?:[A-Z][A-Z'’-]+\s+(?:(?:OF|FOR|AND|THE)\s+)*){{1,4}}(?:{_CAPS_HEADS}))\b")
# Words that start an organisation's name in all-capitals text though they are common words.
_ORG_WORDS = frozenset("""national democratic communist socialist liberal conservative republican united popular
revolutionary islamic progressive people's peoples federal central general supreme international african arab
american european christian muslim green labor labour workers' workers social free independent patriotic
constitutional civic civil reform unity justice development liberation resistance royal military
security foreign""".split())


def caps_head_word_orgs(text: str) -> list[tuple[str, int, int]]:
    """`SOUTH AFRICAN COMMUNIST PARTY`, `NATIONAL PARTY` in all-capitals text: words before the
    head that are names or words organisations are named with (not `THE OTHER PARTY`)."""
    out = []
    for m in _CAPS_HEAD_ORG.finditer(text):
        words = re.split(r"\S+['’]S\s", m.group(1))[-1].split()  # `MANSUR'S PROGRESSIVE SOCIETY`
        while words[:-1] and ((words[0].lower() in _common() and words[0].lower() not in _ORG_WORDS)
                              or words[0] in ("OF", "FOR", "AND", "THE")):
            words.pop(0)
        if len(words) < 2 or any(
                (w.lower() in _common() and w.lower() not in _ORG_WORDS and w not in ("OF", "FOR", "AND", "THE"))
                or _TITLE_LEAD.fullmatch(w) or "'" in w[:-2] or "’" in w[:-2] for w in words[:-1]):
            continue
        name = " ".join(w.lower() if w in ("OF", "FOR", "AND", "THE") else w.capitalize() for w in words)
        end = m.end(1)
        out.append((name, end - len(" ".join(words)), end))
    return out


_LINKS = frozenset({"of", "for", "and", "the", "on", "de", "del", "la", "el", "y", "des", "du", "da", "do", "against",
                    "to", "in"})


_PAREN = re.compile(r"\(\s*(?:[A-Z][A-Za-z]{1,7}|[A-Z]{2,}-[A-Z]+)\s*\)")
_WINDOW = 400  # longer than any long form the patterns take (ten words)


def _definitions(text: str, caps: bool) -> list[re.Match[str]]:
    """What `finditer` of the definition pattern gives, found from each `(ACRONYM)` back: the
    long pattern runs only on the text before one, not at every capitalised word."""
    whole = _DEFINED_CAPS_END if caps else _DEFINED_END
    out: list[re.Match[str]] = []
    done = 0
    for paren in _PAREN.finditer(text):
        if paren.start() < done:
            continue
        m = whole.search(text, max(done, paren.start() - _WINDOW), paren.end())
        if m:
            out.append(m)
            done = m.end()
    return out


def acronym_definitions(text: str, caps: bool = False) -> dict[str, str]:
    """`the Democratic Revolutionary Party (PRD)` -> {'PRD': 'Democratic Revolutionary Party'}:
    where the initials agree and the long form names an organisation, or where every initial
    agrees (`Washington International Renewable Energy Conference (WIREC)`)."""
    found = {}
    for m in _definitions(text, caps):
        acro = m.group(2)
        long_words = (m.group(0)[: m.start(2) - m.start(0)]).rstrip(" (").split()
        strict = _strict(long_words, acro)
        if strict:
            name = " ".join(strict)
            if fold(name) not in _place_keys():
                found[acro] = name.title() if caps else re.sub(r"['’]s?$", "", name)
            continue
        if caps:
            continue
        letters = [c for c in acro if c.isupper()]
        if len(letters) < 2:  # `(Parlasur)`: a short name, not an acronym
            continue
        caps = [i for i, w in enumerate(long_words) if w[0].isupper()]
        if len(caps) < max(2, len(letters) - 1):
            continue
        start = caps[-len(letters)] if len(letters) <= len(caps) else caps[0]
        name_words = long_words[start:]
        initials = "".join(w[0] for w in name_words if w[0].isupper())
        if initials[:1] != letters[0] or not _HEAD_RX.search(" ".join(name_words)):
            continue
        if not _loosely(letters, initials):
            continue
        found[acro] = re.sub(r"['’]s?$", "", " ".join(name_words))
    return found


_DEFINED_CAPS = re.compile(
    r"((?:[A-Z][A-Z'’-]+\s+){1,9})\(\s*([A-Z]{2,7}|[A-Z]{2,}-[A-Z]+)\s*\)"
)
_DEFINED_CAPS_END = re.compile(_DEFINED_CAPS.pattern + r"\Z")
_DEFINED_END = re.compile(_DEFINED.pattern + r"\Z")


def _strict(words: list[str], acro: str) -> list[str] | None:
    """The trailing words whose initials spell the acronym, link words skipped: `Department of
    Education and Training` for DET."""
    letters = [c for c in acro if c.isalpha()]
    if len(letters) < 3 or (not acro.isupper() and sum(c.isupper() for c in acro) < 3):
        letters = [c for c in acro if c.isupper()]
        if len(letters) < 3:
            return None
    i, k = len(words) - 1, len(letters) - 1
    while i >= 0 and k >= 0:
        w = words[i]
        if w.lower() in _LINKS:
            i -= 1
            continue
        if w[0].upper() != letters[k].upper():
            return None
        i, k = i - 1, k - 1
    if k >= 0:
        return None
    out = words[i + 1:]
    while out and out[0].lower() in _LINKS:
        out.pop(0)
    return out if len(out) >= 2 else None


@cache
def _place_keys() -> frozenset[str]:
    from .places import place_index

    return frozenset(place_index())


def _loosely(letters: list[str], initials: str) -> bool:
    hits = sum(1 for c in letters if c in initials)
    return hits >= len(letters) - 1


_PRESS_WORD = r"(?:newspapers?|dailies|daily|weekly|tabloid|magazine|paper)"
_PRESS_WORDS = frozenset({"newspaper", "newspapers", "dailies", "daily", "weekly", "tabloid", "magazine", "paper"})
_TITLE_OF_PAPER = r"(?:(?:Al|El|An|As|Ar)-)?[A-Z][\w'’-]+(?:\s+(?:de|do|da|del|al)?\s*[A-Z][\w'’-]+){0,3}"
# Not a paper's name: a language, a day, a month, an office; a word like `Arabic-language`, `Iceland's`, `TV`.
_NOT_PAPER = frozenset("""urdu hindi farsi pashto dari arabic persian english french spanish russian turkish
embassy government opposition state sunday monday tuesday wednesday thursday friday saturday january february
march april may june july august september october november december rio sipdis""".split())
_NOT_TITLE_WORD = re.compile(r"['’]s?$|-[a-z]|^[A-Z]{1,3}$|\d")
_ADJECTIVE = re.compile(r"(?:ist|ic|ian|an|ine|ese|ish|i|ek)$")
_OWNER = re.compile(r"\S+['’]s\s+")
_PRESS_BEFORE = re.compile(rf"\b{_PRESS_WORD}\s+[\"“]?({_TITLE_OF_PAPER})")
_PRESS_AFTER = re.compile(rf"(?<![\w'’-])({_TITLE_OF_PAPER})(?:\s+and\s+({_TITLE_OF_PAPER}))?[\"”]?\s+{_PRESS_WORD}\b")


def press_names(text: str) -> list[tuple[str, int, int]]:
    """Newspapers named beside the word (`the daily newspaper Parool`, `weekly tabloid
    "Al-Osboa"`, `the Oea and Qurina newspapers`): a name that is no place, people or common word."""
    from .people import _demonyms, known_people

    out: list[tuple[str, int, int]] = []
    if _PRESS_WORDS.isdisjoint(piece_words(text)):  # `\b{_PRESS_WORD}\b`: one of the piece's words
        return out
    for rx in (_PRESS_BEFORE, _PRESS_AFTER):
        for m in rx.finditer(text):
            for g in range(1, (m.lastindex or 1) + 1):
                name = m.group(g)
                if not name:
                    continue
                owner = _OWNER.match(name)  # `Saif's Oea`: the paper is Oea
                start = m.start(g) + (owner.end() if owner else 0)
                name = name[owner.end():] if owner else name
                raw = name.split()
                words = [fold(w) for w in raw]
                if not raw or (
                        any(w in _common() or w in _place_keys() or w in _demonyms() or w in _NOT_PAPER for w in words)
                        or any(_NOT_TITLE_WORD.search(w) for w in raw) or words[-1] in known_people()
                        or (rx is _PRESS_AFTER and len(raw) == 1 and _ADJECTIVE.search(words[0]))):
                    continue
                out.append((name, start, start + len(name)))
    return out
