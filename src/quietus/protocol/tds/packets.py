"""TDS packets (MS-TDS §2.2.3): the 8-byte header, message reassembly and message splitting.

Header layout (all big-endian, the only big-endian structure besides PRELOGIN)::

    0 Type      1 byte   PacketType
    1 Status    1 byte   PacketStatus bits
    2 Length    2 bytes  whole packet including this header, 8..32767
    4 SPID      2 bytes  server process id (server → client); clients send 0
    6 PacketID  1 byte   counts up mod 256 within a message; never validated on input
    7 Window    1 byte   0

Invariants:
* A message is the payloads of consecutive packets of one type up to and including the packet with EOM.
  RESETCONNECTION / RESETCONNECTIONSKIPTRAN are read from the message's first packet only.
* A packet with IGNORE (always with EOM) makes the whole message void: it is surfaced as ignored and its
  payload is dropped.
* An ATTENTION packet may interrupt a message that is still arriving: the partial message is dropped
  (the client gave up sending it) and the attention is delivered.
* Outgoing messages are cut into packets of exactly ``packet_size`` bytes except the last, which carries
  EOM and at least one payload byte (so a streamed message never needs an empty trailing packet).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import Final

from quietus.protocol.tds.buffer import ReceiveBuffer
from quietus.protocol.tds.exceptions import LocalProtocolError, RemoteProtocolError

HEADER: Final = struct.Struct(">BBHHBB")
HEADER_SIZE: Final = HEADER.size
MIN_PACKET_SIZE = 512
MAX_PACKET_SIZE: Final = 32767
DEFAULT_PACKET_SIZE = 4096
DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024


class PacketType(IntEnum):
    SQL_BATCH = 0x01
    PRE_TDS7_LOGIN = 0x02
    RPC = 0x03
    TABULAR_RESULT = 0x04
    ATTENTION = 0x06
    BULK_LOAD = 0x07
    FEDAUTH_TOKEN = 0x08
    TRANSACTION_MANAGER = 0x0E
    LOGIN7 = 0x10
    SSPI = 0x11
    PRELOGIN = 0x12


class PacketStatus(IntFlag):
    NORMAL = 0x00
    EOM = 0x01
    IGNORE = 0x02
    RESETCONNECTION = 0x08
    RESETCONNECTIONSKIPTRAN = 0x10


# The status bits as plain ints for the per-packet paths (IntFlag arithmetic builds an enum object each time).
_EOM: Final = int(PacketStatus.EOM)
_IGNORE: Final = int(PacketStatus.IGNORE)
RESET_BIT: Final = int(PacketStatus.RESETCONNECTION)
RESET_SKIP_TRAN_BIT: Final = int(PacketStatus.RESETCONNECTIONSKIPTRAN)
KNOWN_TYPES: Final = frozenset(int(t) for t in PacketType)
# The first byte of a TLS handshake record; a client speaking TLS first (TDS 8.0 "strict") sends it.
TLS_HANDSHAKE: Final = 0x16


@dataclass(frozen=True, slots=True)
class PacketHeader:
    type: int
    status: int
    length: int
    spid: int = 0
    packet_id: int = 0
    window: int = 0

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        type: int,
        status: int,
        length: int,
        spid: int = 0,
        packet_id: int = 0,
        window: int = 0,
    ) -> None:
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "length", length)
        object.__setattr__(self, "spid", spid)
        object.__setattr__(self, "packet_id", packet_id)
        object.__setattr__(self, "window", window)

    def encode(self) -> bytes:
        return HEADER.pack(self.type, self.status, self.length, self.spid, self.packet_id, self.window)

    @classmethod
    def decode(cls, data: bytes) -> PacketHeader:
        return cls(*HEADER.unpack(data))


@dataclass(frozen=True, slots=True)
class Message:
    """One reassembled client message."""

    type: int
    payload: bytes
    status: int = 0  # status bits of the first packet (reset flags live there)
    ignored: bool = False

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        type: int,
        payload: bytes,
        status: int = 0,
        ignored: bool = False,
    ) -> None:
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "payload", payload)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "ignored", ignored)


class MessageReader:
    """Reassembles client messages from a ``ReceiveBuffer``; keeps the partial message between calls."""

    def __init__(self, max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        self.max_message_size = max_message_size
        self._parts: list[bytes] = []
        self._size = 0
        self._first: PacketHeader | None = None

    @property
    def in_message(self) -> bool:
        return self._first is not None

    def _reset(self) -> None:
        self._parts.clear()
        self._size = 0
        self._first = None

    def next_message(self, buffer: ReceiveBuffer) -> Message | None:
        """The next complete message, or ``None`` until more bytes arrive.  Raises RemoteProtocolError."""
        while True:
            raw = buffer.consume_exactly(HEADER_SIZE)
            if raw is None:
                buffer.rollback()
                return None
            header = PacketHeader.decode(raw)
            check_header(header)
            body = buffer.consume_exactly(header.length - HEADER_SIZE)
            if body is None:
                buffer.rollback()
                return None
            buffer.commit()
            message = self._add_packet(header, body)
            if message is not None:
                return message

    def _add_packet(self, header: PacketHeader, body: bytes) -> Message | None:
        if header.type == PacketType.ATTENTION:
            self._reset()  # an attention abandons any message still arriving
            return Message(PacketType.ATTENTION, b"", header.status)
        first = self._first
        if first is None:
            first = self._first = header
        elif header.type != first.type:
            raise RemoteProtocolError(
                f"packet type 0x{header.type:02X} arrived in the middle of a 0x{first.type:02X} message"
            )
        self._size += len(body)
        if self._size > self.max_message_size:
            raise RemoteProtocolError(f"message larger than {self.max_message_size} bytes")
        self._parts.append(body)
        if header.status & _IGNORE:
            if not header.status & _EOM:
                raise RemoteProtocolError("IGNORE status bit without EOM")
            self._reset()
            return Message(first.type, b"", first.status, ignored=True)
        if not header.status & _EOM:
            return None
        payload = b"".join(self._parts)
        self._reset()
        return Message(first.type, payload, first.status)


def check_header(header: PacketHeader) -> None:
    if header.length < HEADER_SIZE:
        raise RemoteProtocolError(f"packet length {header.length} is below the 8-byte header")
    if header.length > MAX_PACKET_SIZE:
        raise RemoteProtocolError(f"packet length {header.length} exceeds {MAX_PACKET_SIZE}")
    if header.type not in KNOWN_TYPES:
        if header.type == TLS_HANDSHAKE:
            raise RemoteProtocolError("TLS handshake received where a TDS packet was expected")
        raise RemoteProtocolError(f"unknown packet type 0x{header.type:02X}")
    if header.status & RESET_BIT and header.status & RESET_SKIP_TRAN_BIT:
        raise RemoteProtocolError("RESETCONNECTION and RESETCONNECTIONSKIPTRAN set together")


def check_packet_size(size: int) -> int:
    if not MIN_PACKET_SIZE <= size <= MAX_PACKET_SIZE:
        raise LocalProtocolError(f"packet size {size} outside {MIN_PACKET_SIZE}..{MAX_PACKET_SIZE}")
    return size


class MessageWriter:
    """Cuts one outgoing message into packets as its payload is produced (streaming-friendly).

    ``write`` returns the packets that are certainly not the last; ``end`` returns the rest with EOM.
    """

    def __init__(self, packet_type: int, packet_size: int, spid: int = 0, status: int = 0) -> None:
        self.packet_type = packet_type
        self.packet_size = check_packet_size(packet_size)
        self.spid = spid
        self.status = status
        self._pending = bytearray()
        self._packet_id = 1
        self.ended = False

    def _header(self, length: int, eom: bool) -> bytes:
        """The next packet's header, for ``length`` bytes of payload (``PacketHeader``'s layout)."""
        status = self.status | (_EOM if eom else 0)
        header = HEADER.pack(self.packet_type, status, HEADER_SIZE + length, self.spid, self._packet_id, 0)
        self._packet_id = (self._packet_id + 1) % 256
        return header

    def _packet(self, chunk: bytes, eom: bool) -> bytes:
        return self._header(len(chunk), eom) + chunk

    def write(self, payload: bytes) -> bytes:
        if self.ended:
            raise LocalProtocolError("message already ended")
        pending = self._pending
        pending += payload
        room = self.packet_size - HEADER_SIZE
        # Keep at least one byte back: the final packet must carry EOM and should not be empty.
        if len(pending) <= room:
            return b""
        out = bytearray()
        start = 0
        with memoryview(pending) as view:  # each packet's payload copied once, into the output
            while len(pending) - start > room:
                out += self._header(room, eom=False)
                out += view[start : start + room]
                start += room
        del pending[:start]
        return bytes(out)

    def end(self, payload: bytes = b"") -> bytes:
        out = self.write(payload)
        self.ended = True
        last = self._packet(bytes(self._pending), eom=True)
        self._pending.clear()
        return out + last


def encode_message(
    packet_type: int, payload: bytes, packet_size: int = DEFAULT_PACKET_SIZE, spid: int = 0, status: int = 0
) -> bytes:
    """A whole message as packets (used for replies and by test clients)."""
    return MessageWriter(packet_type, packet_size, spid, status).end(payload)
