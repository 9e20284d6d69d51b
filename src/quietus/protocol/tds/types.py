"""TDS data types (MS-TDS §2.2.5.4–2.2.5.6): TYPE_INFO and values, encoded and decoded.

The server describes a result column with a ``ColumnSpec`` (SQL Server type name, length, precision,
scale); ``column_codec`` turns it into the wire ``TypeInfo`` for the client's TDS version.  RPC
parameters arrive in the same encodings, so every type here also has a decoder.

Policy (tds.md §1.7):
* Result columns always use the nullable N-types (INTN, BITN, FLTN, MONEYN, DATETIMN, DECIMALN/NUMERICN,
  GUID, DATEN, TIMEN, DATETIME2N, DATETIMEOFFSETN), so any value may be NULL.
* Character data is NVARCHAR/NCHAR (UTF-16LE); VARCHAR/CHAR columns go out under the default collation
  SQL_Latin1_General_CP1_CI_AS (code page 1252) and, like SQL Server converting to varchar, a character
  the code page lacks becomes ``?``.
* MAX types are PLP from 7.2; a 7.1 client gets TEXT/NTEXT/IMAGE instead, as SQL Server does.
* DATE/TIME/DATETIME2/DATETIMEOFFSET exist only from 7.3; older clients get them as NVARCHAR strings
  of SQL Server's down-level lengths (10/16/27/34 characters).
* TEXT/NTEXT/IMAGE differ by context: in results TYPE_INFO carries a table name and the value a text
  pointer and timestamp; in RPC parameters neither (``Context.RPC``).

Invariants: decoding never raises anything but ``RemoteProtocolError`` on peer bytes; encoding raises
``LocalProtocolError`` when the server hands a value that does not fit its column.
"""

from __future__ import annotations

import datetime as dt
import decimal
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum, IntEnum, auto
from typing import Final, TypeVar

from quietus.protocol.tds.exceptions import LocalProtocolError, RemoteProtocolError
from quietus.protocol.tds.versions import Traits
from quietus.protocol.tds.wire import (
    F32,
    F64,
    I16,
    I32,
    U16,
    U32,
    U64,
    Reader,
    b_varchar,
    decode_utf16,
    encode_utf16,
    us_varchar,
)
from quietus.ticks import TICKS_PER_SECOND, combine, fraction, with_fraction

# SQL_Latin1_General_CP1_CI_AS: LCID 0x0409, IgnoreCase|IgnoreKana|IgnoreWidth, SortId 52.
DEFAULT_COLLATION = bytes.fromhex("0904D00034")
PLP_MAX: Final = 0xFFFF  # USHORT max length meaning "MAX", values are PLP
PLP_NULL = 0xFFFFFFFFFFFFFFFF
PLP_UNKNOWN = 0xFFFFFFFFFFFFFFFE
TEXT_MAX = 0x7FFFFFFF
NTEXT_MAX = 0x7FFFFFFE
_EPOCH_1900 = dt.datetime(1900, 1, 1)
_DAY_TICKS = 300 * 86400
_F = TypeVar("_F")
# Wide enough for decimal(38) and money: the default context (28 digits) would round them.
_EXACT = decimal.Context(prec=100, Emin=-999, Emax=999)
_TEXTPTR = b"\x10" + b"\xff" * 16 + b"\0" * 8  # length, 16-byte text pointer, 8-byte timestamp


class TypeId(IntEnum):
    NULL = 0x1F
    INT1 = 0x30
    BIT = 0x32
    INT2 = 0x34
    INT4 = 0x38
    DATETIM4 = 0x3A
    FLT4 = 0x3B
    MONEY = 0x3C
    DATETIME = 0x3D
    FLT8 = 0x3E
    MONEY4 = 0x7A
    INT8 = 0x7F
    GUID = 0x24
    INTN = 0x26
    DECIMAL = 0x37
    NUMERIC = 0x3F
    BITN = 0x68
    DECIMALN = 0x6A
    NUMERICN = 0x6C
    FLTN = 0x6D
    MONEYN = 0x6E
    DATETIMN = 0x6F
    DATEN = 0x28
    TIMEN = 0x29
    DATETIME2N = 0x2A
    DATETIMEOFFSETN = 0x2B
    CHAR = 0x2F
    VARCHAR = 0x27
    BINARY = 0x2D
    VARBINARY = 0x25
    BIGVARBIN = 0xA5
    BIGVARCHR = 0xA7
    BIGBINARY = 0xAD
    BIGCHAR = 0xAF
    NVARCHAR = 0xE7
    NCHAR = 0xEF
    XML = 0xF1
    UDT = 0xF0
    TEXT = 0x23
    IMAGE = 0x22
    NTEXT = 0x63
    SSVARIANT = 0x62


class Context(Enum):
    RESULT = auto()  # COLMETADATA / ROW / RETURNVALUE
    RPC = auto()  # RPC parameters: TEXT/NTEXT/IMAGE without table name and text pointer


class Kind(Enum):
    """How a type's TYPE_INFO and value lengths are laid out."""

    FIXED = auto()  # no TYPE_INFO length; value of fixed size
    BYTE = auto()  # TYPE_INFO BYTE max length; value BYTE length, 0 = NULL
    SCALED = auto()  # TYPE_INFO BYTE scale; value BYTE length, 0 = NULL
    DATE = auto()  # no TYPE_INFO length; value BYTE length, 0 = NULL
    USHORT = auto()  # TYPE_INFO USHORT max length (0xFFFF = PLP); value USHORT length, 0xFFFF = NULL
    LONG = auto()  # TEXT/NTEXT/IMAGE
    XML = auto()  # schema info; value PLP
    VARIANT = auto()  # sql_variant: LONG max length; values unsupported
    UDT = auto()  # unsupported


@dataclass(frozen=True, slots=True)
class TypeInfo:
    type_id: int
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    collation: bytes | None = None
    table_name: tuple[str, ...] = ()

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        type_id: int,
        max_length: int | None = None,
        precision: int | None = None,
        scale: int | None = None,
        collation: bytes | None = None,
        table_name: tuple[str, ...] = (),
    ) -> None:
        object.__setattr__(self, "type_id", type_id)
        object.__setattr__(self, "max_length", max_length)
        object.__setattr__(self, "precision", precision)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "collation", collation)
        object.__setattr__(self, "table_name", table_name)

    @property
    def is_plp(self) -> bool:
        return self.type_id == TypeId.XML or (
            KINDS.get(self.type_id) is Kind.USHORT and self.max_length == PLP_MAX
        )


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """A result column as the engine describes it, in SQL Server's own type vocabulary."""

    name: str
    type_name: str
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    nullable: bool = True


# --- the type table ----------------------------------------------------------------------------------

_FIXED_SIZE: Final[dict[int, int]] = {  # keyed by the wire's type byte: an IntEnum member is that int
    TypeId.NULL: 0,
    TypeId.INT1: 1,
    TypeId.BIT: 1,
    TypeId.INT2: 2,
    TypeId.INT4: 4,
    TypeId.DATETIM4: 4,
    TypeId.FLT4: 4,
    TypeId.MONEY: 8,
    TypeId.DATETIME: 8,
    TypeId.FLT8: 8,
    TypeId.MONEY4: 4,
    TypeId.INT8: 8,
}
KINDS: Final[dict[int, Kind]] = {
    **{t: Kind.FIXED for t in _FIXED_SIZE},
    **{
        t: Kind.BYTE
        for t in (
            TypeId.GUID,
            TypeId.INTN,
            TypeId.DECIMAL,
            TypeId.NUMERIC,
            TypeId.BITN,
            TypeId.DECIMALN,
            TypeId.NUMERICN,
            TypeId.FLTN,
            TypeId.MONEYN,
            TypeId.DATETIMN,
            TypeId.CHAR,
            TypeId.VARCHAR,
            TypeId.BINARY,
            TypeId.VARBINARY,
        )
    },
    **{t: Kind.SCALED for t in (TypeId.TIMEN, TypeId.DATETIME2N, TypeId.DATETIMEOFFSETN)},
    TypeId.DATEN: Kind.DATE,
    **{
        t: Kind.USHORT
        for t in (
            TypeId.BIGVARBIN,
            TypeId.BIGVARCHR,
            TypeId.BIGBINARY,
            TypeId.BIGCHAR,
            TypeId.NVARCHAR,
            TypeId.NCHAR,
        )
    },
    **{t: Kind.LONG for t in (TypeId.TEXT, TypeId.NTEXT, TypeId.IMAGE)},
    TypeId.XML: Kind.XML,
    TypeId.SSVARIANT: Kind.VARIANT,
    TypeId.UDT: Kind.UDT,
}
_HAS_COLLATION: Final = frozenset(
    {TypeId.BIGCHAR, TypeId.BIGVARCHR, TypeId.TEXT, TypeId.NTEXT, TypeId.NCHAR, TypeId.NVARCHAR}
)
_DECIMALS: Final = frozenset({TypeId.DECIMAL, TypeId.NUMERIC, TypeId.DECIMALN, TypeId.NUMERICN})
_UNICODE = frozenset({TypeId.NCHAR, TypeId.NVARCHAR, TypeId.NTEXT, TypeId.XML})
_SINGLE_BYTE_TEXT = frozenset({TypeId.CHAR, TypeId.VARCHAR, TypeId.BIGCHAR, TypeId.BIGVARCHR, TypeId.TEXT})
_BINARY = frozenset({TypeId.BINARY, TypeId.VARBINARY, TypeId.BIGBINARY, TypeId.BIGVARBIN, TypeId.IMAGE})
_TIME_BYTES = (3, 3, 3, 4, 4, 5, 5, 5)  # by scale 0..7
_POW10 = (1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000)


def decimal_length(precision: int) -> int:
    """Bytes of a DECIMAL value including the sign byte, by precision (5/9/13/17)."""
    return 5 if precision <= 9 else 9 if precision <= 19 else 13 if precision <= 28 else 17


# --- collations --------------------------------------------------------------------------------------

_SORT_ID_CODEC = {
    **{s: "cp437" for s in range(30, 35)},
    **{s: "cp850" for s in range(40, 50)},
    **{s: "cp1252" for s in (51, 52, 53, 54, 183, 184, 185, 186)},
}
_LANGUAGE_CODEC = {  # primary language id (LCID & 0x3FF) → Windows code page
    **{lang: "cp1250" for lang in (0x05, 0x0E, 0x15, 0x18, 0x1A, 0x1B, 0x1C, 0x24)},
    **{lang: "cp1251" for lang in (0x02, 0x19, 0x22, 0x23)},
    0x08: "cp1253",
    0x1F: "cp1254",
    0x0D: "cp1255",
    0x01: "cp1256",
    **{lang: "cp1257" for lang in (0x25, 0x26, 0x27)},
    0x2A: "cp1258",
    0x1E: "cp874",
    0x11: "cp932",
    0x12: "cp949",
}
_CHINESE_CODEC = {0x0804: "cp936", 0x1004: "cp936", 0x0404: "cp950", 0x0C04: "cp950", 0x1404: "cp950"}


def collation_codec(collation: bytes | None) -> str:
    """The Python codec for single-byte character data under ``collation`` (cp1252 when unknown)."""
    if not collation or len(collation) != 5:
        return "cp1252"
    info = int.from_bytes(collation[:4], "little")
    if info & (1 << 26):  # fUTF8
        return "utf-8"
    if collation[4] in _SORT_ID_CODEC:
        return _SORT_ID_CODEC[collation[4]]
    lcid = info & 0xFFFFF
    return _CHINESE_CODEC.get(lcid) or _LANGUAGE_CODEC.get(lcid & 0x3FF, "cp1252")


# --- TYPE_INFO ---------------------------------------------------------------------------------------


def read_type_info(reader: Reader, traits: Traits, context: Context = Context.RESULT) -> TypeInfo:
    type_id = reader.u8()
    kind = KINDS.get(type_id)
    if kind is None:
        raise RemoteProtocolError(f"unknown data type 0x{type_id:02X}")
    if kind is Kind.FIXED:
        return TypeInfo(type_id, _FIXED_SIZE[type_id])
    if kind is Kind.DATE:
        return TypeInfo(type_id)
    if kind is Kind.SCALED:
        scale = reader.u8()
        if scale > 7:
            raise RemoteProtocolError(f"time scale {scale} above 7")
        return TypeInfo(type_id, scale=scale)
    if kind is Kind.BYTE:
        length = reader.u8()
        if type_id in _DECIMALS:
            precision, scale = reader.u8(), reader.u8()
            if not 1 <= precision <= 38 or scale > precision:
                raise RemoteProtocolError(f"decimal precision/scale {precision},{scale} out of range")
            return TypeInfo(type_id, length, precision, scale)
        return TypeInfo(type_id, length)
    if kind is Kind.USHORT:
        length = reader.u16()
        return TypeInfo(type_id, length, collation=reader.take(5) if type_id in _HAS_COLLATION else None)
    if kind is Kind.LONG:
        length = reader.u32()
        collation = reader.take(5) if type_id in _HAS_COLLATION else None
        table: tuple[str, ...] = ()
        if context is Context.RESULT:
            if traits.wide_fields:
                table = tuple(reader.us_varchar() for _ in range(reader.u8()))
            else:
                table = (reader.us_varchar(),)
        return TypeInfo(type_id, length, collation=collation, table_name=table)
    if kind is Kind.XML:
        if reader.u8():
            schema = (reader.b_varchar(), reader.b_varchar(), reader.us_varchar())
            return TypeInfo(type_id, table_name=schema)
        return TypeInfo(type_id)
    if kind is Kind.VARIANT:
        return TypeInfo(type_id, reader.u32())
    raise RemoteProtocolError("CLR UDT parameters and columns are not supported")


def encode_type_info(info: TypeInfo, traits: Traits, context: Context = Context.RESULT) -> bytes:
    kind = KINDS[info.type_id]
    head = bytes([info.type_id])
    if kind in (Kind.FIXED, Kind.DATE):
        return head
    if kind is Kind.SCALED:
        return head + bytes([_scale(info)])
    if kind is Kind.BYTE:
        out = head + bytes([_need(info.max_length, "max_length")])
        if info.type_id in _DECIMALS:
            out += bytes([_need(info.precision, "precision"), _need(info.scale, "scale")])
        return out
    collation = (info.collation or DEFAULT_COLLATION) if info.type_id in _HAS_COLLATION else b""
    if kind is Kind.USHORT:
        return head + U16.pack(_need(info.max_length, "max_length")) + collation
    if kind is Kind.LONG:
        out = head + U32.pack(_need(info.max_length, "max_length")) + collation
        if context is Context.RESULT:
            if traits.wide_fields:
                out += bytes([len(info.table_name)]) + b"".join(us_varchar(p) for p in info.table_name)
            else:
                out += us_varchar(".".join(info.table_name))
        return out
    if kind is Kind.XML:
        if info.table_name:
            db, owner, collection = info.table_name
            return head + b"\x01" + b_varchar(db) + b_varchar(owner) + us_varchar(collection)
        return head + b"\x00"
    raise LocalProtocolError(f"cannot encode TYPE_INFO for type 0x{info.type_id:02X}")


def _need(value: int | None, what: str) -> int:
    if value is None:
        raise LocalProtocolError(f"TYPE_INFO needs {what}")
    return value


def _scale(info: TypeInfo) -> int:
    return 7 if info.scale is None else info.scale


# --- values: decoding --------------------------------------------------------------------------------


def read_value(reader: Reader, info: TypeInfo, context: Context = Context.RESULT) -> object:
    """One value laid out as ``info`` says; ``None`` for NULL."""
    data = read_value_bytes(reader, info, context)
    if data is None:
        return None
    try:
        return _DECODERS[info.type_id](data, info)
    except (ValueError, OverflowError, struct.error, InvalidOperation) as exc:
        raise RemoteProtocolError(f"bad {TypeId(info.type_id).name} value: {exc}") from None


def read_value_bytes(reader: Reader, info: TypeInfo, context: Context) -> bytes | None:
    kind = KINDS[info.type_id]
    if kind is Kind.FIXED:
        return None if info.type_id == TypeId.NULL else reader.take(_FIXED_SIZE[info.type_id])
    if kind in (Kind.BYTE, Kind.SCALED, Kind.DATE):
        length = reader.u8()
        return None if length == 0 else reader.take(length)
    if info.is_plp:
        return read_plp(reader)
    if kind is Kind.USHORT:
        length = reader.u16()
        return None if length == 0xFFFF else reader.take(length)
    if kind is Kind.LONG:
        if context is Context.RESULT:
            pointer = reader.u8()
            if pointer == 0:
                return None
            reader.take(pointer + 8)  # text pointer + timestamp
            return reader.take(reader.u32())
        length = reader.u32()
        return None if length == 0xFFFFFFFF else reader.take(length)
    raise RemoteProtocolError(f"values of type 0x{info.type_id:02X} are not supported")


def read_plp(reader: Reader) -> bytes | None:
    total = reader.u64()
    if total == PLP_NULL:
        return None
    chunks = []
    while chunk_length := reader.u32():
        chunks.append(reader.take(chunk_length))
    data = b"".join(chunks)
    if total != PLP_UNKNOWN and total != len(data):
        raise RemoteProtocolError(f"PLP value announced {total} bytes but carried {len(data)}")
    return data


def _expect(data: bytes, sizes: tuple[int, ...], what: str) -> None:
    if len(data) not in sizes:
        raise RemoteProtocolError(f"{what} value of {len(data)} bytes")


def _int(data: bytes, info: TypeInfo) -> int:
    _expect(data, (1, 2, 4, 8), "integer")
    return int.from_bytes(data, "little", signed=len(data) != 1)  # 1 byte = tinyint, unsigned


def _bit(data: bytes, info: TypeInfo) -> bool:
    _expect(data, (1,), "bit")
    return data != b"\0"


def _float(data: bytes, info: TypeInfo) -> float:
    _expect(data, (4, 8), "float")
    value: float = (F32 if len(data) == 4 else F64).unpack(data)[0]
    return value


def _money(data: bytes, info: TypeInfo) -> Decimal:
    _expect(data, (4, 8), "money")
    if len(data) == 4:
        units: int = I32.unpack(data)[0]
    else:
        high, low = struct.unpack("<iI", data)
        units = (high << 32) | low
    return Decimal(units).scaleb(-4, _EXACT)


def _datetime(data: bytes, info: TypeInfo) -> dt.datetime:
    _expect(data, (4, 8), "datetime")
    if len(data) == 4:
        days, minutes = struct.unpack("<HH", data)
        return _EPOCH_1900 + dt.timedelta(days=days, minutes=minutes)
    days, ticks = struct.unpack("<iI", data)
    return _EPOCH_1900 + dt.timedelta(days=days, microseconds=(ticks * 10000 + 1) // 3)


def _decimal(data: bytes, info: TypeInfo) -> Decimal:
    if len(data) < 2:
        raise RemoteProtocolError(f"decimal value of {len(data)} bytes")
    magnitude = int.from_bytes(data[1:], "little")
    return Decimal(magnitude if data[0] else -magnitude).scaleb(-(info.scale or 0), _EXACT)


def _guid(data: bytes, info: TypeInfo) -> uuid.UUID:
    _expect(data, (16,), "uniqueidentifier")
    return uuid.UUID(bytes_le=data)


def _date_part(data: bytes) -> dt.date:
    return dt.date.fromordinal(int.from_bytes(data, "little") + 1)


def _time_part(data: bytes, scale: int) -> dt.time:
    """Units of 10^-scale s since midnight, exact to the 100 ns tick (a seventh digit rides in ``quietus.ticks``)."""
    _expect(data, (_TIME_BYTES[scale],), "time")
    units = int.from_bytes(data, "little") * _POW10[7 - scale]
    seconds, fraction = divmod(units, TICKS_PER_SECOND)
    hours, rest = divmod(seconds, 3600)
    if hours > 23:
        raise RemoteProtocolError(f"time value of {units} ticks is past midnight")
    clock = dt.time(hours, rest // 60, rest % 60, fraction // 10)
    return with_fraction(clock, fraction) if fraction % 10 else clock


def _date(data: bytes, info: TypeInfo) -> dt.date:
    _expect(data, (3,), "date")
    return _date_part(data)


def _time(data: bytes, info: TypeInfo) -> dt.time:
    return _time_part(data, _scale(info))


def _datetime2(data: bytes, info: TypeInfo) -> dt.datetime:
    return combine(_date_part(data[-3:]), _time_part(data[:-3], _scale(info)))


def _datetimeoffset(data: bytes, info: TypeInfo) -> dt.datetime:
    utc = _datetime2(data[:-2], info)
    offset = dt.timedelta(minutes=I16.unpack(data[-2:])[0])
    return (utc + offset).replace(tzinfo=dt.timezone(offset))


def _single_byte_text(data: bytes, info: TypeInfo) -> str:
    return data.decode(collation_codec(info.collation), "replace")


def _unicode_text(data: bytes, info: TypeInfo) -> str:
    return decode_utf16(data)


def _binary(data: bytes, info: TypeInfo) -> bytes:
    return bytes(data)


def _by_family(families: dict[tuple[int, ...], _F]) -> dict[int, _F]:
    return {t: fn for types, fn in families.items() for t in types}


_DECODERS: Final[dict[int, Callable[[bytes, TypeInfo], object]]] = _by_family(
    {
        (TypeId.INT1, TypeId.INT2, TypeId.INT4, TypeId.INT8, TypeId.INTN): _int,
        (TypeId.BIT, TypeId.BITN): _bit,
        (TypeId.FLT4, TypeId.FLT8, TypeId.FLTN): _float,
        (TypeId.MONEY, TypeId.MONEY4, TypeId.MONEYN): _money,
        (TypeId.DATETIME, TypeId.DATETIM4, TypeId.DATETIMN): _datetime,
        tuple(_DECIMALS): _decimal,
        (TypeId.GUID,): _guid,
        (TypeId.DATEN,): _date,
        (TypeId.TIMEN,): _time,
        (TypeId.DATETIME2N,): _datetime2,
        (TypeId.DATETIMEOFFSETN,): _datetimeoffset,
        tuple(_SINGLE_BYTE_TEXT): _single_byte_text,
        tuple(_UNICODE): _unicode_text,
        tuple(_BINARY): _binary,
    }
)


# --- values: encoding --------------------------------------------------------------------------------


def encode_value(info: TypeInfo, value: object, context: Context = Context.RESULT) -> bytes:
    """``value`` with its length prefix as ``info`` lays it out (NULL for ``None``)."""
    kind = KINDS[info.type_id]
    if value is None:
        return _null(info, kind, context)
    try:
        data = _ENCODERS[info.type_id](value, info)
    except (ValueError, OverflowError, struct.error) as exc:
        raise LocalProtocolError(f"cannot encode {value!r} as {TypeId(info.type_id).name}: {exc}") from None
    if kind is Kind.FIXED:
        return data
    if kind in (Kind.BYTE, Kind.SCALED, Kind.DATE):
        return bytes([len(data)]) + data
    if info.is_plp:
        return encode_plp(data)
    if kind is Kind.USHORT:
        if len(data) > _need(info.max_length, "max_length"):
            raise LocalProtocolError(f"value of {len(data)} bytes exceeds the column's {info.max_length}")
        return U16.pack(len(data)) + data
    if kind is Kind.LONG:
        prefix = _TEXTPTR if context is Context.RESULT else b""
        return prefix + U32.pack(len(data)) + data
    raise LocalProtocolError(f"cannot encode values of type 0x{info.type_id:02X}")


def _null(info: TypeInfo, kind: Kind, context: Context) -> bytes:
    if info.is_plp:
        return U64.pack(PLP_NULL)
    if kind is Kind.USHORT:
        return b"\xff\xff"
    if kind is Kind.LONG:
        return b"\0" if context is Context.RESULT else b"\xff\xff\xff\xff"
    if kind is Kind.FIXED and info.type_id != TypeId.NULL:
        raise LocalProtocolError(f"fixed-length type {TypeId(info.type_id).name} cannot carry NULL")
    return b"" if kind is Kind.FIXED else b"\0"


def encode_plp(data: bytes) -> bytes:
    body = U32.pack(len(data)) + data if data else b""
    return U64.pack(len(data)) + body + U32.pack(0)


def _check(value: object, types: type | tuple[type, ...], info: TypeInfo) -> None:
    if not isinstance(value, types):
        raise LocalProtocolError(f"{type(value).__name__} value for a {TypeId(info.type_id).name} column")


_INT_RANGE = {1: (0, 255), 2: (-(2**15), 2**15 - 1), 4: (-(2**31), 2**31 - 1), 8: (-(2**63), 2**63 - 1)}


def _enc_int(value: object, info: TypeInfo) -> bytes:
    _check(value, int, info)
    assert isinstance(value, int)
    size = info.max_length if info.type_id == TypeId.INTN else _FIXED_SIZE[info.type_id]
    width = _need(size, "max_length")
    low, high = _INT_RANGE[width]
    if not low <= value <= high:
        raise LocalProtocolError(f"{value} does not fit a {width}-byte integer")
    return int(value).to_bytes(width, "little", signed=width != 1)


def _enc_bit(value: object, info: TypeInfo) -> bytes:
    _check(value, int, info)
    return b"\x01" if value else b"\x00"


def _enc_float(value: object, info: TypeInfo) -> bytes:
    _check(value, (int, float, Decimal), info)
    size = info.max_length if info.type_id == TypeId.FLTN else _FIXED_SIZE[info.type_id]
    return (F32 if size == 4 else F64).pack(float(value))  # type: ignore[arg-type]


def _scaled(value: object, scale: int, info: TypeInfo) -> int:
    _check(value, (int, Decimal, float), info)
    assert isinstance(value, int | Decimal | float)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise LocalProtocolError(f"{number} is not a finite number")
    return int(number.scaleb(scale, _EXACT).to_integral_value(ROUND_HALF_UP, _EXACT))


def _enc_money(value: object, info: TypeInfo) -> bytes:
    units = _scaled(value, 4, info)
    size = info.max_length if info.type_id == TypeId.MONEYN else _FIXED_SIZE[info.type_id]
    if size == 4:
        if not -(2**31) <= units < 2**31:
            raise LocalProtocolError(f"{value} does not fit smallmoney")
        return I32.pack(units)
    if not -(2**63) <= units < 2**63:
        raise LocalProtocolError(f"{value} does not fit money")
    return struct.pack("<iI", units >> 32, units & 0xFFFFFFFF)


def _enc_decimal(value: object, info: TypeInfo) -> bytes:
    precision = _need(info.precision, "precision")
    units = _scaled(value, _need(info.scale, "scale"), info)
    if abs(units) >= 10**precision:
        raise LocalProtocolError(f"{value} does not fit decimal({precision},{info.scale})")
    size = (info.max_length or decimal_length(precision)) - 1
    return (b"\x01" if units >= 0 else b"\x00") + abs(units).to_bytes(size, "little")


def _as_datetime(value: object, info: TypeInfo) -> dt.datetime:
    _check(value, dt.date, info)
    if isinstance(value, dt.datetime):
        return value
    assert isinstance(value, dt.date)
    return dt.datetime.combine(value, dt.time())


def _enc_datetime(value: object, info: TypeInfo) -> bytes:
    moment = _as_datetime(value, info).replace(tzinfo=None)
    delta = moment - _EPOCH_1900
    size = info.max_length if info.type_id == TypeId.DATETIMN else _FIXED_SIZE[info.type_id]
    micros = delta.seconds * 10**6 + delta.microseconds
    if size == 4:
        minutes = (micros + 30 * 10**6) // (60 * 10**6)  # to the nearest minute
        days, minutes = delta.days + minutes // 1440, minutes % 1440
        if not 0 <= days <= 0xFFFF:
            raise LocalProtocolError(f"{value} is outside smalldatetime's range")
        return struct.pack("<HH", days, minutes)
    ticks = (micros * 3 + 5000) // 10000  # to the nearest 1/300 s
    days = delta.days + ticks // _DAY_TICKS
    return struct.pack("<iI", days, ticks % _DAY_TICKS)


def _enc_guid(value: object, info: TypeInfo) -> bytes:
    _check(value, (uuid.UUID, str), info)
    guid = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    data: bytes = guid.bytes_le
    return data


def _time_units(moment: dt.time, scale: int) -> bytes:
    units = ((moment.hour * 60 + moment.minute) * 60 + moment.second) * TICKS_PER_SECOND + fraction(moment)
    return (units // _POW10[7 - scale]).to_bytes(_TIME_BYTES[scale], "little")


def _date_units(day: dt.date) -> bytes:
    return (day.toordinal() - 1).to_bytes(3, "little")


def _enc_date(value: object, info: TypeInfo) -> bytes:
    _check(value, dt.date, info)
    assert isinstance(value, dt.date)
    return _date_units(value.date() if isinstance(value, dt.datetime) else value)


def _enc_time(value: object, info: TypeInfo) -> bytes:
    _check(value, (dt.time, dt.datetime), info)
    moment = value.time() if isinstance(value, dt.datetime) else value
    assert isinstance(moment, dt.time)
    return _time_units(moment, _scale(info))


def _enc_datetime2(value: object, info: TypeInfo) -> bytes:
    moment = _as_datetime(value, info)
    return _time_units(moment.time(), _scale(info)) + _date_units(moment.date())


def _enc_datetimeoffset(value: object, info: TypeInfo) -> bytes:
    moment = _as_datetime(value, info)
    offset = moment.utcoffset() or dt.timedelta()
    utc = moment.replace(tzinfo=None) - offset
    return _enc_datetime2(utc, info) + I16.pack(int(offset.total_seconds()) // 60)


def _enc_single_byte_text(value: object, info: TypeInfo) -> bytes:
    _check(value, (str, bytes), info)
    if isinstance(value, bytes):
        return value
    assert isinstance(value, str)
    return value.encode(collation_codec(info.collation), "replace")


def _enc_unicode_text(value: object, info: TypeInfo) -> bytes:
    _check(value, str, info)
    assert isinstance(value, str)
    return encode_utf16(value)


def _enc_binary(value: object, info: TypeInfo) -> bytes:
    _check(value, (bytes, bytearray, memoryview), info)
    assert isinstance(value, bytes | bytearray | memoryview)
    return bytes(value)


_ENCODERS: dict[int, Callable[[object, TypeInfo], bytes]] = _by_family(
    {
        (TypeId.INT1, TypeId.INT2, TypeId.INT4, TypeId.INT8, TypeId.INTN): _enc_int,
        (TypeId.BIT, TypeId.BITN): _enc_bit,
        (TypeId.FLT4, TypeId.FLT8, TypeId.FLTN): _enc_float,
        (TypeId.MONEY, TypeId.MONEY4, TypeId.MONEYN): _enc_money,
        (TypeId.DATETIME, TypeId.DATETIM4, TypeId.DATETIMN): _enc_datetime,
        tuple(_DECIMALS): _enc_decimal,
        (TypeId.GUID,): _enc_guid,
        (TypeId.DATEN,): _enc_date,
        (TypeId.TIMEN,): _enc_time,
        (TypeId.DATETIME2N,): _enc_datetime2,
        (TypeId.DATETIMEOFFSETN,): _enc_datetimeoffset,
        tuple(_SINGLE_BYTE_TEXT): _enc_single_byte_text,
        tuple(_UNICODE): _enc_unicode_text,
        tuple(_BINARY): _enc_binary,
    }
)
