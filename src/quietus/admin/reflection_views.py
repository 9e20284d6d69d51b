"""What ORMs and drivers read to reflect a database: the INFORMATION_SCHEMA views and the sys views of keys,
constraints, types and defaults (SQLAlchemy's mssql dialect, Alembic, pandas, ODBC catalog functions).

Every row comes from the catalog, through catalog_views.user_tables and module_views.modules; nothing is stored
twice.  Quietus's constraints are not objects of their own in sys.objects, so their object ids here are derived
from the table's id and the constraint's name (``constraint_object_id``): the same on every read, the same in
every view, and positive as user object ids are.  Defaults have no names in Quietus's catalog: they show the name
SQL Server would give them (``DF__table__column``, is_system_named = 1).  Foreign keys have no referential actions
(NO_ACTION).  sys.computed_columns lists the computed columns (sql/computed_columns.py); Quietus keeps no
extended properties, so sys.extended_properties has none either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from quietus.admin import module_views
from quietus.admin.catalog_views import (
    DBO_SCHEMA_ID,
    DEFAULT_COLLATION,
    SYS_COLUMNS,
    SYS_OBJECTS,
    column_rows,
    computed_column_rows,
    constraint_object_id,
    default_name,
    user_tables,
)
from quietus.admin.columns import columns, no_rows
from quietus.engine.storage.schema import ColumnDef
from quietus.sql.catalog_ids import FIXED_TYPES, SCHEMAS, SIZED_TYPES, STRING_TYPE_NAMES, column_shape
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable


def _catalog(ctx: ExecContext) -> str:
    return str(ctx.database.name)


def _key_indexes(table: Any) -> Iterator[Any]:
    """The indexes that are constraints (PRIMARY KEY, UNIQUE), in index order."""
    for index in table.definition.indexes:
        if index.primary_key or index.unique_constraint:
            yield index


def index_id(index: Any) -> int:
    return 1 if index.primary_key else int(index.index_id)


def referenced_key(ctx: ExecContext, fk: Any) -> tuple[Any, Any] | None:
    """(referenced table, the key index whose columns the foreign key references)."""
    for table in user_tables(ctx):
        if table.object_id == fk.referenced_object_id:
            for index in _key_indexes(table):
                if tuple(index.columns) == tuple(fk.referenced_columns):
                    return table, index
            for index in table.definition.indexes:
                if index.unique and tuple(index.columns) == tuple(fk.referenced_columns):
                    return table, index
            return table, None
    return None


# -- INFORMATION_SCHEMA -------------------------------------------------------------------------------------------

SCHEMATA = columns("""
CATALOG_NAME sysname
SCHEMA_NAME sysname
SCHEMA_OWNER sysname
DEFAULT_CHARACTER_SET_CATALOG varchar(6)
DEFAULT_CHARACTER_SET_SCHEMA varchar(3)
DEFAULT_CHARACTER_SET_NAME sysname
""")


def schemata_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for name, _, _ in SCHEMAS:
        yield (_catalog(ctx), name, "dbo" if name in ("dbo", "guest") else name, None, None, "iso_1")


TABLES = columns("""
TABLE_CATALOG nvarchar(128)
TABLE_SCHEMA nvarchar(128)
TABLE_NAME sysname
TABLE_TYPE varchar(10)
""")


def tables_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        yield (_catalog(ctx), table.definition.schema_name, table.name, "BASE TABLE")
    yield from module_views.view_table_rows(ctx)


COLUMNS = columns("""
TABLE_CATALOG nvarchar(128)
TABLE_SCHEMA nvarchar(128)
TABLE_NAME sysname
COLUMN_NAME sysname
ORDINAL_POSITION int
COLUMN_DEFAULT nvarchar(4000)
IS_NULLABLE varchar(3)
DATA_TYPE nvarchar(128)
CHARACTER_MAXIMUM_LENGTH int
CHARACTER_OCTET_LENGTH int
NUMERIC_PRECISION tinyint
NUMERIC_PRECISION_RADIX smallint
NUMERIC_SCALE int
DATETIME_PRECISION smallint
CHARACTER_SET_CATALOG sysname
CHARACTER_SET_SCHEMA sysname
CHARACTER_SET_NAME sysname
COLLATION_CATALOG sysname
COLLATION_SCHEMA sysname
COLLATION_NAME sysname
DOMAIN_CATALOG sysname
DOMAIN_SCHEMA sysname
DOMAIN_NAME sysname
""")

EXACT = frozenset({"tinyint", "smallint", "int", "bigint", "decimal", "numeric", "money", "smallmoney", "bit"})
DATETIMES = frozenset({"date", "datetime", "smalldatetime", "datetime2", "time", "datetimeoffset"})
CHARACTER_TYPES = STRING_TYPE_NAMES | {"binary", "varbinary", "image"}


_NUMBER = re.compile(r"[-+]?\d+(\.\d*)?")


def default_text(column: Any) -> str | None:
    """A default's definition as SQL Server keeps it: in parentheses, a number in two (``((0))``, ``('x')``)."""
    text = column.default_sql
    if text is None:
        return None
    return f"(({text}))" if _NUMBER.fullmatch(text.strip()) else f"({text})"


def _all_columns(ctx: ExecContext) -> Iterator[tuple[str, str, int, Any]]:
    """(schema, table or view, position, column) of every column of a table or view."""
    for table in user_tables(ctx):
        for position, column in enumerate(table.definition.columns, start=1):
            yield table.definition.schema_name, table.name, position, column
    shown = {module.object_id: module for module in module_views.modules(ctx) if module.type.strip() == "V"}
    for object_id, position, name, sql_type in module_views.module_column_rows(ctx):
        module = shown.get(object_id)
        if module is not None:
            column = ColumnDef(name, sql_type.name, sql_type.length, sql_type.precision, sql_type.scale)
            yield module.schema_name, module.name, position, column


def columns_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for schema, table_name, position, column in _all_columns(ctx):
        _, max_length, precision, scale = column_shape(column)
        name = column.type_name
        characters = octets = None
        if name in STRING_TYPE_NAMES or name in ("binary", "varbinary", "image"):
            wide = name in ("nchar", "nvarchar", "ntext")
            octets = -1 if max_length == -1 else max_length
            characters = -1 if max_length == -1 else max_length // (2 if wide else 1)
            if name in ("text", "ntext", "image"):
                octets, characters = 2147483647, 2147483647 // (2 if wide else 1)
        numeric = name in EXACT or name in ("float", "real")
        yield (
            _catalog(ctx), schema, table_name, column.name, position,
            default_text(column), "YES" if column.nullable else "NO", name, characters, octets,
            precision if numeric else None, (2 if name in ("float", "real") else 10) if numeric else None,
            scale if name in EXACT else None, scale if name in DATETIMES else None,
            None, None, "iso_1" if name in ("char", "varchar", "text") else "UNICODE" if characters else None,
            None, None, DEFAULT_COLLATION if name in STRING_TYPE_NAMES else None, None, None, None,
        )  # fmt: skip


TABLE_CONSTRAINTS = columns("""
CONSTRAINT_CATALOG nvarchar(128)
CONSTRAINT_SCHEMA nvarchar(128)
CONSTRAINT_NAME sysname
TABLE_CATALOG nvarchar(128)
TABLE_SCHEMA nvarchar(128)
TABLE_NAME sysname
CONSTRAINT_TYPE varchar(11)
IS_DEFERRABLE varchar(2)
INITIALLY_DEFERRED varchar(2)
""")


def _constraints(table: Any) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """(name, CONSTRAINT_TYPE, column positions) of each constraint of a table."""
    for index in _key_indexes(table):
        yield index.name, "PRIMARY KEY" if index.primary_key else "UNIQUE", tuple(index.columns)
    for fk in table.definition.foreign_keys:
        yield fk.name, "FOREIGN KEY", tuple(fk.columns)
    for check in table.definition.checks:
        yield check.name, "CHECK", ()


def table_constraints_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    db = _catalog(ctx)
    for table in user_tables(ctx):
        schema = table.definition.schema_name
        for name, kind, _ in _constraints(table):
            yield (db, schema, name, db, schema, table.name, kind, "NO", "NO")


KEY_COLUMN_USAGE = columns("""
CONSTRAINT_CATALOG nvarchar(128)
CONSTRAINT_SCHEMA nvarchar(128)
CONSTRAINT_NAME sysname
TABLE_CATALOG nvarchar(128)
TABLE_SCHEMA nvarchar(128)
TABLE_NAME sysname
COLUMN_NAME sysname
ORDINAL_POSITION int
""")


def key_column_usage_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    db = _catalog(ctx)
    for table in user_tables(ctx):
        schema = table.definition.schema_name
        for name, kind, positions in _constraints(table):
            if kind == "CHECK":
                continue
            for ordinal, position in enumerate(positions, start=1):
                column = table.definition.columns[position].name
                yield (db, schema, name, db, schema, table.name, column, ordinal)


CONSTRAINT_COLUMN_USAGE = columns("""
TABLE_CATALOG nvarchar(128)
TABLE_SCHEMA nvarchar(128)
TABLE_NAME sysname
COLUMN_NAME sysname
CONSTRAINT_CATALOG nvarchar(128)
CONSTRAINT_SCHEMA nvarchar(128)
CONSTRAINT_NAME sysname
""")


def constraint_column_usage_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for row in key_column_usage_rows(ctx):
        db, schema, name, _, _, table_name, column, _ = row
        yield (db, schema, table_name, column, db, schema, name)


REFERENTIAL_CONSTRAINTS = columns("""
CONSTRAINT_CATALOG nvarchar(128)
CONSTRAINT_SCHEMA nvarchar(128)
CONSTRAINT_NAME sysname
UNIQUE_CONSTRAINT_CATALOG nvarchar(128)
UNIQUE_CONSTRAINT_SCHEMA nvarchar(128)
UNIQUE_CONSTRAINT_NAME sysname
MATCH_OPTION varchar(7)
UPDATE_RULE varchar(11)
DELETE_RULE varchar(11)
""")


def referential_constraints_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    db = _catalog(ctx)
    for table in user_tables(ctx):
        for fk in table.definition.foreign_keys:
            referenced = referenced_key(ctx, fk)
            key = None if referenced is None or referenced[1] is None else referenced[1]
            key_schema = None if referenced is None else referenced[0].definition.schema_name
            yield (db, table.definition.schema_name, fk.name, db, key_schema, None if key is None else key.name,
                   "SIMPLE", "NO ACTION", "NO ACTION")  # fmt: skip


VIEWS_VIEW = columns("""
TABLE_CATALOG nvarchar(128)
TABLE_SCHEMA nvarchar(128)
TABLE_NAME sysname
VIEW_DEFINITION nvarchar(4000)
CHECK_OPTION varchar(7)
IS_UPDATABLE varchar(2)
""")







# -- sys ----------------------------------------------------------------------------------------------------------

SYS_TYPES = columns("""
name sysname
system_type_id tinyint
user_type_id int
schema_id int
principal_id int
max_length smallint
precision tinyint
scale tinyint
collation_name sysname
is_nullable bit
is_user_defined bit
is_assembly_type bit
default_object_id int
rule_object_id int
is_table_type bit
""")

# (max_length, precision, scale) of the types whose size a column chooses: their largest
_SIZED_SHAPES = {
    "char": (8000, 0, 0), "varchar": (8000, 0, 0), "nchar": (8000, 0, 0), "nvarchar": (8000, 0, 0),
    "binary": (8000, 0, 0), "varbinary": (8000, 0, 0), "decimal": (17, 38, 38), "numeric": (17, 38, 38),
    "float": (8, 53, 0), "datetime2": (8, 27, 7), "datetimeoffset": (10, 34, 7), "time": (5, 16, 7),
    "text": (16, 0, 0), "ntext": (16, 0, 0), "image": (16, 0, 0),
}  # fmt: skip
SYSNAME_USER_TYPE_ID = 256


def type_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    shapes = dict(FIXED_TYPES)
    shapes.update({name: (SIZED_TYPES[name], *_SIZED_SHAPES[name]) for name in SIZED_TYPES})
    for name, (type_id, max_length, precision, scale) in sorted(shapes.items(), key=lambda item: item[1][0]):
        collation = DEFAULT_COLLATION if name in STRING_TYPE_NAMES else None
        yield (name, type_id, type_id, 4, None, max_length, precision, scale, collation, True, False, False, 0,
               0, False)  # fmt: skip
    yield ("sysname", 231, SYSNAME_USER_TYPE_ID, 4, None, 256, 0, 0, DEFAULT_COLLATION, False, False, False, 0,
           0, False)  # fmt: skip


def _constraint_object(table: Any, name: str, kind: str, description: str) -> tuple[Any, ...]:
    """A constraint's sys.objects columns (the first twelve of sys.key_constraints, foreign_keys and so on)."""
    object_id = constraint_object_id(table.object_id, name)
    return (name, object_id, None, DBO_SCHEMA_ID, table.object_id, kind, description, None, None, False, False, False)


SYS_KEY_CONSTRAINTS = SYS_OBJECTS + columns("""
unique_index_id int
is_system_named bit
is_enforced bit
""")


def key_constraint_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        for index in _key_indexes(table):
            kind, desc = ("PK", "PRIMARY_KEY_CONSTRAINT") if index.primary_key else ("UQ", "UNIQUE_CONSTRAINT")
            yield (*_constraint_object(table, index.name, kind, desc), index_id(index), False, True)


SYS_INDEX_COLUMNS = columns("""
object_id int
index_id int
index_column_id int
column_id int
key_ordinal tinyint
partition_ordinal tinyint
is_descending_key bit
is_included_column bit
""")


def index_column_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        for index in table.definition.indexes:
            descending = tuple(index.descending) or (False,) * len(index.columns)
            for ordinal, (position, down) in enumerate(zip(index.columns, descending, strict=False), start=1):
                yield (table.object_id, index_id(index), ordinal, position + 1, ordinal, 0, down, False)
            for number, position in enumerate(index.included, start=len(index.columns) + 1):  # INCLUDE (...)
                yield (table.object_id, index_id(index), number, position + 1, 0, 0, False, True)


SYS_FOREIGN_KEYS = SYS_OBJECTS + columns("""
referenced_object_id int
key_index_id int
is_disabled bit
is_not_for_replication bit
is_not_trusted bit
delete_referential_action tinyint
delete_referential_action_desc nvarchar(60)
update_referential_action tinyint
update_referential_action_desc nvarchar(60)
is_system_named bit
""")


def foreign_key_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        for fk in table.definition.foreign_keys:
            referenced = referenced_key(ctx, fk)
            key_index = None if referenced is None or referenced[1] is None else index_id(referenced[1])
            yield (*_constraint_object(table, fk.name, "F ", "FOREIGN_KEY_CONSTRAINT"), fk.referenced_object_id,
                   key_index, False, False, False, 0, "NO_ACTION", 0, "NO_ACTION", False)  # fmt: skip


SYS_FOREIGN_KEY_COLUMNS = columns("""
constraint_object_id int
constraint_column_id int
parent_object_id int
parent_column_id int
referenced_object_id int
referenced_column_id int
""")


def foreign_key_column_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        for fk in table.definition.foreign_keys:
            pairs = zip(fk.columns, fk.referenced_columns, strict=True)
            for ordinal, (parent, referenced) in enumerate(pairs, start=1):
                yield (constraint_object_id(table.object_id, fk.name), ordinal, table.object_id, parent + 1,
                       fk.referenced_object_id, referenced + 1)  # fmt: skip


SYS_DEFAULT_CONSTRAINTS = SYS_OBJECTS + columns("""
parent_column_id int
definition nvarchar(max)
is_system_named bit
""")


def default_constraint_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        for position, column in enumerate(table.definition.columns, start=1):
            if column.default_sql is None:
                continue
            name = default_name(table, column)
            yield (*_constraint_object(table, name, "D ", "DEFAULT_CONSTRAINT"), position, default_text(column), True)


SYS_IDENTITY_COLUMNS = SYS_COLUMNS + columns("""
seed_value bigint
increment_value bigint
last_value bigint
is_not_for_replication bit
""")


def identity_column_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    by_table = {table.object_id: table for table in user_tables(ctx)}
    for row in column_rows(ctx):
        table = by_table[row[0]]
        column = table.definition.columns[row[2] - 1]
        if column.identity_seed is not None:
            yield (*row, column.identity_seed, column.identity_increment or 1, table.identity_last, False)


SYS_COMPUTED_COLUMNS = SYS_COLUMNS + columns("""
definition nvarchar(max)
uses_database_collation bit
is_persisted bit
""")

SYS_EXTENDED_PROPERTIES = columns("""
class tinyint
class_desc nvarchar(60)
major_id int
minor_id int
name sysname
value nvarchar(max)
""")


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("INFORMATION_SCHEMA.SCHEMATA", SCHEMATA, schemata_rows),
    VirtualTable("INFORMATION_SCHEMA.TABLES", TABLES, tables_rows),
    VirtualTable("INFORMATION_SCHEMA.COLUMNS", COLUMNS, columns_rows),
    VirtualTable("INFORMATION_SCHEMA.TABLE_CONSTRAINTS", TABLE_CONSTRAINTS, table_constraints_rows),
    VirtualTable("INFORMATION_SCHEMA.KEY_COLUMN_USAGE", KEY_COLUMN_USAGE, key_column_usage_rows),
    VirtualTable("INFORMATION_SCHEMA.CONSTRAINT_COLUMN_USAGE", CONSTRAINT_COLUMN_USAGE, constraint_column_usage_rows),
    VirtualTable("INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS", REFERENTIAL_CONSTRAINTS, referential_constraints_rows),
    VirtualTable("INFORMATION_SCHEMA.VIEWS", VIEWS_VIEW, module_views.information_schema_view_rows),
    VirtualTable("sys.types", SYS_TYPES, type_rows),
    VirtualTable("sys.key_constraints", SYS_KEY_CONSTRAINTS, key_constraint_rows),
    VirtualTable("sys.index_columns", SYS_INDEX_COLUMNS, index_column_rows),
    VirtualTable("sys.foreign_keys", SYS_FOREIGN_KEYS, foreign_key_rows),
    VirtualTable("sys.foreign_key_columns", SYS_FOREIGN_KEY_COLUMNS, foreign_key_column_rows),
    VirtualTable("sys.default_constraints", SYS_DEFAULT_CONSTRAINTS, default_constraint_rows),
    VirtualTable("sys.identity_columns", SYS_IDENTITY_COLUMNS, identity_column_rows),
    VirtualTable("sys.computed_columns", SYS_COMPUTED_COLUMNS, computed_column_rows),
    VirtualTable("sys.extended_properties", SYS_EXTENDED_PROPERTIES, no_rows),
)
