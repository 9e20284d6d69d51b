"""Oracle's arithmetic where it differs from SQL Server's: division of integers, and dates.

| expression                 | Oracle                                   | SQL Server (the shared compiler)   |
|----------------------------|------------------------------------------|------------------------------------|
| ``5 / 2``                  | 2.5 (NUMBER division)                    | 2 (integer division)               |
| ``date + n``, ``date - n`` | n days later/earlier (fractions: hours…) | error 206 for datetime2            |
| ``date - date``            | the days between, as a NUMBER            | error 8117                         |

The normaliser rewrites ``+``, ``-`` and ``/`` into the subclasses below (the planner and sqlglot still see an
``exp.Add``...); their compilers, registered in the shared table, handle these cases and hand every other
case to the shared ``arithmetic``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from sqlglot import exp

from quietus.sql.expressions import (
    CompiledExpr,
    Scope,
    arithmetic,
    binary,
    compile_expression,
    register_compiler,
)
from quietus.sql.oracle.compare import converted
from quietus.sql.oracle.functions import NUMBER
from quietus.sql.types_base import DECIMAL, SqlType


class OracleAdd(exp.Add, exp.Func):
    pass


class OracleSub(exp.Sub, exp.Func):
    pass


class OracleDiv(exp.Div, exp.Func):
    pass


ARITHMETIC: dict[type[exp.Expr], type[exp.Expr]] = {exp.Add: OracleAdd, exp.Sub: OracleSub, exp.Div: OracleDiv}

_TEMPORAL = frozenset({"datetime", "date"})
_NUMBERS = frozenset({"int", "exact", "approx"})
_INTEGER_DECIMALS = {"bit": 1, "tinyint": 3, "smallint": 5, "int": 10, "bigint": 19}


def _days(value: Any) -> datetime.timedelta:
    return datetime.timedelta(days=float(value))


def _as_datetime(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime(value.year, value.month, value.day)


def _shift(sign: int, result: SqlType) -> Any:
    whole_seconds = result.scale == 0

    def shift(moment: Any, days: Any) -> datetime.datetime:
        shifted = _as_datetime(moment) + sign * _days(days)
        return shifted.replace(microsecond=0) if whole_seconds else shifted

    return shift


def _between(a: Any, b: Any) -> Decimal:
    seconds = (_as_datetime(a) - _as_datetime(b)).total_seconds()
    return (Decimal(repr(seconds)) / Decimal(86400)).quantize(Decimal(1).scaleb(-10))


def _date_type(t: SqlType) -> SqlType:
    return t if t.name != "date" else SqlType("datetime2", scale=0)


def _add(node: exp.Add, scope: Scope) -> CompiledExpr:
    left = compile_expression(node.this, scope)
    right = compile_expression(node.expression, scope)
    if left.type.family in _TEMPORAL and right.type.family in _NUMBERS:
        t = _date_type(left.type)
        return binary(_shift(1, t), left, right, t)
    if right.type.family in _TEMPORAL and left.type.family in _NUMBERS:
        t = _date_type(right.type)
        shift = _shift(1, t)
        return binary(lambda days, moment: shift(moment, days), left, right, t)
    return arithmetic("+", left, right, node)


def _sub(node: exp.Sub, scope: Scope) -> CompiledExpr:
    left = compile_expression(node.this, scope)
    right = compile_expression(node.expression, scope)
    if left.type.family in _TEMPORAL and right.type.family in _NUMBERS:
        t = _date_type(left.type)
        return binary(_shift(-1, t), left, right, t)
    if left.type.family in _TEMPORAL and right.type.family in _TEMPORAL:
        return binary(_between, left, right, NUMBER)
    return arithmetic("-", left, right, node)


def _as_decimal(compiled: CompiledExpr) -> CompiledExpr:
    """An integer operand as the decimal it is in Oracle (so that 5 / 2 is 2.5)."""
    digits = _INTEGER_DECIMALS.get(compiled.type.name)
    return compiled if digits is None else converted(compiled, Decimal, DECIMAL(digits, 0))


def _div(node: exp.Div, scope: Scope) -> CompiledExpr:
    left = compile_expression(node.this, scope)
    right = compile_expression(node.expression, scope)
    if left.type.family == "int" and right.type.family == "int":
        left, right = _as_decimal(left), _as_decimal(right)
    return arithmetic("/", left, right, node)


register_compiler(OracleAdd, _add)
register_compiler(OracleSub, _sub)
register_compiler(OracleDiv, _div)
