"""DDL: CREATE/DROP TABLE, CREATE/DROP INDEX, ALTER TABLE, TRUNCATE TABLE.

DDL is transactional, as in SQL Server: each change takes a schema-modification (Sch-M) lock on the object and is
recorded in the transaction's undo log, so ROLLBACK undoes a CREATE TABLE.  Unnamed constraints get SQL Server-style
system names (``PK__t__0000041A``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import msgspec
from sqlglot import exp

from quietus.engine.access import ReadPolicy
from quietus.engine.database import Database
from quietus.engine.locks import LockMode
from quietus.engine.storage.keys import key_function, key_text
from quietus.engine.storage.schema import STRING_TYPES, CheckDef, ColumnDef, ForeignKeyDef, IndexDef, TableDef
from quietus.engine.storage.table import Table
from quietus.errors import sql_error
from quietus.sql import computed_columns, schema_binding, temp_tables
from quietus.sql.collation import DEFAULT_COLLATION, collation_key, find_collation
from quietus.sql.context import ExecContext
from quietus.sql.dml import RowWriter, column_defaults
from quietus.sql.session_options import column_nullable_by_default
from quietus.sql.syntax_near import near
from quietus.sql.types_base import is_sysname, type_from_sqlglot

_MAX_COLUMNS = 1024
_Struct = TypeVar("_Struct", bound=msgspec.Struct)


def ddl_time() -> str:
    """Now, as a table definition records it (TableDef.created / modified)."""
    return datetime.datetime.now().isoformat(timespec="microseconds")


def _system_name(prefix: str, table: str, object_id: int, serial: int) -> str:
    return f"{prefix}__{table[:8]}__{(object_id * 31 + serial) & 0xFFFFFFFF:08X}"


def _lock_schema(ctx: ExecContext, table: Table) -> None:
    ctx.row_access().lock_object(table, LockMode.SCH_M)


def _table_name(node: exp.Expr) -> str:
    table = node.this if isinstance(node, exp.Schema) else node
    return table.name


def _is_default_collation(name: str) -> bool:
    """A column may name the collation it has anyway; any other is not supported yet (a syntax error)."""
    collation = find_collation(name)
    if collation is None:
        raise sql_error(448, name)
    return collation.key is collation_key


def column_collation(ctx: ExecContext) -> str | None:
    """The collation a string column created by this session takes: None for the server's own (a T-SQL session's:
    SQL Server's database default), ``BINARY`` for an Oracle session's (NLS_COMP=BINARY), so that its keys compare as
    its predicates do (engine/storage/keys.py)."""
    collation = ctx.collation
    return None if collation is DEFAULT_COLLATION else collation.name


def column_def(
    node: exp.ColumnDef, nullable_by_default: bool = True, collation: str | None = None
) -> tuple[ColumnDef, list[exp.ColumnConstraint]]:
    """A ColumnDef from sqlglot's, plus the column's constraints that are table-level in our model;
    ``nullable_by_default`` is the session's choice for a column that says neither NULL nor NOT NULL
    (session_options.column_nullable_by_default), ``collation`` the one a string column takes (``column_collation``)."""
    kind = node.args.get("kind")
    if kind is None:  # ``name AS expression [PERSISTED [NOT NULL]]``: typed by computed_columns.resolve
        return computed_columns.column_def(node)
    if kind.this == exp.DataType.Type.ROWVERSION:  # SQL Server stamps it on every write; Quietus would leave NULL
        raise sql_error(40517, "rowversion")
    sql_type = type_from_sqlglot(kind)
    nullable = nullable_by_default
    explicit_null = False
    seed = increment = None
    default_sql = None
    others: list[exp.ColumnConstraint] = []
    for constraint in node.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            nullable = bool(kind.args.get("allow_null"))
            explicit_null = True
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            start = kind.args.get("start")
            step = kind.args.get("increment")
            seed = int(start.this) if start is not None else 1
            increment = int(step.this) if step is not None else 1
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):  # bare IDENTITY: seed 1, increment 1
            seed, increment = 1, 1
        elif isinstance(kind, exp.DefaultColumnConstraint):
            default_sql = kind.this.sql(dialect="tsql")
        elif isinstance(kind, exp.CollateColumnConstraint) and _is_default_collation(kind.this.name):
            continue  # the server's own collation (DATABASE_DEFAULT, SQL_Latin1_General_CP1_CI_AS ...): nothing changes
        else:
            if isinstance(kind, exp.PrimaryKeyColumnConstraint) and not explicit_null:
                nullable = False
            others.append(constraint)
    if (seed is not None or is_sysname(node.args["kind"])) and not explicit_null:
        nullable = False  # an IDENTITY or sysname column is NOT NULL unless it says NULL
    definition = ColumnDef(
        name=node.name,
        type_name=sql_type.name,
        length=sql_type.length,
        precision=sql_type.precision,
        scale=sql_type.scale,
        nullable=nullable,
        identity_seed=seed,
        identity_increment=increment,
        default_sql=default_sql,
        collation=collation if sql_type.name in STRING_TYPES else None,
    )
    return definition, others


class _TableBuilder:
    """Accumulates columns, indexes and constraints of a table definition being created or altered."""

    def __init__(self, db: Database, name: str, object_id: int, base: TableDef | None = None) -> None:
        self.db = db
        self.name = name
        self.object_id = object_id
        self.columns: list[ColumnDef] = list(base.columns) if base else []
        self.indexes: list[IndexDef] = list(base.indexes) if base else []
        self.checks: list[CheckDef] = list(base.checks) if base else []
        self.foreign_keys: list[ForeignKeyDef] = list(base.foreign_keys) if base else []
        self._serial = len(self.indexes) + len(self.checks) + len(self.foreign_keys)
        self.altering = base is not None
        self.nullable_by_default = True  # ANSI_NULL_DFLT_ON / _OFF of the session that runs the DDL
        self.collation: str | None = None  # the collation its new string columns take (``column_collation``)
        self.created = base.created if base is not None else ddl_time()

    def _name(self, prefix: str, given: str | None) -> str:
        self._serial += 1
        return given or _system_name(prefix, self.name, self.object_id, self._serial)

    def position(self, column: str) -> int:
        folded = column.casefold()
        for position, definition in enumerate(self.columns):
            if definition.name.casefold() == folded:
                return position
        raise sql_error(1911, column)

    def add_column(self, node: exp.ColumnDef) -> None:
        definition, constraints = column_def(node, self.nullable_by_default, self.collation)
        if any(c.name.casefold() == definition.name.casefold() for c in self.columns):
            raise sql_error(2705, definition.name, self.name)
        if len(self.columns) >= _MAX_COLUMNS:
            raise sql_error(1702, definition.name, self.name, _MAX_COLUMNS)
        self.columns.append(definition)
        position = len(self.columns) - 1
        # ``c INT PRIMARY KEY WITH (IGNORE_DUP_KEY = ON)``: sqlglot gives the WITH (...) as a constraint of its own,
        # after the key it belongs to.
        parts: list[tuple[exp.Expr, str | None, list[exp.Expr]]] = []
        for constraint in constraints:
            kind = constraint.args["kind"]
            if isinstance(kind, exp.Properties) and parts and _is_key(parts[-1][0]):
                parts[-1][2].extend(kind.expressions)
            else:
                parts.append((kind, constraint.name or None, []))
        for kind, name, options in parts:
            self.add_constraint(kind, name, (position,), options)

    def add_constraint(
        self, kind: exp.Expr, name: str | None, columns: tuple[int, ...] | None, options: Sequence[exp.Expr] = ()
    ) -> None:
        ignore_dup_key = _ignore_dup_key([*options, *_index_options(kind)])
        if isinstance(kind, exp.PrimaryKeyColumnConstraint | exp.PrimaryKey):
            positions = columns if columns is not None else self._positions(kind)
            if any(i.primary_key for i in self.indexes):
                raise sql_error(8110, self.name)
            for position in positions:
                if self.columns[position].nullable:
                    # CREATE TABLE makes primary key columns NOT NULL; ALTER TABLE may not change a column so.
                    if self.altering:
                        raise sql_error(8111, self.name)
                    self.columns[position] = _replace(self.columns[position], nullable=False)
            self.indexes.insert(
                0,
                IndexDef(
                    1, self._name("PK", name), positions, unique=True, primary_key=True, ignore_dup_key=ignore_dup_key
                ),
            )
        elif isinstance(kind, exp.UniqueColumnConstraint):
            positions = columns if columns is not None else self._positions(kind)
            self.indexes.append(
                IndexDef(
                    self._next_index_id(),
                    self._name("UQ", name),
                    positions,
                    unique=True,
                    unique_constraint=True,
                    ignore_dup_key=ignore_dup_key,
                )
            )
        elif isinstance(kind, exp.CheckColumnConstraint):
            self.checks.append(CheckDef(self._name("CK", name), kind.this.sql(dialect="tsql")))
        elif isinstance(kind, exp.Reference | exp.ForeignKey):
            self.add_foreign_key(kind, name, columns)
        elif isinstance(kind, exp.IndexColumnConstraint):
            self.add_inline_index(kind, columns)
        else:
            raise sql_error(102, near(kind))

    def add_inline_index(self, kind: exp.IndexColumnConstraint, column: tuple[int, ...] | None) -> None:
        """CREATE TABLE's ``c type INDEX ix`` (``column`` given) or ``INDEX ix [UNIQUE] (c [DESC], ...)``: an index
        as CREATE INDEX makes it.  CLUSTERED is refused: a Quietus table is clustered on its primary key only."""
        [params] = kind.args["options"]
        words = str(kind.args.get("kind") or "").split()
        name = kind.this.name
        listed = params.args.get("columns")
        if "CLUSTERED" in words:
            raise sql_error(40517, "CLUSTERED INDEX in CREATE TABLE")
        if (column is None) == (not listed) or (column is not None and params.args.get("include")):
            raise sql_error(102, name)  # a column's index names no columns; the table's must
        if params.args.get("where") is not None:
            raise sql_error(40517, "filtered index")
        if any(i.name.casefold() == name.casefold() for i in self.indexes):
            raise sql_error(1913, name, self.name)
        items = [c.this if isinstance(c, exp.Ordered) else c for c in listed or ()]
        positions = column if column is not None else tuple(self.position(c.name) for c in items)
        descending = tuple(bool(c.args.get("desc")) for c in listed or ()) or (False,)
        ignore_dup_key = _ignore_dup_key(list(params.args.get("with_storage") or []))
        unique = "UNIQUE" in words
        index = IndexDef(self._next_index_id(), name, positions, descending, unique, ignore_dup_key=ignore_dup_key)
        self.indexes.append(index)

    def add_foreign_key(self, kind: exp.Expr, name: str | None, columns: tuple[int, ...] | None) -> None:
        if isinstance(kind, exp.ForeignKey):
            positions = tuple(self.position(c.name) for c in kind.expressions)
            reference = kind.args["reference"]
        else:
            assert columns is not None
            positions = columns
            reference = kind
        schema = reference.this
        parent_name = _table_name(schema)
        parent = self.db.table_by_name(parent_name) if parent_name.casefold() != self.name.casefold() else None
        parent_def = parent.definition if parent is not None else None
        if parent_def is None and parent_name.casefold() == self.name.casefold():
            parent_columns = [c.name for c in self.columns]
            parent_indexes = self.indexes
            parent_id = self.object_id
        elif parent_def is not None:
            parent_columns = [c.name for c in parent_def.columns]
            parent_indexes = list(parent_def.indexes)
            parent_id = parent_def.object_id
        else:
            raise sql_error(1767, name or "", parent_name)
        referenced_names = [i.name for i in schema.expressions] if isinstance(schema, exp.Schema) else []
        if referenced_names:
            referenced = tuple(_position_in(parent_columns, n) for n in referenced_names)
        else:
            primary = next((i for i in parent_indexes if i.primary_key), None)
            if primary is None:
                raise sql_error(1776, parent_name, name or "")
            referenced = primary.columns
        if not any(i.unique and tuple(sorted(i.columns)) == tuple(sorted(referenced)) for i in parent_indexes):
            raise sql_error(1776, parent_name, name or _system_name("FK", self.name, self.object_id, 0))
        self.foreign_keys.append(ForeignKeyDef(self._name("FK", name), positions, parent_id, referenced))

    def _positions(self, kind: exp.Expr) -> tuple[int, ...]:
        names: list[str] = []
        this = kind.args.get("this")
        if isinstance(this, exp.Schema):
            names = [e.name for e in this.expressions]
        elif isinstance(this, exp.ClusteredColumnConstraint | exp.NonClusteredColumnConstraint):
            names = [(item.this if isinstance(item, exp.Ordered) else item).name for item in this.this]
        for item in kind.expressions:
            node = item.this if isinstance(item, exp.Ordered) else item
            names.append(node.name)
        return tuple(self.position(n) for n in names)

    def _next_index_id(self) -> int:
        return max([1, *(i.index_id for i in self.indexes)]) + 1

    def build(self) -> TableDef:
        for index in self.indexes:
            computed_columns.refuse_in_index(self.name, self.columns, (*index.columns, *index.included))
        return TableDef(
            object_id=self.object_id,
            name=self.name,
            columns=tuple(self.columns),
            indexes=tuple(self.indexes),
            checks=tuple(self.checks),
            foreign_keys=tuple(self.foreign_keys),
            created=self.created,
            modified=ddl_time(),
        )


# Index options that change how an index is built or stored, not what any statement does: accepted.
_STORAGE_INDEX_OPTIONS = frozenset(
    {"PAD_INDEX", "FILLFACTOR", "STATISTICS_NORECOMPUTE", "STATISTICS_INCREMENTAL", "SORT_IN_TEMPDB",
     "OPTIMIZE_FOR_SEQUENTIAL_KEY", "DATA_COMPRESSION", "ONLINE", "MAXDOP"}
)  # fmt: skip


def _is_key(kind: exp.Expr) -> bool:
    return isinstance(kind, exp.PrimaryKeyColumnConstraint | exp.UniqueColumnConstraint)


def _index_options(kind: exp.Expr) -> list[exp.Expr]:
    """The ``WITH (option = value, ...)`` of a key constraint, wherever sqlglot put it."""
    parameters = kind.args.get("include") if isinstance(kind, exp.PrimaryKey) else kind.meta.get("index_options")
    if isinstance(parameters, exp.IndexParameters):
        return list(parameters.args.get("with_storage") or [])
    return []


def _ignore_dup_key(options: Sequence[exp.Expr]) -> bool:
    """IGNORE_DUP_KEY = ON|OFF is honoured, storage options are accepted, any other option is refused."""
    ignore = False
    for option in options:
        name = option.this.name.upper() if isinstance(option, exp.Property) else option.sql(dialect="tsql")
        if name == "IGNORE_DUP_KEY":
            ignore = option.args["value"].name.upper() == "ON"
        elif name not in _STORAGE_INDEX_OPTIONS:
            raise sql_error(102, name)
    return ignore


def _constraint_parts(constraint: exp.Constraint) -> list[tuple[exp.Expr, list[exp.Expr]]]:
    """A named constraint's kinds with their options: ``CONSTRAINT pk PRIMARY KEY CLUSTERED (a) WITH (...)`` comes
    from sqlglot as [PRIMARY KEY, CLUSTERED (a), Properties]; the columns and options join their key."""
    parts: list[tuple[exp.Expr, list[exp.Expr]]] = []
    for item in constraint.expressions:
        if isinstance(item, exp.ClusteredColumnConstraint | exp.NonClusteredColumnConstraint) and parts:
            key = parts[-1][0]
            keyed = isinstance(key, exp.PrimaryKeyColumnConstraint | exp.UniqueColumnConstraint)
            if keyed and not key.args.get("this"):
                key = key.copy()
                key.set("this", item)
                parts[-1] = (key, parts[-1][1])
                continue
        if isinstance(item, exp.Properties) and parts:
            parts[-1][1].extend(item.expressions)
            continue
        parts.append((item, []))
    return parts


def _foreign_keys_on(db: Database, table: Table, position: int, own: list[ForeignKeyDef]) -> list[str]:
    """Names of the foreign keys that use column ``position`` of ``table``: its own, and other tables' that
    reference it (dropping such a column is 5074, as in SQL Server)."""
    names = [fk.name for fk in own if position in fk.columns]
    for other in db.tables.values():
        for fk in other.definition.foreign_keys:
            if fk.referenced_object_id == table.object_id and position in fk.referenced_columns:
                names.append(fk.name)
    return names


def _position_in(names: list[str], name: str) -> int:
    folded = name.casefold()
    for position, candidate in enumerate(names):
        if candidate.casefold() == folded:
            return position
    raise sql_error(1911, name)


def create_table(ctx: ExecContext, node: exp.Create) -> None:
    db = ctx.database
    schema = node.this
    name = temp_tables.name_for_create(ctx, schema.this if isinstance(schema, exp.Schema) else schema)
    builder = _TableBuilder(db, name, db.allocate_object_id())
    builder.nullable_by_default = column_nullable_by_default(ctx.session.options)
    builder.collation = column_collation(ctx)
    deferred: list[exp.Constraint] = []
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            builder.add_column(item)
        elif isinstance(item, exp.Constraint):
            deferred.append(item)
        else:
            builder.add_constraint(item, None, None)
    for constraint in deferred:
        for kind, options in _constraint_parts(constraint):
            builder.add_constraint(kind, constraint.name or None, None, options)
    builder.columns = computed_columns.resolve(ctx, builder.name, builder.columns)
    table = db.create_table(ctx.txn, builder.build())
    _lock_schema(ctx, table)


def drop_table(ctx: ExecContext, node: exp.Drop) -> None:
    db = ctx.database
    for target in node.args.get("tables") or []:
        table = temp_tables.find_table(ctx, target)
        if table is None:
            if node.args.get("exists"):
                continue
            raise sql_error(3701, "table", temp_tables.written_name(target))
        for other in db.tables.values():
            if other is not table and any(
                fk.referenced_object_id == table.object_id for fk in other.definition.foreign_keys
            ):
                raise sql_error(3726, f"{table.definition.schema_name}.{table.name}")
        if not temp_tables.is_temporary_name(table.name):
            schema_binding.refuse_drop(ctx, "DROP TABLE", table.name, table.name)
        _lock_schema(ctx, table)
        db.drop_table(ctx.txn, table)


def create_index(ctx: ExecContext, node: exp.Create) -> None:
    db = ctx.database
    index = node.this
    table = temp_tables.find_table(ctx, index.args["table"])
    if table is None:
        raise sql_error(1088, temp_tables.written_name(index.args["table"]))
    name = index.name
    if any(i.name.casefold() == name.casefold() for i in table.definition.indexes):
        raise sql_error(1913, name, table.name)
    _lock_schema(ctx, table)
    builder = _TableBuilder(db, table.name, table.object_id, table.definition)
    params = index.args.get("params")
    if params is not None and params.args.get("where") is not None:  # a filtered index: never a full one instead
        raise sql_error(40517, "filtered index")
    if "NONCLUSTERED" not in str(node.args.get("kind") or "") and "CLUSTERED" in str(node.args.get("kind") or ""):
        _refuse_second_clustered(table)
    columns = params.args.get("columns") if params is not None else []
    positions = tuple(builder.position((c.this if isinstance(c, exp.Ordered) else c).name) for c in columns)
    descending = tuple(bool(c.args.get("desc")) for c in columns)
    included = tuple(builder.position(c.name) for c in (params.args.get("include") or [] if params else []))
    for position in set(positions + included):
        if (positions + included).count(position) > 1:
            raise sql_error(1909, builder.columns[position].name)
    unique = bool(node.args.get("unique"))
    ignore_dup_key = _ignore_dup_key(list(params.args.get("with_storage") or []) if params is not None else [])
    builder.indexes.append(
        IndexDef(
            builder._next_index_id(), name, positions, descending, unique, ignore_dup_key=ignore_dup_key,
            included=included,
        )
    )  # fmt: skip
    definition = builder.build()
    if unique:
        _check_unique_build(ctx, table, definition, name)
    db.redefine_table(ctx.txn, table, definition)


def _refuse_second_clustered(table: Table) -> None:
    """CREATE CLUSTERED INDEX on a table clustered on its primary key: 1902, as in SQL Server.  On a heap it is made
    as the table's other indexes are (docs/reference/tsql.md: Quietus keeps a heap's rows in the order they came)."""
    primary = table.definition.primary_key
    if primary is not None:
        raise sql_error(1902, table.name, primary.name)


def _check_unique_build(ctx: ExecContext, table: Table, definition: TableDef, index_name: str) -> None:
    """CREATE UNIQUE INDEX fails with 1505 if the committed rows already hold a duplicate."""
    index = definition.indexes[-1]
    key_of = key_function(definition.columns, index.columns)
    seen: dict[object, tuple[object, ...]] = {}
    for _row_key, values in ctx.row_access().scan(table, _read_committed()):
        key = key_of(values)
        if key in seen:
            raise sql_error(1505, f"{definition.schema_name}.{table.name}", index_name, key_text(values, index.columns))
        seen[key] = values


def _read_committed() -> ReadPolicy:
    return ReadPolicy()


def drop_index(ctx: ExecContext, node: exp.Drop) -> None:
    db = ctx.database
    on = node.args.get("cluster")
    for target in node.args.get("tables") or []:
        table_name = on.this.name if on is not None else (target.args.get("db").name if target.args.get("db") else "")
        table = db.table_by_name(table_name)
        index_name = target.name
        definition = table.definition if table is not None else None
        if (
            table is None
            or definition is None
            or not any(i.name.casefold() == index_name.casefold() for i in definition.indexes)
        ):
            if node.args.get("exists"):
                continue
            raise sql_error(3701, "index", f"{table_name}.{index_name}")
        _lock_schema(ctx, table)
        indexes = tuple(i for i in definition.indexes if i.name.casefold() != index_name.casefold())
        db.redefine_table(ctx.txn, table, _replace(definition, indexes=indexes, modified=ddl_time()))


def _replace(struct: _Struct, **changes: Any) -> _Struct:
    return msgspec.structs.replace(struct, **changes)


def alter_table(ctx: ExecContext, node: exp.Alter) -> None:
    db = ctx.database
    table = temp_tables.find_table(ctx, node.this)
    if table is None:
        raise sql_error(4902, temp_tables.written_name(node.this))
    _lock_schema(ctx, table)
    builder = _TableBuilder(db, table.name, table.object_id, table.definition)
    builder.nullable_by_default = column_nullable_by_default(ctx.session.options)
    builder.collation = column_collation(ctx)
    added: list[ColumnDef] = []
    dropped: list[int] = []
    for action in node.args.get("actions") or []:
        if isinstance(action, exp.ColumnDef):
            builder.add_column(action)
            added.append(builder.columns[-1])
        elif isinstance(action, exp.AddConstraint):
            for constraint in action.expressions:
                for kind, options in _constraint_parts(constraint):
                    builder.add_constraint(kind, constraint.name or None, None, options)
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "COLUMN":
            for column in action.args.get("tables") or []:
                position = table.definition.column_position(column.name)
                if position is None:
                    raise sql_error(4924, column.name, table.name)
                for index in builder.indexes:
                    if position in index.columns or position in index.included:
                        raise sql_error(5074, "object", index.name, column.name)
                for dependent in _foreign_keys_on(db, table, position, builder.foreign_keys):
                    raise sql_error(5074, "object", dependent, column.name)
                for other in builder.columns:
                    if other.computed_sql is not None and column.name.casefold() in computed_columns.references(other):
                        raise sql_error(5074, "column", other.name, column.name)
                schema_binding.refuse_drop_column(ctx, table.name, column.name)
                dropped.append(position)
        elif isinstance(action, exp.Drop) and (action.args.get("kind") or "").upper() == "CONSTRAINT":
            for target in action.args.get("tables") or []:
                name = target.name.casefold()
                before = len(builder.indexes) + len(builder.checks) + len(builder.foreign_keys)
                builder.indexes = [i for i in builder.indexes if i.name.casefold() != name]
                builder.checks = [c for c in builder.checks if c.name.casefold() != name]
                builder.foreign_keys = [f for f in builder.foreign_keys if f.name.casefold() != name]
                if before == len(builder.indexes) + len(builder.checks) + len(builder.foreign_keys):
                    raise sql_error(3728, target.name)
        else:
            raise sql_error(102, near(action))
    for column in added:
        filled = column.computed_sql is not None or column.default_sql is not None or column.identity_seed is not None
        if not column.nullable and not filled and table.rows:
            raise sql_error(4901, column.name, table.name)
    if dropped:
        keep = [i for i in range(len(builder.columns)) if i not in dropped]
        remap = {old: new for new, old in enumerate(keep)}
        builder.columns = [builder.columns[i] for i in keep]
        builder.indexes = [
            _replace(i, columns=tuple(remap[c] for c in i.columns), included=tuple(remap[c] for c in i.included))
            for i in builder.indexes
        ]
        builder.foreign_keys = [_replace(f, columns=tuple(remap[c] for c in f.columns)) for f in builder.foreign_keys]
    builder.columns = computed_columns.resolve(ctx, builder.name, builder.columns)
    definition = builder.build()
    if not added and not dropped:
        db.redefine_table(ctx.txn, table, definition)
        return
    # ADD/DROP COLUMN: read every row in the old layout, install the new definition, then give every row a new
    # version in the new layout (logged and undone like an UPDATE; the old versions keep their layout's shape).
    access = ctx.row_access()
    old_rows = list(access.scan(table, _read_committed()))
    db.redefine_table(ctx.txn, table, definition)
    defaults = column_defaults(ctx, definition)[len(definition.columns) - len(added) :] if added else []
    writer = RowWriter(ctx, table, "ALTER TABLE")  # computes the added computed columns of each row
    for row_key, values in old_rows:
        ctx.task.tick()
        new = tuple(v for i, v in enumerate(values) if i not in dropped) + tuple(d() for d in defaults)
        access._push(table, row_key, writer.complete(new))


def truncate_table(ctx: ExecContext, node: exp.TruncateTable) -> None:
    for target in node.expressions:
        table = temp_tables.find_table(ctx, target)
        if table is None:
            raise sql_error(4701, temp_tables.written_name(target))
        _lock_schema(ctx, table)
        access = ctx.row_access()
        for row_key, _values in list(access.scan(table, _read_committed())):
            access.delete(table, row_key)


def select_into(
    ctx: ExecContext, target: exp.Expr, columns: Sequence[Any], rows: Iterable[tuple[Any, ...]], limit: int
) -> int:
    """SELECT ... INTO t: a new heap table with the select list's names, types and nullability (a base column's
    NOT NULL and IDENTITY carry over, as in SQL Server), filled with its rows in the statement's transaction (2714 if
    t exists; 1038 for a column without a name)."""
    db = ctx.database
    table_node = target if isinstance(target, exp.Table) else exp.to_table(target.name)
    name = temp_tables.name_for_create(ctx, table_node)
    seen: set[str] = set()
    collation = column_collation(ctx)
    definitions = []
    for column in columns:
        if not column.name:
            raise sql_error(1038)
        if column.name.casefold() in seen:
            raise sql_error(2705, column.name, temp_tables.written_name(table_node))
        seen.add(column.name.casefold())
        sql_type = column.type
        seed, increment = column.identity or (None, None)
        definitions.append(
            ColumnDef(
                column.name, sql_type.name, sql_type.length, sql_type.precision, sql_type.scale,
                column.nullable and seed is None, identity_seed=seed, identity_increment=increment,
                collation=collation if sql_type.name in STRING_TYPES else None,
            )
        )  # fmt: skip
    now = ddl_time()
    definition = TableDef(db.allocate_object_id(), name, tuple(definitions), created=now, modified=now)
    table = db.create_table(ctx.txn, definition)
    _lock_schema(ctx, table)
    access = ctx.row_access()
    identity = table.definition.identity_position
    count = 0
    for row in rows:
        ctx.task.tick()
        access.insert(table, tuple(row))
        if identity is not None and row[identity] is not None:
            last = table.identity_last
            step = definitions[identity].identity_increment or 1
            if last is None or (row[identity] > last if step > 0 else row[identity] < last):
                table.identity_last = row[identity]
                ctx.txn.identity_changes[table.object_id] = row[identity]
        count += 1
        if limit and count >= limit:
            break
    return count
