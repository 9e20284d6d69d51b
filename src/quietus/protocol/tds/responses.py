"""Reading a server's token stream: the client-side mirror of ``tokens`` (for test clients and tools).

``parse_tokens`` turns one response message payload into token records; ROW/NBCROW values are decoded
with the column metadata that precedes them.  Malformed input raises ``RemoteProtocolError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.tokens import VARBYTE_ENVCHANGES, TokenType
from quietus.protocol.tds.types import Context, TypeInfo, read_type_info, read_value
from quietus.protocol.tds.versions import Traits
from quietus.protocol.tds.wire import Reader


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


@dataclass(frozen=True, slots=True)
class ColumnDescription:
    name: str
    info: TypeInfo
    flags: int
    user_type: int = 0


@dataclass(frozen=True, slots=True)
class ColumnMetadata:
    columns: tuple[ColumnDescription, ...]


@dataclass(frozen=True, slots=True)
class Row:
    values: tuple[object, ...]
    null_bitmap: bool = False  # arrived as NBCROW


@dataclass(frozen=True, slots=True)
class ReturnValue:
    ordinal: int
    name: str
    status: int
    info: TypeInfo
    value: object


@dataclass(frozen=True, slots=True)
class ReturnStatus:
    value: int


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
        parsed = _parse_token(token, reader, traits, columns)
        if isinstance(parsed, ColumnMetadata):
            columns = parsed.columns
        out.append(parsed)
    return out


def _parse_token(token: int, r: Reader, traits: Traits, columns: tuple[ColumnDescription, ...]) -> Token:
    if token == TokenType.ENVCHANGE:
        body = Reader(r.take(r.u16()), "ENVCHANGE")
        kind = body.u8()
        if kind in VARBYTE_ENVCHANGES:
            return EnvChange(kind, body.b_varbyte(), body.b_varbyte())
        return EnvChange(kind, body.b_varchar(), body.b_varchar())
    if token == TokenType.LOGINACK:
        body = Reader(r.take(r.u16()), "LOGINACK")
        interface, version, program = body.u8(), body.u32_be(), body.b_varchar()
        major, minor, hi, lo = body.take(4)
        return LoginAck(interface, version, program, (major, minor, hi << 8 | lo))
    if token in (TokenType.ERROR, TokenType.INFO):
        body = Reader(r.take(r.u16()), "ERROR/INFO")
        number, state, severity = body.i32(), body.u8(), body.u8()
        text, server, procedure = body.us_varchar(), body.b_varchar(), body.b_varchar()
        line = body.i32() if traits.wide_fields else body.u16()
        return ServerMessage(token, number, state, severity, text, server, procedure, line)
    if token in (TokenType.DONE, TokenType.DONEPROC, TokenType.DONEINPROC):
        status, cur_cmd = r.u16(), r.u16()
        return Done(token, status, cur_cmd, r.u64() if traits.wide_fields else r.u32())
    if token == TokenType.COLMETADATA:
        count = r.u16()
        if count == 0xFFFF:
            return ColumnMetadata(())
        return ColumnMetadata(tuple(_column(r, traits) for _ in range(count)))
    if token == TokenType.ROW:
        return Row(tuple(read_value(r, c.info) for c in columns))
    if token == TokenType.NBCROW:
        bitmap = r.take((len(columns) + 7) // 8)
        nulls = [bool(bitmap[i // 8] >> (i % 8) & 1) for i in range(len(columns))]
        return Row(
            tuple(None if null else read_value(r, c.info) for c, null in zip(columns, nulls, strict=True)),
            null_bitmap=True,
        )
    if token == TokenType.RETURNVALUE:
        ordinal, name, status = r.u16(), r.b_varchar(), r.u8()
        r.take(4 if traits.wide_fields else 2)  # UserType
        r.u16()  # Flags
        info = read_type_info(r, traits, Context.RPC)
        return ReturnValue(ordinal, name, status, info, read_value(r, info))
    if token == TokenType.RETURNSTATUS:
        return ReturnStatus(r.i32())
    if token == TokenType.ORDER:
        body = Reader(r.take(r.u16()), "ORDER")
        return Order(tuple(body.u16() for _ in range(body.remaining // 2)))
    raise RemoteProtocolError(f"unknown token 0x{token:02X}")


def _column(r: Reader, traits: Traits) -> ColumnDescription:
    user_type = r.u32() if traits.wide_fields else r.u16()
    flags = r.u16()
    info = read_type_info(r, traits, Context.RESULT)
    return ColumnDescription(r.b_varchar(), info, flags, user_type)
