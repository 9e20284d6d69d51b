"""The server side of one Oracle Net connection, sans-IO: bytes in (``receive_data``), events out
(``next_event``), reply bytes from the ``send_*`` methods.  No sockets, no clocks.

Transitions (state, what arrives → event, next state)::

    CONNECTING   CONNECT with its descriptor        → ConnectRequested       CONNECTING (until send_accept)
    CONNECTING   CONNECT, descriptor > 230 bytes    → (none)                 CONNECT_DATA
    CONNECT_DATA DATA carrying the descriptor       → ConnectRequested       CONNECTING
    send_accept()                                   → 4-byte lengths from now on; READY
    send_refuse()                                   → CLOSED
    READY        DATA holding a whole request       → ProtocolRequested | DataTypesRequested | AuthRequest |
                                                      Execute | Reexecute | Fetch | SimpleCall | UnsupportedCall
    READY        DATA: a request using what Quietus lacks → UnsupportedCall (after its last packet)
    READY        DATA with the EOF flag             → ConnectionClosed       CLOSED
    READY        MARKER BREAK / INTERRUPT           → BreakReceived          READY
    send_break()                                    → BREAKING (client DATA is discarded)
    BREAKING     MARKER RESET                       → ResetReceived          READY (send_reset_reply owed)
    any          bytes that are no packet/request   → ProtocolError          CLOSED

A request may span several DATA packets; the codec parses once more after each one (``Truncated`` means wait).
The clients fill every packet of a request to the SDU but the last, so a packet shorter than the SDU ends a request:
a request still ``Truncated`` then is one the codec cannot read, and gets UnsupportedCall (ORA-01022), never a hang.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import ClassVar

from quietus.protocol.tns import messages
from quietus.protocol.tns.connect import (
    MIN_VERSION,
    ConnectDescriptor,
    DescriptorError,
    accept_packet,
    negotiated_sdu,
    parse_connect,
    refuse_packet,
)
from quietus.protocol.tns.events import (
    BindSpec,
    BreakReceived,
    ConnectionClosed,
    ConnectRequested,
    Event,
    ProtocolError,
    ResetReceived,
    UnsupportedCall,
)
from quietus.protocol.tns.messages import UnsupportedRequest
from quietus.protocol.tns.packets import (
    CONNECT,
    DATA,
    DATA_FLAG_EOF,
    HEADER_SIZE,
    MARKER,
    MARKER_BREAK,
    MARKER_INTERRUPT,
    MARKER_RESET,
    FramingError,
    PacketReader,
    data_packets,
    marker_packet,
)
from quietus.protocol.tns.ttc import MalformedMessage, Truncated


class State(enum.Enum):
    CONNECTING = "connecting"
    CONNECT_DATA = "awaiting connect data"
    READY = "ready"
    BREAKING = "breaking"
    CLOSED = "closed"


class NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = NeedData()
REQUEST_LIMIT = 64 * 1024 * 1024  # bytes one request may take


class TnsServerConnection:
    def __init__(self) -> None:
        self.state = State.CONNECTING
        self.reader = PacketReader()
        self.sdu = 8192
        self._request = bytearray()
        self._connect_sdu = 8192
        self._binds: dict[int, tuple[BindSpec, ...]] = {}
        self._unsupported: str | None = None  # skipping the rest of an unsupported request

    # -- input ----------------------------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        self.reader.feed(data)

    def next_event(self) -> Event | NeedData:
        while self.state is not State.CLOSED:
            try:
                packet = self.reader.next_packet()
            except FramingError as exc:
                return self._fail(str(exc))
            if packet is None:
                return NEED_DATA
            event = self._handle(packet.type, packet.data_flags, packet.body)
            if event is not None:
                return event
        return NEED_DATA

    def _handle(self, packet_type: int, data_flags: int, body: bytes) -> Event | None:
        handler = self._TRANSITIONS.get((self.state, packet_type))
        if handler is None:
            return self._fail(f"packet type {packet_type} in state {self.state.value}")
        return handler(self, data_flags, body)

    def _on_connect(self, _flags: int, body: bytes) -> Event | None:
        try:
            connect = parse_connect(body)
        except DescriptorError as exc:
            return self._fail(str(exc))
        if connect.version < MIN_VERSION:
            return self._fail(f"TNS version {connect.version} is older than {MIN_VERSION}")
        self._connect_sdu = connect.sdu
        if connect.descriptor is None:
            self.state = State.CONNECT_DATA
            return None
        return self._connect_requested(connect.descriptor)

    def _on_connect_data(self, _flags: int, body: bytes) -> Event | None:
        self.state = State.CONNECTING
        return self._connect_requested(body[2:])

    def _on_marker(self, _flags: int, body: bytes) -> Event | None:
        kind = body[2] if len(body) >= 3 else 0
        if kind in (MARKER_BREAK, MARKER_INTERRUPT):
            self._request.clear()
            return BreakReceived(kind)
        return None  # a stray RESET

    def _on_marker_while_breaking(self, _flags: int, body: bytes) -> Event | None:
        if len(body) >= 3 and body[2] == MARKER_RESET:
            self.state = State.READY
            return ResetReceived()
        return None  # more breaks: the one answer under way covers them

    def _on_data_while_breaking(self, flags: int, body: bytes) -> Event | None:
        if flags & DATA_FLAG_EOF:
            return self._on_data(flags, body)
        return None  # the client's requests sent before it saw the BREAK are void

    def _on_data(self, flags: int, body: bytes) -> Event | None:
        if flags & DATA_FLAG_EOF:
            self.state = State.CLOSED
            return ConnectionClosed()
        last_packet = len(body) + HEADER_SIZE < self.sdu  # a request's last packet is the one not filled to the SDU
        if self._unsupported is not None:
            return self._skip_unsupported(last_packet)
        self._request += body[2:]
        if len(self._request) > REQUEST_LIMIT:
            return self._fail(f"a request of more than {REQUEST_LIMIT} bytes")
        try:
            event, used = messages.parse_request(bytes(self._request), self._binds.get)
        except Truncated:
            if last_packet:  # the request is all here yet does not parse: answer it rather than wait for ever
                self._request.clear()
                return UnsupportedCall(0, "a request Quietus could not read to its end")
            return None
        except UnsupportedRequest as exc:
            self._request.clear()
            self._unsupported = str(exc)
            return self._skip_unsupported(last_packet)
        except (MalformedMessage, UnicodeDecodeError) as exc:
            return self._fail(str(exc))
        del self._request[:used]
        return event  # type: ignore[no-any-return]

    # (state, packet type) -> handler; a pair not listed is a protocol error
    _TRANSITIONS: ClassVar[dict[tuple[State, int], Callable[[TnsServerConnection, int, bytes], Event | None]]] = {
        (State.CONNECTING, CONNECT): _on_connect,
        (State.CONNECT_DATA, DATA): _on_connect_data,
        (State.READY, DATA): _on_data,
        (State.READY, MARKER): _on_marker,
        (State.BREAKING, DATA): _on_data_while_breaking,
        (State.BREAKING, MARKER): _on_marker_while_breaking,
    }

    def _skip_unsupported(self, last_packet: bool) -> Event | None:
        """Drop the rest of a request Quietus does not implement; once it is all in, answer it (ORA-01022)."""
        if not last_packet:
            return None
        reason, self._unsupported = self._unsupported or "", None
        return UnsupportedCall(0, reason)

    def _connect_requested(self, descriptor: bytes) -> Event:
        text = descriptor.decode("ascii", "replace")
        try:
            parsed = ConnectDescriptor.from_text(text)
        except DescriptorError as exc:
            return self._fail(f"bad connect descriptor: {exc}")
        return ConnectRequested(parsed, text, self._connect_sdu)

    def _fail(self, reason: str) -> ProtocolError:
        self.state = State.CLOSED
        return ProtocolError(reason)

    # -- output ---------------------------------------------------------------------------------------------

    def send_accept(self) -> bytes:
        self.sdu = negotiated_sdu(self._connect_sdu)
        self.state = State.READY
        self.reader.large = True
        return accept_packet(self.sdu)

    def send_refuse(self, error: int) -> bytes:
        self.state = State.CLOSED
        return refuse_packet(error)

    def send(self, *parts: bytes) -> bytes:
        """TTC messages, framed as DATA packets no longer than the SDU."""
        return data_packets(b"".join(parts), self.sdu)

    def send_call_end(self, end: messages.CallEnd, *before: bytes) -> bytes:
        return self.send(*before, messages.error_message(end))

    def send_break(self) -> bytes:
        """Answer a client's break: BREAK now; the client's RESET comes back as ResetReceived."""
        self.state = State.BREAKING
        self._request.clear()
        return marker_packet(MARKER_BREAK)

    def send_reset_reply(self, end: messages.CallEnd) -> bytes:
        """After ResetReceived: RESET, then the one DATA packet that answers the broken call."""
        return marker_packet(MARKER_RESET) + self.send_call_end(end)

    def close(self) -> None:
        self.state = State.CLOSED

    # -- cursors' bind metadata (REEXECUTE carries values only) ---------------------------------------------

    def remember_binds(self, cursor_id: int, binds: Sequence[BindSpec]) -> None:
        self._binds[cursor_id] = tuple(binds)

    def forget_cursor(self, cursor_id: int) -> None:
        self._binds.pop(cursor_id, None)
