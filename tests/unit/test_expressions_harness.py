"""A tiny Scope/EvalContext peer for compiling and evaluating expressions in tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from quietus.errors import SqlError, sql_error
from quietus.sql.expressions import CompiledExpr, compile_expression, compile_predicate
from quietus.sql.types import DATE, DATETIME, DECIMAL, INT, NVARCHAR, VARCHAR, SqlType

COLUMNS: list[tuple[str, SqlType]] = [
    ("a", INT),
    ("s", VARCHAR(10)),
    ("d", DATETIME),
    ("n", NVARCHAR(20)),
    ("m", DECIMAL(10, 2)),
    ("z", INT),  # always NULL
    ("day", DATE),
]
ROW: tuple[Any, ...] = (
    5,
    "jward",
    dt.datetime(2020, 1, 2, 3, 4, 5),
    "Ab",
    Decimal("12.34"),
    None,
    dt.date(2024, 2, 29),
)
NOW = dt.datetime(2024, 2, 29, 13, 45, 10, 123456)


class FakeScope:
    def __init__(self, columns: list[tuple[str, SqlType]] | None = None, subqueries: dict[str, Any] | None = None):
        self.columns = COLUMNS if columns is None else columns
        self.subqueries = subqueries or {}
        self.variables = {"@x": INT, "@name": NVARCHAR(30)}

    def resolve_column(self, parts: tuple[str, ...]) -> tuple[int, SqlType]:
        for slot, (name, t) in enumerate(self.columns):
            if name.lower() == parts[-1].lower():
                return slot, t
        raise sql_error(207, parts[-1])

    def variable_type(self, name: str) -> SqlType:
        try:
            return self.variables[name.lower()]
        except KeyError:
            raise sql_error(137, name) from None

    def compile_subquery(self, node: exp.Expr, mode: str) -> CompiledExpr:
        values, t = self.subqueries[mode]
        if mode == "exists":
            return CompiledExpr(lambda row, ctx: bool(values), t)
        if mode == "in":
            return CompiledExpr(lambda row, ctx: list(values), t)

        def scalar(row: Any, ctx: Any) -> Any:
            if len(values) > 1:
                raise sql_error(512)
            return values[0] if values else None

        return CompiledExpr(scalar, t)


class FakeContext:
    now = NOW

    def __init__(self, **options: bool) -> None:
        self.variables: dict[str, Any] = {"@x": 42, "@name": "Ann"}
        self.system = {"@@SPID": 55, "@@TRANCOUNT": 0, "SCOPE_IDENTITY": 7, "ERROR_NUMBER": None, "@@DATEFIRST": 7}
        self.options = {"ANSI_NULLS": True, "CONCAT_NULL_YIELDS_NULL": True, **options}

    def get_variable(self, name: str) -> Any:
        return self.variables[name.lower()]

    def system_value(self, name: str) -> Any:
        return self.system[name]

    def check_interrupt(self) -> None:
        return None

    def session_option(self, name: str) -> bool:
        return self.options[name]


def parse(text: str) -> exp.Expr:
    """The expression of ``SELECT <text>``, or the condition of ``SELECT 1 WHERE <text>`` for '?text'."""
    if text.startswith("?"):
        where = sqlglot.parse_one("SELECT 1 WHERE " + text[1:], read="tsql").args["where"]
        node: exp.Expr = where.this
        return node
    select = sqlglot.parse_one("SELECT " + text, read="tsql")
    first: exp.Expr = select.expressions[0]
    return first


def compile_text(text: str, scope: FakeScope | None = None) -> CompiledExpr:
    node = parse(text)
    if text.startswith("?"):
        return compile_predicate(node, scope or FakeScope())
    return compile_expression(node, scope or FakeScope())


def evaluate(text: str, row: tuple[Any, ...] = ROW, scope: FakeScope | None = None) -> Any:
    compiled = compile_text(text, scope)
    return compiled.fn(row, FakeContext())


def error_number(text: str, row: tuple[Any, ...] = ROW, scope: FakeScope | None = None) -> int:
    with pytest.raises(SqlError) as caught:
        evaluate(text, row, scope)
    return caught.value.number
