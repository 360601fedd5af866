"""People: names after titles and roles, names the record already carries, ALL-CAPS surnames,
folded into one person per surname."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from cablegram.directory import is_known_tag
from cablegram.model import Cable

from .gazetteer import gazetteer
from .lexicon import common_words, data_lines, given_names
from .orgs import HEAD_RX
from .places import Place, is_big, place_index
from .scan import first_word, matches_from, piece_words, word_positions
from .text import HEADING, Piece, fold, is_redacted, last_char_before
from .trie import trie_pattern

__all__ = ["PersonFinder", "person_key", "titled_names"]

_TITLE_WORDS = sorted(data_lines("titles.txt"), key=len, reverse=True)
_TITLE = trie_pattern(_TITLE_WORDS)
_PARTICLE = r"(?:al|el|bin|ibn|abu|de|da|del|della|di|do|dos|das|du|van|von|der|le|la|y)"
_NAME_MIXED = r"(?:[A-Z]\.|(?:Mc|Mac|Le|De|Di|O')?[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-Za-zà-ÿ]+)*|[A-Z]{2,}(?:-[A-Z]+)?)"
# In running text a role is often lower case (`executive director Ibrahim Al Rumahi`): a title
# written in words may start either way; an abbreviation (`PM`, `FM`) only as written.
_TITLE_EITHER = trie_pattern(_TITLE_WORDS, either_case_first=True)
_TITLED_MIXED = re.compile(
    rf"\b(?:{_TITLE_EITHER})\.?\s+"
    rf"(?=((?:{_PARTICLE}[- ])?{_NAME_MIXED}(?:\s+(?:{_PARTICLE}[- ]?){{0,2}}{_NAME_MIXED}){{0,3}}))",
)
_TITLED_CAPS = re.compile(
    rf"\b(?:{_TITLE})\.?\s+(?=((?:{_PARTICLE}[- ])?[A-Z][A-Z'’-]+"
    rf"(?:\s+(?:{_PARTICLE}[- ]?)?(?:[A-Z]\.|[A-Z][A-Z'’-]+)){{0,3}}))",
    re.IGNORECASE,
)
_NOT_NAME = frozenset(fold(w) for w in data_lines("not_names.txt"))
# The words a title starts with (and, written in words, in lower case): `_TITLED_MIXED` is tried
# only where one of them is in the text.
_TITLE_FIRSTS = frozenset(f for t in _TITLE_WORDS if (w := first_word(t)) for f in (w, w[:1].lower() + w[1:]))
# A name starts at a known given name (a trie of them, so the scan skips every other word) or a
# word with an accent (folded, it may be one).
_GIVEN_START = (trie_pattern(sorted(n[:1].upper() + n[1:] for n in given_names() if n[:1].isalpha()))
                + r"(?![a-zà-ÿ])|[A-ZÀ-Þ][a-zà-ÿ]*[À-ÿ][a-zà-ÿ]*")
# the given names' first words: `_GIVEN_FIRST` is tried only where one is in the text, or a word
# with a letter outside ASCII (`×` and `÷` in the accented range are no word's: the whole scan there)
_GIVEN_FIRSTS = frozenset(w for n in given_names() if n[:1].isalpha() and (w := first_word(n[:1].upper() + n[1:])))
_GIVEN_FIRST = re.compile(
    rf"\b((?:{_GIVEN_START})(?:-[A-Z][a-zà-ÿ]+)?(?:\s+[A-Z]\.)?"
    rf"(?:\s+(?:{_PARTICLE}[- ]|(?:Al|El|Van|Bin|De)\s){{0,2}}{_NAME_MIXED}){{1,3}})"
)
_SIGNER = re.compile(
    r"(?:^|[.)\]\"!?:]|X{4,}|\bEND(?: OF)? (?:COMMENT|NOTE|SUMMARY|TEXT)\.?|\bEnd (?:comment|note|summary)\.?)\s+"
    r"((?:(?:van|de|von|da) )?[A-Z][A-Za-z'’-]+(?: [A-Z][A-Za-z'’-]+)?)\s*$"
)
_CLASSIFIED_BY = re.compile(
    r"Classified\s+by:?\s+([^\n;]{3,80}?)(?:,|\s+(?:for\s+)?reasons?\b|\s+for\b|\s+E\.O\.|\s+\d\.\d|\.\s|$)",
    re.IGNORECASE)
_TITLE_WORD = re.compile(rf"(?:{_TITLE})\.?|[A-Z]+/[A-Za-z/]+|A/\w+", re.IGNORECASE)
_CUE_NAME = (
    rf"([A-Z][a-zà-ÿ]+(?:\s+[A-Z]\.)?(?:\s+(?:{_PARTICLE}[- ]){{0,2}}"
    rf"(?:Mc|Mac|Le|De|O')?[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?){{1,2}})"
)
# A name then a role or a verb: found from the role or verb back (a handful a paragraph), not
# tried at every capitalised word.
_CUE_END = re.compile(rf"(?<![\w'’-]){_CUE_NAME}$")
_ROLE_AFTER = re.compile(
    rf",\s+(?:the\s+|a\s+|an\s+|former\s+|acting\s+|new\s+)?(?:[A-Z][\w'’/-]*\s+){{0,4}}?"
    rf"(?:{_TITLE}|[Hh]ead|[Ll]eader|[Ff]ounder|[Oo]wner|[Ee]ditor|[Pp]resident|[Dd]irector|[Cc]hief)\b"
)
_VERBS = ("told said stated noted explained added asked reported confirmed stressed argued claimed expressed remarked "
          "described acknowledged indicated emphasized replied warned agreed believed thought urged pointed commented "
          "welcomed highlighted lamented complained suggested insisted admitted denied promised announced opined "
          "underscored observed recalled predicted asserted cautioned conceded maintained").split()
_VERB_AFTER = re.compile(rf"\b(?:{trie_pattern(sorted(_VERBS))})\b")
_VERB_SET = frozenset(_VERBS)
_CUE_BEFORE_VERB = re.compile(rf"(?<![\w'’-]){_CUE_NAME}(?:\s+\((?:strictly\s+)?protect\))?\s+$")
_CAPS_STOP = frozenset("""said says told noted added asked stated also will would could should might must
shall have were been being that this these those there their then than when where while which with from into
about after before during under over again only even just still made make called urged agreed""".split())
_TAIL_JUNK = re.compile(
    r"\s*(?:=+\s*CABLE ENDS\s*=+|Declassified/Released.*|Please visit .*|Visit .*Classified Website.*|"
    r"\d{4}[A-Z]+\d+ - Classification:.*|[\"'>\s]+)\s*$", re.S)


def _places() -> dict[str, Place]:
    return place_index()


def titled_names(text: str, caps: bool) -> list[str]:
    """Names that follow a title or role: `Foreign Minister Sergey Lavrov` -> `Sergey Lavrov`."""
    if caps:
        found: Iterable[re.Match[str]] = _TITLED_CAPS.finditer(text)
    else:
        found = matches_from(_TITLED_MIXED, text, _TITLE_FIRSTS & piece_words(text))
    out = []
    for m in found:
        name = _trim(m.group(1).split(), caps)
        if name and _plausible(name, caps):
            out.append(name)
    return out


def _given_first(text: str) -> Iterable[re.Match[str]]:
    """`_GIVEN_FIRST.finditer(text)`, tried only at given names and words with accents."""
    if "×" in text or "÷" in text:
        return _GIVEN_FIRST.finditer(text)
    present = piece_words(text)
    starts = _GIVEN_FIRSTS & present
    if not text.isascii():
        starts |= {w for w in present if not w.isascii()}
    return matches_from(_GIVEN_FIRST, text, starts)


def _plausible(name: str, caps: bool) -> bool:
    """Not an office or acronym dressed as a name (`Icelandic MFA`, `Brussels LEGATT`)."""
    words = name.split()
    last = words[-1]
    whole = _places().get(fold(name))
    # `President Bush` is not the city of Bush; `Ambassador Moscow` would be a post
    if whole is not None and (whole.kind != "city" or whole.population >= 1_000_000):
        return False
    if len(words) == 2 and fold(words[0]) in _places() and fold(words[0]) not in given_names():
        return False
    if not caps and last.isupper() and len(last) > 1:
        first = words[0]
        if len(words) < 2 or first.isupper() or fold(first) not in given_names():
            return False
    return not (len(last) <= 1 or fold(last) in _NOT_NAME)
_SUFFIX = {"jr", "sr", "ii", "iii", "iv"}
_TITLE_FOLDS = frozenset(fold(w) for t in _TITLE_WORDS for w in t.split())
_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "de", "da", "del", "della", "di", "dos", "van", "von", "der",
                        "le", "la", "y"})


@lru_cache(maxsize=65536)
def person_key(name: str) -> str | None:
    """The surname, folded: 'Sergey Lavrov', 'S. LAVROV', 'FM Lavrov' -> 'lavrov'."""
    parts = [p for p in _SPLIT_NAME.split(fold(name)) if p and p not in _SUFFIX]
    if not parts:
        return None
    last = _ARTICLE.sub("", parts[-1])
    return last if (len(last) >= 2 and last.isalpha()) or "-" in last else None


_RUN_ONLY = re.compile(r"\w+")
_WORDISH = re.compile(r"[A-Za-zÀ-ÿ][\wÀ-ÿ'’-]*[\wÀ-ÿ]|[A-Za-z]")


def _whole_word(text: str, word: str) -> bool:
    """`word` is one of the text's words as `_WORDISH` cuts them (not inside `Lavrov's`, `Lavrovich`)."""
    return any(_word_at(text, i, word) for i in _positions(text, word))


def _positions(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def _word_at(text: str, i: int, word: str) -> bool:
    """The `_WORDISH` token that covers position i is exactly `word`."""
    start = i
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_'’-" or "À" <= text[start - 1] <= "ÿ"):
        start -= 1
    m = _WORDISH.search(text, start)
    while m and m.end() <= i:
        m = _WORDISH.search(text, m.end())
    return bool(m) and m.start() == i and m.group() == word
_SPLIT_NAME = re.compile(r"[\s,]+")
_ARTICLE = re.compile(r"^(?:al|el)-")
_SPACES = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"['’]s\b", re.I)


@lru_cache(maxsize=65536)
def clean_name(name: str) -> str:
    """Spaces squeezed, a possessive and stray punctuation dropped: `MUBARAK'S,` -> `MUBARAK`."""
    return _POSSESSIVE.sub("", _SPACES.sub(" ", name)).strip(" ,.;:'’")


@cache
def known_people() -> dict[str, str]:
    """Folded surname -> spelling, of people named after a title in several cables outside the
    labelled set (`data/known_people.txt`, made by `_build.py`): found bare too."""
    out = {}
    for line in data_lines("known_people.txt"):
        key, _, spelling = line.partition("|")
        out[key] = spelling
    return out


_CAPITALISED = re.compile(r"\b[A-ZÀ-Þ][\wÀ-ÿ'’-]+")


@cache
def _known_forms() -> frozenset[str]:
    """Every capitalised word `from_known` takes for a known surname: as written, in capitals,
    capitalised, with a possessive or a trailing hyphen (`_CAPITALISED` keeps them on the word)."""
    out = set()
    for key, spelling in known_people().items():
        for base in {spelling, spelling.upper(), spelling.capitalize(), key.capitalize(), key.upper()}:
            for tail in ("", "'s", "’s", "'S", "’S", "'", "’", "-"):
                word = base + tail
                cleaned = clean_name(word)
                if (cleaned.lower() if cleaned.isascii() else fold(cleaned)) in known_people():
                    out.add(word)
    return frozenset(out)
def _capitalised_from(text: str, starts: Iterable[str]) -> Iterable[re.Match[str]]:
    """The `_CAPITALISED` words of the text that start with one of `starts` (and maybe others):
    tried only there, unless a character before one may join it to an earlier word (`-`, `'`),
    where only the whole scan says which words it takes."""
    positions = word_positions(text, starts)
    if any(i and text[i - 1] in _JOINS_WORD for i in positions):
        return _CAPITALISED.finditer(text)
    return [m for i in positions if (m := _CAPITALISED.match(text, i))]


# the characters `_CAPITALISED` takes inside a word that are no `\\w` characters
_JOINS_WORD = frozenset("'’-×÷")


@cache
def _known_firsts() -> frozenset[str]:
    """The first `\\w+` run of every known form: `_CAPITALISED` finds one only where its run is
    one of the piece's words."""
    return frozenset(w for form in _known_forms() if (w := first_word(form)))


# `Smith & Wesson`, `Indira Gandhi Hospital`: a surname inside an organisation's name
_ORG_AFTER = re.compile(
    r"\s*(?:&|(?:[A-Z][a-z]+\s+)?(?:Hospital|Foundation|Corporation|Company|Institute|University|Center|Centre"
    r"|Group|Party|Airport|Museum|Prize|Award|Plan|Doctrine|Administration|Bank|Fund|Street|Avenue|School|College"
    r"|Clinic|Stadium|Bridge|Dam|Square)\b)", re.IGNORECASE)
_PROPER_RUN = re.compile(r"\b([A-Z][a-zà-ÿ]{2,}(?: [A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?){1,2})\b(?![ -][A-Z])")
_ORG_HEAD = re.compile(r"\b(?:Corporation|Company|Institute|Guidebook|Inc|Ltd|Group|Party|Council|Committee)\b")


@cache
def _demonyms() -> frozenset[str]:
    """`spanish`, `european`, `iraqi`: words for a people, made from the countries' names."""
    out = set("""arab arabs african asian american european western eastern northern southern latin middle islamic
    spanish french dutch british english swiss greek turkish danish polish swedish finnish irish scottish welsh
    filipino thai lao czech slovak basque catalan kurdish kurd persian soviet yankee sunni shia shiite north south east
    west central""".split())
    for key, place in place_index().items():
        if place.kind != "country":
            continue
        for w in key.split():
            if len(w) >= 4:
                out.update({w + "n", w + "an", w + "ian", w + "ese", w + "i", w[:-1] + "an", w[:-1] + "ian",
                            w[:-1] + "ese", w[:-1] + "ish", w[:-1] + "i", w + "ns", w[:-1] + "ans", w[:-1] + "is"})
    return frozenset(out)


def _named_place_or_org(value: object) -> bool:
    """A gazetteer entry a surname cannot be: an organisation, a country, a post, a city of 100,000
    people or more (a smaller one, `Mandela`, may share a surname)."""
    return value is not None and (not isinstance(value, Place) or is_big(value))


def _not_a_person(name: str) -> bool:
    """A place or organisation of the gazetteer (`Middle East`, `European Central Bank`), or a
    name that starts with a people's word (`Spanish`, `French Mirage`)."""
    f = fold(name)
    if f in _TITLE_FOLDS or f.endswith(("ians", "ans")):  # `Prime`, `Ossetians`: a title, a people
        return True
    if " " in f and HEAD_RX.search(name):  # `Hussein Gazi Association`, `Economies Meeting`
        return True
    value = gazetteer().names.get(f)
    if value is not None and (" " in f or not (isinstance(value, Place) and value.kind == "city")):
        return True  # one word that is also a city may be a surname (`Bush`, `Santos`)
    return f.split(" ", 1)[0] in _demonyms()


@cache
def _country_stems() -> frozenset[str]:
    return frozenset(w[:4] for k, p in place_index().items() if p.kind == "country" for w in k.split() if len(w) >= 4)


def _national(word: str) -> bool:
    """`costa`, `korean`, `arabs`: a word of a country's name or its people's."""
    return word[:4] in _country_stems() and (
        word.endswith(("an", "ans", "ese", "ish", "is", "i", "ic", "ia", "a")) or word in _places())


_FOR_NAME = re.compile(r"\bFOR\s+([A-Z][A-Z'’-]{3,})(?=\s*(?:,|AND\b|$))")
_CAPS_PAIR = re.compile(r"\b([A-Z]{3,}) (?=([A-Z][A-Z'’-]+)\b)")
_CAPS_SPEAKER = re.compile(
    r"\b([A-Z][A-Z'’-]{2,}(?: [A-Z][A-Z'’-]{2,})?)(?: HAS| HAD| ALSO)? (?:SAID|SAYS|TOLD|NOTED|STATED|ADDED|ASKED"
    r"|REPLIED|EXPLAINED|STRESSED|EMPHASIZED|INDICATED|ARGUED|CLAIMED|REMARKED|AGREED|BELIEVES|EXPRESSED"
    r"|DESCRIBED|SIDESTEPPED|INQUIRED|UNDERSTANDS|COMMENTED|OPINED)\b"
)


@dataclass
class _Person:
    names: list[str] = field(default_factory=list)
    mentions: set[int] = field(default_factory=set)


def _display(name: str) -> str:
    words = name.split()
    if all(not w.isalpha() or w.isupper() for w in words):
        return " ".join(w if len(w) <= 2 and w.endswith(".") else w.capitalize() for w in words)
    return name


class PersonFinder:
    """Collects people over a cable's pieces; `people()` gives them folded by surname."""

    def __init__(self) -> None:
        self._by_key: dict[str, _Person] = {}

    def add(self, name: str, paragraph: int) -> None:
        name = clean_name(name)
        if not name or is_redacted(name):
            return
        key = person_key(name)
        if not key or key in _NOT_NAME or (" " not in name and fold(name) in common_words()):
            return
        words = name.split()
        while len(words) > 1 and fold(words[0]) in _TITLE_FOLDS:  # `Crown Prince Salman`, `VADM William Gortney`
            words = words[1:]
        name = " ".join(words)
        if _not_a_person(name):
            return
        if len(words) >= 3 and key not in self._by_key:
            # `Oscar Arias Sanchez` is Arias: a two-surname name under the surname already known
            for w in words[1:-1]:
                f = fold(w)
                if f in self._by_key or f in known_people():
                    key = f
                    break
        person = self._by_key.setdefault(key, _Person())
        person.names.append(name)
        person.mentions.add(paragraph)

    def keys(self) -> set[str]:
        return set(self._by_key)

    def tokens(self) -> set[str]:
        """Every folded word of every name: a place or an organisation is never one of these."""
        return {fold(w) for p in self._by_key.values() for n in p.names for w in n.split()}

    def from_record(self, cable: Cable) -> None:
        if cable.classified_by:
            for name in cable.classified_by.names:
                self.add(name, HEADING)
        for name in cable.signers:
            self.add(name, _last_paragraph(cable))
        for person in (cable.drafted_by, cable.approved_by):
            if person and person.name:
                self.add(_record_name(person.name), HEADING)
        for name in _ovip(cable.tags):
            self.add(name, HEADING)

    def from_titles(self, piece: Piece, caps: bool) -> None:
        number, text = piece
        for name in titled_names(text, caps):
            self.add(name, number)
        if not caps:
            given = given_names()
            for m in _given_first(text):
                words = m.group(1).split()
                if fold(words[0]) not in given:
                    continue
                name = _trim(words, False)
                if name and " " in name and _plausible(name, False) and not any(is_known_tag(w) for w in words[1:]):
                    self.add(name, number)
            verbs = matches_from(_VERB_AFTER, text, _VERB_SET & piece_words(text))
            for cues, before in ((_ROLE_AFTER.finditer(text), _CUE_END), (verbs, _CUE_BEFORE_VERB)):
                for cue in cues:
                    m = before.search(text, max(0, cue.start() - 110), cue.start())
                    if m is None:
                        continue
                    words = m.group(1).split()
                    if fold(words[0]) in common_words() or not _plausible(m.group(1), False):
                        continue
                    name = _trim(words, False)
                    if name and " " in name:
                        self.add(name, number)

    def from_notes(self, cable: Cable) -> None:
        """Passing lines the parser keeps beside the paragraphs: `PLEASE PASS NEA A/S BURNS`,
        `NSC FOR THEROUX`. People only: the offices and posts there are routing."""
        names = gazetteer().names
        for note in cable.notes:
            if len(note) > 200:
                continue
            for name in titled_names(note, True):
                self.add(name, HEADING)
            for m in _FOR_NAME.finditer(note):  # `FOR THEROUX`, not `FOR JMEYERS` (a login) or `FOR LEGATT`
                f = fold(m.group(1))
                if f in known_people() and f not in names:
                    self.add(m.group(1), HEADING)

    def from_known(self, pieces: Iterable[tuple[int, str, bool]]) -> None:
        """Bare surnames of known people (`Mubarak`, `MUBARAK'S`), capitalised words only
        in mixed-case text."""
        forms = _known_forms()
        firsts = _known_firsts()
        for number, text, caps in pieces:
            starts = firsts & piece_words(text)  # each form starts with one of the piece's words
            if not starts:
                continue
            for m in _capitalised_from(text, starts):
                word = m.group()
                if word not in forms:
                    continue
                if caps:
                    if not word.isupper():
                        continue
                elif word.isupper() and len(word) <= 4:  # an acronym (`MOI`), not `LAVROV`
                    continue
                word = clean_name(word)
                if not _ORG_AFTER.match(text, m.end()):
                    self.add(word, number)

    def from_caps_speakers(self, piece: Piece) -> None:
        """`MOOSA SAID`, `ESSA MOOSA TOLD` in all-capitals text: a speaker that is no place,
        organisation, title or common word."""
        number, text = piece
        names = gazetteer().names
        for m in _CAPS_SPEAKER.finditer(text):
            words = m.group(1).split()
            folded = [fold(clean_name(w)) for w in words]
            if any(f in common_words() or f in _NOT_NAME or f in names or f in _TITLE_FOLDS or f.endswith("ly")
                   for f in folded):
                continue
            self.add(m.group(1), number)

    def from_caps_given(self, piece: Piece) -> None:
        """`NELSON MANDELA`, `JESSE JACKSON` in all-capitals text: a known given name, then a
        word that is no common word, place, organisation or title."""
        number, text = piece
        names = gazetteer().names
        given = given_names()
        common = common_words()
        for m in _CAPS_PAIR.finditer(text):
            first, last = m.group(1), clean_name(m.group(2))
            f = fold(last)
            if ("'" in last[2:] or "’" in last[2:] or f"{first.lower()} {f}" in names
                    or _ORG_AFTER.match(text, m.end(2))):
                continue
            if (first.lower() in given and first.lower() not in _TITLE_FOLDS and f not in common
                    and not _named_place_or_org(names.get(f)) and f not in _TITLE_FOLDS
                    and f not in _NOT_NAME and f not in given and not _national(f)):
                self.add(f"{first} {last}", number)

    def from_proper_pairs(self, piece: Piece) -> None:
        """Two or three capitalised words mid-sentence that are no common word, place,
        organisation or title (`Staci Haag`, `Diane Sawyer`): in mixed-case text, a name."""
        number, text = piece
        names = gazetteer().names
        common = common_words()
        for m in _PROPER_RUN.finditer(text):
            before = last_char_before(text, m.start())
            if not before or before in ".:;!?\"'(-":
                continue
            words = m.group(1).split()
            folded = [fold(clean_name(w)) for w in words]
            if any(f in common or f in names or f in _TITLE_FOLDS or f in _NOT_NAME or _national(f) for f in folded):
                continue
            if _ORG_HEAD.search(m.group(1)) or " ".join(folded) in names or _ORG_AFTER.match(text, m.end()):
                continue
            self.add(m.group(1), number)

    def from_classified_by(self, piece: Piece) -> None:
        """`Classified By: A/PolCouns Nathaniel P. Dean Reason 1.5 (b)` left in the text."""
        number, text = piece
        if "lassified" not in text and "LASSIFIED" not in text:
            return
        for m in _CLASSIFIED_BY.finditer(text):
            words = [w for w in m.group(1).replace(",", " ").split() if not is_redacted(w)]
            kept: list[str] = []
            for w in reversed(words):
                if (not re.fullmatch(r"[A-Z][A-Za-z'’-]*\.?|[A-Z]\.", w) or fold(w) in _NOT_NAME
                        or _TITLE_WORD.fullmatch(w)):
                    break
                kept.insert(0, w)
            if len(kept) >= 2 or (kept and kept[0].isupper() and len(kept[0]) > 2):
                self.add(" ".join(kept[-4:]), number)

    def from_signature(self, cable: Cable) -> None:
        """The signer where the parser left the name at the end of the last paragraph."""
        if cable.signers or not cable.paragraphs:
            return
        last = cable.paragraphs[-1]
        tail = _TAIL_JUNK.sub("", last.text[-300:])
        m = _SIGNER.search(tail)
        if m and not any(fold(w) in common_words() or fold(w) in _NOT_NAME for w in m.group(1).split()):
            self.add(m.group(1), last.number if last.number is not None else _last_paragraph(cable))

    def sweep(self, pieces: Iterable[tuple[int, str, bool]]) -> None:
        """Every later bare mention of a known surname (`Lavrov`, `LAVROV`) counts too."""
        if not self._by_key:
            return
        surnames = {}
        for key, person in self._by_key.items():
            for n in person.names:
                last = n.split()[-1].strip(",")
                if person_key(last) == key and len(last) >= 3:
                    surnames[last.upper()] = key
                    surnames[last] = key
                    surnames[last.capitalize()] = key
        common = common_words()
        # a spelling of word characters only is a whole word of a piece only if it is one of its
        # `\\w+` runs (a set lookup); any other, a substring test; bounds checked where it is there
        plain = {w: _RUN_ONLY.fullmatch(w) is not None for w in surnames}
        for number, text, caps in pieces:
            present = piece_words(text)
            for word in [w for w in surnames if (w in present if plain[w] else w in text) and _whole_word(text, w)]:
                if caps and fold(word) in common:
                    continue
                self._by_key[surnames[word]].mentions.add(number)

    def people(self) -> list[tuple[str, str, tuple[int, ...], tuple[str, ...]]]:
        out = []
        for key, p in self._by_key.items():
            names = sorted(set(p.names), key=lambda n: (-len(n.split()), n.isupper(), n))
            out.append((_display(names[0]), key, tuple(sorted(p.mentions)), tuple(names[1:])))
        return sorted(out, key=lambda e: (min(e[2]) if e[2] else 0, e[1]))


def _trim(tokens: list[str], caps: bool) -> str | None:
    """Title + words -> the name: stop at a word that cannot be part of a name."""
    common = common_words()
    kept: list[str] = []
    for i, tok in enumerate(tokens):
        f = fold(tok)
        if f in _NOT_NAME or is_redacted(tok):
            break
        if caps and f in common and not (len(tok) == 2 and tok.endswith(".")) and not (
                f in _PARTICLES and i + 1 < len(tokens)):
            # right after the title a surname may be a word too (`PRESIDENT BUSH`), not a verb
            if i or len(f) <= 3 or f in _CAPS_STOP or f.endswith(("ed", "ing", "ly")):
                break
        kept.append(tok)
    while kept and (fold(kept[-1]) in {"al", "el", "bin", "de", "da", "del", "van", "von", "der", "le", "la", "y"}
                    or re.fullmatch(r"[A-Z]\.", kept[-1])):
        kept.pop()
    return " ".join(kept) or None


def _record_name(name: str) -> str:
    """'SMITH, JOHN' and 'PPCLAXTON, JR.' as written in 1970s office blocks -> a name."""
    name = re.sub(r",?\s*(JR|SR)\.?$", "", name.strip(), flags=re.I)
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}"
    return name


def _ovip(tags: tuple[str, ...]) -> list[str]:
    """The names cablegate keeps after an OVIP tag: `OVIP (RICE, CONDOLEEZZA)` or `OVIP ZOELLICK`."""
    if "OVIP" not in tags:
        return []
    names = []
    after = tags[tags.index("OVIP") + 1:]
    for tag in after:
        t = tag.strip("()")
        if "," in t:
            names.append(_record_name(t))
        elif t.isalpha() and len(t) >= 4 and not is_known_tag(t):
            names.append(t)
    return names


def _last_paragraph(cable: Cable) -> int:
    numbers = [p.number for p in cable.paragraphs if p.number is not None]
    return numbers[-1] if numbers else HEADING
