"""SQL Server's fixed catalog numbers: system type ids and storage shapes (sys.types, sys.columns, sys.parameters,
TYPE_NAME) and schema ids (sys.schemas, SCHEMA_NAME).

Data, shared by the catalog views (admin) and the metadata functions (sql.builtins_metadata).
"""

from __future__ import annotations

import zlib

from quietus.engine.storage.schema import ColumnDef

# name -> (system_type_id, max_length in bytes, precision, scale) for types whose size does not vary.
FIXED_TYPES: dict[str, tuple[int, int, int, int]] = {
    "bit": (104, 1, 1, 0),
    "tinyint": (48, 1, 3, 0),
    "smallint": (52, 2, 5, 0),
    "int": (56, 4, 10, 0),
    "bigint": (127, 8, 19, 0),
    "real": (59, 4, 24, 0),
    "money": (60, 8, 19, 4),
    "smallmoney": (122, 4, 10, 4),
    "date": (40, 3, 10, 0),
    "datetime": (61, 8, 23, 3),
    "smalldatetime": (58, 4, 16, 0),
    "uniqueidentifier": (36, 16, 0, 0),
}
# name -> system_type_id for types sized by their definition.
SIZED_TYPES: dict[str, int] = {
    "char": 175,
    "varchar": 167,
    "nchar": 239,
    "nvarchar": 231,
    "binary": 173,
    "varbinary": 165,
    "decimal": 106,
    "numeric": 108,
    "float": 62,
    "datetime2": 42,
    "datetimeoffset": 43,
    "time": 41,
    "text": 35,
    "ntext": 99,
    "image": 34,
}
STRING_TYPE_NAMES = frozenset({"char", "varchar", "nchar", "nvarchar", "text", "ntext"})


def column_shape(column: ColumnDef) -> tuple[int, int, int, int]:
    """(system_type_id, max_length, precision, scale) as sys.columns shows them (max_length -1 for MAX)."""
    name = column.type_name
    fixed = FIXED_TYPES.get(name)
    if fixed is not None:
        return fixed
    type_id = SIZED_TYPES.get(name, 0)
    if name in ("decimal", "numeric"):
        precision = column.precision or 18
        return type_id, _decimal_bytes(precision), precision, column.scale or 0
    if name == "float":
        precision = column.precision or 53
        return type_id, 4 if precision <= 24 else 8, 24 if precision <= 24 else 53, 0
    if name in ("datetime2", "time", "datetimeoffset"):
        scale = 7 if column.scale is None else column.scale
        base, digits = {"datetime2": (6, 19), "time": (3, 8), "datetimeoffset": (8, 26)}[name]
        precision = digits + scale + (1 if scale else 0)
        return type_id, base + (0 if scale <= 2 else 1 if scale <= 4 else 2), precision, scale
    if name in ("text", "ntext", "image"):
        return type_id, 16, 0, 0
    if column.length is None:
        return type_id, -1, 0, 0
    return type_id, column.length * (2 if name in ("nchar", "nvarchar") else 1), 0, 0


def _decimal_bytes(precision: int) -> int:
    return 5 if precision <= 9 else 9 if precision <= 19 else 13 if precision <= 28 else 17


# system_type_id -> name (the inverse of the two tables above), for TYPE_NAME and TYPE_ID
TYPE_NAMES: dict[int, str] = {
    **{type_id: name for name, (type_id, _, _, _) in FIXED_TYPES.items()},
    **{type_id: name for name, type_id in SIZED_TYPES.items()},
}

# The schemas every database has, with SQL Server's ids.
SCHEMAS: tuple[tuple[str, int, int], ...] = (
    ("dbo", 1, 1),
    ("guest", 2, 2),
    ("INFORMATION_SCHEMA", 3, 3),
    ("sys", 4, 4),
)
SCHEMA_NAMES: dict[int, str] = {schema_id: name for name, schema_id, _ in SCHEMAS}


def system_object_id(name: str) -> int:
    """The object id of a system view or function (``sys.dm_exec_sessions``): negative, as SQL Server numbers its
    system objects, and the same on every start (derived from the name)."""
    return -(zlib.crc32(name.casefold().encode()) & 0x3FFFFFFF) - 1
