"""Patterns tried only where their first words are give what a scan of the whole text gives, on
the pieces of real dev cables."""

from __future__ import annotations

import re

from cablegram.entities import people
from cablegram.entities.scan import first_word, matches_from, piece_words
from cablegram.entities.text import is_caps, last_char_before, pieces
from corpus import dev_parsed, needs_shared


def _mixed_pieces(limit: int = 400) -> list[str]:
    out = []
    for _, cable in dev_parsed()[:limit]:
        out.extend(t for _, t in pieces(cable) if not is_caps(t))
    return out


def _spans(found: object) -> list[tuple[int, int, tuple[str | None, ...]]]:
    return [(m.start(), m.end(), m.groups()) for m in found]  # type: ignore[attr-defined]


@needs_shared
def test_titles_verbs_and_given_names_are_found_as_a_whole_scan_finds_them() -> None:
    texts = _mixed_pieces()
    assert len(texts) > 1000
    hits = 0
    for text in texts:
        words = piece_words(text)
        titled = _spans(matches_from(people._TITLED_MIXED, text, people._TITLE_FIRSTS & words))
        assert titled == _spans(people._TITLED_MIXED.finditer(text)), text
        verbs = _spans(matches_from(people._VERB_AFTER, text, people._VERB_SET & words))
        assert verbs == _spans(people._VERB_AFTER.finditer(text)), text
        assert _spans(people._given_first(text)) == _spans(people._GIVEN_FIRST.finditer(text)), text
        hits += len(titled) + len(verbs)
    assert hits > 1000  # the pieces have titles and verbs to find


def test_a_match_inside_an_earlier_one_is_not_taken() -> None:
    rx = re.compile(r"\bPrime Minister\s+(\w+)|\bMinister\s+(\w+)")
    text = "Prime Minister Abe met Minister Kishida."
    found = _spans(matches_from(rx, text, {"Prime", "Minister"}))
    assert found == _spans(rx.finditer(text))
    assert [g for _, _, g in found] == [("Abe", None), (None, "Kishida")]


def test_first_words_and_the_character_before() -> None:
    assert first_word("Ambassador-designate") == "Ambassador"
    assert first_word("A/S") == "A"
    assert first_word("(PRD)") is None
    assert last_char_before("Hello.  \n World", 10) == "."
    assert last_char_before("   World", 3) == ""


def test_ingest_loads_the_entity_tables_before_it_forks_its_workers_only_when_it_extracts() -> None:
    import os
    import subprocess
    import sys

    probe = ("from cablegram.archive.records import warm_up_parser\n"
             "from cablegram.entities.gazetteer import gazetteer\n"
             "from cablegram.entities.people import _known_forms\n"
             "warm_up_parser()\n"
             "print(gazetteer.cache_info().currsize, _known_forms.cache_info().currsize)\n")
    loaded = {}
    for value in ("1", "0"):
        env = {**os.environ, "CABLEGRAM_ENTITIES": value}
        out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
        loaded[value] = out.stdout.split()
    assert loaded == {"1": ["1", "1"], "0": ["0", "0"]}
