"""Packet framing: header bytes, reassembly until EOM, IGNORE, reset flags, splitting, bad headers."""

from __future__ import annotations

import itertools

import pytest

from quietus.protocol.tds.buffer import ReceiveBuffer
from quietus.protocol.tds.exceptions import LocalProtocolError, RemoteProtocolError
from quietus.protocol.tds.packets import (
    HEADER_SIZE,
    Message,
    MessageReader,
    MessageWriter,
    PacketHeader,
    PacketStatus,
    PacketType,
    encode_message,
)


def feed(data: bytes, reader: MessageReader | None = None) -> tuple[list[Message], ReceiveBuffer]:
    reader = reader or MessageReader()
    buffer = ReceiveBuffer()
    buffer.feed(data)
    out = []
    while (message := reader.next_message(buffer)) is not None:
        out.append(message)
    return out, buffer


def packet(kind: int, status: int, body: bytes, packet_id: int = 1) -> bytes:
    return PacketHeader(kind, status, HEADER_SIZE + len(body), 0, packet_id).encode() + body


def test_header_is_big_endian_with_spid() -> None:
    header = PacketHeader(PacketType.TABULAR_RESULT, PacketStatus.EOM, 0x0123, spid=0x0456, packet_id=7)
    assert header.encode() == bytes([0x04, 0x01, 0x01, 0x23, 0x04, 0x56, 0x07, 0x00])
    assert PacketHeader.decode(header.encode()) == header


def test_message_reassembled_until_eom_across_arbitrary_recv_boundaries() -> None:
    wire = packet(1, 0, b"ab") + packet(1, 0, b"cd", 2) + packet(1, PacketStatus.EOM, b"ef", 3)
    reader, buffer = MessageReader(), ReceiveBuffer()
    got = []
    for byte in wire:  # one byte per recv: never assume one recv is one packet
        buffer.feed(bytes([byte]))
        while (message := reader.next_message(buffer)) is not None:
            got.append(message)
    assert got == [Message(1, b"abcdef", 0)]
    assert len(buffer) == 0


def test_reset_flags_come_from_the_first_packet() -> None:
    wire = packet(1, PacketStatus.RESETCONNECTION, b"x") + packet(1, PacketStatus.EOM, b"y")
    (message,), _ = feed(wire)
    assert message.status & PacketStatus.RESETCONNECTION
    assert message.payload == b"xy"


def test_ignore_bit_voids_the_message() -> None:
    wire = packet(3, 0, b"partial") + packet(3, PacketStatus.EOM | PacketStatus.IGNORE, b"rest")
    (message,), _ = feed(wire)
    assert message.ignored and message.payload == b"" and message.type == 3


def test_ignore_without_eom_is_refused() -> None:
    with pytest.raises(RemoteProtocolError, match="IGNORE"):
        feed(packet(3, PacketStatus.IGNORE, b"x"))


def test_attention_interrupts_a_message_still_arriving() -> None:
    wire = packet(1, 0, b"half") + packet(PacketType.ATTENTION, PacketStatus.EOM, b"") + packet(1, 1, b"new")
    messages, _ = feed(wire)
    assert [(m.type, m.payload) for m in messages] == [(PacketType.ATTENTION, b""), (1, b"new")]


def test_type_change_mid_message_is_refused() -> None:
    with pytest.raises(RemoteProtocolError, match="middle"):
        feed(packet(1, 0, b"a") + packet(3, 1, b"b"))


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (bytes([1, 1, 0, 7, 0, 0, 0, 0]), "below the 8-byte header"),
        (bytes([1, 1, 0x80, 0x00, 0, 0, 0, 0]), "exceeds 32767"),
        (bytes([0x55, 1, 0, 8, 0, 0, 0, 0]), "unknown packet type 0x55"),
        (bytes([0x16, 3, 1, 0, 0xA5, 1, 0, 0]), "TLS handshake"),
        (bytes([1, 0x19, 0, 8, 0, 0, 0, 0]), "set together"),
    ],
)
def test_bad_headers(header: bytes, reason: str) -> None:
    with pytest.raises(RemoteProtocolError, match=reason):
        feed(header + b"\0" * 64)


def test_message_size_limit() -> None:
    with pytest.raises(RemoteProtocolError, match="larger than"):
        feed(packet(1, 0, b"x" * 600) + packet(1, 1, b"x" * 600), MessageReader(max_message_size=1000))


@pytest.mark.parametrize("size", [512, 4096, 16384])
def test_outgoing_split_at_negotiated_size(size: int) -> None:
    payload = bytes(range(256)) * 200  # 51200 bytes
    wire = encode_message(PacketType.TABULAR_RESULT, payload, size, spid=55)
    headers = []
    pos = 0
    while pos < len(wire):
        header = PacketHeader.decode(wire[pos : pos + HEADER_SIZE])
        headers.append(header)
        pos += header.length
    assert all(h.length == size for h in headers[:-1])
    assert 0 < headers[-1].length <= size
    assert [h.status for h in headers] == [0] * (len(headers) - 1) + [PacketStatus.EOM]
    assert [h.packet_id for h in headers] == [(i + 1) % 256 for i in range(len(headers))]
    assert {h.spid for h in headers} == {55}
    (message,), _ = feed(wire)
    assert message.payload == payload


def test_streamed_writer_keeps_the_tail_for_eom() -> None:
    writer = MessageWriter(PacketType.TABULAR_RESULT, 512)
    room = 512 - HEADER_SIZE
    assert writer.write(b"a" * room) == b""  # exactly one packet's worth: it might be the last
    first = writer.write(b"b")
    assert len(first) == 512 and first[1] == 0
    last = writer.end()
    assert last[1] == PacketStatus.EOM and last[HEADER_SIZE:] == b"b"
    with pytest.raises(LocalProtocolError):
        writer.write(b"more")


def test_streamed_writes_are_the_whole_message_cut_into_packets() -> None:
    payload = bytes(range(256)) * 40
    writer = MessageWriter(PacketType.TABULAR_RESULT, 512, spid=52)
    cuts = [0, 1, 7, 504, 505, 2000, 2001, 5000, len(payload)]
    wire = b"".join(writer.write(payload[a:b]) for a, b in itertools.pairwise(cuts)) + writer.end()
    assert wire == encode_message(PacketType.TABULAR_RESULT, payload, 512, spid=52)
    assert len(wire) == len(payload) + HEADER_SIZE * -(-len(payload) // (512 - HEADER_SIZE))


def test_empty_message_is_one_header_with_eom() -> None:
    assert encode_message(PacketType.ATTENTION, b"", 4096) == bytes([6, 1, 0, 8, 0, 0, 1, 0])


@pytest.mark.parametrize("size", [511, 32768])
def test_packet_size_bounds(size: int) -> None:
    with pytest.raises(LocalProtocolError):
        MessageWriter(PacketType.TABULAR_RESULT, size)
