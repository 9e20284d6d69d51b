"""TTC primitive encodings (tns.md §3.0): universal integers, length-prefixed and chunked byte strings.

``TtcWriter`` builds a message stream; ``TtcReader`` reads one from a bytes buffer and raises ``Truncated`` when
the buffer ends inside a value (the caller waits for more packets and parses again from the start).
"""

from __future__ import annotations

import struct

NULL_LENGTH = 0xFF  # "bytes with length": 0 or 255 mean NULL/empty
CHUNKED = 0xFE  # "bytes with length": ub4-length chunks follow, ended by ub4 0
MAX_INLINE = 252
CHUNK_SIZE = 32767


class Truncated(Exception):
    """The buffer ended inside a value: more bytes are needed."""


class MalformedMessage(Exception):
    """The bytes cannot be what the protocol says they are."""


class TtcWriter:
    def __init__(self) -> None:
        self.parts = bytearray()

    def getvalue(self) -> bytes:
        return bytes(self.parts)

    def ub1(self, value: int) -> TtcWriter:
        self.parts.append(value & 0xFF)
        return self

    def raw(self, data: bytes) -> TtcWriter:
        self.parts += data
        return self

    def u16be(self, value: int) -> TtcWriter:
        self.parts += struct.pack(">H", value)
        return self

    def u16le(self, value: int) -> TtcWriter:
        self.parts += struct.pack("<H", value)
        return self

    def u32be(self, value: int) -> TtcWriter:
        self.parts += struct.pack(">I", value)
        return self

    def ub(self, value: int) -> TtcWriter:
        """A universal unsigned integer (ub2/ub4/ub8): minimal length byte, then big-endian bytes."""
        if value < 0:
            raise ValueError(f"{value} is negative")
        if value == 0:
            self.parts.append(0)
            return self
        size = 1 if value < 0x100 else 2 if value < 0x10000 else 4 if value < 0x100000000 else 8
        self.parts.append(size)
        self.parts += value.to_bytes(size, "big")
        return self

    ub2 = ub4 = ub8 = ub

    def sb(self, value: int) -> TtcWriter:
        """A universal signed integer: bit 0x80 of the length byte marks a negative magnitude."""
        if value >= 0:
            return self.ub(value)
        magnitude = -value
        size = 1 if magnitude < 0x100 else 2 if magnitude < 0x10000 else 4 if magnitude < 0x100000000 else 8
        self.parts.append(size | 0x80)
        self.parts += magnitude.to_bytes(size, "big")
        return self

    def bytes_with_length(self, data: bytes | None) -> TtcWriter:
        if not data:
            self.parts.append(0)
        elif len(data) <= MAX_INLINE:
            self.parts.append(len(data))
            self.parts += data
        else:
            self.parts.append(CHUNKED)
            for start in range(0, len(data), CHUNK_SIZE):
                chunk = data[start : start + CHUNK_SIZE]
                self.ub(len(chunk))
                self.parts += chunk
            self.ub(0)
        return self

    def bytes_with_two_lengths(self, data: bytes | None) -> TtcWriter:
        if not data:
            return self.ub(0)
        self.ub(len(data))
        return self.bytes_with_length(data)

    def str_with_two_lengths(self, text: str | None) -> TtcWriter:
        return self.bytes_with_two_lengths(None if text is None else text.encode())


class TtcReader:
    def __init__(self, data: bytes, position: int = 0) -> None:
        self.data = data
        self.pos = position

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise Truncated
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def ub1(self) -> int:
        if self.pos >= len(self.data):
            raise Truncated
        value = self.data[self.pos]
        self.pos += 1
        return value

    def u16be(self) -> int:
        return int(struct.unpack(">H", self.take(2))[0])

    def u16le(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])

    def u32be(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def ub(self, max_size: int = 8) -> int:
        size = self.ub1()
        if size & 0x80:
            raise MalformedMessage(f"negative value where an unsigned integer was expected (length byte {size:#x})")
        if size > max_size:
            raise MalformedMessage(f"integer of {size} bytes where at most {max_size} fit")
        return int.from_bytes(self.take(size), "big") if size else 0

    def ub2(self) -> int:
        return self.ub(2)

    def ub4(self) -> int:
        return self.ub(4)

    def ub8(self) -> int:
        return self.ub(8)

    def sb(self, max_size: int = 8) -> int:
        size = self.ub1()
        negative = bool(size & 0x80)
        size &= 0x7F
        if size > max_size:
            raise MalformedMessage(f"integer of {size} bytes where at most {max_size} fit")
        value = int.from_bytes(self.take(size), "big") if size else 0
        return -value if negative else value

    def bytes_with_length(self) -> bytes | None:
        length = self.ub1()
        if length in (0, NULL_LENGTH):
            return None
        if length != CHUNKED:
            return self.take(length)
        chunks = bytearray()
        while True:
            size = self.ub4()
            if size == 0:
                return bytes(chunks)
            chunks += self.take(size)

    def bytes_with_two_lengths(self) -> bytes | None:
        if self.ub4() == 0:
            return None
        return self.bytes_with_length()

    def str_with_two_lengths(self) -> str | None:
        data = self.bytes_with_two_lengths()
        return None if data is None else data.decode("utf-8", "replace")
