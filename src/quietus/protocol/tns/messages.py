"""TTC messages (tns.md §3-§4): the client's requests parsed, the server's replies built.

Parsing raises ``Truncated`` when a request continues in a packet not yet received (the caller parses again once
it has arrived), ``MalformedMessage`` for bytes that cannot be a request and ``UnsupportedRequest`` for a
well-formed request using a feature Quietus does not implement (array or object binds, defines).  The layouts are
those of the field version Quietus negotiates (``FIELD_VERSION`` = 12, 19c): no tokens, no 20c error fields, no 23c
metadata.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from quietus.protocol.tns import values
from quietus.protocol.tns.events import (
    AuthRequest,
    BindSpec,
    DataTypesRequested,
    Execute,
    Fetch,
    Piggybacks,
    ProtocolRequested,
    Reexecute,
    SimpleCall,
    TpcChangeState,
    TpcSwitch,
    TpcXid,
    UnsupportedCall,
)
from quietus.protocol.tns.ttc import MalformedMessage, Truncated, TtcReader, TtcWriter


class UnsupportedRequest(MalformedMessage):
    """A request Quietus understands the shape of but does not implement: answered with ORA-01022."""


FIELD_VERSION = 12  # 19.1: the client uses min(its own, ours); every version-gated layout below assumes it

# message types
MSG_PROTOCOL = 1
MSG_DATA_TYPES = 2
MSG_FUNCTION = 3
MSG_ERROR = 4
MSG_ROW_HEADER = 6
MSG_ROW_DATA = 7
MSG_PARAMETER = 8
MSG_STATUS = 9
MSG_DESCRIBE_INFO = 16
MSG_PIGGYBACK = 17

# function codes
FUNC_REEXECUTE = 4
FUNC_FETCH = 5
FUNC_LOGOFF = 9
FUNC_COMMIT = 14
FUNC_ROLLBACK = 15
FUNC_REEXECUTE_AND_FETCH = 78
FUNC_EXECUTE = 94
FUNC_TPC_SWITCH = 103
FUNC_TPC_CHANGE_STATE = 104
FUNC_CLOSE_CURSORS = 105
FUNC_AUTH_PHASE_TWO = 115
FUNC_AUTH_PHASE_ONE = 118
FUNC_SET_END_TO_END = 135
FUNC_PING = 147
FUNC_SET_SCHEMA = 152

# EXECUTE options (tns.md §4.2)
EXEC_PARSE = 0x01
EXEC_BIND = 0x08
EXEC_DEFINE = 0x10
EXEC_EXECUTE = 0x20
EXEC_FETCH = 0x40
EXEC_COMMIT = 0x100
EXEC_PLSQL_BIND = 0x400
EXEC_NOT_PLSQL = 0x8000
EXEC_DESCRIBE = 0x20000
EXEC_BATCH_ERRORS = 0x80000
EXEC_FLAGS_SCROLLABLE = 0x02  # al8i4[9]
EXEC_FLAGS_DML_ROWCOUNTS = 0x4000
REEXECUTE_COMMIT = 0x01  # options_2 of REEXECUTE under autocommit

# TPC switch operations, change-state operations (python-oracledb's TNS_TPC_TXN_*)
TPC_START = 0x01
TPC_DETACH = 0x02
TPC_COMMIT = 0x01
TPC_ABORT = 0x02
TPC_PREPARE = 0x03
TPC_FORGET = 0x04
XID_BYTES = 128  # the XID's global id and branch qualifier, zero-padded

CALL_STATUS_TRANSACTION = 0x02  # ERROR message: a transaction is open after this call

BANNER = b"Quietus Oracle Net 19.0.0.0.0"
VERSION_NO = 318767104  # 19.0.0.0.0 in the field-version >= 11 layout
CHARSET = values.CHARSET_UTF8
NCHARSET = values.CHARSET_UTF16


def _compile_caps() -> bytes:
    caps = bytearray(55)
    caps[0] = 6  # SQL version
    caps[1] = 0
    caps[4] = 0xEA  # TTC1: ...
    caps[7] = FIELD_VERSION
    caps[8] = 1
    caps[9] = 1
    return bytes(caps)


COMPILE_CAPS = _compile_caps()
RCAP_TZ = 1  # runtime caps index: time zone support
RCAP_TZ_EX = 0x01  # data-types messages carry the time zones (node-oracledb then needs no DBTIMEZONE query)
RUNTIME_CAPS = bytes([2, RCAP_TZ_EX, 0, 0, 0, 0, 0x01 | 0x04, 0, 0, 0, 0])  # byte 6: 32K strings
# DBTIMEZONE as an 11-byte INTERVAL DAY TO SECOND: days, hours, minutes biased (0x80000000, 60, 60), then the
# time-zone trailer; +00:00
DB_TIME_ZONE = bytes([0x80, 0, 0, 0, 60, 60, 0x80, 0, 0, 0, 0])


# -- server → client ----------------------------------------------------------------------------------------


def protocol_reply() -> bytes:
    fdo = bytes(9) + NCHARSET.to_bytes(2, "big")  # fdo[5] = fdo[6] = 0, so the ncharset sits at bytes 9-10
    w = TtcWriter().ub1(MSG_PROTOCOL).ub1(6).ub1(0).raw(BANNER + b"\x00")
    w.u16le(CHARSET).ub1(1).u16le(0).u16be(len(fdo)).raw(fdo)
    w.bytes_with_length(COMPILE_CAPS).bytes_with_length(RUNTIME_CAPS)
    return w.getvalue()


def data_types_reply(time_zone: bool = False) -> bytes:
    """An empty list of conversions; with ``time_zone`` (the client sent its own) DBTIMEZONE comes first."""
    return bytes([MSG_DATA_TYPES]) + (DB_TIME_ZONE if time_zone else b"") + bytes([0, 0])


def parameter_message(pairs: Sequence[tuple[str, str, int]]) -> bytes:
    """PARAMETER (8) as the auth phases send it: ub2 count, then (key, value, flags) triples."""
    w = TtcWriter().ub1(MSG_PARAMETER).ub2(len(pairs))
    for key, value, flags in pairs:
        w.str_with_two_lengths(key).str_with_two_lengths(value).ub4(flags)
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class CallEnd:
    """What an ERROR (4) message carries: the end of every call, with or without an error."""

    error: int = 0
    message: str = ""
    cursor_id: int = 0
    rowcount: int = 0
    transaction_open: bool = False
    position: int = 0


def error_message(end: CallEnd) -> bytes:
    w = TtcWriter().ub1(MSG_ERROR)
    w.ub4(CALL_STATUS_TRANSACTION if end.transaction_open else 0)
    w.ub2(0)  # end-to-end seq
    w.ub4(0)  # current row number
    w.ub2(end.error if end.error < 0x10000 else 0)
    w.ub2(0).ub2(0)  # array element errors
    w.ub2(end.cursor_id)
    w.sb(end.position)
    w.raw(bytes(6))  # sql type, fatal, flags, user cursor options, UPI parameter, warning flags
    w.ub4(0).ub2(0).ub1(0).ub4(0).ub2(0)  # rowid: rba, partition, (raw byte), block, slot
    w.ub4(0)  # OS error
    w.ub1(0).ub1(0)  # statement number, call number
    w.ub2(0)  # padding
    w.ub4(0)  # success iterations
    w.ub4(0)  # oerrdd
    w.ub2(0)  # batch error codes
    w.ub4(0)  # batch error offsets
    w.ub2(0)  # batch error messages
    w.ub4(end.error)
    w.ub8(end.rowcount)
    if end.error:
        w.bytes_with_length((end.message.rstrip() + "\n").encode())
    return w.getvalue()


@dataclass(frozen=True, slots=True)
class ColumnDescription:
    """One column as DESCRIBE_INFO presents it (tns.md §4.3)."""

    name: str
    type_number: int
    precision: int = 0
    scale: int = 0
    buffer_size: int = 22
    max_size: int = 0
    csfrm: int = values.CSFRM_NONE
    nullable: bool = True

    @property
    def charset(self) -> int:
        return {values.CSFRM_IMPLICIT: CHARSET, values.CSFRM_NCHAR: NCHARSET}.get(self.csfrm, 0)


def describe_info(columns: Sequence[ColumnDescription]) -> bytes:
    w = TtcWriter().ub1(MSG_DESCRIBE_INFO)
    w.ub1(0)  # a skipped blob
    w.ub4(sum(column.buffer_size for column in columns))  # max row size
    w.ub4(len(columns))
    if columns:
        w.ub1(0)
    for position, column in enumerate(columns, start=1):
        w.ub1(column.type_number).ub1(0)
        w.ub1(column.precision & 0xFF).ub1(column.scale & 0xFF)
        w.ub4(column.buffer_size)
        w.ub4(0)  # max array elements
        w.ub8(0)  # continuation flags
        w.ub4(0)  # OID
        w.ub2(0)  # version
        w.ub2(column.charset)
        w.ub1(column.csfrm)
        w.ub4(column.max_size)
        w.ub4(0)  # oaccolid (field version >= 8)
        w.ub1(1 if column.nullable else 0)
        w.ub1(0)  # v7 name length
        w.str_with_two_lengths(column.name)
        w.ub4(0)  # schema
        w.ub4(0)  # type name
        w.ub2(position)
        w.ub4(0)  # UDS flags
    w.ub4(0)  # current date
    w.ub4(0).ub4(0).ub4(0).ub4(0)  # dcbflag, dcbmdbz, dcbmnpr, dcbmxpr
    w.ub4(0)  # dcbqcky
    return w.getvalue()


def row_data(encoded: Sequence[bytes | None]) -> bytes:
    """ROW_DATA (7): each value already in its wire encoding (None = NULL)."""
    w = TtcWriter().ub1(MSG_ROW_DATA)
    for value in encoded:
        w.bytes_with_length(value)
    return w.getvalue()


def tpc_switch_reply(context: bytes, application_value: int = 0) -> bytes:
    """PARAMETER (8) answering a TPC switch: the application value and the transaction context the client echoes
    in its later TPC calls."""
    return TtcWriter().ub1(MSG_PARAMETER).ub4(application_value).ub2(len(context)).raw(context).getvalue()


def tpc_state_reply(state: int) -> bytes:
    """PARAMETER (8) answering a TPC change state: the branch's state after the call."""
    return TtcWriter().ub1(MSG_PARAMETER).ub4(state).getvalue()


# -- client → server ----------------------------------------------------------------------------------------

BindLookup = Callable[[int], Sequence[BindSpec] | None]


def parse_request(data: bytes, binds_of: BindLookup) -> tuple[Any, int]:
    """One client request from the start of ``data``: (event, bytes consumed)."""
    r = TtcReader(data)
    kind = r.ub1()
    if kind == MSG_PROTOCOL:
        r.ub1()  # protocol version
        while r.ub1() != 0:  # versions array
            pass
        end = data.find(b"\x00", r.pos)
        if end < 0:
            raise Truncated
        name = data[r.pos : end].decode("ascii", "replace")
        return ProtocolRequested(name), end + 1
    if kind == MSG_DATA_TYPES:
        r.u16le()
        r.u16le()
        r.ub1()
        r.bytes_with_length()
        runtime = r.bytes_with_length() or b""
        time_zone = len(runtime) > RCAP_TZ and bool(runtime[RCAP_TZ] & RCAP_TZ_EX)
        if time_zone:
            r.take(11)  # the client's time zone
        while r.u16be() != 0:
            r.take(6)
        return DataTypesRequested(time_zone), r.pos
    closed: list[int] = []
    end_to_end: dict[str, str] = {}
    schema: str | None = None
    while kind == MSG_PIGGYBACK:
        code = r.ub1()
        r.ub1()  # sequence
        if code == FUNC_CLOSE_CURSORS:
            r.ub1()
            closed.extend(r.ub4() for _ in range(r.ub4()))
        elif code == FUNC_SET_END_TO_END:
            end_to_end.update(_end_to_end(r))
        elif code == FUNC_SET_SCHEMA:
            r.ub1()
            schema = r.str_with_two_lengths()
        else:
            return UnsupportedCall(code, f"piggyback {code}"), len(data)
        kind = r.ub1()
    if kind != MSG_FUNCTION:
        raise MalformedMessage(f"message type {kind} where a function call was expected")
    function = r.ub1()
    sequence = r.ub1()
    parser = FUNCTIONS.get(function)
    if parser is None:
        return UnsupportedCall(function, f"function code {function}"), len(data)
    event = parser(r, function, sequence, Piggybacks(tuple(closed), end_to_end, schema), binds_of)
    return event, r.pos


def _auth(r: TtcReader, function: int, _sequence: int, _piggybacks: Piggybacks, _binds: BindLookup) -> AuthRequest:
    phase = 1 if function == FUNC_AUTH_PHASE_ONE else 2
    has_user = r.ub1()
    r.ub4()  # user length
    mode = r.ub4()
    r.ub1()
    count = r.ub4()
    r.ub1()
    r.ub1()
    user = (r.bytes_with_length() or b"").decode() if has_user else ""
    pairs: dict[str, str] = {}
    for _ in range(count):
        key = r.str_with_two_lengths() or ""
        value = r.str_with_two_lengths() or ""
        r.ub4()  # flags
        pairs[key] = value
    return AuthRequest(phase, user, mode, pairs)


END_TO_END_FIELDS = (
    (0x01, "CLIENT_IDENTIFIER"),
    (0x08, "MODULE"),
    (0x10, "ACTION"),
    (0x100, "CLIENT_INFO"),
    (0x200, "DBOP"),
)


def _end_to_end(r: TtcReader) -> dict[str, str]:
    """Piggyback 135: the flags, pointer/length pairs, then the present strings in field order."""
    r.ub1()
    r.ub1()
    r.ub4()  # flags
    lengths: list[tuple[int, int]] = []
    for _ in range(3):  # client identifier, module, action
        lengths.append((r.ub1(), r.ub4()))
    r.ub1()
    r.ub4()
    r.ub1()
    r.ub4()
    lengths.append((r.ub1(), r.ub4()))  # client info
    r.ub1()
    r.ub4()
    r.ub1()
    r.ub4()
    lengths.append((r.ub1(), r.ub4()))  # dbop
    result: dict[str, str] = {}
    for (pointer, length), (_flag, name) in zip(lengths, END_TO_END_FIELDS, strict=True):
        if pointer and length:
            result[name] = (r.bytes_with_length() or b"").decode("utf-8", "replace")
        elif pointer:
            result[name] = ""
    return result


def _simple(r: TtcReader, function: int, sequence: int, piggybacks: Piggybacks, _binds: BindLookup) -> SimpleCall:
    return SimpleCall(sequence, function, piggybacks)


def _fetch(r: TtcReader, _function: int, sequence: int, piggybacks: Piggybacks, _binds: BindLookup) -> Fetch:
    return Fetch(sequence, r.ub4(), r.ub4(), piggybacks)


def _execute(r: TtcReader, _function: int, sequence: int, piggybacks: Piggybacks, binds_of: BindLookup) -> Execute:
    options = r.ub4()
    cursor_id = r.ub4()
    r.ub1()
    r.ub4()  # sql length
    r.ub1()
    r.ub4()  # al8i4 length (13)
    r.ub1()
    r.ub1()
    r.ub4()  # prefetch buffer size
    prefetch_rows = r.ub4()
    r.ub4()  # max long size
    r.ub1()
    bind_count = r.ub4()
    for _ in range(5):
        r.ub1()
    r.ub1()
    define_count = r.ub4()
    r.ub4()  # registration id (low)
    r.ub1()
    r.ub1()
    r.ub1()
    r.ub4()
    r.ub1()
    r.ub4()
    r.ub4()  # registration id (high)
    r.ub1()
    r.ub4()
    r.ub1()  # DML row counts
    r.ub1()
    r.ub4()
    r.ub1()
    r.ub4()
    r.ub1()  # SQL signature, SQL id (field version >= 8)
    r.ub1()
    r.ub4()  # chunk ids (>= 9)
    sql: str | None = None
    if options & EXEC_PARSE or (cursor_id == 0):
        text = r.bytes_with_length()
        sql = (text or b"").decode("utf-8")
    al8i4 = [r.ub4() for _ in range(13)]
    if options & EXEC_PLSQL_BIND:
        raise UnsupportedRequest("PL/SQL binds are not supported")
    if options & EXEC_BATCH_ERRORS:
        raise UnsupportedRequest("batch errors (executemany(batcherrors=True)) are not supported")
    if al8i4[9] & EXEC_FLAGS_DML_ROWCOUNTS:
        raise UnsupportedRequest("per-row DML counts (executemany(arraydmlrowcounts=True)) are not supported")
    if al8i4[9] & EXEC_FLAGS_SCROLLABLE:
        raise UnsupportedRequest("scrollable cursors are not supported")
    if sql is not None and _RETURNING_INTO.search(sql):
        raise UnsupportedRequest("RETURNING ... INTO binds are not supported")
    if options & EXEC_DEFINE or define_count:
        raise UnsupportedRequest("column defines (LOB columns) are not supported")
    binds: tuple[BindSpec, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    if bind_count:
        binds = tuple(_bind_spec(r) for _ in range(bind_count))
        executions = 1 if al8i4[7] else max(al8i4[1], 1)
        rows = tuple(_bind_row(r, binds) for _ in range(executions))
    return Execute(
        sequence=sequence,
        options=options,
        cursor_id=cursor_id,
        sql=sql,
        prefetch_rows=prefetch_rows,
        executions=al8i4[1],
        is_query=bool(al8i4[7]),
        binds=binds,
        rows=rows,
        piggybacks=piggybacks,
    )


_RETURNING_INTO = re.compile(r"\bRETURN(?:ING)?\b.+\bINTO\b", re.I | re.S)


def _bind_spec(r: TtcReader) -> BindSpec:
    type_number = r.ub1()
    flags = r.ub1()
    r.ub1()
    r.ub1()  # precision, scale
    buffer_size = r.ub4()
    max_elements = r.ub4()
    r.ub8()  # continuation flags
    if r.ub4():  # OID (object types)
        raise UnsupportedRequest("object-type binds are not supported")
    r.ub2()  # version
    r.ub2()  # charset
    csfrm = r.ub1()
    r.ub4()  # LOB prefetch length
    r.ub4()  # oaccolid (field version >= 8)
    return BindSpec(type_number, flags, buffer_size, max_elements, csfrm)


LONG_BIND_THRESHOLD = 32767  # binds bigger than max_string_size come after the others in each row


def _bind_row(r: TtcReader, binds: Sequence[BindSpec]) -> tuple[Any, ...]:
    kind = r.ub1()
    if kind != MSG_ROW_DATA:
        raise MalformedMessage(f"bind row starts with {kind}")
    result: list[Any] = [None] * len(binds)
    order = [i for i, b in enumerate(binds) if b.buffer_size <= LONG_BIND_THRESHOLD]
    order += [i for i, b in enumerate(binds) if b.buffer_size > LONG_BIND_THRESHOLD]
    for index in order:
        spec = binds[index]
        if spec.flags & 0x40:
            raise UnsupportedRequest("array binds are not supported")
        if spec.type_number == values.BOOLEAN:
            result[index] = _boolean_bind(r)
            continue
        try:
            result[index] = values.decode_bind(spec.type_number, spec.csfrm, r.bytes_with_length())
        except (ValueError, ArithmeticError) as exc:  # UnsupportedValue, or bytes that are no value of the type
            raise UnsupportedRequest(str(exc)) from None
    return tuple(result)


def _boolean_bind(r: TtcReader) -> bool | None:
    """BOOLEAN binds: ``FD 01`` is NULL, ``00`` false, ``01 01`` true (tns.md §4.2)."""
    length = r.ub1()
    if length == 0xFD:
        r.take(1)
        return None
    return length != 0 and r.take(length)[-1:] == b"\x01"


def _reexecute(r: TtcReader, function: int, sequence: int, piggybacks: Piggybacks, binds_of: BindLookup) -> Reexecute:
    cursor_id = r.ub4()
    iterations = r.ub4()
    options1 = r.ub4()
    options2 = r.ub4()
    binds = binds_of(cursor_id) or ()
    rows: list[tuple[Any, ...]] = []
    if binds:
        for _ in range(iterations if function == FUNC_REEXECUTE else 1):
            rows.append(_bind_row(r, binds))
    return Reexecute(sequence, function, cursor_id, iterations, options1, options2, tuple(rows), piggybacks)


def _tpc_head(r: TtcReader) -> tuple[int, int, int, tuple[int, int, int, int]]:
    """The fields both TPC calls begin with: operation, context pointer and length, XID's fields."""
    operation = r.ub4()
    context_pointer = r.ub1()
    context_length = r.ub4()
    format_id, gtrid_length, bqual_length = r.ub4(), r.ub4(), r.ub4()
    xid_pointer = r.ub1()
    r.ub4()  # XID length (128)
    return operation, context_pointer and context_length, xid_pointer, (format_id, gtrid_length, bqual_length, 0)


def _tpc_tail(
    r: TtcReader, context_length: int, xid_pointer: int, xid_fields: tuple[int, int, int, int]
) -> tuple[bytes | None, TpcXid | None]:
    context = r.take(context_length) if context_length else None
    xid = None
    if xid_pointer:
        format_id, gtrid_length, bqual_length, _ = xid_fields
        if gtrid_length > 64 or bqual_length > 64:
            raise MalformedMessage("an XID part longer than 64 bytes")
        raw = r.take(XID_BYTES)
        xid = TpcXid(format_id, raw[:gtrid_length], raw[gtrid_length : gtrid_length + bqual_length])
    return context, xid


def _tpc_switch(r: TtcReader, _function: int, sequence: int, piggybacks: Piggybacks, _binds: BindLookup) -> TpcSwitch:
    operation, context_length, xid_pointer, xid_fields = _tpc_head(r)
    flags = r.ub4()
    timeout = r.ub4()
    r.ub1()  # application value pointer
    r.ub1()  # return context pointer
    r.ub1()  # return context length pointer
    r.ub1()
    internal_name = r.ub4()
    r.ub1()
    external_name = r.ub4()
    context, xid = _tpc_tail(r, context_length, xid_pointer, xid_fields)
    r.ub4()  # application value
    r.take(internal_name)
    r.take(external_name)
    return TpcSwitch(sequence, operation, flags, timeout, xid, context, piggybacks)


def _tpc_change_state(
    r: TtcReader, _function: int, sequence: int, piggybacks: Piggybacks, _binds: BindLookup
) -> TpcChangeState:
    operation, context_length, xid_pointer, xid_fields = _tpc_head(r)
    r.ub4()  # timeout
    state = r.ub4()
    r.ub1()  # out state pointer
    flags = r.ub4()
    context, xid = _tpc_tail(r, context_length, xid_pointer, xid_fields)
    return TpcChangeState(sequence, operation, state, flags, xid, context, piggybacks)


# function code -> its body's parser (tns.md §3.5, §4.1-4.2); any other code is an UnsupportedCall
FUNCTIONS: dict[int, Callable[[TtcReader, int, int, Piggybacks, BindLookup], Any]] = {
    FUNC_AUTH_PHASE_ONE: _auth,
    FUNC_AUTH_PHASE_TWO: _auth,
    FUNC_EXECUTE: _execute,
    FUNC_REEXECUTE: _reexecute,
    FUNC_REEXECUTE_AND_FETCH: _reexecute,
    FUNC_FETCH: _fetch,
    FUNC_COMMIT: _simple,
    FUNC_ROLLBACK: _simple,
    FUNC_PING: _simple,
    FUNC_LOGOFF: _simple,
    FUNC_TPC_SWITCH: _tpc_switch,
    FUNC_TPC_CHANGE_STATE: _tpc_change_state,
}
