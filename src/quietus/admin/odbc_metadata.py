"""The ODBC catalog procedures drivers call for SQLTables, SQLColumns, SQLPrimaryKeys, SQLForeignKeys,
SQLStatistics, SQLSpecialColumns and SQLGetInfo (FreeTDS ODBC, pyodbc's cursor.tables()/columns()/...):
``sp_tables``, ``sp_columns``, ``sp_pkeys``, ``sp_fkeys``, ``sp_statistics``, ``sp_special_columns`` and
``sp_server_info``, with SQL Server's parameters and result columns.

Their rows are the INFORMATION_SCHEMA rows of admin.reflection_views re-shaped, with the ODBC type numbers of
admin.odbc_catalog's type table; nothing about the catalog is read twice.  Name arguments are LIKE patterns where
SQL Server's are (sp_tables, sp_columns' column name); a qualifier other than the current database gives no rows.
Not kept by Quietus, and so NULL: REMARKS, PAGES, and SS_DATA_TYPE (the DB-Library type codes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.admin import reflection_views as views
from quietus.admin.catalog_views import user_tables
from quietus.admin.columns import columns
from quietus.admin.odbc_catalog import TYPES
from quietus.admin.procedures import SUCCESS, bind_arguments, emit
from quietus.errors import sql_error
from quietus.sql.catalog_ids import column_shape
from quietus.sql.collation import like
from quietus.sql.context import ExecContext
from quietus.sql.environment import SERVER_VERSION

# type name -> (ODBC DATA_TYPE, SQL_DATA_TYPE, SQL_DATETIME_SUB), from sp_datatype_info's table
_ODBC = {entry[0]: (entry[1], entry[12], entry[13]) for entry in reversed(TYPES)}
_ODBC.update({"datetimeoffset": (-155, -155, 0), "text": (-1, -1, None), "ntext": (-10, -10, None),
              "image": (-4, -4, None), "float": (6, 6, None)})  # fmt: skip


def _here(ctx: ExecContext, qualifier: Any) -> bool:
    return qualifier is None or str(qualifier).casefold() == str(ctx.database.name).casefold()


def _named(value: str, name: Any, pattern: bool) -> bool:
    """A name argument: a LIKE pattern (sp_tables, sp_columns) or a name (the others); NULL matches all."""
    if name is None:
        return True
    return like(value, str(name)) if pattern else value.casefold() == str(name).casefold()


def _tables(ctx: ExecContext, name: Any, owner: Any, qualifier: Any, pattern: bool = True) -> Iterator[Any]:
    if not _here(ctx, qualifier):
        return
    for table in user_tables(ctx):
        if _named(table.name, name, pattern) and _named(table.definition.schema_name, owner, pattern):
            yield table


SP_TABLES = columns("""
TABLE_QUALIFIER sysname
TABLE_OWNER sysname
TABLE_NAME sysname
TABLE_TYPE varchar(32)
REMARKS varchar(254)
""")


def sp_tables(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    name, owner, qualifier, kinds, _ = bind_arguments(
        "sp_tables", ("table_name", "table_owner", "table_qualifier", "table_type", "fusepattern"), positional, named
    )
    wanted = None if kinds is None else {k.strip().strip("'\"").upper() for k in str(kinds).split(",")}
    rows: list[tuple[Any, ...]] = []
    if wanted is None or "TABLE" in wanted:
        database = str(ctx.database.name)
        rows = [
            (database, t.definition.schema_name, t.name, "TABLE", None) for t in _tables(ctx, name, owner, qualifier)
        ]
    emit(ctx, SP_TABLES, iter(sorted(rows, key=lambda row: (row[3], row[1], row[2]))))
    return SUCCESS


SP_COLUMNS = columns("""
TABLE_QUALIFIER sysname
TABLE_OWNER sysname
TABLE_NAME sysname
COLUMN_NAME sysname
DATA_TYPE smallint
TYPE_NAME sysname
PRECISION int
LENGTH int
SCALE smallint
RADIX smallint
NULLABLE smallint
REMARKS varchar(254)
COLUMN_DEF nvarchar(4000)
SQL_DATA_TYPE smallint
SQL_DATETIME_SUB smallint
CHAR_OCTET_LENGTH int
ORDINAL_POSITION int
IS_NULLABLE varchar(254)
SS_DATA_TYPE tinyint
""")


def _column_type(column: Any) -> tuple[Any, ...]:
    """(DATA_TYPE, TYPE_NAME, PRECISION, LENGTH, SCALE, RADIX, SQL_DATA_TYPE, SQL_DATETIME_SUB) of a column."""
    _, max_length, precision, scale = column_shape(column)
    name = column.type_name
    data_type, sql_data_type, sub = _ODBC.get(name, (None, None, None))
    type_name = name + (" identity" if column.identity_seed is not None else "")
    if max_length == -1:  # MAX
        length = 2147483647
        size = length // 2 if name == "nvarchar" else length
    elif name in ("char", "varchar", "binary", "varbinary", "nchar", "nvarchar"):
        length, size = max_length, max_length // (2 if name in ("nchar", "nvarchar") else 1)
    elif name in ("decimal", "numeric"):
        length, size = precision + 2, precision
    else:
        length, size = max_length, precision
    radix = 2 if name in ("float", "real") else 10 if precision and name not in views.DATETIMES else None
    numeric_scale = scale if name in views.EXACT or name in views.DATETIMES else None
    return data_type, type_name, size, length, numeric_scale, radix, sql_data_type, sub


def sp_columns(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    name, owner, qualifier, column_name, _ = bind_arguments(
        "sp_columns", ("table_name", "table_owner", "table_qualifier", "column_name", "odbcver"), positional, named
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        database = str(ctx.database.name)
        for table in _tables(ctx, name, owner, qualifier):
            for position, column in enumerate(table.definition.columns, start=1):
                if not _named(column.name, column_name, True):
                    continue
                data_type, type_name, size, length, scale, radix, sql_type, sub = _column_type(column)
                octets = length if column.type_name in views.CHARACTER_TYPES else None
                yield (database, table.definition.schema_name, table.name, column.name, data_type, type_name, size,
                       length, scale, radix, int(column.nullable), None, views.default_text(column), sql_type, sub,
                       octets, position, "YES" if column.nullable else "NO", None)  # fmt: skip

    emit(ctx, SP_COLUMNS, rows())
    return SUCCESS


SP_PKEYS = columns("""
TABLE_QUALIFIER sysname
TABLE_OWNER sysname
TABLE_NAME sysname
COLUMN_NAME sysname
KEY_SEQ smallint
PK_NAME sysname
""")


def sp_pkeys(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    name, owner, qualifier = bind_arguments(
        "sp_pkeys", ("table_name", "table_owner", "table_qualifier"), positional, named
    )

    def rows() -> Iterator[tuple[Any, ...]]:
        for table in _tables(ctx, name, owner, qualifier, pattern=False):
            key = table.definition.primary_key
            if key is not None:
                for seq, position in enumerate(key.columns, start=1):
                    yield (str(ctx.database.name), table.definition.schema_name, table.name,
                           table.definition.columns[position].name, seq, key.name)  # fmt: skip

    emit(ctx, SP_PKEYS, rows())
    return SUCCESS


SP_FKEYS = columns("""
PKTABLE_QUALIFIER sysname
PKTABLE_OWNER sysname
PKTABLE_NAME sysname
PKCOLUMN_NAME sysname
FKTABLE_QUALIFIER sysname
FKTABLE_OWNER sysname
FKTABLE_NAME sysname
FKCOLUMN_NAME sysname
KEY_SEQ smallint
UPDATE_RULE smallint
DELETE_RULE smallint
FK_NAME sysname
PK_NAME sysname
DEFERRABILITY smallint
""")
NO_ACTION = 1  # SQL Server's UPDATE_RULE / DELETE_RULE: 0 CASCADE, 1 NO ACTION, 2 SET NULL, 3 SET DEFAULT
NOT_DEFERRABLE = 7  # SQL_NOT_DEFERRABLE


def sp_fkeys(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    pk_name, pk_owner, pk_qualifier, fk_name, fk_owner, fk_qualifier = bind_arguments(
        "sp_fkeys",
        ("pktable_name", "pktable_owner", "pktable_qualifier", "fktable_name", "fktable_owner", "fktable_qualifier"),
        positional, named,
    )  # fmt: skip
    if pk_name is None and fk_name is None:  # one of the two tables must be named
        raise sql_error(201, "sp_fkeys", "@pktable_name")
    database = str(ctx.database.name)
    referenced = {t.object_id for t in _tables(ctx, pk_name, pk_owner, pk_qualifier, pattern=False)}
    referencing = {t.object_id for t in _tables(ctx, fk_name, fk_owner, fk_qualifier, pattern=False)}
    by_id = {t.object_id: t for t in user_tables(ctx)}

    def rows() -> Iterator[tuple[Any, ...]]:
        for table in user_tables(ctx):
            if table.object_id not in referencing:
                continue
            for fk in table.definition.foreign_keys:
                parent = by_id.get(fk.referenced_object_id)
                if parent is None or parent.object_id not in referenced:
                    continue
                key = views.referenced_key(ctx, fk)
                key_name = None if key is None or key[1] is None else key[1].name
                pairs = zip(fk.referenced_columns, fk.columns, strict=True)
                for seq, (pk_col, fk_col) in enumerate(pairs, start=1):
                    yield (database, parent.definition.schema_name, parent.name,
                           parent.definition.columns[pk_col].name, database, table.definition.schema_name,
                           table.name, table.definition.columns[fk_col].name, seq, NO_ACTION, NO_ACTION, fk.name,
                           key_name, NOT_DEFERRABLE)  # fmt: skip

    emit(ctx, SP_FKEYS, rows())
    return SUCCESS


SP_STATISTICS = columns("""
TABLE_QUALIFIER sysname
TABLE_OWNER sysname
TABLE_NAME sysname
NON_UNIQUE smallint
INDEX_QUALIFIER sysname
INDEX_NAME sysname
TYPE smallint
SEQ_IN_INDEX smallint
COLUMN_NAME sysname
COLLATION char(1)
CARDINALITY int
PAGES int
FILTER_CONDITION varchar(128)
""")
TABLE_STAT, INDEX_CLUSTERED, INDEX_OTHER = 0, 1, 3


def sp_statistics(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    name, owner, qualifier, index_name, is_unique, _ = bind_arguments(
        "sp_statistics",
        ("table_name", "table_owner", "table_qualifier", "index_name", "is_unique", "accuracy"),
        positional, named,
    )  # fmt: skip
    unique_only = str(is_unique or "N").upper() == "Y"

    def rows() -> Iterator[tuple[Any, ...]]:
        database = str(ctx.database.name)
        for table in _tables(ctx, name, owner, qualifier, pattern=False):
            schema, count = table.definition.schema_name, len(table.rows)
            yield (database, schema, table.name, None, None, None, TABLE_STAT, None, None, None, count, None, None)
            for index in sorted(table.definition.indexes, key=views.index_id):
                unique = index.unique or index.primary_key
                if (unique_only and not unique) or not _named(index.name, index_name, True):
                    continue
                kind = INDEX_CLUSTERED if index.primary_key else INDEX_OTHER
                descending = tuple(index.descending) or (False,) * len(index.columns)
                for seq, (position, down) in enumerate(zip(index.columns, descending, strict=False), start=1):
                    yield (database, schema, table.name, int(not unique), table.name, index.name, kind, seq,
                           table.definition.columns[position].name, "D" if down else "A", count, None,
                           None)  # fmt: skip

    emit(ctx, SP_STATISTICS, rows())
    return SUCCESS


SP_SPECIAL_COLUMNS = columns("""
SCOPE smallint
COLUMN_NAME sysname
DATA_TYPE smallint
TYPE_NAME sysname
PRECISION int
LENGTH int
SCALE smallint
PSEUDO_COLUMN smallint
""")
NOT_PSEUDO = 1  # SQL_PC_NOT_PSEUDO


def sp_special_columns(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    name, owner, qualifier, col_type, scope, nullable, _ = bind_arguments(
        "sp_special_columns",
        ("table_name", "table_owner", "table_qualifier", "col_type", "scope", "nullable", "odbcver"),
        positional, named,
    )  # fmt: skip
    best_row_id = str(col_type or "R").upper() == "R"  # 'V': columns a row's change updates (rowversion): none

    def rows() -> Iterator[tuple[Any, ...]]:
        for table in _tables(ctx, name, owner, qualifier, pattern=False):
            keys = [i for i in table.definition.indexes if i.primary_key] or [
                i for i in table.definition.indexes if i.unique
            ]
            if not best_row_id or not keys:
                continue
            key_columns = [table.definition.columns[position] for position in keys[0].columns]
            if str(nullable or "U").upper() == "O" and any(column.nullable for column in key_columns):
                continue  # @nullable = 'O': only a key of non-nullable columns will do
            for column in key_columns:
                data_type, type_name, size, length, scale, *_ = _column_type(column)
                yield (0 if str(scope or "T").upper() == "C" else 1, column.name, data_type, type_name, size,
                       length, scale, NOT_PSEUDO)  # fmt: skip

    emit(ctx, SP_SPECIAL_COLUMNS, rows())
    return SUCCESS


SP_SERVER_INFO = columns("""
ATTRIBUTE_ID int
ATTRIBUTE_NAME varchar(60)
ATTRIBUTE_VALUE varchar(255)
""")
SERVER_INFO: tuple[tuple[int, str, str], ...] = (
    (1, "DBMS_NAME", "Microsoft SQL Server"),
    (2, "DBMS_VER", f"Microsoft SQL Server 2022 - {SERVER_VERSION} (Quietus)"),
    (10, "OWNER_TERM", "owner"),
    (11, "TABLE_TERM", "table"),
    (12, "MAX_OWNER_NAME_LENGTH", "128"),
    (13, "TABLE_LENGTH", "128"),
    (14, "MAX_QUAL_LENGTH", "128"),
    (15, "COLUMN_LENGTH", "128"),
    (16, "IDENTIFIER_CASE", "MIXED"),
    (17, "TX_ISOLATION", "2"),
    (18, "COLLATION_SEQ", "charset=iso_1 sort_order=nocase_iso charset_num=1 sort_order_num=52"),
    (19, "SAVEPOINT_SUPPORT", "Y"),
    (20, "MULTI_RESULT_SETS", "Y"),
    (22, "ACCESSIBLE_TABLES", "Y"),
    (100, "USERID_LENGTH", "128"),
    (101, "QUALIFIER_TERM", "database"),
    (102, "NAMED_TRANSACTIONS", "Y"),
    (103, "SPROC_AS_LANGUAGE", "Y"),
    (104, "ACCESSIBLE_SPROC", "Y"),
    (105, "MAX_INDEX_COLS", "16"),
    (111, "DESCENDING_INDEXES", "Y"),
    (500, "SYS_SPROC_VERSION", SERVER_VERSION),
)


def sp_server_info(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    [attribute] = bind_arguments("sp_server_info", ("attribute_id",), positional, named)
    wanted = None if attribute is None else int(attribute)
    emit(ctx, SP_SERVER_INFO, (row for row in SERVER_INFO if wanted is None or row[0] == wanted))
    return SUCCESS


PROCEDURES = {
    "sp_tables": sp_tables,
    "sp_columns": sp_columns,
    "sp_columns_100": sp_columns,
    "sp_pkeys": sp_pkeys,
    "sp_fkeys": sp_fkeys,
    "sp_statistics": sp_statistics,
    "sp_statistics_100": sp_statistics,
    "sp_special_columns": sp_special_columns,
    "sp_special_columns_100": sp_special_columns,
    "sp_server_info": sp_server_info,
}
