"""Operators on SQL values: arithmetic, concatenation, bitwise, unary and comparison, bound per type pair.

Theory: ``binary_operation(op, left_type, right_type)`` is called once at compile time. It picks the result
type (precedence and the decimal formulas in types_base), the implicit conversions each operand needs, and a
function specialised for the result's representation. The compiled expression then does, per row:
NULL check, optional conversion, one call.

Invariants:
  1. Operation functions never see NULL (the caller propagates NULL) and always return a valid value of
     ``Operation.type`` or raise the SQL Server error (8115 overflow, 8134 divide by zero, 517 date overflow).
  2. Integer division and % truncate toward zero; % takes the dividend's sign.
  3. An operand is converted only when its representation differs from the target's (int/Decimal/float mix
     freely in Python, strings compare through the collation), so the common case pays no conversion.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from quietus.errors import sql_error
from quietus.sql.collation import binary_key, collation_key, guid_key
from quietus.sql.types_base import (
    BIT,
    BOOLEAN,
    DATETIME,
    FAMILY,
    INT,
    INT_RANGE,
    PRECEDENCE,
    SqlType,
    arithmetic_type,
    result_type,
)
from quietus.sql.types_convert import DECIMAL_CONTEXT, converter, fit_decimal, fit_float, overflow
from quietus.sql.types_datetime import BASE_DATE, round_datetime, round_smalldatetime

Fn2 = Callable[[Any, Any], Any]
Fn1 = Callable[[Any], Any]

OPERATOR_NAMES = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "modulo",
                  "&": "&", "|": "|", "^": "^", "~": "~", "neg": "minus"}  # fmt: skip
_NUMERIC = frozenset({"int", "exact", "approx"})
_TEMPORAL = frozenset({"date", "time", "datetime"})


@dataclass(frozen=True, slots=True)
class Operation:
    fn: Fn2  # on non-NULL operands, after conversion
    type: SqlType
    left: Fn1 | None  # conversion for the left operand, None when none is needed
    right: Fn1 | None


def _invalid(t: SqlType, op: str) -> Exception:
    return sql_error(8117, t.display(), OPERATOR_NAMES[op])


def needs_conversion(source: SqlType, target: SqlType) -> bool:
    """False when values of ``source`` already behave as ``target`` values in Python (same representation)."""
    fs, ft = FAMILY[source.name], FAMILY[target.name]
    if fs == ft:
        return False
    return not (fs in _NUMERIC and ft in _NUMERIC)


def _conversion(source: SqlType, target: SqlType) -> Fn1 | None:
    if not needs_conversion(source, target):
        return None
    run = converter(source, target, explicit=False)
    return lambda value: run(value)


# --- arithmetic -----------------------------------------------------------------------------------------


def _int_ops(t: SqlType) -> dict[str, Fn2]:
    low, high = INT_RANGE[t.name]

    def checked(result: int) -> int:
        if low <= result <= high:
            return result
        raise overflow(t)

    def add(a: int, b: int) -> int:
        r = a + b
        return r if low <= r <= high else checked(r)

    def sub(a: int, b: int) -> int:
        r = a - b
        return r if low <= r <= high else checked(r)

    def mul(a: int, b: int) -> int:
        r = a * b
        return r if low <= r <= high else checked(r)

    def div(a: int, b: int) -> int:
        if b == 0:
            raise sql_error(8134)
        q = abs(a) // abs(b)
        return checked(-q if (a < 0) != (b < 0) else q)

    def mod(a: int, b: int) -> int:
        if b == 0:
            raise sql_error(8134)
        r = abs(a) % abs(b)
        return -r if a < 0 else r

    return {"+": add, "-": sub, "*": mul, "/": div, "%": mod}


def _exact_ops(t: SqlType) -> dict[str, Fn2]:
    ctx = DECIMAL_CONTEXT

    def dec(value: Any) -> Decimal:
        return value if isinstance(value, Decimal) else Decimal(int(value))

    def add(a: Any, b: Any) -> Decimal:
        return fit_decimal(ctx.add(dec(a), dec(b)), t)

    def sub(a: Any, b: Any) -> Decimal:
        return fit_decimal(ctx.subtract(dec(a), dec(b)), t)

    def mul(a: Any, b: Any) -> Decimal:
        return fit_decimal(ctx.multiply(dec(a), dec(b)), t)

    def div(a: Any, b: Any) -> Decimal:
        if b == 0:
            raise sql_error(8134)
        return fit_decimal(ctx.divide(dec(a), dec(b)), t)

    def mod(a: Any, b: Any) -> Decimal:
        if b == 0:
            raise sql_error(8134)
        return fit_decimal(ctx.remainder(dec(a), dec(b)), t)  # remainder keeps the dividend's sign

    return {"+": add, "-": sub, "*": mul, "/": div, "%": mod}


def _approx_ops(t: SqlType) -> dict[str, Fn2]:
    def add(a: Any, b: Any) -> float:
        return fit_float(float(a) + float(b), t)

    def sub(a: Any, b: Any) -> float:
        return fit_float(float(a) - float(b), t)

    def mul(a: Any, b: Any) -> float:
        return fit_float(float(a) * float(b), t)

    def div(a: Any, b: Any) -> float:
        if b == 0:
            raise sql_error(8134)
        return fit_float(float(a) / float(b), t)

    return {"+": add, "-": sub, "*": mul, "/": div}


def _datetime_ops(t: SqlType) -> dict[str, Fn2]:
    """datetime/smalldatetime ± number of days or ± datetime (as an offset from 1900-01-01)."""
    rounder = round_datetime if t.name == "datetime" else round_smalldatetime

    def offset(value: Any) -> dt.timedelta:
        if isinstance(value, dt.datetime):
            return value - BASE_DATE
        return dt.timedelta(days=float(value))

    def shift(a: dt.datetime, delta: dt.timedelta) -> dt.datetime:
        try:
            result = rounder(a + delta)
        except OverflowError:
            raise sql_error(517, t.name) from None
        if not dt.datetime(1753, 1, 1) <= result <= dt.datetime(9999, 12, 31, 23, 59, 59, 997000):
            raise sql_error(517, t.name)
        return result

    def add(a: Any, b: Any) -> dt.datetime:
        if not isinstance(a, dt.datetime):
            a, b = b, a
        return shift(a, offset(b))

    def sub(a: Any, b: Any) -> dt.datetime:
        if not isinstance(a, dt.datetime):
            return shift(BASE_DATE + offset(a), -offset(b))
        return shift(a, -offset(b))

    return {"+": add, "-": sub}


def binary_operation(op: str, a: SqlType, b: SqlType) -> Operation:
    """Bind ``a op b`` for op in + - * / % & | ^; raises 8117, 206 or 402 when the types don't allow it."""
    if op in ("&", "|", "^"):
        return _bitwise(op, a, b)
    fa, fb = FAMILY[a.name], FAMILY[b.name]
    if "boolean" in (fa, fb):
        raise _invalid(BOOLEAN, op)
    if op == "+" and fa == "string" and fb == "string":
        return Operation(operator.concat, arithmetic_type("+", a, b), None, None)
    if op == "+" and fa == "binary" and fb == "binary":
        return Operation(operator.concat, arithmetic_type("+", a, b), None, None)
    for t, f, other in ((a, fa, b), (b, fb, a)):
        if f in _TEMPORAL or t.name in ("datetime2", "datetimeoffset"):
            return _temporal_arithmetic(op, a, b, t, other)
    if (fa == "string" and fb == "string") or "guid" in (fa, fb):
        raise _invalid(a if fa in ("string", "guid") else b, op)
    if "binary" in (fa, fb):
        return _binary_as_integer(op, a, b)
    # A string operand takes the other side's type, so 'bit + string' is 'bit + bit': invalid.
    if (b if fa == "string" else a).name == "bit" and (a if fb == "string" else b).name == "bit":
        raise _invalid(BIT, op)
    high = a if PRECEDENCE[a.name] >= PRECEDENCE[b.name] else b
    result = arithmetic_type(op, a, b)
    family = FAMILY[result.name]
    if family == "int":
        ops = _int_ops(result)
    elif family == "exact":
        ops = _exact_ops(result)
    else:
        ops = _approx_ops(result)
    if op not in ops:
        raise _invalid(high, op)
    return Operation(ops[op], result, _conversion(a, high), _conversion(b, high))


def _binary_as_integer(op: str, a: SqlType, b: SqlType) -> Operation:
    """A binary operand of arithmetic with an integer one is converted to that integer type, as SQL Server converts it
    implicitly (``@@MICROSOFTVERSION / 0x1000000``: the bytes big-endian, the last ones kept); with anything else
    (another binary, bit, a decimal, a float) 402."""
    number = b if FAMILY[a.name] == "binary" else a
    if FAMILY[number.name] != "int" or number.name == "bit":
        raise sql_error(402, a.display(), b.display(), OPERATOR_NAMES[op])
    integer = binary_operation(op, number, number)
    return Operation(integer.fn, integer.type, _conversion(a, number), _conversion(b, number))


def _temporal_arithmetic(op: str, a: SqlType, b: SqlType, temporal: SqlType, other: SqlType) -> Operation:
    if temporal.name in ("datetime", "smalldatetime") and op in ("+", "-"):
        fo = FAMILY[other.name]
        if fo in _NUMERIC or fo == "string" or other.name in ("datetime", "smalldatetime"):
            target = temporal if FAMILY[other.name] != "datetime" or other.name == temporal.name else DATETIME
            left = None if FAMILY[a.name] != "string" else _conversion(a, temporal)
            right = None if FAMILY[b.name] != "string" else _conversion(b, temporal)
            return Operation(_datetime_ops(target)[op], target, left, right)
    if FAMILY[other.name] in _TEMPORAL or other.name in ("datetime2", "datetimeoffset"):
        raise _invalid(temporal, op)
    raise sql_error(206, a.display(), b.display())


def _bitwise(op: str, a: SqlType, b: SqlType) -> Operation:
    fn: Fn2 = {"&": operator.and_, "|": operator.or_, "^": operator.xor}[op]
    if "binary" in (FAMILY[a.name], FAMILY[b.name]):  # one operand may be binary: read as the other's integer
        return _binary_as_integer(op, a, b)
    types = [a if a.is_string is False else INT, b if b.is_string is False else INT]
    if any(FAMILY[t.name] != "int" for t in types):
        raise sql_error(402, a.display(), b.display(), op)
    result = types[0] if PRECEDENCE[types[0].name] >= PRECEDENCE[types[1].name] else types[1]
    if result.name == "bit":
        return Operation(lambda x, y: bool(fn(x, y)), result, _conversion(a, result), _conversion(b, result))
    return Operation(lambda x, y: int(fn(x, y)), result, _conversion(a, result), _conversion(b, result))


def unary_operation(op: str, t: SqlType) -> tuple[Fn1, SqlType]:
    """Bind unary minus ("neg"), plus ("pos") or bitwise not ("~") on a value of type ``t``."""
    family = FAMILY[t.name]
    if op == "pos" and family in _NUMERIC:
        return (lambda v: v), t
    if op == "~":
        if family != "int":
            raise _invalid(t, op)
        if t.name == "bit":
            return (lambda v: not v), t
        if t.name == "tinyint":
            return (lambda v: ~v & 0xFF), t
        return (lambda v: ~v), t
    if family not in _NUMERIC or t.name == "bit":
        raise _invalid(t, "neg")
    if family == "int":
        result = t if t.name in ("int", "bigint") else INT
        sub = _int_ops(result)["-"]
        return (lambda v: sub(0, v)), result
    return operator.neg, t


# --- comparison -----------------------------------------------------------------------------------------

_NATIVE: dict[str, Fn2] = {
    "=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge,
}  # fmt: skip


def _keyed(op: str, key: Fn1) -> Fn2:
    native = _NATIVE[op]
    if op == "=":
        return lambda a, b: a == b or key(a) == key(b)
    if op == "<>":
        return lambda a, b: a != b and key(a) != key(b)
    return lambda a, b: native(key(a), key(b))


def comparison_type(a: SqlType, b: SqlType) -> SqlType:
    """The type both sides of a comparison are brought to (206 when they cannot meet; 305 for xml)."""
    if "xml" in (a.name, b.name):
        raise sql_error(305)
    target = result_type(a, b)
    for side in (a, b):
        if needs_conversion(side, target):
            converter(side, target, explicit=False)
    return target


def comparison(op: str, a: SqlType, b: SqlType, text_key: Callable[[str], Any] | None = None) -> Operation:
    """Bind ``a op b`` for op in = <> < <= > >=; the function returns True/False on non-NULL operands.  Strings
    compare by ``text_key`` (an explicit COLLATE's) or the default collation's key."""
    target = comparison_type(a, b)
    family = FAMILY[target.name]
    if family == "string":
        fn = _keyed(op, text_key or collation_key)
    elif family == "binary":
        fn = _keyed(op, binary_key)
    elif family == "guid":
        fn = _keyed(op, guid_key)
    else:
        fn = _NATIVE[op]
    return Operation(fn, BOOLEAN, _conversion(a, target), _conversion(b, target))
