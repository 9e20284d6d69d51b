"""The OUTPUT clause of INSERT, UPDATE and DELETE: the rows a statement wrote, as a result set or into a table.

``OUTPUT <select list> [INTO table [(columns)]]``.  The select list sees two pseudo tables with the target's
columns: ``inserted`` (the new rows: INSERT, UPDATE) and ``deleted`` (the old rows: UPDATE, DELETE); naming one the
statement does not have is 4104, as in SQL Server.  ``inserted.*`` / ``deleted.*`` expand to every column.

Invariants:
1. The rows are the rows written, after defaults, identity values and conversion to the column types.
2. They are sent (or inserted INTO) only once the statement has written every row: a statement that fails sends
   none, and ``OUTPUT ... INTO`` writes inside the same statement (its transaction, its rollback).
3. ``INTO`` a table variable is not supported (40517), never silently skipped.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from quietus.engine.locks import LockMode
from quietus.engine.storage.table import Table
from quietus.errors import sql_error
from quietus.sql.context import ExecContext
from quietus.sql.expressions import CompiledExpr, compile_expression
from quietus.sql.planner import Planner, column_type
from quietus.sql.results import ResultColumn
from quietus.sql.scope import ScopeColumn

# Which pseudo tables a statement has, in the order their columns are laid out in an OUTPUT row.
PSEUDO_TABLES: dict[type, tuple[str, ...]] = {
    exp.Insert: ("inserted",),
    exp.Update: ("inserted", "deleted"),
    exp.Delete: ("deleted",),
}


class Output:
    def __init__(self, ctx: ExecContext, statement: exp.Expr) -> None:
        self.ctx = ctx
        self.returning: exp.Returning = statement.args["returning"]
        self.pseudo = PSEUDO_TABLES[type(statement)]
        self.width = 0
        self.names: list[str] = []
        self.compiled: list[CompiledExpr] = []
        self.rows: list[tuple[Any, ...]] = []

    def bind(self, table: Table) -> None:
        """The statement's target is known: compile the select list against ``inserted`` / ``deleted``."""
        columns = table.definition.columns
        self.width = len(columns)
        scope_columns = [
            ScopeColumn(c.name, column_type(c), source=pseudo, table=table.name)
            for pseudo in self.pseudo
            for c in columns
        ]
        planner = Planner(self.ctx)
        scope = planner.scope(scope_columns, None)
        for item in planner._expand_star(list(self.returning.expressions), scope):
            self.names.append(item.alias if isinstance(item, exp.Alias) else item.name)
            self.compiled.append(compile_expression(item.this if isinstance(item, exp.Alias) else item, scope))

    def add(self, *, inserted: tuple[Any, ...] | None, deleted: tuple[Any, ...] | None) -> None:
        empty = (None,) * self.width
        images = {"inserted": inserted, "deleted": deleted}
        row = tuple(v for pseudo in self.pseudo for v in (images[pseudo] or empty))
        self.rows.append(tuple(c.fn(row, self.ctx) for c in self.compiled))

    def finish(self) -> None:
        """Send the rows as a result set, or insert them INTO the named table."""
        into = self.returning.args.get("into")
        if into:
            self._insert_into(into)
            return
        sink = self.ctx.sink
        sink.start_result([ResultColumn(name, c.type) for name, c in zip(self.names, self.compiled, strict=True)])
        try:
            for row in self.rows:
                sink.row(row)
        finally:
            sink.end_result()

    def _insert_into(self, into: exp.Expr) -> None:
        from quietus.sql.dml import insert_positions, insert_rows  # dml builds on this module

        if isinstance(into, exp.Parameter):
            raise sql_error(40517, "OUTPUT INTO a table variable")
        name = into.name if not isinstance(into, exp.Anonymous) else str(into.this)
        columns = [c.name for c in into.expressions] if isinstance(into, exp.Anonymous) else []
        table = self.ctx.database.table_by_name(name)
        if table is None:
            raise sql_error(208, name)
        self.ctx.row_access().lock_object(table, LockMode.IX)
        positions = insert_positions(self.ctx, table, columns)
        if len(positions) != len(self.compiled):
            raise sql_error(213)
        types = [c.type for c in self.compiled]
        insert_rows(self.ctx, table, positions, self.rows, [types] * len(self.rows))
