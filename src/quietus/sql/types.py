"""The SQL value system's public face: types, conversion, operators and the default collation.

Value representation (the contract with the rest of the engine):

| SQL type                               | Python value                                            |
|----------------------------------------|---------------------------------------------------------|
| NULL                                   | None                                                    |
| bit                                    | bool                                                    |
| tinyint, smallint, int, bigint         | int (always inside the type's range)                    |
| decimal(p,s), numeric(p,s)             | decimal.Decimal quantized to s places                   |
| money, smallmoney                      | decimal.Decimal with 4 places                           |
| float, real                            | float (real rounded to single precision)                |
| char, varchar, nchar, nvarchar         | str (char/nchar padded with spaces to their length)     |
| binary, varbinary                      | bytes (binary padded with 0x00)                         |
| date / time                            | datetime.date / datetime.time                           |
| datetime, datetime2, smalldatetime     | datetime.datetime (datetime on 1/300 s ticks)           |
| uniqueidentifier                       | uuid.UUID                                               |
| predicates                             | True / False / None (three-valued logic)                |

The implementation lives in ``types_base`` (types, precedence, result types), ``types_convert`` (CAST,
CONVERT, implicit conversion, column fit), ``types_datetime`` (rounding, parsing, styles), ``types_ops``
(arithmetic and comparison) and ``collation``; import from here.
"""

from __future__ import annotations

from quietus.sql.collation import (
    NULL_KEY,
    collation_key,
    compare,
    like,
    like_matcher,
    sort_key,
)
from quietus.sql.types_base import (
    BIGINT,
    BINARY,
    BIT,
    BOOLEAN,
    CHAR,
    DATE,
    DATETIME,
    DATETIME2,
    DECIMAL,
    FLOAT,
    INT,
    MONEY,
    NCHAR,
    NUMERIC,
    NVARCHAR,
    PRECEDENCE,
    PRECEDENCE_ORDER,
    REAL,
    SMALLDATETIME,
    SMALLINT,
    SMALLMONEY,
    TIME,
    TINYINT,
    UNIQUEIDENTIFIER,
    VARBINARY,
    VARCHAR,
    SqlType,
    arithmetic_type,
    datetime2,
    decimal_result,
    parse_type_name,
    result_type,
    time,
    type_from_sqlglot,
    type_of_value,
)
from quietus.sql.types_convert import (
    check_fits,
    coerce_for_column,
    convert,
    converter,
    try_convert,
)
from quietus.sql.types_ops import Operation, binary_operation, comparison, unary_operation

__all__ = [
    "BIGINT", "BINARY", "BIT", "BOOLEAN", "CHAR", "DATE", "DATETIME", "DATETIME2", "DECIMAL", "FLOAT", "INT",
    "MONEY", "NCHAR", "NULL_KEY", "NUMERIC", "NVARCHAR", "PRECEDENCE", "PRECEDENCE_ORDER", "REAL",
    "SMALLDATETIME", "SMALLINT", "SMALLMONEY", "TIME", "TINYINT", "UNIQUEIDENTIFIER", "VARBINARY", "VARCHAR",
    "Operation", "SqlType", "arithmetic_type", "binary_operation", "check_fits", "coerce_for_column",
    "collation_key", "compare", "comparison", "convert", "converter", "datetime2", "decimal_result", "like",
    "like_matcher", "parse_type_name", "result_type", "sort_key", "time", "try_convert", "type_from_sqlglot",
    "type_of_value", "unary_operation",
]  # fmt: skip
