"""CAST/CONVERT and implicit conversion between SQL Server types, with SQL Server's errors.

Theory: every type belongs to a conversion category; ``ALLOWED`` (the documented conversion chart, as data)
says whether a category pair converts implicitly (I), only explicitly (E) or not at all (X), and
``_CONVERTERS`` maps the pair to the function that does it. ``converter()`` resolves both once, so compiled
expressions pay one dictionary lookup at compile time and a plain call per row.

Invariants:
  1. convert(None, ...) is None for every pair (NULL converts to NULL of any type).
  2. A disallowed pair raises 529 (explicit) or 257/206 (implicit) before any value is looked at.
  3. The result is a valid value of the target type: quantized decimals, padded char, ranged integers,
     datetime on its 1/300 s tick.
  4. CAST truncates strings silently; only ``check_fits``/``coerce_for_column`` (INSERT/UPDATE) raise 2628.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import struct
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any, Final

from quietus.errors import SqlError, sql_error
from quietus.sql import utf16, xml_values
from quietus.sql.types_base import INT_RANGE, NVARCHAR, SqlType
from quietus.sql.types_datetime import (
    BASE_DATE,
    RANGES,
    as_datetime,
    format_datetime,
    parse_datetime_text,
    round_datetime,
    round_fraction,
    round_smalldatetime,
    round_time,
)

Converter = Callable[[Any, SqlType, SqlType, int | None], Any]

CATEGORY: Final[dict[str, str]] = {
    "bit": "int", "tinyint": "int", "smallint": "int", "int": "int", "bigint": "int",
    "decimal": "decimal", "numeric": "decimal", "money": "money", "smallmoney": "money",
    "float": "float", "real": "float",
    "char": "char", "varchar": "char", "nchar": "char", "nvarchar": "char",
    "binary": "binary", "varbinary": "binary",
    "date": "date", "time": "time", "datetime": "datetime", "smalldatetime": "datetime",
    "datetime2": "datetime2", "datetimeoffset": "datetimeoffset", "uniqueidentifier": "guid", "xml": "xml",
}  # fmt: skip

# The conversion chart: row = source category, columns in _COLUMNS order.
_COLUMNS = (
    "int", "decimal", "money", "float", "char", "binary", "date", "time", "datetime", "datetime2", "guid",
    "datetimeoffset", "xml",
)  # fmt: skip
_CHART = {
    "int":            "I I I I I I X X I X X X X",
    "decimal":        "I I I I I I X X I X X X X",
    "money":          "I I I I I I X X I X X X X",
    "float":          "I I I I I E X X I X X X X",
    "char":           "I I I I I E I I I I I I I",
    "binary":         "I I I X I I X X E X I X I",
    "date":           "X X X X I X I X I I X I X",
    "time":           "X X X X I X X I I I X I X",
    "datetime":       "E E E E I E I I I I X I X",
    "datetime2":      "X X X X I X I I I I X I X",
    "guid":           "X X X X I I X X X X I X X",
    "datetimeoffset": "X X X X I X I I I I X I X",
    "xml":            "X X X X E E X X X X X X I",
}  # fmt: skip
TEMPORAL_CATEGORIES: Final = ("date", "time", "datetime", "datetime2", "datetimeoffset")
UTC = dt.UTC
# a trailing UTC offset in text: "+05:30", "-08:00", "Z"
_OFFSET_TEXT = re.compile(r"^(.*?)\s*(?:([+-])(\d{1,2}):(\d{2})|Z)\s*$", re.IGNORECASE)
ALLOWED: Final[dict[tuple[str, str], str]] = {
    (source, target): code for source, row in _CHART.items() for target, code in zip(_COLUMNS, row.split(), strict=True)
}

# Exact arithmetic never loses digits below precision 38; rounding is half away from zero as in SQL Server.
DECIMAL_CONTEXT = Context(prec=100, rounding=ROUND_HALF_UP, Emax=999_999, Emin=-999_999)
MONEY_RANGE = {"money": Decimal("922337203685477.5807"), "smallmoney": Decimal("214748.3647")}
_FOUR_PLACES = Decimal("0.0001")
_INT_TEXT = re.compile(r"^\s*[+-]?\d*\s*$")
_DECIMAL_TEXT = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$")
_FLOAT_TEXT = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_GUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_INT_BYTES = {"bit": 1, "tinyint": 1, "smallint": 2, "int": 4, "bigint": 8}


def msg_name(t: SqlType) -> str:
    """The type name used inside conversion messages (SQL Server says "numeric" for decimal there)."""
    return "numeric" if t.name == "decimal" else t.name


def overflow(target: SqlType, what: str = "expression") -> SqlError:
    return sql_error(8115, what, msg_name(target))


# --- to integer types -----------------------------------------------------------------------------------


def check_int(value: int, target: SqlType, source: SqlType | None = None) -> int:
    low, high = INT_RANGE[target.name]
    if low <= value <= high:
        return value
    if target.name in ("tinyint", "smallint") and source is not None and CATEGORY[source.name] == "int":
        raise sql_error(220, target.name, value)
    raise overflow(target)


def _int_from_int(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    if target.name == "bit":
        return value != 0
    return check_int(int(value), target, source)


def _int_from_number(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    if target.name == "bit":
        return value != 0
    if isinstance(value, float) and not math.isfinite(value):
        raise overflow(target)
    return check_int(int(value), target)  # int() truncates toward zero for Decimal and float


def _int_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    text = value.strip()
    if target.name == "bit":
        word = text.lower()
        if word in ("true", "false"):
            return word == "true"
        if _DECIMAL_TEXT.match(text) is None:
            raise sql_error(245, source.name, value, "bit")
        return Decimal(text) != 0
    if _INT_TEXT.match(text) is None:
        raise sql_error(245, source.name, value, target.name)
    low, high = INT_RANGE[target.name]
    significant = text.lstrip("+-").lstrip("0")
    if len(significant) <= 20:  # longer: beyond every integer type (and Python's int parsing, 4,300 digits at most)
        number = -int(significant or "0") if text.startswith("-") else int(significant or "0")
        if low <= number <= high:
            return number
    if target.name == "bigint":
        raise sql_error(8114, source.name, "bigint")
    if target.name == "int":
        raise sql_error(248, source.name, value)
    raise sql_error(244, source.name, value, "INT1" if target.name == "tinyint" else "INT2")


def _int_from_binary(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    size = _INT_BYTES[target.name]
    raw = bytes(value)[-size:].rjust(size, b"\0")
    if target.name == "bit":
        return any(raw)
    return int.from_bytes(raw, "big", signed=target.name != "tinyint")


def _int_from_datetime(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    delta = value - BASE_DATE
    days = delta.days + (1 if delta.seconds >= 43200 else 0)  # noon and after rounds up
    if target.name == "bit":
        return days != 0
    return check_int(days, target)


# --- to exact numerics ----------------------------------------------------------------------------------


def fit_decimal(value: Decimal, target: SqlType, source: SqlType | None = None) -> Decimal:
    """Round ``value`` to the target's scale (half away from zero) and check its precision."""
    if target.name in MONEY_RANGE:
        try:
            result = value.quantize(_FOUR_PLACES, ROUND_HALF_UP, DECIMAL_CONTEXT)
        except InvalidOperation:  # more digits than the context holds: far beyond money's range
            raise overflow(target, msg_name(source) if source is not None else "expression") from None
        if abs(result) > MONEY_RANGE[target.name]:
            raise overflow(target, msg_name(source) if source is not None else "expression")
        return result
    assert target.precision is not None and target.scale is not None
    try:
        result = value.quantize(Decimal(1).scaleb(-target.scale), ROUND_HALF_UP, DECIMAL_CONTEXT)
    except InvalidOperation:
        raise overflow(target, msg_name(source) if source is not None else "expression") from None
    if result.adjusted() >= target.precision - target.scale and result != 0:
        raise overflow(target, msg_name(source) if source is not None else "expression")
    return result


def _decimal_from_number(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise overflow(target, "float")
        return fit_decimal(Decimal(repr(value)), target, source)
    return fit_decimal(Decimal(int(value)) if isinstance(value, bool | int) else value, target, source)


def _decimal_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    text = value.strip()
    if target.name in MONEY_RANGE:
        text = text.replace(",", "").replace("$", "", 1).strip()
    if _DECIMAL_TEXT.match(text) is None:
        raise sql_error(8114, source.name, msg_name(target))
    return fit_decimal(Decimal(text), target, source)


def _decimal_from_binary(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    number = int.from_bytes(bytes(value), "big", signed=True) if value else 0
    if target.name in MONEY_RANGE:
        return fit_decimal(Decimal(number).scaleb(-4), target, source)
    return fit_decimal(Decimal(number), target, source)


def _decimal_from_datetime(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return _decimal_from_number(_days(value), source, target, style)


def _days(value: dt.datetime) -> float:
    delta = value - BASE_DATE
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400


# --- to approximate numerics ----------------------------------------------------------------------------


def fit_float(value: float, target: SqlType) -> float:
    if not math.isfinite(value):
        raise overflow(target)
    if target.name == "real":
        try:
            value = struct.unpack("<f", struct.pack("<f", value))[0]
        except OverflowError:
            raise overflow(target) from None
    return value


def _float_from_number(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_float(float(value), target)


def _float_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    text = value.strip()
    if not text:
        return 0.0
    if _FLOAT_TEXT.match(text) is None:
        raise sql_error(8114, source.name, target.name)
    return fit_float(float(text), target)


def _float_from_datetime(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_float(_days(value), target)


# --- to character strings -------------------------------------------------------------------------------


def fit_text(text: str, target: SqlType) -> str:
    """Truncate silently to the target length and pad char/nchar; map to code page 1252 for non-Unicode."""
    if not target.is_unicode and not text.isascii():
        text = text.encode("cp1252", errors="replace").decode("cp1252")
    length = target.length
    if length is not None:
        size = utf16.units(text) if target.is_unicode else len(text)
        if size > length:
            text, size = utf16.cut(text, 0, length), length
        if target.name in ("char", "nchar") and size < length:
            text += " " * (length - size)
    return text


def _numeric_text(text: str, source: SqlType, target: SqlType, star: bool) -> str:
    """Numbers never truncate: too long gives '*' (integers to char/varchar) or error 8115."""
    if target.length is not None and len(text) > target.length:
        if star and not target.is_unicode:
            return fit_text("*", target)
        raise overflow(target, "expression" if star else msg_name(source))
    return fit_text(text, target)


def float_text(value: float, style: int | None) -> str:
    """A float as CONVERT(varchar, f, style) prints it: style 0 is 6 significant digits, 1 is 8, 2 is 16."""
    if style in (1, 2):
        text = format(value, ".7e" if style == 1 else ".15e")
    elif style == 3:
        text = repr(value)
    else:
        text = format(value, ".6g")
    mantissa, sep, exponent = text.partition("e")
    if sep:
        sign = exponent[0] if exponent[0] in "+-" else "+"
        text = f"{mantissa}e{sign}{int(exponent.lstrip('+-')):03d}"
    return text


def money_text(value: Decimal, style: int | None) -> str:
    if style == 2:
        return format(value.quantize(_FOUR_PLACES, ROUND_HALF_UP), "f")
    rounded = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return format(rounded, ",.2f") if style == 1 else format(rounded, "f")


def _text_from_int(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return _numeric_text(str(int(value)), source, target, star=True)


def _text_from_decimal(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return _numeric_text(format(value, "f"), source, target, star=False)


def _text_from_money(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return _numeric_text(money_text(value, style), source, target, star=False)


def _text_from_float(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return _numeric_text(float_text(value, style), source, target, star=False)


def _text_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_text(value, target)


def _text_from_binary(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    raw = bytes(value)
    if style in (1, 2):
        return fit_text(("0x" if style == 1 else "") + raw.hex().upper(), target)
    if target.is_unicode:
        return fit_text(raw[: len(raw) // 2 * 2].decode("utf-16-le", errors="replace"), target)
    return fit_text(raw.decode("cp1252", errors="replace"), target)


def _text_from_temporal(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_text(format_datetime(value, source.name, style, source.scale or 0), target)


def _text_from_guid(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_text(str(value).upper(), target)


# --- to binary ------------------------------------------------------------------------------------------


def fit_binary(raw: bytes, target: SqlType, *, number: bool = False) -> bytes:
    """Numbers keep their rightmost bytes and pad on the left; everything else the reverse."""
    length = target.length
    if length is None:
        return raw
    if len(raw) > length:
        raw = raw[-length:] if number else raw[:length]
    if target.name == "binary" and len(raw) < length:
        raw = raw.rjust(length, b"\0") if number else raw.ljust(length, b"\0")
    return raw


def _binary_from_int(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    size = _INT_BYTES[source.name]
    raw = int(value).to_bytes(size, "big", signed=source.name not in ("bit", "tinyint"))
    return fit_binary(raw, target, number=True)


def _binary_from_exact(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    if source.name in MONEY_RANGE:
        raw = int(value.scaleb(4)).to_bytes(8, "big", signed=True)
        return fit_binary(raw, target, number=True)
    assert source.precision is not None and source.scale is not None
    unscaled = int(value.scaleb(source.scale))
    size = next(n for limit, n in ((9, 4), (19, 8), (28, 12), (38, 16)) if source.precision <= limit)
    header = bytes([source.precision, source.scale, 0, 1 if unscaled >= 0 else 0])
    return fit_binary(header + abs(unscaled).to_bytes(size, "little"), target, number=True)


def _binary_from_float(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    raw = struct.pack(">f" if source.name == "real" else ">d", value)
    return fit_binary(raw, target, number=True)


def _binary_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    if style in (1, 2):
        text = value.strip()
        if style == 1 and text[:2].lower() == "0x":
            text = text[2:]
        try:
            return fit_binary(bytes.fromhex(text), target)
        except ValueError:
            raise sql_error(8114, source.name, target.name) from None
    encoded = value.encode("utf-16-le") if source.is_unicode else value.encode("cp1252", errors="replace")
    return fit_binary(encoded, target)


def _binary_from_binary(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_binary(bytes(value), target)


def _binary_from_guid(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_binary(value.bytes_le, target)


def _binary_from_datetime(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    delta = value - BASE_DATE
    ticks = (delta.seconds * 1_000_000 + delta.microseconds) * 3 // 10000
    raw = delta.days.to_bytes(4, "big", signed=True) + ticks.to_bytes(4, "big")
    return fit_binary(raw, target, number=True)


# --- to date and time -----------------------------------------------------------------------------------


def narrow_temporal(value: dt.datetime, target: SqlType, source_name: str = "varchar") -> Any:
    """Turn a full datetime into a value of the target date/time type, rounding as SQL Server does."""
    name = target.name
    if name == "datetimeoffset":  # keeps its offset; a value without one is taken as UTC (+00:00)
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return round_fraction(aware, target.scale if target.scale is not None else 7)
    if value.tzinfo is not None:  # datetimeoffset to another type: its local date and time, offset dropped
        value = value.replace(tzinfo=None)
    if name == "date":
        return value.date()
    if name == "time":
        return round_time(value.time(), target.scale if target.scale is not None else 7)
    if name == "datetime2":
        return round_fraction(value, target.scale if target.scale is not None else 7)
    try:
        rounded = round_datetime(value) if name == "datetime" else round_smalldatetime(value)
    except OverflowError:
        raise sql_error(242, source_name, name) from None
    low, high = RANGES[name]
    if not low <= rounded <= high:
        raise sql_error(242, source_name, name)
    return rounded


def _temporal_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return narrow_temporal(parse_datetime_text(value, target.name, style), target, source.name)


def _offset_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    text = str(value).strip()
    match = _OFFSET_TEXT.match(text)
    zone = UTC
    if match is not None and match.group(1):
        text = match.group(1)
        if match.group(2):
            minutes = int(match.group(3)) * 60 + int(match.group(4))
            if minutes > 14 * 60 or int(match.group(4)) > 59:
                raise sql_error(241)
            zone = dt.timezone(dt.timedelta(minutes=-minutes if match.group(2) == "-" else minutes))
    moment = parse_datetime_text(text, "datetime2", style)
    return narrow_temporal(moment.replace(tzinfo=zone), target, source.name)


def offset_text(value: dt.datetime, style: int | None, scale: int) -> str:
    """A datetimeoffset as text: ``2024-01-02 03:04:05.1234567 +05:30`` (styles 126/127: ISO, no space)."""
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    local = value.replace(tzinfo=None)
    if style in (126, 127):
        return format_datetime(local, "datetime2", style, scale) + ("Z" if minutes == 0 and style == 127 else zone)
    return f"{format_datetime(local, 'datetime2', style, scale)} {zone}"


def _text_from_offset(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return fit_text(offset_text(value, style, source.scale if source.scale is not None else 7), target)


def _temporal_from_temporal(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return narrow_temporal(as_datetime(value), target, source.name)


def _temporal_from_number(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    try:
        if isinstance(value, bool | int):
            moment = BASE_DATE + dt.timedelta(days=int(value))
        else:
            moment = BASE_DATE + dt.timedelta(days=float(value))
        return narrow_temporal(moment, target, source.name)
    except (OverflowError, SqlError):
        raise overflow(target) from None


def _temporal_from_binary(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    raw = bytes(value)[-8:].rjust(8, b"\0")
    days = int.from_bytes(raw[:4], "big", signed=True)
    ticks = int.from_bytes(raw[4:], "big")
    moment = BASE_DATE + dt.timedelta(days=days, microseconds=ticks * 10000 / 3)
    return narrow_temporal(moment, target, source.name)


# --- to uniqueidentifier --------------------------------------------------------------------------------


def _guid_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    text = value.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    text = text[:36]
    if _GUID_TEXT.match(text) is None:
        raise sql_error(8169)
    return uuid.UUID(text)


def _guid_from_binary(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return uuid.UUID(bytes_le=bytes(value)[:16].ljust(16, b"\0"))


def _same(value: Any, source: SqlType, target: SqlType, style: int | None) -> Any:
    return value


# (source category, target category) → converter; absent pairs are the chart's X cells.
def _xml_from_text(value: Any, source: SqlType, target: SqlType, style: int | None) -> str:
    return xml_values.check(value)


def _xml_from_binary(value: Any, source: SqlType, target: SqlType, style: int | None) -> str:
    return xml_values.check(bytes(value).decode("utf-8"))


def _text_from_xml(value: Any, source: SqlType, target: SqlType, style: int | None) -> str:
    return str(_text_from_text(str(value), NVARCHAR(None), target, style))


def _binary_from_xml(value: Any, source: SqlType, target: SqlType, style: int | None) -> bytes:
    return fit_binary(str(value).encode("utf-16-le"), target)


_CONVERTERS: Final[dict[tuple[str, str], Converter]] = {
    ("char", "xml"): _xml_from_text,
    ("binary", "xml"): _xml_from_binary,
    ("xml", "xml"): lambda value, source, target, style: value,
    ("xml", "char"): _text_from_xml,
    ("xml", "binary"): _binary_from_xml,
    ("int", "int"): _int_from_int,
    ("decimal", "int"): _int_from_number,
    ("money", "int"): _int_from_number,
    ("float", "int"): _int_from_number,
    ("char", "int"): _int_from_text,
    ("binary", "int"): _int_from_binary,
    ("datetime", "int"): _int_from_datetime,
    **{(src, "decimal"): _decimal_from_number for src in ("int", "decimal", "money", "float")},
    **{(src, "money"): _decimal_from_number for src in ("int", "decimal", "money", "float")},
    ("char", "decimal"): _decimal_from_text,
    ("char", "money"): _decimal_from_text,
    ("binary", "decimal"): _decimal_from_binary,
    ("binary", "money"): _decimal_from_binary,
    ("datetime", "decimal"): _decimal_from_datetime,
    ("datetime", "money"): _decimal_from_datetime,
    **{(src, "float"): _float_from_number for src in ("int", "decimal", "money", "float")},
    ("char", "float"): _float_from_text,
    ("datetime", "float"): _float_from_datetime,
    ("int", "char"): _text_from_int,
    ("decimal", "char"): _text_from_decimal,
    ("money", "char"): _text_from_money,
    ("float", "char"): _text_from_float,
    ("char", "char"): _text_from_text,
    ("binary", "char"): _text_from_binary,
    **{(src, "char"): _text_from_temporal for src in ("date", "time", "datetime", "datetime2")},
    ("guid", "char"): _text_from_guid,
    ("int", "binary"): _binary_from_int,
    ("decimal", "binary"): _binary_from_exact,
    ("money", "binary"): _binary_from_exact,
    ("float", "binary"): _binary_from_float,
    ("char", "binary"): _binary_from_text,
    ("binary", "binary"): _binary_from_binary,
    ("guid", "binary"): _binary_from_guid,
    ("datetime", "binary"): _binary_from_datetime,
    **{("char", dst): _temporal_from_text for dst in ("date", "time", "datetime", "datetime2")},
    **{
        (src, dst): _temporal_from_temporal
        for src in ("date", "time", "datetime", "datetime2")
        for dst in ("date", "time", "datetime", "datetime2")
        if ALLOWED[(src, dst)] != "X"
    },
    **{(src, "datetime"): _temporal_from_number for src in ("int", "decimal", "money", "float")},
    ("char", "datetimeoffset"): _offset_from_text,
    ("datetimeoffset", "char"): _text_from_offset,
    **{(src, "datetimeoffset"): _temporal_from_temporal for src in TEMPORAL_CATEGORIES},
    **{("datetimeoffset", dst): _temporal_from_temporal for dst in TEMPORAL_CATEGORIES},
    ("binary", "datetime"): _temporal_from_binary,
    ("char", "guid"): _guid_from_text,
    ("binary", "guid"): _guid_from_binary,
    ("guid", "guid"): _same,
}


def converter(
    source: SqlType, target: SqlType, style: int | None = None, explicit: bool = True
) -> Callable[[Any], Any]:
    """Resolve the conversion ``source`` → ``target`` once; the result maps a value (or None) to the target.

    Raises 529 (explicit) or 257/206 (implicit) at once when the chart forbids the pair.
    """
    if source.name == "boolean" or target.name == "boolean":
        raise sql_error(206, source.display(), target.display())
    pair = (CATEGORY[source.name], CATEGORY[target.name])
    code = ALLOWED[pair]
    if code == "X":
        if explicit:
            raise sql_error(529, source.display(), target.display())
        raise sql_error(206, source.display(), target.display())
    if code == "E" and not explicit:
        raise sql_error(257, source.display(), target.display())
    if style is not None and pair[0] in TEMPORAL_CATEGORIES and pair[1] == "char":
        format_datetime(dt.datetime(2000, 1, 1), source.name, style)  # validates the style (281)
    convert_one = _CONVERTERS[pair]

    def run(value: Any) -> Any:
        if value is None:
            return None
        return convert_one(value, source, target, style)

    return run


def convert(value: Any, source: SqlType, target: SqlType, style: int | None = None, explicit: bool = True) -> Any:
    """CAST/CONVERT (``explicit``) or implicit conversion of one value; NULL stays NULL."""
    return converter(source, target, style, explicit)(value)


def try_convert(value: Any, source: SqlType, target: SqlType, style: int | None = None) -> Any:
    """TRY_CAST/TRY_CONVERT: NULL instead of a conversion error; disallowed pairs still raise 529."""
    run = converter(source, target, style)
    try:
        return run(value)
    except SqlError:
        return None


def check_fits(value: Any, type_: SqlType, table: str, column: str) -> None:
    """Raise 2628 when a string/binary value is longer than the column (trailing blanks don't count)."""
    length = type_.length
    if value is None or length is None:
        return
    if isinstance(value, str):
        if utf16.units(value) > length and utf16.units(value.rstrip(" ")) > length:
            raise sql_error(2628, table, column, utf16.cut(value, 0, length))
    elif isinstance(value, bytes) and len(value) > length:
        raise sql_error(2628, table, column, "")


def coerce_for_column(value: Any, source_type: SqlType, column_type: SqlType, table: str, column: str) -> Any:
    """Convert a value for storage in a column (implicit rules), raising 2628 when it would be truncated."""
    if value is None:
        return None
    if column_type.is_string or column_type.is_binary:
        wide_name = {"char": "varchar", "nchar": "nvarchar", "binary": "varbinary"}.get(
            column_type.name, column_type.name
        )
        wide = SqlType(wide_name)
        converted = convert(value, source_type, wide, explicit=False)
        check_fits(converted, column_type, table, column)
        return convert(converted, wide, column_type)
    return convert(value, source_type, column_type, explicit=False)
