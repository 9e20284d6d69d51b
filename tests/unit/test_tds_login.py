"""PRELOGIN and LOGIN7: golden bytes, both directions, and refusal of malformed input."""

from __future__ import annotations

import dataclasses
import struct

import pytest

from quietus.protocol.tds.exceptions import RemoteProtocolError
from quietus.protocol.tds.login7 import (
    FeatureId,
    Login7,
    decode_password,
    encode_login7,
    encode_password,
    parse_login7,
)
from quietus.protocol.tds.prelogin import (
    Encryption,
    encode_prelogin_reply,
    encode_prelogin_request,
    parse_prelogin,
)
from quietus.protocol.tds.versions import TDS70, TDS71, TDS72, TDS73A, TDS73B, TDS74, negotiate

PRELOGIN_REPLY = bytes.fromhex(
    "00001A0006 0100200001 0200210001 0300220000 0400220001 FF"  # option table
    "10000FA00000 02 00 00"  # VERSION 16.0.4000.0, ENCRYPT_NOT_SUP, INSTOPT 0, THREADID empty, MARS 0
)


def test_prelogin_reply_golden_bytes() -> None:
    assert encode_prelogin_reply() == PRELOGIN_REPLY


def test_prelogin_reply_parses_back() -> None:
    reply = parse_prelogin(PRELOGIN_REPLY)
    assert reply.version == (16, 0, 4000, 0)
    assert reply.encryption == Encryption.NOT_SUP
    assert reply.mars is False
    assert reply.option(3) == b""


def test_freetds_style_prelogin_request() -> None:
    request = parse_prelogin(encode_prelogin_request(encryption=Encryption.OFF, thread_id=0x1234))
    assert request.version == (9, 0, 0, 0)
    assert request.encryption == Encryption.OFF
    assert request.instance == "MSSQLServer"
    assert request.thread_id == 0x1234


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\x16\x03\x01\x00\xa5\x01", "TLS handshake"),
        (b"\x00\x00\x05\x00\x00", "truncated"),
        (b"\x00\x00\x06\x00\x10\xff", "points past"),
        (b"", "truncated"),
    ],
)
def test_bad_prelogin(payload: bytes, reason: str) -> None:
    with pytest.raises(RemoteProtocolError, match=reason):
        parse_prelogin(payload)


def test_password_obfuscation_golden() -> None:
    # 'a' = 61 00 in UTF-16LE; nibble swap 16 00; XOR A5 → B3 A5
    assert encode_password("a") == b"\xb3\xa5"
    assert decode_password(b"\xb3\xa5") == "a"
    assert decode_password(encode_password("pä$$wörd 🔑")) == "pä$$wörd 🔑"


def test_login7_round_trip_and_version_is_little_endian() -> None:
    login = Login7(
        tds_version=TDS74,
        packet_size=8192,
        client_pid=4242,
        option_flags1=0xE0,
        option_flags2=0x03,
        host_name="host",
        user_name="alice",
        password="s3cret",
        app_name="app",
        server_name="srv",
        client_interface="DB-Library",
        language="us_english",
        database="shop",
        features=((FeatureId.UTF8_SUPPORT, b"\x01"),),
    )
    payload = encode_login7(login)
    assert payload[4:8] == bytes.fromhex("04000074")  # TDSVersion 7.4, little-endian in LOGIN7
    parsed = parse_login7(payload)
    assert parsed == dataclasses.replace(login, option_flags3=0x10)  # fExtension set by the encoder
    assert parsed.odbc and parsed.utf8_support and parsed.password == "s3cret"


def login71(user: str = "jtds", password: str = "pw", database: str = "db") -> bytes:
    """A TDS 7.1 LOGIN7 as jTDS sends it: the 86-byte table, PacketSize 0."""
    strings = ["host", user, password, "jTDS", "srv", "", "jTDS", "", database]
    offset, table, data = 86, b"", b""
    for index, text in enumerate(strings):
        raw = text.encode("utf-16-le")
        if index == 2:
            raw = encode_password(text)
        table += struct.pack("<HH", offset + len(data), len(raw) // 2)
        data += raw
    table += b"\0" * 6 + struct.pack("<HH", offset + len(data), 0) + struct.pack("<HH", offset + len(data), 0)
    fixed = struct.pack("<IIIIIIBBBBiI", 86 + len(data), TDS71, 0, 0, 1, 0, 0xE0, 0x03, 0, 0, 0, 0x409)
    return fixed + table + data


def test_login71_without_72_fields() -> None:
    parsed = parse_login7(login71())
    assert (parsed.tds_version, parsed.packet_size, parsed.user_name, parsed.password) == (
        TDS71,
        0,
        "jtds",
        "pw",
    )
    assert parsed.database == "db" and parsed.features == ()


@pytest.mark.parametrize("cut", [0, 10, 36, 60, 85, 90])
def test_truncated_login7_is_a_remote_error(cut: int) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_login7(login71()[:cut])


def test_login7_offset_past_payload() -> None:
    payload = bytearray(login71())
    struct.pack_into("<HH", payload, 40, 2000, 5)  # UserName points far away
    with pytest.raises(RemoteProtocolError, match="user_name"):
        parse_login7(bytes(payload))


@pytest.mark.parametrize(
    ("client", "answer"),
    [
        (TDS70, None),
        (0x71000000, TDS71),
        (TDS71, TDS71),
        (TDS72, TDS72),
        (TDS73A, TDS73A),
        (TDS73B, TDS73B),
        (TDS74, TDS74),
        (0x75000000, TDS74),
    ],
)
def test_version_negotiation(client: int, answer: int | None) -> None:
    assert negotiate(client) == answer
