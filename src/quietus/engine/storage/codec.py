"""Row values to MessagePack-friendly lists and back, by column type.

Integers, floats, strings, booleans, bytes and NULL travel as themselves; the rest as text or bytes:

| type name                         | stored as                     |
|-----------------------------------|-------------------------------|
| decimal, numeric, money, smallmoney | str (exact decimal text)    |
| date                              | str ``YYYY-MM-DD``            |
| datetime, datetime2, smalldatetime | str ISO 8601 with microseconds |
| datetimeoffset                    | str ISO 8601 with its offset  |
| time                              | str ``HH:MM:SS.ffffff``       |
| uniqueidentifier                  | 16 bytes (``UUID.bytes``)     |
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from quietus.engine.storage.schema import TableDef

_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": str,
    "numeric": str,
    "money": str,
    "smallmoney": str,
    "date": datetime.date.isoformat,
    "datetime": datetime.datetime.isoformat,
    "datetime2": datetime.datetime.isoformat,
    "datetimeoffset": datetime.datetime.isoformat,  # with its offset: 2024-01-02T03:04:05.123456+05:30
    "smalldatetime": datetime.datetime.isoformat,
    "time": datetime.time.isoformat,
    "uniqueidentifier": lambda value: value.bytes,
}

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": decimal.Decimal,
    "numeric": decimal.Decimal,
    "money": decimal.Decimal,
    "smallmoney": decimal.Decimal,
    "date": datetime.date.fromisoformat,
    "datetime": datetime.datetime.fromisoformat,
    "datetime2": datetime.datetime.fromisoformat,
    "datetimeoffset": datetime.datetime.fromisoformat,
    "smalldatetime": datetime.datetime.fromisoformat,
    "time": datetime.time.fromisoformat,
    "uniqueidentifier": lambda raw: uuid.UUID(bytes=raw),
}


class RowCodec:
    """Encodes and decodes one table's rows; columns of native types cost nothing."""

    __slots__ = ("_decoders", "_encoders")

    def __init__(self, definition: TableDef) -> None:
        self._encoders = [
            (position, _ENCODERS[column.type_name])
            for position, column in enumerate(definition.columns)
            if column.type_name in _ENCODERS
        ]
        self._decoders = [
            (position, _DECODERS[column.type_name])
            for position, column in enumerate(definition.columns)
            if column.type_name in _DECODERS
        ]

    def encode(self, values: tuple[Any, ...]) -> Any:
        if not self._encoders:
            return values
        encoded = list(values)
        for position, encode in self._encoders:
            value = encoded[position]
            if value is not None:
                encoded[position] = encode(value)
        return encoded

    def decode(self, raw: list[Any]) -> tuple[Any, ...]:
        for position, decode in self._decoders:
            value = raw[position]
            if value is not None:
                raw[position] = decode(value)
        return tuple(raw)
