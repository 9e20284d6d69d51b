"""The system objects as catalog rows: sys.all_objects, sys.all_columns, sys.all_views, sys.system_views,
sys.all_parameters (the user's procedures' and functions' parameters, sys.parameters, then each system table-valued
function's: ``@name``, required, by position).

Tools find out what a server has by looking for a view or a column there (sp_BlitzWho:
``SELECT * FROM sys.all_columns WHERE object_id = OBJECT_ID('sys.dm_exec_query_stats') AND name = '…'``), so these
list every registered system view (type V) and table-valued function (type IF) in schema sys, with their columns,
beside the user objects of sys.objects / sys.columns.  System object ids are negative and stable
(``catalog_ids.system_object_id``); OBJECT_ID('sys.x') and OBJECT_NAME give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from quietus.admin.catalog_views import SYS_COLUMNS, SYS_OBJECTS, column_rows, column_tail, object_rows
from quietus.admin.module_views import SYS_PARAMETERS, SYS_VIEWS, parameter_rows, view_rows
from quietus.engine.storage.schema import ColumnDef
from quietus.sql.catalog_ids import STRING_TYPE_NAMES, column_shape, system_object_id
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable
from quietus.sql.types_base import SqlType

SYS_SCHEMA_ID = 4
DEFAULT_COLLATION = "SQL_Latin1_General_CP1_CI_AS"


def system_objects(ctx: ExecContext) -> list[tuple[str, str, str, Sequence[tuple[str, SqlType]]]]:
    """(name without schema, type, type_desc, columns) of every system view and table-valued function."""
    env = ctx.env
    found = [
        (view.name[4:], "V", "VIEW", view.columns)
        for view in env.virtual_tables.values()
        if view.name.casefold().startswith("sys.")
    ]
    found += [
        (function.name[4:], "IF", "SQL_INLINE_TABLE_VALUED_FUNCTION", function.columns)
        for function in env.table_functions.values()
        if function.name.casefold().startswith("sys.")
    ]
    return sorted(found)


def _object_row(name: str, kind: str, description: str) -> tuple[Any, ...]:
    object_id = system_object_id("sys." + name)
    return (name, object_id, None, SYS_SCHEMA_ID, 0, kind.ljust(2), description, None, None, True, False, False)


def all_object_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    yield from object_rows(ctx)
    for name, kind, description, _ in system_objects(ctx):
        yield _object_row(name, kind, description)


def all_view_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """sys.all_views: the user's views (sys.views), then the system views."""
    yield from view_rows(ctx)
    yield from system_view_rows(ctx)


def system_view_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for name, kind, description, _ in system_objects(ctx):
        if kind == "V":
            yield (*_object_row(name, kind, description), False, False, False, False, False, False, False)


def all_column_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    yield from column_rows(ctx)
    for name, _, _, view_columns in system_objects(ctx):
        object_id = system_object_id("sys." + name)
        for position, (column, sql_type) in enumerate(view_columns, start=1):
            shape = ColumnDef(column, sql_type.name, sql_type.length, sql_type.precision, sql_type.scale)
            type_id, max_length, precision, scale = column_shape(shape)
            string = sql_type.name in STRING_TYPE_NAMES
            yield (
                object_id, column, position, type_id, type_id, max_length, precision, scale,
                DEFAULT_COLLATION if string else None, True, string, False, False, False, *column_tail(0),
            )  # fmt: skip


def all_parameter_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    yield from parameter_rows(ctx)
    for function in sorted(ctx.env.table_functions.values(), key=lambda function: function.name.casefold()):
        if not function.name.casefold().startswith("sys."):
            continue
        object_id = system_object_id("sys." + function.name[4:])
        for position, (name, sql_type) in enumerate(function.parameters, start=1):
            shape = ColumnDef(name, sql_type.name, sql_type.length, sql_type.precision, sql_type.scale)
            type_id, max_length, precision, scale = column_shape(shape)
            yield (
                object_id, "@" + name, position, type_id, type_id, max_length, precision, scale, False, False, False,
                False, None, 0, False, True,
            )  # fmt: skip


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.all_objects", SYS_OBJECTS, all_object_rows),
    VirtualTable("sys.all_columns", SYS_COLUMNS, all_column_rows),
    VirtualTable("sys.all_views", SYS_VIEWS, all_view_rows),
    VirtualTable("sys.system_views", SYS_VIEWS, system_view_rows),
    VirtualTable("sys.all_parameters", SYS_PARAMETERS, all_parameter_rows),
)
