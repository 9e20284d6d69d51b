"""Properties of the default collation: collation_key ordering agrees with compare(); sort keys are total."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from quietus.sql.collation import collation_key, compare, like, sort_key

# Letters with case and accents, spaces (leading and trailing), digits and punctuation.
TEXT = st.text(alphabet=st.sampled_from(list("aAbBeEéÉzZ 019-_.ßñÑ")), max_size=8)


@given(TEXT, TEXT)
def test_collation_key_order_agrees_with_compare(a: str, b: str) -> None:
    ka, kb = collation_key(a), collation_key(b)
    expected = 0 if ka == kb else (-1 if ka < kb else 1)
    assert compare(a, b) == expected
    assert compare(b, a) == -expected


@given(TEXT, TEXT)
def test_equality_ignores_case_and_trailing_spaces_only(a: str, b: str) -> None:
    equal = compare(a, b) == 0
    assert equal == (a.rstrip(" ").lower() == b.rstrip(" ").lower())


@given(TEXT, TEXT, TEXT)
def test_order_is_transitive(a: str, b: str, c: str) -> None:
    if compare(a, b) <= 0 and compare(b, c) <= 0:
        assert compare(a, c) <= 0


@given(TEXT, st.sampled_from(["", " ", "  "]))
def test_trailing_blanks_never_matter(a: str, pad: str) -> None:
    assert collation_key(a) == collation_key(a + pad)
    assert hash(sort_key(a)) == hash(sort_key(a + pad))


@given(st.lists(st.one_of(st.none(), TEXT), max_size=12))
def test_null_sorts_first(values: list[str | None]) -> None:
    ordered = sorted(values, key=sort_key)
    nulls = values.count(None)
    assert ordered[:nulls] == [None] * nulls
    assert None not in ordered[nulls:]


@given(TEXT)
def test_like_percent_matches_everything_and_self_matches(a: str) -> None:
    assert like(a, "%")
    literal = a.replace("[", "[[]").replace("%", "[%]").replace("_", "[_]")
    assert like(a, literal)
    upper = a.upper()
    if len(upper) == len(a):  # 'ß'.upper() is 'SS': not the same string under the collation
        assert like(upper, literal)
