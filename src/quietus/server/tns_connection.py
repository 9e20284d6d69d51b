"""One Oracle Net connection: the socket, its TNS codec, its session, its cursors and the call running for it.

State diagram (the codec's states plus what this layer does; the method behind each arrow)::

    accepted --CONNECT (service known)--> ACCEPT sent --protocol, data types--> negotiated
    accepted --CONNECT (unknown service)--> REFUSE (ERR=12514) --> closed
    negotiated --AUTH phase one (_auth_phase_one)--> O5LOGON parameters sent
              --AUTH phase two (_auth_phase_two): password fits, login may connect--> session opened --> idle
              --AUTH phase two: wrong password / no verifier--> ORA-01017, error-log lines as 18456 --> closed
    idle --EXECUTE / REEXECUTE / FETCH / COMMIT / ROLLBACK / PING (_call, first step at once)--> running --reply--> idle
    idle, session KILLED --any call--> ORA-00028 (ORA-02396 after an idle timeout), socket and session closed
    running --BREAK/INTERRUPT marker--> session interrupted (ATTENTION)
            --CANCELLED--> BREAK marker ... client RESET ... RESET marker + ORA-01013 --> idle (session lives on)
    idle --BREAK/INTERRUPT marker--> BREAK ... RESET ... RESET + end of call with no error --> idle
    running --SESSION_ENDED (killed mid-call)--> the error (ORA-00028), socket closed (the session is closed)
    any --LOGOFF then EOF / socket closed / bad input / server stop--> closed; the session closed exactly once

Invariants:
1. The socket is read while a call runs, so a break marker is seen at once; other requests wait their turn.  A call
   runs its first step inside `data_received` (`start_eagerly`): one that never waits ends there, with no loop turn.
2. At most one call runs per connection; every call gets exactly one reply (an end-of-call message, or the
   break/reset dance), so a client never waits forever.
3. A function code or piggyback Quietus does not implement is answered with ORA-01022, never ignored.
4. Nothing about the server reaches a client before it has logged in, except the handshake replies.
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import hashlib
import hmac
import logging
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quietus.admin.oracle_kill import next_call_error
from quietus.engine.interrupts import InterruptReason
from quietus.errors import ORACLE
from quietus.protocol.tns import messages
from quietus.protocol.tns.connection import NeedData, TnsServerConnection
from quietus.protocol.tns.events import (
    AuthRequest,
    BindSpec,
    BreakReceived,
    ConnectionClosed,
    ConnectRequested,
    DataTypesRequested,
    Event,
    Execute,
    Fetch,
    Piggybacks,
    ProtocolError,
    ProtocolRequested,
    Reexecute,
    ResetReceived,
    SimpleCall,
    TpcChangeState,
    TpcSwitch,
    UnsupportedCall,
)
from quietus.protocol.tns.messages import CallEnd
from quietus.protocol.tns.o5logon import VGEN_COUNT, Exchange, Verifier
from quietus.server.accepting import SessionOwner
from quietus.server.connection import close_grace
from quietus.server.tns_results import OracleCallSink, ResultSetBuffer
from quietus.server.tns_xa import tpc_call
from quietus.sessions.registry import SessionLimitReached
from quietus.sessions.requests import Outcome
from quietus.sessions.security_passwords import oracle_verifier
from quietus.sessions.session import ConnectionInfo, Dialect, Session, SessionStatus, Surface

if TYPE_CHECKING:
    from quietus.server.tns_listener import TnsListener

log = logging.getLogger("quietus.server.tns")

HANDSHAKE_LIMIT = 256 * 1024  # bytes a client may send before it has logged in
SERVICE_UNKNOWN = 12514  # TNS:listener does not currently know of service requested in connect descriptor
POOLED_REFUSED = 12520  # TNS:listener could not find available handler for requested type of server
INSTANCE_NAME = "QUIETUS"
MAX_CURSORS = 300


Call = Execute | Reexecute | Fetch | SimpleCall | TpcSwitch | TpcChangeState


def ora(code: str) -> tuple[int, str]:
    return int(code[4:]), f"{code}: {ORACLE[code]}"


@dataclass
class Cursor:
    cursor_id: int
    sql: str
    binds: tuple[BindSpec, ...] = ()
    result: ResultSetBuffer | None = None
    names: list[str] = field(default_factory=list)  # bind names in occurrence order


# :name or :1 outside quotes and comments (Oracle's bind placeholders)
_BIND = re.compile(r"""'(?:[^']|'')*'|"[^"]*"|--[^\n]*|/\*.*?\*/|:([A-Za-z_][A-Za-z0-9_$#]*|\d+)""", re.S)


def bind_names(sql: str) -> list[str]:
    """The placeholders in text order, one per occurrence, upper-cased without the colon (``:1`` → "1")."""
    return [m.group(1).upper() for m in _BIND.finditer(sql) if m.group(1)]


AUTH_MODE_LOGON = 0x01
AUTH_MODE_WITH_PASSWORD = 0x100
AUTH_MODE_PRIVILEGES = 0x20 | 0x40 | 0x400000 | 0x1000000 | 0x2000000 | 0x4000000 | 0x8000000  # SYSDBA ... SYSRAC


def refused_auth_mode(mode: int) -> str | None:
    """The ORA code for a login mode Quietus does not offer (administrative privileges, a password change, tokens),
    or None for a plain password logon."""
    if mode & AUTH_MODE_PRIVILEGES:
        return "ORA-01031"  # no SYSDBA/SYSOPER/... connections: sysadmin logins connect normally
    if mode & ~(AUTH_MODE_LOGON | AUTH_MODE_WITH_PASSWORD):
        return "ORA-01022"  # a password change at logon, token logins
    return None


# logon key/value pairs asking for what Quietus does not offer (each would otherwise be silently ignored)
REFUSED_AUTH_KEYS = ("AUTH_NEWPASSWORD", "PROXY_CLIENT_NAME", "AUTH_ORA_EDITION", "AUTH_APPCTX_")


def refused_auth_keys(pairs: dict[str, str]) -> str | None:
    """ORA-01022 for a password change at logon, proxy authentication, an edition or application contexts."""
    return "ORA-01022" if any(key.startswith(REFUSED_AUTH_KEYS) for key in pairs) else None


_DECOY_SECRET = os.urandom(32)


def decoy_verifier(user: str) -> Verifier:
    """A verifier no password fits, for a login that does not exist or has none: the same salt for the same name on
    every attempt (as a real login's), a random key, and no PBKDF2 work on the engine loop."""
    salt = hmac.new(_DECOY_SECRET, user.casefold().encode(), hashlib.sha256).digest()[:16]
    return Verifier(salt, VGEN_COUNT, os.urandom(32))


class TnsConnection(SessionOwner, asyncio.Protocol):
    PROTOCOL = "Oracle Net"
    CONNECTION_WORDS = "Oracle Net connection"
    log = log

    def __init__(self, listener: TnsListener) -> None:
        self.listener = listener
        self.instance = listener.instance
        self.codec = TnsServerConnection()
        self.transport: asyncio.Transport | None = None
        self.session: Session | None = None
        self.client_address = ""
        self.client_port = 0
        self.connect_time = datetime.datetime.now()
        self.closed = False
        self.database = "master"
        self.descriptor: ConnectRequested | None = None
        self.driver = ""
        self.client: dict[str, str] = {}  # phase one's AUTH_* pairs (terminal, program, machine, pid, OS user)
        self.exchange: Exchange | None = None
        self.cursors: dict[int, Cursor] = {}
        self._next_cursor = 1
        self._work: asyncio.Future[None] | None = None
        self._first_step: asyncio.Future[None] | None = None
        self._pending: collections.deque[Event] = collections.deque()
        self._pumping = False
        self._break_pending = False  # a break arrived while the call ran
        self._owed_after_reset: CallEnd | None = None
        self._received_before_login = 0
        self._session_closed = False
        self._closing: asyncio.Task[None] | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self._packet_in()
        if self.session is None:
            self._received_before_login += len(data)
            if self._received_before_login > HANDSHAKE_LIMIT:
                self._abort(f"more than {HANDSHAKE_LIMIT} bytes before login")
                return
        self.codec.receive_data(data)
        self._pump()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed:
            return
        self.closed = True
        self._end(InterruptReason.CONNECTION_LOST)

    def write(self, data: bytes) -> None:
        if not data or self.closed or self.transport is None:
            return
        self.transport.write(data)
        self._packet_out()

    # -- events ----------------------------------------------------------------------------------------------

    def _pump(self) -> None:
        """Take the codec's events (a break, a reset, the end at once; calls in turn), then start the next queued
        call when none runs.  Not re-entered: a call that ended within its dispatch (``start_eagerly``) calls this
        from inside the loop below, which goes on by itself."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while True:
                self._take_events()
                if self.closed or self._work is not None or not self._pending:
                    return
                self._dispatch(self._pending.popleft())
        finally:
            self._pumping = False

    def _take_events(self) -> None:
        while not self.closed:
            event = self.codec.next_event()
            if isinstance(event, NeedData):
                return
            if isinstance(event, BreakReceived) and self._pending:
                # the break overtook a call that has not started: that call is the one cancelled
                self._pending.clear()
                number, text = ora("ORA-01013")
                self._start_break(self._end_of_call(error=number, message=text))
            elif isinstance(event, BreakReceived | ConnectionClosed | ProtocolError | ResetReceived):
                self._dispatch(event)
            else:
                self._pending.append(event)

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, ConnectRequested):
            self._connect(event)
        elif isinstance(event, ProtocolRequested):
            self.driver = event.driver_name
            self.write(self.codec.send(messages.protocol_reply()))
        elif isinstance(event, DataTypesRequested):
            self.write(self.codec.send(messages.data_types_reply(event.time_zone)))
        elif isinstance(event, AuthRequest):
            if event.phase == 1:
                self._auth_phase_one(event)
            else:
                self._start(self._login(event))
        elif isinstance(event, Execute | Reexecute | Fetch | SimpleCall | TpcSwitch | TpcChangeState):
            if self.session is None:
                self._abort("a call before authentication")
            else:
                self._start(self._call(event))
        elif isinstance(event, UnsupportedCall):
            log.warning("unsupported Oracle Net request from %s: %s", self.client_address, event.reason)
            number, text = ora("ORA-01022")
            self.write(self.codec.send_call_end(self._end_of_call(error=number, message=text)))
        elif isinstance(event, BreakReceived):
            if self._work is not None and self.session is not None:
                self._break_pending = True
                self.session.interrupt(InterruptReason.ATTENTION)
            else:
                self._start_break(self._end_of_call())
        elif isinstance(event, ResetReceived):
            end, self._owed_after_reset = self._owed_after_reset or self._end_of_call(), None
            self.write(self.codec.send_reset_reply(end))
        elif isinstance(event, ProtocolError):
            self._abort(event.reason)
        elif isinstance(event, ConnectionClosed):
            self.close()

    def _start_break(self, owed: CallEnd) -> None:
        self._owed_after_reset = owed
        self.write(self.codec.send_break())

    def _end_of_call(self, **fields: Any) -> CallEnd:
        session = self.session
        return CallEnd(transaction_open=session is not None and session.txn is not None, **fields)

    # -- connect and log in ----------------------------------------------------------------------------------

    def _connect(self, event: ConnectRequested) -> None:
        env = self.instance.env
        service = event.descriptor.service
        found = env.database(service) if env is not None and service else None
        if event.descriptor.pooled:
            self.write(self.codec.send_refuse(POOLED_REFUSED))
            self.close()
            return
        if found is None:
            self.instance.errorlog.write(
                "Logon",
                f"Oracle Net connection refused: service '{service}' is not a database (ORA-{SERVICE_UNKNOWN}). "
                f"[CLIENT: {self.client_address}]",
            )
            self.write(self.codec.send_refuse(SERVICE_UNKNOWN))
            self.close()
            return
        self.descriptor = event
        self.database = found.name
        self.write(self.codec.send_accept())

    def _refuse_mode(self, event: AuthRequest) -> bool:
        """Refuse (and close) a logon in a mode Quietus does not offer; True if it did."""
        refusal = refused_auth_mode(event.mode) or refused_auth_keys(event.pairs)
        if refusal is None:
            return False
        number, text = ora(refusal)
        self.write(self.codec.send_call_end(CallEnd(error=number, message=text)))
        self.instance.errorlog.write(
            "Logon",
            f"Oracle Net login of '{event.user}' refused: authentication mode {event.mode:#x} is not supported "
            f"({refusal}). [CLIENT: {self.client_address}]",
        )
        self.close()
        return True

    def _auth_phase_one(self, event: AuthRequest) -> None:
        if self._refuse_mode(event):
            return
        security = self.instance.security
        principal = security.store.login(event.user) if security is not None else None
        verifier = oracle_verifier(principal.password_hash) if principal is not None else None
        # An unknown login or one without a verifier gets a throw-away verifier: phase two then fails with
        # ORA-01017 exactly as a wrong password does, so the reply does not tell which logins exist.
        self.exchange = Exchange(verifier or decoy_verifier(event.user))
        self.client = dict(event.pairs)
        reply = messages.parameter_message(self.exchange.phase_one_parameters())
        self.write(self.codec.send_call_end(CallEnd(), reply))

    async def _authenticate(self, event: AuthRequest) -> None:
        if self._refuse_mode(event):
            return
        instance, exchange = self.instance, self.exchange
        user = event.user
        password = None
        if exchange is not None:
            password = exchange.password(event.pairs.get("AUTH_SESSKEY", ""), event.pairs.get("AUTH_PASSWORD", ""))
        principal, number, state, reason = None, 18456, 8, "Password did not match that for the login provided."
        if instance.security is None:
            reason, state = "The server has no security layer to check logins with.", 1
        elif password is not None:
            result = await instance.security.login(user, password)
            principal, number, state, reason = result.principal, result.number, result.state, result.reason
        elif instance.security.store.login(user) is None:
            state, reason = 5, "Could not find a login matching the name provided."
        elif oracle_verifier(instance.security.store.login(user).password_hash) is None:
            state, reason = 8, "The login has no Oracle Net password verifier; set its password again."
        session = None
        if principal is not None and not self.closed:
            try:
                session = await instance.open_session(
                    login_name=getattr(principal, "name", user) or user,
                    surface=Surface.ORACLE_NET,
                    dialect=Dialect.ORACLE,
                    host_name=self.client.get("AUTH_MACHINE", "") or self._descriptor_field("host"),
                    program_name=self.client.get("AUTH_PROGRAM_NM", "") or self._descriptor_field("program"),
                    host_process_id=_int(self.client.get("AUTH_PID")),
                    client_interface_name=event.pairs.get("SESSION_CLIENT_DRIVER_NAME", self.driver)[:32],
                    database=self.database,
                )
            except SessionLimitReached:
                number, state, reason = 17809, 1, "The maximum number of user connections has been reached."
        if session is None:
            if not self.closed:
                code, text = ora("ORA-01017")
                self.write(self.codec.send_call_end(CallEnd(error=code, message=text)))
                instance.errorlog.write("Logon", f"Error: {number}, Severity: 14, State: {state}.")
                instance.errorlog.write(
                    "Logon", f"Login failed for user '{user}'. Reason: {reason} [CLIENT: {self.client_address}]"
                )
                self.close()
            return
        self._prepare(session, event, principal)
        if self.closed:
            await self._close_session()
            return
        assert exchange is not None
        reply = messages.parameter_message(
            [
                ("AUTH_VERSION_NO", str(messages.VERSION_NO), 0),
                ("AUTH_SESSION_ID", str(session.session_id), 0),
                ("AUTH_SERIAL_NUM", str(session.serial), 0),
                ("AUTH_SVR_RESPONSE", exchange.server_response(), 0),
                ("AUTH_MAX_IDEN_LENGTH", "128", 0),
                ("AUTH_MAX_OPEN_CURSORS", str(MAX_CURSORS), 0),
                ("AUTH_SC_SERVICE_NAME", self.database, 0),
                ("AUTH_INSTANCENAME", INSTANCE_NAME, 0),
                ("AUTH_SC_DBUNIQUE_NAME", self.database, 0),
                ("AUTH_SC_REAL_DBUNIQUE_NAME", self.database, 0),
                ("AUTH_SC_DB_DOMAIN", "", 0),
            ]
        )
        self.exchange = None
        self.write(self.codec.send_call_end(self._end_of_call(), reply))

    def _prepare(self, session: Session, event: AuthRequest, principal: Any) -> None:
        session.attachments["principal"] = principal
        session.attachments["close_connection"] = self.close
        session.attachments["oracle_client"] = {
            "OSUSER": self.client.get("AUTH_SID", "") or self._descriptor_field("user"),
            "MACHINE": self.client.get("AUTH_MACHINE", ""),
            "TERMINAL": self.client.get("AUTH_TERMINAL", ""),
            "PROGRAM": self.client.get("AUTH_PROGRAM_NM", ""),
            "PROCESS": self.client.get("AUTH_PID", ""),
            "DRIVER": event.pairs.get("SESSION_CLIENT_DRIVER_NAME", self.driver),
            "CONNECTION_ID": self._descriptor_field("connection_id"),
            # the client's ALTER SESSION SET TIME_ZONE (sent with the login); session time zones are not modelled
            "TIME_ZONE_STATEMENT": event.pairs.get("AUTH_ALTER_SESSION", "").rstrip("\x00"),
        }
        local = self.transport.get_extra_info("sockname") if self.transport is not None else None
        session.connection = ConnectionInfo(
            connect_time=self.connect_time,
            client_net_address=self.client_address,
            client_tcp_port=self.client_port,
            local_net_address=str(local[0]) if local else "",
            local_tcp_port=int(local[1]) if local else 0,
            protocol_type="TNS",
            protocol_version=318,
            packet_size=self.codec.sdu,
            connection_id=str(uuid.uuid4()).upper(),
        )
        self.session = session

    def _descriptor_field(self, name: str) -> str:
        return str(getattr(self.descriptor.descriptor, name, "")) if self.descriptor is not None else ""

    # -- calls -----------------------------------------------------------------------------------------------

    async def _call(self, event: Call) -> None:
        session = self.session
        assert session is not None
        reply: bytes | None = None
        outcome = Outcome.COMPLETED
        try:
            self._close_cursors(event.piggybacks)
            if session.status is SessionStatus.KILLED:
                outcome = Outcome.SESSION_ENDED
                error = next_call_error(session)  # ORA-00028, or ORA-02396 for an idle-timeout victim (SNIPED)
                reply = self.codec.send_call_end(CallEnd(error=error.number, message=error.message))
            else:
                parts, end, outcome = await self._piggybacks(event.piggybacks)
                if outcome is Outcome.COMPLETED and not end.error:
                    parts, end, outcome = await self._run_call(event)
                reply = self.codec.send_call_end(end, *parts)
        except Exception:
            log.exception("call of session %d failed", session.session_id)
            outcome = Outcome.SESSION_ENDED
        finally:
            self._work = None
        if self.closed:
            await self._close_session()
            return
        if outcome is Outcome.SESSION_ENDED:
            if reply is not None:
                self.write(reply)
            self.close()
            await self._close_session()
            return
        breaking, self._break_pending = self._break_pending, False
        if outcome is Outcome.CANCELLED:
            number, text = ora("ORA-01013")
            self._start_break(self._end_of_call(error=number, message=text))
        else:
            if reply is not None:
                self.write(reply)
            if breaking:
                self._start_break(self._end_of_call())
        self._pump()  # a call queued meanwhile starts now, without another turn of the event loop

    async def _run_call(self, event: Call) -> tuple[list[bytes], CallEnd, Outcome]:
        if isinstance(event, TpcSwitch | TpcChangeState):
            return await self._tpc(event)
        if isinstance(event, SimpleCall):
            return await self._simple(event)
        if isinstance(event, Fetch):
            return self._fetch(event)
        return await self._execute(event)

    async def _simple(self, event: SimpleCall) -> tuple[list[bytes], CallEnd, Outcome]:
        session = self.session
        assert session is not None
        text = {messages.FUNC_COMMIT: "COMMIT", messages.FUNC_ROLLBACK: "ROLLBACK"}.get(event.function)
        if text is not None and session.txn is not None:  # with no transaction open both are no-ops in Oracle
            sink = self._sink()
            outcome = await self._run(text, sink, None)
            if outcome is not Outcome.COMPLETED or sink.error is not None:
                return [], self._error_end(sink, 0), outcome
        return [], self._end_of_call(), Outcome.COMPLETED

    async def _tpc(self, event: TpcSwitch | TpcChangeState) -> tuple[list[bytes], CallEnd, Outcome]:
        """An XA call (server/tns_xa.py): run as one request of the session; its reply is a PARAMETER message."""
        session = self.session
        assert session is not None
        call = tpc_call(event)
        if call is None:
            number, text = ora("ORA-01022")
            return [], self._end_of_call(error=number, message=text), Outcome.COMPLETED
        replies: list[bytes] = []
        sink = self._sink()
        if self.closed:
            return [], self._end_of_call(), Outcome.SESSION_ENDED
        outcome: Outcome = await self.instance.run_call(
            session, call.label, sink, lambda runner: runner.run_call(lambda r: replies.append(call.work(r)))
        )
        if outcome is Outcome.SESSION_ENDED:
            self._session_closed = True
        if outcome is not Outcome.COMPLETED or sink.error is not None or not replies:
            return [], self._error_end(sink, 0), outcome
        return replies, self._end_of_call(), outcome

    def _fetch(self, event: Fetch) -> tuple[list[bytes], CallEnd, Outcome]:
        cursor = self.cursors.get(event.cursor_id)
        if cursor is None or cursor.result is None:
            number, text = ora("ORA-01001" if cursor is None else "ORA-01002")
            return [], self._end_of_call(error=number, message=text, cursor_id=event.cursor_id), Outcome.COMPLETED
        return self._rows(cursor, event.rows, describe=False)

    def _rows(self, cursor: Cursor, count: int, *, describe: bool) -> tuple[list[bytes], CallEnd, Outcome]:
        result = cursor.result
        assert result is not None
        parts = [messages.describe_info(result.columns)] if describe else []
        try:
            parts += [messages.row_data(row) for row in result.take(count)]
        except (ValueError, TypeError, ArithmeticError, AttributeError) as exc:  # a value its wire type cannot carry
            log.warning("session %s: a value cannot be sent over Oracle Net: %s", cursor.cursor_id, exc)
            cursor.result = None
            number, text = ora("ORA-03115")
            return [], self._end_of_call(error=number, message=text, cursor_id=cursor.cursor_id), Outcome.COMPLETED
        if result.exhausted:
            number, text = ora("ORA-01403")
            end = self._end_of_call(error=number, message=text, cursor_id=cursor.cursor_id, rowcount=result.sent)
        else:
            end = self._end_of_call(cursor_id=cursor.cursor_id, rowcount=result.sent)
        return parts, end, Outcome.COMPLETED

    async def _execute(self, event: Execute | Reexecute) -> tuple[list[bytes], CallEnd, Outcome]:
        cursor = self.cursors.get(event.cursor_id)
        if isinstance(event, Execute):
            if event.options & messages.EXEC_DESCRIBE or not event.options & messages.EXEC_EXECUTE:
                number, text = ora("ORA-01022")  # parse/describe without executing: not supported
                return [], self._end_of_call(error=number, message=text), Outcome.COMPLETED
            if event.sql is not None:
                cursor = self._open_cursor(event.cursor_id, event.sql)
            if cursor is not None and event.binds:
                cursor.binds = event.binds
                self.codec.remember_binds(cursor.cursor_id, event.binds)
            commit = bool(event.options & messages.EXEC_COMMIT)
            prefetch = event.prefetch_rows if event.options & messages.EXEC_FETCH else 0
            describe = True
        else:
            commit = bool(event.options2 & messages.REEXECUTE_COMMIT)
            prefetch = event.iterations if event.function == messages.FUNC_REEXECUTE_AND_FETCH else 0
            describe = False
        if cursor is None:
            number, text = ora("ORA-01001")
            return [], self._end_of_call(error=number, message=text), Outcome.COMPLETED
        rows = event.rows or ((),)
        cursor.result = None
        sink = self._sink()
        outcome = Outcome.COMPLETED
        for values_ in rows:
            parameters = self._parameters(cursor, values_)
            outcome = await self._run(cursor.sql, sink, parameters)
            if outcome is not Outcome.COMPLETED or sink.error is not None:
                return [], self._error_end(sink, cursor.cursor_id), outcome
        if commit and self.session is not None and self.session.txn is not None:
            outcome = await self._run("COMMIT", sink, None)
            if outcome is not Outcome.COMPLETED or sink.error is not None:
                return [], self._error_end(sink, cursor.cursor_id), outcome
        if sink.result is not None:
            cursor.result = sink.result
            return self._rows(cursor, prefetch, describe=describe)
        return [], self._end_of_call(cursor_id=cursor.cursor_id, rowcount=sink.rowcount), Outcome.COMPLETED

    def _parameters(self, cursor: Cursor, values_: tuple[Any, ...]) -> dict[str, Any] | None:
        if not values_:
            return None
        parameters: dict[str, Any] = {}
        for name, value in zip(cursor.names, values_, strict=False):
            parameters.setdefault(name, value)
        return parameters

    def _error_end(self, sink: OracleCallSink, cursor_id: int) -> CallEnd:
        if sink.error is None:  # the session was ended under the call without a word: what a killed one is told
            number, text = ora("ORA-00028")
        else:  # the Oracle runner's errors are Oracle's: "ORA-nnnnn: text", numbered nnnnn
            number, text = sink.error.number, sink.error.text
        return self._end_of_call(error=number, message=text, cursor_id=cursor_id)

    def _sink(self) -> OracleCallSink:
        return OracleCallSink()

    async def _run(self, text: str, sink: OracleCallSink, parameters: dict[str, Any] | None) -> Outcome:
        session = self.session
        assert session is not None
        if self.closed:
            return Outcome.SESSION_ENDED
        outcome: Outcome = await self.instance.execute(session, text, sink, parameters)
        if outcome is Outcome.SESSION_ENDED:
            self._session_closed = True  # Instance.execute closed it
        return outcome

    def _open_cursor(self, cursor_id: int, sql: str) -> Cursor:
        if cursor_id == 0 or cursor_id not in self.cursors:
            cursor_id = self._next_cursor
            self._next_cursor = self._next_cursor % 0xFFFF + 1
        cursor = Cursor(cursor_id, sql, names=bind_names(sql))
        self.cursors[cursor_id] = cursor
        return cursor

    async def _piggybacks(self, piggybacks: Piggybacks) -> tuple[list[bytes], CallEnd, Outcome]:
        """Apply what came before the call: MODULE/ACTION/... for v$session, and a new current schema (run as the
        ALTER SESSION it stands for; if that fails, the call fails with its error)."""
        session = self.session
        assert session is not None
        client = session.attachments.setdefault("oracle_client", {})
        client.update(piggybacks.end_to_end)
        if piggybacks.schema is not None:
            sink = self._sink()
            quoted = piggybacks.schema.replace('"', '""')
            outcome = await self._run(f'ALTER SESSION SET CURRENT_SCHEMA = "{quoted}"', sink, None)
            if outcome is not Outcome.COMPLETED or sink.error is not None:
                return [], self._error_end(sink, 0), outcome
        return [], self._end_of_call(), Outcome.COMPLETED

    def _close_cursors(self, piggybacks: Piggybacks) -> None:
        for cursor_id in piggybacks.closed_cursors:
            self.cursors.pop(cursor_id, None)
            self.codec.forget_cursor(cursor_id)

    # -- the end ---------------------------------------------------------------------------------------------

    def close(self, *, abort: bool = False) -> None:
        self.codec.close()
        transport = self.transport
        if transport is not None and not transport.is_closing():
            if abort:
                transport.abort()
            else:
                transport.close()
                grace = close_grace(self.session, self.instance.env)
                asyncio.get_running_loop().call_later(grace, transport.abort)
        if not self.closed:
            self.connection_lost(None)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
