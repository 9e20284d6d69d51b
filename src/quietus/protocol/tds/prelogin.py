"""PRELOGIN (MS-TDS §2.2.6.5): the option table both sides exchange before LOGIN7.

Layout: entries ``token(1) offset(2, BE) length(2, BE)`` ended by 0xFF, then the option data; offsets
count from the start of the payload.  VERSION is ``UL_VERSION`` (major, minor, build: 4 bytes BE) plus
``US_SUBBUILD`` (2 bytes).

The server's reply is fixed by policy (tds.md §0): ENCRYPTION = NOT_SUP (any other value makes
FreeTDS start TLS and pytds fail), INSTOPT 0x00, THREADID empty, MARS 0x00 (FreeTDS treats a reply
without MARS as a pre-7.2 server).  A TLS record (first byte 0x16) where a PRELOGIN payload should be
means the client started a TLS handshake; that is refused as a protocol error.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.packets import TLS_HANDSHAKE
from quietus.protocol.tds.wire import Reader

_ENTRY = struct.Struct(">BHH")
_VERSION = struct.Struct(">BBHH")

SERVER_VERSION = (16, 0, 4000, 0)  # SQL Server 2022, as LOGINACK reports it too


class PreLoginOption(IntEnum):
    VERSION = 0
    ENCRYPTION = 1
    INSTOPT = 2
    THREADID = 3
    MARS = 4
    TRACEID = 5
    FEDAUTHREQUIRED = 6
    NONCEOPT = 7
    TERMINATOR = 0xFF


class Encryption(IntEnum):
    OFF = 0
    ON = 1
    NOT_SUP = 2
    REQ = 3


@dataclass(frozen=True, slots=True)
class PreLoginRequest:
    """The client's PRELOGIN; ``options`` keeps every entry raw, the rest are decoded conveniences."""

    options: tuple[tuple[int, bytes], ...]
    version: tuple[int, int, int, int] | None = None
    encryption: int | None = None
    instance: str | None = None
    thread_id: int | None = None
    mars: bool | None = None
    fedauth_required: bool | None = None

    def option(self, token: int) -> bytes | None:
        return next((data for t, data in self.options if t == token), None)


def parse_option_table(payload: bytes) -> tuple[tuple[int, bytes], ...]:
    if payload[:1] == bytes([TLS_HANDSHAKE]):
        raise RemoteProtocolError("TLS handshake inside PRELOGIN; encryption is not supported")
    reader = Reader(payload, "PRELOGIN option table")
    options = []
    while (token := reader.u8()) != PreLoginOption.TERMINATOR:
        offset, length = reader.u16_be(), reader.u16_be()
        if offset + length > len(payload):
            raise RemoteProtocolError(
                f"PRELOGIN option {token} points past the payload ({offset}+{length} > {len(payload)})"
            )
        options.append((token, payload[offset : offset + length]))
    return tuple(options)


def parse_prelogin(payload: bytes) -> PreLoginRequest:
    options = parse_option_table(payload)
    raw = dict(options)
    version = raw.get(PreLoginOption.VERSION)
    instance = raw.get(PreLoginOption.INSTOPT)
    thread = raw.get(PreLoginOption.THREADID)
    return PreLoginRequest(
        options=options,
        version=_VERSION.unpack(version) if version is not None and len(version) == 6 else None,
        encryption=_byte(raw.get(PreLoginOption.ENCRYPTION)),
        instance=instance.split(b"\0", 1)[0].decode("latin-1") if instance is not None else None,
        thread_id=int.from_bytes(thread, "big") if thread and len(thread) == 4 else None,
        mars=_flag(raw.get(PreLoginOption.MARS)),
        fedauth_required=_flag(raw.get(PreLoginOption.FEDAUTHREQUIRED)),
    )


def _byte(data: bytes | None) -> int | None:
    return data[0] if data else None


def _flag(data: bytes | None) -> bool | None:
    value = _byte(data)
    return None if value is None else value != 0


def encode_option_table(options: list[tuple[int, bytes]]) -> bytes:
    offset = len(options) * _ENTRY.size + 1
    table, data = bytearray(), bytearray()
    for token, value in options:
        table += _ENTRY.pack(token, offset + len(data), len(value))
        data += value
    return bytes(table) + bytes([PreLoginOption.TERMINATOR]) + bytes(data)


def encode_version(version: tuple[int, int, int, int]) -> bytes:
    return _VERSION.pack(*version)


def encode_prelogin_reply(server_version: tuple[int, int, int, int] = SERVER_VERSION) -> bytes:
    """The server's PRELOGIN reply payload (sent in a TABULAR_RESULT packet)."""
    return encode_option_table(
        [
            (PreLoginOption.VERSION, encode_version(server_version)),
            (PreLoginOption.ENCRYPTION, bytes([Encryption.NOT_SUP])),
            (PreLoginOption.INSTOPT, b"\0"),
            (PreLoginOption.THREADID, b""),
            (PreLoginOption.MARS, b"\0"),
        ]
    )


def encode_prelogin_request(
    version: tuple[int, int, int, int] = (9, 0, 0, 0),
    encryption: int = Encryption.NOT_SUP,
    instance: str = "MSSQLServer",
    thread_id: int = 0,
) -> bytes:
    """A client PRELOGIN payload, as FreeTDS shapes it (used by test clients)."""
    return encode_option_table(
        [
            (PreLoginOption.VERSION, encode_version(version)),
            (PreLoginOption.ENCRYPTION, bytes([encryption])),
            (PreLoginOption.INSTOPT, instance.encode("latin-1") + b"\0"),
            (PreLoginOption.THREADID, thread_id.to_bytes(4, "big")),
            (PreLoginOption.MARS, b"\0"),
        ]
    )
