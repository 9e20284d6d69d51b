"""The row codec keeps datetime2/time/datetimeoffset values to the 100 ns tick, and reads old six-digit text.

Round trip: every value with any seventh digit, naive or with an offset, comes back equal (quietus.ticks'
equality is by the 100 ns value), with the same offset, through MessagePack as the log and pages store it.
"""

from __future__ import annotations

import datetime as dt

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from quietus.engine.storage.codec import RowCodec
from quietus.engine.storage.schema import ColumnDef, TableDef
from quietus.ticks import fraction, tick_of, with_fraction

CODEC = RowCodec(
    TableDef(
        1,
        "t",
        (
            ColumnDef("id", "int"),
            ColumnDef("a", "datetime2", scale=7),
            ColumnDef("b", "time", scale=7),
            ColumnDef("c", "datetimeoffset", scale=7),
        ),
    )
)

moments = st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59))
fractions = st.integers(0, 9_999_999)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


def _through_storage(values: tuple[object, ...]) -> tuple[object, ...]:
    raw = msgspec.msgpack.decode(msgspec.msgpack.encode(CODEC.encode(values)))
    return CODEC.decode(raw)


@given(moments, fractions, fractions, offsets, st.booleans())
def test_values_come_back_to_the_tick(
    moment: dt.datetime, units: int, clock_units: int, zone: dt.timezone, null: bool
) -> None:
    a = with_fraction(moment, units)
    b = with_fraction(moment.time(), clock_units)
    c = with_fraction(moment.replace(tzinfo=zone), units)
    back = _through_storage((1, None if null else a, b, c))
    if null:
        assert back[1] is None
    else:
        assert back[1] == a and fraction(back[1]) == units  # type: ignore[arg-type]
    assert back[2] == b and fraction(back[2]) == clock_units  # type: ignore[arg-type]
    assert back[3] == c and back[3].utcoffset() == zone.utcoffset(None)  # type: ignore[attr-defined]
    assert tick_of(back[3]) == units % 10


def test_text_written_with_six_digits_still_reads() -> None:
    old = [1, "2024-01-02T03:04:05.123456", "03:04:05.123456", "2024-01-02T03:04:05.123456+05:30"]
    back = CODEC.decode(old)
    assert back[1] == dt.datetime(2024, 1, 2, 3, 4, 5, 123456) and type(back[1]) is dt.datetime
    assert back[2] == dt.time(3, 4, 5, 123456) and type(back[2]) is dt.time
    assert back[3] == dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone(dt.timedelta(minutes=330)))


def test_a_seventh_digit_is_written_as_text() -> None:
    value = with_fraction(dt.datetime(2024, 1, 2, 3, 4, 5), 1234567)
    encoded = CODEC.encode((1, value, value.time(), value.replace(tzinfo=dt.UTC)))
    assert encoded[1:] == ["2024-01-02T03:04:05.1234567", "03:04:05.1234567", "2024-01-02T03:04:05.1234567+00:00"]
