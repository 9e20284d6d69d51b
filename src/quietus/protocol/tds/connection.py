"""``TdsServerConnection``: the sans-IO server side of one TDS connection.

Bytes in (``receive_data``), events out (``next_event``); replies in (``send_*``, ``respond``), bytes
out.  No sockets, clocks, threads or asyncio: the server glue owns all of those.

State machine (transitions are the ``TRANSITIONS`` table below; anything else received is a
``ProtocolError`` event, anything else sent is a ``LocalProtocolError``)::

    PRELOGIN ──recv PRELOGIN──▶ PRELOGIN_REPLY ──send_prelogin_reply (NOT_SUP, or TLS already on)──▶ LOGIN
       │                              └─send_prelogin_reply (OFF/ON/REQ)─▶ TLS_HANDSHAKE      ▲   │
       │                                   recv PRELOGIN (TLS records) / send_tls_handshake ─┘   │
       │                                   tls_established ───────────────────────────────────┘   │
       └──────────recv LOGIN7 (jTDS: no PRELOGIN)──▶ AUTHENTICATING ◀──recv LOGIN7
                                                      │          │
                                         send_login_ack    send_login_failure ──▶ CLOSED
                                                      ▼
            LOGGED_IN ──recv SQL_BATCH / RPC / TM──▶ REQUEST_IN_PROGRESS
               ▲  └─recv ATTENTION (idle: send_attention_ack)    │  recv ATTENTION (ends in DONE_ATTN)
               └───────────────── respond().finish() ────────────┘
    any state ──EOF──▶ CLOSED (ConnectionClosed);  ──bad input──▶ CLOSED (ProtocolError)

Invariants:
1. ``next_event`` never raises on peer input: a ``RemoteProtocolError`` becomes one ``ProtocolError``
   event and the state becomes CLOSED.
2. In PRELOGIN_REPLY and AUTHENTICATING the server owes the next move: ``next_event`` returns PAUSED
   and leaves buffered bytes alone until the reply is sent.
3. While a request is in progress, ATTENTION is delivered at once; every other message is queued in
   arrival order and delivered after the response finishes (MS-TDS §3.3.5.9).
4. The login response goes out in 4096-byte packets; the negotiated packet size applies from the next
   message on.
5. The codec never sees TLS itself: in TLS_HANDSHAKE it hands the records inside PRELOGIN packets to the
   server (``TlsHandshake``) and wraps the server's answer in PRELOGIN packets; once the server calls
   ``tls_established`` it decrypts what it feeds and encrypts what it sends (docs/design/tls.md).
6. With ``EncryptionSetting.FORCED`` no LOGIN7 is accepted that did not come over TLS.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from enum import auto
from typing import Final

from quietus.enums import IdentityEnum
from quietus.errors import sql_error
from quietus.protocol.tds import tokens
from quietus.protocol.tds.buffer import ReceiveBuffer
from quietus.protocol.tds.events import (
    NEED_DATA,
    PAUSED,
    Attention,
    ConnectionClosed,
    Event,
    IgnoredRequest,
    Login,
    Pending,
    ProtocolError,
    Request,
    TlsHandshake,
)
from quietus.protocol.tds.exceptions import LocalProtocolError, RemoteProtocolError
from quietus.protocol.tds.login7 import parse_login7
from quietus.protocol.tds.packets import (
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_PACKET_SIZE,
    MAX_PACKET_SIZE,
    MIN_PACKET_SIZE,
    Message,
    MessageReader,
    PacketType,
    encode_message,
)
from quietus.protocol.tds.prelogin import (
    SERVER_VERSION,
    Encryption,
    EncryptionSetting,
    PreLoginRequest,
    encode_prelogin_reply,
    negotiate_encryption,
    parse_prelogin,
)
from quietus.protocol.tds.requests import (
    ResetConnection,
    RpcRequest,
    parse_rpc,
    parse_sql_batch,
    parse_tm_request,
)
from quietus.protocol.tds.response import ResponseWriter, TransactionTracker
from quietus.protocol.tds.tokens import DoneStatus
from quietus.protocol.tds.types import DEFAULT_COLLATION
from quietus.protocol.tds.versions import NAMES, TDS74, Traits, negotiate, traits


class State(IdentityEnum):
    PRELOGIN = auto()  # waiting for PRELOGIN (or a LOGIN7 straight away)
    PRELOGIN_REPLY = auto()  # PRELOGIN received; the server owes the reply
    TLS_HANDSHAKE = auto()  # the TLS handshake rides in PRELOGIN packets (TDS 7.x encryption)
    LOGIN = auto()  # waiting for LOGIN7
    AUTHENTICATING = auto()  # LOGIN7 received; the server owes LOGINACK or a login failure
    LOGGED_IN = auto()  # idle
    REQUEST_IN_PROGRESS = auto()  # a request's response is being produced
    CLOSED = auto()


class Trigger(IdentityEnum):
    RECV_PRELOGIN = auto()
    RECV_LOGIN7 = auto()
    RECV_TLS = auto()
    RECV_REQUEST = auto()
    RECV_ATTENTION = auto()
    SEND_PRELOGIN_REPLY = auto()
    SEND_PRELOGIN_REPLY_ENCRYPTING = auto()
    SEND_TLS = auto()
    TLS_ESTABLISHED = auto()
    SEND_LOGIN_ACK = auto()
    SEND_LOGIN_FAILURE = auto()
    SEND_ATTENTION_ACK = auto()
    SEND_RESPONSE_END = auto()


S, T = State, Trigger
# fmt: off
TRANSITIONS: Final[dict[tuple[State, Trigger], State]] = {
    (S.PRELOGIN,            T.RECV_PRELOGIN):        S.PRELOGIN_REPLY,
    (S.PRELOGIN,            T.RECV_LOGIN7):          S.AUTHENTICATING,
    (S.PRELOGIN_REPLY,      T.SEND_PRELOGIN_REPLY):  S.LOGIN,
    (S.PRELOGIN_REPLY,      T.SEND_PRELOGIN_REPLY_ENCRYPTING): S.TLS_HANDSHAKE,
    (S.TLS_HANDSHAKE,       T.RECV_TLS):             S.TLS_HANDSHAKE,
    (S.TLS_HANDSHAKE,       T.SEND_TLS):             S.TLS_HANDSHAKE,
    (S.TLS_HANDSHAKE,       T.TLS_ESTABLISHED):      S.LOGIN,
    (S.LOGIN,               T.RECV_LOGIN7):          S.AUTHENTICATING,
    (S.AUTHENTICATING,      T.SEND_LOGIN_ACK):       S.LOGGED_IN,
    (S.AUTHENTICATING,      T.SEND_LOGIN_FAILURE):   S.CLOSED,
    (S.LOGGED_IN,           T.RECV_REQUEST):         S.REQUEST_IN_PROGRESS,
    (S.LOGGED_IN,           T.RECV_ATTENTION):       S.LOGGED_IN,
    (S.LOGGED_IN,           T.SEND_ATTENTION_ACK):   S.LOGGED_IN,
    (S.REQUEST_IN_PROGRESS, T.RECV_ATTENTION):       S.REQUEST_IN_PROGRESS,
    (S.REQUEST_IN_PROGRESS, T.SEND_RESPONSE_END):    S.LOGGED_IN,
}
# fmt: on

RECEIVED: Final[dict[int, Trigger]] = {
    PacketType.PRELOGIN: T.RECV_PRELOGIN,
    PacketType.LOGIN7: T.RECV_LOGIN7,
    PacketType.SQL_BATCH: T.RECV_REQUEST,
    PacketType.RPC: T.RECV_REQUEST,
    PacketType.TRANSACTION_MANAGER: T.RECV_REQUEST,
    PacketType.ATTENTION: T.RECV_ATTENTION,
}
REFUSED: dict[int, str] = {
    PacketType.PRE_TDS7_LOGIN: "TDS 5.0 (pre-TDS 7) login is not supported",
    PacketType.BULK_LOAD: "bulk load is not supported",
    PacketType.SSPI: "SSPI (integrated) authentication is not supported",
    PacketType.FEDAUTH_TOKEN: "federated authentication is not supported",
    PacketType.TABULAR_RESULT: "a client must not send tabular results",
}
REQUEST_PARSERS: Final[dict[int, Callable[[bytes, Traits, ResetConnection], Request]]] = {
    PacketType.SQL_BATCH: parse_sql_batch,
    PacketType.RPC: parse_rpc,
    PacketType.TRANSACTION_MANAGER: parse_tm_request,
}
LOGIN_PACKET_SIZE = DEFAULT_PACKET_SIZE


def negotiate_packet_size(requested: int) -> int:
    """The client's LOGIN7 PacketSize clamped to 512..32767; 0 (jTDS) means the server's default."""
    return DEFAULT_PACKET_SIZE if requested == 0 else max(MIN_PACKET_SIZE, min(MAX_PACKET_SIZE, requested))


class TdsServerConnection:
    def __init__(
        self,
        *,
        spid: int = 0,
        server_name: str = "QUIETUS",
        max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
        encryption: EncryptionSetting = EncryptionSetting.DISABLED,
    ) -> None:
        self.spid = spid
        self.server_name = server_name
        self.encryption_setting = encryption
        # True when TLS wraps the whole socket before any TDS byte (TDS 8.0 strict): no handshake in PRELOGIN
        self.transport_encrypted = False
        self._prelogin: PreLoginRequest | None = None
        self._encryption: Encryption | None = None
        self._state = State.PRELOGIN
        self._buffer = ReceiveBuffer()
        self._reader = MessageReader(max_message_size)
        self._queue: deque[Message] = deque()
        self._eof = False
        self._closed_event: Event | None = None
        self._login: Login | None = None
        self._traits: Traits = traits(TDS74)
        self._packet_size = LOGIN_PACKET_SIZE
        self._transactions = TransactionTracker()
        self._request: Request | None = None
        self._response: ResponseWriter | None = None
        self._attention_during_request = False
        self._attention_acks_owed = 0

    # --- inspection ----------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def tds_version(self) -> int | None:
        return self._login.tds_version if self._login else None

    @property
    def encryption(self) -> Encryption | None:
        """The ENCRYPTION value the PRELOGIN reply carried (None before it, or without PRELOGIN)."""
        return self._encryption

    @property
    def traits(self) -> Traits:
        return self._traits

    @property
    def packet_size(self) -> int:
        return self._packet_size

    @property
    def transaction_descriptor(self) -> int | None:
        """The descriptor of the transaction the client was told about, or None."""
        return self._transactions.descriptor

    @property
    def current_request(self) -> Request | None:
        return self._request

    # --- input ---------------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Bytes from the socket; ``b""`` means the peer closed its side."""
        if self._state is State.CLOSED:
            return
        if data:
            self._buffer.feed(data)
        else:
            self._eof = True

    def next_event(self) -> Event | Pending:
        if self._state is State.CLOSED:
            event, self._closed_event = self._closed_event or ConnectionClosed(), None
            return event
        if self._state in (State.PRELOGIN_REPLY, State.AUTHENTICATING):
            return PAUSED
        try:
            return self._next_event()
        except RemoteProtocolError as exc:
            return self._fail(exc.reason)

    def _next_event(self) -> Event | Pending:
        if self._state is State.LOGGED_IN and self._queue:
            return self._handle(self._queue.popleft())
        while (message := self._reader.next_message(self._buffer)) is not None:
            if self._state is State.REQUEST_IN_PROGRESS and message.type != PacketType.ATTENTION:
                self._queue.append(message)
                continue
            return self._handle(message)
        if self._eof:
            if len(self._buffer) or self._reader.in_message:
                return self._fail("connection closed in the middle of a message")
            self._close()
            return ConnectionClosed()
        if self._state is State.REQUEST_IN_PROGRESS and self._queue:
            return PAUSED
        return NEED_DATA

    def _fail(self, reason: str) -> ProtocolError:
        self._close()
        self._closed_event = None
        return ProtocolError(reason)

    def _close(self) -> None:
        self._state = State.CLOSED
        self._buffer.clear()
        self._queue.clear()

    def _handle(self, message: Message) -> Event:
        trigger = RECEIVED.get(message.type)
        if self._state is State.TLS_HANDSHAKE and trigger is Trigger.RECV_PRELOGIN:
            trigger = Trigger.RECV_TLS
        if self._state is State.TLS_HANDSHAKE and trigger is Trigger.RECV_LOGIN7:
            raise RemoteProtocolError("LOGIN7 arrived unencrypted, but the PRELOGIN exchange agreed on encryption")
        if trigger is None:
            raise RemoteProtocolError(REFUSED.get(message.type, f"packet type 0x{message.type:02X} refused"))
        new_state = TRANSITIONS.get((self._state, trigger))
        if new_state is None:
            raise RemoteProtocolError(
                f"{PacketType(message.type).name} not allowed in state {self._state.name}"
            )
        if message.ignored and trigger is not Trigger.RECV_REQUEST:
            raise RemoteProtocolError(f"IGNORE status on a {PacketType(message.type).name} message")
        event = self._parse(message, trigger)
        self._state = new_state
        return event

    def _parse(self, message: Message, trigger: Trigger) -> Event:
        if trigger is Trigger.RECV_PRELOGIN:
            self._prelogin = parse_prelogin(message.payload)
            return self._prelogin
        if trigger is Trigger.RECV_TLS:
            return TlsHandshake(message.payload)
        if trigger is Trigger.RECV_LOGIN7:
            if self._prelogin is None and self._refuses_unencrypted():
                raise RemoteProtocolError(
                    "LOGIN7 without PRELOGIN cannot be encrypted, and this server requires encryption"
                )
            return self._parse_login(message.payload)
        if trigger is Trigger.RECV_ATTENTION:
            during = self._state is State.REQUEST_IN_PROGRESS
            if during:
                self._attention_during_request = True
            else:
                self._attention_acks_owed += 1
            return Attention(during_request=during)
        reset = ResetConnection.from_status(message.status)
        request: Request
        if message.ignored:
            request = IgnoredRequest(message.type, reset)
        else:
            request = REQUEST_PARSERS[message.type](message.payload, self._traits, reset)
        self._request, self._response, self._attention_during_request = request, None, False
        return request

    def _parse_login(self, payload: bytes) -> Login:
        login7 = parse_login7(payload)
        version = negotiate(login7.tds_version)
        if version is None:
            shown = NAMES.get(login7.tds_version, f"0x{login7.tds_version:08X}")
            raise RemoteProtocolError(f"TDS version {shown} is not supported; 7.1 or later is required")
        self._traits = traits(version)
        self._login = Login(login7, version, negotiate_packet_size(login7.packet_size))
        return self._login

    # --- output --------------------------------------------------------------------------------------

    def _transition(self, trigger: Trigger) -> None:
        new_state = TRANSITIONS.get((self._state, trigger))
        if new_state is None:
            raise LocalProtocolError(f"cannot {trigger.name.lower()} in state {self._state.name}")
        self._state = new_state

    def _message(self, payload: bytes) -> bytes:
        return encode_message(PacketType.TABULAR_RESULT, payload, self._packet_size, self.spid)

    def _refuses_unencrypted(self) -> bool:
        return self.encryption_setting is EncryptionSetting.FORCED and not self.transport_encrypted

    def send_prelogin_reply(self, server_version: tuple[int, int, int, int] = SERVER_VERSION) -> bytes:
        """The PRELOGIN reply; its ENCRYPTION comes from ``negotiate_encryption``.  When it is OFF, ON or REQ
        (and TLS does not already wrap the socket) the TLS handshake follows inside PRELOGIN packets."""
        client = self._prelogin.encryption if self._prelogin is not None else None
        encryption = negotiate_encryption(client, self.encryption_setting)
        if self.transport_encrypted:  # TDS 8.0 strict: TLS is on already; say so, start nothing
            encryption = Encryption.ON if encryption is not Encryption.NOT_SUP else encryption
        handshake = encryption is not Encryption.NOT_SUP and not self.transport_encrypted
        self._transition(Trigger.SEND_PRELOGIN_REPLY_ENCRYPTING if handshake else Trigger.SEND_PRELOGIN_REPLY)
        self._encryption = encryption
        return self._message(encode_prelogin_reply(server_version, encryption))

    def send_tls_handshake(self, data: bytes) -> bytes:
        """TLS handshake records from the server's TLS object, wrapped in PRELOGIN packets (MS-TDS §3.3.5.1)."""
        self._transition(Trigger.SEND_TLS)
        return encode_message(PacketType.PRELOGIN, data, self._packet_size, self.spid)

    def tls_established(self) -> None:
        """The server's TLS handshake is complete: LOGIN7 comes next (over TLS, which the server unwraps)."""
        self._transition(Trigger.TLS_ESTABLISHED)

    def send_login_ack(
        self,
        *,
        database: str = "master",
        old_database: str = "master",
        language: str = "us_english",
        collation: bytes = DEFAULT_COLLATION,
        packet_size: int | None = None,
    ) -> bytes:
        """The successful login response; from the next message on, the negotiated packet size applies."""
        self._transition(Trigger.SEND_LOGIN_ACK)
        login = self._login
        assert login is not None  # AUTHENTICATING is entered only through _parse_login
        size = login.packet_size if packet_size is None else negotiate_packet_size(packet_size)
        t = self._traits
        info_5701 = sql_error(5701, database, state=2)
        info_5703 = sql_error(5703, language, state=1)
        payload = b"".join(
            [
                tokens.env_database(database, old_database),
                tokens.encode_message(t, 5701, 2, 0, info_5701.message, self.server_name),
                tokens.env_collation(collation),
                tokens.env_language(language),
                tokens.encode_message(t, 5703, 1, 0, info_5703.message, self.server_name),
                tokens.encode_loginack(login.tds_version),
                tokens.env_packet_size(size, login.login7.packet_size or DEFAULT_PACKET_SIZE),
                tokens.encode_done(t, DoneStatus.FINAL),
            ]
        )
        out = self._message(payload)
        self._packet_size = size
        return out

    def send_login_failure(self, user: str) -> bytes:
        """ERROR 18456 and DONE_ERROR; the connection is CLOSED afterwards (close the socket)."""
        self._transition(Trigger.SEND_LOGIN_FAILURE)
        error = sql_error(18456, user)
        message = tokens.encode_message(
            self._traits, error.number, error.state, error.severity, error.message, self.server_name
        )
        out = self._message(message + tokens.encode_done(self._traits, DoneStatus.ERROR))
        self._close()
        return out

    def send_attention_ack(self) -> bytes:
        """DONE(DONE_ATTN) for an ATTENTION that arrived while idle."""
        if self._attention_acks_owed == 0:
            raise LocalProtocolError("no idle ATTENTION is waiting for an acknowledgement")
        self._transition(Trigger.SEND_ATTENTION_ACK)
        self._attention_acks_owed -= 1
        return self._message(tokens.encode_done(self._traits, DoneStatus.ATTN))

    def respond(self) -> ResponseWriter:
        """The response writer for the request in progress (the same one on every call)."""
        if self._state is not State.REQUEST_IN_PROGRESS or self._request is None:
            raise LocalProtocolError(f"no request in progress (state {self._state.name})")
        if self._response is None:
            self._response = ResponseWriter(
                traits=self._traits,
                packet_size=self._packet_size,
                spid=self.spid,
                server_name=self.server_name,
                procedure_call=isinstance(self._request, RpcRequest),
                transactions=self._transactions,
                attention=lambda: self._attention_during_request,
                on_finish=self._response_finished,
            )
        return self._response

    def _response_finished(self) -> None:
        self._transition(Trigger.SEND_RESPONSE_END)
        self._request = self._response = None
        self._attention_during_request = False

    def close(self) -> None:
        """The server ends the connection (KILL, fatal error); every later send is a LocalProtocolError."""
        self._close()
