"""Primitive TDS fields: a bounds-checked reader and the matching writers.

Invariants:
* Every read either returns exactly the bytes it asked for or raises ``RemoteProtocolError``
  (``truncated ...``); a reader never returns short data and never raises ``struct.error``/``IndexError``.
* Integers are little-endian unless the name ends in ``_be`` (only the packet header and PRELOGIN use
  big-endian).  Character counts (``B_VARCHAR``, ``US_VARCHAR``) are UTF-16 code units, not bytes.
* Text is UTF-16LE with ``surrogatepass``, so any UCS-2 sequence a client sends survives a round trip.
"""

from __future__ import annotations

import codecs
import struct
from typing import Final

from quietus.protocol.tds.exceptions import LocalProtocolError, RemoteProtocolError

U8: Final = struct.Struct("<B")
U16: Final = struct.Struct("<H")
U16_BE: Final = struct.Struct(">H")
I16: Final = struct.Struct("<h")
U32: Final = struct.Struct("<I")
U32_BE: Final = struct.Struct(">I")
I32: Final = struct.Struct("<i")
U64: Final = struct.Struct("<Q")
I64: Final = struct.Struct("<q")
F32: Final = struct.Struct("<f")
F64: Final = struct.Struct("<d")
# The codec's own functions, bound once (C statics compiled): ``str.encode("utf-16-le")`` and ``bytes.decode`` find
# them through the codec registry by name first, ~0.15-0.3 us a call.
_UTF_16_LE_DECODE: Final = codecs.utf_16_le_decode
_UTF_16_LE_ENCODE: Final = codecs.utf_16_le_encode


def decode_utf16(data: bytes) -> str:
    if len(data) % 2:
        raise RemoteProtocolError(f"UTF-16 text has an odd byte count ({len(data)})")
    return _UTF_16_LE_DECODE(data, "replace", True)[0]  # a lone surrogate becomes U+FFFD (sql/utf16.py)


def encode_utf16(text: str) -> bytes:
    return _UTF_16_LE_ENCODE(text, "surrogatepass")[0]


class Reader:
    """A cursor over one message payload; ``what`` names the structure in error messages."""

    __slots__ = ("_data", "_pos", "what")

    def __init__(self, data: bytes, what: str = "message", pos: int = 0) -> None:
        self._data = data
        self._pos = pos
        self.what = what

    @property
    def pos(self) -> int:
        return self._pos

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def at_end(self) -> bool:
        return self._pos >= len(self._data)

    def take(self, n: int) -> bytes:
        start = self._pos
        end = start + n
        if n < 0 or end > len(self._data):
            self._truncated(n)
        self._pos = end
        return self._data[start:end]

    def _truncated(self, n: int) -> None:
        raise RemoteProtocolError(f"truncated {self.what}: need {n} bytes at offset {self._pos}, have {self.remaining}")

    def rest(self) -> bytes:
        return self.take(self.remaining)

    def peek_u8(self) -> int | None:
        return self._data[self._pos] if self._pos < len(self._data) else None

    def _unpack(self, fmt: struct.Struct) -> int:
        start = self._pos
        end = start + fmt.size
        if end > len(self._data):
            self._truncated(fmt.size)
        self._pos = end
        value: int = fmt.unpack_from(self._data, start)[0]
        return value

    def u8(self) -> int:
        start = self._pos
        if start >= len(self._data):
            self._truncated(1)
        self._pos = start + 1
        return self._data[start]

    # The two most read widths as byte arithmetic: compiled, it is a few C operations where struct's unpack_from is a
    # call that builds a tuple.
    def u16(self) -> int:
        start = self._pos
        data = self._data
        if start + 2 > len(data):
            self._truncated(2)
        self._pos = start + 2
        return data[start] | data[start + 1] << 8

    def u16_be(self) -> int:
        return self._unpack(U16_BE)

    def i16(self) -> int:
        return self._unpack(I16)

    def u32(self) -> int:
        start = self._pos
        data = self._data
        if start + 4 > len(data):
            self._truncated(4)
        self._pos = start + 4
        return data[start] | data[start + 1] << 8 | data[start + 2] << 16 | data[start + 3] << 24

    def u32_be(self) -> int:
        return self._unpack(U32_BE)

    def i32(self) -> int:
        return self._unpack(I32)

    def u64(self) -> int:
        return self._unpack(U64)

    def i64(self) -> int:
        return self._unpack(I64)

    def b_varchar(self) -> str:
        return decode_utf16(self.take(2 * self.u8()))

    def us_varchar(self) -> str:
        return decode_utf16(self.take(2 * self.u16()))

    def b_varbyte(self) -> bytes:
        return self.take(self.u8())

    def us_varbyte(self) -> bytes:
        return self.take(self.u16())


def _counted(prefix: struct.Struct, data: bytes, count: int, what: str) -> bytes:
    limit = (1 << (8 * prefix.size)) - 1
    if count > limit:
        raise LocalProtocolError(f"{what} too long: {count} > {limit}")
    return prefix.pack(count) + data


def b_varchar(text: str) -> bytes:
    data = encode_utf16(text)
    return _counted(U8, data, len(data) // 2, "B_VARCHAR")


def us_varchar(text: str) -> bytes:
    data = encode_utf16(text)
    return _counted(U16, data, len(data) // 2, "US_VARCHAR")


def b_varbyte(data: bytes) -> bytes:
    return _counted(U8, data, len(data), "B_VARBYTE")


def us_varbyte(data: bytes) -> bytes:
    return _counted(U16, data, len(data), "US_VARBYTE")
