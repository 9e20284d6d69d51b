"""MERGE target USING source ON condition WHEN ... THEN ...;

Like UPDATE and DELETE (``dml.py``), a MERGE reads first and writes afterwards.  The read phase joins the target
(scanned for write, so its rows carry their keys and take U locks) with the source, every source row marked so a
missing one is told from a row of NULLs:

| joined row                    | clause that may act (the first whose AND condition holds)      | actions          |
|-------------------------------|----------------------------------------------------------------|------------------|
| target row and source row     | WHEN MATCHED [AND c]                                           | UPDATE SET, DELETE |
| source row only               | WHEN NOT MATCHED [BY TARGET] [AND c]                           | INSERT           |
| target row only               | WHEN NOT MATCHED BY SOURCE [AND c] (the join is FULL only then) | UPDATE SET, DELETE |

A target row that two source rows match and that a clause would update or delete twice is SQL Server's 8672 (the
statement is undone).  The write phase deletes, then updates, then inserts, with the constraint checks of
INSERT/UPDATE/DELETE; the row count is the number of rows acted on.  SQL Server requires the terminating ``;``
(10713, checked by the parser).  Not supported yet (refused, never ignored): OUTPUT, TOP, a VALUES source,
INSERT DEFAULT VALUES.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from quietus.engine.locks import LockMode
from quietus.engine.storage.table import Table
from quietus.errors import sql_error
from quietus.sql import temp_tables, views
from quietus.sql.context import ExecContext
from quietus.sql.dml import (
    RowWriter,
    _is_referenced,
    _next_identity,
    column_defaults,
    compile_assignments,
    default_positions,
    not_computed,
    release_unqualified,
)
from quietus.sql.expressions import RowFn, compile_expression, compile_predicate
from quietus.sql.operators import Join, Plan
from quietus.sql.planner import Planner, TargetInfo
from quietus.sql.scope import Scope, ScopeColumn
from quietus.sql.types import coerce_for_column
from quietus.sql.types_base import BOOLEAN, SqlType

Row = tuple[Any, ...]
Values = tuple[Any, ...]


@dataclass
class _Clause:
    condition: RowFn | None
    delete: bool = False
    assignments: list[tuple[int, RowFn, SqlType]] = field(default_factory=list)  # UPDATE SET
    insert: list[tuple[int, RowFn, SqlType]] = field(default_factory=list)  # INSERT (columns) VALUES (...)


class _MarkedSource(Plan):
    """The source's rows with a TRUE appended, so an outer join's missing source row is told from NULLs."""

    def __init__(self, child: Plan) -> None:
        self.child = child
        self.columns = (*child.columns, ScopeColumn("%source", BOOLEAN, hidden=True))

    def rows(self, ctx: ExecContext, outer: Row) -> Iterator[Row]:
        for row in self.child.rows(ctx, outer):
            yield (*row, True)


def execute_merge(ctx: ExecContext, node: exp.Merge) -> int:
    for unsupported in ("returning", "limit"):
        if node.args.get(unsupported) is not None:
            raise sql_error(102, "OUTPUT" if unsupported == "returning" else "TOP")
    target_node = node.this
    if not isinstance(target_node, exp.Table):
        raise sql_error(102, target_node.sql(dialect="tsql")[:40])
    table = temp_tables.find_target(ctx, target_node)
    if table is None and views.find_view(ctx, target_node) is not None:
        raise sql_error(40517, f"MERGE into view '{target_node.name}'")  # writes through views: INSERT/UPDATE/DELETE
    if table is None:
        raise sql_error(208, temp_tables.written_qualified(target_node))
    alias = target_node.alias or target_node.name
    ctx.row_access().lock_object(table, LockMode.IX)
    planner = Planner(ctx)
    planner.with_clause(node)  # WITH src AS (...) MERGE t USING src ...
    target_plan = planner.plan_table_source(target_node, TargetInfo(table, alias))
    using = node.args["using"]
    source_plan = _MarkedSource(planner._plan_source(using, None, None))
    scope = planner.scope((*target_plan.columns, *source_plan.columns), None)
    whens = [when for when in node.args["whens"].expressions]
    by_source = any(when.args.get("source") for when in whens)
    on = node.args["on"]
    keys = planner._equi_keys(on, target_plan, source_plan, None)
    left_key, right_key = keys if keys is not None else (None, None)
    joined = Join(target_plan, source_plan, "FULL" if by_source else "RIGHT",
                  compile_predicate(on, scope).fn, left_key, right_key)  # fmt: skip

    matched: list[_Clause] = []
    not_matched: list[_Clause] = []
    not_matched_by_source: list[_Clause] = []
    for when in whens:
        built = _clause(table, when, scope)
        if when.args.get("matched"):
            matched.append(built)
        elif when.args.get("source"):
            not_matched_by_source.append(built)
        else:
            not_matched.append(built)

    key_slot = len(target_plan.columns) - 1  # the target's %rowkey closes its columns
    width = len(table.definition.columns)
    source_slot = len(scope.layout) - 1
    writer = RowWriter(ctx, table, "MERGE")
    updates: dict[Any, tuple[Values, Values]] = {}
    deletes: dict[Any, Values] = {}
    inserts: list[Values] = []
    limit = ctx.session.rowcount_limit  # SET ROWCOUNT n: the statement stops once n rows are acted on
    for row in joined.rows(ctx, ()):
        ctx.task.tick()
        if limit and len(deletes) + len(updates) + len(inserts) >= limit:
            break
        row_key = row[key_slot]
        has_source = row[source_slot] is True
        if row_key is not None:
            clause = _first(matched if has_source else not_matched_by_source, row, ctx)
            if clause is None:
                continue
            if row_key in updates or row_key in deletes:
                raise sql_error(8672)
            old = row[key_slot - width : key_slot]
            if clause.delete:
                deletes[row_key] = old
            else:
                updates[row_key] = (old, _assigned(clause, old, row, ctx, writer, table))
        elif has_source:
            clause = _first(not_matched, row, ctx)
            if clause is not None:
                inserts.append(_inserted(clause, row, ctx, writer, table))

    release_unqualified(ctx, table, updates.keys() | deletes.keys())  # the target rows no clause acted on
    access = writer.access
    referenced = _is_referenced(ctx, table)
    for row_key, old in deletes.items():
        ctx.task.tick()
        if referenced:
            writer.check_not_referenced(old, None)
        access.delete(table, row_key)
    for row_key, (old, new) in updates.items():
        ctx.task.tick()
        writer.validate(new)
        if referenced:
            writer.check_not_referenced(old, new)
        if table.key_of is not None and table.key_of(new) != row_key:
            access.delete(table, row_key)
            access.insert(table, new)
        else:
            access.update(table, row_key, old, new)
    for values in inserts:
        ctx.task.tick()
        writer.validate(values)
        access.insert(table, values)
    return len(deletes) + len(updates) + len(inserts)


def _clause(table: Table, when: exp.When, scope: Scope) -> _Clause:
    condition_node = when.args.get("condition")
    condition = compile_predicate(condition_node, scope).fn if condition_node is not None else None
    then = when.args.get("then")
    definition = table.definition
    if isinstance(then, exp.Var) and then.name.upper() == "DELETE":
        return _Clause(condition, delete=True)
    if isinstance(then, exp.Update):
        return _Clause(condition, assignments=compile_assignments(definition, then.expressions, scope))
    if isinstance(then, exp.Insert):
        columns = then.this.expressions if isinstance(then.this, exp.Tuple) else []
        values = then.expression.expressions if isinstance(then.expression, exp.Tuple) else []
        if not values:
            raise sql_error(102, "DEFAULT")
        positions = []
        for column in columns:
            position = definition.column_position(column.name)
            if position is None:
                raise sql_error(207, column.name)
            positions.append(not_computed(definition, position))
        if not columns:
            positions = default_positions(definition)
        if len(values) != len(positions):
            raise sql_error(110 if len(values) > len(positions) else 109)
        identity = definition.identity_position
        if identity is not None and identity in positions:
            raise sql_error(544, table.name)
        compiled_values = [compile_expression(value, scope) for value in values]
        return _Clause(condition, insert=[(p, c.fn, c.type) for p, c in zip(positions, compiled_values, strict=True)])
    raise sql_error(102, then.sql(dialect="tsql")[:40] if then is not None else "THEN")


def _first(clauses: list[_Clause], row: Row, ctx: ExecContext) -> _Clause | None:
    for clause in clauses:
        if clause.condition is None or clause.condition(row, ctx) is True:
            return clause
    return None


def _assigned(clause: _Clause, old: Values, row: Row, ctx: ExecContext, writer: RowWriter, table: Table) -> Values:
    values = list(old)
    for position, fn, source_type in clause.assignments:
        column = table.definition.columns[position]
        values[position] = coerce_for_column(fn(row, ctx), source_type, writer.types[position], table.name, column.name)
    return writer.complete(values)


def _inserted(clause: _Clause, row: Row, ctx: ExecContext, writer: RowWriter, table: Table) -> Values:
    definition = table.definition
    defaults = column_defaults(ctx, definition)
    given = {position for position, _, _ in clause.insert}
    identity = definition.identity_position
    values: list[Any] = [
        None if position in given or position == identity else defaults[position]()
        for position in range(len(definition.columns))
    ]
    for position, fn, source_type in clause.insert:
        column = definition.columns[position]
        values[position] = coerce_for_column(fn(row, ctx), source_type, writer.types[position], table.name, column.name)
    if identity is not None:
        values[identity] = _next_identity(ctx, table)
    return writer.complete(values)
