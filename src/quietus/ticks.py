"""Date and time values to the 100-nanosecond tick: datetime2(7), time(7), datetimeoffset(7).

Python's ``datetime`` and ``time`` stop at the microsecond; SQL Server keeps seven fractional digits. A value
whose seventh digit is not 0 is a ``DateTime7`` or a ``Time7``: the ordinary value (its ``microsecond`` holds
the first six digits) plus ``tick``, the seventh digit, 1..9. A value whose seventh digit is 0 stays a plain
``datetime``/``time``, so every datetime, smalldatetime, date, scale ≤ 6 value and most scale-7 values cost
nothing extra: only code that reads or makes the seventh digit calls this module.

Invariants (``tests/unit/test_ticks.py``, ``tests/property/test_ticks_storage.py``):
  1. ``with_fraction(v, f)`` returns a plain value when ``f % 10 == 0``: a ``DateTime7``/``Time7`` always has
     tick 1..9, so equal values have one representation and ``type(v) is datetime`` stays the fast test.
  2. Equality, order and hash follow the 100 ns value, across plain and ticked values (``a < b`` iff
     ``fraction``-exact instant of a is before b's; an aware value compares as its instant).
  3. Adding or subtracting a ``timedelta``, ``replace`` (without ``microsecond``), ``astimezone``, ``time()``,
     ``timetz()`` keep the tick; ``isoformat``/``str`` print seven digits; pickling keeps the tick.
  4. ``ticks(v)`` counts 100 ns units since 0001-01-01 00:00 (naive) and ``from_ticks`` is its inverse.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Self, TypeVar

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
_Clock = TypeVar("_Clock", dt.datetime, dt.time)


def tick_of(value: Any) -> int:
    """The seventh fractional digit of a time or datetime (0 for plain values)."""
    return getattr(value, "tick", 0)


def fraction(value: dt.datetime | dt.time) -> int:
    """The fractional second in 100 ns units, 0..9,999,999."""
    return value.microsecond * 10 + getattr(value, "tick", 0)


def with_fraction(value: _Clock, units: int) -> _Clock:
    """``value`` with its fractional second set to ``units`` (100 ns units, 0..9,999,999)."""
    micro, tick = divmod(units, 10)
    made: Any
    if isinstance(value, dt.datetime):
        made = (DateTime7 if tick else dt.datetime)(
            value.year, value.month, value.day, value.hour, value.minute, value.second, micro, value.tzinfo,
            fold=value.fold,
        )
    else:
        kind = Time7 if tick else dt.time
        made = kind(value.hour, value.minute, value.second, micro, value.tzinfo, fold=value.fold)
    if tick:
        made.tick = tick
    return made  # type: ignore[no-any-return]


def _ticked(plain: Any, tick: int) -> Any:
    """The value with its seventh digit set to ``tick``."""
    return with_fraction(plain, plain.microsecond * 10 + tick)


def add_ticks(value: dt.datetime, count: int) -> dt.datetime:
    """``value`` moved by ``count`` 100 ns units (OverflowError beyond year 1..9999)."""
    micros, tick = divmod(fraction(value) + count, 10)
    moved = with_fraction(value, 0) + dt.timedelta(microseconds=micros)
    return with_fraction(moved, moved.microsecond * 10 + tick)


def ticks(value: dt.datetime) -> int:
    """100 ns units since 0001-01-01 00:00:00 of the value's own clock (its offset is not applied)."""
    seconds = (value.toordinal() * 86_400) + value.hour * 3600 + value.minute * 60 + value.second
    return seconds * TICKS_PER_SECOND + fraction(value)


def from_ticks(count: int, tzinfo: dt.tzinfo | None = None) -> dt.datetime:
    """The inverse of ``ticks``."""
    days, rest = divmod(count, TICKS_PER_DAY)
    seconds, units = divmod(rest, TICKS_PER_SECOND)
    base = dt.datetime.combine(dt.date.fromordinal(days), dt.time(tzinfo=tzinfo)) + dt.timedelta(seconds=seconds)
    return with_fraction(base, units)


def clock_now() -> dt.datetime:
    """The local wall clock (naive) to the 100 ns tick, from ``time.time_ns()``."""
    return clock_at(time.time_ns())


def clock_at(nanoseconds: int) -> dt.datetime:
    """The local wall-clock time (naive) of a ``time.time_ns()`` reading, to the 100 ns tick."""
    seconds, rest = divmod(nanoseconds, 1_000_000_000)
    return with_fraction(dt.datetime.fromtimestamp(seconds), rest // 100)


def combine(day: dt.date, clock: dt.time) -> dt.datetime:
    """``datetime.combine`` keeping the seventh digit."""
    joined = dt.datetime.combine(day, clock)
    tick = getattr(clock, "tick", 0)
    return _ticked(joined, tick) if tick else joined


def round_to_scale(value: _Clock, scale: int) -> tuple[_Clock, int]:
    """Round the fraction to ``scale`` digits, half up as SQL Server does: (value, carry in seconds 0/1).

    The fraction is set to the rounded digits; ``carry`` is 1 when it rounded up to a whole second, which the
    caller adds (a time wraps past midnight, a datetime moves to the next second).
    """
    units = fraction(value)
    quantum = 10 ** (7 - scale)
    rounded = (units + quantum // 2) // quantum * quantum
    if rounded == units:
        return value, 0
    if rounded == TICKS_PER_SECOND:
        return with_fraction(value, 0), 1
    return with_fraction(value, rounded), 0


def _iso_with_tick(text: str, fraction_end: int, tick: int) -> str:
    return f"{text[:fraction_end]}{tick}{text[fraction_end:]}"


class _Ticked:
    """Order, equality, hash, ``replace`` and pickling by the 100 ns value, shared by DateTime7 and Time7.

    ``_kind`` is the plain class (datetime or time), ``_fields`` how many positional ``replace`` arguments come
    before ``microsecond``.
    """

    __slots__ = ()  # the concrete classes hold ``tick`` in a slot: a ticked value costs one slot, not a dict
    _kind: Any
    _fields: int
    tick: int
    microsecond: int

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        made: Any = super().__new__(cls, *args, **kwargs)
        made.tick = 0  # until with_fraction sets it (the C code makes values of the subclass without a tick)
        return made

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, self._kind):
            return NotImplemented
        return bool(self._kind.__eq__(self, other)) and self.tick == getattr(other, "tick", 0)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    # order: the plain values' order, then the seventh digit when the plain values are equal
    def __lt__(self, other: Any) -> bool:
        kind = self._kind
        if not isinstance(other, kind):
            return NotImplemented
        return bool(kind.__lt__(self, other) or (kind.__eq__(self, other) and self.tick < getattr(other, "tick", 0)))

    def __le__(self, other: Any) -> bool:
        kind = self._kind
        if not isinstance(other, kind):
            return NotImplemented
        return bool(kind.__lt__(self, other) or (kind.__eq__(self, other) and self.tick <= getattr(other, "tick", 0)))

    def __gt__(self, other: Any) -> bool:
        kind = self._kind
        if not isinstance(other, kind):
            return NotImplemented
        return bool(kind.__gt__(self, other) or (kind.__eq__(self, other) and self.tick > getattr(other, "tick", 0)))

    def __ge__(self, other: Any) -> bool:
        kind = self._kind
        if not isinstance(other, kind):
            return NotImplemented
        return bool(kind.__gt__(self, other) or (kind.__eq__(self, other) and self.tick >= getattr(other, "tick", 0)))

    def __hash__(self) -> int:
        return int(self._kind.__hash__(self)) + self.tick

    def replace(self, *args: Any, **kwargs: Any) -> Any:
        replaced = self._kind.replace(self, *args, **kwargs)
        cleared = "microsecond" in kwargs or len(args) > self._fields
        return with_fraction(replaced, replaced.microsecond * 10 + (0 if cleared else self.tick))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (with_fraction(self, self.microsecond * 10), self.tick))  # type: ignore[type-var]

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return self.__reduce__()

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self._kind.__repr__(self).removeprefix(name + '(')[:-1]}, tick={self.tick})"


class DateTime7(_Ticked, dt.datetime):
    """A datetime with a seventh fractional digit ``tick`` (1..9). Make it with ``with_fraction``."""

    __slots__ = ("tick",)
    _kind = dt.datetime
    _fields = 6

    def __add__(self, other: dt.timedelta) -> Self:
        moved = dt.datetime.__add__(self, other)
        if moved is NotImplemented:
            return moved
        return _ticked(moved, self.tick)  # type: ignore[no-any-return]

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, dt.timedelta):
            return _ticked(dt.datetime.__sub__(self, other), self.tick)
        return dt.datetime.__sub__(self, other)

    def astimezone(self, tz: dt.tzinfo | None = None) -> Self:
        return _ticked(dt.datetime.astimezone(self, tz), self.tick)  # type: ignore[no-any-return]

    def time(self) -> dt.time:
        return _ticked(dt.datetime.time(self), self.tick)  # type: ignore[no-any-return]

    def timetz(self) -> dt.time:
        return _ticked(dt.datetime.timetz(self), self.tick)  # type: ignore[no-any-return]

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        text = dt.datetime.isoformat(self, sep, "microseconds")
        return _iso_with_tick(text, 26 + len(sep) - 1, self.tick)

    def __str__(self) -> str:
        return self.isoformat(" ")


class Time7(_Ticked, dt.time):
    """A time of day with a seventh fractional digit ``tick`` (1..9). Make it with ``with_fraction``."""

    __slots__ = ("tick",)
    _kind = dt.time
    _fields = 3

    def isoformat(self, timespec: str = "auto") -> str:
        return _iso_with_tick(dt.time.isoformat(self, "microseconds"), 15, self.tick)

    def __str__(self) -> str:
        return self.isoformat()


def _rebuild(plain: dt.datetime | dt.time, tick: int) -> Any:
    return _ticked(plain, tick)


def parse_iso(text: str, kind: type[_Clock]) -> _Clock:
    """``fromisoformat`` keeping a seventh fractional digit (Python's own drops it)."""
    value = kind.fromisoformat(text)
    start = text.find(".")
    if start < 0 or len(text) < start + 8 or not text[start + 7].isdigit():
        return value
    return with_fraction(value, value.microsecond * 10 + int(text[start + 7]))
