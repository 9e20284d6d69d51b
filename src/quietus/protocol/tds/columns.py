"""Result columns: from the engine's ``ColumnSpec`` (SQL Server type names) to the wire ``TypeInfo``.

The mapping is a table per type family; what a client of a given TDS version can read decides the
wire type (see the policy in ``types``).  ``ColumnCodec.encode`` applies the down-level adaptation
(e.g. a ``datetime.date`` becomes ``'2024-01-31'`` for a 7.1 client) before encoding.

| type_name                          | 7.3+ wire type                  | below 7.3                  |
|------------------------------------|---------------------------------|----------------------------|
| int bigint smallint tinyint        | INTN 4/8/2/1                    | same                       |
| bit                                | BITN 1                          | same                       |
| decimal numeric (p default 18)     | DECIMALN / NUMERICN             | same                       |
| float (precision ≤ 24 → 4) real    | FLTN 8 / 4                      | same                       |
| money smallmoney                   | MONEYN 8 / 4                    | same                       |
| datetime smalldatetime             | DATETIMN 8 / 4                  | same                       |
| uniqueidentifier                   | GUID 16                         | same                       |
| char varchar nchar nvarchar        | BIGCHAR BIGVARCHR NCHAR NVARCHAR | MAX → TEXT / NTEXT (7.1)  |
| binary varbinary                   | BIGBINARY BIGVARBIN             | MAX → IMAGE (7.1)          |
| date time datetime2 datetimeoffset | DATEN TIMEN DATETIME2N DTOFFSETN | NVARCHAR(10/16/27/34)     |

Length ``None`` on varchar/nvarchar/varbinary means MAX (PLP from 7.2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from quietus.protocol.tds.exceptions import LocalProtocolError
from quietus.protocol.tds.fast_encoders import FAST_MISS, fast_encoder
from quietus.protocol.tds.types import (
    DEFAULT_COLLATION,
    NTEXT_MAX,
    PLP_MAX,
    TEXT_MAX,
    ColumnSpec,
    Context,
    TypeId,
    TypeInfo,
    decimal_length,
    encode_value,
)
from quietus.protocol.tds.versions import Traits
from quietus.ticks import fraction

Adapter = Callable[[object], object]


@dataclass(frozen=True, slots=True)
class ColumnCodec:
    spec: ColumnSpec
    info: TypeInfo
    adapt: Adapter | None = None
    fast: Callable[[object], bytes] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.adapt is None:
            object.__setattr__(self, "fast", fast_encoder(self.info))

    def encode(self, value: object, context: Context = Context.RESULT) -> bytes:
        fast = self.fast
        if fast is not None and context is Context.RESULT:
            try:
                return fast(value)
            except FAST_MISS:
                pass  # the general encoder gives the precise error (or handles the unusual value)
        if value is not None and self.adapt is not None:
            value = self.adapt(value)
        return encode_value(self.info, value, context)


_SIMPLE = {
    "int": TypeInfo(TypeId.INTN, 4),
    "bigint": TypeInfo(TypeId.INTN, 8),
    "smallint": TypeInfo(TypeId.INTN, 2),
    "tinyint": TypeInfo(TypeId.INTN, 1),
    "bit": TypeInfo(TypeId.BITN, 1),
    "real": TypeInfo(TypeId.FLTN, 4),
    "money": TypeInfo(TypeId.MONEYN, 8),
    "smallmoney": TypeInfo(TypeId.MONEYN, 4),
    "datetime": TypeInfo(TypeId.DATETIMN, 8),
    "smalldatetime": TypeInfo(TypeId.DATETIMN, 4),
    "uniqueidentifier": TypeInfo(TypeId.GUID, 16),
}

# type_name → (wire type, bytes per unit of length, largest length, fixed width, 7.1 stand-in for MAX)
_SIZED: dict[str, tuple[TypeId, int, int, bool, tuple[TypeId, int] | None]] = {
    "char": (TypeId.BIGCHAR, 1, 8000, True, None),
    "varchar": (TypeId.BIGVARCHR, 1, 8000, False, (TypeId.TEXT, TEXT_MAX)),
    "nchar": (TypeId.NCHAR, 2, 4000, True, None),
    "nvarchar": (TypeId.NVARCHAR, 2, 4000, False, (TypeId.NTEXT, NTEXT_MAX)),
    "binary": (TypeId.BIGBINARY, 1, 8000, True, None),
    "varbinary": (TypeId.BIGVARBIN, 1, 8000, False, (TypeId.IMAGE, TEXT_MAX)),
}
_COLLATED = frozenset(
    {TypeId.BIGCHAR, TypeId.BIGVARCHR, TypeId.NCHAR, TypeId.NVARCHAR, TypeId.TEXT, TypeId.NTEXT}
)


def _fraction(moment: dt.time, scale: int) -> str:
    return "." + f"{fraction(moment):07d}"[:scale] if scale else ""


def _as_time(value: object) -> dt.time:
    return value.time() if isinstance(value, dt.datetime) else value  # type: ignore[return-value]


def _as_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raise LocalProtocolError(f"{type(value).__name__} value for a date/time column")


def _time_text(value: object, scale: int) -> str:
    moment = _as_time(value)
    if not isinstance(moment, dt.time):
        raise LocalProtocolError(f"{type(value).__name__} value for a time column")
    return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{_fraction(moment, scale)}"


def _date_text(value: object, scale: int) -> str:
    return _as_datetime(value).date().isoformat()


def _datetime2_text(value: object, scale: int) -> str:
    moment = _as_datetime(value)
    return f"{moment.date().isoformat()} {_time_text(moment, scale)}"


def _datetimeoffset_text(value: object, scale: int) -> str:
    moment = _as_datetime(value)
    minutes = int((moment.utcoffset() or dt.timedelta()).total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{_datetime2_text(moment, scale)} {sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# type_name → (7.3+ wire type, down-level NVARCHAR length in characters, down-level text)
_TEMPORAL: dict[str, tuple[TypeId, int, Callable[[object, int], str]]] = {
    "date": (TypeId.DATEN, 10, _date_text),
    "time": (TypeId.TIMEN, 16, _time_text),
    "datetime2": (TypeId.DATETIME2N, 27, _datetime2_text),
    "datetimeoffset": (TypeId.DATETIMEOFFSETN, 34, _datetimeoffset_text),
}


def column_codec(spec: ColumnSpec, traits: Traits) -> ColumnCodec:
    """The wire form of ``spec`` for a client with ``traits``; LocalProtocolError for unknown types."""
    name = spec.type_name.lower()
    if name in _SIMPLE:
        return ColumnCodec(spec, _SIMPLE[name])
    if name == "float":
        size = 4 if spec.precision is not None and spec.precision <= 24 else 8
        return ColumnCodec(spec, TypeInfo(TypeId.FLTN, size))
    if name in ("decimal", "numeric"):
        precision = 18 if spec.precision is None else spec.precision
        scale = 0 if spec.scale is None else spec.scale
        if not 1 <= precision <= 38 or not 0 <= scale <= precision:
            raise LocalProtocolError(f"{name}({precision},{scale}) is not a valid type")
        type_id = TypeId.DECIMALN if name == "decimal" else TypeId.NUMERICN
        return ColumnCodec(spec, TypeInfo(type_id, decimal_length(precision), precision, scale))
    if name in _SIZED:
        return _sized(spec, name, traits)
    if name == "xml":  # UTF-16 text as PLP (TDS 7.2+); older clients get NTEXT, as SQL Server sends them
        if traits.plp:
            return ColumnCodec(spec, TypeInfo(TypeId.XML))
        return ColumnCodec(spec, TypeInfo(TypeId.NTEXT, NTEXT_MAX, collation=DEFAULT_COLLATION, table_name=("",)))
    if name in _TEMPORAL:
        type_id, chars, text = _TEMPORAL[name]
        scale = 7 if spec.scale is None else spec.scale
        if not 0 <= scale <= 7:
            raise LocalProtocolError(f"{name}({scale}) is not a valid type")
        if traits.datetime_types:
            return ColumnCodec(spec, TypeInfo(type_id, scale=None if type_id == TypeId.DATEN else scale))
        info = TypeInfo(TypeId.NVARCHAR, 2 * chars, collation=DEFAULT_COLLATION)
        return ColumnCodec(spec, info, lambda value: text(value, scale))
    raise LocalProtocolError(f"no TDS encoding for column type {spec.type_name!r}")


def _sized(spec: ColumnSpec, name: str, traits: Traits) -> ColumnCodec:
    type_id, unit, largest, fixed, legacy_max = _SIZED[name]
    collation = DEFAULT_COLLATION if type_id in _COLLATED else None
    if spec.length is None and not fixed:
        if traits.plp:
            return ColumnCodec(spec, TypeInfo(type_id, PLP_MAX, collation=collation))
        assert legacy_max is not None
        legacy, length = legacy_max
        return ColumnCodec(spec, TypeInfo(legacy, length, collation=collation, table_name=("",)))
    length = max(1, 1 if spec.length is None else spec.length)
    if length > largest:
        raise LocalProtocolError(f"{name}({length}) exceeds {largest}; use length None for MAX")
    return ColumnCodec(spec, TypeInfo(type_id, unit * length, collation=collation))
