"""Running one Oracle request: one statement, Oracle's transactions, Oracle's errors.

Transactions (Oracle's, on the engine's transactions and locks):

| statement                         | no transaction open                         | a transaction open                |
|-----------------------------------|---------------------------------------------|-----------------------------------|
| INSERT/UPDATE/DELETE, FOR UPDATE  | opens one (it stays open after the call)    | runs inside it                    |
| SELECT                            | its own, ended at the statement's end       | runs inside it (sees own changes) |
| DDL, CREATE/ALTER/DROP USER, GRANT| commits nothing; runs in its own            | commits it, then runs in its own  |
| COMMIT / ROLLBACK                 | nothing (no error, as Oracle)               | commits / rolls back              |
| SAVEPOINT x                       | opens one and marks x                       | marks x                           |
| ROLLBACK TO [SAVEPOINT] x         | ORA-01086                                   | undoes to x; the transaction stays|
| SET TRANSACTION READ WRITE ...    | accepted (what the transaction is anyway)   | ORA-01453                         |
| ALTER SESSION SET CURRENT_SCHEMA  | sets it (no commit)                         | sets it (no commit)               |

Every statement reads committed data as of its start (a statement snapshot, whatever the database's
READ_COMMITTED_SNAPSHOT option: ``OracleContext``), so readers never wait for writers; writers take the
engine's row locks, so a writer waits for a writer of the same row.  A failed statement is undone and the
transaction stays open, as in Oracle; a deadlock victim (ORA-00060) loses its whole transaction (the engine's
deadlock resolution aborts it; Oracle would undo only the statement).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlglot import exp

from quietus.engine.memory import after_rows_written
from quietus.errors import SqlError
from quietus.sql.batch import BatchRunner
from quietus.sql.collation import BINARY_COLLATION
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.oracle.errors import IGNORED, ora, translate
from quietus.sql.oracle.functions import CURRENT_SCHEMA
from quietus.sql.oracle.parser import OracleSql, SetCurrentSchema, SetTransaction, parse_statement_cached
from quietus.sql.results import MessageEvent, StatementDone
from quietus.sql.types_base import NVARCHAR, SqlType

# Statements Oracle runs as DDL: they commit the open transaction first.
_DDL_NODES = (exp.Create, exp.Drop, exp.Alter, exp.TruncateTable)
_DDL_STATEMENTS = (st.CreateLogin, st.AlterLogin, st.DropLogin, st.GrantPermission)
NULL_BIND_TYPE = NVARCHAR(4000)


class OracleContext(ExecContext):
    """An Oracle session's request: statement snapshots always; binary ordering and grouping (NLS_SORT=BINARY);
    binds where ``''`` is NULL."""

    collation = BINARY_COLLATION

    @property
    def read_committed_snapshot(self) -> bool:
        return True

    def bind_parameters(self, parameters: Mapping[str, Any], types: Mapping[str, SqlType] | None = None) -> None:
        """A NULL (or ``''``) bind without a declared type is a VARCHAR2, as Oracle's drivers bind None."""
        values = {name: None if value == "" else value for name, value in parameters.items()}
        declared = {name: NULL_BIND_TYPE for name, value in values.items() if value is None}
        super().bind_parameters(values, {**declared, **(types or {})})


class OracleRunner(BatchRunner):
    """BatchRunner's interface (``run``, ``rollback_all``) for a request holding one Oracle statement."""

    def run(self, text: str) -> None:
        ctx = self.ctx
        ctx.line = 1
        try:
            statement = parse_statement_cached(text)
            ctx.task.check()
            self._check_binds(statement)
            handler = _HANDLERS.get(type(statement))
            if handler is not None:
                handler(self, statement)
            else:
                self.run_external(statement)
        except SqlError as error:
            self._statement_failed(error)

    def _check_binds(self, statement: st.Statement) -> None:
        if isinstance(statement, OracleSql):
            for name in statement.binds:
                if "@" + name.casefold() not in self.ctx.variable_types:
                    raise ora("ORA-01008")

    def _statement_failed(self, error: SqlError) -> None:
        self.session.error = error.number
        if error.number in IGNORED:
            return
        if error.number == 1205:
            self.rollback_all()  # the engine has aborted the deadlock victim's transaction
        shown = self.client_error(error)
        self.ctx.sink.message(MessageEvent(shown.number, shown.severity, shown.state, shown.message, 1))
        self.ctx.sink.done(StatementDone(None, error=True))

    def client_error(self, error: SqlError) -> SqlError:
        return translate(error, self.session.login_name)

    def _done(self, command: str, rowcount: int | None = None) -> None:
        self.session.error = 0
        self.ctx.sink.done(StatementDone(rowcount, command=command))

    def _commit_open(self) -> None:
        if self.session.txn is not None:
            self.commit_transaction(self.session.txn, explicit=True)

    # -- statements ------------------------------------------------------------------------------------------

    def run_oracle_sql(self, statement: OracleSql) -> None:
        node = statement.node
        session, ctx = self.session, self.ctx
        db = ctx.database
        if isinstance(node, _DDL_NODES):
            self._commit_open()
        statement_txn = None
        if session.txn is None:
            if statement.for_update:
                self.begin_transaction(explicit=True)
            else:
                statement_txn = self.begin_transaction(explicit=False)
        txn = statement_txn or session.txn
        assert txn is not None
        snapshot = db.txns.take_snapshot()
        wait = statement.lock_wait
        timeout = session.lock_timeout_ms if wait is None else wait * 1000
        try:
            rowcount = self.execute_node(node, txn, statement_txn, timeout, snapshot)
        except SqlError as error:
            if wait and error.number == 1222:
                raise ora("ORA-30006") from None
            raise
        finally:
            db.txns.release_snapshot(snapshot)
        if statement_txn is not None:
            self.commit_transaction(statement_txn, explicit=False)
        if rowcount is not None and isinstance(node, exp.Insert | exp.Update | exp.Delete):
            after_rows_written(rowcount)
        if rowcount is not None:
            session.rowcount = rowcount
        self._done(session.command, rowcount)

    def oracle_commit(self, statement: st.CommitTransaction) -> None:
        self._commit_open()
        self._done("COMMIT")

    def oracle_rollback(self, statement: st.RollbackTransaction) -> None:
        name = statement.name
        if name is None:
            self.rollback_all()
            self._done("ROLLBACK")
            return
        assert isinstance(name, str)
        txn = self.session.txn
        position = None if txn is None else txn.find_savepoint(name)
        if txn is None or position is None:
            raise ora("ORA-01086", name)
        self.ctx.database.rollback_to_savepoint(self.ctx.task, txn, position)
        self._done("ROLLBACK")

    def oracle_savepoint(self, statement: st.SaveTransaction) -> None:
        if self.session.txn is None:
            self.begin_transaction(explicit=True)
        assert self.session.txn is not None and isinstance(statement.name, str)
        self.session.txn.savepoint(statement.name)
        self._done("SAVEPOINT")

    def oracle_set_transaction(self, statement: SetTransaction) -> None:
        if self.session.txn is not None:
            raise ora("ORA-01453")
        self._done("SET TRANSACTION")

    def oracle_set_current_schema(self, statement: SetCurrentSchema) -> None:
        """A schema is a user, and a database has one namespace (qualifiers are dropped), so the schema changes
        what SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') says, not where names resolve; an unknown user: ORA-01435."""
        security = self.ctx.env.services.get("security")
        if security is None or security.store.login(statement.schema) is None:
            raise ora("ORA-01435")
        self.session.attachments[CURRENT_SCHEMA] = statement.schema
        self._done("ALTER SESSION")

    def run_external(self, statement: st.Statement) -> None:
        """Statements the layers above handle (ALTER SYSTEM KILL SESSION, users, GRANT), as BatchRunner does."""
        handler = self.ctx.env.statement_handlers.get(type(statement))
        if handler is None:
            raise ora("ORA-03001")
        if isinstance(statement, _DDL_STATEMENTS):
            self._commit_open()
        handler(self.ctx, statement)
        self._done(type(statement).__name__)


_HANDLERS: dict[type, Callable[[Any, Any], None]] = {
    OracleSql: OracleRunner.run_oracle_sql,
    st.CommitTransaction: OracleRunner.oracle_commit,
    st.RollbackTransaction: OracleRunner.oracle_rollback,
    st.SaveTransaction: OracleRunner.oracle_savepoint,
    SetTransaction: OracleRunner.oracle_set_transaction,
    SetCurrentSchema: OracleRunner.oracle_set_current_schema,
}
