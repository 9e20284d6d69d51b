"""datetime values on SQL Server's 1/300 s tick: every microsecond of a second rounds to the nearest tick."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from quietus.sql.types_datetime import round_datetime
from quietus.ticks import with_fraction


def nearest_tick(moment: dt.datetime) -> dt.datetime:
    """The oracle: the nearest 1/300 s (halves up), shown to the nearest microsecond."""
    ticks = int(Fraction(moment.microsecond * 3, 10_000) + Fraction(1, 2))
    return moment.replace(microsecond=0) + dt.timedelta(microseconds=round(Fraction(ticks * 10_000, 3)))


def test_every_microsecond_of_a_second_rounds_to_the_nearest_tick() -> None:
    second = dt.datetime(2024, 2, 29, 23, 59, 59)  # the last second of a leap day: a carry changes the date
    for micro in range(0, 1_000_000, 7):
        moment = second.replace(microsecond=micro)
        assert round_datetime(moment) == nearest_tick(moment), moment
    assert round_datetime(second.replace(microsecond=999_999)) == dt.datetime(2024, 3, 1)
    assert round_datetime(second.replace(microsecond=998_333)) == second.replace(microsecond=996_667)
    assert round_datetime(second.replace(microsecond=998_334)) == dt.datetime(2024, 3, 1)


def test_a_value_on_the_tick_is_returned_as_it_is() -> None:
    moment = dt.datetime(2026, 12, 6, 9, 30, 1, 3333)
    assert round_datetime(moment) is moment


def test_values_with_a_seventh_digit_or_a_time_zone_round_the_same_way() -> None:
    ticked = with_fraction(dt.datetime(2026, 1, 1, 0, 0, 0), 16_666)  # .0016666: just under half a tick
    assert round_datetime(ticked) == dt.datetime(2026, 1, 1)
    zone = dt.timezone(dt.timedelta(hours=1))
    aware = dt.datetime(2026, 1, 1, 0, 0, 0, 1_667, tzinfo=zone)
    assert round_datetime(aware) == dt.datetime(2026, 1, 1, 0, 0, 0, 3_333, tzinfo=zone)
