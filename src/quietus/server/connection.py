"""One client connection: the socket, its TDS codec, its session, and the request running for it.

State diagram (the codec's states, plus what this layer does in each; the method behind each arrow)::

    accepted --PRELOGIN (data_received)--> prelogin replied --LOGIN7--> authenticating (_login task)
    authenticating --ok: session opened, LOGINACK--> idle
    authenticating --failed: 18456, error log line--> closed
    idle --SQL_BATCH / RPC / TM (_start_request)--> running (_request task: Instance.execute ...)
    running --ATTENTION--> running, session interrupted (ATTENTION) --> idle after DONE_ATTN
    running --response finished--> idle (queued requests are taken next)
    idle --ATTENTION--> idle (DONE_ATTN)
    any --EOF / reset / bad input / server stop (connection_lost, _abort)--> closed
    closed: a running request is interrupted (CONNECTION_LOST) and unwinds; then the session is closed
            (rolled back, locks released, id freed) by Instance.close_session — exactly once.

Invariants:
1. The socket is read all the time, a request running or not, so an ATTENTION is seen at once.  (Only when a
   client sends more than ``INBOUND_LIMIT`` bytes while a request runs is reading paused until it ends.)
2. At most one piece of work (login or request) runs per connection; the codec queues what arrives meanwhile.
3. A session is closed exactly once, after its last request has unwound, whatever ended the connection.
4. Nothing about the server reaches a client before it has logged in, except the PRELOGIN reply.
5. Writing never buffers without bound: the result sink waits (ASYNC_NETWORK_IO) while the transport's buffer is
   above its high-water mark, and a connection that is gone wakes that wait.
6. TLS sits between the socket and the codec (docs/design/tls.md): a first byte 0x16 starts a TDS 8.0 strict
   handshake on the socket; a ``TlsHandshake`` event feeds the 7.x handshake carried in PRELOGIN packets.  Once
   established, bytes read are decrypted before the codec sees them and bytes written are encrypted — until the
   LOGIN7 has been read when only the login was to be encrypted (PRELOGIN reply ENCRYPT_OFF).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import uuid
from typing import TYPE_CHECKING, Any, Final

from quietus.admin.sp_configure import configuration
from quietus.engine.interrupts import InterruptReason
from quietus.protocol.tds import (
    NEED_DATA,
    PAUSED,
    Attention,
    ConnectionClosed,
    Encryption,
    IgnoredRequest,
    LocalProtocolError,
    Login,
    PreLoginRequest,
    ProtocolError,
    RpcRequest,
    SqlBatch,
    State,
    TdsServerConnection,
    TlsHandshake,
    TransactionManagerRequest,
)
from quietus.protocol.tds.events import Event, Request
from quietus.server.accepting import SessionOwner
from quietus.server.requests import run_request
from quietus.server.rpc import PreparedStatements, RequestContext
from quietus.server.tds_sink import TdsResultSink
from quietus.server.tls import TlsChannel, TlsChannelError
from quietus.sessions.registry import SessionLimitReached
from quietus.sessions.requests import Outcome
from quietus.sessions.safety_net import caught
from quietus.sessions.session import ConnectionInfo, Session, Surface
from quietus.sessions.sql_text import InputBuffer
from quietus.sql.results import MessageEvent, StatementDone
from quietus.sql.types_base import SqlType

if TYPE_CHECKING:
    from quietus.server.listener import TdsListener

log = logging.getLogger("quietus.server")

PRELOGIN_LIMIT: Final = 256 * 1024  # bytes a client may send before it has logged in (a LOGIN7 is a few KB)
INBOUND_LIMIT: Final = 64 * 1024 * 1024  # bytes a client may send while one request runs before reading pauses
CLOSE_GRACE_SECONDS = 10.0  # how long a closed connection may take to deliver its last bytes
KILL_REASONS = (InterruptReason.KILLED, InterruptReason.IDLE_TIMEOUT)  # their grace is kill_network_timeout


class TdsConnection(SessionOwner, asyncio.Protocol):
    PROTOCOL = "TDS"

    def __init__(self, listener: TdsListener) -> None:
        self.listener = listener
        self.instance = listener.instance
        self.tls = listener.tls
        self.codec = TdsServerConnection(server_name=self.instance.server_name, encryption=self.tls.setting)
        self.channel: TlsChannel | None = None  # this connection's TLS, once a handshake has begun
        self._strict_handshake = False  # TDS 8.0: a TLS handshake on the socket is under way
        self._decrypting = False  # bytes read go through the channel before the codec
        self._encrypting = False  # bytes written go through the channel
        self._first_read = True
        self.transport: asyncio.Transport | None = None
        self.session: Session | None = None
        self.client_address = ""
        self.client_port = 0
        self.connect_time = datetime.datetime.now()
        self.client_database = "master"
        self.login_database = "master"
        self.prepared = PreparedStatements()
        self.closed = False
        self._write_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._work: asyncio.Future[None] | None = None
        self._first_step: asyncio.Future[None] | None = None
        self._received_before_login = 0
        self._received_during_request = 0
        self._reading_paused = False
        self._session_closed = False
        self._closing: asyncio.Task[None] | None = None
        self._pumping = False

    # -- asyncio.Protocol ------------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        self._packet_in()
        if self.session is None:
            self._received_before_login += len(data)
            if self._received_before_login > PRELOGIN_LIMIT:
                self._abort(f"more than {PRELOGIN_LIMIT} bytes before login")
                return
        try:
            data = self._unwrap(data)
        except TlsChannelError as exc:
            self._abort(str(exc))
            return
        if data:
            self.codec.receive_data(data)
        if self.channel is not None and self.channel.closed_by_peer:
            self.codec.receive_data(b"")  # TLS close_notify: the client is leaving
        if self._work is not None and self.codec.state is State.REQUEST_IN_PROGRESS:
            self._received_during_request += len(data)
            if self._received_during_request > INBOUND_LIMIT and self.transport is not None:
                self.transport.pause_reading()
                self._reading_paused = True
        self._pump()

    def _unwrap(self, data: bytes) -> bytes:
        """What the codec should see of ``data``: TLS taken off when it is on; a strict handshake advanced."""
        if self._first_read:
            self._first_read = False
            if data[:1] == b"\x16" and self.tls.enabled:  # TLS before any TDS byte: TDS 8.0 strict
                self.channel = self.tls.channel(strict=True)
                self.codec.transport_encrypted = True
                self._strict_handshake = True
        channel = self.channel
        if self._strict_handshake and channel is not None:
            self._send_raw(channel.handshake(data))
            if not channel.established:
                return b""
            self._strict_handshake = False
            self._decrypting = self._encrypting = True
            data = b""  # records that came with the client's Finished are still in the channel
        if self._decrypting and channel is not None:
            return channel.decrypt(data)
        return data

    def _tls_handshake(self, event: TlsHandshake) -> None:
        """A TDS 7.x handshake flight from PRELOGIN packets: answer in PRELOGIN packets; switch TLS on when done."""
        if self.channel is None:
            self.channel = self.tls.channel(strict=False)
        try:
            answer = self.channel.handshake(event.data)
        except TlsChannelError as exc:
            self._abort(str(exc))
            return
        if answer:
            self._send_raw(self.codec.send_tls_handshake(answer))
        if self.channel.established:
            self.codec.tls_established()
            self._decrypting = self._encrypting = True

    def _login_read(self) -> None:
        """LOGIN7 is in.  With login-only encryption (ENCRYPT_OFF both ways) TLS ends here: the rest is cleartext."""
        if self.codec.encryption is Encryption.OFF and not self.codec.transport_encrypted:
            self._decrypting = self._encrypting = False

    def eof_received(self) -> bool:
        return False  # the client is gone: close our side too (connection_lost follows)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed:
            return
        self.closed = True
        self._wake_writers()
        self._end(InterruptReason.CONNECTION_LOST)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_writers()

    # -- Channel (what the result sink uses) -----------------------------------------------------------------

    def write(self, data: bytes) -> None:
        if not data or self.closed or self.transport is None:
            return
        if self._encrypting and self.channel is not None:
            data = self.channel.encrypt(data)
        self.transport.write(data)
        self._packet_out()

    def _send_raw(self, data: bytes) -> None:
        """Bytes for the socket as they are (TLS handshake records)."""
        if data and not self.closed and self.transport is not None:
            self.transport.write(data)

    @property
    def write_paused(self) -> bool:
        return self._write_paused and not self.closed

    def drained(self) -> asyncio.Future[None]:
        if self._drained is None:
            self._drained = asyncio.get_running_loop().create_future()
            if not self.write_paused:
                self._drained.set_result(None)
        return self._drained

    def _wake_writers(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def transaction_open(self) -> bool:
        return self.codec.transaction_descriptor is not None

    # -- events ----------------------------------------------------------------------------------------------

    def _pump(self) -> None:
        """Handle every complete event the codec has; stop when it needs bytes or a reply is owed.  Not re-entered:
        a request that finished within its dispatch (``start_eagerly``) calls this from inside the loop below,
        which goes on by itself."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while not self.closed:
                event = self.codec.next_event()
                if event is NEED_DATA or event is PAUSED:
                    return
                self._dispatch(event)
        finally:
            self._pumping = False

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, PreLoginRequest):
            self.write(self.codec.send_prelogin_reply())
        elif isinstance(event, TlsHandshake):
            self._tls_handshake(event)
        elif isinstance(event, Login):
            self._login_read()
            self._start(self._login(event))
        elif isinstance(event, SqlBatch | RpcRequest | TransactionManagerRequest):
            self._received_during_request = 0
            self._start(self._request(event))
        elif isinstance(event, IgnoredRequest):
            self.write(self.codec.respond().finish(error=True))
        elif isinstance(event, Attention):
            if not event.during_request:
                self.write(self.codec.send_attention_ack())
            elif self.session is not None:
                self.session.interrupt(InterruptReason.ATTENTION)
        elif isinstance(event, ProtocolError):
            self._abort(event.reason)
        elif isinstance(event, ConnectionClosed):
            self.close()

    def close(self, *, abort: bool = False) -> None:
        """End the connection from the server's side (bad input, a fatal error, KILL, shutdown).

        What was written is still delivered (a 596 or 18456 before the close), unless ``abort``; a client that
        does not read it within ``CLOSE_GRACE_SECONDS`` is cut off."""
        transport = self.transport
        if transport is not None and not transport.is_closing():
            if abort:
                transport.abort()
            else:
                transport.close()
                asyncio.get_running_loop().call_later(self._close_grace(), transport.abort)
        if not self.closed:
            self.connection_lost(None)

    def _close_grace(self) -> float:
        return close_grace(self.session, self.instance.env)

    # -- login -----------------------------------------------------------------------------------------------

    async def _authenticate(self, event: Login) -> None:
        login7 = event.login7
        instance = self.instance
        user = login7.user_name
        principal, number, state, reason = await _check_login(instance.security, user, login7.password)
        database = login7.database or getattr(principal, "default_database_name", None) or "master"
        found = instance.env.database(database) if instance.env is not None else None
        if principal is not None and found is None:
            principal, number, state = None, 4060, 1
            reason = f"Failed to open the explicitly specified database '{database}'."
        session = None
        if principal is not None and found is not None and not self.closed:
            try:
                session = await instance.open_session(
                    login_name=getattr(principal, "name", user) or user,
                    surface=Surface.TDS,
                    host_name=login7.host_name,
                    program_name=login7.app_name,
                    host_process_id=login7.client_pid,
                    client_interface_name=login7.client_interface,
                    database=found.name,
                )
            except SessionLimitReached:
                number, state, reason = 17809, 1, "The maximum number of user connections has been reached."
        if session is None:
            if not self.closed:
                self.write(self.codec.send_login_failure(user))
                self.instance.errorlog.write("Logon", f"Error: {number}, Severity: 14, State: {state}.")
                self.instance.errorlog.write(
                    "Logon", f"Login failed for user '{user}'. Reason: {reason} [CLIENT: {self.client_address}]"
                )
                self.close()
            return
        session.attachments["principal"] = principal
        session.attachments["close_connection"] = self.close
        local = self.transport.get_extra_info("sockname") if self.transport is not None else None
        session.connection = ConnectionInfo(
            connect_time=self.connect_time,
            client_net_address=self.client_address,
            client_tcp_port=self.client_port,
            local_net_address=str(local[0]) if local else "",
            local_tcp_port=int(local[1]) if local else 0,
            protocol_version=login7.tds_version,
            packet_size=event.packet_size,
            connection_id=str(uuid.uuid4()).upper(),
            encrypt_option="TRUE" if self._encrypting else "FALSE",
        )
        self.session = session
        self.login_database = self.client_database = session.database
        if self.closed:  # the client left while we were opening its session
            await self._close_session()
            return
        self.codec.spid = session.session_id
        self.write(self.codec.send_login_ack(database=session.database, packet_size=event.packet_size))

    # -- requests --------------------------------------------------------------------------------------------

    async def _request(self, event: Request) -> None:
        session = self.session
        assert session is not None
        writer = self.codec.respond()
        sink = TdsResultSink(self, writer, session)
        ctx = RequestContext(
            sink=sink,
            prepared=self.prepared,
            server_name=self.instance.server_name,
            execute=lambda text, parameters, types, event=None, outputs=None: self._execute(
                sink, text, parameters, types, event, outputs
            ),
            reset_session=self._reset_session,
        )
        outcome = Outcome.COMPLETED
        try:
            outcome = await run_request(ctx, event)
        except Exception as escaped:  # the safety net: an error for the client, the session kept
            outcome = self._answer_escaped(sink, session, escaped)
        finally:
            self._work = None
            self._resume_reading()
        if self.closed:
            await self._close_session()
            return
        if outcome is Outcome.SESSION_ENDED:
            if not writer.finished:
                with contextlib.suppress(LocalProtocolError):
                    self.write(sink.w.finish(error=True, server_error=True))
            self.codec.close()
            self.close()
            return
        self.write(sink.w.finish())
        self._pump()  # a request queued meanwhile starts now, without another turn of the event loop

    def _answer_escaped(self, sink: TdsResultSink, session: Session, escaped: Exception) -> Outcome:
        services = self.instance.env.services if self.instance.env is not None else {}
        error = caught(services, session.session_id, escaped, "a request's protocol handling")
        try:
            sink.message(MessageEvent(error.number, error.severity, error.state, error.message, 1))
            sink.done(StatementDone(None, error=True))
        except Exception:  # the response itself is broken: only closing is left
            log.exception("answering session %d's failed request failed", session.session_id)
            return Outcome.SESSION_ENDED
        return Outcome.COMPLETED

    async def _execute(
        self,
        sink: TdsResultSink,
        text: str,
        parameters: dict[str, Any] | None,
        types: dict[str, SqlType] | None,
        event: InputBuffer | None = None,
        outputs: dict[str, Any] | None = None,
    ) -> Outcome:
        session = self.session
        assert session is not None
        if self.closed:
            return Outcome.SESSION_ENDED
        outcome: Outcome = await self.instance.execute(session, text, sink, parameters, types, event, outputs)
        if outcome is Outcome.SESSION_ENDED:
            self._session_closed = True  # Instance.execute closed it
        return outcome

    async def _reset_session(self, keep_transaction: bool) -> None:
        session = self.session
        assert session is not None
        await self.instance.reset_session(session, self.login_database, keep_transaction=keep_transaction)
        self.client_database = self.login_database

    def _resume_reading(self) -> None:
        self._received_during_request = 0
        if self._reading_paused and self.transport is not None and not self.closed:
            self._reading_paused = False
            self.transport.resume_reading()


def close_grace(session: Session | None, env: Any) -> float:
    """How long a closed socket may take to deliver its last bytes: ``kill_network_timeout`` for a killed session
    (a kill never waits forever on a client that stopped reading), CLOSE_GRACE_SECONDS otherwise."""
    if session is None or session.kill_reason not in KILL_REASONS or env is None:
        return CLOSE_GRACE_SECONDS
    return float(configuration(env.services)["kill_network_timeout"])


async def _check_login(security: Any, user: str, password: str) -> tuple[Any, int, int, str]:
    """(principal or None, error-log number, state, reason), through the security layer's ``login``."""
    if security is None:
        return None, 18456, 1, "The server has no security layer to check logins with."
    result = await security.login(user, password)
    return result.principal, result.number or 18456, result.state or 1, result.reason
