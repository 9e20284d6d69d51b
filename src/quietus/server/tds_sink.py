"""The engine's results as TDS tokens: a ``ResultSink`` that writes to one client connection.

Each engine event becomes tokens through the request's ``ResponseWriter`` and goes to the transport at once
(the writer hands back whole packets only, so a row costs no write of its own).  Table:

| engine event                          | tokens                                                   |
|---------------------------------------|----------------------------------------------------------|
| start_result(columns)                 | COLMETADATA (engine SqlType → ColumnSpec, same names)    |
| row(values)                           | ROW / NBCROW                                             |
| done(StatementDone)                   | DONE / DONEINPROC (count, error)                         |
| message(5701, from USE)               | ENVCHANGE 1 (database) + INFO 5701                       |
| message(other)                        | INFO (severity ≤ 10) / ERROR                             |
| transaction(begin / commit / rollback)| ENVCHANGE 8 / 9 / 10 (descriptor: the transaction's xid) |
| return_status(value)                  | RETURNSTATUS                                             |

Backpressure (invariant): when the transport's write buffer is above its high-water mark, the request waits
in ``Task.wait(..., "ASYNC_NETWORK_IO")`` until the client has read enough.  A client that stops reading therefore
holds one buffer's worth of the server's memory, not its whole result, and the wait is where a kill (or the
connection's loss) wakes the request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Final, Protocol

from quietus.engine.scheduler import current_task
from quietus.errors import SqlError
from quietus.memo import IdentityMemo
from quietus.protocol.tds import ColumnSpec, ResponseWriter
from quietus.protocol.tds.tokens import CURRENT_COMMAND
from quietus.sessions.session import Session
from quietus.sql.results import MessageEvent, ResultColumn, ReturnStatus, StatementDone, TransactionEvent

DATABASE_CHANGED = 5701
NETWORK_WAIT: Final = "ASYNC_NETWORK_IO"
ROWS_PER_WRITE = 64  # rows encoded together: one writer call per batch instead of one per row

# Engine types with no TDS column type of their own, and what a client sees instead.
_WIRE_NAMES = {"boolean": "bit"}


def column_spec(column: ResultColumn) -> ColumnSpec:
    """An engine result column as the codec describes it (SQL Server type names on both sides)."""
    t = column.type
    return ColumnSpec(column.name, _WIRE_NAMES.get(t.name, t.name), t.length, t.precision, t.scale, column.nullable)


def _column_specs(columns: Sequence[ResultColumn], _: None) -> tuple[ColumnSpec, ...]:
    return tuple(column_spec(c) for c in columns)


# A cached plan's result columns (one tuple per plan) → their descriptions, made once.
_SPECS: IdentityMemo[Sequence[ResultColumn], None, tuple[ColumnSpec, ...]] = IdentityMemo(_column_specs)


class Channel(Protocol):
    """What the sink needs of a client connection."""

    client_database: str  # the database the client was last told about (ENVCHANGE 1)

    def write(self, data: bytes) -> None: ...

    @property
    def write_paused(self) -> bool: ...

    def drained(self) -> asyncio.Future[None]: ...

    def transaction_open(self) -> bool: ...


class TdsResultSink:
    """One request's results, streamed to ``channel`` through ``writer``."""

    def __init__(self, channel: Channel, writer: ResponseWriter, session: Session) -> None:
        self.channel = channel
        self.writer = writer
        self.session = session
        self._result_open = False
        self._rows: list[tuple[Any, ...]] = []
        self.return_statuses: list[int] = []

    # -- output ----------------------------------------------------------------------------------------------

    @property
    def w(self) -> ResponseWriter:
        """The writer, once the rows held back have gone through it: every token is made through this, in order."""
        if self._rows:
            self._flush_rows()
        return self.writer

    def _flush_rows(self) -> None:
        rows, self._rows = self._rows, []
        self.send(self.writer.rows(rows))

    def send(self, data: bytes) -> None:
        """Write ``data``; inside a request's task, wait while the client is not reading (backpressure)."""
        channel = self.channel
        channel.write(data)
        if channel.write_paused:
            task = current_task()
            # A request being torn down (killed, cancelled) does not wait: its last tokens (596 ...) are few, and a
            # client that does not read must not keep a kill from finishing.
            if task is not None and task.interrupt is None:
                task.wait(channel.drained(), NETWORK_WAIT)

    # -- ResultSink ------------------------------------------------------------------------------------------

    def start_result(self, columns: Sequence[ResultColumn]) -> None:
        if self._result_open:  # a producer that ended a result without a DONE: close it here
            self.send(self.w.done())
        self._result_open = True
        self.send(self.w.result_set(_SPECS.get(columns, None)))

    def row(self, values: tuple[Any, ...]) -> None:
        self._rows.append(values)
        if len(self._rows) >= ROWS_PER_WRITE:
            self._flush_rows()

    def end_result(self) -> None:
        if self._rows:  # the statement's DONE (done()) closes the result set
            self._flush_rows()

    def message(self, event: MessageEvent) -> None:
        w = self.w
        if event.number == DATABASE_CHANGED:  # USE: SQL Server sends the ENVCHANGE even for the current database
            old, self.channel.client_database = self.channel.client_database, self.session.database
            self.send(w.database_changed(self.session.database, old))
            return
        self.send(w.message(SqlError(event.number, event.severity, event.state, event.text, event.line,
                                     event.procedure)))  # fmt: skip

    def done(self, event: StatementDone) -> None:
        w = self.w
        self._result_open = False
        self.send(w.done(event.rowcount, error=event.error, cur_cmd=CURRENT_COMMAND.get(event.command, 0)))

    def transaction(self, event: TransactionEvent) -> None:
        w = self.w
        is_open = self.channel.transaction_open()
        if event.kind == "begin" and not is_open:
            self.send(w.begin_transaction(event.descriptor or None))
        elif event.kind == "commit" and is_open:
            self.send(w.commit_transaction())
        elif event.kind == "rollback" and is_open:
            self.send(w.rollback_transaction())

    def return_status(self, event: ReturnStatus) -> None:
        self.return_statuses.append(event.value)
