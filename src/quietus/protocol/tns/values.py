"""Oracle wire encodings of values (tns.md §5): NUMBER, DATE, TIMESTAMP, BINARY_DOUBLE, strings, RAW.

Each encoder returns the value's bytes (the caller wraps them as "bytes with length"); each decoder takes them.
"""

from __future__ import annotations

import datetime
import decimal
import struct
from collections.abc import Callable
from decimal import Decimal

from quietus.ticks import add_ticks, fraction

# Oracle type numbers (tns.md §5.1)
VARCHAR = 1
NUMBER = 2
BINARY_INTEGER = 3
LONG = 8
ROWID = 11
DATE = 12
RAW = 23
LONG_RAW = 24
CHAR = 96
BINARY_FLOAT = 100
BINARY_DOUBLE = 101
CLOB = 112
BLOB = 113
TIMESTAMP = 180
TIMESTAMP_TZ = 181
INTERVAL_DS = 183
TIMESTAMP_LTZ = 231
BOOLEAN = 252

CSFRM_NONE = 0
CSFRM_IMPLICIT = 1  # UTF-8 (AL32UTF8, charset 873)
CSFRM_NCHAR = 2  # UTF-16 big-endian (AL16UTF16, charset 2000)
CHARSET_UTF8 = 873
CHARSET_UTF16 = 2000

NUMBER_MAX_DIGITS = 40


class UnsupportedValue(ValueError):
    """A value or type the codec does not encode or decode."""


def encode_number(value: int | float | Decimal) -> bytes:
    """Base-100 NUMBER: exponent byte, then digit pairs (+1 positive, 101 - d negative, 102 terminator)."""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise UnsupportedValue(f"{value} has no NUMBER encoding")
        value = Decimal(repr(value))
    number = Decimal(value)
    if not number.is_finite():
        raise UnsupportedValue(f"{value} has no NUMBER encoding")
    if number.is_zero():
        return b"\x80"
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).lstrip("0")
    # the value is 0.<text> * 10**point
    point = len(digits) + exponent
    text = text.rstrip("0")
    if (point % 2) != 0:  # align to base 100: one leading zero digit
        text = "0" + text
        point += 1
    if len(text) % 2:
        text += "0"
    pairs = [int(text[i : i + 2]) for i in range(0, len(text), 2)]
    while pairs and pairs[0] == 0:
        pairs.pop(0)
        point -= 2
    while pairs and pairs[-1] == 0:
        pairs.pop()
    pairs = pairs[:20]
    exponent100 = point // 2
    if exponent100 > 62 or exponent100 < -65:
        raise UnsupportedValue(f"{value} is out of NUMBER's range")
    if not sign:
        return bytes([0xC0 + exponent100]) + bytes(d + 1 for d in pairs)
    head = ~(0xC0 + exponent100) & 0xFF
    body = bytes(101 - d for d in pairs)
    tail = b"\x66" if len(pairs) < 20 else b""
    return bytes([head]) + body + tail


def decode_number(data: bytes) -> int | Decimal:
    """A NUMBER's bytes to an int (when integral) or a Decimal."""
    if not data:
        raise UnsupportedValue("an empty NUMBER")
    head = data[0]
    if head == 0x80:
        return 0
    positive = bool(head & 0x80)
    if positive:
        exponent100 = head - 0xC0
        digits = [b - 1 for b in data[1:]]
    else:
        exponent100 = (~head & 0xFF) - 0xC0
        body = data[1:]
        if body and body[-1] == 102:
            body = body[:-1]
        digits = [101 - b for b in body]
    if any(not 0 <= d <= 99 for d in digits):
        raise UnsupportedValue(f"malformed NUMBER {data.hex()}")
    text = "".join(f"{d:02d}" for d in digits) or "0"
    with decimal.localcontext() as context:
        context.prec = 2 * NUMBER_MAX_DIGITS  # exact: a NUMBER holds at most 40 digits
        result = Decimal(f"{'' if positive else '-'}0.{text}").scaleb(2 * exponent100)
        if result == result.to_integral_value():
            return int(result)
        return result.normalize()


def encode_date(value: datetime.date) -> bytes:
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    return bytes(
        [
            value.year // 100 + 100,
            value.year % 100 + 100,
            value.month,
            value.day,
            value.hour + 1,
            value.minute + 1,
            value.second + 1,
        ]
    )


def encode_timestamp(value: datetime.datetime) -> bytes:
    date = encode_date(value)
    units = fraction(value)
    if units == 0:
        return date
    return date + struct.pack(">I", units * 100)


def decode_datetime(data: bytes) -> datetime.datetime:
    """DATE (7 bytes) or TIMESTAMP (11, or 13 with a zone offset that is dropped)."""
    if len(data) < 7:
        raise UnsupportedValue(f"a DATE of {len(data)} bytes")
    year = (data[0] - 100) * 100 + data[1] - 100
    nanoseconds = struct.unpack(">I", data[7:11])[0] if len(data) >= 11 else 0
    moment = datetime.datetime(year, data[2], data[3], data[4] - 1, data[5] - 1, data[6] - 1)
    return add_ticks(moment, (nanoseconds + 50) // 100)  # to 100 ns: the 8th and 9th digits round half up


def encode_binary_double(value: float) -> bytes:
    data = bytearray(struct.pack(">d", value))
    if data[0] & 0x80:
        return bytes(b ^ 0xFF for b in data)
    data[0] |= 0x80
    return bytes(data)


def decode_binary_double(data: bytes) -> float:
    raw = bytearray(data)
    if raw[0] & 0x80:
        raw[0] &= 0x7F
    else:
        raw = bytearray(b ^ 0xFF for b in raw)
    return float(struct.unpack(">d", bytes(raw))[0])


def decode_binary_float(data: bytes) -> float:
    raw = bytearray(data)
    if raw[0] & 0x80:
        raw[0] &= 0x7F
    else:
        raw = bytearray(b ^ 0xFF for b in raw)
    return float(struct.unpack(">f", bytes(raw))[0])


def encode_string(value: str, csfrm: int) -> bytes:
    return value.encode("utf-16-be" if csfrm == CSFRM_NCHAR else "utf-8")


def decode_string(data: bytes, csfrm: int) -> str:
    return data.decode("utf-16-be" if csfrm == CSFRM_NCHAR else "utf-8")


def decode_bind(type_number: int, csfrm: int, data: bytes | None) -> object:
    """A bind value from its wire bytes (None for NULL), as the Python object run_batch receives."""
    if data is None:
        return None
    decoder: Callable[[bytes, int], object] | None = BIND_DECODERS.get(type_number)
    if decoder is None:
        raise UnsupportedValue(f"binds of Oracle type {type_number} are not supported")
    return decoder(data, csfrm)


BIND_DECODERS: dict[int, Callable[[bytes, int], object]] = {
    VARCHAR: decode_string,
    CHAR: decode_string,
    LONG: decode_string,
    NUMBER: lambda data, _csfrm: decode_number(data),
    DATE: lambda data, _csfrm: decode_datetime(data),
    TIMESTAMP: lambda data, _csfrm: decode_datetime(data),
    TIMESTAMP_TZ: lambda data, _csfrm: decode_datetime(data),
    TIMESTAMP_LTZ: lambda data, _csfrm: decode_datetime(data),
    RAW: lambda data, _csfrm: bytes(data),
    LONG_RAW: lambda data, _csfrm: bytes(data),
    BINARY_DOUBLE: lambda data, _csfrm: decode_binary_double(data),
    BINARY_FLOAT: lambda data, _csfrm: decode_binary_float(data),
    BOOLEAN: lambda data, _csfrm: data[-1:] == b"\x01",
}
