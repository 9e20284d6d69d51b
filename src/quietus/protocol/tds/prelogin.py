"""PRELOGIN (MS-TDS §2.2.6.5): the option table both sides exchange before LOGIN7.

Layout: entries ``token(1) offset(2, BE) length(2, BE)`` ended by 0xFF, then the option data; offsets
count from the start of the payload.  VERSION is ``UL_VERSION`` (major, minor, build: 4 bytes BE) plus
``US_SUBBUILD`` (2 bytes).

The server's reply: VERSION, ENCRYPTION (``negotiate_encryption``: MS-TDS §2.2.6.5's table of the
client's value × the server's setting), INSTOPT 0x00, THREADID empty, MARS 0x00 (FreeTDS treats a reply
without MARS as a pre-7.2 server).  A TLS record (first byte 0x16) where a PRELOGIN option table should
be means the client started a TLS handshake that was not negotiated; that is a protocol error.  (After a
reply of OFF, ON or REQ the handshake's records do ride in PRELOGIN packets; the connection delivers
those as ``TlsHandshake`` events and never parses them here.)
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
    OFF = 0  # client: "I can do TLS but do not want it"; server reply: encrypt the LOGIN7 only
    ON = 1
    NOT_SUP = 2
    REQ = 3


ENCRYPT_CLIENT_CERT = 0x80  # a flag on top of the value (client certificate authentication); not offered


class EncryptionSetting(IntEnum):
    """The server's side of the negotiation (the columns of MS-TDS §2.2.6.5's table)."""

    AVAILABLE = 0  # TLS configured, not forced (the spec's server "ENCRYPT_OFF")
    FORCED = 1  # force_encryption (the spec's server "ENCRYPT_ON")
    DISABLED = 2  # no TLS (the spec's server "ENCRYPT_NOT_SUP")


E, ES = Encryption, EncryptionSetting
# (client's value, server's setting) -> the value the server replies with.  The client's REQ (not in the
# spec's table) is read as ON; a PRELOGIN without ENCRYPTION as NOT_SUP.  A reply of NOT_SUP to a client
# that asked for ON, or of REQ to a client that said NOT_SUP, ends that connection: the client gives up.
# fmt: off
NEGOTIATION: dict[tuple[Encryption, EncryptionSetting], Encryption] = {
    (E.OFF,     ES.AVAILABLE): E.OFF,     (E.OFF,     ES.FORCED): E.REQ, (E.OFF,     ES.DISABLED): E.NOT_SUP,
    (E.ON,      ES.AVAILABLE): E.ON,      (E.ON,      ES.FORCED): E.ON,  (E.ON,      ES.DISABLED): E.NOT_SUP,
    (E.NOT_SUP, ES.AVAILABLE): E.NOT_SUP, (E.NOT_SUP, ES.FORCED): E.REQ, (E.NOT_SUP, ES.DISABLED): E.NOT_SUP,
    (E.REQ,     ES.AVAILABLE): E.ON,      (E.REQ,     ES.FORCED): E.ON,  (E.REQ,     ES.DISABLED): E.NOT_SUP,
}
# fmt: on


def negotiate_encryption(client: int | None, setting: EncryptionSetting) -> Encryption:
    """The ENCRYPTION value of the server's PRELOGIN reply."""
    value = (client if client is not None else Encryption.NOT_SUP) & ~ENCRYPT_CLIENT_CERT
    asked = Encryption(value) if value in Encryption._value2member_map_ else Encryption.NOT_SUP
    return NEGOTIATION[asked, setting]


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
        raise RemoteProtocolError("TLS handshake inside PRELOGIN before encryption was negotiated")
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


def encode_prelogin_reply(
    server_version: tuple[int, int, int, int] = SERVER_VERSION, encryption: Encryption = Encryption.NOT_SUP
) -> bytes:
    """The server's PRELOGIN reply payload (sent in a TABULAR_RESULT packet)."""
    return encode_option_table(
        [
            (PreLoginOption.VERSION, encode_version(server_version)),
            (PreLoginOption.ENCRYPTION, bytes([encryption])),
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
