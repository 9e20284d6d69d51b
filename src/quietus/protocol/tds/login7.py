"""LOGIN7 (MS-TDS §2.2.6.4): the client's login record, parsed in full, and its encoder for test clients.

Fixed part (little-endian; note TDSVersion is little-endian here, big-endian in LOGINACK)::

     0 Length u32          4 TDSVersion u32     8 PacketSize u32    12 ClientProgVer u32
    16 ClientPID u32      20 ConnectionID u32   24 OptionFlags1 u8  25 OptionFlags2 u8
    26 TypeFlags u8       27 OptionFlags3 u8    28 ClientTimeZone i32  32 ClientLCID u32
    36 offset/length table: (ib u16, cch u16) for HostName UserName Password AppName ServerName
       Extension CltIntName Language Database, then ClientID[6], (ibSSPI, cbSSPI), AtchDBFile,
       ChangePassword (7.2+), cbSSPILong u32 (7.2+)

Invariants:
* Offsets count from the start of the LOGIN7 payload; lengths are characters (UTF-16 code units),
  except SSPI (bytes) and Extension (bytes; it holds a DWORD offset of the FeatureExt block).
* Every offset/length is checked against the payload: a bad one is a RemoteProtocolError, never a
  slice past the end.
* The password is obfuscated, not encrypted: each byte is nibble-swapped then XORed with 0xA5.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.versions import TDS72, TDS74
from quietus.protocol.tds.wire import Reader, decode_utf16, encode_utf16

_FIXED = struct.Struct("<IIIIIIBBBBiI")
_ENTRY = struct.Struct("<HH")
FIXED_SIZE = _FIXED.size  # 36
TABLE_SIZE_71 = 86
TABLE_SIZE_72 = 94


class OptionFlags1(IntFlag):
    BYTE_ORDER_68000 = 0x01
    CHAR_EBCDIC = 0x02
    FLOAT_VAX = 0x04
    FLOAT_ND5000 = 0x08
    DUMPLOAD_OFF = 0x10
    USE_DB_NOTIFY = 0x20
    DATABASE_FATAL = 0x40
    SET_LANG_NOTIFY = 0x80


class OptionFlags2(IntFlag):
    LANGUAGE_FATAL = 0x01
    ODBC = 0x02
    TRAN_BOUNDARY = 0x04
    CACHE_CONNECT = 0x08
    USER_TYPE_MASK = 0x70
    INTEGRATED_SECURITY = 0x80


class TypeFlags(IntFlag):
    SQL_TYPE_MASK = 0x0F
    OLEDB = 0x10
    READ_ONLY_INTENT = 0x20


class OptionFlags3(IntFlag):
    CHANGE_PASSWORD = 0x01
    USER_INSTANCE = 0x02
    SEND_YUKON_BINARY_XML = 0x04
    UNKNOWN_COLLATION_HANDLING = 0x08
    EXTENSION = 0x10


class FeatureId(IntEnum):
    SESSION_RECOVERY = 0x01
    FEDAUTH = 0x02
    COLUMN_ENCRYPTION = 0x04
    GLOBAL_TRANSACTIONS = 0x05
    AZURE_SQL_SUPPORT = 0x08
    DATA_CLASSIFICATION = 0x09
    UTF8_SUPPORT = 0x0A
    AZURE_SQL_DNS_CACHING = 0x0B
    TERMINATOR = 0xFF


# The strings of the offset table, in wire order; None marks the Extension slot.
_STRINGS = (
    "host_name",
    "user_name",
    "password",
    "app_name",
    "server_name",
    None,
    "client_interface",
    "language",
    "database",
)


@dataclass(frozen=True, slots=True)
class Login7:
    tds_version: int
    packet_size: int = 4096
    client_prog_version: int = 0
    client_pid: int = 0
    connection_id: int = 0
    option_flags1: int = 0
    option_flags2: int = 0
    type_flags: int = 0
    option_flags3: int = 0
    client_timezone: int = 0
    client_lcid: int = 0
    host_name: str = ""
    user_name: str = ""
    password: str = ""
    app_name: str = ""
    server_name: str = ""
    client_interface: str = ""
    language: str = ""
    database: str = ""
    client_id: bytes = b"\0" * 6
    sspi: bytes = b""
    attach_db_file: str = ""
    change_password: str = ""
    features: tuple[tuple[int, bytes], ...] = field(default=())

    @property
    def odbc(self) -> bool:
        return bool(self.option_flags2 & OptionFlags2.ODBC)

    @property
    def integrated_security(self) -> bool:
        return bool(self.option_flags2 & OptionFlags2.INTEGRATED_SECURITY)

    @property
    def read_only_intent(self) -> bool:
        return bool(self.type_flags & TypeFlags.READ_ONLY_INTENT)

    @property
    def utf8_support(self) -> bool:
        return any(fid == FeatureId.UTF8_SUPPORT and data[:1] != b"\0" for fid, data in self.features)


def decode_password(data: bytes) -> str:
    return decode_utf16(bytes(_unswap(b ^ 0xA5) for b in data))


def encode_password(password: str) -> bytes:
    return bytes(_unswap(b) ^ 0xA5 for b in encode_utf16(password))


def _unswap(b: int) -> int:
    return ((b << 4) & 0xF0) | (b >> 4)


def parse_login7(payload: bytes) -> Login7:
    reader = Reader(payload, "LOGIN7")
    (
        length,
        version,
        packet_size,
        prog_version,
        pid,
        connection_id,
        flags1,
        flags2,
        type_flags,
        flags3,
        timezone,
        lcid,
    ) = _FIXED.unpack(reader.take(FIXED_SIZE))
    if length > len(payload):
        raise RemoteProtocolError(f"LOGIN7 length {length} exceeds the message ({len(payload)} bytes)")
    entries = [_ENTRY.unpack(reader.take(4)) for _ in _STRINGS]
    client_id = reader.take(6)
    sspi_offset, sspi_length = _ENTRY.unpack(reader.take(4))
    attach = _ENTRY.unpack(reader.take(4))
    change = (0, 0)
    wide = version >= TDS72 and _min_offset(entries) >= TABLE_SIZE_72
    if wide:
        change = _ENTRY.unpack(reader.take(4))
        sspi_long = reader.u32()
        if sspi_length == 0xFFFF:
            sspi_length = sspi_long
    values: dict[str, str] = {}
    extension = b""
    for name, (offset, count) in zip(_STRINGS, entries, strict=True):
        if name is None:
            extension = _slice(payload, offset, count, "Extension")
        elif name == "password":
            values[name] = decode_password(_slice(payload, offset, 2 * count, name))
        else:
            values[name] = decode_utf16(_slice(payload, offset, 2 * count, name))
    features: tuple[tuple[int, bytes], ...] = ()
    if flags3 & OptionFlags3.EXTENSION and version >= TDS74 and len(extension) >= 4:
        features = _parse_features(payload, int.from_bytes(extension[:4], "little"))
    return Login7(
        tds_version=version,
        packet_size=packet_size,
        client_prog_version=prog_version,
        client_pid=pid,
        connection_id=connection_id,
        option_flags1=flags1,
        option_flags2=flags2,
        type_flags=type_flags,
        option_flags3=flags3,
        client_timezone=timezone,
        client_lcid=lcid,
        client_id=client_id,
        sspi=_slice(payload, sspi_offset, sspi_length, "SSPI"),
        attach_db_file=decode_utf16(_slice(payload, attach[0], 2 * attach[1], "AtchDBFile")),
        change_password=decode_password(_slice(payload, change[0], 2 * change[1], "ChangePassword")),
        features=features,
        **values,
    )


def _min_offset(entries: list[tuple[int, int]]) -> int:
    """Where the variable data starts; a 7.1-shaped table (86 bytes) has no room for the 7.2 fields."""
    used = [offset for offset, count in entries if count]
    return min(used, default=TABLE_SIZE_72)


def _slice(payload: bytes, offset: int, length: int, what: str) -> bytes:
    if length == 0:
        return b""
    if offset + length > len(payload):
        raise RemoteProtocolError(f"LOGIN7 {what} ({offset}+{length}) runs past the payload ({len(payload)})")
    return payload[offset : offset + length]


def _parse_features(payload: bytes, offset: int) -> tuple[tuple[int, bytes], ...]:
    if offset >= len(payload):
        raise RemoteProtocolError(f"LOGIN7 FeatureExt offset {offset} is past the payload")
    reader = Reader(payload, "LOGIN7 FeatureExt", pos=offset)
    features = []
    while (feature := reader.u8()) != FeatureId.TERMINATOR:
        features.append((feature, reader.take(reader.u32())))
    return tuple(features)


def encode_login7(login: Login7) -> bytes:
    """The LOGIN7 payload for ``login`` (7.2+ table layout; FeatureExt when ``features`` is set)."""
    strings = {name: getattr(login, name) for name in _STRINGS if name is not None}
    flags3 = login.option_flags3 | (OptionFlags3.EXTENSION if login.features else 0)
    data = bytearray()
    entries: list[tuple[int, int]] = []
    feature_pointer_at = None
    for name in _STRINGS:
        offset = TABLE_SIZE_72 + len(data)
        if name is None:
            if login.features:
                feature_pointer_at = len(data)
                data += b"\0\0\0\0"
                entries.append((offset, 4))
            else:
                entries.append((offset, 0))
            continue
        raw = encode_password(strings[name]) if name == "password" else encode_utf16(strings[name])
        entries.append((offset, len(raw) // 2))
        data += raw
    sspi = (TABLE_SIZE_72 + len(data), len(login.sspi))
    data += login.sspi
    attach_raw = encode_utf16(login.attach_db_file)
    attach = (TABLE_SIZE_72 + len(data), len(attach_raw) // 2)
    data += attach_raw
    change_raw = encode_password(login.change_password)
    change = (TABLE_SIZE_72 + len(data), len(change_raw) // 2)
    data += change_raw
    if feature_pointer_at is not None:
        data[feature_pointer_at : feature_pointer_at + 4] = (TABLE_SIZE_72 + len(data)).to_bytes(4, "little")
        for fid, fdata in login.features:
            data += bytes([fid]) + len(fdata).to_bytes(4, "little") + fdata
        data.append(FeatureId.TERMINATOR)
    total = TABLE_SIZE_72 + len(data)
    fixed = _FIXED.pack(
        total,
        login.tds_version,
        login.packet_size,
        login.client_prog_version,
        login.client_pid,
        login.connection_id,
        login.option_flags1,
        login.option_flags2,
        login.type_flags,
        flags3,
        login.client_timezone,
        login.client_lcid,
    )
    table = b"".join(_ENTRY.pack(*entry) for entry in entries) + login.client_id[:6].ljust(6, b"\0")
    table += _ENTRY.pack(*sspi) + _ENTRY.pack(*attach) + _ENTRY.pack(*change) + (0).to_bytes(4, "little")
    return fixed + table + bytes(data)
