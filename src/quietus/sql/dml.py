"""INSERT, UPDATE and DELETE.

UPDATE and DELETE run in two phases, as SQL Server's plans with an eager spool do: first read the qualifying rows
(with U locks, so two updaters of one row queue instead of deadlocking), then write them.  Reading everything first
avoids the Halloween problem (an update that moves a row ahead of the scan would otherwise see it twice).  U locks
taken on rows that did not qualify are released when the read phase ends.

Constraint checks per written row, in SQL Server's order: NOT NULL (515), CHECK (547), FOREIGN KEY (547), then
PRIMARY KEY / UNIQUE (2627/2601) inside the access layer.  Any error aborts the statement; the batch runner undoes
the statement's partial work.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from quietus.engine.access import ReadPolicy
from quietus.engine.locks import LockMode
from quietus.engine.storage.keys import key_part, keyed_by
from quietus.engine.storage.schema import ColumnDef, TableDef
from quietus.engine.storage.table import Table
from quietus.errors import sql_error
from quietus.memo import IdentityMemo
from quietus.sql import apply, computed_columns, target_hints, temp_tables, views, xml_methods
from quietus.sql.context import ExecContext
from quietus.sql.environment import PlanCache
from quietus.sql.expressions import compile_expression, compile_predicate
from quietus.sql.modules import Module
from quietus.sql.operators import Plan
from quietus.sql.output import Output
from quietus.sql.planner import Planner, TargetInfo, column_type
from quietus.sql.results import MessageEvent
from quietus.sql.scope import Scope, ScopeColumn
from quietus.sql.syntax_near import near
from quietus.sql.types import coerce_for_column
from quietus.sql.types_base import SqlType

Values = tuple[Any, ...]


@functools.lru_cache(maxsize=1024)
def stored_expression(sql: str) -> exp.Expr:
    """A column default's or CHECK constraint's stored text, parsed once (compiling never changes the tree)."""
    return sqlglot.parse_one(sql, read="tsql")


def column_defaults(ctx: ExecContext, definition: TableDef) -> list[Callable[[], Any]]:
    """For each column, a function giving its value when an INSERT does not name it."""
    empty = Scope([], None, ctx.variable_type)
    defaults: list[Callable[[], Any]] = []
    for column in definition.columns:
        if column.default_sql is None:
            defaults.append(lambda: None)
            continue
        compiled = compile_expression(stored_expression(column.default_sql), empty)
        target = column_type(column)
        table = definition.name

        def default(
            fn: Any = compiled.fn,
            source: SqlType = compiled.type,
            target: SqlType = target,
            name: str = column.name,
            table: str = table,
        ) -> Any:
            return coerce_for_column(fn((), ctx), source, target, table, name)

        defaults.append(default)
    return defaults


# A table's column types, made once per definition (a definition is immutable: a change makes a new one).
_COLUMN_TYPES: IdentityMemo[tuple[ColumnDef, ...], None, tuple[SqlType, ...]] = IdentityMemo(
    lambda columns, _none: tuple(column_type(c) for c in columns)
)


class TableRules:
    """What a write checks and derives per row of one table definition, compiled once: its CHECK constraints and
    its computed columns.  Nothing in it depends on the statement's values (a CHECK or a computed column names no
    variable), so a cached UPDATE plan (``WritePlan``) keeps one for its target's definition."""

    __slots__ = ("checks", "computed", "types")

    def __init__(self, ctx: ExecContext, table: Table) -> None:
        definition = table.definition
        self.types = _COLUMN_TYPES.get(definition.columns, None)
        self.checks: list[tuple[str, Callable[..., Any]]] = []
        if definition.checks:
            columns = [ScopeColumn(c.name, t, table.name) for c, t in zip(definition.columns, self.types, strict=True)]
            scope = Scope(columns, None, ctx.variable_type)
            self.checks = [
                (check.name, compile_predicate(stored_expression(check.expression_sql), scope).fn)
                for check in definition.checks
            ]
        self.computed = [
            (position, computed_columns.compile_over(ctx, definition.columns, computed_columns.expression(c)))
            for position, c in enumerate(definition.columns)
            if c.computed_sql is not None
        ]


class RowWriter:
    """Checks and writes rows of one table for one statement."""

    def __init__(self, ctx: ExecContext, table: Table, statement: str, rules: TableRules | None = None) -> None:
        self.ctx = ctx
        self.table = table
        self.statement = statement
        self.definition = table.definition
        if rules is None:
            rules = TableRules(ctx, table)
        self.types = rules.types
        self.checks = rules.checks
        self.computed = rules.computed
        self.view_checks = [
            (check.view, compile_predicate(check.condition, Scope(
                [ScopeColumn(c.name, t, check.alias, table.name) for c, t in zip(self.definition.columns, self.types,
                                                                                 strict=True)],
                None, ctx.variable_type)).fn)
            for check in ctx.view_checks
            if check.table_name.casefold() == table.name.casefold()
        ] if ctx.view_checks else []  # fmt: skip
        self.access = ctx.row_access()

    def complete(self, values: Sequence[Any]) -> Values:
        """The row with its computed columns' values (computed from the other columns, converted to their types)."""
        if not self.computed:
            return tuple(values)
        row = tuple(values)
        completed = list(values)
        for position, compiled in self.computed:
            column = self.definition.columns[position]
            completed[position] = coerce_for_column(
                compiled.fn(row, self.ctx), compiled.type, self.types[position], self.table.name, column.name
            )
        return tuple(completed)

    def qualified(self) -> str:
        return f"{self.ctx.database.name}.{self.definition.schema_name}.{self.table.name}"

    def validate(self, values: Values) -> None:
        ctx = self.ctx
        for position, column in enumerate(self.definition.columns):
            if values[position] is None and not column.nullable:
                raise sql_error(515, column.name, self.qualified(), self.statement)
        for name, predicate in self.checks:
            if predicate(values, ctx) is False:
                raise sql_error(
                    547,
                    self.statement,
                    "CHECK",
                    name,
                    ctx.database.name,
                    f"{self.definition.schema_name}.{self.table.name}",
                    "",
                    "",
                    "",
                )
        for _view, predicate in self.view_checks:
            if predicate(values, ctx) is not True:
                raise sql_error(550)
        for fk in self.definition.foreign_keys:
            key_values = tuple(values[c] for c in fk.columns)
            if any(v is None for v in key_values):
                continue
            parent = ctx.database.tables.get(fk.referenced_object_id)
            if parent is None or not _referenced_row_exists(ctx, parent, fk.referenced_columns, key_values):
                parent_name = parent.name if parent is not None else "?"
                referenced = parent.definition.columns[fk.referenced_columns[0]].name if parent is not None else ""
                raise sql_error(
                    547,
                    self.statement,
                    "FOREIGN KEY",
                    fk.name,
                    ctx.database.name,
                    f"dbo.{parent_name}",
                    ", column '",
                    referenced,
                    "'",
                )

    def check_not_referenced(self, old: Values, new: Values | None) -> None:
        """DELETE/UPDATE of a referenced row: no child row may still point at it (547, REFERENCE)."""
        ctx = self.ctx
        for child in ctx.database.tables.values():
            for fk in child.definition.foreign_keys:
                if fk.referenced_object_id != self.table.object_id:
                    continue
                parts = tuple(key_part(self.table.definition.columns[c]) for c in fk.referenced_columns)
                referenced_key, referring_key = keyed_by(parts, fk.referenced_columns), keyed_by(parts, fk.columns)
                key = referenced_key(old)
                if new is not None and referenced_key(new) == key:
                    continue
                for _row_key, values in self.access.scan(child, ReadPolicy()):
                    if referring_key(values) == key:
                        column = child.definition.columns[fk.columns[0]].name
                        raise sql_error(
                            547,
                            self.statement,
                            "REFERENCE",
                            fk.name,
                            ctx.database.name,
                            f"dbo.{child.name}",
                            ", column '",
                            column,
                            "'",
                        )


def _referenced_row_exists(ctx: ExecContext, parent: Table, columns: tuple[int, ...], key: Values) -> bool:
    access = ctx.row_access()
    primary = parent.definition.primary_key
    parts = tuple(key_part(parent.definition.columns[c]) for c in columns)
    wanted = keyed_by(parts, range(len(key)))(key)  # the referring values as the referenced key compares them
    if primary is not None and tuple(primary.columns) == tuple(columns) and parent.key_of is not None:
        return access.read_row(parent, wanted, ReadPolicy()) is not None
    key_of = keyed_by(parts, columns)
    return any(key_of(values) == wanted for _k, values in access.scan(parent, ReadPolicy()))


def _target_table(ctx: ExecContext, node: exp.Expr) -> Table:
    table_node = node.this if isinstance(node, exp.Schema) else node
    assert isinstance(table_node, exp.Table)
    table = temp_tables.find_target(ctx, table_node)
    if table is None:
        raise sql_error(208, temp_tables.written_qualified(table_node))
    return table


# -- INSERT ----------------------------------------------------------------------------------------------------


def execute_insert(
    ctx: ExecContext,
    node: exp.Insert,
    output: Output | None = None,
    supplied: tuple[list[Values], list[Sequence[SqlType]]] | None = None,
) -> int:
    """INSERT ... VALUES | query | DEFAULT VALUES, or (``supplied``) the rows an INSERT ... EXEC captured."""
    target = node.this
    table = _target_table(ctx, target)
    access = ctx.row_access()
    access.lock_object(table, target_hints.insert_lock(target))  # IX, or X under TABLOCK(X)
    if output is not None:
        output.bind(table)
    names = [identifier.name for identifier in target.expressions] if isinstance(target, exp.Schema) else []
    positions = insert_positions(ctx, table, names)

    source = node.expression
    rows: list[Values]
    row_types: list[Sequence[SqlType]]
    if supplied is not None:
        rows, row_types = supplied
        if any(len(row) != len(positions) for row in rows):
            raise sql_error(213)
    elif node.args.get("default") or source is None:
        rows, row_types = [()], [()]
        positions = []
    elif isinstance(source, exp.Values):
        rows, row_types = _values_rows(ctx, source, len(positions))
    else:
        planner = Planner(ctx)
        planner.with_clause(node)  # WITH c AS (...) INSERT ... SELECT ... FROM c
        planned = planner.plan_query(source)
        if len(planned.columns) != len(positions):
            raise sql_error(213)
        types = [c.type for c in planned.columns]
        rows = list(planned.plan.rows(ctx, ()))  # read everything first: INSERT t SELECT ... FROM t
        row_types = [types] * len(rows)
    rowcount = ctx.session.rowcount_limit  # SET ROWCOUNT n: the source's first n rows only
    if rowcount and supplied is None:
        rows, row_types = rows[:rowcount], row_types[:rowcount]
    return insert_rows(ctx, table, positions, rows, row_types, output)


def insert_positions(ctx: ExecContext, table: Table, names: Sequence[str]) -> list[int]:
    """The table positions an INSERT's column list names (all but the identity column when it names none)."""
    definition = table.definition
    if names:
        positions = []
        for name in names:
            position = definition.column_position(name)
            if position is None:
                raise sql_error(207, name)
            positions.append(not_computed(definition, position))
    else:
        positions = default_positions(definition)
    identity = definition.identity_position
    if (
        identity is not None
        and identity in positions
        and (ctx.session.identity_insert is None or ctx.session.identity_insert.casefold() != table.name.casefold())
    ):
        raise sql_error(544, table.name)
    return positions


def insert_rows(
    ctx: ExecContext,
    table: Table,
    positions: Sequence[int],
    rows: Sequence[Values],
    row_types: Sequence[Sequence[SqlType]],
    output: Output | None = None,
) -> int:
    """Insert ``rows`` (values for ``positions``): defaults, identity, conversion to the column types, checks."""
    definition = table.definition
    identity = definition.identity_position
    access = ctx.row_access()
    writer = RowWriter(ctx, table, "INSERT")
    defaults = column_defaults(ctx, definition)
    column_types = writer.types
    count = 0
    ignoring = any(index.ignore_dup_key for index in definition.indexes)
    ignored = 0
    for source_row, source_types in zip(rows, row_types, strict=True):
        ctx.task.tick()
        values: list[Any] = [None] * len(definition.columns)
        given = set(positions)
        for position in range(len(definition.columns)):
            if position not in given and position != identity:
                values[position] = defaults[position]()
        for source_position, position in enumerate(positions):
            column = definition.columns[position]
            values[position] = coerce_for_column(
                source_row[source_position],
                source_types[source_position],
                column_types[position],
                table.name,
                column.name,
            )
        if identity is not None and identity not in given:
            values[identity] = _next_identity(ctx, table)
        elif identity is not None:
            explicit = values[identity]
            if explicit is not None and (table.identity_last is None or explicit > table.identity_last):
                table.identity_last = explicit
                ctx.txn.identity_changes[table.object_id] = explicit
        row = writer.complete(values)
        writer.validate(row)
        if ignoring and access.duplicates_ignored_key(table, row):
            ignored += 1
            continue
        access.insert(table, row)
        if output is not None:
            output.add(inserted=row, deleted=None)
        count += 1
    if ignored:
        warning = sql_error(3604)
        ctx.sink.message(MessageEvent(3604, warning.severity, 1, warning.message, ctx.line, ctx.procedure_name))
    return count


def _next_identity(ctx: ExecContext, table: Table) -> int:
    column = table.definition.columns[table.definition.identity_position]  # type: ignore[index]
    seed = column.identity_seed or 1
    step = column.identity_increment or 1
    value = seed if table.identity_last is None else table.identity_last + step
    table.identity_last = value
    ctx.txn.identity_changes[table.object_id] = value
    ctx.session.identity = value
    ctx.session.scope_identity = value
    return value


def _values_rows(ctx: ExecContext, values: exp.Values, width: int) -> tuple[list[Values], list[Sequence[SqlType]]]:
    """Each VALUES row is evaluated and typed on its own, as SQL Server types each row's literals.  A parameter
    (``@P1``, what the embedded API and sp_executesql bind) is read as its compiled form would read it, without
    compiling it on every execution."""
    planner: Planner | None = None
    rows: list[Values] = []
    types: list[Sequence[SqlType]] = []
    for tuple_node in values.expressions:
        items = tuple_node.expressions if isinstance(tuple_node, exp.Tuple) else [tuple_node]
        if len(items) != width:
            raise sql_error(110 if len(items) > width else 109)
        readers: list[Callable[[Values, ExecContext], Any] | str] = []
        row_types: list[SqlType] = []
        for item in items:
            name = _variable_name(item)
            if name is not None:
                readers.append(name)
                row_types.append(ctx.variable_type(name))
                continue
            if planner is None:
                planner = Planner(ctx)
                scope = planner.scope([], None)
            compiled = planner.compile(item, scope)
            readers.append(compiled.fn)
            row_types.append(compiled.type)
        rows.append(tuple(ctx.get_variable(r) if isinstance(r, str) else r((), ctx) for r in readers))
        types.append(tuple(row_types))
    return rows, types


def _variable_name(node: exp.Expr) -> str | None:
    """``@name`` for a parameter or variable reference (not ``@@name``, a system function), else None."""
    if type(node) is exp.Parameter and type(node.this) is not exp.Parameter:
        return f"@{node.this.name}"
    return None


# -- UPDATE / DELETE -------------------------------------------------------------------------------------------


@dataclass(eq=False)
class WritePlan:
    """An UPDATE's or DELETE's compiled form: all that its executions derive from the statement's text, the
    catalog and the session's plan settings alone -- the target table and its name in the statement, the read
    phase's plan (with its key seek), the WHERE, TOP, the SET list, the target's CHECKs and computed columns, and
    whether another table's foreign key references the target.  Nothing in it holds a value, a lock or a row: an
    execution takes the target's IX lock, evaluates TOP, reads the rows and writes them exactly as a fresh plan
    does.  Cached with the SELECTs' plans (``cached_write_plan``)."""

    table: Table
    source: str
    plan: Plan
    scope: Scope
    predicate: Callable[[tuple[Any, ...], ExecContext], Any] | None
    key_slot: int
    top: Callable[[ExecContext], int | None] | None
    percent: bool
    assignments: list[tuple[int, Any, SqlType]]
    rules: TableRules
    referenced: bool
    modules: tuple[Module, ...]  # the views and functions it expanded, as they were (checked on a hit)


def plan_write(ctx: ExecContext, node: exp.Expr, output: Output | None = None) -> WritePlan:
    """Compile ``node`` (UPDATE, or a DELETE-shaped tree) against the catalog as it is now, binding ``output`` to
    its target first (so an OUTPUT clause's error comes before the WHERE's, as it always has).  Takes no lock."""
    table, source = _update_target(ctx, node)
    if output is not None:
        output.bind(table)
    planner = Planner(ctx)
    planner.with_clause(node)  # WITH c AS (...) UPDATE / DELETE ... FROM c
    pseudo = exp.Select(expressions=[exp.Star()])
    from_ = _write_from(node)
    if from_ is not None:
        pseudo.set("from_", from_)
        if not _names_target(from_, node.this):  # UPDATE t ... FROM x, y: t is joined to them, as in SQL Server
            pseudo.set("joins", [exp.Join(this=node.this.copy())])
    else:
        pseudo.set("from_", exp.From(this=node.this))
    plan, scope = planner.plan_from(pseudo, None, TargetInfo(table, source))
    where = node.args.get("where")
    predicate = compile_predicate(where.this, scope).fn if where is not None else None
    if where is not None:
        planner._seek(plan, where.this, scope)
    key_slot = scope.slot_of_hidden(_match_source(scope, source, table))
    limit = node.args.get("limit")
    top = None
    percent = False
    if limit is not None:
        top = planner._constant_int(limit.expression if hasattr(limit, "expression") else limit, 1014)
        options = limit.args.get("limit_options")
        percent = bool(options is not None and options.args.get("percent"))
    updating = isinstance(node, exp.Update)
    assignments = compile_assignments(table.definition, node.expressions, scope) if updating else []
    rules = TableRules(ctx, table)
    referenced = _is_referenced(ctx, table)
    modules = tuple(planner.modules)
    return WritePlan(
        table, source, plan, scope, predicate, key_slot, top, percent, assignments, rules, referenced, modules
    )


_WRITE_PLAN = "write"  # the first part of a cached write plan's key (a SELECT's key starts with its statement's id)


def cached_write_plan(
    ctx: ExecContext, node: exp.Expr, plans: PlanCache | None, output: Output | None = None
) -> WritePlan:
    """``node``'s plan from ``plans`` (None: not cached, a fresh plan), made and kept there on a miss; ``output``
    bound to its target either way.

    Keyed as a SELECT's plan is -- the parsed statement (the cache keeps it, so its id is not reused), the database,
    its catalog version (every table, index and constraint change bumps it, rolled back ones too), the isolation
    level, READ_COMMITTED_SNAPSHOT, the parameters' and variables' types, which tables the session's ``#`` and
    ``@`` names stand for -- and also by what a write's read phase plans with: versioned writes (Oracle's
    statement restart) and the session's collation (its dialect).  On a hit every view or function the plan
    expanded must read as it did (a view's change bumps no catalog version), and the target must still be the
    table of its object id in the database (a defence in depth: every known way of replacing it bumps the catalog
    version)."""
    if plans is None:
        return plan_write(ctx, node, output)
    access = ctx.row_access()
    database = access.db
    key = (
        _WRITE_PLAN,
        id(node),
        database.name,
        database.catalog_version,
        access.txn.isolation,
        ctx.read_committed_snapshot,
        ctx.versioned_writes,
        ctx.collation.name,
        frozenset(ctx.variable_types.items()),
        ctx.session.temp_table_key(),
    )
    planned: WritePlan | None = plans.get(key)
    if (
        planned is None
        or database.tables.get(planned.table.object_id) is not planned.table
        or not views.still_current(ctx, planned.modules)
    ):
        planned = plan_write(ctx, node, output)
        plans.put(key, node, planned)
    elif output is not None:
        output.bind(planned.table)
    return planned


def _read_phase(ctx: ExecContext, planned: WritePlan) -> list[tuple[Any, Values, tuple[Any, ...]]]:
    """Rows of the target that qualify, as (row_key, current values, the whole joined row): the target's IX lock,
    then the plan's rows (U locks on the target's, as its read policy says)."""
    table = planned.table
    ctx.row_access().lock_object(table, LockMode.IX)
    predicate = planned.predicate
    key_slot = planned.key_slot
    start = key_slot - len(table.definition.columns)
    percent = planned.percent
    top = planned.top(ctx) if planned.top is not None else None
    rowcount = ctx.session.rowcount_limit  # SET ROWCOUNT n: at most n rows, with TOP the smaller
    if rowcount and not percent:
        top = rowcount if top is None else min(top, rowcount)
    found: dict[Any, tuple[Any, Values, tuple[Any, ...]]] = {}
    for row in planned.plan.rows(ctx, ()):
        if predicate is not None and predicate(row, ctx) is not True:
            continue
        row_key = row[key_slot]
        if row_key in found:
            continue
        found[row_key] = (row_key, row[start:key_slot], row)
        if top is not None and not percent and len(found) >= top:
            break
    if top is not None and percent:  # TOP (n) PERCENT: n% of the qualifying rows, rounded up
        chosen = list(found.values())[: math.ceil(len(found) * min(top, 100) / 100)]
        return chosen[:rowcount] if rowcount else chosen
    return list(found.values())


def _match_source(scope: Scope, source: str, table: Table) -> str:
    folded = source.casefold()
    for column in scope.columns:
        if column.hidden and column.source.casefold() == folded:
            return column.source
    for column in scope.columns:  # hidden keys come only from scans of the target table: #t is stored renamed
        if column.hidden and column.table.casefold() in (table.name.casefold(), folded):
            return column.source
    raise sql_error(208, source)


def _write_from(node: exp.Expr) -> exp.From | None:
    """An UPDATE's FROM, or a DELETE's second FROM (``DELETE t FROM a AS t JOIN b ...``: the parser keeps its
    sources as ``using``; more than one, comma separated, are cross joined as in a SELECT's FROM)."""
    from_ = node.args.get("from_") or node.args.get("from")
    if from_ is not None or not isinstance(node, exp.Delete):
        return from_
    using = node.args.get("using")
    if not using:
        return None
    first, *rest = using
    if rest:
        first = first.copy()
        first.set("joins", [*(first.args.get("joins") or []), *(exp.Join(this=source) for source in rest)])
    return exp.From(this=first)


def _names_target(from_: exp.From, target: exp.Expr) -> bool:
    """Whether a source of the FROM is the write's target: one aliased as the target is named, or the target's table
    (under any alias: it is read as that source, as it always has been here)."""
    name = target.name.casefold()
    for source in (from_.this, *(from_.this.args.get("joins") or [])):
        table_node = source.this if isinstance(source, exp.Join) else source
        if isinstance(table_node, exp.Lateral):
            table_node = apply.lateral_table(table_node) or table_node
        if isinstance(table_node, exp.Table) and name in (table_node.alias.casefold(), table_node.name.casefold()):
            return True
    return False


def _update_target(ctx: ExecContext, node: exp.Expr) -> tuple[Table, str]:
    name = node.this.name
    from_ = _write_from(node)
    if from_ is not None:
        sources = [from_.this, *(from_.this.args.get("joins") or []), *(node.args.get("joins") or [])]
        for source in sources:
            table_node = source.this if isinstance(source, exp.Join) else source
            if isinstance(table_node, exp.Lateral):  # ... CROSS APPLY t AS x: x may be the target too
                table_node = apply.lateral_table(table_node) or table_node
            if (
                isinstance(table_node, exp.Table)
                and table_node.alias
                and table_node.alias.casefold() == name.casefold()
            ):
                table = temp_tables.find_target(ctx, table_node)
                if table is None:
                    raise sql_error(208, temp_tables.written_qualified(table_node))
                return table, table_node.alias
    table = temp_tables.find_target(ctx, node.this) if isinstance(node.this, exp.Table) else None
    if table is None:
        raise sql_error(208, temp_tables.written_qualified(node.this) if isinstance(node.this, exp.Table) else name)
    return table, node.this.alias_or_name


def compile_assignments(
    definition: TableDef, items: Sequence[exp.Expr], scope: Scope
) -> list[tuple[int, Any, SqlType]]:
    """``SET col = expr, ...`` of UPDATE (and MERGE): (column position, value function, value type) each."""
    assignments: list[tuple[int, Any, SqlType]] = []
    for item in items:
        call = xml_methods.method_call(item)
        if call is not None and isinstance(item.this, exp.Identifier):  # SET col.modify('…'): col = the new value
            column, method, arguments = call
            if method != "modify":
                raise sql_error(8113, method)
            position = _assigned_position(definition, column.name)
            compiled = xml_methods.compile_modify(column, column.name, arguments, scope)
            assignments.append((position, compiled.fn, compiled.type))
            continue
        if not isinstance(item, exp.EQ) or not isinstance(item.this, exp.Column):
            raise sql_error(102, near(item))
        position = _assigned_position(definition, item.this.name)
        compiled = compile_expression(item.expression, scope)
        assignments.append((position, compiled.fn, compiled.type))
    return assignments


def _assigned_position(definition: TableDef, name: str) -> int:
    position = definition.column_position(name)
    if position is None:
        raise sql_error(207, name)
    if definition.columns[position].identity_seed is not None:
        raise sql_error(8102, name)
    return not_computed(definition, position)


def not_computed(definition: TableDef, position: int) -> int:
    """``position``, which an INSERT or UPDATE names: 271 when it is a computed column's."""
    if definition.columns[position].computed_sql is not None:
        raise sql_error(271, definition.columns[position].name)
    return position


def default_positions(definition: TableDef) -> list[int]:
    """What an INSERT without a column list fills: every column but the identity and the computed ones."""
    return [i for i, c in enumerate(definition.columns) if c.identity_seed is None and c.computed_sql is None]


def execute_update(
    ctx: ExecContext, node: exp.Update, output: Output | None = None, plans: PlanCache | None = None
) -> int:
    """UPDATE; ``plans``: the plan cache to take its compiled form from (None for a tree made for this execution
    alone: a write through a view, rewritten onto its base table each time)."""
    planned = cached_write_plan(ctx, node, plans, output)
    table = planned.table
    rows = _read_phase(ctx, planned)
    definition = table.definition
    writer = RowWriter(ctx, table, "UPDATE", planned.rules)
    assignments = planned.assignments
    changes: list[tuple[Any, Values, Values]] = []
    for row_key, old, row in rows:
        ctx.task.tick()
        assigned = list(old)
        for position, fn, source_type in assignments:
            column = definition.columns[position]
            assigned[position] = coerce_for_column(
                fn(row, ctx), source_type, writer.types[position], table.name, column.name
            )
        changes.append((row_key, old, writer.complete(assigned)))
    release_unqualified(ctx, table, {row_key for row_key, _, _ in rows})
    referenced = planned.referenced
    access = writer.access
    key_of = table.key_of
    moves = [c for c in changes if key_of is not None and key_of(c[2]) != c[0]]
    stays = [c for c in changes if key_of is None or key_of(c[2]) == c[0]]
    for _row_key, old, new in changes:
        ctx.task.tick()
        writer.validate(new)
        if referenced:
            writer.check_not_referenced(old, new)
    # Constraints hold per statement, not per row: rows whose key changes leave their old keys first, and
    # unique keys are checked once everything is written (so SET id = id + 1 works, as in SQL Server).
    for row_key, _old, _new in moves:
        access.delete(table, row_key)
    for row_key, old, new in stays:
        access.update(table, row_key, old, new, check_unique=False)
    for _row_key, _old, new in moves:
        ctx.task.tick()
        access.insert(table, new)
    for row_key, old, new in stays:
        ctx.task.tick()
        access.check_unique(table, row_key, new, old)
    if output is not None:
        for _row_key, old, new in changes:
            output.add(inserted=new, deleted=old)
    return len(changes)


def execute_delete(
    ctx: ExecContext, node: exp.Delete, output: Output | None = None, plans: PlanCache | None = None
) -> int:
    """DELETE; ``plans`` as for ``execute_update``."""
    planned = cached_write_plan(ctx, node, plans, output)
    table = planned.table
    rows = _read_phase(ctx, planned)
    release_unqualified(ctx, table, {row_key for row_key, _, _ in rows})
    writer = RowWriter(ctx, table, "DELETE", planned.rules)
    referenced = planned.referenced
    for row_key, old, _row in rows:
        ctx.task.tick()
        if referenced:
            writer.check_not_referenced(old, None)
        writer.access.delete(table, row_key)
        if output is not None:
            output.add(inserted=None, deleted=old)
    return len(rows)


def _is_referenced(ctx: ExecContext, table: Table) -> bool:
    return any(
        fk.referenced_object_id == table.object_id
        for other in ctx.database.tables.values()
        for fk in other.definition.foreign_keys
    )


def lock_qualifying_rows(ctx: ExecContext, node: exp.Expr) -> int:
    """``SELECT ... FOR UPDATE`` of one table (``node``: a DELETE-shaped tree of its table and WHERE): update-lock
    exactly the rows the WHERE selects, to the end of the transaction.  Returns how many."""
    planned = plan_write(ctx, node)
    table = planned.table
    rows = _read_phase(ctx, planned)
    qualifying = {row_key for row_key, _, _ in rows}
    release_unqualified(ctx, table, qualifying)
    access = ctx.row_access()
    for row_key in qualifying:
        access.lock_for_update(table, row_key)
    return len(qualifying)


def release_unqualified(ctx: ExecContext, table: Table, qualifying: set[Any]) -> None:
    """Let go of the U locks this statement took on rows of ``table`` it then did not write (its read phase's, not
    those a hint holds), as SQL Server does: a row that did not qualify blocks nobody."""
    access = ctx.row_access()
    for row_key in access.take_fresh_update_locks(table):
        if row_key not in qualifying:
            access.unlock_row(table, row_key)
