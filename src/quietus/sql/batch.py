"""Running a T-SQL batch: control of flow, variables, transactions and SQL Server's error semantics.

Transactions (@@TRANCOUNT as SQL Server counts it):

| statement                 | trancount 0                          | trancount n > 0                              |
|---------------------------|--------------------------------------|----------------------------------------------|
| BEGIN TRAN                | start a transaction; 1               | n + 1 (nothing else)                         |
| COMMIT                    | error 3902                           | n - 1; commit when it reaches 0              |
| ROLLBACK [outer name]     | error 3903                           | roll back everything; 0                      |
| ROLLBACK savepoint        | error 3903                           | undo to the savepoint; n                     |
| SAVE TRAN name            | error 628                            | mark a savepoint                             |
| DML/DDL/SELECT            | its own transaction, committed at its end (*) | runs inside                             |

(*) with SET IMPLICIT_TRANSACTIONS ON it opens a transaction instead and leaves trancount at 1.

Errors (what happens after a statement fails):

| situation                                    | the failed statement | the transaction          | the batch       |
|----------------------------------------------|----------------------|--------------------------|-----------------|
| ordinary error (2627, 515, 547, 8134 ...)    | undone               | stays open               | continues       |
| batch-aborting error (1205, 245, 208, ...)   | undone               | stays open (1205: rolled back) | ends      |
| any error with XACT_ABORT ON                 | undone               | rolled back              | ends            |
| error inside TRY                             | undone               | open; doomed if XACT_ABORT ON | CATCH runs |
| kill / attention (``Interrupted``)           | undone               | the session layer decides | ends           |
"""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import Sequence
from typing import Any, Final

from mypy_extensions import mypyc_attr
from sqlglot import exp

from quietus.engine.access import RowAccess
from quietus.engine.interrupts import Interrupted
from quietus.engine.memory import after_rows_written
from quietus.engine.txn.transaction import Isolation, Transaction, TxnState
from quietus.errors import CATALOGUE, SqlError, format_message, sql_error
from quietus.sessions.session import DEADLOCK_PRIORITY_NAMES, ON_OFF_OPTIONS, ErrorState, masked
from quietus.sessions.sql_text import begin_batch
from quietus.sql import (
    cursors,
    ddl,
    dml,
    merge,
    remote_tables,
    session_options,
    stored_procedures,
    temp_tables,
    views,
    xml_methods,
)
from quietus.sql.builtins_format import format_raiserror
from quietus.sql.context import ExecContext
from quietus.sql.dialect import CACHED_TEXT_LIMIT, parse_batch_cached
from quietus.sql.dialect import statements as st
from quietus.sql.environment import PlanCache
from quietus.sql.expressions import compile_expression, compile_predicate
from quietus.sql.output import Output
from quietus.sql.planner import Planner
from quietus.sql.results import (
    CapturingSink,
    MessageEvent,
    ReturnStatus,
    StatementDone,
    TransactionEvent,
)
from quietus.sql.syntax_near import near
from quietus.sql.tree_release import release_trees
from quietus.sql.types import convert
from quietus.sql.types_base import INT, NVARCHAR, SqlType, type_from_sqlglot, type_of_value

# Errors after which SQL Server abandons the rest of the batch (statement-level errors just end the statement).
BATCH_ABORTING = frozenset(
    {137, 207, 208, 209, 4104, 8120, 1205, 245, 241, 8114, 8169, 266, 3930, 596, 102, 156, 217, 8631, 40517}
)

# Statements that open a transaction under SET IMPLICIT_TRANSACTIONS ON.
_IMPLICIT_STARTERS: Final = (
    exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.TruncateTable
)  # fmt: skip
# Kinds tested on every statement: built once here, not as a union per test.
_CONTROL_FLOW: Final = (st.If, st.While, st.Block, st.TryCatch, st.Break, st.Continue, st.Return)  # run unguarded
_QUERIES: Final = (exp.Select, exp.Union, exp.Except, exp.Intersect)
_WRITES: Final = (exp.Insert, exp.Update, exp.Delete)

_ISOLATION_NAMES = {
    "READ UNCOMMITTED": Isolation.READ_UNCOMMITTED,
    "READ COMMITTED": Isolation.READ_COMMITTED,
    "REPEATABLE READ": Isolation.REPEATABLE_READ,
    "SERIALIZABLE": Isolation.SERIALIZABLE,
    "SNAPSHOT": Isolation.SNAPSHOT,
}


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Return(Exception):
    def __init__(self, value: int | None) -> None:
        self.value = value


class _AbortBatch(Exception):
    """The batch ends here; the error has already been reported."""


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (quietus.compiled); its subclasses are not
class BatchRunner:
    def __init__(self, ctx: ExecContext) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.try_depth = 0
        self._insert_source: tuple[list[Any], list[Any]] | None = None  # the rows an INSERT ... EXEC captured
        self.running_blocks: list[Sequence[st.Statement]] = []  # the statement lists being run, outermost first
        # Each variable's DECLARE (its text offset), for the variables this runner's statements declared: a DECLARE
        # run again (a loop, a GOTO back) is that same declaration, not a second one (134).
        self.declared_at: dict[str, int] = {}
        self.cache_plans = True  # False for a batch too long for the parse cache: its plans are not kept either

    # -- entry -----------------------------------------------------------------------------------------------

    def run(self, text: str) -> None:
        """Parse and run one batch.  Errors become messages in the sink; ``Interrupted`` propagates."""
        self.cache_plans = len(text) <= CACHED_TEXT_LIMIT
        try:
            statements = parse_batch_cached(text, self.session.options["QUOTED_IDENTIFIER"])
        except SqlError as error:
            self._report(error)
            self.ctx.sink.done(StatementDone(None, error=True))
            return
        try:
            self.run_block(statements)
        except _AbortBatch:
            pass
        except _Return:
            pass
        except (_Break, _Continue):
            pass
        finally:
            if self.ctx.table_variables:
                temp_tables.drop_table_variables(self.ctx)
            if not self.cache_plans:  # parsed for this request only: give its trees back piece by piece
                with self.ctx.task.noninterruptible():
                    release_trees(statements, self.ctx.task.yield_if_due)

    def run_block(self, statements: Sequence[st.Statement], entry: str | None = None) -> None:
        """Run a statement list; a GOTO to a label of this list (or of a block in it) continues there, and
        ``entry`` starts at such a label."""
        self.running_blocks.append(statements)
        try:
            index = 0
            while index < len(statements):
                try:
                    if entry is not None:
                        found = cursors.locate(statements, entry)
                        assert found is not None, "run_block is entered only at a label it holds"
                        index, inner, entry = found, entry, None
                        block = statements[index]
                        if isinstance(block, st.Block):
                            self.run_block(block.statements, inner)
                            index += 1
                            continue
                    self.run_statement(statements[index])
                except cursors.Jump as jump:
                    if cursors.locate(statements, jump.label) is None:
                        raise
                    entry = jump.label
                    continue
                index += 1
        finally:
            self.running_blocks.pop()

    def run_statement(self, statement: st.Statement) -> None:
        self.ctx.line = statement.line or 1
        running = self.session.sql
        if running is not None:
            running.at(statement.offset, len(statement.text))  # statement_start/end_offset
        self.ctx.task.tick()  # a safe point: a 20,000-statement batch yields like a long scan
        handler = _HANDLERS.get(type(statement))
        if handler is None:
            external = self.ctx.env.statement_handlers.get(type(statement))
            if external is None:
                raise self._fail(sql_error(102, (statement.text or type(statement).__name__).split()[0]))
            self._guarded(lambda runner, statement: external(runner.ctx, statement), statement)
            return
        if isinstance(statement, _CONTROL_FLOW):
            handler(self, statement)
        else:
            self._guarded(handler, statement)

    # -- error handling --------------------------------------------------------------------------------------

    def _guarded(self, handler: Any, statement: st.Statement) -> None:
        """Run ``handler(self, statement)``; its SQL error is the statement's (reported, or caught by a TRY)."""
        try:
            handler(self, statement)
        except SqlError as error:
            if error.line <= 1 and statement.line > 1:
                error.line = statement.line
            self._handle_error(error)
        except RecursionError:  # binding, planning or evaluating a tree nested deeper than the stack allows
            self._handle_error(sql_error(8631, line=statement.line or 1))

    def _handle_error(self, error: SqlError) -> None:
        session = self.session
        if not error.procedure and self.ctx.procedure_name:
            error.procedure = self.ctx.procedure_name
        self.session.error = error.number
        xact_abort = session.options["XACT_ABORT"] and error.severity > 10
        if error.number == 1205:
            self.rollback_all()  # the deadlock victim's transaction is gone
        if self.try_depth > 0 and 10 < error.severity < 20:
            if xact_abort and session.txn is not None and session.trancount > 0:
                session.doomed = True
            raise _Caught(error)
        self._report(error)
        self.ctx.sink.done(StatementDone(None, error=True))
        if xact_abort:
            self.rollback_all()
            raise _AbortBatch
        if error.number in BATCH_ABORTING or error.severity >= 20:
            raise _AbortBatch

    def client_error(self, error: SqlError) -> SqlError:
        """The error as this dialect's client sees it (T-SQL: unchanged)."""
        return error

    def _report(self, error: SqlError) -> None:
        self.ctx.sink.message(
            MessageEvent(error.number, error.severity, error.state, error.message, error.line, error.procedure)
        )

    def _fail(self, error: SqlError) -> _AbortBatch:
        self._handle_error(error)
        return _AbortBatch()

    def info(self, number: int, text: str, severity: int = 0, state: int = 1) -> None:
        self.ctx.sink.message(MessageEvent(number, severity, state, text, self.ctx.line))

    # -- transactions ----------------------------------------------------------------------------------------

    def begin_transaction(self, explicit: bool, name: str = "") -> Transaction:
        session = self.session
        db = self.ctx.database
        txn = db.begin(session.session_id, session.isolation, explicit, name)
        txn.deadlock_priority = session.deadlock_priority
        if session.isolation is Isolation.SNAPSHOT:
            if not db.options.allow_snapshot_isolation:
                db.txns.mark_aborted(txn, versions_left=False)
                raise sql_error(3952, db.name)
            txn.snapshot_seq = db.txns.take_snapshot()
        if explicit:
            session.txn = txn
            session.trancount = 1
            self.ctx.sink.transaction(TransactionEvent("begin", txn.xid))
        return txn

    def commit_transaction(self, txn: Transaction, explicit: bool) -> None:
        db = self.ctx.database
        coordinator = self._coordinator(txn)
        if coordinator is not None:  # two-phase commit with linked servers (server/linked.py)
            try:
                coordinator.prepare(self.ctx, txn)
            except SqlError:
                self.rollback_all()
                raise
        try:
            db.commit(self.ctx.task, txn)
        finally:
            self._end_snapshot(txn)
        if coordinator is not None:
            coordinator.deliver(self.ctx, txn, commit=True)
        if explicit:
            self.session.txn = None
            self.session.trancount = 0
            self.session.doomed = False
            self.ctx.sink.transaction(TransactionEvent("commit", txn.xid))
            cursors.transaction_ended(self)

    def rollback_all(self) -> None:
        session = self.session
        txn = session.txn
        if txn is None:
            return
        coordinator = self._coordinator(txn)
        kept = temp_tables.table_variable_contents(self.ctx, txn)  # a ROLLBACK leaves table variables as they are
        self.ctx.database.rollback(self.ctx.task, txn)
        self._end_snapshot(txn)
        temp_tables.put_back(self.ctx, kept)
        if coordinator is not None:
            coordinator.deliver(self.ctx, txn, commit=False)
        session.txn = None
        session.trancount = 0
        session.doomed = False
        self.ctx.sink.transaction(TransactionEvent("rollback", txn.xid))
        cursors.transaction_ended(self)

    def _coordinator(self, txn: Transaction) -> Any:
        """The linked-server coordinator when ``txn`` has participants on linked servers, else None."""
        coordinator = self.ctx.env.services.get("dtc") if txn.uow is not None else None
        return coordinator if coordinator is not None and coordinator.coordinates(self.ctx, txn) else None

    def _end_snapshot(self, txn: Transaction) -> None:
        if txn.snapshot_seq is not None:
            self.ctx.database.txns.release_snapshot(txn.snapshot_seq)
            txn.snapshot_seq = None

    # -- SQL statements --------------------------------------------------------------------------------------

    def run_sql(self, statement: st.SqlStatement) -> None:
        node = statement.node
        session = self.session
        ctx = self.ctx
        db = ctx.database
        if session.doomed:
            raise sql_error(3930)
        if session.txn is not None and session.txn.state is TxnState.PREPARED:
            raise sql_error(8525)  # a prepared distributed transaction: only its decision may follow
        statement_txn: Transaction | None = None
        if session.txn is None:
            if session.options["IMPLICIT_TRANSACTIONS"] and (
                isinstance(node, _IMPLICIT_STARTERS) or (isinstance(node, exp.Select) and node.args.get("from_"))
            ):
                self.begin_transaction(explicit=True)
            else:
                statement_txn = self.begin_transaction(explicit=False)
        txn = statement_txn or session.txn
        assert txn is not None
        snapshot = None
        if txn.isolation is Isolation.SNAPSHOT:
            snapshot = txn.snapshot_seq
        elif ctx.read_committed_snapshot and txn.isolation is Isolation.READ_COMMITTED:
            snapshot = db.txns.take_snapshot()
        try:
            rowcount = self.execute_node(node, txn, statement_txn, session.lock_timeout_ms, snapshot)
        finally:
            if snapshot is not None and txn.isolation is not Isolation.SNAPSHOT:
                db.txns.release_snapshot(snapshot)
        if statement_txn is not None:
            self.commit_transaction(statement_txn, explicit=False)
        if rowcount is not None and not isinstance(node, _QUERIES):
            after_rows_written(rowcount)
        if rowcount is not None:
            session.rowcount = rowcount
            self.ctx.sink.done(_statement_done(None if session.options["NOCOUNT"] else rowcount, session.command))
        session.error = 0

    def execute_node(
        self,
        node: exp.Expr,
        txn: Transaction,
        statement_txn: Transaction | None,
        lock_timeout_ms: int,
        snapshot: int | None,
        restart_on_conflict: bool = False,
    ) -> int | None:
        """Run one statement's tree in ``txn`` with its row access; on failure undo the statement alone."""
        ctx = self.ctx
        ctx.access = RowAccess(ctx.database, ctx.task, txn, lock_timeout_ms, snapshot, restart_on_conflict)
        ctx.fix_clock()
        self.session.command = command_name(node)
        mark = len(txn.undo)
        try:
            remote = remote_tables.target(node) if isinstance(node, _WRITES) else None
            if remote is not None:  # INSERT / UPDATE / DELETE of server.database.schema.object: run there
                return remote_tables.run_dml(ctx, node, remote)
            return self._dispatch(node)
        except BaseException as error:
            self._undo_statement(txn, statement_txn, mark, error)
            raise
        finally:
            ctx.access = None

    def _undo_statement(
        self, txn: Transaction, statement_txn: Transaction | None, mark: int, error: BaseException
    ) -> None:
        db = self.ctx.database
        if statement_txn is not None:
            db.rollback(self.ctx.task, statement_txn)
            self._end_snapshot(statement_txn)
        elif not (isinstance(error, SqlError) and error.number == 1205):
            db.undo_to(self.ctx.task, txn, mark)

    def _dispatch(self, node: exp.Expr) -> int | None:
        if isinstance(node, _WRITES):
            with views.writes_through(self.ctx, node) as written:  # a view target: its base table
                # an UPDATE's or DELETE's compiled form is cached like a SELECT's plan, unless rewritten just now
                plans = self.ctx.env.plan_cache if self.cache_plans and written is node else None
                return self._dispatch_statement(written, plans)
        return self._dispatch_statement(node)

    def _dispatch_statement(self, node: exp.Expr, plans: PlanCache | None = None) -> int | None:
        ctx = self.ctx
        if isinstance(node, _WRITES) and node.args.get("returning") is not None:
            return self._with_output(node, plans)
        if isinstance(node, exp.Select) and node.args.get("into") is not None:
            return self._select_into(node)
        if isinstance(node, _QUERIES):
            return self._select(node)
        if isinstance(node, exp.Insert):
            supplied, self._insert_source = self._insert_source, None
            return dml.execute_insert(ctx, node, supplied=supplied)
        if isinstance(node, exp.Update):
            return dml.execute_update(ctx, node, plans=plans)
        if isinstance(node, exp.Delete):
            return dml.execute_delete(ctx, node, plans=plans)
        if isinstance(node, exp.Merge):
            return merge.execute_merge(ctx, node)
        if isinstance(node, exp.Create):
            kind = (node.args.get("kind") or "").upper()
            if kind == "TABLE":
                ddl.create_table(ctx, node)
            elif "INDEX" in kind:
                ddl.create_index(ctx, node)
            else:
                raise sql_error(102, kind or "CREATE")
            return None
        if isinstance(node, exp.Drop):
            kind = (node.args.get("kind") or "").upper()
            if kind == "TABLE":
                ddl.drop_table(ctx, node)
            elif kind == "INDEX":
                ddl.drop_index(ctx, node)
            else:
                raise sql_error(102, kind or "DROP")
            return None
        if isinstance(node, exp.Alter):
            ddl.alter_table(ctx, node)
            return None
        if isinstance(node, exp.TruncateTable):
            ddl.truncate_table(ctx, node)
            return None
        raise sql_error(102, near(node))

    def _select_into(self, node: exp.Select) -> int:
        """SELECT ... INTO new_table: the query planned without its INTO, then ddl.select_into makes the table
        (the select list's names and types; #t and ##t as temporary tables) and fills it."""
        query = node.copy()
        query.set("into", None)
        planned = Planner(self.ctx).plan_query(query)
        target = node.args["into"].this
        return ddl.select_into(
            self.ctx, target, planned.columns, planned.plan.rows(self.ctx, ()), self.session.rowcount_limit
        )

    def _with_output(self, node: exp.Insert | exp.Update | exp.Delete, plans: PlanCache | None) -> int:
        """INSERT / UPDATE / DELETE ... OUTPUT: write, then send (or insert INTO) the rows written."""
        output = Output(self.ctx, node)
        if isinstance(node, exp.Update):
            count = dml.execute_update(self.ctx, node, output, plans)
        elif isinstance(node, exp.Delete):
            count = dml.execute_delete(self.ctx, node, output, plans)
        else:
            count = dml.execute_insert(self.ctx, node, output)
        output.finish()
        return count

    def _select(self, node: exp.Expr) -> int | None:
        ctx = self.ctx
        access = ctx.row_access()  # the statement's, made by execute_node for the session's database just now
        database = access.db
        key = (
            id(node),
            database.name,
            database.catalog_version,
            access.txn.isolation,
            ctx.read_committed_snapshot,
            frozenset(ctx.variable_types.items()),
            self.session.temp_table_key(),
        )
        cache = ctx.env.plan_cache
        planned = cache.get(key)
        if planned is None or (planned.modules and not views.still_current(ctx, planned.modules)):  # most: no views
            planner = Planner(ctx)
            planned = planner.plan_query(node)
            planned.modules = tuple(planner.modules)
            if self.cache_plans:
                cache.put(key, node, planned)
        limit = self.session.rowcount_limit
        if planned.assignments is not None:
            count = 0
            for values in planned.plan.rows(ctx, ()):
                count += 1
                for (name, _fn), value in zip(planned.assignments, values, strict=True):
                    self.assign(name, value, None)
                if limit and count >= limit:
                    break
            return count
        columns = planned.result_columns
        sink = ctx.sink
        sink.start_result(columns)
        count = 0
        cut = session_options.textsize_cutter(self.session.textsize, (c.type for c in columns))
        try:
            for row in planned.plan.rows(ctx, ()):
                sink.row(row if cut is None else cut(row))
                count += 1
                if limit and count >= limit:
                    break
        finally:
            sink.end_result()
        return count

    # -- variables -------------------------------------------------------------------------------------------

    def declare(self, statement: st.Declare) -> None:
        """DECLARE: a T-SQL variable exists from where its DECLARE is written, for the rest of the batch, so a
        DECLARE run again (in a loop, after a GOTO back) declares nothing new: the variable keeps its value, and only
        its ``= value`` is assigned again, as in SQL Server.  A second DECLARE of the name is 134."""
        ctx = self.ctx
        for variable in statement.variables:
            key = variable.name.casefold()
            if key in ctx.variable_types or key in ctx.table_variables:
                if self.declared_at.get(key) != statement.offset:
                    raise sql_error(134, variable.name)
                if variable.table is None and variable.default is not None:
                    self._assign_default(variable.name, variable.default)
                continue
            self.declared_at[key] = statement.offset
            if variable.table is not None:
                self._declare_table(variable.name, variable.table)
                continue
            sql_type = type_from_sqlglot(variable.type)
            ctx.variable_types[key] = sql_type
            ctx.variables[key] = None
            if variable.default is not None:
                self._assign_default(variable.name, variable.default)

    def _assign_default(self, name: str, default: exp.Expr) -> None:
        """DECLARE @v type = expr: evaluated with a statement transaction (a subquery, a user function)."""
        compiled = self._with_reads(lambda: self.compile(default))
        self.assign(name, self._with_reads(lambda: compiled.fn((), self.ctx)), compiled.type)

    def _declare_table(self, name: str, columns: exp.Schema) -> None:
        """DECLARE @t TABLE (...): a table of the scope's own, made now and dropped when the scope ends."""
        stored = temp_tables.new_table_variable(self.ctx, name)
        table = exp.Table(this=exp.Identifier(this=stored, quoted=True))
        node = exp.Create(kind="TABLE", this=exp.Schema(this=table, expressions=columns.expressions))
        self._with_reads(lambda: ddl.create_table(self.ctx, node))

    def assign(self, name: str, value: Any, source: SqlType | None) -> None:
        ctx = self.ctx
        key = name.casefold()
        target = ctx.variable_type(name)
        if value is not None and source is not None and source != target:
            value = convert(value, source, target, explicit=False)
        elif value is not None and source is None:
            value = convert(value, type_of_value(value), target, explicit=False)
        ctx.variables[key] = value

    def set_variable(self, statement: st.SetVariable) -> None:
        value_node = statement.value
        if statement.operator.startswith("."):  # SET @x.modify('…'): a mutator
            method = statement.operator[1:]
            if method != "modify":
                raise sql_error(8113, method)
            variable = exp.Parameter(this=exp.Var(this=statement.name.lstrip("@")))
            planner = Planner(self.ctx)
            arguments = list(value_node.expressions)
            compiled = xml_methods.compile_modify(variable, statement.name, arguments, planner.scope([], None))
            self.assign(statement.name, compiled.fn((), self.ctx), compiled.type)
            return
        if statement.operator != "=":
            op = statement.operator[:-1]
            klass = {
                "+": exp.Add,
                "-": exp.Sub,
                "*": exp.Mul,
                "/": exp.Div,
                "%": exp.Mod,
                "&": exp.BitwiseAnd,
                "|": exp.BitwiseOr,
                "^": exp.BitwiseXor,
            }[op]
            variable = exp.Parameter(this=exp.Var(this=statement.name.lstrip("@")))
            value_node = klass(this=variable, expression=value_node.copy())  # type: ignore[assignment]
        compiled = self._with_reads(lambda: self.compile(value_node))
        self.assign(statement.name, self._with_reads(lambda: compiled.fn((), self.ctx)), compiled.type)

    def compile(self, node: exp.Expr) -> Any:
        planner = Planner(self.ctx)
        return compile_expression(node, planner.scope([], None))

    def evaluate(self, node: exp.Expr) -> Any:
        # compiled inside the reads too: planning a subquery reads the statement transaction's isolation
        return self._with_reads(lambda: self.compile(node).fn((), self.ctx))

    def condition(self, node: exp.Expr) -> bool:
        def evaluate() -> Any:
            predicate = compile_predicate(node, Planner(self.ctx).scope([], None))
            return predicate.fn((), self.ctx)

        return self._with_reads(evaluate) is True

    def _with_reads(self, action: Any) -> Any:
        """Evaluate something that may read tables (a subquery in IF/SET): give it a statement transaction."""
        return self.ctx.with_reads(action)

    # -- control of flow -------------------------------------------------------------------------------------

    def run_if(self, statement: st.If) -> None:
        try:
            chosen = self.condition(statement.condition)
        except SqlError as error:
            self._handle_error(error)
            return
        if chosen:
            self.run_statement(statement.then)
            cursors.declare_unrun(self, cursors.written_in((statement.else_,)))
        else:
            cursors.declare_unrun(self, cursors.written_in((statement.then,)))
            if statement.else_ is not None:
                self.run_statement(statement.else_)

    def run_while(self, statement: st.While) -> None:
        entered = False
        while True:
            self.ctx.task.tick()
            try:
                if not self.condition(statement.condition):
                    if not entered:  # a body never run still declares what it declares
                        cursors.declare_unrun(self, cursors.written_in((statement.body,)))
                    return
            except SqlError as error:
                self._handle_error(error)
                return
            entered = True
            try:
                self.run_statement(statement.body)
            except _Break:
                return
            except _Continue:
                continue

    def run_try(self, statement: st.TryCatch) -> None:
        self.try_depth += 1
        try:
            self.run_block(statement.try_block)
        except (_Break, _Continue, _Return, cursors.Jump):
            self.try_depth -= 1  # leaving TRY by BREAK, CONTINUE, RETURN or GOTO
            raise
        except _Caught as caught:
            self.try_depth -= 1
            error = caught.error
            self.session.catch_stack.append(
                ErrorState(error.number, error.severity, error.state, error.message, error.line, error.procedure)
            )
            try:
                self.run_block(statement.catch_block)
            finally:
                self.session.catch_stack.pop()
            return
        self.try_depth -= 1
        cursors.declare_unrun(self, cursors.written_in(statement.catch_block))  # the CATCH not needed

    # -- messages --------------------------------------------------------------------------------------------

    def run_print(self, statement: st.Print) -> None:
        value = self.evaluate(statement.value)
        compiled = self.compile(statement.value)
        text = "" if value is None else convert(value, compiled.type, NVARCHAR(None), explicit=True)
        self.info(0, str(text))

    def run_raiserror(self, statement: st.Raiserror) -> None:
        message = self.evaluate(statement.message)
        severity = int(self.evaluate(statement.severity) or 0)
        state = int(self.evaluate(statement.state) or 1)
        arguments = [self.evaluate(a) for a in statement.arguments]
        if isinstance(message, int) and not isinstance(message, bool):
            number = message
            if number < 13000 or number == 50000:
                raise sql_error(2732, number, 13000, 2147483647)
            if number not in CATALOGUE:
                raise sql_error(18054, number, severity, state)
            text = format_message(CATALOGUE[number].template, tuple(arguments))
        else:
            number = 50000
            text = format_raiserror(str(message), arguments)
        if severity > 18 and "LOG" not in statement.options:
            raise sql_error(2754)
        if "SETERROR" in statement.options:
            self.session.error = number
        if severity <= 10:
            self.info(number, text, severity, state)
            return
        raise SqlError(number, severity, state, text, self.ctx.line)

    def run_throw(self, statement: st.Throw) -> None:
        if statement.number is None:
            stack = self.session.catch_stack
            if not stack:
                raise sql_error(10704)
            caught = stack[-1]
            raise SqlError(caught.number, caught.severity, caught.state, caught.message, caught.line)
        assert statement.message is not None and statement.state is not None
        number = int(self.evaluate(statement.number))
        message = str(self.evaluate(statement.message))
        state = int(self.evaluate(statement.state))
        if number < 50000:
            raise sql_error(35100, number)
        raise SqlError(number, 16, state, message, self.ctx.line)

    def run_waitfor(self, statement: st.WaitFor) -> None:
        seconds = _delay_seconds(self.evaluate(statement.value))
        if statement.kind.upper() == "TIME":
            now = datetime.datetime.now()
            midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
            target = midnight + datetime.timedelta(seconds=seconds)
            if target <= now:
                target += datetime.timedelta(days=1)
            seconds = (target - now).total_seconds()
        self.session.command = "WAITFOR"
        self.ctx.task.wait(asyncio.sleep(seconds), "WAITFOR")

    # -- transaction statements ------------------------------------------------------------------------------

    def run_begin(self, statement: st.BeginTransaction) -> None:
        session = self.session
        if session.txn is None:
            name = self._name(statement.name)
            self.begin_transaction(explicit=True, name=name)
        else:
            session.trancount += 1

    def run_commit(self, statement: st.CommitTransaction) -> None:
        session = self.session
        if session.trancount == 0 or session.txn is None:
            raise sql_error(3902)
        if session.doomed:
            raise sql_error(3930)
        session.trancount -= 1
        if session.trancount == 0:
            self.commit_transaction(session.txn, explicit=True)

    def run_rollback(self, statement: st.RollbackTransaction) -> None:
        session = self.session
        txn = session.txn
        if session.trancount == 0 or txn is None:
            raise sql_error(3903)
        name = self._name(statement.name)
        if name and txn.name.casefold() != name.casefold():
            position = txn.find_savepoint(name)
            if position is None:
                raise sql_error(6401, name)
            if session.doomed:
                raise sql_error(3931)
            kept = temp_tables.table_variable_contents(self.ctx, txn)
            self.ctx.database.rollback_to_savepoint(self.ctx.task, txn, position)
            temp_tables.put_back(self.ctx, kept, txn)
            return
        self.rollback_all()

    def run_save(self, statement: st.SaveTransaction) -> None:
        session = self.session
        if session.txn is None or session.trancount == 0:
            raise sql_error(628)
        session.txn.savepoint(self._name(statement.name))

    def _name(self, name: st.TransactionName) -> str:
        if name is None:
            return ""
        if isinstance(name, str):
            return name
        value = self.evaluate(name)
        return "" if value is None else str(value)

    # -- session options -------------------------------------------------------------------------------------

    def run_set_option(self, statement: st.SetOption) -> None:
        session = self.session
        name = statement.name
        value = statement.value
        if isinstance(value, exp.Expr):
            value = self.evaluate(value)
        if name in stored_procedures.MODULE_OPTIONS and self.ctx.procedure_id:
            return  # a module runs with the setting it was made with; SET inside it changes nothing (SQL Server's rule)
        if name in ON_OFF_OPTIONS:
            session.options = session_options.set_on_off(session.options, name, str(value).upper() == "ON")
        elif name == "TRANSACTION ISOLATION LEVEL":
            isolation = _ISOLATION_NAMES[str(value).upper()]
            if (
                session.txn is not None
                and isolation is Isolation.SNAPSHOT
                and (session.txn.isolation is not Isolation.SNAPSHOT)
            ):
                session.isolation = isolation
                raise sql_error(3951, self.ctx.database.name)
            session.isolation = isolation
            if session.txn is not None and session.txn.isolation is not Isolation.SNAPSHOT:
                session.txn.isolation = isolation
        elif name == "LOCK_TIMEOUT":
            session.lock_timeout_ms = int(value)
        elif name == "DEADLOCK_PRIORITY":
            priority = DEADLOCK_PRIORITY_NAMES.get(str(value).upper())
            if priority is None:
                try:
                    priority = int(value)
                except ValueError:
                    raise sql_error(1439) from None
                if not -10 <= priority <= 10:
                    raise sql_error(1439)
            session.deadlock_priority = priority
            if session.txn is not None:
                session.txn.deadlock_priority = priority
        elif name == "ROWCOUNT":
            session.rowcount_limit = int(value)
        elif name == "TEXTSIZE":
            session.textsize = session_options.textsize(int(value))
        elif name == "LANGUAGE":
            session.language = session_options.language(str(value))
        elif name == "DATEFORMAT":
            session.date_format = session_options.date_format(str(value))
        elif name == "DATEFIRST":
            session.date_first = int(value)
        elif name == "QUERY_GOVERNOR_COST_LIMIT":
            session_options.query_governor_cost_limit(int(value))
        elif name == "IDENTITY_INSERT":
            assert statement.target is not None
            table = temp_tables.find_table(self.ctx, statement.target)
            if table is None:
                raise sql_error(208, temp_tables.written_name(statement.target))
            session.identity_insert = table.name if str(value).upper() == "ON" else None
        else:
            raise sql_error(195, name, "SET option")

    # -- databases -------------------------------------------------------------------------------------------

    def run_use(self, statement: st.Use) -> None:
        database = self.ctx.env.database(statement.database)
        if database is None:
            raise sql_error(911, statement.database)
        self.session.database = database.name
        message = CATALOGUE[5701]
        self.info(5701, format_message(message.template, (database.name,)), severity=10)

    def run_alter_database(self, statement: st.AlterDatabaseSet) -> None:
        session = self.session
        if session.txn is not None:
            raise sql_error(226, "ALTER DATABASE")
        name = statement.database
        db = self.ctx.database if name.upper() == "CURRENT" else self.ctx.env.database(name)
        if db is None:
            raise sql_error(911, name)
        txn = db.begin(session.session_id, Isolation.READ_COMMITTED, False)
        try:
            for option, value in statement.options:
                if option not in db.options.OPTION_NAMES or value.upper() not in ("ON", "OFF"):
                    raise sql_error(5058, option, db.name)
                db.set_option(txn, option, value.upper() == "ON")
        except BaseException:
            db.rollback(self.ctx.task, txn)
            raise
        db.commit(self.ctx.task, txn)

    def run_checkpoint(self, statement: st.Checkpoint) -> None:
        self.ctx.database.checkpoint(self.ctx.task)

    def run_execute(self, statement: st.Execute) -> None:
        ctx = self.ctx
        name = statement.procedure
        if name.startswith("@"):
            name = str(self.evaluate(exp.Parameter(this=exp.Var(this=name[1:]))))
        short = name.split(".")[-1].casefold()
        system = stored_procedures.system_first(name)
        procedure = ctx.env.procedures.get(short) if system else None
        if procedure is None:
            module = None if system and short == "sp_executesql" else stored_procedures.find_module(ctx, name)
            if module is None and not (system and short == "sp_executesql"):
                raise sql_error(2812, name)
            self.session.command = "EXECUTE"
            if module is None:
                status = stored_procedures.execute_sql(self, statement, _Return)
            else:
                status = stored_procedures.call(self, module, statement, _Return)
            if statement.return_variable is not None:
                self.assign(statement.return_variable, status, INT)
            if ctx.nest_level == 0:
                ctx.sink.return_status(ReturnStatus(status))
            return
        positional: list[Any] = []
        named: dict[str, Any] = {}
        for argument in statement.arguments:
            value = None if argument.value is None else self.evaluate(argument.value)
            if argument.name is None:
                positional.append(value)
            else:
                named[argument.name.casefold()] = value
        self.session.command = "EXECUTE"
        status = procedure(ctx, positional, named)
        if statement.return_variable is not None:
            self.assign(statement.return_variable, status, INT)

    def run_execute_string(self, statement: st.ExecuteString) -> None:
        text = self.evaluate(statement.value)
        if text is None:
            return
        if statement.at is not None:
            remote = self.ctx.env.services.get("remote_exec")
            if remote is None:
                raise sql_error(7202, statement.at)
            remote(self.ctx, statement.at, str(text))  # server/linked.py
            return
        nested = ExecContext(self.session, self.ctx.task, self.ctx.env, self.ctx.sink)
        nested.nest_level = self.ctx.nest_level + 1
        session = self.session
        outer_text = session.sql
        session.sql = begin_batch(self.ctx.env, session, str(text), masked(str(text)))  # its own sql_handle
        try:
            BatchRunner(nested).run(str(text))
        finally:
            session.sql = outer_text

    def run_insert_exec(self, statement: st.InsertExec) -> None:
        """Run the call with its result sets captured, then insert their rows as one INSERT statement (8164 when
        an INSERT ... EXEC is already capturing; 213 when a row's width does not fit the column list)."""
        ctx = self.ctx
        if isinstance(ctx.sink, CapturingSink):
            raise sql_error(8164)
        capture = CapturingSink(ctx.sink)
        ctx.sink = capture
        try:
            call = statement.call
            if isinstance(call, st.Execute):
                self.run_execute(call)
            else:
                self.run_execute_string(call)
        finally:
            ctx.sink = capture.outer
        self._insert_source = (capture.rows, capture.row_types)
        try:
            self.run_sql(st.SqlStatement(statement.insert, line=statement.line, text=statement.text))
        finally:
            self._insert_source = None

    def run_break(self, statement: st.Break) -> None:
        raise _Break

    def run_continue(self, statement: st.Continue) -> None:
        raise _Continue

    def run_return(self, statement: st.Return) -> None:
        raise _Return(None if statement.value is None else int(self.evaluate(statement.value)))

    def run_block_statement(self, statement: st.Block) -> None:
        self.run_block(statement.statements)


class _Caught(Exception):
    """An error raised inside TRY, carried to its CATCH block."""

    def __init__(self, error: SqlError) -> None:
        self.error = error


_HANDLERS: Final[dict[type, Any]] = {
    st.SqlStatement: BatchRunner.run_sql,
    st.Declare: BatchRunner.declare,
    st.SetVariable: BatchRunner.set_variable,
    st.SetOption: BatchRunner.run_set_option,
    st.Block: BatchRunner.run_block_statement,
    st.If: BatchRunner.run_if,
    st.While: BatchRunner.run_while,
    st.TryCatch: BatchRunner.run_try,
    st.Break: BatchRunner.run_break,
    st.Continue: BatchRunner.run_continue,
    st.Return: BatchRunner.run_return,
    st.WaitFor: BatchRunner.run_waitfor,
    st.Print: BatchRunner.run_print,
    st.Raiserror: BatchRunner.run_raiserror,
    st.Throw: BatchRunner.run_throw,
    st.BeginTransaction: BatchRunner.run_begin,
    st.CommitTransaction: BatchRunner.run_commit,
    st.RollbackTransaction: BatchRunner.run_rollback,
    st.SaveTransaction: BatchRunner.run_save,
    st.Use: BatchRunner.run_use,
    st.AlterDatabaseSet: BatchRunner.run_alter_database,
    st.Checkpoint: BatchRunner.run_checkpoint,
    st.Execute: BatchRunner.run_execute,
    st.ExecuteString: BatchRunner.run_execute_string,
    st.InsertExec: BatchRunner.run_insert_exec,
    st.DeclareCursor: cursors.declare,
    st.OpenCursor: cursors.open_cursor,
    st.FetchCursor: cursors.fetch,
    st.CloseCursor: cursors.close,
    st.DeallocateCursor: cursors.deallocate,
    st.Goto: cursors.goto,
    st.Label: cursors.label,
    st.CreateStatistics: cursors.create_statistics,
}


_COMMANDS: Final[dict[type, str]] = {
    exp.Select: "SELECT",
    exp.Union: "SELECT",
    exp.Except: "SELECT",
    exp.Intersect: "SELECT",
    exp.Insert: "INSERT",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
    exp.Merge: "MERGE",
    exp.Create: "CREATE TABLE",
    exp.Drop: "DROP TABLE",
    exp.Alter: "ALTER TABLE",
    exp.TruncateTable: "TRUNCATE TABLE",
}


# The completions of the commonest statements (a row count of 0 or 1, or none), made once: a StatementDone is a
# frozen value, so one object serves every statement that reports the same count and command.
_DONE_EVENTS: Final[dict[tuple[int | None, str], StatementDone]] = {
    (count, command): StatementDone(count, command=command)
    for count in (None, 0, 1)
    for command in set(_COMMANDS.values()) | {"EXECUTE"}
}


def _statement_done(rowcount: int | None, command: str) -> StatementDone:
    """A successful statement's completion: ``rowcount`` rows (None: not reported) of ``command``."""
    done = _DONE_EVENTS.get((rowcount, command))
    return StatementDone(rowcount, command=command) if done is None else done


def command_name(node: exp.Expr) -> str:
    """sys.dm_exec_requests.command for a statement."""
    return _COMMANDS.get(type(node), "EXECUTE")


_DELAY = re.compile(r"^\s*(?:(\d{1,9}):)?(\d{1,9})(?::(\d{1,9}(?:\.\d{0,9})?))?\s*$")  # 148 beyond 9 digits


def _delay_seconds(value: object) -> float:
    """A datetime value (a variable) counts by its time of day, its date ignored (SQL Server's WAITFOR); text is
    parsed as 'hh:mm[:ss[.mmm]]'."""
    if isinstance(value, datetime.datetime):
        value = value.time()
    if isinstance(value, datetime.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return _parse_delay(str(value))


def _parse_delay(value: str) -> float:
    """'hh:mm[:ss[.mmm]]' → seconds (WAITFOR DELAY/TIME)."""
    match = _DELAY.match(value)
    if match is None:
        raise sql_error(148, value)
    hours, minutes, seconds = match.groups()
    if hours is None:
        # 'mm:ss' is not valid; SQL Server reads 'a:b' as hours:minutes
        hours, minutes, seconds = minutes, seconds or "0", "0"
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds or 0)


__all__ = ["BATCH_ABORTING", "BatchRunner", "Interrupted"]
