"""``sp_datatype_info_100 [@data_type [, @ODBCVer]]``: the type catalogue behind ODBC's SQLGetTypeInfo.

FreeTDS ODBC answers SQLGetTypeInfo by calling it, and pyodbc asks at connect for SQL_VARCHAR (12), SQL_WVARCHAR
(-9), SQL_VARBINARY (-3) and SQL_TYPE_TIMESTAMP (93).  From the COLUMN_SIZE (``PRECISION``) of the first 93 row
pyodbc decides how many fractional digits a ``datetime`` parameter keeps: with no row it keeps none, so every
datetime a FreeTDS-based pyodbc application sent lost its fraction without a word.  datetime2 comes first among the
93 rows (27 digits, scale 7) so that pyodbc sends whole microseconds; the column then rounds as its type says.

One row per type, in ODBC's order (DATA_TYPE, then the closest mapping first); the columns are SQL Server's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.procedures import SUCCESS, bind_arguments, emit
from quietus.errors import sql_error
from quietus.sql.context import ExecContext

SP_DATATYPE_INFO = columns("""
TYPE_NAME sysname
DATA_TYPE smallint
PRECISION int
LITERAL_PREFIX varchar(32)
LITERAL_SUFFIX varchar(32)
CREATE_PARAMS varchar(32)
NULLABLE smallint
CASE_SENSITIVE smallint
SEARCHABLE smallint
UNSIGNED_ATTRIBUTE smallint
MONEY smallint
AUTO_INCREMENT smallint
LOCAL_TYPE_NAME sysname
MINIMUM_SCALE smallint
MAXIMUM_SCALE smallint
SQL_DATA_TYPE smallint
SQL_DATETIME_SUB smallint
NUM_PREC_RADIX int
INTERVAL_PRECISION smallint
USERTYPE smallint
""")

Q = "'"
# name, DATA_TYPE, PRECISION, prefix, suffix, create params, case sensitive, searchable, unsigned, money,
# min scale, max scale, SQL_DATA_TYPE, SQL_DATETIME_SUB, radix, usertype
# fmt: off
TYPES: list[tuple[Any, ...]] = [
    ("nvarchar",         -9, 4000, "N'", Q, "max length",      0, 3, None, 0, None, None, -9, None, None, 0),
    ("nchar",            -8, 4000, "N'", Q, "length",          0, 3, None, 0, None, None, -8, None, None, 0),
    ("bit",              -7, 1, None, None, None,              0, 2, None, 0, 0, 0, -7, None, None, 16),
    ("tinyint",          -6, 3, None, None, None,              0, 2, 1, 0, 0, 0, -6, None, 10, 5),
    ("bigint",           -5, 19, None, None, None,             0, 2, 0, 0, 0, 0, -5, None, 10, 0),
    ("varbinary",        -3, 8000, "0x", None, "max length",   0, 2, None, 0, None, None, -3, None, None, 4),
    ("binary",           -2, 8000, "0x", None, "length",       0, 2, None, 0, None, None, -2, None, None, 3),
    ("char",              1, 8000, Q, Q, "length",             0, 3, None, 0, None, None, 1, None, None, 1),
    ("numeric",           2, 38, None, None, "precision,scale", 0, 2, 0, 0, 0, 38, 2, None, 10, 10),
    ("decimal",           3, 38, None, None, "precision,scale", 0, 2, 0, 0, 0, 38, 3, None, 10, 24),
    ("money",             3, 19, "$", None, None,              0, 2, 0, 1, 4, 4, 3, None, 10, 11),
    ("smallmoney",        3, 10, "$", None, None,              0, 2, 0, 1, 4, 4, 3, None, 10, 21),
    ("int",               4, 10, None, None, None,             0, 2, 0, 0, 0, 0, 4, None, 10, 7),
    ("smallint",          5, 5, None, None, None,              0, 2, 0, 0, 0, 0, 5, None, 10, 6),
    ("float",             6, 53, None, None, None,             0, 2, 0, 0, None, None, 6, None, 2, 8),
    ("real",              7, 24, None, None, None,             0, 2, 0, 0, None, None, 7, None, 2, 23),
    ("varchar",          12, 8000, Q, Q, "max length",         0, 3, None, 0, None, None, 12, None, None, 2),
    ("date",             91, 10, Q, Q, None,                   0, 2, None, 0, None, None, 9, 1, None, 0),
    ("time",             92, 16, Q, Q, "scale",                0, 2, None, 0, 0, 7, 9, 2, None, 0),
    ("datetime2",        93, 27, Q, Q, "scale",                0, 2, None, 0, 0, 7, 9, 3, None, 0),
    ("datetime",         93, 23, Q, Q, None,                   0, 2, None, 0, 3, 3, 9, 3, None, 12),
    ("smalldatetime",    93, 16, Q, Q, None,                   0, 2, None, 0, 0, 0, 9, 3, None, 22),
    ("uniqueidentifier", -11, 36, Q, Q, None,                  0, 2, None, 0, None, None, -11, None, None, 0),
]
# fmt: on
# ODBC 2 spells the date/time types 9, 10, 11
ODBC2_DATA_TYPES = {91: 9, 92: 10, 93: 11}


def _row(entry: tuple[Any, ...], odbc2: bool) -> tuple[Any, ...]:
    name, data_type, precision, prefix, suffix, create, case, searchable, unsigned, money = entry[:10]
    minimum, maximum, sql_data_type, sub, radix, usertype = entry[10:]
    if odbc2:
        data_type = ODBC2_DATA_TYPES.get(data_type, data_type)
    return (
        name, data_type, precision, prefix, suffix, create, 1, case, searchable, unsigned, money, 0, name,
        minimum, maximum, sql_data_type, sub, radix, None, usertype,
    )  # fmt: skip


def sp_datatype_info_100(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    data_type, odbc_version = bind_arguments("sp_datatype_info_100", ("data_type", "odbcver"), positional, named)
    try:
        wanted = None if data_type in (None, 0) else int(data_type)
        odbc2 = odbc_version is not None and int(odbc_version) == 2
    except (TypeError, ValueError):
        raise sql_error(8114, "nvarchar", "smallint") from None
    if wanted is not None and odbc2:
        wanted = {v: k for k, v in ODBC2_DATA_TYPES.items()}.get(wanted, wanted)

    def rows() -> Iterator[tuple[Any, ...]]:
        for entry in TYPES:
            if wanted is None or entry[1] == wanted:
                yield _row(entry, odbc2)

    emit(ctx, SP_DATATYPE_INFO, rows())
    return SUCCESS


PROCEDURES = {"sp_datatype_info_100": sp_datatype_info_100, "sp_datatype_info": sp_datatype_info_100}
