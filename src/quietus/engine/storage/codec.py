"""Row values to MessagePack-friendly lists and back, by column type.

Integers, floats, strings, booleans, bytes and NULL travel as themselves; the rest as text or bytes:

| type name                         | stored as                     |
|-----------------------------------|-------------------------------|
| decimal, numeric, money, smallmoney | str (exact decimal text)    |
| date                              | str ``YYYY-MM-DD``            |
| datetime, smalldatetime           | str ISO 8601 with microseconds |
| datetime2                         | str ISO 8601, 6 or 7 fractional digits |
| datetimeoffset                    | str ISO 8601 (6 or 7 digits) with its offset |
| time                              | str ``HH:MM:SS[.ffffff[f]]``  |
| uniqueidentifier                  | 16 bytes (``UUID.bytes``)     |

A datetime2/time/datetimeoffset value with a seventh fractional digit (``quietus.ticks``) writes it as a seventh
digit; every other value is written as before, and text written before the seventh digit existed (six digits)
reads back as it always did.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable
from typing import Any

from quietus.engine.storage.schema import TableDef
from quietus.ticks import parse_iso


def _iso(value: datetime.date | datetime.time) -> str:
    return value.isoformat()  # DateTime7/Time7 print their seventh digit


def _seven_digit_reader(kind: type[datetime.datetime] | type[datetime.time], length: int) -> Callable[[str], Any]:
    """Python's ``fromisoformat``, except for text of the one length a seventh digit gives (parse_iso keeps it)."""
    parse = kind.fromisoformat

    def read(text: str) -> Any:
        return parse(text) if len(text) != length else parse_iso(text, kind)  # type: ignore[type-var]

    return read

_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": str,
    "numeric": str,
    "money": str,
    "smallmoney": str,
    "date": datetime.date.isoformat,
    "datetime": datetime.datetime.isoformat,
    "datetime2": _iso,
    "datetimeoffset": _iso,  # with its offset: 2024-01-02T03:04:05.1234567+05:30
    "smalldatetime": datetime.datetime.isoformat,
    "time": _iso,
    "uniqueidentifier": lambda value: value.bytes,
}

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": decimal.Decimal,
    "numeric": decimal.Decimal,
    "money": decimal.Decimal,
    "smallmoney": decimal.Decimal,
    "date": datetime.date.fromisoformat,
    "datetime": datetime.datetime.fromisoformat,
    "datetime2": _seven_digit_reader(datetime.datetime, len("2024-01-02T03:04:05.1234567")),
    "datetimeoffset": _seven_digit_reader(datetime.datetime, len("2024-01-02T03:04:05.1234567+05:30")),
    "smalldatetime": datetime.datetime.fromisoformat,
    "time": _seven_digit_reader(datetime.time, len("03:04:05.1234567")),
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
