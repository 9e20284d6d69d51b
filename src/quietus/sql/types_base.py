"""SQL Server data types as values: names, parameters, defaults, precedence and result-type rules.

Invariants:
  1. A ``SqlType`` is immutable and hashable; two types are equal iff name and parameters are equal.
  2. ``length`` is characters for char types and bytes for binary types; ``None`` on a var type means MAX.
  3. ``numeric`` and ``decimal`` behave identically (the name is kept only for display).
  4. Every result-type rule caps decimal precision at 38, as SQL Server does.
  5. ``BOOLEAN`` is the engine's own type for predicates; no column or variable can have it.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sqlglot import exp

from quietus.errors import sql_error
from quietus.sql import utf16

MAX_PRECISION: Final = 38
MAX_CHAR: Final = 8000  # bytes in a non-MAX varchar/varbinary
MAX_NCHAR: Final = 4000  # characters in a non-MAX nvarchar


@dataclass(frozen=True, slots=True)
class SqlType:
    name: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None

    def __hash__(self) -> int:  # written out: the generated one is Python, and a plan's key hashes its types
        return hash((self.name, self.length, self.precision, self.scale))

    def display(self) -> str:
        """The name SQL Server prints in messages ("int", "varchar", "decimal")."""
        return self.name

    def sql(self) -> str:
        """The full declaration, e.g. ``varchar(10)``, ``nvarchar(max)``, ``decimal(18,2)``."""
        if self.name in _LENGTH_TYPES:
            return f"{self.name}({'max' if self.length is None else self.length})"
        if self.name in ("decimal", "numeric"):
            return f"{self.name}({self.precision},{self.scale})"
        if self.name in SCALED_TEMPORAL and self.scale != 7:
            return f"{self.name}({self.scale})"
        return self.name

    @property
    def family(self) -> str:
        """The conversion/representation family (see ``FAMILY``)."""
        return FAMILY[self.name]

    @property
    def is_string(self) -> bool:
        return self.name in _STRING_TYPES

    @property
    def is_unicode(self) -> bool:
        return self.name in ("nchar", "nvarchar")

    @property
    def is_binary(self) -> bool:
        return self.name in ("binary", "varbinary")

    @property
    def is_numeric(self) -> bool:
        return FAMILY[self.name] in ("int", "exact", "approx")

    @property
    def is_max(self) -> bool:
        return self.name in _VAR_TYPES and self.length is None


# Representation families: values of one family share a Python type.
FAMILY: dict[str, str] = {
    "bit": "int", "tinyint": "int", "smallint": "int", "int": "int", "bigint": "int",
    "decimal": "exact", "numeric": "exact", "money": "exact", "smallmoney": "exact",
    "float": "approx", "real": "approx",
    "char": "string", "varchar": "string", "nchar": "string", "nvarchar": "string",
    "binary": "binary", "varbinary": "binary",
    "date": "date", "time": "time",
    "datetime": "datetime", "smalldatetime": "datetime", "datetime2": "datetime",
    "datetimeoffset": "datetimeoffset",  # its own: values carry an offset and never meet naive ones unconverted
    "uniqueidentifier": "guid",
    "xml": "xml",  # its own: text that is well-formed XML content, never compared or sorted (305)
    "boolean": "boolean",
}  # fmt: skip

_STRING_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar"})
# Date/time types declared with a fractional-seconds scale (0..7, default 7).
SCALED_TEMPORAL = frozenset({"datetime2", "time", "datetimeoffset"})
_VAR_TYPES = frozenset({"varchar", "nvarchar", "varbinary"})
_LENGTH_TYPES = frozenset({"char", "varchar", "nchar", "nvarchar", "binary", "varbinary"})

# Integer ranges, inclusive.
INT_RANGE: Final[dict[str, tuple[int, int]]] = {
    "bit": (0, 1),
    "tinyint": (0, 255),
    "smallint": (-(2**15), 2**15 - 1),
    "int": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
}

# Exact-numeric stand-ins used by the decimal result-type formulas.
_AS_DECIMAL: dict[str, tuple[int, int]] = {
    "bit": (1, 0), "tinyint": (3, 0), "smallint": (5, 0), "int": (10, 0), "bigint": (19, 0),
    "money": (19, 4), "smallmoney": (10, 4),
}  # fmt: skip

# SQL Server's documented data type precedence, highest first (types Quietus does not store are kept so
# the table reads like the documentation).
PRECEDENCE_ORDER: tuple[str, ...] = (
    "sql_variant", "xml", "datetimeoffset", "datetime2", "datetime", "smalldatetime", "date", "time",
    "float", "real", "decimal", "money", "smallmoney", "bigint", "int", "smallint", "tinyint", "bit",
    "ntext", "text", "image", "timestamp", "uniqueidentifier", "nvarchar", "nchar", "varchar", "char",
    "varbinary", "binary",
)  # fmt: skip
PRECEDENCE: dict[str, int] = {name: len(PRECEDENCE_ORDER) - i for i, name in enumerate(PRECEDENCE_ORDER)}
PRECEDENCE["numeric"] = PRECEDENCE["decimal"]
PRECEDENCE["boolean"] = 0


def precedence(t: SqlType) -> int:
    return PRECEDENCE[t.name]


# --- constants and constructors -------------------------------------------------------------------------

BIT: Final = SqlType("bit")
TINYINT = SqlType("tinyint")
SMALLINT = SqlType("smallint")
INT: Final = SqlType("int")
BIGINT: Final = SqlType("bigint")
FLOAT: Final = SqlType("float", precision=53)
REAL = SqlType("real", precision=24)
MONEY = SqlType("money", precision=19, scale=4)
SMALLMONEY = SqlType("smallmoney", precision=10, scale=4)
DATE: Final = SqlType("date")
DATETIME = SqlType("datetime")
SMALLDATETIME = SqlType("smalldatetime")
DATETIME2: Final = SqlType("datetime2", scale=7)
TIME: Final = SqlType("time", scale=7)
UNIQUEIDENTIFIER: Final = SqlType("uniqueidentifier")
XML = SqlType("xml")
BOOLEAN = SqlType("boolean")

# The constructors below are spelled like the SQL types they build (VARCHAR(10), DECIMAL(10, 2)).


def DECIMAL(precision: int = 18, scale: int = 0) -> SqlType:
    return SqlType("decimal", precision=precision, scale=scale)


def NUMERIC(precision: int = 18, scale: int = 0) -> SqlType:
    return SqlType("numeric", precision=precision, scale=scale)


def CHAR(length: int = 1) -> SqlType:
    return SqlType("char", length=length)


def VARCHAR(length: int | None = 1) -> SqlType:
    return SqlType("varchar", length=length)


def NCHAR(length: int = 1) -> SqlType:
    return SqlType("nchar", length=length)


def NVARCHAR(length: int | None = 1) -> SqlType:
    return SqlType("nvarchar", length=length)


def BINARY(length: int = 1) -> SqlType:
    return SqlType("binary", length=length)


def VARBINARY(length: int | None = 1) -> SqlType:
    return SqlType("varbinary", length=length)


def datetime2(scale: int = 7) -> SqlType:
    return SqlType("datetime2", scale=scale)


def datetimeoffset(scale: int = 7) -> SqlType:
    return SqlType("datetimeoffset", scale=scale)


def time(scale: int = 7) -> SqlType:
    return SqlType("time", scale=scale)


# --- parsing type names ---------------------------------------------------------------------------------

# Spellings accepted in declarations, mapped to the canonical name.
_ALIASES: dict[str, str] = {
    "integer": "int", "dec": "decimal", "double precision": "float", "character": "char",
    "character varying": "varchar", "char varying": "varchar", "national character": "nchar",
    "national char": "nchar", "national character varying": "nvarchar", "national char varying": "nvarchar",
    "binary varying": "varbinary", "rowversion": "binary", "timestamp": "binary", "text": "varchar",
    "ntext": "nvarchar", "image": "varbinary", "sysname": "nvarchar",
}  # fmt: skip

# sqlglot's names for the types T-SQL can spell.
_SQLGLOT_NAMES: dict[str, str] = {
    "BIT": "bit", "UTINYINT": "tinyint", "TINYINT": "tinyint", "SMALLINT": "smallint", "INT": "int",
    "BIGINT": "bigint", "DECIMAL": "decimal", "FLOAT": "float", "DOUBLE": "float", "REAL": "real",
    "MONEY": "money", "SMALLMONEY": "smallmoney", "CHAR": "char", "VARCHAR": "varchar", "NCHAR": "nchar",
    "NVARCHAR": "nvarchar", "TEXT": "varchar", "DATE": "date", "DATETIME": "datetime",
    "DATETIME2": "datetime2", "SMALLDATETIME": "smalldatetime", "TIME": "time",
    "TIMESTAMPTZ": "datetimeoffset", "DATETIMEOFFSET": "datetimeoffset",
    "XML": "xml", "UUID": "uniqueidentifier", "BINARY": "binary", "VARBINARY": "varbinary", "IMAGE": "varbinary",
    "ROWVERSION": "binary", "TIMESTAMP": "binary",
}  # fmt: skip


def make_type(name: str, params: list[int | None], *, in_cast: bool = False, sysname: bool = False) -> SqlType:
    """Build a type from its canonical ``name`` and declared parameters, filling SQL Server's defaults.

    ``None`` in ``params`` stands for MAX. ``in_cast`` selects the CAST/CONVERT default length (30) for
    char types instead of the declaration default (1).
    """
    if sysname:
        return NVARCHAR(128)
    first = params[0] if params else -1
    if name in _LENGTH_TYPES:
        if first == -1:
            return SqlType(name, length=30 if in_cast else 1)
        if first is None and name not in _VAR_TYPES:
            raise sql_error(102, "max")
        return SqlType(name, length=first)
    if name in ("decimal", "numeric"):
        precision = 18 if first in (-1, None) else first
        scale = params[1] if len(params) > 1 and params[1] is not None else 0
        return SqlType(name, precision=precision, scale=scale)
    if name == "float":
        # float(1..24) is real; float(25..53) is float(53).
        return REAL if first not in (-1, None) and first <= 24 else FLOAT
    if name in SCALED_TEMPORAL:
        return SqlType(name, scale=7 if first in (-1, None) else first)
    try:
        return _FIXED[name]
    except KeyError:
        raise sql_error(243, name) from None


_FIXED: dict[str, SqlType] = {
    t.name: t
    for t in (BIT, TINYINT, SMALLINT, INT, BIGINT, FLOAT, REAL, MONEY, SMALLMONEY, DATE, DATETIME,
              SMALLDATETIME, UNIQUEIDENTIFIER, XML)
}  # fmt: skip

_TYPE_TEXT = re.compile(r"^\s*([a-z][a-z0-9_ ]*?)\s*(?:\(\s*([^)]*)\))?\s*$", re.IGNORECASE)


def parse_type_name(text: str, *, in_cast: bool = False) -> SqlType:
    """Parse a T-SQL type spelling such as ``nvarchar(max)``, ``DECIMAL(10, 2)`` or ``int``."""
    match = _TYPE_TEXT.match(text)
    if match is None:
        raise sql_error(102, text[:30])
    raw = " ".join(match.group(1).lower().split())
    name = _ALIASES.get(raw, raw)
    params: list[int | None] = []
    if match.group(2):
        for part in match.group(2).split(","):
            word = part.strip().lower()
            params.append(None if word == "max" else int(word))
    elif raw in ("text", "ntext", "image"):
        params = [None]
    elif raw in ("rowversion", "timestamp"):
        params = [8]
    return make_type(name, params, in_cast=in_cast, sysname=raw == "sysname")


def is_sysname(dt: exp.Expr) -> bool:
    """Whether a declared type is ``sysname`` (NOT NULL by default in a column)."""
    return (
        isinstance(dt, exp.DataType)
        and dt.this == exp.DType.USERDEFINED
        and str(dt.args.get("kind")).casefold() == "sysname"
    )


NUMERIC_DIGITS = 38  # the most digits a number may have in T-SQL (DECIMAL's precision)


def whole_number(digits: str) -> int:
    """An unsigned integer literal's ``digits`` as an int; 1007 (out of the range for numeric representation)
    beyond 38 significant digits, checked first: Python refuses to parse more than 4,300."""
    if len(digits.lstrip("0")) > NUMERIC_DIGITS:
        raise sql_error(1007, digits)
    return int(digits)


def type_from_sqlglot(dt: exp.DataType, *, in_cast: bool = False) -> SqlType:
    """Translate a sqlglot ``DataType`` node (T-SQL dialect) into a ``SqlType``."""
    kind = dt.this
    kind_name = kind.name if isinstance(kind, exp.DataType.Type) else str(kind)
    if kind_name == "USERDEFINED":
        return parse_type_name(dt.sql("tsql"), in_cast=in_cast)
    name = _SQLGLOT_NAMES.get(kind_name)
    if name is None:  # in T-SQL's spelling (sqlglot says TIMESTAMPTZ for datetimeoffset)
        raise sql_error(243, dt.sql("tsql").split("(")[0].lower() or kind_name.lower())
    params: list[int | None] = []
    for param in dt.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        params.append(None if value.name.lower() == "max" else whole_number(value.name))
    if kind_name in ("TEXT", "IMAGE") and not params:
        params = [None]
    if kind_name in ("ROWVERSION", "TIMESTAMP"):
        params = [8]
    return make_type(name, params, in_cast=in_cast)


# --- result types -----------------------------------------------------------------------------------------


def _as_decimal(t: SqlType) -> tuple[int, int]:
    if t.name in ("decimal", "numeric"):
        assert t.precision is not None and t.scale is not None
        return t.precision, t.scale
    return _AS_DECIMAL[t.name]


def reduce_decimal(precision: int, scale: int) -> SqlType:
    """Cap a computed decimal type at precision 38, shrinking the scale as SQL Server documents.

    The integral part is kept whole; the scale keeps at least min(scale, 6) digits.
    """
    if precision <= MAX_PRECISION:
        return DECIMAL(max(precision, 1), scale)
    integral = precision - scale
    new_scale = min(scale, max(min(scale, 6), MAX_PRECISION - integral))
    return DECIMAL(MAX_PRECISION, new_scale)


def decimal_result(op: str, a: SqlType, b: SqlType) -> SqlType:
    """The documented precision/scale formulas for ``op`` in + - * / % and "union" (CASE, UNION, IN)."""
    p1, s1 = _as_decimal(a)
    p2, s2 = _as_decimal(b)
    if op in ("+", "-"):
        scale = max(s1, s2)
        return reduce_decimal(max(p1 - s1, p2 - s2) + scale + 1, scale)
    if op == "*":
        return reduce_decimal(p1 + p2 + 1, s1 + s2)
    if op == "/":
        scale = max(6, s1 + p2 + 1)
        return reduce_decimal(p1 - s1 + s2 + scale, scale)
    if op == "%":
        scale = max(s1, s2)
        return reduce_decimal(min(p1 - s1, p2 - s2) + scale, scale)
    scale = max(s1, s2)
    return reduce_decimal(max(p1 - s1, p2 - s2) + scale, scale)


def _add_lengths(a: int | None, b: int | None, cap: int) -> int | None:
    if a is None or b is None:
        return None
    return min(a + b, cap)


def _max_length(a: int | None, b: int | None) -> int | None:
    if a is None or b is None:
        return None
    return max(a, b)


def _char_length(t: SqlType) -> int | None:
    """Length of ``t`` seen as a character string (for mixing with non-string types)."""
    if t.is_string or t.is_binary:
        return t.length
    return 30


def result_type(a: SqlType, b: SqlType) -> SqlType:
    """The type two values are compared or unified as (comparison, CASE, UNION, IN, COALESCE).

    The higher-precedence type wins; decimals widen to hold both; strings take the longer length.
    """
    if a == b:
        return a
    high, low = (a, b) if PRECEDENCE[a.name] >= PRECEDENCE[b.name] else (b, a)
    family = FAMILY[high.name]
    if family == "exact" and high.name in ("decimal", "numeric"):
        if FAMILY[low.name] in ("int", "exact"):
            return decimal_result("union", high, low)
        return high
    if family == "string":
        length = _max_length(_char_length(high), _char_length(low))
        if length is not None and length > (MAX_NCHAR if high.is_unicode else MAX_CHAR):
            length = None  # varchar(8000) unified with nvarchar: no nvarchar(8000) exists, the values need MAX
        if length is None and high.name in ("char", "nchar"):  # nor is there an nchar(max): the varying type's
            return SqlType("nvarchar" if high.is_unicode else "varchar", length=None)
        return SqlType(high.name, length=length)
    if family == "binary":
        return SqlType(high.name, length=_max_length(high.length, _char_length(low)))
    if high.name in SCALED_TEMPORAL and low.name == high.name:
        return SqlType(high.name, scale=max(high.scale or 0, low.scale or 0))
    return high


def arithmetic_type(op: str, a: SqlType, b: SqlType) -> SqlType:
    """Result type of ``a op b`` for op in + - * / % (the caller has checked the operator is valid).

    tinyint/smallint/bit arithmetic is carried out in int, as SQL Server does.
    """
    if op == "+" and a.is_string and b.is_string:
        high = a if PRECEDENCE[a.name] >= PRECEDENCE[b.name] else b
        cap = MAX_NCHAR if high.is_unicode else MAX_CHAR
        name = "nvarchar" if high.is_unicode else "varchar"
        if a.name in ("char", "nchar") and b.name in ("char", "nchar"):
            name = high.name
        return SqlType(name, length=_add_lengths(a.length, b.length, cap))
    if op == "+" and a.is_binary and b.is_binary:
        return VARBINARY(_add_lengths(a.length, b.length, MAX_CHAR))
    high, low = (a, b) if PRECEDENCE[a.name] >= PRECEDENCE[b.name] else (b, a)
    family = FAMILY[high.name]
    if family == "int":
        return BIGINT if high.name == "bigint" else INT
    if high.name in ("decimal", "numeric"):
        if low.is_string:
            return high
        return decimal_result(op, a, b)  # operand order matters for / and %
    if family == "exact":  # money / smallmoney (with an integer or lower money type)
        return MONEY if high.name == "money" or op in ("*", "/") else high
    return high


def type_of_value(value: object) -> SqlType:
    """The type a bare Python value is taken to have (for values that arrive without a declared type)."""
    if value is None:
        return INT
    if isinstance(value, bool):
        return BIT
    if isinstance(value, int):
        return INT if INT_RANGE["int"][0] <= value <= INT_RANGE["int"][1] else BIGINT
    if isinstance(value, Decimal):
        _, digits, exponent = value.as_tuple()
        scale = max(-int(exponent), 0)
        precision = min(max(len(digits) + max(int(exponent), 0), scale, 1), MAX_PRECISION)
        return DECIMAL(precision, min(scale, precision))
    if isinstance(value, float):
        return FLOAT
    if isinstance(value, str):
        size = utf16.units(value)
        return NVARCHAR(max(size, 1)) if size <= MAX_NCHAR else NVARCHAR(None)
    if isinstance(value, bytes | bytearray):
        return VARBINARY(max(len(value), 1)) if len(value) <= MAX_CHAR else VARBINARY(None)
    if isinstance(value, dt.datetime):
        return DATETIME2 if value.tzinfo is None else datetimeoffset(7)
    if isinstance(value, dt.date):
        return DATE
    if isinstance(value, dt.time):
        return TIME
    if isinstance(value, uuid.UUID):
        return UNIQUEIDENTIFIER
    raise TypeError(f"no SQL type for {type(value).__name__}")
