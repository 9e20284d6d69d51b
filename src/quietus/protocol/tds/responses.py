"""Reading a server's token stream: the client-side mirror of ``tokens`` (for test clients and tools).

``parse_tokens`` turns one response message payload into token records; ROW/NBCROW values are decoded
with the column metadata that precedes them.  Malformed input raises ``RemoteProtocolError``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.tokens import VARBYTE_ENVCHANGES, TokenType
from quietus.protocol.tds.types import Context, TypeInfo, read_type_info, read_value
from quietus.protocol.tds.versions import Traits
from quietus.protocol.tds.wire import Reader

# A decoded value: any Python value.  Named so that the dataclass annotations resolve in this module's globals when
# compiled (mypyc looks a dataclass field's annotation up there, where the builtin ``object`` is not).
Value: TypeAlias = object


@dataclass(frozen=True, slots=True)
class EnvChange:
    type: int
    new: str | bytes
    old: str | bytes


@dataclass(frozen=True, slots=True)
class LoginAck:
    interface: int
    tds_version: int
    program: str
    build: tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class ServerMessage:
    token: int
    number: int
    state: int
    severity: int
    text: str
    server: str
    procedure: str
    line: int

    @property
    def is_error(self) -> bool:
        return self.token == TokenType.ERROR


@dataclass(frozen=True, slots=True)
class Done:
    token: int
    status: int
    cur_cmd: int
    row_count: int

    # Written out, as the four below are: mypyc leaves a dataclass's generated __init__ interpreted
    # (docs/design/compiled.md), and a reply has several of these.
    def __init__(self, token: int, status: int, cur_cmd: int, row_count: int) -> None:
        object.__setattr__(self, "token", token)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "cur_cmd", cur_cmd)
        object.__setattr__(self, "row_count", row_count)


@dataclass(frozen=True, slots=True)
class ColumnDescription:
    name: str
    info: TypeInfo
    flags: int
    user_type: int = 0

    def __init__(self, name: str, info: TypeInfo, flags: int, user_type: int = 0) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "info", info)
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "user_type", user_type)


@dataclass(frozen=True, slots=True)
class ColumnMetadata:
    columns: tuple[ColumnDescription, ...]

    def __init__(self, columns: tuple[ColumnDescription, ...]) -> None:
        object.__setattr__(self, "columns", columns)


@dataclass(frozen=True, slots=True)
class Row:
    values: tuple[Value, ...]
    null_bitmap: bool = False  # arrived as NBCROW

    def __init__(self, values: tuple[Value, ...], null_bitmap: bool = False) -> None:
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "null_bitmap", null_bitmap)


@dataclass(frozen=True, slots=True)
class ReturnValue:
    ordinal: int
    name: str
    status: int
    info: TypeInfo
    value: Value


@dataclass(frozen=True, slots=True)
class ReturnStatus:
    value: int

    def __init__(self, value: int) -> None:
        object.__setattr__(self, "value", value)


@dataclass(frozen=True, slots=True)
class Order:
    columns: tuple[int, ...]


Token = (
    EnvChange | LoginAck | ServerMessage | Done | ColumnMetadata | Row | ReturnValue | ReturnStatus | Order
)


def parse_tokens(payload: bytes, traits: Traits) -> list[Token]:
    reader = Reader(payload, "token stream")
    out: list[Token] = []
    columns: tuple[ColumnDescription, ...] = ()
    while not reader.at_end():
        token = reader.u8()
        parse = _PARSERS.get(token)
        if parse is None:
            raise RemoteProtocolError(f"unknown token 0x{token:02X}")
        parsed = parse(token, reader, traits, columns)
        if type(parsed) is ColumnMetadata:
            columns = parsed.columns
        out.append(parsed)
    return out


Columns = tuple[ColumnDescription, ...]


def _env_change(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    body = Reader(r.take(r.u16()), "ENVCHANGE")
    kind = body.u8()
    if kind in VARBYTE_ENVCHANGES:
        return EnvChange(kind, body.b_varbyte(), body.b_varbyte())
    return EnvChange(kind, body.b_varchar(), body.b_varchar())


def _login_ack(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    body = Reader(r.take(r.u16()), "LOGINACK")
    interface, version, program = body.u8(), body.u32_be(), body.b_varchar()
    major, minor, hi, lo = body.take(4)
    return LoginAck(interface, version, program, (major, minor, hi << 8 | lo))


def _message(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    body = Reader(r.take(r.u16()), "ERROR/INFO")
    number, state, severity = body.i32(), body.u8(), body.u8()
    text, server, procedure = body.us_varchar(), body.b_varchar(), body.b_varchar()
    line = body.i32() if traits.wide_fields else body.u16()
    return ServerMessage(token, number, state, severity, text, server, procedure, line)


def _done(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    status, cur_cmd = r.u16(), r.u16()
    return Done(token, status, cur_cmd, r.u64() if traits.wide_fields else r.u32())


def _column_metadata(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    count = r.u16()
    if count == 0xFFFF:
        return ColumnMetadata(())
    return ColumnMetadata(tuple([_column(r, traits) for _ in range(count)]))


def _row(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    return Row(tuple([read_value(r, c.info) for c in columns]))


def _nbc_row(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    bitmap = r.take((len(columns) + 7) // 8)
    nulls = [bool(bitmap[i // 8] >> (i % 8) & 1) for i in range(len(columns))]
    return Row(
        tuple([None if null else read_value(r, c.info) for c, null in zip(columns, nulls, strict=True)]),
        null_bitmap=True,
    )


def _return_value(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    ordinal, name, status = r.u16(), r.b_varchar(), r.u8()
    r.take(4 if traits.wide_fields else 2)  # UserType
    r.u16()  # Flags
    info = read_type_info(r, traits, Context.RPC)
    return ReturnValue(ordinal, name, status, info, read_value(r, info))


def _return_status(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    return ReturnStatus(r.i32())


def _order(token: int, r: Reader, traits: Traits, columns: Columns) -> Token:
    body = Reader(r.take(r.u16()), "ORDER")
    return Order(tuple([body.u16() for _ in range(body.remaining // 2)]))


# Each token's reader, by its token byte (a ROW or NBCROW reads its values as the last COLMETADATA describes).
_PARSERS: dict[int, Callable[[int, Reader, Traits, Columns], Token]] = {
    TokenType.ENVCHANGE: _env_change,
    TokenType.LOGINACK: _login_ack,
    TokenType.ERROR: _message,
    TokenType.INFO: _message,
    TokenType.DONE: _done,
    TokenType.DONEPROC: _done,
    TokenType.DONEINPROC: _done,
    TokenType.COLMETADATA: _column_metadata,
    TokenType.ROW: _row,
    TokenType.NBCROW: _nbc_row,
    TokenType.RETURNVALUE: _return_value,
    TokenType.RETURNSTATUS: _return_status,
    TokenType.ORDER: _order,
}


def _column(r: Reader, traits: Traits) -> ColumnDescription:
    user_type = r.u32() if traits.wide_fields else r.u16()
    flags = r.u16()
    info = read_type_info(r, traits, Context.RESULT)
    return ColumnDescription(r.b_varchar(), info, flags, user_type)
