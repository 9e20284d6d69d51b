"""quietus.ticks' values order, compare and hash as their 100 ns instants, whichever side is plain."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from quietus.ticks import fraction, ticks, with_fraction

moments = st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30))
fractions = st.integers(0, 9_999_999)


@given(moments, fractions, moments, fractions)
def test_order_is_the_order_of_ticks(m1: dt.datetime, f1: int, m2: dt.datetime, f2: int) -> None:
    a, b = with_fraction(m1, f1), with_fraction(m2, f2)
    ta, tb = ticks(a), ticks(b)
    assert (a < b, a <= b, a == b, a != b, a > b, a >= b) == (ta < tb, ta <= tb, ta == tb, ta != tb, ta > tb, ta >= tb)
    assert (a.time() < b.time()) == ((ta % 864_000_000_000) < (tb % 864_000_000_000))
    if a == b:
        assert hash(a) == hash(b) and hash(a.time()) == hash(b.time())


@given(moments, fractions, st.integers(-(10**12), 10**12))
def test_timedelta_arithmetic_keeps_the_seventh_digit(moment: dt.datetime, units: int, micros: int) -> None:
    value = with_fraction(moment, units)
    try:
        moved = value + dt.timedelta(microseconds=micros)
    except OverflowError:
        return
    assert ticks(moved) == ticks(value) + 10 * micros and fraction(moved) % 10 == units % 10
