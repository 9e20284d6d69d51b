"""Oracle Net (TNS) packet framing (tns.md §1): the 8-byte header, the 2- vs 4-byte length, DATA splitting.

Before ACCEPT both sides frame with a 2-byte length and a 2-byte zero checksum; after it (version >= 315) the
length is a u32.  ``PacketReader`` is told when to switch (``large = True`` once the ACCEPT is sent).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CONNECT = 1
ACCEPT = 2
REFUSE = 4
REDIRECT = 5
DATA = 6
RESEND = 11
MARKER = 12
CONTROL = 14

MARKER_BREAK = 1
MARKER_RESET = 2
MARKER_INTERRUPT = 3

DATA_FLAG_EOF = 0x0040

HEADER_SIZE = 8
MAX_PACKET = 2 * 1024 * 1024 + HEADER_SIZE  # no legal packet is longer than the largest SDU


class FramingError(Exception):
    """Bytes that cannot be a TNS packet."""


@dataclass(frozen=True, slots=True)
class Packet:
    type: int
    flags: int
    body: bytes  # everything after the 8-byte header

    @property
    def data_flags(self) -> int:
        return int(struct.unpack(">H", self.body[:2])[0]) if self.type == DATA and len(self.body) >= 2 else 0

    @property
    def payload(self) -> bytes:
        """A DATA packet's TTC bytes (after its data flags)."""
        return self.body[2:]


def encode_packet(packet_type: int, body: bytes, *, large: bool, flags: int = 0) -> bytes:
    length = HEADER_SIZE + len(body)
    if large:
        header = struct.pack(">IBBH", length, packet_type, flags, 0)
    else:
        if length > 0xFFFF:
            raise ValueError("a packet before ACCEPT cannot exceed 65535 bytes")
        header = struct.pack(">HHBBH", length, 0, packet_type, flags, 0)
    return header + body


def data_packets(payload: bytes, sdu: int, *, data_flags: int = 0) -> bytes:
    """A TTC message stream cut into DATA packets of at most ``sdu`` bytes each (4-byte lengths)."""
    room = sdu - HEADER_SIZE - 2
    out = bytearray()
    for start in range(0, max(len(payload), 1), room):
        chunk = payload[start : start + room]
        out += encode_packet(DATA, struct.pack(">H", data_flags) + chunk, large=True)
    return bytes(out)


def marker_packet(kind: int) -> bytes:
    return encode_packet(MARKER, bytes([1, 0, kind]), large=True)


class PacketReader:
    """Bytes in, whole packets out."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.large = False

    def feed(self, data: bytes) -> None:
        self.buffer += data

    def next_packet(self) -> Packet | None:
        if len(self.buffer) < HEADER_SIZE:
            return None
        if self.large:
            length, packet_type, flags = struct.unpack(">IBB", self.buffer[:6])
        else:
            length, _checksum, packet_type, flags = struct.unpack(">HHBB", self.buffer[:6])
        if length < HEADER_SIZE or length > MAX_PACKET:
            raise FramingError(f"a packet length of {length}")
        if len(self.buffer) < length:
            return None
        body = bytes(self.buffer[HEADER_SIZE:length])
        del self.buffer[:length]
        return Packet(packet_type, flags, body)
