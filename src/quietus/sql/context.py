"""The execution context of one request: session, task, variables, the statement's row access.

It implements the expression compiler's ``EvalContext`` protocol (variables, system values, the statement clock).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from mypy_extensions import mypyc_attr

from quietus.engine.access import RowAccess
from quietus.engine.database import Database
from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import Isolation, Transaction
from quietus.engine.wal.vfs import IO
from quietus.errors import sql_error
from quietus.sessions.session import Session
from quietus.sql import utf16
from quietus.sql.builtins_metadata import MICROSOFT_VERSION, TIMETICKS
from quietus.sql.collation import DEFAULT_COLLATION, SessionCollation
from quietus.sql.environment import VERSION_TEXT, Environment
from quietus.sql.results import ResultSink
from quietus.sql.session_options import options_value
from quietus.sql.types_base import NVARCHAR, VARBINARY, SqlType, type_of_value
from quietus.ticks import clock_at

T = TypeVar("T")


@mypyc_attr(allow_interpreted_subclasses=True)  # compiled (quietus.compiled); the Oracle context is not
class ExecContext:
    collation: SessionCollation = DEFAULT_COLLATION  # ORDER BY, GROUP BY, DISTINCT, UNION keys
    # UPDATE/DELETE find rows in the statement snapshot and lock only those they write (engine/access.py)
    versioned_writes = False

    def __init__(self, session: Session, task: Task, env: Environment, sink: ResultSink) -> None:
        self.session = session
        self.task = task
        self.env = env
        self.sink = sink
        self.variables: dict[str, Any] = {}
        self.variable_types: dict[str, SqlType] = {}
        self._clock_ns = time.time_ns()
        self._now: datetime.datetime | None = None
        self.access: RowAccess | None = None
        self.line = 1
        self.nest_level = 0
        self.table_variables: dict[str, str] = {}  # @name (casefolded) -> the stored name of its table
        self.cursors: dict[str, Any] = {}  # LOCAL cursors of this batch or procedure, by name (casefolded)
        self.procedure_name = ""  # the stored procedure whose body runs here ("" in a batch)
        self.procedure_id = 0  # its object id: @@PROCID
        self.view_checks: tuple[Any, ...] = ()  # WITH CHECK OPTIONs of the view a write goes through (sql.views)

    # -- EvalContext protocol --------------------------------------------------------------------------------

    def fix_clock(self) -> None:
        """Read the statement's clock (``now``); it becomes a datetime only if a clock function asks for it."""
        self._clock_ns = time.time_ns()
        self._now = None

    def with_reads(self, action: Callable[[], T]) -> T:
        """Run ``action``, which may read tables (a subquery in IF/SET, a system procedure reading catalog views),
        with a statement transaction: the session's, or one of its own committed after."""
        if self.access is not None:
            return action()
        session = self.session
        txn = session.txn
        temporary = None
        if txn is None:
            temporary = txn = self.database.begin(session.session_id, session.isolation, False)
        self.access = RowAccess(self.database, self.task, txn, session.lock_timeout_ms, txn.snapshot_seq)
        try:
            return action()
        finally:
            self.access = None
            if temporary is not None:
                self.database.commit(self.task, temporary)

    def share_clock(self, caller: ExecContext) -> None:
        """Read the clock of ``caller``'s statement (a function's body: one time for the statement calling it)."""
        self._clock_ns, self._now = caller._clock_ns, caller._now

    @property
    def now(self) -> datetime.datetime:
        if self._now is None:
            self._now = clock_at(self._clock_ns)
        return self._now

    def get_variable(self, name: str) -> Any:
        key = name.casefold()
        if key not in self.variable_types:
            raise sql_error(137, name)
        return self.variables.get(key)

    def variable_type(self, name: str) -> SqlType:
        try:
            return self.variable_types[name.casefold()]
        except KeyError:
            raise sql_error(137, name) from None

    def check_interrupt(self) -> None:
        self.task.check()

    def session_option(self, name: str) -> bool:
        return self.session.options[name]

    def system_value(self, name: str) -> Any:
        key = name.upper().lstrip("@")
        provider = _SYSTEM_VALUES.get(key)
        if provider is None:
            raise sql_error(195, name, "built-in function name")
        return provider(self)

    def bind_parameters(self, parameters: Mapping[str, Any], types: Mapping[str, SqlType] | None = None) -> None:
        """Parameters of a parameterised batch (sp_executesql, the embedded API) become typed variables.

        Strings and binaries get SQL Server's usual parameter types (nvarchar(4000), varbinary(8000), MAX beyond),
        not their exact lengths, so one statement text keeps one plan whatever the values.  ``types`` (by
        parameter name) are declared types (sp_executesql's @params); the caller has converted the values."""
        for name, value in parameters.items():
            key = parameter_key(name)
            declared = types.get(name) if types else None
            if isinstance(value, str):
                value = utf16.clean(value)  # a lone surrogate from an embedded caller: U+FFFD, as from a client
            self.variable_types[key] = parameter_type(value) if declared is None else declared
            self.variables[key] = value

    # -- statement plumbing ----------------------------------------------------------------------------------

    @property
    def read_committed_snapshot(self) -> bool:
        """Whether READ COMMITTED reads see a snapshot taken at the statement's start instead of taking shared
        locks: the database's READ_COMMITTED_SNAPSHOT option here; always for an Oracle session's context."""
        return self.database.options.read_committed_snapshot

    @property
    def database(self) -> Database:
        name = self.session.database
        database = self.env.databases.get(name)  # as spelled: found at once (read several times a statement)
        if database is None:
            database = self.env.database(name)
        if database is None:
            raise sql_error(911, self.session.database)
        return database

    def row_access(self) -> RowAccess:
        """The statement's row access: its transaction, lock timeout and (for SNAPSHOT/RCSI) snapshot."""
        assert self.access is not None, "no statement transaction"
        return self.access

    @property
    def txn(self) -> Transaction:
        """The transaction the current statement runs in (the session's, or its own autocommit one)."""
        return self.row_access().txn

    def catch_error(self, attribute: str) -> Any:
        stack = self.session.catch_stack
        return getattr(stack[-1], attribute) if stack else None


def parameter_key(name: str) -> str:
    """The variable a parameter of a parameterised batch becomes: ``@name``, case-folded (``P1`` → ``@p1``)."""
    return name.casefold() if name.startswith("@") else "@" + name.casefold()


_BINARIES: Final = (bytes, bytearray)


def parameter_type(value: Any) -> SqlType:
    if isinstance(value, str):
        return NVARCHAR(4000) if utf16.units(value) <= 4000 else NVARCHAR(None)
    if isinstance(value, _BINARIES):
        return VARBINARY(8000) if len(value) <= 8000 else VARBINARY(None)
    return type_of_value(value)


def _xact_state(ctx: ExecContext) -> int:
    session = ctx.session
    if session.txn is None or session.trancount == 0:
        return 0
    return -1 if session.doomed else 1


def _ticks(seconds: float) -> int:
    """Seconds as @@TIMETICKS ticks, as the @@ counters report time."""
    return int(seconds * 1_000_000 / TIMETICKS)


def _uptime(ctx: ExecContext) -> float:
    return time.monotonic() - ctx.env.statistics.started


_SYSTEM_VALUES: dict[str, Any] = {
    "SPID": lambda ctx: ctx.session.session_id,
    "TRANCOUNT": lambda ctx: ctx.session.trancount,
    "ROWCOUNT": lambda ctx: ctx.session.rowcount,
    "ERROR": lambda ctx: ctx.session.error,
    "IDENTITY": lambda ctx: ctx.session.identity,
    "SCOPE_IDENTITY": lambda ctx: ctx.session.scope_identity,
    "VERSION": lambda ctx: VERSION_TEXT,
    "SERVERNAME": lambda ctx: ctx.env.server_name,
    "SERVICENAME": lambda ctx: "MSSQLSERVER",
    "MAX_PRECISION": lambda ctx: 38,
    "LOCK_TIMEOUT": lambda ctx: ctx.session.lock_timeout_ms,
    "LANGUAGE": lambda ctx: ctx.session.language,
    "LANGID": lambda ctx: 0,  # us_english, the one language Quietus speaks (sys.syslanguages' langid)
    "MAX_CONNECTIONS": lambda ctx: 32767,
    "REMSERVER": lambda ctx: None,  # a batch never arrives from a remote server's RPC
    "DATEFIRST": lambda ctx: ctx.session.date_first,
    "TEXTSIZE": lambda ctx: ctx.session.textsize,
    "NESTLEVEL": lambda ctx: ctx.nest_level,
    "PROCID": lambda ctx: ctx.procedure_id,
    "MICROSOFTVERSION": lambda ctx: MICROSOFT_VERSION,
    "TIMETICKS": lambda ctx: TIMETICKS,
    "CPU_BUSY": lambda ctx: _ticks(time.process_time()),  # the server process's CPU time
    "IO_BUSY": lambda ctx: _ticks(IO.busy_seconds),  # time in file reads, writes and syncs
    "IDLE": lambda ctx: _ticks(max(0.0, _uptime(ctx) - time.process_time() - IO.busy_seconds)),
    "TOTAL_READ": lambda ctx: IO.reads,
    "TOTAL_WRITE": lambda ctx: IO.writes,
    "TOTAL_ERRORS": lambda ctx: IO.errors,
    "CONNECTIONS": lambda ctx: ctx.env.statistics.connections,
    "PACK_RECEIVED": lambda ctx: ctx.env.statistics.packets_received,
    "PACK_SENT": lambda ctx: ctx.env.statistics.packets_sent,
    "PACKET_ERRORS": lambda ctx: ctx.env.statistics.packet_errors,
    "DBTS": lambda ctx: b"\x00" * 8,
    "OPTIONS": lambda ctx: options_value(ctx.session.options),
    "FETCH_STATUS": lambda ctx: ctx.session.fetch_status,
    "ERROR_NUMBER": lambda ctx: ctx.catch_error("number"),
    "ERROR_MESSAGE": lambda ctx: ctx.catch_error("message"),
    "ERROR_SEVERITY": lambda ctx: ctx.catch_error("severity"),
    "ERROR_STATE": lambda ctx: ctx.catch_error("state"),
    "ERROR_LINE": lambda ctx: ctx.catch_error("line"),
    "ERROR_PROCEDURE": lambda ctx: ctx.catch_error("procedure") or None,
    "XACT_STATE": _xact_state,
    "SUSER_SNAME": lambda ctx: ctx.session.login_name,
    "SUSER_NAME": lambda ctx: ctx.session.login_name,
    "SYSTEM_USER": lambda ctx: ctx.session.login_name,
    "ORIGINAL_LOGIN": lambda ctx: ctx.session.login_name,
    "USER_NAME": lambda ctx: "dbo",
    "CURRENT_USER": lambda ctx: "dbo",
    "SESSION_USER": lambda ctx: "dbo",
    "USER": lambda ctx: "dbo",
    "DB_NAME": lambda ctx: ctx.session.database,
    "DB_ID": lambda ctx: ctx.database.database_id,
    "HOST_NAME": lambda ctx: ctx.session.host_name,
    "APP_NAME": lambda ctx: ctx.session.program_name,
    "TRANSACTION_ISOLATION_LEVEL": lambda ctx: int(ctx.session.isolation),
    "ISOLATION": lambda ctx: Isolation(ctx.session.isolation).name,
}
