"""The query language: parsing, errors that point at the problem, compilation to FTS5 + SQL."""

from __future__ import annotations

import pytest

from cablegram.archive.query import QueryError, compile_query, parse_query


class _Resolver:
    def origin_ids(self, value: str) -> list[int]:
        return [7] if value.lower() == "moscow" else []

    def class_ids(self, value: str) -> list[int]:
        return [2] if value.lower() == "secret" else []

    def caveat_bit(self, value: str) -> int | None:
        return 2 if value.lower() == "noforn" else None

    def addressee_names(self, value: str) -> list[str]:
        return ["SECSTATE WASHDC"] if value.lower() in ("secstate washdc", "secretary of state") else []


def plan(q: str):
    return compile_query(parse_query(q), _Resolver())


def test_words_become_quoted_fts_terms_so_user_text_is_never_fts_syntax() -> None:
    assert plan('georgia "south ossetia" abkhaz*').match == (
        '("georgia" AND "south ossetia" AND "abkhaz"*)')
    assert plan('U.S. al-Qaeda "08 MOSCOW 2618"').match == (
        '("U.S." AND "al-Qaeda" AND "08 MOSCOW 2618")')


def test_field_filters_become_sql_and_words_stay_in_match() -> None:
    p = plan("georgia origin:moscow class:secret caveat:noforn from:2008-01 to:2008-12")
    assert p.match == '"georgia"'
    assert p.where == ["f.origin_id IN (7)", "f.class_id IN (2)", "(f.caveat_mask & 4) <> 0",
                       "f.day >= 20080100", "f.day <= 20081231"]


def test_values_are_bound_parameters() -> None:
    p = plan("tag:pgov ref:08MOSCOW2618 to:\"SECSTATE WASHDC\"")
    assert p.params == ["PGOV", "08MOSCOW2618", "SECSTATE WASHDC", "SECSTATE WASHDC"]
    assert all("PGOV" not in w and "SECSTATE" not in w for w in p.where)


def test_not_and_minus_exclude() -> None:
    assert plan("georgia -russia").match == '(("georgia") NOT ("russia"))'
    assert plan("georgia NOT russia").match == '(("georgia") NOT ("russia"))'
    alone = plan("NOT russia")
    assert alone.match is None and alone.where[0].startswith("NOT (")


def test_or_binds_looser_than_and() -> None:
    assert plan("a b OR c").match == '(("a" AND "b") OR "c")'


def test_subject_is_a_column_filter() -> None:
    assert plan("subject:georgia").match == 'subject : "georgia"'


def test_from_and_to_take_a_date_or_else_a_station_or_addressee() -> None:
    assert plan("from:moscow").where == ["f.origin_id IN (7)"]
    assert "addressees" in plan("to:RUEHC").where[0]
    assert plan("to:2008-02-03").where == ["f.day <= 20080203"]


def test_unknown_origin_matches_nothing_rather_than_failing() -> None:
    assert plan("origin:atlantis").where == ["0"]


@pytest.mark.parametrize(("query", "message", "position"), [
    ('georgia "south', "unclosed quote", 8),
    ("georgia (russia", "missing ')'", 8),
    ("georgia AND", "query ends", 11),
    ("georgia )", "unexpected ')'", 8),
    ("colour:red", "unknown field 'colour'", 0),
    ("from:2008-13", "bad date", 0),
    ("tag:", "needs a value", 0),
    ("OR georgia", "unexpected 'OR'", 0),
    ('""', "empty phrase", 0),
])
def test_malformed_queries_say_what_and_where(query: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as err:
        plan(query)
    assert message in str(err.value)
    assert err.value.position == position


def test_empty_query_is_everything() -> None:
    p = plan("   ")
    assert p.match is None and p.where == []
