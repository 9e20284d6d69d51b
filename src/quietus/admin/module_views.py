"""Catalog views of modules (procedures, views, functions): sys.procedures, sys.views, sys.sql_modules,
sys.parameters, INFORMATION_SCHEMA.ROUTINES / VIEWS, the views' rows of INFORMATION_SCHEMA.TABLES and the columns of
views and inline functions (sys.columns, INFORMATION_SCHEMA.COLUMNS); and sp_helptext.

Rows come from the module catalog (quietus.sql.modules): committed modules plus the reader's own uncommitted ones.
sys.extended_procedures has no rows: an extended procedure is a DLL registered with sp_addextendedproc, which
Quietus does not have (its own xp_readerrorlog is a system procedure, listed nowhere, as SQL Server's are).
Parameter shapes are read from each definition's parsed parameter list, as SQL Server's come from its metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.admin.catalog_views import DBO_SCHEMA_ID, SYS_OBJECTS
from quietus.admin.columns import columns
from quietus.admin.procedures import bind_arguments, emit
from quietus.engine.storage.schema import ColumnDef
from quietus.errors import SqlError, sql_error
from quietus.sql import synonyms, user_functions, views
from quietus.sql.catalog_ids import SCHEMAS, column_shape
from quietus.sql.context import ExecContext
from quietus.sql.dialect import parse_batch_cached
from quietus.sql.dialect import statements as st
from quietus.sql.environment import VirtualTable
from quietus.sql.modules import Module, reader_xid
from quietus.sql.stored_procedures import find_module, store_of
from quietus.sql.types_base import type_from_sqlglot

_SCHEMA_IDS = {name.casefold(): schema_id for name, schema_id, _ in SCHEMAS}

# sys.procedures: the columns inherited from sys.objects, then its own.
SYS_PROCEDURES = SYS_OBJECTS + columns("""
is_auto_executed bit
is_execution_replicated bit
is_repl_serializable_only bit
skips_repl_constraints bit
""")

# sys.extended_procedures: the columns inherited from sys.objects, then its own.
SYS_EXTENDED_PROCEDURES = SYS_OBJECTS + columns("dll_name nvarchar(4000)")

# sys.views: the columns inherited from sys.objects, then its own.
SYS_VIEWS = SYS_OBJECTS + columns("""
is_replicated bit
has_replication_filter bit
has_opaque_metadata bit
has_unchecked_assembly_data bit
with_check_option bit
is_date_correlation_view bit
is_tracked_by_cdc bit
""")

# sys.synonyms: the columns inherited from sys.objects, then the base object's name as SQL Server shows it.
SYS_SYNONYMS = SYS_OBJECTS + columns("""
base_object_name nvarchar(1035)
""")

SYS_SQL_MODULES = columns("""
object_id int
definition nvarchar(max)
uses_ansi_nulls bit
uses_quoted_identifier bit
is_schema_bound bit
uses_database_collation bit
is_recompiled bit
null_on_null_input bit
execute_as_principal_id int
uses_native_compilation bit
""")

SYS_PARAMETERS = columns("""
object_id int
name sysname
parameter_id int
system_type_id tinyint
user_type_id int
max_length smallint
precision tinyint
scale tinyint
is_output bit
is_cursor_ref bit
has_default_value bit
is_xml_document bit
default_value nvarchar(4000)
xml_collection_id int
is_readonly bit
is_nullable bit
""")


def modules(ctx: ExecContext) -> list[Module]:
    store = store_of(ctx)
    if store is None or ctx.database is not store.db:
        return []
    return sorted(store.modules(reader_xid(ctx.session.txn)), key=lambda module: module.object_id)


def schema_id(module: Module) -> int:
    return _SCHEMA_IDS.get(module.schema_name.casefold(), DBO_SCHEMA_ID)


def object_row(module: Module) -> tuple[Any, ...]:
    """The module's sys.objects columns (the first twelve of sys.procedures)."""
    return (
        module.name, module.object_id, None, schema_id(module), 0, module.type.ljust(2), module.type_desc,
        module.create_date, module.modify_date, False, False, False,
    )  # fmt: skip


def _of_type(ctx: ExecContext, *kinds: str) -> Iterator[Module]:
    return (module for module in modules(ctx) if module.type.strip() in kinds)


def procedure_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for module in _of_type(ctx, "P"):
        yield (*object_row(module), False, False, False, False)


def view_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """sys.views: sys.objects' columns, then its own."""
    for module in _of_type(ctx, "V"):
        yield (*object_row(module), False, False, False, False, _view(module).check_option, False, False)


def synonym_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """sys.synonyms: base_object_name with every part bracketed, as SQL Server stores it (``[master].[dbo].[t]``)."""
    for module in _of_type(ctx, synonyms.KIND):
        parts = synonyms.base_name(module).split(".")
        yield (*object_row(module), ".".join("[" + part.replace("]", "]]") + "]" if part else "" for part in parts))


def sql_module_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for module in _of_type(ctx, "P", "V", "FN", "IF", "TF"):  # a synonym has no definition here
        parsed = _definition(module)
        recompile = getattr(parsed, "recompile", False)
        bound = getattr(parsed, "schemabinding", False)
        null_on_null = getattr(parsed, "null_on_null", False)
        yield (module.object_id, module.definition, True, True, bound, True, recompile, null_on_null, None, False)


def _parameter_row(
    object_id: int, name: str, position: int, data_type: Any, output: bool, default: bool
) -> tuple[Any, ...]:
    sql_type = type_from_sqlglot(data_type)
    shape = ColumnDef(name, sql_type.name, sql_type.length, sql_type.precision, sql_type.scale)
    type_id, max_length, precision, scale = column_shape(shape)
    return (
        object_id, name, position, type_id, type_id, max_length, precision, scale,
        output, False, default, False, None, 0, False, True,
    )  # fmt: skip


def parameter_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """One row per parameter of a procedure or function; a scalar function's result is parameter 0, unnamed and
    OUTPUT, as in SQL Server."""
    for module in _of_type(ctx, "P", "FN", "IF", "TF"):
        parsed = _definition(module)
        returns = getattr(parsed, "returns", None)
        if returns is not None:
            yield _parameter_row(module.object_id, "", 0, returns, True, False)
        for position, parameter in enumerate(getattr(parsed, "parameters", ()), start=1):
            yield _parameter_row(
                module.object_id, parameter.name, position, parameter.type, parameter.output,
                parameter.default is not None,
            )  # fmt: skip


def routine_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """INFORMATION_SCHEMA.ROUTINES: one row per procedure and function (DATA_TYPE: a scalar function's result type,
    TABLE for a table-valued one); the definition's first 4,000 characters, as SQL Server's."""
    catalog = ctx.database.name
    for module in _of_type(ctx, "P", "FN", "IF", "TF"):
        names = (catalog, module.schema_name, module.name)
        kind = "PROCEDURE" if module.type.strip() == "P" else "FUNCTION"
        returns = getattr(_definition(module), "returns", None)
        data_type = None if kind == "PROCEDURE" else "TABLE" if returns is None else type_from_sqlglot(returns).name
        yield (
            *names, *names, kind, *(None,) * 6, data_type, *(None,) * 22, "SQL", module.definition[:4000], None,
            None, None, "NO", "MODIFIES" if kind == "PROCEDURE" else "READS", "NO", None, "YES", -1, "NO", "NO",
            module.create_date, module.modify_date,
        )  # fmt: skip


def shown_columns(ctx: ExecContext, module: Module) -> list[tuple[str, Any]]:
    """The columns of a view or inline function, as its query gives them now ([] when it no longer binds: a
    table under it was dropped)."""
    parsed = _definition(module)
    try:
        if isinstance(parsed, st.CreateView):
            return views.bound_columns(ctx, parsed.query, module.name, parsed.columns)
        if isinstance(parsed, st.CreateFunction) and (parsed.query is not None or parsed.table is not None):
            return user_functions.table_columns(ctx, module)
    except SqlError:
        return []
    return []


def module_column_rows(ctx: ExecContext) -> Iterator[tuple[int, int, str, Any]]:
    """(object id, position, name, type) of every column of a view or inline function (sys.columns,
    INFORMATION_SCHEMA.COLUMNS)."""
    for module in _of_type(ctx, "V", "IF", "TF"):
        for position, (name, sql_type) in enumerate(shown_columns(ctx, module), start=1):
            yield module.object_id, position, name, sql_type


def _definition(module: Module) -> st.Statement:
    parsed = parse_batch_cached(module.definition)[0]
    assert isinstance(parsed, st.MODULE_DEFINITIONS)
    return parsed


def _view(module: Module) -> st.CreateView:
    parsed = _definition(module)
    assert isinstance(parsed, st.CreateView)
    return parsed


def information_schema_view_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """INFORMATION_SCHEMA.VIEWS: the definition's first 4,000 characters, CHECK_OPTION, IS_UPDATABLE 'NO' (what SQL
    Server always says there)."""
    for module in _of_type(ctx, "V"):
        check = "CASCADE" if _view(module).check_option else "NONE"
        yield (ctx.database.name, module.schema_name, module.name, module.definition[:4000], check, "NO")


def view_table_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """INFORMATION_SCHEMA.TABLES rows of the views."""
    for module in _of_type(ctx, "V"):
        yield (ctx.database.name, module.schema_name, module.name, "VIEW")


INFORMATION_SCHEMA_ROUTINES = columns("""
SPECIFIC_CATALOG nvarchar(128)
SPECIFIC_SCHEMA nvarchar(128)
SPECIFIC_NAME sysname
ROUTINE_CATALOG nvarchar(128)
ROUTINE_SCHEMA nvarchar(128)
ROUTINE_NAME sysname
ROUTINE_TYPE nvarchar(20)
MODULE_CATALOG sysname
MODULE_SCHEMA sysname
MODULE_NAME sysname
UDT_CATALOG sysname
UDT_SCHEMA sysname
UDT_NAME sysname
DATA_TYPE sysname
CHARACTER_MAXIMUM_LENGTH int
CHARACTER_OCTET_LENGTH int
COLLATION_CATALOG sysname
COLLATION_SCHEMA sysname
COLLATION_NAME sysname
CHARACTER_SET_CATALOG sysname
CHARACTER_SET_SCHEMA sysname
CHARACTER_SET_NAME sysname
NUMERIC_PRECISION smallint
NUMERIC_PRECISION_RADIX smallint
NUMERIC_SCALE smallint
DATETIME_PRECISION smallint
INTERVAL_TYPE nvarchar(30)
INTERVAL_PRECISION smallint
TYPE_UDT_CATALOG sysname
TYPE_UDT_SCHEMA sysname
TYPE_UDT_NAME sysname
SCOPE_CATALOG sysname
SCOPE_SCHEMA sysname
SCOPE_NAME sysname
MAXIMUM_CARDINALITY bigint
DTD_IDENTIFIER sysname
ROUTINE_BODY nvarchar(30)
ROUTINE_DEFINITION nvarchar(4000)
EXTERNAL_NAME sysname
EXTERNAL_LANGUAGE nvarchar(30)
PARAMETER_STYLE nvarchar(30)
IS_DETERMINISTIC nvarchar(10)
SQL_DATA_ACCESS nvarchar(30)
IS_NULL_CALL nvarchar(10)
SQL_PATH sysname
SCHEMA_LEVEL_ROUTINE nvarchar(10)
MAX_DYNAMIC_RESULT_SETS smallint
IS_USER_DEFINED_CAST nvarchar(10)
IS_IMPLICITLY_INVOCABLE nvarchar(10)
CREATED datetime
LAST_ALTERED datetime
""")

# -- sp_helptext -----------------------------------------------------------------------------------------------

HELPTEXT = columns("""
Text nvarchar(255)
""")


def sp_helptext(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    """``sp_helptext 'name'``: the definition, one row per line (lines longer than 255 characters are split)."""
    (name,) = bind_arguments("sp_helptext", ("objname",), positional, named)
    if name is None:
        raise sql_error(201, "sp_helptext", "@objname")
    module = find_module(ctx, str(name))
    if module is None:
        raise sql_error(15009, str(name), ctx.database.name)
    if module.type.strip() == synonyms.KIND:
        raise sql_error(15197, str(name))

    def rows() -> Iterator[tuple[Any, ...]]:
        for line in module.definition.splitlines(keepends=True):
            for start in range(0, max(len(line), 1), 255):
                yield (line[start : start + 255],)

    emit(ctx, HELPTEXT, rows())
    return 0


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.procedures", SYS_PROCEDURES, procedure_rows),
    VirtualTable("sys.views", SYS_VIEWS, view_rows),
    VirtualTable("sys.extended_procedures", SYS_EXTENDED_PROCEDURES, lambda ctx: iter(())),
    VirtualTable("sys.sql_modules", SYS_SQL_MODULES, sql_module_rows),
    VirtualTable("sys.synonyms", SYS_SYNONYMS, synonym_rows),
    VirtualTable("sys.parameters", SYS_PARAMETERS, parameter_rows),
    VirtualTable("INFORMATION_SCHEMA.ROUTINES", INFORMATION_SCHEMA_ROUTINES, routine_rows),
)
