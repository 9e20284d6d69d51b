"""Running a scalar function's body: the batch runner, inside the calling statement.

A function runs while the statement that calls it is running, so its statements must not start transactions of
their own: every query and table-variable write of the body runs in the calling statement's transaction, with its
lock timeout and snapshot (``enclosing``).  It sends nothing to the client (no DONE, no rows: CREATE refused what
would), and an error in it is not reported here: it ends the body and reaches the calling statement, named after
the function.  ``RETURN expr`` ends the body with the value and the type of ``expr``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from quietus.engine.access import ReadPolicy, RowAccess
from quietus.errors import SqlError, sql_error
from quietus.sql import temp_tables
from quietus.sql.batch import BatchRunner, _Return
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.dialect.variables import TABLE_TYPE
from quietus.sql.types_base import SqlType


class FunctionReturn(Exception):
    def __init__(self, value: Any, type_: SqlType) -> None:
        self.value = value
        self.type = type_


class FunctionRunner(BatchRunner):
    def __init__(self, ctx: ExecContext, enclosing: RowAccess) -> None:
        super().__init__(ctx)
        self.enclosing = enclosing

    def run_statement(self, statement: st.Statement) -> None:
        if isinstance(statement, st.SqlStatement):  # the batch runner's table would run BatchRunner.run_sql
            self.ctx.line = statement.line or 1
            self.ctx.task.tick()
            self._guarded(type(self).run_sql, statement)
            return
        if not isinstance(statement, st.Return) or statement.value is None:
            super().run_statement(statement)
            return
        self.ctx.line = statement.line or 1
        value = statement.value
        try:
            compiled = self._with_reads(lambda: self.compile(value))
            result = self._with_reads(lambda: compiled.fn((), self.ctx))
        except SqlError as error:
            self._handle_error(error)
        raise FunctionReturn(result, compiled.type)

    def _with_reads(self, action: Any) -> Any:
        ctx = self.ctx
        if ctx.access is not None:
            return action()
        ctx.access = self.enclosing
        try:
            return action()
        finally:
            ctx.access = None

    def run_sql(self, statement: st.SqlStatement) -> None:
        if self.session.doomed:
            raise sql_error(3930)
        access = self.enclosing
        command = self.session.command
        try:
            self.execute_node(statement.node, access.txn, None, access.lock_timeout_ms, access.snapshot_seq)
        finally:
            self.session.command = command

    def _handle_error(self, error: SqlError) -> None:
        if not error.procedure:
            error.procedure = self.ctx.procedure_name
        raise error

    def run_for_table(self, body: Sequence[st.Statement], name: str, columns: exp.Schema) -> list[tuple[Any, ...]]:
        """A multi-statement table-valued function's body: ``name`` declared as its table, the body run to its
        RETURN; the rows the table holds then."""
        # Written nowhere in the body (offset -1): a DECLARE of the same name in it is a second one (134).
        self.declare(st.Declare((st.VariableDecl(name, TABLE_TYPE, table=columns),), offset=-1))
        with contextlib.suppress(_Return):  # RETURN: the table is complete
            self.run_block(body)
        stored = self.ctx.table_variables[name.casefold()]
        table = self.ctx.database.table_by_name(stored)
        assert table is not None
        return [values for _key, values in self.enclosing.scan(table, ReadPolicy())]

    def finish(self) -> None:
        """The body's table variables go when it returns."""
        if self.ctx.table_variables:
            temp_tables.drop_table_variables(self.ctx, self.enclosing.txn)
