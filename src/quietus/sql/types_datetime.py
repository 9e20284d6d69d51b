"""Date and time values: SQL Server's rounding, string parsing and CONVERT styles.

Invariants:
  1. A ``datetime`` value always sits on a 1/300-second tick: its microseconds are round(ticks * 10000 / 3),
     so it prints as .000/.003/.007 and re-rounding is idempotent.
  2. A ``smalldatetime`` value has zero seconds; datetime2/time/datetimeoffset keep at most ``scale`` fractional
     digits, all seven at scale 7 (the seventh digit rides in ``quietus.ticks``), rounded half up.
  3. Parsing never guesses silently: text that matches no pattern raises 241; a pattern with impossible
     parts (month 13) raises 242 for datetime/smalldatetime, as SQL Server does, and 241 otherwise.
  4. Formatting is driven by the ``STYLES`` table; a style not in it raises 281.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from quietus.errors import SqlError, sql_error
from quietus.ticks import combine, fraction, round_to_scale, with_fraction

BASE_DATE = dt.datetime(1900, 1, 1)


def as_datetime(value: Any) -> dt.datetime:
    """A date, time or datetime value as a datetime (a date at midnight, a time on 1900-01-01)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return combine(BASE_DATE, value)


RANGES: dict[str, tuple[dt.datetime, dt.datetime]] = {
    "datetime": (dt.datetime(1753, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 997000)),
    "smalldatetime": (dt.datetime(1900, 1, 1), dt.datetime(2079, 6, 6, 23, 59)),
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NUMBER = {name.lower(): i + 1 for i, name in enumerate(MONTHS)} | {
    name[:3].lower(): i + 1 for i, name in enumerate(MONTHS)
}


# --- rounding -------------------------------------------------------------------------------------------


# What rounding to the 1/300 s tick adds to a plain datetime: at most half a tick (1,667 us) either way, made once
# (a timedelta made per value costs eight times the addition).
_HALF_TICK = 1667
_TICK_SHIFTS = tuple(dt.timedelta(microseconds=shift) for shift in range(-_HALF_TICK, _HALF_TICK + 1))


def round_datetime(value: dt.datetime) -> dt.datetime:
    """Round to SQL Server's datetime resolution of 1/300 s (.000, .003, .007), from all seven digits."""
    if type(value) is dt.datetime:  # no seventh digit: the same rounding, one addition instead of a rebuild
        given = value.microsecond
        micro = ((given * 30 + 50000) // 100000 * 10000 + 1) // 3
        return value if micro == given else value + _TICK_SHIFTS[micro - given + _HALF_TICK]
    ticks = (fraction(value) * 3 + 50000) // 100000
    micro = (ticks * 10000 + 1) // 3
    if micro == value.microsecond and type(value) is dt.datetime:
        return value
    return with_fraction(value, 0) + dt.timedelta(microseconds=micro)


def round_smalldatetime(value: dt.datetime) -> dt.datetime:
    """Round to the minute: 29.998 seconds rounds down, 29.999 rounds up."""
    up = value.second * 1_000_000 + value.microsecond >= 29_999_000
    base = value.replace(second=0, microsecond=0)
    return base + dt.timedelta(minutes=1) if up else base


def round_fraction(value: dt.datetime, scale: int) -> dt.datetime:
    """Round fractional seconds to ``scale`` digits, half up (datetime2(n), datetimeoffset(n)): .1234565 → (6)
    .123457; a carry moves to the next second."""
    if scale >= 7:
        return value
    rounded, carry = round_to_scale(value, scale)
    return rounded + dt.timedelta(seconds=1) if carry else rounded


def round_time(value: dt.time, scale: int) -> dt.time:
    """time(n): as ``round_fraction``; 23:59:59.9999999 rounded to fewer digits wraps to 00:00:00."""
    if scale >= 7:
        return value
    rounded = round_fraction(combine(BASE_DATE, value), scale)
    return rounded.time()


def check_range(value: dt.datetime, type_name: str) -> dt.datetime:
    """Raise 242 when ``value`` lies outside the type's range (datetime, smalldatetime)."""
    bounds = RANGES.get(type_name)
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        raise sql_error(242, "varchar", type_name)
    return value


# --- parsing --------------------------------------------------------------------------------------------

_TIME = (
    r"(?P<H>\d{1,2})(?::(?P<M>\d{1,2})(?::(?P<S>\d{1,2})(?:(?P<fsep>[.:])(?P<F>\d{1,9}))?)?)?"
    r"\s*(?P<ampm>[AaPp][Mm])?"
)
# Date layouts, tried in order. Groups: y, m, d, or a/b (ambiguous numeric order), mon (month name).
_DATE_LAYOUTS: tuple[str, ...] = (
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})",
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
    r"(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})",
    r"(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2}),?\s+(?P<y>\d{4})",
    r"(?P<d>\d{1,2})\s+(?P<mon>[A-Za-z]{3,9})\.?,?\s+(?P<y>\d{4})",
    r"(?P<mon>[A-Za-z]{3,9})\s+(?P<y>\d{4})",
)
_PATTERNS: tuple[re.Pattern[str], ...] = (
    *(re.compile(rf"^\s*{date}(?:(?:\s+|T){_TIME})?\s*Z?\s*$") for date in _DATE_LAYOUTS),
    re.compile(rf"^\s*{_TIME}\s*$"),
)

# Styles whose numeric dates read day first.
DMY_STYLES = frozenset({3, 4, 5, 6, 13, 103, 104, 105, 106, 113})


class _OutOfRange(Exception):
    pass


def parse_datetime_text(text: str, type_name: str, style: int | None = None) -> dt.datetime:
    """Parse ``text`` as SQL Server does for CAST/CONVERT to a date/time type (language us_english, mdy).

    Returns a naive ``datetime`` (date-only and time-only texts fill in 1900-01-01 / midnight); the caller
    narrows it to the target type. Raises 241, or 242 for datetime/smalldatetime out-of-range parts.
    """
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        try:
            return _build(match.groupdict(), style, type_name)
        except _OutOfRange:
            if type_name in RANGES:
                raise sql_error(242, "varchar", type_name) from None
            raise sql_error(241) from None
    raise sql_error(241)


# Types that read seven fractional digits from text and refuse an eighth (241), as SQL Server does.
_SEVEN_DIGIT_TYPES = frozenset({"datetime2", "time", "datetimeoffset"})


def _build(parts: dict[str, str | None], style: int | None, type_name: str) -> dt.datetime:
    year, month, day = 1900, 1, 1
    if parts.get("y") is not None:
        year = _year(parts["y"] or "")
        if parts.get("mon"):
            month = _MONTH_NUMBER.get((parts["mon"] or "").lower(), 0)
            if not month:
                raise _OutOfRange
            day = int(parts["d"] or 1)
        elif parts.get("a") is not None:
            first, second = int(parts["a"] or 0), int(parts["b"] or 0)
            month, day = (second, first) if style in DMY_STYLES else (first, second)
        else:
            month, day = int(parts["m"] or 0), int(parts["d"] or 0)
    hour = int(parts.get("H") or 0)
    minute = int(parts.get("M") or 0)
    second = int(parts.get("S") or 0)
    digits = parts.get("F")
    if digits and len(digits) > 7 and type_name in _SEVEN_DIGIT_TYPES:
        raise sql_error(241)
    units = _fraction(digits, parts.get("fsep"))
    ampm = (parts.get("ampm") or "").upper()
    if ampm:
        if not 1 <= hour <= 12 and hour != 0:
            raise _OutOfRange
        hour = hour % 12 + (12 if ampm == "PM" else 0)
    try:
        value = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise _OutOfRange from None
    return with_fraction(value, units)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # two-digit year cutoff 2049
        year += 2000 if year < 50 else 1900
    return year


def _fraction(digits: str | None, separator: str | None) -> int:
    """The fraction in 100 ns units; ``hh:mi:ss:mmm`` (colon) means milliseconds. Digits past the seventh
    (only datetime/smalldatetime text gets here with more) are cut: the type's own rounding follows."""
    if not digits:
        return 0
    if separator == ":":
        return int(digits[:3].ljust(3, "0")) * 10_000
    return int(digits[:7].ljust(7, "0"))


# --- formatting -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Style:
    date: str | None  # str.format template over the parts below, or None for no date part
    time: str | None
    joiner: str = " "


_MDY = Style("{mon} {d2} {yyyy}", "{h12}:{mi}{ampm}")
_ODBC = Style("{yyyy}-{mm}-{dd}", "{HH}:{mi}:{ss}{frac}")
STYLES: dict[int, Style] = {
    0: _MDY, 100: _MDY,
    101: Style("{mm}/{dd}/{yyyy}", None), 1: Style("{mm}/{dd}/{yy}", None),
    102: Style("{yyyy}.{mm}.{dd}", None), 2: Style("{yy}.{mm}.{dd}", None),
    103: Style("{dd}/{mm}/{yyyy}", None), 3: Style("{dd}/{mm}/{yy}", None),
    104: Style("{dd}.{mm}.{yyyy}", None), 4: Style("{dd}.{mm}.{yy}", None),
    105: Style("{dd}-{mm}-{yyyy}", None), 5: Style("{dd}-{mm}-{yy}", None),
    106: Style("{dd} {mon} {yyyy}", None), 6: Style("{dd} {mon} {yy}", None),
    107: Style("{mon} {dd}, {yyyy}", None), 7: Style("{mon} {dd}, {yy}", None),
    108: Style(None, "{HH}:{mi}:{ss}"), 8: Style(None, "{HH}:{mi}:{ss}"), 24: Style(None, "{HH}:{mi}:{ss}"),
    109: Style("{mon} {d2} {yyyy}", "{h12}:{mi}:{ss}:{ms}{ampm}"),
    9: Style("{mon} {d2} {yyyy}", "{h12}:{mi}:{ss}:{ms}{ampm}"),
    110: Style("{mm}-{dd}-{yyyy}", None), 10: Style("{mm}-{dd}-{yy}", None),
    111: Style("{yyyy}/{mm}/{dd}", None), 11: Style("{yy}/{mm}/{dd}", None),
    112: Style("{yyyy}{mm}{dd}", None), 12: Style("{yy}{mm}{dd}", None),
    113: Style("{dd} {mon} {yyyy}", "{HH}:{mi}:{ss}:{ms}"),
    13: Style("{dd} {mon} {yyyy}", "{HH}:{mi}:{ss}:{ms}"),
    114: Style(None, "{HH}:{mi}:{ss}:{ms}"), 14: Style(None, "{HH}:{mi}:{ss}:{ms}"),
    120: Style("{yyyy}-{mm}-{dd}", "{HH}:{mi}:{ss}"), 20: Style("{yyyy}-{mm}-{dd}", "{HH}:{mi}:{ss}"),
    121: _ODBC, 21: _ODBC, 25: _ODBC,
    23: Style("{yyyy}-{mm}-{dd}", None),
    126: Style("{yyyy}-{mm}-{dd}", "{HH}:{mi}:{ss}{frac126}", "T"),
    127: Style("{yyyy}-{mm}-{dd}", "{HH}:{mi}:{ss}{frac126}", "T"),
}  # fmt: skip

# The style used when none is given, per type.
DEFAULT_STYLE: dict[str, int] = {
    "datetime": 0, "smalldatetime": 0, "date": 121, "datetime2": 121, "time": 121,
}  # fmt: skip


def _fraction_text(clock: dt.time, type_name: str, scale: int) -> str:
    if type_name == "datetime":
        return f".{(clock.microsecond + 500) // 1000:03d}"
    if type_name == "smalldatetime":
        return ".000"
    if scale == 0:
        return ""
    return "." + f"{fraction(clock):07d}"[:scale]


def format_datetime(value: dt.date | dt.time, type_name: str, style: int | None, scale: int = 7) -> str:
    """Format a date/time value as CONVERT(varchar, value, style) does."""
    number = DEFAULT_STYLE.get(type_name, 121) if style is None else style
    chosen = STYLES.get(number)
    if chosen is None:
        raise sql_error(281, number, type_name, "varchar")
    if isinstance(value, dt.datetime):
        day: dt.date | None = value.date()
        clock: dt.time | None = value.time()
    elif isinstance(value, dt.date):
        day, clock = value, None
    else:
        day, clock = None, value
    pieces = []
    if chosen.date is not None and day is not None:
        pieces.append(chosen.date.format(**_date_parts(day)))
    if chosen.time is not None and clock is not None:
        pieces.append(chosen.time.format(**_time_parts(clock, type_name, scale)))
    if not pieces and clock is not None:  # a date-only style applied to a time value
        pieces.append(_ODBC.time.format(**_time_parts(clock, type_name, scale)) if _ODBC.time else "")
    return chosen.joiner.join(pieces)


def _date_parts(day: dt.date) -> dict[str, str]:
    return {
        "yyyy": f"{day.year:04d}",
        "yy": f"{day.year % 100:02d}",
        "mm": f"{day.month:02d}",
        "dd": f"{day.day:02d}",
        "d2": f"{day.day:>2}",
        "mon": MONTHS[day.month - 1][:3],
    }


def _time_parts(clock: dt.time, type_name: str, scale: int) -> dict[str, str]:
    micro = clock.microsecond
    frac = _fraction_text(clock, type_name, scale)
    hour12 = clock.hour % 12 or 12
    return {
        "HH": f"{clock.hour:02d}",
        "h12": f"{hour12:>2}",
        "mi": f"{clock.minute:02d}",
        "ss": f"{clock.second:02d}",
        "ms": f"{(micro + 500) // 1000 if type_name == 'datetime' else micro // 1000:03d}",
        "ampm": "PM" if clock.hour >= 12 else "AM",
        "frac": frac,
        "frac126": "" if type_name == "datetime" and micro == 0 else frac,
    }


def is_date_text(text: str) -> bool:
    """True if ``text`` converts to datetime (ISDATE's test)."""
    try:
        check_range(parse_datetime_text(text, "datetime"), "datetime")
    except SqlError:
        return False
    return True
