"""The embedded API: PEP 249 connections, each one a session of an in-process Quietus instance.

``quietus.connect("path/to/data")`` opens (or joins) the instance for that data directory in this process;
``quietus.connect(None)`` is an in-memory instance private to the call (``connect(":memory:")`` likewise).
Connections of one instance share its engine thread, so sessions opened from different threads block, deadlock and
can be killed exactly as network sessions will.

Parameters use the ``pyformat`` style (``%s`` / ``%(name)s``) and travel as typed variables (``@P1`` ...), as
sp_executesql does, so a statement's parse and plan are reused from call to call.
Like pymssql and pytds, a connection is not in autocommit mode by default: the first statement opens a transaction
(BEGIN TRAN) that ``commit()`` / ``rollback()`` end.  ``connect(..., autocommit=True)`` runs each statement in its
own transaction, SQL Server's own default.

``connect(..., dialect="oracle")`` opens an Oracle-dialect session instead (``OracleConnection``): one statement
per ``execute`` (no trailing ``;``), errors numbered as Oracle's (``ORA-00942`` has ``number`` 942), Oracle's
transactions (a write opens one; ``commit()`` / ``rollback()`` end it; ``autocommit=True`` commits after every
call).  Its parameters use python-oracledb's styles, ``named`` (``:name`` with a mapping; keys with or without
the colon, any case) and ``numeric`` (``:1`` ... with a sequence, bound by position of first appearance).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from quietus.admin.oracle_kill import ended_session_error
from quietus.engine.interrupts import InterruptReason
from quietus.engine.scheduler import EngineThread, Retaken, current_task
from quietus.errors import oracle_error
from quietus.server.instance import Instance
from quietus.sessions.requests import Outcome
from quietus.sessions.session import Dialect, Session, SessionStatus
from quietus.sql.oracle import bind_names
from quietus.sql.results import CollectingSink, MessageEvent, ResultColumn, ResultSet, StatementDone

apilevel = "2.0"
threadsafety = 1
paramstyle = "pyformat"


class Warning(Exception):
    pass


class Error(Exception):
    def __init__(self, message: str, number: int = 0, severity: int = 0, state: int = 0, line: int = 0) -> None:
        super().__init__(message)
        self.number = number
        self.severity = severity
        self.state = state
        self.line = line

    @property
    def msg_no(self) -> int:
        return self.number


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


# Error number → exception class (PEP 249 categories, as pytds maps SQL Server numbers).
_ERROR_CLASSES: dict[int, type[DatabaseError]] = {
    **dict.fromkeys((2601, 2627, 547, 515, 544, 8102), IntegrityError),
    **dict.fromkeys((102, 156, 105, 207, 208, 209, 137, 134, 4104, 8120, 2812, 195, 174, 189), ProgrammingError),
    **dict.fromkeys((245, 241, 8114, 8115, 8134, 8169, 220, 2628, 8152, 529, 257), DataError),
    **dict.fromkeys((1205, 1222, 596, 3960, 3952), OperationalError),
}


# ORA code → exception class, as python-oracledb classifies them.
_ORACLE_ERROR_CLASSES: dict[int, type[DatabaseError]] = {
    **dict.fromkeys((1, 1400, 2291, 2292), IntegrityError),
    **dict.fromkeys((900, 901, 903, 904, 907, 911, 913, 918, 933, 936, 942, 947, 955, 1008), ProgrammingError),
    **dict.fromkeys((1427, 1438, 1476, 1722, 1861, 12899), DataError),
    **dict.fromkeys((28, 54, 60, 1013, 30006), OperationalError),
    3001: NotSupportedError,
}


def _error_from(message: MessageEvent, classes: Mapping[int, type[DatabaseError]] = _ERROR_CLASSES) -> DatabaseError:
    cls = classes.get(message.number, OperationalError if message.severity >= 20 else DatabaseError)
    return cls(message.text, message.number, message.severity, message.state, message.line)


class _LetGo:
    """The engine's ownership let go around a blocking call on an embedded caller's thread (a commit's log write
    and fsync, ``Database._write_durably``) and taken back after it (``EngineThread.let_go``), so the loop and the
    other connections' callers run meanwhile and commits arriving then share the next fsync; None on the loop's own
    thread.

    An interrupt (Ctrl-C) that reaches the caller in there is raised by the log only once the commit's record is
    durable; the commit must still end (made visible, locks released), so it is held here, the request is cancelled
    as by an attention (it stops at its next safe point) and ``Connection.run`` raises it when the request is over,
    as ``EngineThread.run`` does with one that lands while the caller waits for the loop."""

    __slots__ = ("_engine_thread", "_held")

    def __init__(self, thread: EngineThread) -> None:
        self._engine_thread = thread
        self._held = threading.local()  # .interrupt: the one this thread's request raises when it ends

    def __call__(self) -> contextlib.AbstractContextManager[None] | None:
        return None if self._engine_thread.on_engine_thread else self._section()

    @contextlib.contextmanager
    def _section(self) -> Iterator[None]:
        interrupt: BaseException | None = None
        retaken: Retaken | None = None
        try:
            with self._engine_thread.let_go() as retaken:
                try:
                    yield
                except Exception:  # a failure of the log itself goes on to the commit
                    raise
                except BaseException as caught:  # Ctrl-C in the blocking call: held until the request ends
                    interrupt = caught
        finally:
            interrupt = interrupt or (retaken.interrupt if retaken is not None else None)
            if interrupt is not None:
                self._hold(interrupt)

    def _hold(self, interrupt: BaseException) -> None:
        task = current_task()
        if task is not None:
            task.set_interrupt(InterruptReason.ATTENTION)
        if getattr(self._held, "interrupt", None) is None:
            self._held.interrupt = interrupt

    def raise_held(self) -> None:
        """Raise the interrupt held for this thread's request, if any (after the request ended)."""
        interrupt = getattr(self._held, "interrupt", None)
        if interrupt is not None:
            self._held.interrupt = None
            raise interrupt


class _Engine:
    """One instance and its engine thread, shared by every connection to the same data directory."""

    def __init__(self, data_dir: Path | None) -> None:
        self.thread = EngineThread()
        self.instance = Instance(data_dir)
        self.thread.call(self.instance.start())
        self.let_go = _LetGo(self.thread)
        assert self.instance.env is not None
        for database in self.instance.env.databases.values():
            database.let_go = self.let_go
        self.connections = 0

    def close(self) -> None:
        self.thread.call(self.instance.stop())
        self.thread.stop()


_engines: dict[Path, _Engine] = {}
_engines_lock = threading.Lock()


def _acquire_engine(data_dir: Path | None) -> _Engine:
    if data_dir is None:
        engine = _Engine(None)
        engine.connections = 1
        return engine
    key = data_dir.resolve()
    with _engines_lock:
        shared = _engines.get(key)
        if shared is None:
            shared = _Engine(key)
            _engines[key] = shared
        shared.connections += 1
        return shared


def _release_engine(engine: _Engine) -> None:
    with _engines_lock:
        engine.connections -= 1
        if engine.connections > 0:
            return
        for key, candidate in list(_engines.items()):
            if candidate is engine:
                del _engines[key]
    engine.close()


def connect(
    database: str | Path | None = None,
    autocommit: bool = False,
    login: str = "sa",
    host_name: str = "",
    program_name: str = "quietus-embedded",
    dialect: str = "tsql",
) -> Connection:
    if dialect not in _DIALECTS:
        raise InterfaceError(f"unknown dialect {dialect!r} (expected one of {', '.join(_DIALECTS)})")
    session_dialect, connection_class = _DIALECTS[dialect]
    data_dir = None if database in (None, ":memory:") else Path(database)
    engine = _acquire_engine(data_dir)
    try:
        session = engine.thread.run(
            engine.instance.open_session(
                login_name=login,
                host_name=host_name or "localhost",
                program_name=program_name,
                client_interface_name="quietus.dbapi",
                host_process_id=threading.get_native_id(),
                dialect=session_dialect,
            )
        )
    except BaseException:
        _release_engine(engine)
        raise
    return connection_class(engine, session, autocommit)


class Connection:
    error_classes: Mapping[int, type[DatabaseError]] = _ERROR_CLASSES

    def __init__(self, engine: _Engine, session: Session, autocommit: bool) -> None:
        self._engine = engine
        self.session = session
        self.autocommit = autocommit
        self.closed = False
        self._released = False  # the engine reference is given back once, by close()
        self.messages: list[MessageEvent] = []
        self.last_outcome: Outcome | None = None

    @property
    def session_id(self) -> int:
        return self.session.session_id

    @property
    def instance(self) -> Instance:
        return self._engine.instance

    def run(self, text: str, parameters: Mapping[str, Any] | None = None) -> CollectingSink:
        """Run one batch as it is (``parameters``: name -> value, bound as variables such as ``@P1``); returns
        every event (result sets, messages, counts) in order."""
        self._check_open()
        sink = CollectingSink()
        engine = self._engine
        try:
            outcome = engine.thread.run(
                engine.instance.execute(self.session, text, sink, parameters), cancel=self._cancel
            )
        finally:
            engine.let_go.raise_held()
        if outcome is Outcome.SESSION_ENDED:
            self.closed = True
        self.last_outcome = outcome
        return sink

    def _cancel(self) -> None:
        """Ctrl-C while a batch runs: cancel it as a TDS client's attention does (the batch ends, the session and an
        open transaction stay), then the KeyboardInterrupt reaches the caller."""
        self.session.interrupt(InterruptReason.ATTENTION)

    def cursor(self) -> Cursor:
        self._check_open()
        return Cursor(self)

    def execute(self, operation: str, parameters: Any = None) -> Cursor:
        cursor = self.cursor()
        cursor.execute(operation, parameters)
        return cursor

    def commit(self) -> None:
        self._check_open()
        if self.session.trancount > 0:
            self._raise_errors(self.run("COMMIT TRANSACTION"))

    def rollback(self) -> None:
        self._check_open()
        if self.session.trancount > 0:
            self._raise_errors(self.run("ROLLBACK TRANSACTION"))

    def close(self) -> None:
        """Close the session (if a kill has not already) and let go of the shared engine, exactly once."""
        self.closed = True
        if self._released:
            return
        self._released = True
        try:
            self._engine.thread.run(self._engine.instance.close_session(self.session))
        finally:
            _release_engine(self._engine)

    def _check_open(self) -> None:
        if not self.closed and self.session.status not in (SessionStatus.KILLED, SessionStatus.ENDED):
            return
        # Ended while not in a call (a kill, a dropped connection), or closed: an Oracle client's call gets Oracle's
        # error (ORA-00028 ... once, which ends the session; ORA-01012 after), a T-SQL client a closed connection.
        error = ended_session_error(self.session, first_call=not self.closed)
        if error is None:
            raise InterfaceError("Connection is closed")
        if not self.closed:
            self.close()
        raise OperationalError(error.message, error.number, error.severity, error.state)

    def _raise_errors(self, sink: CollectingSink) -> None:
        messages = sink.messages
        if messages:  # most calls have none
            self.messages.extend(m for m in messages if not m.is_error)
            for message in messages:
                if message.is_error:
                    raise _error_from(message, self.error_classes)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Cursor:
    arraysize = 1

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1
        self.messages: list[MessageEvent] = []
        self._results: list[ResultSet] = []
        self._rows: Iterator[tuple[Any, ...]] = iter(())
        self._position = 0
        # The description last made and the columns it describes: a cached plan reports the same column objects
        # every time, so a statement run again is described without building its tuples again.
        self._described: Sequence[ResultColumn] | None = None
        self._description: tuple[tuple[Any, ...], ...] = ()

    def execute(self, operation: str, parameters: Any = None) -> Cursor:
        connection = self.connection
        text, bound = (operation, None) if parameters is None else parameterise(operation, parameters)
        if not connection.autocommit and connection.session.trancount == 0 and not connection.closed:
            connection.run("BEGIN TRANSACTION")
        self._collect(connection.run(text, bound))
        return self

    def _collect(self, sink: CollectingSink) -> None:
        """Take a call's results, counts and messages; raise its first error."""
        messages = sink.messages
        self.messages = [m for m in messages if not m.is_error] if messages else []
        self._results = sink.result_sets
        self.rowcount = sink.rowcount
        self._show(0)
        self.connection._raise_errors(sink)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        total = 0
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
            total += max(self.rowcount, 0)
        self.rowcount = total

    def _show(self, position: int) -> None:
        self._position = position
        if position < len(self._results):
            result = self._results[position]
            columns = result.columns
            if columns is not self._described:
                self._description = tuple(
                    (c.name, c.type.name, None, c.type.length, c.type.precision, c.type.scale, c.nullable)
                    for c in columns
                )
                self._described = columns
            self.description = list(self._description)  # the caller's own list, as before
            self._rows = iter(result.rows)
        else:
            self.description = None
            self._rows = iter(())

    def nextset(self) -> bool | None:
        if self._position + 1 >= len(self._results):
            self._show(len(self._results))
            return None
        self._show(self._position + 1)
        return True

    def fetchone(self) -> tuple[Any, ...] | None:
        return next(self._rows, None)

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        count = size or self.arraysize
        rows = []
        for _ in range(count):
            row = next(self._rows, None)
            if row is None:
                break
            rows.append(row)
        return rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return self._rows

    def close(self) -> None:
        self._rows = iter(())

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass


_PARAMETER_TYPES = (
    type(None), bool, int, float, decimal.Decimal, str, bytes, bytearray, datetime.date, datetime.time, uuid.UUID,
)


_EXACT_PARAMETER_TYPES = frozenset(_PARAMETER_TYPES)  # the common case: one set probe, no subclass walk


def _check_parameter(value: Any) -> Any:
    if type(value) not in _EXACT_PARAMETER_TYPES and not isinstance(value, _PARAMETER_TYPES):
        raise InterfaceError(f"cannot pass a {type(value).__name__} as a parameter")
    return value


def parameterise(operation: str, parameters: Any) -> tuple[str, dict[str, Any]]:
    """``%s`` / ``%(name)s`` placeholders become variables ``@P1`` ... / ``@name`` bound to the values, as
    sp_executesql does: the text stays the same from call to call, so its parse and plan are reused."""
    if type(parameters) not in (tuple, list) and isinstance(parameters, Mapping):
        variables = {key: f"@{key}" for key in parameters}
        return operation % variables, {f"@{key}": _check_parameter(value) for key, value in parameters.items()}
    if not isinstance(parameters, list | tuple):
        parameters = (parameters,)
    text, names = _positional_text(operation, len(parameters))
    for value in parameters:
        _check_parameter(value)
    return text, dict(zip(names, parameters, strict=True))


@functools.lru_cache(maxsize=1024)
def _positional_text(operation: str, count: int) -> tuple[str, tuple[str, ...]]:
    """``operation`` with its ``count`` ``%s`` placeholders rewritten to ``@P1`` ... ``@Pcount``, and those names:
    the same for every call of one operation text, so made once (an operation whose placeholders do not match
    ``count`` raises here every time, as ``%`` does; a failure is not cached)."""
    names = tuple(f"@P{i}" for i in range(1, count + 1))
    return operation % names, names


class OracleConnection(Connection):
    """A connection to an Oracle-dialect session (``connect(..., dialect="oracle")``)."""

    error_classes: Mapping[int, type[DatabaseError]] = _ORACLE_ERROR_CLASSES

    def run(self, text: str, parameters: Mapping[str, Any] | None = None) -> CollectingSink:
        """As ``Connection.run``; a call cancelled (CANCEL SQL, ``connection.cancel()``) ends with ORA-01013, as an
        Oracle client sees it: the statement undone, the transaction and the session still there."""
        sink = super().run(text, parameters)
        if self.last_outcome is Outcome.CANCELLED:
            error = oracle_error("ORA-01013")
            sink.message(MessageEvent(error.number, error.severity, error.state, error.message))
            sink.done(StatementDone(None, error=True))
        return sink

    def cursor(self) -> Cursor:
        self._check_open()
        return OracleCursor(self)

    def commit(self) -> None:
        self._check_open()
        self._raise_errors(self.run("COMMIT"))

    def rollback(self) -> None:
        self._check_open()
        self._raise_errors(self.run("ROLLBACK"))


class OracleCursor(Cursor):
    def execute(self, operation: str, parameters: Any = None) -> Cursor:
        connection = self.connection
        self._collect(connection.run(operation, None if parameters is None else oracle_binds(operation, parameters)))
        if connection.autocommit and connection.session.txn is not None and not connection.closed:
            connection.commit()
        return self


def oracle_binds(operation: str, parameters: Any) -> dict[str, Any]:
    """python-oracledb's bind styles → bind values by upper-case name (``:1`` is "1", ``:name`` is "NAME")."""
    if isinstance(parameters, Mapping):
        return {str(key).lstrip(":").upper(): _check_parameter(value) for key, value in parameters.items()}
    if not isinstance(parameters, list | tuple):
        parameters = (parameters,)
    try:
        names: Sequence[str] = bind_names(operation)
    except Exception:  # the statement does not parse: its run reports the ORA error
        names = ()
    if len(names) != len(parameters):
        names = [str(position) for position in range(1, len(parameters) + 1)]
    return {name: _check_parameter(value) for name, value in zip(names, parameters, strict=True)}


# connect(dialect=...) → the session's dialect and the connection class.
_DIALECTS: dict[str, tuple[Dialect, type[Connection]]] = {
    "tsql": (Dialect.TSQL, Connection),
    "oracle": (Dialect.ORACLE, OracleConnection),
}

