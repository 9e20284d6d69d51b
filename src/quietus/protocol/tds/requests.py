"""Client requests (MS-TDS §2.2.6): SQL_BATCH, RPC and Transaction Manager payloads, both directions.

Every request of a 7.2+ client starts with ALL_HEADERS (``TotalLength`` u32, then headers of
``Length`` u32 ``Type`` u16 data); the transaction descriptor header (type 2: descriptor u64,
outstanding request count u32) is surfaced on the request.  A 7.1 client (jTDS) sends none, so the
headers are parsed only when the negotiated version has them.

RPC: ``NameLenProcID`` u16 (0xFFFF → a well-known ProcID u16 follows, else the name's length in
characters), ``OptionFlags`` u16, then parameters (B_VARCHAR name, status u8, TYPE_INFO, value) until
the message ends or a batch separator (0xFF, 0xFE NoExec, 0x80 before 7.2) starts the next call.

Transaction Manager: ``RequestType`` u16 and a payload per type (see ``TmRequestType``).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum, IntEnum, IntFlag
from typing import Final, TypeAlias

from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.packets import RESET_BIT, RESET_SKIP_TRAN_BIT
from quietus.protocol.tds.types import (
    Context,
    TypeInfo,
    encode_type_info,
    encode_value,
    read_type_info,
    read_value,
)
from quietus.protocol.tds.versions import Traits
from quietus.protocol.tds.wire import U16, U32, Reader, b_varbyte, b_varchar, decode_utf16, encode_utf16

_HEADER: Final = struct.Struct("<IH")
_TRANSACTION_HEADER: Final = struct.Struct("<QI")


class HeaderType(IntEnum):
    QUERY_NOTIFICATIONS = 1
    TRANSACTION_DESCRIPTOR = 2
    TRACE_ACTIVITY = 3


_TRANSACTION_DESCRIPTOR: Final = int(HeaderType.TRANSACTION_DESCRIPTOR)  # a plain int: no enum lookup per request


class ResetConnection(Enum):
    NONE = "none"
    RESET = "reset"  # status 0x08: reset the session to its post-login state
    RESET_SKIP_TRANSACTION = "reset_skip_transaction"  # status 0x10: the same, keeping the transaction

    @classmethod
    def from_status(cls, status: int) -> ResetConnection:
        if status & RESET_BIT:
            return cls.RESET
        if status & RESET_SKIP_TRAN_BIT:
            return cls.RESET_SKIP_TRANSACTION
        return cls.NONE


class ProcId(IntEnum):
    SP_CURSOR = 1
    SP_CURSOROPEN = 2
    SP_CURSORPREPARE = 3
    SP_CURSOREXECUTE = 4
    SP_CURSORPREPEXEC = 5
    SP_CURSORUNPREPARE = 6
    SP_CURSORFETCH = 7
    SP_CURSOROPTION = 8
    SP_CURSORCLOSE = 9
    SP_EXECUTESQL = 10
    SP_PREPARE = 11
    SP_EXECUTE = 12
    SP_PREPEXEC = 13
    SP_PREPEXECRPC = 14
    SP_UNPREPARE = 15


class RpcOption(IntFlag):
    WITH_RECOMPILE = 0x01
    NO_METADATA = 0x02
    REUSE_METADATA = 0x04


class ParamStatus(IntFlag):
    BY_REF_VALUE = 0x01  # OUTPUT parameter
    DEFAULT_VALUE = 0x02
    ENCRYPTED = 0x08


# The per-request paths test plain ints: an IntFlag operation builds an enum member in Python each time.
_BY_REF_VALUE: Final = int(ParamStatus.BY_REF_VALUE)
_ENCRYPTED: Final = int(ParamStatus.ENCRYPTED)
_PROC_NAMES: Final = {int(proc): proc.name.lower() for proc in ProcId}  # ProcID → its system procedure's name


class TmRequestType(IntEnum):
    GET_DTC_ADDRESS = 0
    PROPAGATE_XACT = 1
    BEGIN_XACT = 5
    PROMOTE_XACT = 6
    COMMIT_XACT = 7
    ROLLBACK_XACT = 8
    SAVE_XACT = 9


class IsolationLevel(IntEnum):
    NO_CHANGE = 0
    READ_UNCOMMITTED = 1
    READ_COMMITTED = 2
    REPEATABLE_READ = 3
    SERIALIZABLE = 4
    SNAPSHOT = 5


_RPC_SEPARATORS: Final = frozenset({0xFF, 0xFE})
_RPC_SEPARATOR_71: Final = 0x80


@dataclass(frozen=True, slots=True)
class AllHeaders:
    transaction_descriptor: int = 0
    outstanding_requests: int = 1
    others: tuple[tuple[int, bytes], ...] = ()

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        transaction_descriptor: int = 0,
        outstanding_requests: int = 1,
        others: tuple[tuple[int, bytes], ...] = (),
    ) -> None:
        object.__setattr__(self, "transaction_descriptor", transaction_descriptor)
        object.__setattr__(self, "outstanding_requests", outstanding_requests)
        object.__setattr__(self, "others", others)


@dataclass(frozen=True, slots=True)
class SqlBatch:
    text: str
    transaction_descriptor: int | None = None  # None when the client sent no ALL_HEADERS (7.1)
    reset: ResetConnection = ResetConnection.NONE


# A parameter's decoded value: any Python value.  Named so that the dataclass annotation resolves in this module's
# globals when compiled (mypyc looks a dataclass field's annotation up there, where the builtin ``object`` is not).
ParameterValue: TypeAlias = object


@dataclass(frozen=True, slots=True)
class RpcParameter:
    name: str
    value: ParameterValue
    type_info: TypeInfo
    status: int = 0

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        name: str,
        value: ParameterValue,
        type_info: TypeInfo,
        status: int = 0,
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "type_info", type_info)
        object.__setattr__(self, "status", status)

    @property
    def output(self) -> bool:
        return bool(self.status & _BY_REF_VALUE)


@dataclass(frozen=True, slots=True)
class RpcCall:
    proc_name: str | None = None
    proc_id: int | None = None
    options: int = 0
    parameters: tuple[RpcParameter, ...] = ()

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        proc_name: str | None = None,
        proc_id: int | None = None,
        options: int = 0,
        parameters: tuple[RpcParameter, ...] = (),
    ) -> None:
        object.__setattr__(self, "proc_name", proc_name)
        object.__setattr__(self, "proc_id", proc_id)
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "parameters", parameters)

    @property
    def name(self) -> str:
        """The procedure's name; well-known ProcIDs by their system name (``sp_executesql``)."""
        if self.proc_name is not None:
            return self.proc_name
        return _PROC_NAMES.get(self.proc_id or 0) or f"#procid{self.proc_id}"


@dataclass(frozen=True, slots=True)
class RpcRequest:
    calls: tuple[RpcCall, ...]
    transaction_descriptor: int | None = None
    reset: ResetConnection = ResetConnection.NONE

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        calls: tuple[RpcCall, ...],
        transaction_descriptor: int | None = None,
        reset: ResetConnection = ResetConnection.NONE,
    ) -> None:
        object.__setattr__(self, "calls", calls)
        object.__setattr__(self, "transaction_descriptor", transaction_descriptor)
        object.__setattr__(self, "reset", reset)


@dataclass(frozen=True, slots=True)
class TransactionManagerRequest:
    request_type: int
    isolation_level: int = IsolationLevel.NO_CHANGE  # BEGIN_XACT
    name: str = ""  # transaction name (BEGIN, COMMIT, ROLLBACK, SAVE)
    begin_new: bool = False  # COMMIT/ROLLBACK with fBeginXact: start a new transaction at once
    new_isolation_level: int = IsolationLevel.NO_CHANGE
    new_name: str = ""
    payload: bytes = b""  # DTC cookie / address request (types 0 and 1)
    transaction_descriptor: int | None = None
    reset: ResetConnection = ResetConnection.NONE


# --- ALL_HEADERS ---------------------------------------------------------------------------------------


def read_all_headers(reader: Reader) -> AllHeaders:
    start = reader.pos
    total = reader.u32()
    if total < 4 or total - 4 > reader.remaining:
        raise RemoteProtocolError(f"ALL_HEADERS length {total} is impossible here")
    descriptor, outstanding = 0, 1
    others = []
    while reader.pos < start + total:
        length, kind = _HEADER.unpack(reader.take(_HEADER.size))
        if length < _HEADER.size or reader.pos - _HEADER.size + length > start + total:
            raise RemoteProtocolError(f"ALL_HEADERS entry length {length} is impossible here")
        data = reader.take(length - _HEADER.size)
        if kind == _TRANSACTION_DESCRIPTOR:
            if len(data) < _TRANSACTION_HEADER.size:
                raise RemoteProtocolError("transaction descriptor header too short")
            descriptor, outstanding = _TRANSACTION_HEADER.unpack(data[: _TRANSACTION_HEADER.size])
        else:
            others.append((kind, data))
    return AllHeaders(descriptor, outstanding, tuple(others))


def encode_all_headers(transaction_descriptor: int = 0, outstanding_requests: int = 1) -> bytes:
    data = _TRANSACTION_HEADER.pack(transaction_descriptor, outstanding_requests)
    header = _HEADER.pack(_HEADER.size + len(data), HeaderType.TRANSACTION_DESCRIPTOR) + data
    return U32.pack(4 + len(header)) + header


def _headers(reader: Reader, traits: Traits) -> int | None:
    return read_all_headers(reader).transaction_descriptor if traits.all_headers else None


def _prefix(traits: Traits, transaction_descriptor: int) -> bytes:
    return encode_all_headers(transaction_descriptor) if traits.all_headers else b""


# --- SQL_BATCH -----------------------------------------------------------------------------------------


def parse_sql_batch(
    payload: bytes, traits: Traits, reset: ResetConnection = ResetConnection.NONE
) -> SqlBatch:
    reader = Reader(payload, "SQL batch")
    descriptor = _headers(reader, traits)
    return SqlBatch(decode_utf16(reader.rest()), descriptor, reset)


def encode_sql_batch(text: str, traits: Traits, transaction_descriptor: int = 0) -> bytes:
    return _prefix(traits, transaction_descriptor) + encode_utf16(text)


# --- RPC -----------------------------------------------------------------------------------------------


def parse_rpc(payload: bytes, traits: Traits, reset: ResetConnection = ResetConnection.NONE) -> RpcRequest:
    reader = Reader(payload, "RPC request")
    descriptor = _headers(reader, traits)
    separators = _RPC_SEPARATORS if traits.wide_fields else _RPC_SEPARATORS | {_RPC_SEPARATOR_71}
    calls = []
    while True:
        calls.append(_read_call(reader, traits, separators))
        if reader.at_end():
            break
        reader.u8()  # the separator
        if reader.at_end():
            break  # tolerate a trailing separator
    return RpcRequest(tuple(calls), descriptor, reset)


def _read_call(reader: Reader, traits: Traits, separators: frozenset[int]) -> RpcCall:
    name_length = reader.u16()
    proc_name, proc_id = (
        (None, reader.u16()) if name_length == 0xFFFF else (decode_utf16(reader.take(2 * name_length)), None)
    )
    if proc_name == "":
        raise RemoteProtocolError("RPC with an empty procedure name")
    options = reader.u16()
    parameters = []
    while not reader.at_end() and reader.peek_u8() not in separators:
        name = reader.b_varchar()
        status = reader.u8()
        if status & _ENCRYPTED:
            raise RemoteProtocolError("encrypted (Always Encrypted) RPC parameters are not supported")
        info = read_type_info(reader, traits, Context.RPC)
        value = read_value(reader, info, Context.RPC)
        parameters.append(RpcParameter(name, value, info, status))
    return RpcCall(proc_name, proc_id, options, tuple(parameters))


def encode_rpc(calls: list[RpcCall], traits: Traits, transaction_descriptor: int = 0) -> bytes:
    separator = b"\xff" if traits.wide_fields else bytes([_RPC_SEPARATOR_71])
    encoded = []
    for call in calls:
        if call.proc_name is not None:
            head = U16.pack(len(encode_utf16(call.proc_name)) // 2) + encode_utf16(call.proc_name)
        else:
            head = U16.pack(0xFFFF) + U16.pack(call.proc_id or 0)
        body = head + U16.pack(call.options)
        for p in call.parameters:
            body += b_varchar(p.name) + bytes([p.status]) + encode_type_info(p.type_info, traits, Context.RPC)
            body += encode_value(p.type_info, p.value, Context.RPC)
        encoded.append(body)
    return _prefix(traits, transaction_descriptor) + separator.join(encoded)


# --- Transaction Manager -------------------------------------------------------------------------------


def parse_tm_request(
    payload: bytes, traits: Traits, reset: ResetConnection = ResetConnection.NONE
) -> TransactionManagerRequest:
    reader = Reader(payload, "transaction manager request")
    descriptor = _headers(reader, traits)
    kind = reader.u16()
    payload_bytes, isolation, name, begin_new, new_isolation, new_name = b"", 0, "", False, 0, ""
    if kind in (TmRequestType.GET_DTC_ADDRESS, TmRequestType.PROPAGATE_XACT):
        payload_bytes = reader.us_varbyte()
    elif kind == TmRequestType.BEGIN_XACT:
        isolation, name = _isolation(reader.u8()), _xact_name(reader)
    elif kind in (TmRequestType.COMMIT_XACT, TmRequestType.ROLLBACK_XACT):
        name = _xact_name(reader)
        begin_new = bool(reader.u8() & 0x01)  # fBeginXact
        if begin_new:
            new_isolation, new_name = _isolation(reader.u8()), _xact_name(reader)
    elif kind == TmRequestType.SAVE_XACT:
        name = _xact_name(reader)
        if not name:
            raise RemoteProtocolError("TM_SAVE_XACT without a savepoint name")
    elif kind != TmRequestType.PROMOTE_XACT:
        raise RemoteProtocolError(f"unknown transaction manager request type {kind}")
    return TransactionManagerRequest(
        kind, isolation, name, begin_new, new_isolation, new_name, payload_bytes, descriptor, reset
    )


def _isolation(level: int) -> int:
    if level not in IsolationLevel._value2member_map_:
        raise RemoteProtocolError(f"unknown isolation level {level}")
    return level


def _xact_name(reader: Reader) -> str:
    return decode_utf16(reader.b_varbyte())  # B_VARBYTE: the length is in bytes


def encode_tm_request(
    request: TransactionManagerRequest, traits: Traits, transaction_descriptor: int = 0
) -> bytes:
    kind = request.request_type
    body = U16.pack(kind)
    if kind in (TmRequestType.GET_DTC_ADDRESS, TmRequestType.PROPAGATE_XACT):
        body += U16.pack(len(request.payload)) + request.payload
    elif kind == TmRequestType.BEGIN_XACT:
        body += bytes([request.isolation_level]) + b_varbyte(encode_utf16(request.name))
    elif kind in (TmRequestType.COMMIT_XACT, TmRequestType.ROLLBACK_XACT):
        body += b_varbyte(encode_utf16(request.name)) + bytes([1 if request.begin_new else 0])
        if request.begin_new:
            body += bytes([request.new_isolation_level]) + b_varbyte(encode_utf16(request.new_name))
    elif kind == TmRequestType.SAVE_XACT:
        body += b_varbyte(encode_utf16(request.name))
    return _prefix(traits, transaction_descriptor) + body
