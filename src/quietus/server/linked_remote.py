"""A connection from this instance to a linked Quietus instance, over TDS on a real socket (the sans-IO
``TdsClient`` driven by asyncio streams on the engine loop: no thread, no session stalls while it waits).

``relay`` hands a remote reply to the local client as if the batch had run here: result sets with the remote
columns' types, row counts, informational messages; the remote errors are raised as they are (number, severity,
state, text), the last one as the statement's error.
"""

from __future__ import annotations

import asyncio
from typing import Any

from quietus.admin.linked_servers import LinkedServer
from quietus.errors import SqlError, sql_error
from quietus.protocol.tds.client import Reply, TdsClient
from quietus.protocol.tds.responses import ColumnMetadata, Done, Row, ServerMessage
from quietus.protocol.tds.tokens import DoneStatus
from quietus.protocol.tds.types import TypeId, TypeInfo
from quietus.sql import types_base as T
from quietus.sql.context import ExecContext
from quietus.sql.results import MessageEvent, ResultColumn, StatementDone

CONNECT_SECONDS = 10.0  # SQL Server's 'remote login timeout' default
READ_BYTES = 65536
PLP_MAX = 0xFFFF

# TDS type id -> the SQL type of a remote column (the fixed-length ids by their length where it varies)
_FIXED: dict[int, T.SqlType] = {
    TypeId.INT1: T.TINYINT, TypeId.INT2: T.SMALLINT, TypeId.INT4: T.INT, TypeId.INT8: T.BIGINT,
    TypeId.BIT: T.BIT, TypeId.BITN: T.BIT, TypeId.FLT4: T.REAL, TypeId.FLT8: T.FLOAT, TypeId.MONEY: T.MONEY,
    TypeId.MONEY4: T.SMALLMONEY, TypeId.DATETIME: T.DATETIME, TypeId.DATETIM4: T.SMALLDATETIME,
    TypeId.GUID: T.UNIQUEIDENTIFIER, TypeId.DATEN: T.DATE, TypeId.XML: T.XML,
}  # fmt: skip
_BY_LENGTH: dict[tuple[int, int], T.SqlType] = {
    (TypeId.INTN, 1): T.TINYINT, (TypeId.INTN, 2): T.SMALLINT, (TypeId.INTN, 4): T.INT, (TypeId.INTN, 8): T.BIGINT,
    (TypeId.FLTN, 4): T.REAL, (TypeId.FLTN, 8): T.FLOAT, (TypeId.MONEYN, 4): T.SMALLMONEY,
    (TypeId.MONEYN, 8): T.MONEY, (TypeId.DATETIMN, 4): T.SMALLDATETIME, (TypeId.DATETIMN, 8): T.DATETIME,
}  # fmt: skip


def remote_type(info: TypeInfo) -> T.SqlType:
    """The SQL type a remote column's TDS type information describes."""
    fixed = _FIXED.get(info.type_id) or _BY_LENGTH.get((info.type_id, info.max_length or 0))
    if fixed is not None:
        return fixed
    kind, length, scale = info.type_id, info.max_length, info.scale or 0
    variable = None if length == PLP_MAX else length
    if kind in (TypeId.DECIMALN, TypeId.NUMERICN, TypeId.DECIMAL, TypeId.NUMERIC):
        return T.DECIMAL(info.precision or 18, scale)
    if kind in (TypeId.NVARCHAR, TypeId.NTEXT):
        return T.NVARCHAR(None if variable is None else variable // 2)
    if kind == TypeId.NCHAR:
        return T.NCHAR((length or 2) // 2)
    if kind in (TypeId.BIGVARCHR, TypeId.VARCHAR, TypeId.TEXT):
        return T.VARCHAR(variable)
    if kind in (TypeId.BIGCHAR, TypeId.CHAR):
        return T.CHAR(length or 1)
    if kind in (TypeId.BIGVARBIN, TypeId.VARBINARY, TypeId.IMAGE):
        return T.VARBINARY(variable)
    if kind in (TypeId.BIGBINARY, TypeId.BINARY):
        return T.BINARY(length or 1)
    temporal = {TypeId.DATETIME2N: T.datetime2, TypeId.TIMEN: T.time, TypeId.DATETIMEOFFSETN: T.datetimeoffset}
    if kind in temporal:
        return temporal[TypeId(kind)](scale)
    return T.NVARCHAR(None)  # sql_variant, UDTs: as text (never seen from a Quietus instance's own columns)


class RemoteConnection:
    """One login to a linked server; ``batch`` sends a SQL batch and returns its whole reply."""

    def __init__(self, server: LinkedServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.client = TdsClient()
        self.broken = False

    @classmethod
    async def open(cls, server: LinkedServer) -> RemoteConnection:
        """Connect and log in with the server's remote login (7416 without one; 15466 when its sealed password does
        not open with the server key; 7303 when it cannot be reached;
        the remote's own error, such as 18456, when it refuses the login)."""
        if server.remote_user is None:
            raise sql_error(7416)
        if server.stored_password is not None and server.remote_password is None:
            raise sql_error(15466)  # sealed with another server key (admin/server_key.py)
        host, port = server.address
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_SECONDS)
        except (OSError, TimeoutError):
            raise sql_error(7303, server.provider, server.name) from None
        connection = cls(server, reader, writer)
        try:
            writer.write(connection.client.prelogin())
            while connection.client.next_prelogin_reply() is None:
                await connection._read()
            writer.write(connection.client.login(server.remote_user, server.remote_password or ""))
            reply = await connection._reply()
        except (OSError, ConnectionError):
            connection.close()
            raise sql_error(7303, server.provider, server.name) from None
        if reply.login_ack is None:
            connection.close()
            raise remote_error(reply.errors[-1]) if reply.errors else sql_error(7303, server.provider, server.name)
        return connection

    async def _read(self) -> None:
        data = await self.reader.read(READ_BYTES)
        if not data:
            self.broken = True
            raise ConnectionError(f"linked server {self.server.name} closed the connection")
        self.client.receive_data(data)

    async def _reply(self) -> Reply:
        while (reply := self.client.next_reply()) is None:
            await self._read()
        return reply

    async def batch(self, text: str) -> Reply:
        """The batch's reply (7303-like failures surface as ``ConnectionError``)."""
        if self.broken:
            raise ConnectionError(f"the connection to linked server {self.server.name} is broken")
        try:
            self.writer.write(self.client.sql_batch(text))
            await self.writer.drain()
            return await self._reply()
        except OSError as error:
            self.broken = True
            raise ConnectionError(str(error)) from error

    def close(self) -> None:
        self.broken = True
        self.writer.close()

    def abort(self) -> None:
        """Drop the socket without a goodbye (what the other side sees when this process dies)."""
        self.broken = True
        transport: Any = self.writer.transport
        transport.abort()


def remote_error(message: ServerMessage) -> SqlError:
    return SqlError(message.number, message.severity, message.state, message.text, message.line, message.procedure)


def relay(ctx: ExecContext, reply: Reply) -> None:
    """Hand the remote reply to the local client; raise the last remote error."""
    sink = ctx.sink
    errors = [token for token in reply.tokens if isinstance(token, ServerMessage) and token.is_error]
    open_result = False
    for token in reply.tokens:
        if isinstance(token, ColumnMetadata):
            sink.start_result([ResultColumn(c.name, remote_type(c.info)) for c in token.columns])
            open_result = True
        elif isinstance(token, Row):
            sink.row(token.values)
        elif isinstance(token, Done):
            if open_result:
                sink.end_result()
                open_result = False
                sink.done(StatementDone(token.row_count, command="SELECT"))
            elif token.status & DoneStatus.COUNT:
                sink.done(StatementDone(token.row_count))
        elif isinstance(token, ServerMessage) and (not token.is_error or token is not errors[-1]):
            sink.message(MessageEvent(token.number, token.severity, token.state, token.text, token.line))
    if errors:
        raise remote_error(errors[-1])


def first_result(reply: Reply) -> tuple[list[tuple[str, T.SqlType]], list[tuple[Any, ...]], int]:
    """The reply's first result set (columns and rows; none for a statement without one) and the row count of its
    last counted DONE (what a remote INSERT / UPDATE / DELETE affected); raises the reply's last error."""
    error = failed(reply)
    if error is not None:
        raise error
    columns: list[tuple[str, T.SqlType]] = []
    rows: list[tuple[Any, ...]] = []
    count = 0
    state = "before"  # before the first result set, in it, after it
    for token in reply.tokens:
        if isinstance(token, ColumnMetadata) and state == "before":
            columns = [(c.name, remote_type(c.info)) for c in token.columns]
            state = "in"
        elif isinstance(token, Row) and state == "in":
            rows.append(tuple(token.values))
        elif isinstance(token, Done):
            if state == "in":
                state = "after"
            if token.status & DoneStatus.COUNT:
                count = token.row_count
    return columns, rows, count


def failed(reply: Reply) -> SqlError | None:
    """The reply's last error, if it has one."""
    errors = reply.errors
    return remote_error(errors[-1]) if errors else None
