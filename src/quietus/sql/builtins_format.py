"""Text formatting built-ins: FORMAT (.NET patterns, en-US), STR, and the RAISERROR/FORMATMESSAGE printf.

Invariants:
  1. FORMAT returns NULL for a NULL value or a format it cannot apply (as SQL Server does for invalid
     .NET format strings), never raises for the pattern itself.
  2. Rounding in FORMAT and STR is half away from zero, as .NET and SQL Server round decimals.
  3. format_raiserror consumes one argument per conversion (and one per ``*``); a missing or NULL
     argument prints "(null)".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from quietus.sql.builtins_core import Arg, Bound, Builtin, registry, simple, to_float, to_int, to_string
from quietus.sql.types_base import FAMILY, NVARCHAR, VARCHAR
from quietus.sql.types_datetime import DAYS, MONTHS
from quietus.ticks import combine, fraction

# --- numbers --------------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(int(value))


def _fixed(value: Decimal, places: int, grouping: bool) -> str:
    digits = max(value.adjusted(), 0) + places + 2  # every digit of the result (a float reaches 309 before the point)
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, Context(prec=max(digits, 28)))
    return format(rounded, f"{',' if grouping else ''}.{places}f")


def _exponent(value: Decimal, places: int, upper: bool) -> str:
    text = format(value, f".{places}e")
    mantissa, _, exponent = text.partition("e")
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}{'E' if upper else 'e'}{sign}{int(exponent.lstrip('+-')):03d}"


def _standard_number(value: Any, kind: str, digits: int | None) -> str | None:
    number = _decimal(value)
    upper = kind.upper()
    if upper == "N":
        return _fixed(number, 2 if digits is None else digits, True)
    if upper == "F":
        return _fixed(number, 2 if digits is None else digits, False)
    if upper == "D":
        if number != number.to_integral_value():
            return None
        text = str(abs(int(number))).rjust(digits or 0, "0")
        return "-" + text if number < 0 else text
    if upper == "P":
        return _fixed(number * 100, 2 if digits is None else digits, True) + " %"
    if upper == "C":
        text = "$" + _fixed(abs(number), 2 if digits is None else digits, True)
        return f"({text})" if number < 0 else text
    if upper == "X":
        if number != number.to_integral_value():
            return None
        integer = int(number) & (0xFFFFFFFFFFFFFFFF if int(number) < 0 else -1)
        text = format(integer, "X" if kind == "X" else "x")
        return text.rjust(digits or 0, "0")
    if upper == "E":
        return _exponent(number, 6 if digits is None else digits, kind == "E")
    if upper == "G":
        return str(value) if not isinstance(value, float) else repr(value).removesuffix(".0")
    return None


def _custom_number(value: Any, pattern: str) -> str:
    number = _decimal(value)
    if "%" in pattern:
        number *= 100
    integer_part, _, fraction_part = pattern.partition(".")
    placeholders = "0#"
    max_places = sum(ch in placeholders for ch in fraction_part)
    min_places = fraction_part.count("0")
    min_integer = integer_part.count("0")
    grouping = "," in integer_part
    rounded = number.quantize(Decimal(1).scaleb(-max_places), ROUND_HALF_UP)
    digits = format(abs(rounded), f".{max_places}f")
    whole, _, fraction = digits.partition(".")
    fraction = fraction.rstrip("0").ljust(min_places, "0")
    whole = whole.lstrip("0").rjust(min_integer, "0")
    if grouping and whole:
        whole = f"{int(whole):,}".rjust(min_integer, "0")
    body = whole + ("." + fraction if fraction else "")
    first = next((i for i, ch in enumerate(pattern) if ch in "0#.,"), len(pattern))
    last = max((i for i, ch in enumerate(pattern) if ch in "0#.,"), default=len(pattern) - 1)
    prefix, suffix = pattern[:first], pattern[last + 1 :]
    return ("-" if rounded < 0 else "") + prefix + body + suffix


def format_number(value: Any, pattern: str) -> str | None:
    """FORMAT(number, pattern) for the en-US culture."""
    match = re.fullmatch(r"([NnFfDdPpCcXxEeGg])(\d{0,2})", pattern)
    try:
        if match:
            digits = int(match.group(2)) if match.group(2) else None
            return _standard_number(value, match.group(1), digits)
        return _custom_number(value, pattern)
    except (InvalidOperation, ValueError, OverflowError):
        return None


# --- dates ----------------------------------------------------------------------------------------------

_STANDARD_DATE: dict[str, str] = {
    "d": "M/d/yyyy", "D": "dddd, MMMM d, yyyy", "t": "h:mm tt", "T": "h:mm:ss tt",
    "f": "dddd, MMMM d, yyyy h:mm tt", "F": "dddd, MMMM d, yyyy h:mm:ss tt", "g": "M/d/yyyy h:mm tt",
    "G": "M/d/yyyy h:mm:ss tt", "M": "MMMM d", "m": "MMMM d", "Y": "MMMM yyyy", "y": "MMMM yyyy",
    "s": "yyyy-MM-ddTHH:mm:ss", "u": "yyyy-MM-dd HH:mm:ssZ", "O": "yyyy-MM-ddTHH:mm:ss.fffffff",
    "o": "yyyy-MM-ddTHH:mm:ss.fffffff",
}  # fmt: skip

_DATE_TOKEN = re.compile(r"'[^']*'|\"[^\"]*\"|\\.|(y+|M+|d+|h+|H+|m+|s+|f+|F+|t+|z+)")


def _date_token(token: str, v: dt.datetime) -> str:
    letter, count = token[0], len(token)
    if letter == "y":
        return (
            str(v.year % 100).zfill(2) if count == 2 else str(v.year % 100) if count == 1 else str(v.year).zfill(count)
        )
    if letter == "M":
        return {1: str(v.month), 2: f"{v.month:02d}", 3: MONTHS[v.month - 1][:3]}.get(count, MONTHS[v.month - 1])
    if letter == "d":
        return {1: str(v.day), 2: f"{v.day:02d}", 3: DAYS[v.weekday()][:3]}.get(count, DAYS[v.weekday()])
    if letter in "hH":
        hour = v.hour if letter == "H" else (v.hour % 12 or 12)
        return str(hour) if count == 1 else f"{hour:02d}"
    if letter == "m":
        return str(v.minute) if count == 1 else f"{v.minute:02d}"
    if letter == "s":
        return str(v.second) if count == 1 else f"{v.second:02d}"
    if letter in "fF":
        digits = f"{fraction(v):07d}"[: min(count, 7)]
        return digits.rstrip("0") if letter == "F" else digits
    if letter == "t":
        marker = "PM" if v.hour >= 12 else "AM"
        return marker[:1] if count == 1 else marker
    return "+00:00" if count >= 3 else "+0"


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return combine(dt.date(1900, 1, 1), value)


def format_date(value: Any, pattern: str) -> str:
    """FORMAT(date/time, pattern) with .NET standard and custom date patterns (en-US)."""
    if len(pattern) == 2 and pattern[0] == "%":  # "%d": the custom specifier d, not the standard format
        pattern = pattern[1:]
    elif pattern in _STANDARD_DATE:
        pattern = _STANDARD_DATE[pattern]
    return format_custom_date(value, pattern)


def format_custom_date(value: Any, pattern: str) -> str:
    """Apply a .NET custom date pattern (every letter run is a specifier, quotes and \\ escape)."""
    moment = _as_datetime(value)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if match.group(1):
            return _date_token(token, moment)
        if token.startswith("\\"):
            return token[1:]
        return token[1:-1]

    return _DATE_TOKEN.sub(replace, pattern)


# strftime codes (what sqlglot rewrites FORMAT/DATENAME patterns into) back to .NET patterns.
_STRFTIME: dict[str, str] = {
    "%Y": "yyyy", "%y": "yy", "%B": "MMMM", "%b": "MMM", "%m": "MM", "%-m": "M", "%A": "dddd", "%a": "ddd",
    "%d": "dd", "%-d": "d", "%H": "HH", "%-H": "H", "%I": "hh", "%-I": "h", "%M": "mm", "%-M": "m",
    "%S": "ss", "%-S": "s", "%f": "ffffff", "%p": "tt",
}  # fmt: skip
_STRFTIME_TOKEN = re.compile(r"%-?[A-Za-z]")
_DATENAME_CODES: dict[str, Callable[[dt.datetime], str]] = {
    "%j": lambda v: str(v.timetuple().tm_yday),
    "%W": lambda v: str((v.timetuple().tm_yday - 1 + dt.date(v.year, 1, 1).isoweekday() % 7) // 7 + 1),
    "%V": lambda v: str(v.isocalendar()[1]),
    "%w": lambda v: DAYS[v.weekday()],
    "%h": lambda v: str(v.hour),
}  # fmt: skip


def format_strftime(value: Any, pattern: str) -> str:
    """Format with a pattern sqlglot translated to strftime codes; other text keeps its .NET meaning."""
    moment = _as_datetime(value)
    pattern = pattern.replace("%f", _STRFTIME["%f"])  # 'fffffff' arrives as '%ff': one run of seven again
    out: list[str] = []
    position = 0
    for match in _STRFTIME_TOKEN.finditer(pattern):
        out.append(format_custom_date(moment, pattern[position : match.start()]))
        code = match.group(0)
        reader = _DATENAME_CODES.get(code)
        out.append(reader(moment) if reader else format_custom_date(moment, _STRFTIME.get(code, code)))
        position = match.end()
    out.append(format_custom_date(moment, pattern[position:]))
    return "".join(out)


def _format(args: Sequence[Arg]) -> Bound:
    family = FAMILY[args[0].type.name]
    if family in ("date", "time", "datetime"):
        fn: Callable[..., Any] = lambda v, p, culture=None: format_date(v, p) if p else None  # noqa: E731
    elif family in ("int", "exact", "approx"):
        fn = lambda v, p, culture=None: format_number(v, p) if p else None  # noqa: E731
    else:
        fn = lambda v, p, culture=None: None  # noqa: E731 - FORMAT of a string is NULL
    return Bound(fn, NVARCHAR(4000), (None, to_string(args[1])))


def strftime_to_dotnet(pattern: str) -> str:
    return _STRFTIME_TOKEN.sub(lambda m: _STRFTIME.get(m.group(0), m.group(0)), pattern)


def _strftime(args: Sequence[Arg]) -> Bound:
    family = FAMILY[args[0].type.name]
    if family in ("int", "exact", "approx"):  # sqlglot took a numeric pattern such as 'D3' for a date one
        return Bound(lambda v, p: format_number(v, strftime_to_dotnet(p)), NVARCHAR(4000), (None, to_string(args[1])))
    if family not in ("date", "time", "datetime"):
        return Bound(lambda v, p: None, NVARCHAR(4000), (None, to_string(args[1])))
    return Bound(format_strftime, NVARCHAR(4000), (None, to_string(args[1])))


# --- STR ------------------------------------------------------------------------------------------------


def str_function(value: float, length: int = 10, decimals: int = 0) -> str | None:
    """STR(float, length, decimals): right-justified; '*' * length when the integer part does not fit."""
    if length <= 0 or length > 8000 or decimals < 0:
        return None
    number = _decimal(value)
    places = min(decimals, 16)
    text = _fixed(number, places, False)
    if len(text) > length:
        whole = _fixed(number, 0, False)
        if len(whole) > length:
            return "*" * length
        room = length - len(whole) - 1
        text = _fixed(number, room, False) if room > 0 else whole
    return text.rjust(length)


def _str(args: Sequence[Arg]) -> Bound:
    length = args[1].constant if len(args) > 1 and isinstance(args[1].constant, int) else 10
    conversions = (to_float(args[0]), *(to_int(a) for a in args[1:]))
    return Bound(str_function, VARCHAR(length if length > 0 else 10), conversions)


# --- RAISERROR / FORMATMESSAGE ---------------------------------------------------------------------------

_PRINTF = re.compile(r"%(?:(%)|([-+0# ]*)(\*|\d+)?(?:\.(\*|\d+))?(?:h|l|I64)?([diuosxX]))")


def format_raiserror(template: str, args: Sequence[Any]) -> str:
    """Fill a RAISERROR/FORMATMESSAGE message: %d %i %u %s %x %X %o %%, flags - + 0 # space, width and
    precision (either may be ``*``, taken from the arguments)."""
    supplied = iter(args)

    def take() -> Any:
        return next(supplied, None)

    def fill(match: re.Match[str]) -> str:
        if match.group(1):
            return "%"
        flags, width_text, precision_text, kind = (
            match.group(2),
            match.group(3),
            match.group(4),
            match.group(5),
        )
        width = _star(take()) if width_text == "*" else int(width_text or 0)
        precision = (
            _star(take()) if precision_text == "*" else (int(precision_text) if precision_text is not None else None)
        )
        value = take()
        if value is None:
            text = "(null)"
        elif kind == "s":
            text = str(value)
            if precision is not None:
                text = text[:precision]
        else:
            text = _printf_integer(int(value), kind, flags, precision)
        if len(text) >= width:
            return text
        if "-" in flags:
            return text.ljust(width)
        if "0" in flags and kind != "s" and precision is None:
            sign = text[0] if text[:1] in "+- " and text[:1] else ""
            return sign + text[len(sign) :].rjust(width - len(sign), "0")
        return text.rjust(width)

    return _PRINTF.sub(fill, template)


def _star(value: Any) -> int:
    return int(value) if value is not None else 0


def _printf_integer(value: int, kind: str, flags: str, precision: int | None) -> str:
    if kind in ("x", "X", "o", "u") and value < 0:
        value &= 0xFFFFFFFF
    base = {"x": "x", "X": "X", "o": "o"}.get(kind, "d")
    digits = format(abs(value), base)
    if precision is not None:
        digits = digits.rjust(precision, "0")
    if "#" in flags and value and kind in ("x", "X", "o"):
        digits = {"x": "0x", "X": "0X", "o": "0"}[kind] + digits
    sign = "-" if value < 0 else "+" if "+" in flags else " " if " " in flags else ""
    return sign + digits


# FORMAT/DATENAME as sqlglot rewrites them (exp.TimeToStr with a strftime pattern); bound by the compiler.
STRFTIME_FORMAT = Builtin("FORMAT", 2, 2, _strftime)

FORMAT_FUNCTIONS: dict[str, Builtin] = registry(
    Builtin("FORMAT", 2, 3, _format),
    Builtin("STR", 1, 3, _str),
    simple("FORMATMESSAGE", 1, 21, lambda template, *values: format_raiserror(template, values),
           NVARCHAR(2047), [to_string, lambda a: None], null_propagating=False),
)  # fmt: skip
