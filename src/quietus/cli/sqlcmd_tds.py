"""``quietus sql`` over the network: a blocking TDS session on a socket, driving the sans-IO ``TdsClient``.

One request at a time, as sqlcmd: send a SQL batch, read its whole response message, print it.  A query timeout
sends ATTENTION and reads on until the server's DONE with the ATTN bit (the response to the cancelled batch, or
the acknowledgement of an idle attention) so the session is usable again.

Invariants:
  1. Between requests the receive buffer is empty: every batch's response, and every attention's acknowledgement,
     is read whole before the next request goes out.
  2. Any failure of the transport or of the peer's bytes becomes a ``ClientError`` whose text sqlcmd would print
     after ``Sqlcmd: Error: <driver> :``; after ``ConnectionLost`` the session is closed.
  3. Login messages (5701 database context, 5703 language) are not printed, as sqlcmd does not print them.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from quietus.cli.output import Column, Message, Printer
from quietus.protocol.tds.client import Reply, TdsClient
from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.login7 import Login7
from quietus.protocol.tds.responses import ColumnDescription, ColumnMetadata, Done, Row, ServerMessage
from quietus.protocol.tds.tokens import DoneStatus, TokenType
from quietus.protocol.tds.types import PLP_MAX, TypeId, TypeInfo
from quietus.protocol.tds.versions import TDS74

DRIVER = "Quietus TDS client"  # where sqlcmd names its ODBC driver: "Sqlcmd: Error: <DRIVER> : <text>"
APP_NAME = "SQLCMD"  # program_name the server sees, as for sqlcmd
ATTENTION_GRACE = 10.0  # seconds to wait for the server to acknowledge an ATTENTION before giving up on it
_T = TypeVar("_T")


class ClientError(Exception):
    """A failure sqlcmd reports as ``Sqlcmd: Error: <driver> : <text>``."""


class LoginFailed(ClientError):
    def __init__(self, messages: Sequence[Message]) -> None:
        super().__init__(" ".join(m.text for m in messages) or "Login failed.")
        self.messages = list(messages)


class QueryTimeout(ClientError):
    def __init__(self) -> None:
        super().__init__("Query timeout expired.")


class ConnectionLost(ClientError):
    pass


@dataclass(frozen=True, slots=True)
class LoginDetails:
    user: str
    password: str
    database: str = ""
    app_name: str = APP_NAME


# --- column types: the wire TYPE_INFO back in SQL Server's vocabulary ------------------------------------------

_BY_SIZE: dict[int, dict[int, str]] = {
    TypeId.INTN: {1: "tinyint", 2: "smallint", 4: "int", 8: "bigint"},
    TypeId.FLTN: {4: "real", 8: "float"},
    TypeId.MONEYN: {4: "smallmoney", 8: "money"},
    TypeId.DATETIMN: {4: "smalldatetime", 8: "datetime"},
}
_NAMED: dict[int, str] = {
    TypeId.INT1: "tinyint", TypeId.INT2: "smallint", TypeId.INT4: "int", TypeId.INT8: "bigint",
    TypeId.BIT: "bit", TypeId.BITN: "bit", TypeId.FLT4: "real", TypeId.FLT8: "float",
    TypeId.MONEY: "money", TypeId.MONEY4: "smallmoney", TypeId.DATETIME: "datetime", TypeId.DATETIM4: "smalldatetime",
    TypeId.GUID: "uniqueidentifier", TypeId.DECIMAL: "decimal", TypeId.DECIMALN: "decimal",
    TypeId.NUMERIC: "numeric", TypeId.NUMERICN: "numeric", TypeId.DATEN: "date", TypeId.TIMEN: "time",
    TypeId.DATETIME2N: "datetime2", TypeId.DATETIMEOFFSETN: "datetimeoffset",
    TypeId.TEXT: "text", TypeId.NTEXT: "ntext", TypeId.IMAGE: "image", TypeId.XML: "xml",
    TypeId.SSVARIANT: "sql_variant",
}  # fmt: skip
_SIZED: dict[int, tuple[str, int]] = {  # wire type → (type name, bytes per unit of declared length)
    TypeId.BIGCHAR: ("char", 1), TypeId.CHAR: ("char", 1),
    TypeId.BIGVARCHR: ("varchar", 1), TypeId.VARCHAR: ("varchar", 1),
    TypeId.NCHAR: ("nchar", 2), TypeId.NVARCHAR: ("nvarchar", 2),
    TypeId.BIGBINARY: ("binary", 1), TypeId.BINARY: ("binary", 1),
    TypeId.BIGVARBIN: ("varbinary", 1), TypeId.VARBINARY: ("varbinary", 1),
}  # fmt: skip


NULLABLE = 0x0001  # COLMETADATA Flags bit fNullable


def column_of(description: ColumnDescription) -> Column:
    info: TypeInfo = description.info
    name, nullable = description.name, bool(description.flags & NULLABLE)
    if info.type_id in _SIZED:
        type_name, unit = _SIZED[info.type_id]
        is_max = info.max_length is None or info.max_length == PLP_MAX
        return Column(name, type_name, None if is_max else (info.max_length or 0) // unit, nullable=nullable)
    if info.type_id in _BY_SIZE:
        return Column(name, _BY_SIZE[info.type_id].get(info.max_length or 0, ""), nullable=nullable)
    return Column(name, _NAMED.get(info.type_id, ""), None, info.precision, info.scale, nullable)


def message_of(token: ServerMessage) -> Message:
    return Message(token.number, token.severity, token.state, token.text, token.line, token.procedure, token.is_error)


def print_reply(reply: Reply, printer: Printer) -> None:
    """Print one response: each result set when it ends, messages and row counts in the order they came."""
    columns: list[Column] = []
    rows: list[tuple[object, ...]] = []
    pending = False
    for token in reply.tokens:
        if isinstance(token, Row):
            rows.append(token.values)
            continue
        if pending:
            printer.result(columns, rows)
            pending, rows = False, []
        if isinstance(token, ColumnMetadata) and token.columns:
            columns, pending = [column_of(c) for c in token.columns], True
        elif isinstance(token, ServerMessage):
            printer.message(message_of(token))
        elif isinstance(token, Done) and _counts_rows(token):
            printer.rows_affected(token.row_count)
    if pending:
        printer.result(columns, rows)


def _counts_rows(done: Done) -> bool:
    """sqlcmd prints "(n rows affected)" for a statement that succeeded with a count (not under NOCOUNT, where the
    server leaves DONE_COUNT off); a procedure's closing DONEPROC repeats no count of its own."""
    return (
        bool(done.status & DoneStatus.COUNT) and not done.status & DoneStatus.ERROR and done.token != TokenType.DONEPROC
    )


def ends_session(reply: Reply) -> bool:
    """A fatal error (DONE_SRVERROR) ends the session: the server closes the connection after this response."""
    return any(done.status & DoneStatus.SRVERROR for done in reply.dones)


# --- the session ---------------------------------------------------------------------------------------------


class TdsSession:
    """One connection: ``open`` logs in, ``execute`` runs a batch and returns its response."""

    def __init__(self, sock: socket.socket, client: TdsClient) -> None:
        self._sock = sock
        self._client = client
        self.closed = False

    @classmethod
    def open(cls, host: str, port: int, login: LoginDetails, timeout: float | None = None) -> TdsSession:
        """Connect and log in; ``timeout`` bounds both (sqlcmd's -l).  Raises ``ClientError``/``LoginFailed``."""
        deadline = None if not timeout else time.monotonic() + timeout
        try:
            sock = socket.create_connection((host, port), timeout=timeout or None)
        except TimeoutError:
            raise ClientError("Login timeout expired.") from None
        except OSError as exc:
            raise ClientError(f"TCP Provider: {exc.strerror or exc}.") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = cls(sock, TdsClient())
        try:
            session._login(login, deadline)
        except BaseException:
            session.close()
            raise
        return session

    def _login(self, login: LoginDetails, deadline: float | None) -> None:
        client = self._client
        try:
            self._send(client.prelogin())
            self._receive(client.next_prelogin_reply, deadline)
            record = Login7(
                tds_version=TDS74,
                packet_size=client.requested_packet_size,
                client_pid=os.getpid(),
                option_flags2=0x02,  # fODBC, as sqlcmd's ODBC driver sets it
                host_name=socket.gethostname()[:128],
                user_name=login.user,
                password=login.password,
                app_name=login.app_name,
                client_interface="quietus sql",
                database=login.database,
            )
            self._send(client.login(login7=record))
            reply = self._receive(client.next_reply, deadline)
        except TimeoutError:
            raise ClientError("Login timeout expired.") from None
        if reply.login_ack is None:
            errors = [message_of(m) for m in reply.errors]
            raise LoginFailed(errors or [Message(18456, 14, 1, f"Login failed for user '{login.user}'.")])

    def execute(self, text: str, timeout: float | None = None) -> Reply:
        """Run one batch; ``timeout`` (sqlcmd's -t) cancels it with ATTENTION and raises ``QueryTimeout``."""
        if self.closed:
            raise ConnectionLost("Communication link failure: the connection is closed.")
        self._send(self._client.sql_batch(text))
        try:
            return self._receive(self._client.next_reply, None if not timeout else time.monotonic() + timeout)
        except TimeoutError:
            self._cancel()
            raise QueryTimeout() from None

    def _cancel(self) -> None:
        """Send ATTENTION and read until the server acknowledges it (a DONE with the ATTN bit)."""
        self._send(self._client.attention())
        deadline = time.monotonic() + ATTENTION_GRACE
        try:
            while not any(
                done.status & DoneStatus.ATTN for done in self._receive(self._client.next_reply, deadline).dones
            ):
                pass
        except TimeoutError:
            self.close()  # the server never acknowledged: the session's state is unknown, give it up

    def _send(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except OSError as exc:
            self.close()
            raise ConnectionLost(f"TCP Provider: {exc.strerror or exc}. Communication link failure") from None

    def _receive(self, take: Callable[[], _T | None], deadline: float | None) -> _T:
        """Read until ``take`` returns something; TimeoutError at ``deadline``."""
        while True:
            try:
                found = take()
            except RemoteProtocolError as exc:
                self.close()
                raise ConnectionLost(f"Protocol error in TDS stream: {exc}") from None
            if found is not None:
                return found
            if deadline is None:
                self._sock.settimeout(None)
            else:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                self._sock.settimeout(remaining)
            try:
                data = self._sock.recv(65536)
            except TimeoutError:
                raise
            except OSError as exc:
                self.close()
                raise ConnectionLost(f"TCP Provider: {exc.strerror or exc}. Communication link failure") from None
            if not data:
                self.close()
                raise ConnectionLost("Communication link failure: the server closed the connection.")
            self._client.receive_data(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._sock.close()
