"""Date and time built-ins: DATEADD, DATEDIFF, DATEPART, DATENAME, EOMONTH, the offsets, the clocks.

Dateparts are data: ``DATEPARTS`` maps every T-SQL spelling (and the canonical names sqlglot rewrites
them to) to one canonical name. DATEPART and DATENAME of week and weekday and DATETRUNC(week) follow the
session's SET DATEFIRST (weeks start on that day; 7, Sunday, by default); DATEDIFF(week) always counts Sundays,
as in SQL Server.

Invariants:
  1. DATEDIFF counts datepart boundaries crossed (DATEDIFF(year, '2020-12-31', '2021-01-01') = 1), never
     elapsed whole units; the result must fit int (535) or bigint for DATEDIFF_BIG.
  2. DATEADD by month/quarter/year clamps to the last day of the month; the result keeps the input's type
     (strings are read as datetime) and overflowing the type raises 517.
  3. The clocks read ``EvalContext.now`` (fixed per statement, to the 100 ns tick from ``time.time_ns()``), so
     GETDATE() is a runtime constant of a statement as in SQL Server.
  4. Sub-microsecond parts work on the 100 ns tick (``quietus.ticks``): DATEPART(nanosecond) is the tick count
     times 100, DATEADD(nanosecond, n) adds n/100 ticks rounded half away from zero (49 adds nothing, 50 one
     tick), DATEDIFF counts tick boundaries.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Sequence
from typing import Any

from quietus.errors import SqlError, sql_error
from quietus.sql.builtins_core import Arg, Bound, Builtin, Fn1, registry, simple, to_int, to_type
from quietus.sql.types_base import (
    BIGINT,
    DATE,
    DATETIME,
    DATETIME2,
    FAMILY,
    INT,
    NVARCHAR,
    SqlType,
    datetime2,
    datetimeoffset,
)
from quietus.sql.types_convert import narrow_temporal
from quietus.sql.types_datetime import BASE_DATE, DAYS, MONTHS, as_datetime
from quietus.ticks import add_ticks, combine, fraction, ticks, with_fraction

_SPELLINGS: dict[str, tuple[str, ...]] = {
    "year": ("yy", "yyyy"),
    "quarter": ("qq", "q"),
    "month": ("mm", "m"),
    "dayofyear": ("dy", "y"),
    "day": ("dd", "d"),
    "week": ("wk", "ww"),
    "weekday": ("dw", "w", "dayofweek"),
    "hour": ("hh",),
    "minute": ("mi", "n"),
    "second": ("ss", "s"),
    "millisecond": ("ms",),
    "microsecond": ("mcs",),
    "nanosecond": ("ns",),
    "tzoffset": ("tz", "timezone_minute"),
    "iso_week": ("isowk", "isoww", "weekiso"),
}
DATEPARTS: dict[str, str] = {
    spelling: canonical for canonical, others in _SPELLINGS.items() for spelling in (canonical, *others)
}
_DATE_ONLY = frozenset({"year", "quarter", "month", "dayofyear", "day", "week", "weekday", "iso_week"})
_TIME_ONLY = frozenset({"hour", "minute", "second", "millisecond", "microsecond", "nanosecond"})
_INT_LIMIT = 2**31


def datepart_name(word: str | None, function: str) -> str:
    """Canonical datepart for a spelling; 155 when it is not one."""
    canonical = DATEPARTS.get((word or "").lower())
    if canonical is None:
        raise sql_error(155, word or "", function)
    return canonical


def _check_part(part: str, t: SqlType, function: str) -> None:
    """9810: time parts on a date, date parts on a time."""
    if (t.name == "date" and part in _TIME_ONLY) or (t.name == "time" and part in _DATE_ONLY):
        raise sql_error(9810, part, function, t.name)


def _temporal_type(arg: Arg, adding: bool = False) -> SqlType:
    """Numbers are read as datetime; strings as datetime2, except by DATEADD, which returns datetime for them."""
    family = FAMILY[arg.type.name]
    if family in ("date", "time", "datetime", "datetimeoffset"):
        return arg.type
    return DATETIME2 if family == "string" and not adding else DATETIME


def _to_temporal(arg: Arg, adding: bool = False) -> Fn1 | None:
    return to_type(arg, _temporal_type(arg, adding))


# --- DATEPART -------------------------------------------------------------------------------------------


# SET DATEFIRST: the first day of the week, 1 (Monday) ... 7 (Sunday, us_english's default).
SUNDAY = 7


def week_of_year(day: dt.date, first: int = SUNDAY) -> int:
    """DATEPART(week): week 1 holds January 1st; weeks start on the DATEFIRST day."""
    jan1 = dt.date(day.year, 1, 1)
    offset = (jan1.isoweekday() - first) % 7  # days from the week's first day to January 1st
    return (day.timetuple().tm_yday - 1 + offset) // 7 + 1


def _weekday(day: dt.date, first: int = SUNDAY) -> int:
    return (day.isoweekday() - first) % 7 + 1  # the DATEFIRST day = 1


def _week_start(value: dt.datetime, first: int) -> dt.datetime:
    start = value - dt.timedelta(days=(value.isoweekday() - first) % 7)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


# The parts whose value depends on SET DATEFIRST (the session's ``date_first``), as in SQL Server.
_BY_FIRST_DAY: dict[str, Callable[[dt.datetime, int], int]] = {"weekday": _weekday, "week": week_of_year}


_PART_VALUE: dict[str, Callable[[dt.datetime], int]] = {
    "year": lambda v: v.year,
    "quarter": lambda v: (v.month - 1) // 3 + 1,
    "month": lambda v: v.month,
    "dayofyear": lambda v: v.timetuple().tm_yday,
    "day": lambda v: v.day,
    "week": lambda v: week_of_year(v),  # with the default DATEFIRST; DATEPART binds _BY_FIRST_DAY instead
    "weekday": lambda v: _weekday(v),
    "hour": lambda v: v.hour,
    "minute": lambda v: v.minute,
    "second": lambda v: v.second,
    "millisecond": lambda v: v.microsecond // 1000,
    "microsecond": lambda v: v.microsecond,
    "nanosecond": lambda v: fraction(v) * 100,
    "tzoffset": lambda v: int((v.utcoffset() or dt.timedelta()).total_seconds()) // 60,
    "iso_week": lambda v: v.isocalendar()[1],
}


def _datepart_reader(part: str, t: SqlType) -> Callable[[Any], int]:
    read = _PART_VALUE[part]
    if t.name == "datetime" and part == "millisecond":
        return lambda v: (v.microsecond + 500) // 1000  # ticks .003/.007 read as 3/7 ms
    return lambda v: read(as_datetime(v))


def _bind_datepart(function: str) -> Callable[[Sequence[Arg]], Bound]:
    def bind(args: Sequence[Arg]) -> Bound:
        part = datepart_name(args[0].keyword, function)
        t = _temporal_type(args[1])
        _check_part(part, t, function)
        reader = _datepart_reader(part, t)
        if part in _BY_FIRST_DAY:
            return _by_first_day(function, part, args)
        if function == "datename":
            if part == "month":
                return Bound(lambda _, v: MONTHS[v.month - 1], NVARCHAR(30), (None, _to_temporal(args[1])))
            if part == "weekday":
                return Bound(lambda _, v: DAYS[v.weekday()], NVARCHAR(30), (None, _to_temporal(args[1])))
            return Bound(lambda _, v: str(reader(v)), NVARCHAR(30), (None, _to_temporal(args[1])))
        return Bound(lambda _, v: reader(v), INT, (None, _to_temporal(args[1])))

    return bind


def _by_first_day(function: str, part: str, args: Sequence[Arg]) -> Bound:
    """DATEPART / DATENAME of week and weekday: read with the session's DATEFIRST when the row is evaluated."""
    read = _BY_FIRST_DAY[part]
    conversions = (None, _to_temporal(args[1]))
    if function == "datename":
        if part == "weekday":  # the day's name does not depend on DATEFIRST
            return Bound(lambda _, v: DAYS[v.weekday()], NVARCHAR(30), conversions)
        return Bound(
            lambda ctx, _, v: str(read(as_datetime(v), ctx.system_value("@@DATEFIRST"))),
            NVARCHAR(30), conversions, needs_context=True, deterministic=False,
        )  # fmt: skip
    return Bound(
        lambda ctx, _, v: read(as_datetime(v), ctx.system_value("@@DATEFIRST")),
        INT, conversions, needs_context=True, deterministic=False,
    )  # fmt: skip


def _fixed_part(part: str) -> Callable[[Sequence[Arg]], Bound]:
    def bind(args: Sequence[Arg]) -> Bound:
        t = _temporal_type(args[0])
        _check_part(part, t, part)
        reader = _datepart_reader(part, t)
        return Bound(reader, INT, (_to_temporal(args[0]),))

    return bind


# --- DATEADD --------------------------------------------------------------------------------------------


def add_months(value: dt.datetime, months: int) -> dt.datetime:
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


_ADD: dict[str, Callable[[dt.datetime, int], dt.datetime]] = {
    "year": lambda v, n: add_months(v, 12 * n),
    "quarter": lambda v, n: add_months(v, 3 * n),
    "month": add_months,
    "dayofyear": lambda v, n: v + dt.timedelta(days=n),
    "day": lambda v, n: v + dt.timedelta(days=n),
    "weekday": lambda v, n: v + dt.timedelta(days=n),
    "week": lambda v, n: v + dt.timedelta(weeks=n),
    "hour": lambda v, n: v + dt.timedelta(hours=n),
    "minute": lambda v, n: v + dt.timedelta(minutes=n),
    "second": lambda v, n: v + dt.timedelta(seconds=n),
    "millisecond": lambda v, n: v + dt.timedelta(milliseconds=n),
    "microsecond": lambda v, n: add_ticks(v, 10 * n),
    "nanosecond": lambda v, n: add_ticks(v, (abs(n) + 50) // 100 * (1 if n >= 0 else -1)),
}
# DATEADD refuses sub-millisecond parts for the types that cannot hold them (9810).
_COARSE_TYPES = frozenset({"datetime", "smalldatetime", "date"})


def _dateadd(args: Sequence[Arg]) -> Bound:
    part = datepart_name(args[0].keyword, "dateadd")
    t = _temporal_type(args[2], adding=True)
    if part not in _ADD:
        raise sql_error(9810, part, "dateadd", t.name)
    _check_part(part, t, "dateadd")
    if part in ("microsecond", "nanosecond") and t.name in _COARSE_TYPES:
        raise sql_error(9810, part, "dateadd", t.name)
    add = _ADD[part]

    def dateadd(_: Any, number: int, value: Any) -> Any:
        try:
            moved = add(as_datetime(value), int(number))
        except OverflowError:
            raise sql_error(517, t.name) from None
        if t.name == "time":
            return narrow_temporal(combine(BASE_DATE, moved.time()), t)
        if t.name == "date":
            return moved.date()
        try:
            return narrow_temporal(moved, t, t.name)
        except SqlError:
            raise sql_error(517, t.name) from None

    return Bound(dateadd, t, (None, to_int(args[1]), _to_temporal(args[2], adding=True)))


# --- DATEDIFF -------------------------------------------------------------------------------------------

# 100 ns ticks per unit
_TICKS = {"day": 864_000_000_000, "hour": 36_000_000_000, "minute": 600_000_000, "second": 10_000_000,
          "millisecond": 10_000, "microsecond": 10, "nanosecond": 1}  # fmt: skip


def _boundaries(part: str, start: dt.datetime, end: dt.datetime) -> int:
    if part == "year":
        return end.year - start.year
    if part == "quarter":
        return (end.year * 4 + (end.month - 1) // 3) - (start.year * 4 + (start.month - 1) // 3)
    if part == "month":
        return (end.year * 12 + end.month) - (start.year * 12 + start.month)
    if part in ("day", "dayofyear", "weekday"):
        return end.toordinal() - start.toordinal()
    if part in ("week", "iso_week"):
        return end.toordinal() // 7 - start.toordinal() // 7  # ordinal 7 (0001-01-07) is a Sunday
    if part == "nanosecond":
        return (ticks(end) - ticks(start)) * 100
    unit = _TICKS[part]
    return ticks(end) // unit - ticks(start) // unit


def _datediff(big: bool) -> Callable[[Sequence[Arg]], Bound]:
    name = "datediff_big" if big else "datediff"

    def bind(args: Sequence[Arg]) -> Bound:
        part = datepart_name(args[0].keyword, name)
        if part == "tzoffset":
            raise sql_error(9810, part, name, _temporal_type(args[1]).name)
        for arg in args[1:]:
            _check_part(part, _temporal_type(arg), name)
        limit = 2**63 if big else _INT_LIMIT
        if "datetimeoffset" in (args[1].type.name, args[2].type.name):  # both as instants, counted in UTC
            offset = datetimeoffset(7)
            first, second = to_type(args[1], offset), to_type(args[2], offset)

            def datediff_utc(_: Any, start: Any, end: Any) -> int:
                utc = [v.astimezone(dt.UTC).replace(tzinfo=None) for v in (start, end)]
                result = _boundaries(part, utc[0], utc[1])
                if not -limit <= result < limit:
                    raise sql_error(535, name, name)
                return result

            return Bound(datediff_utc, BIGINT if big else INT, (None, first, second))

        def datediff(_: Any, start: Any, end: Any) -> int:
            result = _boundaries(part, as_datetime(start), as_datetime(end))
            if not -limit <= result < limit:
                raise sql_error(535, name, name)
            return result

        return Bound(datediff, BIGINT if big else INT, (None, _to_temporal(args[1]), _to_temporal(args[2])))

    return bind


# --- offsets --------------------------------------------------------------------------------------------

_OFFSET_TEXT = re.compile(r"^\s*([+-])(\d{2}):(\d{2})\s*$")
_MAX_OFFSET = 14 * 60


def _zone(value: Any, function: str) -> dt.timezone:
    """A time zone argument: text ``[+|-]hh:mm`` or whole minutes, within ±14:00 (else 9812)."""
    if isinstance(value, str):
        match = _OFFSET_TEXT.match(value)
        if match is None or int(match.group(3)) > 59:
            raise sql_error(9812, function)
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        minutes = -minutes if match.group(1) == "-" else minutes
    else:
        minutes = int(value)
    if not -_MAX_OFFSET <= minutes <= _MAX_OFFSET:
        raise sql_error(9812, function)
    return dt.timezone(dt.timedelta(minutes=minutes))


def _zone_arg(arg: Arg) -> Fn1 | None:
    return None if arg.type.is_string else to_int(arg)


def _offset_scale(t: SqlType) -> int:
    """The fractional digits TODATETIMEOFFSET/SWITCHOFFSET keep: the argument's (datetime: 3, date: 0)."""
    if t.name in ("datetime2", "time", "datetimeoffset") and t.scale is not None:
        return t.scale
    return {"datetime": 3, "smalldatetime": 0, "date": 0}.get(t.name, 7)


def _switchoffset(args: Sequence[Arg]) -> Bound:
    """SWITCHOFFSET(dto, zone): the same instant seen at another offset."""
    t = datetimeoffset(_offset_scale(args[0].type))

    def switchoffset(value: dt.datetime, zone: Any) -> dt.datetime:
        return value.astimezone(_zone(zone, "switchoffset"))

    return Bound(switchoffset, t, (to_type(args[0], t), _zone_arg(args[1])))


def _todatetimeoffset(args: Sequence[Arg]) -> Bound:
    """TODATETIMEOFFSET(value, zone): the value's local date and time with the offset attached."""
    scale = _offset_scale(args[0].type)
    local = to_type(args[0], datetime2(scale)) if args[0].type.name != "datetime2" else None

    def todatetimeoffset(value: dt.datetime, zone: Any) -> dt.datetime:
        return value.replace(tzinfo=_zone(zone, "todatetimeoffset"))

    return Bound(todatetimeoffset, datetimeoffset(scale), (local, _zone_arg(args[1])))


# --- other date functions -------------------------------------------------------------------------------


def _eomonth(args: Sequence[Arg]) -> Bound:
    def eomonth(value: Any, months: int = 0) -> dt.date:
        moved = add_months(as_datetime(value), int(months))
        return moved.date().replace(day=calendar.monthrange(moved.year, moved.month)[1])

    return Bound(eomonth, DATE, (_to_temporal(args[0]), *(to_int(a) for a in args[1:])))


def _datefromparts(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise sql_error(289, "date") from None


_TRUNCATE: dict[str, Callable[[dt.datetime], dt.datetime]] = {
    "year": lambda v: v.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
    "quarter": lambda v: v.replace(month=(v.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0,
                                   microsecond=0),
    "month": lambda v: v.replace(day=1, hour=0, minute=0, second=0, microsecond=0),
    "dayofyear": lambda v: v.replace(hour=0, minute=0, second=0, microsecond=0),
    "day": lambda v: v.replace(hour=0, minute=0, second=0, microsecond=0),
    "week": lambda v: _week_start(v, SUNDAY),  # with the default DATEFIRST; DATETRUNC reads the session's
    "hour": lambda v: v.replace(minute=0, second=0, microsecond=0),
    "minute": lambda v: v.replace(second=0, microsecond=0),
    "second": lambda v: v.replace(microsecond=0),
    "millisecond": lambda v: v.replace(microsecond=v.microsecond // 1000 * 1000),
    "microsecond": lambda v: with_fraction(v, v.microsecond * 10),
}  # fmt: skip


def _datetrunc(args: Sequence[Arg]) -> Bound:
    part = datepart_name(args[0].keyword, "datetrunc")
    t = _temporal_type(args[1])
    if part not in _TRUNCATE:
        raise sql_error(9810, part, "datetrunc", t.name)
    _check_part(part, t, "datetrunc")
    truncate = _TRUNCATE[part]

    def shaped(result: dt.datetime) -> Any:
        if t.name == "date":
            return result.date()
        if t.name == "time":
            return result.time()
        return result

    if part == "week":  # weeks start on the session's DATEFIRST day
        return Bound(
            lambda ctx, _, value: shaped(_week_start(as_datetime(value), ctx.system_value("@@DATEFIRST"))),
            t, (None, _to_temporal(args[1])), needs_context=True, deterministic=False,
        )  # fmt: skip
    return Bound(lambda _, value: shaped(truncate(as_datetime(value))), t, (None, _to_temporal(args[1])))


def _clock(name: str, t: SqlType, utc: bool) -> Builtin:
    def read(ctx: Any) -> Any:
        now: dt.datetime = ctx.now
        if t.name == "datetimeoffset":  # the local clock with the machine's offset
            return narrow_temporal(now.astimezone(), t, t.name)
        if utc:
            now = now.astimezone(dt.UTC).replace(tzinfo=None)
        return narrow_temporal(now, t, t.name)

    return Builtin(name, 0, 0, lambda args: Bound(read, t, needs_context=True, deterministic=False))


DATE_FUNCTIONS: dict[str, Builtin] = registry(
    Builtin("DATEPART", 2, 2, _bind_datepart("datepart"), frozenset({0})),
    Builtin("DATENAME", 2, 2, _bind_datepart("datename"), frozenset({0})),
    Builtin("DATEADD", 3, 3, _dateadd, frozenset({0})),
    Builtin("DATEDIFF", 3, 3, _datediff(False), frozenset({0})),
    Builtin("DATEDIFF_BIG", 3, 3, _datediff(True), frozenset({0})),
    Builtin("DATETRUNC", 2, 2, _datetrunc, frozenset({0})),
    Builtin("YEAR", 1, 1, _fixed_part("year")),
    Builtin("MONTH", 1, 1, _fixed_part("month")),
    Builtin("DAY", 1, 1, _fixed_part("day")),
    Builtin("EOMONTH", 1, 2, _eomonth),
    simple("DATEFROMPARTS", 3, 3, _datefromparts, DATE, [to_int]),
    _clock("GETDATE", DATETIME, False),
    _clock("CURRENT_TIMESTAMP", DATETIME, False),
    _clock("GETUTCDATE", DATETIME, True),
    _clock("SYSDATETIME", DATETIME2, False),
    _clock("SYSUTCDATETIME", DATETIME2, True),
    _clock("SYSDATETIMEOFFSET", datetimeoffset(7), False),
    Builtin("SWITCHOFFSET", 2, 2, _switchoffset),
    Builtin("TODATETIMEOFFSET", 2, 2, _todatetimeoffset),
)
