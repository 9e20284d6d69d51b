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
READ_COMMITTED_SNAPSHOT option: ``OracleContext``), so readers never wait for writers.  An UPDATE or DELETE finds its
rows in that snapshot and X-locks only the rows it writes, so a writer waits only for a writer of the same row; a
row changed and committed by another transaction after the snapshot restarts the statement (Oracle's write
consistency; the restart reads with update locks, see engine/access.py).  A failed statement is undone and the
transaction stays open, as in Oracle; a deadlock victim (ORA-00060) loses its whole transaction (the engine's
deadlock resolution aborts it; Oracle would undo only the statement).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from sqlglot import exp

from quietus.engine.access import WriteConflict
from quietus.engine.memory import after_rows_written
from quietus.engine.txn.transaction import Transaction
from quietus.errors import SqlError
from quietus.sql import dml
from quietus.sql.batch import BatchRunner
from quietus.sql.collation import BINARY_COLLATION
from quietus.sql.context import ExecContext
from quietus.sql.dialect import statements as st
from quietus.sql.oracle import date_format
from quietus.sql.oracle.errors import IGNORED, ora, translate
from quietus.sql.oracle.functions import CURRENT_SCHEMA, NLS_DATE_FORMAT
from quietus.sql.oracle.parser import AlterSession, OracleSql, SetCurrentSchema, SetTransaction, parse_statement_cached
from quietus.sql.oracle.rownum import ROWNUM
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
    versioned_writes = True

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

    def __init__(self, ctx: ExecContext) -> None:
        super().__init__(ctx)
        self._lock_target: exp.Expr | None = None

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

    def run_call(self, call: Callable[[OracleRunner], None]) -> None:
        """A protocol call that is no SQL text (XA's tpc_* calls, sessions/xa.py): its errors are reported as a
        statement's."""
        self.ctx.line = 1
        try:
            call(self)
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
        txn = self.session.txn
        if txn is not None:
            if txn.is_distributed:  # an XA branch: only its coordinator commits it (tpc_commit)
                raise ora("ORA-02089")
            self.commit_transaction(txn, explicit=True)

    # -- statements ------------------------------------------------------------------------------------------

    def run_oracle_sql(self, statement: OracleSql) -> None:
        node = statement.node
        session = self.session
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
        wait = statement.lock_wait
        timeout = session.lock_timeout_ms if wait is None else wait * 1000
        self._lock_target = statement.lock_target
        try:
            rowcount = self._write_consistently(node, txn, statement_txn, timeout)
        except SqlError as error:
            if wait and error.number == 1222:
                raise ora("ORA-30006") from None
            raise
        finally:
            self._lock_target = None
        if statement_txn is not None:
            self.commit_transaction(statement_txn, explicit=False)
        if rowcount is not None and isinstance(node, exp.Insert | exp.Update | exp.Delete):
            after_rows_written(rowcount)
        if rowcount is not None:
            session.rowcount = rowcount
        self._done(session.command, rowcount)

    def _write_consistently(
        self, node: exp.Expr, txn: Transaction, statement_txn: Transaction | None, timeout: int
    ) -> int | None:
        """Run the statement on a snapshot taken at its start.  An UPDATE/DELETE that meets a row another
        transaction committed after that snapshot is undone and run again, as Oracle restarts it; the second run
        locks the rows it reads (U), so it cannot meet such a row again."""
        ctx = self.ctx
        db = ctx.database
        for versioned in (True, False):
            ctx.versioned_writes = versioned
            ctx.variables.pop(ROWNUM, None)  # a restarted statement numbers its rows afresh
            snapshot = db.txns.take_snapshot()
            try:
                return self.execute_node(node, txn, statement_txn, timeout, snapshot, restart_on_conflict=versioned)
            except WriteConflict:
                continue
            finally:
                db.txns.release_snapshot(snapshot)
                ctx.versioned_writes = True
        raise AssertionError("the locking run cannot conflict")

    def _dispatch(self, node: exp.Expr) -> int | None:
        """SELECT ... FOR UPDATE of one table locks the rows it selects before reading them (so it reads them as
        they are: unchanged since its snapshot, or the statement restarts)."""
        if self._lock_target is not None:
            dml.lock_qualifying_rows(self.ctx, self._lock_target)
        return super()._dispatch(node)

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

    def oracle_alter_session(self, statement: AlterSession) -> None:
        """All parameters are checked before any is applied: one bad one changes nothing."""
        setters = []
        for name, value in statement.parameters:
            setter = SESSION_PARAMETERS.get(name)
            if setter is None:
                raise ora("ORA-03001" if name in KNOWN_SESSION_PARAMETERS else "ORA-02248")
            setters.append((setter, value))
        attachments = dict(self.session.attachments)
        try:
            for setter, value in setters:
                setter(self.session, value)
        except SqlError:
            self.session.attachments.clear()
            self.session.attachments.update(attachments)
            raise
        self._done("ALTER SESSION")

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


def _set_date_format(session: Any, value: str) -> None:
    model = _unquoted(value)
    date_format.format_date(datetime.date(2000, 1, 1), model)  # ORA-01821 for a model Quietus cannot read
    session.attachments[NLS_DATE_FORMAT] = model


def _require(*allowed: str) -> Callable[[Any, str], None]:
    """A parameter whose only supported values are what Quietus does anyway (NLS_COMP = BINARY ...)."""

    def check(session: Any, value: str) -> None:
        if _unquoted(value).upper() not in allowed:
            raise ora("ORA-03001")

    return check


def _unquoted(value: str) -> str:
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == "'" else value


# ALTER SESSION SET parameters: how each is applied.  Oracle parameters not listed are ORA-03001 (Oracle has them;
# Quietus does not), other names ORA-02248.
SESSION_PARAMETERS: dict[str, Callable[[Any, str], None]] = {
    "NLS_DATE_FORMAT": _set_date_format,
    "NLS_COMP": _require("BINARY"),
    "NLS_SORT": _require("BINARY"),
    "NLS_LANGUAGE": _require("AMERICAN"),
    "NLS_TERRITORY": _require("AMERICA"),
}
KNOWN_SESSION_PARAMETERS = frozenset(
    {"TIME_ZONE", "CURRENT_SCHEMA", "NLS_TIMESTAMP_FORMAT", "NLS_TIMESTAMP_TZ_FORMAT", "NLS_NUMERIC_CHARACTERS",
     "NLS_DATE_LANGUAGE", "NLS_CURRENCY", "NLS_LENGTH_SEMANTICS", "OPTIMIZER_MODE", "EDITION", "CONTAINER",
     "ISOLATION_LEVEL", "SQL_TRACE", "STATISTICS_LEVEL", "DDL_LOCK_TIMEOUT"}
)  # fmt: skip


_HANDLERS: dict[type, Callable[[Any, Any], None]] = {
    OracleSql: OracleRunner.run_oracle_sql,
    st.CommitTransaction: OracleRunner.oracle_commit,
    st.RollbackTransaction: OracleRunner.oracle_rollback,
    st.SaveTransaction: OracleRunner.oracle_savepoint,
    SetTransaction: OracleRunner.oracle_set_transaction,
    AlterSession: OracleRunner.oracle_alter_session,
    SetCurrentSchema: OracleRunner.oracle_set_current_schema,
}
