"""Response tokens (MS-TDS §2.2.7): the server's side of the tabular-result stream.

Every encoder returns the complete token including its type byte.  Widths that depend on the TDS
version come from ``Traits`` (``wide_fields``: UserType ULONG, DoneRowCount ULONGLONG, LineNumber LONG).

| token        | layout                                                                                   |
|--------------|------------------------------------------------------------------------------------------|
| ENVCHANGE    | E3 len:u16 type:u8 new old (B_VARCHAR, or B_VARBYTE for collation/transactions/reset)      |
| LOGINACK     | AD len:u16 interface:u8 version:u32 BE progname:B_VARCHAR major minor buildhi buildlo     |
| ERROR / INFO | AA/AB len:u16 number:i32 state:u8 class:u8 text:US_VARCHAR server:B_VARCHAR proc:B_VARCHAR |
|              | line:u16 (<7.2) / i32                                                                    |
| DONE*        | FD/FE/FF status:u16 curcmd:u16 rowcount:u32 (<7.2) / u64                                  |
| COLMETADATA  | 81 count:u16 { usertype:u16/u32 flags:u16 TYPE_INFO [table] name:B_VARCHAR }              |
| ROW / NBCROW | D1 values / D2 null-bitmap (bit set = NULL, LSB first) non-NULL values                    |
| RETURNVALUE  | AC ordinal:u16 name:B_VARCHAR status:u8 usertype flags:u16 TYPE_INFO value               |
| RETURNSTATUS | 79 value:i32                                                                             |
| ORDER        | A9 len:u16 column:u16*                                                                   |
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from enum import IntEnum, IntFlag
from typing import Final

from quietus.protocol.tds.columns import ColumnCodec
from quietus.protocol.tds.exceptions import LocalProtocolError
from quietus.protocol.tds.types import Context, encode_type_info
from quietus.protocol.tds.versions import Traits
from quietus.protocol.tds.wire import I32, U16, U32, U32_BE, b_varbyte, b_varchar, us_varchar


class TokenType(IntEnum):
    RETURNSTATUS = 0x79
    COLMETADATA = 0x81
    ORDER = 0xA9
    ERROR = 0xAA
    INFO = 0xAB
    RETURNVALUE = 0xAC
    LOGINACK = 0xAD
    FEATUREEXTACK = 0xAE
    ROW = 0xD1
    NBCROW = 0xD2
    ENVCHANGE = 0xE3
    SSPI = 0xED
    DONE = 0xFD
    DONEPROC = 0xFE
    DONEINPROC = 0xFF


class DoneStatus(IntFlag):
    FINAL = 0x00
    MORE = 0x01
    ERROR = 0x02
    INXACT = 0x04
    COUNT = 0x10
    ATTN = 0x20
    SRVERROR = 0x100


class EnvChangeType(IntEnum):
    DATABASE = 1
    LANGUAGE = 2
    CHARSET = 3
    PACKET_SIZE = 4
    UNICODE_SORT_LOCALE = 5
    UNICODE_COMPARISON = 6
    SQL_COLLATION = 7
    BEGIN_TRANSACTION = 8
    COMMIT_TRANSACTION = 9
    ROLLBACK_TRANSACTION = 10
    ENLIST_DTC_TRANSACTION = 11
    DEFECT_TRANSACTION = 12
    REAL_TIME_LOG_SHIPPING = 13
    PROMOTE_TRANSACTION = 15
    TRANSACTION_MANAGER_ADDRESS = 16
    TRANSACTION_ENDED = 17
    RESET_CONNECTION_ACK = 18
    USER_INSTANCE = 19
    ROUTING = 20


# ENVCHANGE types whose values are B_VARBYTE; all others (database, language, packet size…) are B_VARCHAR.
VARBYTE_ENVCHANGES = frozenset({7, 8, 9, 10, 11, 12, 15, 16, 17, 18})


class ColumnFlags(IntFlag):
    NULLABLE = 0x0001
    CASE_SENSITIVE = 0x0002
    UPDATEABLE_MASK = 0x000C
    IDENTITY = 0x0010
    COMPUTED = 0x0020


class ReturnValueStatus(IntFlag):
    OUTPUT_PARAMETER = 0x01
    USER_DEFINED_FUNCTION = 0x02


SQL_TSQL_INTERFACE = 1
SERVER_PROGRAM = "Microsoft SQL Server"
SERVER_BUILD = (16, 0, 4000)  # SQL Server 2022 CU; pyodbc shows it as SQL_DBMS_VER 16.00.4000
_DESCRIPTOR = struct.Struct("<Q")
# DONE / DONEPROC / DONEINPROC: token, status, current command, row count (8 bytes from TDS 7.2, else 4); one pack
# each, as every request ends with two or three of them.  RETURNSTATUS: token, the int.
_DONE_WIDE: Final = struct.Struct("<BHHQ")
_DONE: Final = struct.Struct("<BHHI")
_RETURNSTATUS: Final = struct.Struct("<Bi")


def _with_length(token: int, body: bytes) -> bytes:
    if len(body) > 0xFFFF:
        raise LocalProtocolError(f"token 0x{token:02X} body of {len(body)} bytes exceeds 65535")
    return bytes([token]) + U16.pack(len(body)) + body


def encode_envchange(change: int, new: bytes, old: bytes) -> bytes:
    """ENVCHANGE with raw values; ``new``/``old`` are already B_VARCHAR or B_VARBYTE encoded."""
    return _with_length(TokenType.ENVCHANGE, bytes([change]) + new + old)


def env_database(new: str, old: str) -> bytes:
    return encode_envchange(EnvChangeType.DATABASE, b_varchar(new), b_varchar(old))


def env_language(new: str, old: str = "") -> bytes:
    return encode_envchange(EnvChangeType.LANGUAGE, b_varchar(new), b_varchar(old))


def env_packet_size(new: int, old: int) -> bytes:
    return encode_envchange(EnvChangeType.PACKET_SIZE, b_varchar(str(new)), b_varchar(str(old)))


def env_collation(new: bytes, old: bytes = b"") -> bytes:
    return encode_envchange(EnvChangeType.SQL_COLLATION, b_varbyte(new), b_varbyte(old))


def env_begin_transaction(descriptor: int) -> bytes:
    return encode_envchange(EnvChangeType.BEGIN_TRANSACTION, b_varbyte(_DESCRIPTOR.pack(descriptor)), b"\0")


def env_commit_transaction(descriptor: int) -> bytes:
    return encode_envchange(EnvChangeType.COMMIT_TRANSACTION, b"\0", b_varbyte(_DESCRIPTOR.pack(descriptor)))


def env_rollback_transaction(descriptor: int) -> bytes:
    old = b_varbyte(_DESCRIPTOR.pack(descriptor))
    return encode_envchange(EnvChangeType.ROLLBACK_TRANSACTION, b"\0", old)


def env_reset_ack() -> bytes:
    return encode_envchange(EnvChangeType.RESET_CONNECTION_ACK, b"\0", b"\0")


def encode_loginack(
    version: int, program: str = SERVER_PROGRAM, build: tuple[int, int, int] = SERVER_BUILD
) -> bytes:
    major, minor, number = build
    body = bytes([SQL_TSQL_INTERFACE]) + U32_BE.pack(version) + b_varchar(program)
    return _with_length(TokenType.LOGINACK, body + bytes([major, minor, number >> 8, number & 0xFF]))


def encode_message(
    traits: Traits,
    number: int,
    state: int,
    severity: int,
    text: str,
    server: str = "",
    procedure: str = "",
    line: int = 1,
) -> bytes:
    """ERROR for severity above 10, INFO otherwise (MS-TDS: class ≤ 10 is informational)."""
    token = TokenType.ERROR if severity > 10 else TokenType.INFO
    line_field = I32.pack(line) if traits.wide_fields else U16.pack(line & 0xFFFF)
    body = (
        I32.pack(number)
        + bytes([state & 0xFF, severity & 0xFF])
        + us_varchar(text)
        + b_varchar(server)
        + b_varchar(procedure)
        + line_field
    )
    return _with_length(token, body)


# DONE's CurCmd (MS-TDS §2.2.7.6; the values are SQL Server's command ids) by the command name a statement
# has in sys.dm_exec_requests.command.  mssql-jdbc reports an update count only for INSERT, UPDATE, DELETE,
# MERGE and SELECT INTO, and 0 for DDL, from this field; a statement not listed sends 0.
# fmt: off
CURRENT_COMMAND: Final[dict[str, int]] = {
    "SELECT": 0xC1, "SELECT INTO": 0xC2, "INSERT": 0xC3, "DELETE": 0xC4, "UPDATE": 0xC5,
    "CREATE TABLE": 0xC6, "DROP TABLE": 0xC7, "CREATE INDEX": 0xC8, "DROP INDEX": 0xC9,
    "CREATE DATABASE": 0xCB, "DROP DATABASE": 0xCC, "GRANT": 0xCD, "REVOKE": 0xCE,
    "CREATE VIEW": 0xCF, "DROP VIEW": 0xD0, "ALTER TABLE": 0xD8, "CREATE PROCEDURE": 0xDE,
    "DROP PROCEDURE": 0xDF, "EXECUTE": 0xE0, "BULK INSERT": 0xF0, "MERGE": 0x117,
}
# fmt: on


def encode_done(
    traits: Traits, status: int = 0, row_count: int = 0, token: int = TokenType.DONE, cur_cmd: int = 0
) -> bytes:
    if traits.wide_fields:
        return _DONE_WIDE.pack(token, status, cur_cmd, row_count)
    return _DONE.pack(token, status, cur_cmd, row_count & 0xFFFFFFFF)


def encode_returnstatus(value: int) -> bytes:
    return _RETURNSTATUS.pack(TokenType.RETURNSTATUS, value)


def _user_type(traits: Traits) -> bytes:
    return U32.pack(0) if traits.wide_fields else U16.pack(0)


def _column_flags(codec: ColumnCodec) -> bytes:
    return U16.pack(ColumnFlags.NULLABLE if codec.spec.nullable else 0)


def encode_colmetadata(columns: Sequence[ColumnCodec], traits: Traits) -> bytes:
    out = bytearray([TokenType.COLMETADATA]) + U16.pack(len(columns))
    for codec in columns:
        out += _user_type(traits) + _column_flags(codec) + encode_type_info(codec.info, traits)
        out += b_varchar(codec.spec.name)
    return bytes(out)


def encode_row(columns: Sequence[ColumnCodec], values: Sequence[object], traits: Traits) -> bytes:
    """ROW, or NBCROW (7.3B+) when the row holds a NULL: NBCROW then omits the NULLs."""
    if len(values) != len(columns):
        raise LocalProtocolError(f"row of {len(values)} values for {len(columns)} columns")
    if traits.nbcrow and any(value is None for value in values):
        bitmap = bytearray((len(values) + 7) // 8)
        for index, value in enumerate(values):
            if value is None:
                bitmap[index // 8] |= 1 << (index % 8)
        present = b"".join(c.encode(v) for c, v in zip(columns, values, strict=True) if v is not None)
        return bytes([TokenType.NBCROW]) + bytes(bitmap) + present
    return bytes([TokenType.ROW]) + b"".join(c.encode(v) for c, v in zip(columns, values, strict=True))


def encode_returnvalue(
    codec: ColumnCodec,
    value: object,
    traits: Traits,
    ordinal: int = 0,
    status: int = ReturnValueStatus.OUTPUT_PARAMETER,
) -> bytes:
    """RETURNVALUE for an OUTPUT parameter; the parameter's name is ``codec.spec.name`` (e.g. ``@handle``)."""
    return (
        bytes([TokenType.RETURNVALUE])
        + U16.pack(ordinal)
        + b_varchar(codec.spec.name)
        + bytes([status])
        + _user_type(traits)
        + _column_flags(codec)
        + encode_type_info(codec.info, traits, Context.RESULT)
        + codec.encode(value)
    )


def encode_order(columns: Sequence[int]) -> bytes:
    """ORDER: the 1-based numbers of the columns the result is sorted by."""
    return _with_length(TokenType.ORDER, b"".join(U16.pack(c) for c in columns))
