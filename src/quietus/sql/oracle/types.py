"""Oracle's data types as the engine's (the table ``TYPES``; the design note lists it).

sqlglot's Oracle dialect reads NUMBER as BIGDECIMAL (``dialect.py``), VARCHAR2 as VARCHAR, CLOB as TEXT, BLOB as
VARBINARY and RAW/NCLOB as user-defined names; each becomes a T-SQL ``DataType`` that ``types_base.type_from_sqlglot``
and the shared DDL take.  A type without an entry is ORA-00902 "invalid datatype".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from quietus.sql.oracle.errors import ora


def _params(node: exp.DataType) -> list[int]:
    values: list[int] = []
    for param in node.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        if not isinstance(value, exp.Literal) or value.is_string:
            raise ora("ORA-00902")
        if not str(value.this).isdigit():
            raise ora("ORA-02017")
        values.append(int(value.this))
    return values


def _build(text: str) -> exp.DataType:
    return exp.DataType.build(text, dialect="tsql")


def _number(params: list[int], default_scale: int) -> exp.DataType:
    if not params:
        return _build(f"decimal(38, {default_scale})")
    precision, scale = params[0], params[1] if len(params) > 1 else 0
    if not 1 <= precision <= 38 or not 0 <= scale <= precision:
        raise ora("ORA-00902")
    return _build(f"decimal({precision}, {scale})")


def _sized(name: str, default: int | None) -> Callable[[list[int]], exp.DataType]:
    def build(params: list[int]) -> exp.DataType:
        if not params and default is None:
            raise ora("ORA-00902")
        return _build(f"{name}({params[0] if params else default})")

    return build


T = exp.DataType.Type

# sqlglot's type (as its Oracle dialect reads Oracle's names) → the engine type, given the parameters.
TYPES: dict[Any, Callable[[list[int]], exp.DataType]] = {
    T.BIGDECIMAL: lambda p: _number(p, 10),  # NUMBER (dialect.py)
    T.DECIMAL: lambda p: _number(p, 0),
    T.INT: lambda p: _number([], 0),
    T.SMALLINT: lambda p: _number([], 0),
    T.FLOAT: lambda p: _build("float"),
    T.DOUBLE: lambda p: _build("float"),
    T.VARCHAR: _sized("varchar", None),
    T.NVARCHAR: _sized("nvarchar", None),
    T.CHAR: _sized("char", 1),
    T.NCHAR: _sized("nchar", 1),
    T.DATE: lambda p: _build("datetime2(0)"),
    # TIMESTAMP(8) and (9) are held to 100 ns, as TIMESTAMP(7): digits past the seventh round half up
    T.TIMESTAMP: lambda p: _build(f"datetime2({min(p[0], 7) if p else 6})"),
    T.TEXT: lambda p: _build("varchar(max)"),
    T.VARBINARY: lambda p: _build("varbinary(max)"),
    "NCLOB": lambda p: _build("nvarchar(max)"),
    "RAW": _sized("varbinary", None),
}


def engine_type(node: exp.DataType) -> exp.Expr:
    """The engine's type for an Oracle type (``TYPES``); ORA-00902 for the others."""
    kind: Any = node.this
    if kind == T.USERDEFINED:
        kind = str(node.args.get("kind") or "").upper()
    build = TYPES.get(kind)
    if build is None:
        raise ora("ORA-00902")
    return build(_params(node))
