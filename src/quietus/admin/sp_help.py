"""``sp_help [@objname =] 'name'``: what an object is, as SQL Server's sp_help reports it.

Read from the same catalog views users query (sys.objects, sys.columns, sys.parameters), so a table, a view, a
procedure and a function are described alike; a table's indexes and constraints from its definition.

| object                   | result sets                                                                          |
|--------------------------|--------------------------------------------------------------------------------------|
| none (no argument)       | every object: Name, Owner, Object_type; then the user types (none: no rows)           |
| user table               | Name/Owner/Type/Created_datetime; columns; identity; RowGuidCol; filegroup; indexes;  |
|                          | constraints (or a message where there are none); the foreign keys that reference it   |
| view                     | Name/Owner/Type/Created_datetime; columns; identity; RowGuidCol                       |
| procedure, function      | Name/Owner/Type/Created_datetime; parameters (none: no set)                            |
| anything else            | 15009                                                                                 |
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.procedures import bind_arguments, emit
from quietus.engine.storage.schema import TableDef
from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.results import MessageEvent
from quietus.sql.types_base import INT, NVARCHAR

# sys.objects.type -> sp_help's Object_type / Type words.
OBJECT_TYPES = {
    "U": "user table", "V": "view", "P": "stored procedure", "FN": "scalar function", "IF": "inline function",
    "TF": "table function", "PK": "primary key cns", "UQ": "unique key cns", "F": "foreign key cns",
    "C": "check cns", "D": "default (maybe cns)", "S": "system table", "SN": "synonym",
}  # fmt: skip

OBJECTS = columns("""
Name nvarchar(128)
Owner nvarchar(128)
Object_type nvarchar(31)
""")
USER_TYPES = columns("""
User_type nvarchar(128)
Storage_type nvarchar(128)
Length smallint
Prec int
Scale int
Nullable varchar(35)
Default_name nvarchar(128)
Rule_name nvarchar(128)
Collation nvarchar(128)
""")
HEADER = columns("""
Name nvarchar(128)
Owner nvarchar(128)
Type nvarchar(31)
Created_datetime datetime
""")
COLUMNS = columns("""
Column_name nvarchar(128)
Type nvarchar(128)
Computed varchar(35)
Length int
Prec char(5)
Scale char(5)
Nullable varchar(35)
TrimTrailingBlanks varchar(35)
FixedLenNullInSource varchar(35)
Collation nvarchar(128)
""")
IDENTITY = (*columns("""
Identity nvarchar(128)
Seed numeric(38,0)
Increment numeric(38,0)
"""), ("Not For Replication", INT))  # a name with spaces, as SQL Server's
ROWGUIDCOL = columns("""
RowGuidCol nvarchar(128)
""")
FILEGROUP = columns("""
Data_located_on_filegroup nvarchar(128)
""")
INDEXES = columns("""
index_name nvarchar(128)
index_description varchar(210)
index_keys nvarchar(2078)
""")
CONSTRAINTS = columns("""
constraint_type nvarchar(146)
constraint_name nvarchar(128)
delete_action nvarchar(9)
update_action nvarchar(9)
status_enabled varchar(8)
status_for_replication varchar(19)
constraint_keys nvarchar(2078)
""")
REFERENCED_BY = (("Table is referenced by foreign key", NVARCHAR(516)),)
PARAMETERS = columns("""
Parameter_name nvarchar(128)
Type nvarchar(128)
Length smallint
Prec int
Scale int
Param_order smallint
Collation nvarchar(128)
""")

_CHARACTER = ("char", "varchar", "nchar", "nvarchar", "binary", "varbinary")
_FIXED = ("char", "nchar", "binary")
_NUMERIC = {"tinyint", "smallint", "int", "bigint", "decimal", "numeric", "real", "float", "money", "smallmoney",
            "bit", "datetime2", "time", "datetimeoffset", "date", "datetime", "smalldatetime"}  # fmt: skip


def sp_help(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    (name,) = bind_arguments("sp_help", ("objname",), positional, named)
    return ctx.with_reads(lambda: _help(ctx, name))  # the catalog views read tables (a view's columns are bound)


def _help(ctx: ExecContext, name: Any) -> int:
    objects = _view_rows(ctx, "sys.objects")
    schemas = {row["schema_id"]: row["name"] for row in _view_rows(ctx, "sys.schemas")}
    if name is None:
        listed = [
            (row["name"], schemas.get(row["schema_id"], "dbo"), OBJECT_TYPES.get(row["type"].strip(), row["type_desc"]))
            for row in objects
        ]
        emit(ctx, OBJECTS, iter(sorted(listed, key=lambda r: (r[2], r[0].casefold()))))
        emit(ctx, USER_TYPES, iter(()))
        return 0
    wanted = str(name).split(".")[-1].strip("[]").casefold()
    found = next((row for row in objects if row["name"].casefold() == wanted), None)
    if found is None:
        raise sql_error(15009, str(name), ctx.database.name)
    kind = found["type"].strip()
    owner = schemas.get(found["schema_id"], "dbo")
    emit(ctx, HEADER, iter([(found["name"], owner, OBJECT_TYPES.get(kind, found["type_desc"]), found["create_date"])]))
    object_id = found["object_id"]
    if kind in ("P", "FN", "IF", "TF"):
        parameters = [row for row in _view_rows(ctx, "sys.parameters") if row["object_id"] == object_id]
        if parameters:
            emit(ctx, PARAMETERS, iter(_parameter_rows(ctx, parameters)))
        return 0
    if kind not in ("U", "V"):
        return 0
    described = [row for row in _view_rows(ctx, "sys.columns") if row["object_id"] == object_id]
    emit(ctx, COLUMNS, iter(_column_rows(ctx, described)))
    identity = next((row for row in described if row["is_identity"]), None)
    table = ctx.database.table_by_name(found["name"]) if kind == "U" else None
    emit(ctx, IDENTITY, iter([_identity_row(identity, None if table is None else table.definition)]))
    emit(ctx, ROWGUIDCOL, iter([("No rowguidcol column defined.",)]))
    if table is None:
        return 0
    definition = table.definition
    emit(ctx, FILEGROUP, iter([("PRIMARY",)]))
    if definition.indexes:
        emit(ctx, INDEXES, iter(_index_rows(definition)))
    else:
        _message(ctx, f"The object '{found['name']}' does not have any indexes, or you do not have permissions.")
    constraints = list(_constraint_rows(ctx, definition))
    if constraints:
        emit(ctx, CONSTRAINTS, iter(constraints))
    else:
        _message(ctx, f"No constraints are defined on object '{found['name']}', or you do not have permissions.")
    referencing = [
        (f"{ctx.database.name}.{other.definition.schema_name}.{other.name}: {fk.name}",)
        for other in ctx.database.tables.values()
        for fk in other.definition.foreign_keys
        if fk.referenced_object_id == table.object_id
    ]
    if referencing:
        emit(ctx, REFERENCED_BY, iter(referencing))
    else:
        _message(ctx, f"No foreign keys reference table '{found['name']}', or you do not have permissions.")
    return 0


def _view_rows(ctx: ExecContext, name: str) -> list[dict[str, Any]]:
    view = ctx.env.virtual_table(name)
    assert view is not None, name
    names = [column for column, _ in view.columns]
    return [dict(zip(names, row, strict=True)) for row in view.rows(ctx)]


def _type_names(ctx: ExecContext) -> dict[int, str]:
    return {row["user_type_id"]: row["name"] for row in _view_rows(ctx, "sys.types")}


def _column_rows(ctx: ExecContext, described: Sequence[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    types = _type_names(ctx)
    for row in sorted(described, key=lambda r: r["column_id"]):
        type_name = types.get(row["user_type_id"], "")
        numeric = type_name in _NUMERIC
        character = type_name in _CHARACTER
        fixed_null = ("yes" if row["is_nullable"] else "no") if type_name in _FIXED else "no"
        yield (
            row["name"], type_name, "yes" if row["is_computed"] else "no", row["max_length"],
            f"{row['precision']:<5}" if numeric else "     ", f"{row['scale']:<5}" if numeric else "     ",
            "yes" if row["is_nullable"] else "no", "no" if character else "(n/a)",
            fixed_null if character else "(n/a)", row["collation_name"],
        )  # fmt: skip


def _identity_row(identity: dict[str, Any] | None, definition: TableDef | None) -> tuple[Any, ...]:
    if identity is None or definition is None:
        return ("No identity column defined.", None, None, None)
    column = next(c for c in definition.columns if c.name == identity["name"])
    return (column.name, column.identity_seed or 1, column.identity_increment or 1, 0)


def _parameter_rows(ctx: ExecContext, parameters: Sequence[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    types = _type_names(ctx)
    for row in sorted(parameters, key=lambda r: r["parameter_id"]):
        if not row["name"]:
            continue  # a function's return value
        type_name = types.get(row["user_type_id"], "")
        collation = "SQL_Latin1_General_CP1_CI_AS" if type_name in ("char", "varchar", "nchar", "nvarchar") else None
        yield (
            row["name"], type_name, row["max_length"], row["precision"], row["scale"], row["parameter_id"], collation
        )


def _keys(definition: TableDef, positions: Sequence[int], descending: Sequence[bool] = ()) -> str:
    names = []
    for index, position in enumerate(positions):
        down = index < len(descending) and descending[index]
        names.append(definition.columns[position].name + ("(-)" if down else ""))
    return ", ".join(names)


def _index_rows(definition: TableDef) -> Iterator[tuple[Any, ...]]:
    for index in definition.indexes:
        words = ["clustered" if index.index_id == 1 else "nonclustered"]
        if index.ignore_dup_key:
            words.append("ignore duplicate keys")
        if index.unique:
            words.append("unique")
        if index.primary_key:
            words.append("primary key")
        elif index.unique_constraint:
            words.append("unique key")
        description = ", ".join(words) + " located on PRIMARY"
        yield (index.name, description, _keys(definition, index.columns, index.descending))


def _constraint_rows(ctx: ExecContext, definition: TableDef) -> Iterator[tuple[Any, ...]]:
    for index in definition.indexes:
        if index.primary_key or index.unique_constraint:
            kind = "PRIMARY KEY" if index.primary_key else "UNIQUE"
            clustered = "(clustered)" if index.index_id == 1 else "(non-clustered)"
            keys = _keys(definition, index.columns, index.descending)
            yield (f"{kind} {clustered}", index.name, "(n/a)", "(n/a)", "(n/a)", "(n/a)", keys)
    for check in definition.checks:
        yield ("CHECK Table Level", check.name, "(n/a)", "(n/a)", "Enabled", "Is_For_Replication",
               f"({check.expression_sql})")  # fmt: skip
    for column in definition.columns:
        if column.default_sql is not None:
            name = f"DF__{definition.name}__{column.name}"
            yield (f"DEFAULT on column {column.name}", name, "(n/a)", "(n/a)", "(n/a)", "(n/a)",
                   f"({column.default_sql})")  # fmt: skip
    for fk in definition.foreign_keys:
        parent = ctx.database.tables.get(fk.referenced_object_id)
        yield ("FOREIGN KEY", fk.name, "No Action", "No Action", "Enabled", "Is_For_Replication",
               _keys(definition, fk.columns))  # fmt: skip
        if parent is not None:
            referenced = _keys(parent.definition, fk.referenced_columns)
            target = f"REFERENCES {ctx.database.name}.{parent.definition.schema_name}.{parent.name} ({referenced})"
            yield (" ", " ", " ", " ", " ", " ", target)


def _message(ctx: ExecContext, text: str) -> None:
    ctx.sink.message(MessageEvent(0, 0, 1, text, ctx.line, "sp_help"))
