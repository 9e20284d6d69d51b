"""A result column's values as bytes, through an encoder made once for the column: byte for byte what
``types.encode_value`` writes (length prefix included), without its per-value dispatch.

``fast_encoder(info)`` picks the encoder by the column's wire type (the table ``_BUILDERS``) and bakes the
column's constants into it (its NULL bytes, the struct of its width, its limits).  Each encoder takes the plain
values the engine produces; a value it does not take (a ``bool`` for an int, a ``date`` for a datetime, a
``DateTime7`` with a seventh digit, a ``bytearray``, a value too long or out of range) raises one of ``FAST_MISS``
and the caller sends that value (or its row) through the general encoder, which converts it or raises its error.
So the bytes on the wire never depend on which path wrote them (tests/unit/test_tds_fast_encoders.py).

| wire type                                   | value taken                    | bytes                                 |
|---------------------------------------------|--------------------------------|---------------------------------------|
| INTN 1/2/4/8                                | int                            | length, little-endian integer         |
| BITN                                        | any (truth value)              | 01 01 / 01 00                         |
| FLTN 4/8                                    | float                          | length, IEEE float                    |
| MONEYN 4/8                                  | int, finite Decimal            | length, 1/10,000 units                |
| DECIMALN / NUMERICN (p, s)                  | int, finite Decimal            | length, sign byte, units of 10^-s     |
| DATETIMN 8 / 4                              | naive datetime                 | days since 1900, 1/300 s (4: minutes) |
| DATEN                                       | date, datetime                 | 3, days since 0001-01-01              |
| TIMEN(s), DATETIME2N(s), DATETIMEOFFSETN(s) | time / datetime (no 7th digit) | length, 10^-s units (+ date, offset)  |
| GUID                                        | UUID                           | 16, bytes_le                          |
| NVARCHAR(n) NCHAR(n)                        | str                            | u16 length, UTF-16LE                  |
| BIGVARCHR(n) BIGCHAR(n)                     | str, bytes                     | u16 length, code page bytes           |
| BIGVARBIN(n) BIGBINARY(n)                   | bytes                          | u16 length, bytes                     |
| the same, MAX (PLP)                         | as above                       | u64 length, one chunk, u32 0          |
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from quietus.protocol.tds.types import _EXACT as EXACT
from quietus.protocol.tds.types import _POW10 as POW10
from quietus.protocol.tds.types import _TIME_BYTES as TIME_BYTES
from quietus.protocol.tds.types import (
    PLP_MAX,
    Context,
    TypeId,
    TypeInfo,
    collation_codec,
    decimal_length,
    encode_value,
)
from quietus.protocol.tds.wire import encode_utf16

Encoder = Callable[[object], bytes]


class TooLong(Exception):
    """A value longer (or larger) than its column: the general encoder raises the precise error."""


# What a fast encoder raises for a value it does not take (the general encoder then converts it or says why).
FAST_MISS: Final = (struct.error, TypeError, AttributeError, OverflowError, TooLong)

EPOCH_1900 = dt.datetime(1900, 1, 1)
DAY_TICKS = 300 * 86400  # datetime's 1/300 s ticks in a day
_U16: Final = struct.Struct("<H").pack
_U64 = struct.Struct("<Q").pack
_PLP_TERMINATOR = b"\x00\x00\x00\x00"
_INT_FORMATS = {1: "<BB", 2: "<Bh", 4: "<Bi", 8: "<Bq"}
_TEXT = frozenset({TypeId.BIGVARCHR, TypeId.BIGCHAR})
_UNICODE = frozenset({TypeId.NVARCHAR, TypeId.NCHAR})


def fast_encoder(info: TypeInfo) -> Encoder | None:
    """The column's fast encoder, or None for a wire type that has none (TEXT, NTEXT, IMAGE, XML, down-level)."""
    builder = _BUILDERS.get(info.type_id)
    return None if builder is None else builder(info, encode_value(info, None, Context.RESULT))


def _int_n(info: TypeInfo, null: bytes) -> Encoder | None:
    if info.max_length not in _INT_FORMATS:
        return None
    pack = struct.Struct(_INT_FORMATS[info.max_length]).pack
    size = info.max_length

    def int_n(value: object) -> bytes:
        if value is None:
            return null
        if type(value) is not int:
            raise TypeError  # bool, Decimal ...: the general path converts them
        return pack(size, value)

    return int_n


def _bit_n(info: TypeInfo, null: bytes) -> Encoder:
    return lambda value: null if value is None else (b"\x01\x01" if value else b"\x01\x00")


def _flt_n(info: TypeInfo, null: bytes) -> Encoder | None:
    if info.max_length not in (4, 8):
        return None
    pack = struct.Struct("<Bd" if info.max_length == 8 else "<Bf").pack
    width = info.max_length

    def flt_n(value: object) -> bytes:
        if value is None:
            return null
        if type(value) is not float:
            raise TypeError
        return pack(width, value)

    return flt_n


POW10_38: tuple[int, ...] = tuple(10**n for n in range(39))


def scaled_units(value: object, scale: int) -> int:
    """An int or finite Decimal in units of 10^-scale, rounded half up (``types._scaled`` for those values)."""
    if type(value) is int:
        return value * POW10_38[scale]
    if type(value) is not Decimal or not value.is_finite():
        raise TypeError  # float, bool, NaN: the general path converts them or says why
    units: int = int(value.scaleb(scale, EXACT).to_integral_value(ROUND_HALF_UP, EXACT))
    return units


def _money_n(info: TypeInfo, null: bytes) -> Encoder | None:
    if info.max_length == 8:
        pack8 = struct.Struct("<BiI").pack

        def money(value: object) -> bytes:
            if value is None:
                return null
            units = scaled_units(value, 4)
            if not -(2**63) <= units < 2**63:
                raise TooLong
            return pack8(8, units >> 32, units & 0xFFFFFFFF)

        return money
    if info.max_length == 4:
        pack4 = struct.Struct("<Bi").pack

        def smallmoney(value: object) -> bytes:
            if value is None:
                return null
            return pack4(4, scaled_units(value, 4))  # out of range: struct.error

        return smallmoney
    return None


def _decimal_n(info: TypeInfo, null: bytes) -> Encoder | None:
    if info.precision is None or info.scale is None:
        return None
    scale, limit = info.scale, POW10_38[info.precision]
    length = info.max_length or decimal_length(info.precision)
    size = length - 1
    positive, negative = bytes([length, 1]), bytes([length, 0])

    def decimal_n(value: object) -> bytes:
        if value is None:
            return null
        units = scaled_units(value, scale)
        if units >= 0:
            if units >= limit:
                raise TooLong
            return positive + units.to_bytes(size, "little")
        if -units >= limit:
            raise TooLong
        return negative + (-units).to_bytes(size, "little")

    return decimal_n


def _datetime_n(info: TypeInfo, null: bytes) -> Encoder | None:
    if info.max_length == 8:
        pack = struct.Struct("<BiI").pack

        def datetime_n(value: object) -> bytes:
            if value is None:
                return null
            if type(value) is not dt.datetime or value.tzinfo is not None:
                raise TypeError  # dates, aware datetimes: the general path converts them
            delta = value - EPOCH_1900
            ticks = ((delta.seconds * 1_000_000 + delta.microseconds) * 3 + 5000) // 10000  # nearest 1/300 s
            return pack(8, delta.days + ticks // DAY_TICKS, ticks % DAY_TICKS)

        return datetime_n
    if info.max_length == 4:
        pack_small = struct.Struct("<BHH").pack

        def smalldatetime_n(value: object) -> bytes:
            if value is None:
                return null
            if type(value) is not dt.datetime or value.tzinfo is not None:
                raise TypeError
            delta = value - EPOCH_1900
            minutes = (delta.seconds * 1_000_000 + delta.microseconds + 30_000_000) // 60_000_000  # nearest minute
            return pack_small(4, delta.days + minutes // 1440, minutes % 1440)  # out of range: struct.error

        return smalldatetime_n
    return None


def _date_n(info: TypeInfo, null: bytes) -> Encoder:
    def date_n(value: object) -> bytes:
        if value is None:
            return null
        if type(value) is not dt.date and type(value) is not dt.datetime:
            raise TypeError
        return b"\x03" + (value.toordinal() - 1).to_bytes(3, "little")

    return date_n


def _time_parts(info: TypeInfo) -> tuple[int, int]:
    scale = 7 if info.scale is None else info.scale
    return POW10[7 - scale], TIME_BYTES[scale]


def _time_n(info: TypeInfo, null: bytes) -> Encoder:
    divisor, size = _time_parts(info)
    prefix = bytes([size])

    def time_n(value: object) -> bytes:
        if value is None:
            return null
        if type(value) is not dt.time:
            raise TypeError  # a Time7 (seventh digit), a datetime: the general path
        seconds = (value.hour * 60 + value.minute) * 60 + value.second
        units = (seconds * 10_000_000 + value.microsecond * 10) // divisor
        return prefix + units.to_bytes(size, "little")

    return time_n


def _datetime_units(value: dt.datetime, divisor: int, size: int) -> bytes:
    """A plain datetime's time of day in 10^-scale units, then its days since 0001-01-01 (datetime2's layout)."""
    seconds = (value.hour * 60 + value.minute) * 60 + value.second
    units = (seconds * 10_000_000 + value.microsecond * 10) // divisor
    return units.to_bytes(size, "little") + (value.toordinal() - 1).to_bytes(3, "little")


def _datetime2_n(info: TypeInfo, null: bytes) -> Encoder:
    divisor, size = _time_parts(info)
    prefix = bytes([size + 3])

    def datetime2_n(value: object) -> bytes:
        if value is None:
            return null
        if type(value) is not dt.datetime:
            raise TypeError  # a DateTime7, a date: the general path
        return prefix + _datetime_units(value, divisor, size)

    return datetime2_n


def _datetimeoffset_n(info: TypeInfo, null: bytes) -> Encoder:
    divisor, size = _time_parts(info)
    prefix = bytes([size + 5])
    pack_offset = struct.Struct("<h").pack
    no_offset = dt.timedelta()

    def datetimeoffset_n(value: object) -> bytes:
        if value is None:
            return null
        if type(value) is not dt.datetime:
            raise TypeError
        offset = value.utcoffset() or no_offset
        utc = value.replace(tzinfo=None) - offset
        return prefix + _datetime_units(utc, divisor, size) + pack_offset(int(offset.total_seconds()) // 60)

    return datetimeoffset_n


def _guid(info: TypeInfo, null: bytes) -> Encoder:
    def guid(value: object) -> bytes:
        if value is None:
            return null
        data: bytes = value.bytes_le  # type: ignore[attr-defined]  # a str: AttributeError, the general path
        return b"\x10" + data

    return guid


def _data(info: TypeInfo) -> Callable[[object], bytes]:
    """A value's bytes as the column carries them: UTF-16LE, code page bytes, or the bytes themselves."""
    if info.type_id in _UNICODE:

        def unicode(value: object) -> bytes:
            if type(value) is not str:
                raise TypeError
            return encode_utf16(value)

        return unicode
    if info.type_id in _TEXT:
        codec = collation_codec(info.collation)

        def text(value: object) -> bytes:
            if type(value) is bytes:
                return value
            if type(value) is not str:
                raise TypeError
            return value.encode(codec, "replace")

        return text

    def binary(value: object) -> bytes:
        if type(value) is not bytes:
            raise TypeError  # bytearray, memoryview ...: the general path converts them
        return value

    return binary


def _ushort(info: TypeInfo, null: bytes) -> Encoder | None:
    """(N)VARCHAR, (N)CHAR, (VAR)BINARY: a u16 length and the data, or PLP for MAX."""
    if info.max_length is None:
        return None
    data_of = _data(info)
    if info.max_length == PLP_MAX:

        def plp(value: object) -> bytes:
            if value is None:
                return null
            data = data_of(value)
            if not data:
                return b"\x00" * 8 + _PLP_TERMINATOR
            length = len(data)
            return _U64(length) + length.to_bytes(4, "little") + data + _PLP_TERMINATOR

        return plp
    limit = info.max_length

    def sized(value: object) -> bytes:
        if value is None:
            return null
        data = data_of(value)
        if len(data) > limit:
            raise TooLong
        return _U16(len(data)) + data

    return sized


_BUILDERS: dict[int, Callable[[TypeInfo, bytes], Encoder | None]] = {
    TypeId.INTN: _int_n,
    TypeId.BITN: _bit_n,
    TypeId.FLTN: _flt_n,
    TypeId.MONEYN: _money_n,
    TypeId.DECIMALN: _decimal_n,
    TypeId.NUMERICN: _decimal_n,
    TypeId.DATETIMN: _datetime_n,
    TypeId.DATEN: _date_n,
    TypeId.TIMEN: _time_n,
    TypeId.DATETIME2N: _datetime2_n,
    TypeId.DATETIMEOFFSETN: _datetimeoffset_n,
    TypeId.GUID: _guid,
    TypeId.NVARCHAR: _ushort,
    TypeId.NCHAR: _ushort,
    TypeId.BIGVARCHR: _ushort,
    TypeId.BIGCHAR: _ushort,
    TypeId.BIGVARBIN: _ushort,
    TypeId.BIGBINARY: _ushort,
}
