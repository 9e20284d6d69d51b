"""Oracle's built-in functions where their meaning differs from the T-SQL builtin of the same job.

The normaliser rewrites an Oracle call into a call of one of these (named ``%ORA_...``: a name no T-SQL text
can spell, so the T-SQL side never reaches them); they are registered in the shared builtin table and compiled
like any other builtin.  Oracle rules they follow:

* The empty string is NULL: a function that would return ``''`` returns NULL (SUBSTR past the end, ``'' || ''``).
* ``||`` treats NULL as the empty string (``'a' || NULL`` is ``'a'``).
* SUBSTR counts from 1; a start of 0 is 1; a negative start counts back from the end.
* INSTR and REPLACE are case-sensitive (REPLACE with a NULL replacement removes the search string); INSTR's
  negative position searches backwards, its 4th argument picks the n-th occurrence.
* LENGTH counts trailing spaces.
* TO_CHAR of a number is its shortest text (``0.5`` → ``.5``) or follows a number format model
  (``number_format.py``); of a date, the datetime format model (``date_format.py``; default ``DD-MON-RR``);
  TO_DATE reads a model (default ``DD-MON-RR``, and, a leniency, ISO ``YYYY-MM-DD[ HH24:MI:SS[.FF]]``).
* TRUNC(number[, n]) truncates toward zero; TRUNC(date[, fmt]) truncates to the day (or YEAR, MONTH, HOUR,
  MINUTE).
* LPAD/RPAD cut a longer string to the width; MOD has the dividend's sign and MOD(a, 0) is a; GREATEST/LEAST are
  NULL when any argument is; ADD_MONTHS keeps a month's last day last; USER and SYS_CONTEXT('USERENV', ...)
  read the session.
* SYSDATE is the statement's clock to the second; SYSTIMESTAMP to the microsecond.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from quietus.errors import SqlError
from quietus.sql.builtins import register_builtins
from quietus.sql.builtins_core import Arg, Bound, Builtin
from quietus.sql.oracle import date_format, number_format
from quietus.sql.oracle.errors import ora
from quietus.sql.types_base import DECIMAL, INT, NVARCHAR, VARCHAR, SqlType, datetime2
from quietus.sql.types_datetime import round_fraction

DATE = datetime2(0)  # Oracle's DATE: date and time to the second
TIMESTAMP = datetime2(7)  # TO_TIMESTAMP and TIMESTAMP literals: to 100 ns (Oracle's 9 digits round to 7)
SYSTIMESTAMP = datetime2(6)  # Oracle's clock on Linux: microseconds
NUMBER = DECIMAL(38, 10)  # Oracle's NUMBER without precision (see docs/design/oracle-sql.md)
DEFAULT_DATE_FORMAT = "DD-MON-RR"


def _empty_is_null(text: str | None) -> str | None:
    return text if text else None


def number_text(value: Any) -> str:
    """A number as Oracle's TO_CHAR writes it: no trailing zeros, no leading zero before the point."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    text = format(value.normalize(), "f") if value else "0"
    if text.startswith("0."):
        text = text[1:]
    elif text.startswith("-0."):
        text = "-" + text[2:]
    return text


def date_text(value: datetime.datetime | datetime.date, model: str = DEFAULT_DATE_FORMAT) -> str:
    return date_format.format_date(value, model)


def as_text(value: Any) -> str:
    """Any value as Oracle converts it to a string implicitly."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return date_text(value)
    if isinstance(value, bytes):
        return value.hex().upper()
    return number_text(value)


def _text_type(args: Sequence[Arg]) -> SqlType:
    return NVARCHAR(4000) if any(a.type.is_unicode for a in args) else VARCHAR(8000)


def _builtin(
    name: str,
    low: int,
    high: int,
    fn: Callable[..., Any],
    result: SqlType | Callable[[Sequence[Arg]], SqlType],
    *,
    nulls: bool = True,
    context: bool = False,
) -> Builtin:
    def bind(args: Sequence[Arg]) -> Bound:
        rtype = result if isinstance(result, SqlType) else result(args)
        return Bound(fn, rtype, (), nulls, context, deterministic=not context)

    return Builtin(name, low, high, bind)


# --- strings --------------------------------------------------------------------------------------------


def _substr(value: Any, start: Any, length: Any = None) -> str | None:
    text = as_text(value)
    start = int(start)
    if start == 0:
        start = 1
    if start < 0:
        start = len(text) + start + 1
        if start < 1:
            return None
    begin = start - 1
    if length is None:
        return _empty_is_null(text[begin:])
    count = int(length)
    if count < 1:
        return None
    return _empty_is_null(text[begin : begin + count])


def _instr(value: Any, find: Any, position: Any = 1, occurrence: Any = 1) -> int:
    text, needle = as_text(value), as_text(find)
    position, occurrence = int(position), int(occurrence)
    if position == 0 or occurrence < 1:
        return 0
    if position > 0:
        at = position - 1
        for _ in range(occurrence):
            at = text.find(needle, at)
            if at < 0:
                return 0
            found = at
            at += 1
        return found + 1
    end = len(text) + position + 1  # the match may start at or before this position (1-based)
    for _ in range(occurrence):
        at = text.rfind(needle, 0, end - 1 + len(needle))
        if at < 0:
            return 0
        found = at
        end = at
    return found + 1


def _length(value: Any) -> int:
    return len(as_text(value))


# --- conversions ----------------------------------------------------------------------------------------


def _to_char(value: Any, model: Any = None) -> str | None:
    if model is None:
        return _empty_is_null(as_text(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return _empty_is_null(date_text(value, str(model)))
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        raise ora("ORA-01722")
    return number_format.to_char(value, str(model))


# TO_DATE without a model: the default NLS_DATE_FORMAT, then (a Quietus leniency) ISO dates and times.
ISO_MODELS = ("YYYY-MM-DD HH24:MI:SS.FF", "YYYY-MM-DD HH24:MI:SS", "YYYY-MM-DD")
_DEFAULT_MODELS = (DEFAULT_DATE_FORMAT, "DD-MON-YYYY", *ISO_MODELS)


def _to_date(value: Any, model: Any = None) -> datetime.datetime:
    """TO_DATE / TO_TIMESTAMP (text[, model])."""
    if isinstance(value, datetime.datetime):
        return value
    text = as_text(value)
    if model is not None:
        return date_format.parse_date(text, str(model))
    return _first_model(text, _DEFAULT_MODELS)


# --- the session's NLS_DATE_FORMAT (ALTER SESSION SET NLS_DATE_FORMAT, runner.py) -----------------------------

NLS_DATE_FORMAT = "oracle.NLS_DATE_FORMAT"  # session.attachments key


def session_date_format(ctx: Any) -> str:
    model: str = ctx.session.attachments.get(NLS_DATE_FORMAT, DEFAULT_DATE_FORMAT)
    return model


def _session_text(ctx: Any, value: Any) -> str:
    if isinstance(value, datetime.datetime | datetime.date):
        return date_text(value, session_date_format(ctx))
    return as_text(value)


def _to_char_in_session(ctx: Any, value: Any, model: Any = None) -> str | None:
    if model is None:
        return _empty_is_null(_session_text(ctx, value))
    return _to_char(value, model)


def _to_date_in_session(ctx: Any, value: Any, model: Any = None) -> datetime.datetime:
    if model is None and not isinstance(value, datetime.datetime):
        return _first_model(as_text(value), (session_date_format(ctx), *_DEFAULT_MODELS))
    return _to_date(value, model)


def _concat_in_session(ctx: Any, a: Any, b: Any) -> str | None:
    return _empty_is_null(("" if a is None else _session_text(ctx, a)) + ("" if b is None else _session_text(ctx, b)))


def _date_literal(text: str) -> datetime.datetime:
    """DATE 'YYYY-MM-DD' and TIMESTAMP 'YYYY-MM-DD HH24:MI:SS[.FF]' (ANSI literals)."""
    return _first_model(text, ISO_MODELS)


def _first_model(text: str, models: Sequence[str]) -> datetime.datetime:
    """``text`` read with the first of ``models`` it matches; ORA-01861 when none does."""
    for model in models:
        try:
            return date_format.parse_date(text, model)
        except SqlError:
            continue
    raise ora("ORA-01861")


def _to_number(value: Any, model: Any = None) -> Decimal:
    if model is not None:
        return number_format.to_number(as_text(value), str(model))
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(as_text(value).strip())
    except InvalidOperation:
        raise ora("ORA-01722") from None


# --- TRUNC ----------------------------------------------------------------------------------------------

# TRUNC(date, model): the fields kept, as datetime.replace arguments that reset the rest.
_DATE_TRUNCATIONS: dict[str, Callable[[datetime.datetime], datetime.datetime]] = {
    **dict.fromkeys(("YYYY", "YEAR", "YY", "Y", "SYYYY", "SYEAR", "RRRR", "RR"),
                    lambda d: d.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)),
    **dict.fromkeys(("MM", "MON", "MONTH", "RM"), lambda d: d.replace(day=1, hour=0, minute=0, second=0,
                                                                     microsecond=0)),
    **dict.fromkeys(("DD", "DDD", "J"), lambda d: d.replace(hour=0, minute=0, second=0, microsecond=0)),
    **dict.fromkeys(("HH", "HH12", "HH24"), lambda d: d.replace(minute=0, second=0, microsecond=0)),
    "IW": lambda d: (d - datetime.timedelta(days=d.weekday())).replace(hour=0, minute=0, second=0, microsecond=0),
    **dict.fromkeys(("D", "DY", "DAY"), lambda d: (d - datetime.timedelta(days=(d.weekday() + 1) % 7)).replace(
        hour=0, minute=0, second=0, microsecond=0)),
    "Q": lambda d: d.replace(month=(d.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0),
    "MI": lambda d: d.replace(second=0, microsecond=0),
}  # fmt: skip


def _trunc_date(value: datetime.datetime, model: Any = "DD") -> datetime.datetime:
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    truncate = _DATE_TRUNCATIONS.get(str(model).upper())
    if truncate is None:
        raise ora("ORA-01821")
    return truncate(value)


def _trunc_number(value: Any, places: Any = 0) -> Any:
    if isinstance(value, int):
        digits = int(places)
        if digits >= 0:
            return value
        return int(Decimal(value).scaleb(digits).to_integral_value(ROUND_DOWN).scaleb(-digits))
    number = value if isinstance(value, Decimal) else _to_number(value)
    digits = int(places)
    truncated = number.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_DOWN) if digits >= 0 else (
        number.scaleb(digits).to_integral_value(ROUND_DOWN).scaleb(-digits)
    )
    return float(truncated) if isinstance(value, float) else truncated


def _bind_trunc(args: Sequence[Arg]) -> Bound:
    first = args[0].type
    if first.family in ("datetime", "date"):
        return Bound(_trunc_date, DATE)
    if first.family == "int":
        return Bound(_trunc_number, first)
    if first.family == "approx":
        return Bound(_trunc_number, first)
    if first.family == "exact":
        return Bound(_trunc_number, DECIMAL(first.precision or 38, first.scale or 0))
    return Bound(_trunc_number, NUMBER)


# --- clocks ---------------------------------------------------------------------------------------------


def _sysdate(ctx: Any) -> datetime.datetime:
    now: datetime.datetime = ctx.now
    return now.replace(microsecond=0)


def _systimestamp(ctx: Any) -> datetime.datetime:
    now: datetime.datetime = ctx.now
    return round_fraction(now, 6)


# --- more strings, dates and numbers --------------------------------------------------------------------


def _pad(left: bool) -> Callable[..., str | None]:
    def pad(value: Any, length: Any, fill: Any = " ") -> str | None:
        text, width, filler = as_text(value), int(length), as_text(fill)
        if width < 1 or not filler:
            return None
        if len(text) >= width:
            return _empty_is_null(text[:width])
        padding = (filler * (width // len(filler) + 1))[: width - len(text)]
        return padding + text if left else text + padding

    return pad


def _initcap(value: Any) -> str | None:
    words: list[str] = []
    start = True
    for character in as_text(value):
        words.append(character.upper() if start else character.lower())
        start = not character.isalnum()
    return _empty_is_null("".join(words))


def _replace(value: Any, find: Any = None, replacement: Any = None) -> str | None:
    """Oracle's REPLACE: case-sensitive; a NULL search string changes nothing, a NULL replacement removes."""
    if value is None:
        return None
    text = as_text(value)
    if find is None:
        return _empty_is_null(text)
    return _empty_is_null(text.replace(as_text(find), "" if replacement is None else as_text(replacement)))


def _empty_null(value: Any) -> Any:
    return None if value == "" else value


def _last_day_of(moment: datetime.datetime) -> datetime.datetime:
    following = (moment.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return moment.replace(day=(following - datetime.timedelta(days=1)).day)


def _last_day(value: Any) -> datetime.datetime:
    return _last_day_of(_moment(value))


def _moment(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    return _to_date(value)


def _add_months(value: Any, months: Any) -> datetime.datetime:
    """Oracle's ADD_MONTHS: the last day of a month stays the last day; a day the target lacks is clipped."""
    moment = _moment(value)
    count = int(Decimal(months).to_integral_value(ROUND_DOWN)) if not isinstance(months, int) else months
    index = moment.year * 12 + moment.month - 1 + count
    target = moment.replace(year=index // 12, month=index % 12 + 1, day=1)
    last = _last_day_of(target)
    if moment.day >= last.day or moment.day == _last_day_of(moment).day:
        return last
    return target.replace(day=moment.day)


def _months_between(first: Any, second: Any) -> Decimal:
    a, b = _moment(first), _moment(second)
    months = (a.year - b.year) * 12 + a.month - b.month
    if a.day == b.day or (a.day == _last_day_of(a).day and b.day == _last_day_of(b).day):
        return Decimal(months)
    seconds_a = a.day * 86400 + a.hour * 3600 + a.minute * 60 + a.second
    seconds_b = b.day * 86400 + b.hour * 3600 + b.minute * 60 + b.second
    fraction = Decimal(seconds_a - seconds_b) / Decimal(31 * 86400)
    return (months + fraction).quantize(Decimal(1).scaleb(-10))


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    def choose(*values: Any) -> Any:
        if any(v is None for v in values):
            return None
        return pick(values)

    return choose


def _bind_extreme(pick: Callable[..., Any]) -> Callable[[Sequence[Arg]], Bound]:
    def bind(args: Sequence[Arg]) -> Bound:
        from quietus.sql.types_base import result_type

        t = args[0].type
        for arg in args[1:]:
            t = result_type(t, arg.type)
        return Bound(_extreme(pick), t, (), False)

    return bind


def _mod(a: Any, b: Any) -> Any:
    """Oracle's MOD: the sign of the dividend; MOD(a, 0) is a."""
    if b == 0:
        return a
    if isinstance(a, int) and isinstance(b, int):
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder
    return Decimal(a) % Decimal(b)


def _mod_type(args: Sequence[Arg]) -> SqlType:
    if all(arg.type.family == "int" for arg in args):
        return args[0].type
    return NUMBER


CURRENT_SCHEMA = "oracle_current_schema"  # session.attachments key: ALTER SESSION SET CURRENT_SCHEMA's user


def _user(ctx: Any) -> str:
    return str(ctx.session.login_name).upper()


# SYS_CONTEXT('USERENV', parameter): the parameters Quietus knows, from the session.
USERENV: dict[str, Callable[[Any], Any]] = {
    "SESSION_USER": _user,
    "CURRENT_USER": _user,
    "CURRENT_SCHEMA": lambda ctx: ctx.session.attachments.get(CURRENT_SCHEMA) or _user(ctx),
    "SID": lambda ctx: str(ctx.session.session_id),
    "SESSIONID": lambda ctx: str(ctx.session.session_id),
    "DB_NAME": lambda ctx: str(ctx.session.database).upper(),
    "SERVICE_NAME": lambda ctx: str(ctx.session.database),
    "HOST": lambda ctx: ctx.session.host_name or None,
    "MODULE": lambda ctx: ctx.session.program_name or None,
    "INSTANCE": lambda ctx: "1",
    "LANGUAGE": lambda ctx: "AMERICAN_AMERICA.AL32UTF8",
}


def _sys_context(ctx: Any, namespace: Any, parameter: Any) -> Any:
    if str(namespace).upper() != "USERENV":
        return None
    reader = USERENV.get(str(parameter).upper())
    if reader is None:
        raise ora("ORA-02003", parameter)
    return reader(ctx)


ORACLE_FUNCTIONS: dict[str, Builtin] = {
    b.name: b
    for b in (
        _builtin("%ORA_CONCAT", 2, 2, _concat_in_session, _text_type, nulls=False, context=True),
        _builtin("%ORA_SUBSTR", 2, 3, _substr, _text_type),
        _builtin("%ORA_INSTR", 2, 4, _instr, INT),
        _builtin("%ORA_LENGTH", 1, 1, _length, INT),
        _builtin("%ORA_TO_CHAR", 1, 2, _to_char_in_session, _text_type, context=True),
        _builtin("%ORA_TO_DATE", 1, 2, _to_date_in_session, DATE, context=True),
        _builtin("%ORA_TO_TIMESTAMP", 1, 2, _to_date, TIMESTAMP),
        _builtin("%ORA_DATE_LITERAL", 1, 1, _date_literal, DATE),
        _builtin("%ORA_TIMESTAMP_LITERAL", 1, 1, _date_literal, TIMESTAMP),
        _builtin("%ORA_TO_NUMBER", 1, 2, _to_number, NUMBER),
        Builtin("%ORA_TRUNC", 1, 2, _bind_trunc),
        _builtin("%ORA_SYSDATE", 0, 0, _sysdate, DATE, context=True),
        _builtin("%ORA_SYSTIMESTAMP", 0, 0, _systimestamp, SYSTIMESTAMP, context=True),
        _builtin("%ORA_LPAD", 2, 3, _pad(True), _text_type),
        _builtin("%ORA_RPAD", 2, 3, _pad(False), _text_type),
        _builtin("%ORA_INITCAP", 1, 1, _initcap, _text_type),
        _builtin("%ORA_EMPTY_NULL", 1, 1, _empty_null, lambda args: args[0].type),
        _builtin("%ORA_REPLACE", 2, 3, _replace, _text_type, nulls=False),
        _builtin("%ORA_ADD_MONTHS", 2, 2, _add_months, DATE),
        _builtin("%ORA_MONTHS_BETWEEN", 2, 2, _months_between, NUMBER),
        _builtin("%ORA_LAST_DAY", 1, 1, _last_day, DATE),
        _builtin("%ORA_MOD", 2, 2, _mod, _mod_type),
        Builtin("%ORA_GREATEST", 1, 254, _bind_extreme(max)),
        Builtin("%ORA_LEAST", 1, 254, _bind_extreme(min)),
        _builtin("%ORA_USER", 0, 0, _user, NVARCHAR(128), context=True),
        _builtin("%ORA_SYS_CONTEXT", 2, 2, _sys_context, NVARCHAR(256), context=True),
    )
}

register_builtins(ORACLE_FUNCTIONS)
