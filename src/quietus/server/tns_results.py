"""What one Oracle Net call produced, gathered for the TTC replies: the first result set (described in Oracle's
types), the first error, the rows affected.

Engine types map to Oracle wire types by family (``COLUMN_KINDS``); each kind names the Oracle type number, its
charset form and the value encoder.  A query's rows are kept here until the client fetches them (``arraysize`` at
a time): an Oracle cursor outlives the call that opened it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from quietus.protocol.tns import values
from quietus.protocol.tns.messages import ColumnDescription
from quietus.sql.results import MessageEvent, ResultColumn, ReturnStatus, StatementDone, TransactionEvent
from quietus.sql.types_base import SqlType

Encoder = Callable[[Any], bytes]


def _number(value: Any) -> bytes:
    return values.encode_number(int(value) if isinstance(value, bool) else value)


def _double(value: Any) -> bytes:
    return values.encode_binary_double(float(value))


def _date(value: Any) -> bytes:
    if isinstance(value, datetime.datetime):
        return values.encode_date(value.replace(microsecond=0))
    return values.encode_date(value)


def _timestamp(value: Any) -> bytes:
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime(value.year, value.month, value.day)
    return values.encode_timestamp(value)


def _text(csfrm: int) -> Encoder:
    def encode(value: Any) -> bytes:
        if isinstance(value, uuid.UUID):
            value = str(value).upper()
        return values.encode_string(value if isinstance(value, str) else str(value), csfrm)

    return encode


def _raw(value: Any) -> bytes:
    return bytes(value)


@dataclass(frozen=True, slots=True)
class ColumnKind:
    type_number: int
    csfrm: int
    encode: Encoder


NUMBER_KIND = ColumnKind(values.NUMBER, values.CSFRM_NONE, _number)
VARCHAR_KIND = ColumnKind(values.VARCHAR, values.CSFRM_IMPLICIT, _text(values.CSFRM_IMPLICIT))

# engine type name -> how its values go on the wire
COLUMN_KINDS: dict[str, ColumnKind] = {
    "bit": NUMBER_KIND,
    "tinyint": NUMBER_KIND,
    "smallint": NUMBER_KIND,
    "int": NUMBER_KIND,
    "bigint": NUMBER_KIND,
    "decimal": NUMBER_KIND,
    "numeric": NUMBER_KIND,
    "money": NUMBER_KIND,
    "smallmoney": NUMBER_KIND,
    "boolean": NUMBER_KIND,
    "float": ColumnKind(values.BINARY_DOUBLE, values.CSFRM_NONE, _double),
    "real": ColumnKind(values.BINARY_DOUBLE, values.CSFRM_NONE, _double),
    "char": ColumnKind(values.CHAR, values.CSFRM_IMPLICIT, _text(values.CSFRM_IMPLICIT)),
    "varchar": VARCHAR_KIND,
    "nchar": ColumnKind(values.CHAR, values.CSFRM_NCHAR, _text(values.CSFRM_NCHAR)),
    "nvarchar": ColumnKind(values.VARCHAR, values.CSFRM_NCHAR, _text(values.CSFRM_NCHAR)),
    "binary": ColumnKind(values.RAW, values.CSFRM_NONE, _raw),
    "varbinary": ColumnKind(values.RAW, values.CSFRM_NONE, _raw),
    "date": ColumnKind(values.DATE, values.CSFRM_NONE, _date),
    "datetime": ColumnKind(values.DATE, values.CSFRM_NONE, _date),
    "smalldatetime": ColumnKind(values.DATE, values.CSFRM_NONE, _date),
    "datetime2": ColumnKind(values.TIMESTAMP, values.CSFRM_NONE, _timestamp),
}
MAX_STRING = 32767  # runtime caps announce 32K strings
UNCONSTRAINED_NUMBER = (38, 10)  # decimal(38,10): how the Oracle dialect stores a NUMBER declared without precision


def describe(column: ResultColumn) -> tuple[ColumnDescription, Encoder]:
    """The column as DESCRIBE_INFO shows it; the Oracle runner's names are sent as they are (a quoted mixed-case
    alias stays mixed case)."""
    sql_type: SqlType = column.type
    kind = COLUMN_KINDS.get(sql_type.name, VARCHAR_KIND)
    precision, scale = 0, 0
    if kind.type_number == values.NUMBER:
        if sql_type.family == "int" or sql_type.name == "boolean":
            precision, scale = {"bit": 1, "tinyint": 3, "smallint": 5, "int": 10}.get(sql_type.name, 19), 0
        elif (sql_type.precision, sql_type.scale) == UNCONSTRAINED_NUMBER:
            precision, scale = 0, -127  # the client then fetches each value as int or float by its own value
        else:
            precision, scale = sql_type.precision or 38, sql_type.scale or 0
    if kind.csfrm != values.CSFRM_NONE or kind.type_number == values.RAW:
        length = sql_type.length if sql_type.length and sql_type.length > 0 else MAX_STRING
        max_size = min(length, MAX_STRING) if sql_type.is_string or kind.type_number == values.RAW else 4000
        factor = 1 if kind.type_number == values.RAW else 4 if kind.csfrm == values.CSFRM_IMPLICIT else 2
        buffer_size = min(max_size * factor, MAX_STRING)
    else:
        max_size = 0
        buffer_size = {values.NUMBER: 22, values.BINARY_DOUBLE: 8, values.DATE: 7, values.TIMESTAMP: 11}.get(
            kind.type_number, 22
        )
    description = ColumnDescription(
        name=column.name,
        type_number=kind.type_number,
        precision=precision,
        scale=scale,
        buffer_size=buffer_size,
        max_size=max_size,
        csfrm=kind.csfrm,
        nullable=column.nullable,
    )
    return description, kind.encode


@dataclass
class ResultSetBuffer:
    """A query's result: its description and the rows not yet sent."""

    columns: list[ColumnDescription]
    encoders: list[Encoder]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    sent: int = 0

    def take(self, count: int) -> list[list[bytes | None]]:
        chunk = self.rows[self.sent : self.sent + count]
        self.sent += len(chunk)
        return [[None if v is None else enc(v) for v, enc in zip(row, self.encoders, strict=True)] for row in chunk]

    @property
    def exhausted(self) -> bool:
        return self.sent >= len(self.rows)


class OracleCallSink:
    """A ResultSink for one call: keeps the first result set, the first error, the rows affected."""

    def __init__(self) -> None:
        self.result: ResultSetBuffer | None = None
        self.error: MessageEvent | None = None
        self.rowcount = 0
        self._current: ResultSetBuffer | None = None
        self._ignoring = False

    def start_result(self, columns: Sequence[ResultColumn]) -> None:
        if self.result is not None:
            self._ignoring = True  # only a call's first result set reaches an Oracle cursor
            return
        described = [describe(column) for column in columns]
        self.result = self._current = ResultSetBuffer([d for d, _ in described], [e for _, e in described])

    def row(self, values_: tuple[Any, ...]) -> None:
        if self._current is not None and not self._ignoring:
            self._current.rows.append(values_)

    def end_result(self) -> None:
        self._current = None
        self._ignoring = False

    def message(self, event: MessageEvent) -> None:
        if event.is_error and self.error is None:
            self.error = event

    def done(self, event: StatementDone) -> None:
        if event.rowcount is not None and not event.error:
            self.rowcount += event.rowcount

    def transaction(self, event: TransactionEvent) -> None:
        pass

    def return_status(self, event: ReturnStatus) -> None:
        pass

