"""The connect handshake (tns.md §2): CONNECT parsing, the connect descriptor, ACCEPT and REFUSE.

A descriptor is nested ``(KEY=value)`` text; ``parse_descriptor`` turns it into nested dicts (keys upper-cased;
repeated keys keep the first) and ``ConnectDescriptor`` names the parts Quietus reads.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from quietus.protocol.tns.packets import ACCEPT, HEADER_SIZE, REFUSE, encode_packet

TNS_VERSION = 318  # ≥ 315: 4-byte lengths after ACCEPT; 318: the client reads flags2 (tns.md §2.2)
MIN_VERSION = 315
SERVICE_OPTIONS = 0x0001  # "don't care": never 0x0400 (out-of-band breaks)
DEFAULT_SDU = 8192
MIN_SDU = 512
TDU = 65535
NSI_FLAGS0 = 0x04  # NA disabled
NSI_FLAGS1 = 0x08  # no NA services
ACCEPT_DATA_OFFSET = 45


class DescriptorError(ValueError):
    """Connect-descriptor text that does not parse."""


@dataclass(frozen=True, slots=True)
class ConnectPacket:
    version: int
    lowest_version: int
    sdu: int
    tdu: int
    descriptor_length: int
    descriptor: bytes | None  # None: it follows in a DATA packet (more than 230 bytes)


def parse_connect(body: bytes) -> ConnectPacket:
    """A CONNECT packet's body (after the 8-byte header)."""
    if len(body) < 66 - HEADER_SIZE:
        raise DescriptorError(f"a CONNECT packet of {len(body) + HEADER_SIZE} bytes")
    version, lowest = struct.unpack(">HH", body[0:4])
    sdu16, tdu16 = struct.unpack(">HH", body[6:10])
    length, offset = struct.unpack(">HH", body[16:20])
    sdu32, tdu32 = struct.unpack(">II", body[50:58]) if len(body) >= 58 else (sdu16, tdu16)
    start = offset - HEADER_SIZE
    descriptor = body[start : start + length] if length and len(body) >= start + length else None
    return ConnectPacket(version, lowest, sdu32 or sdu16, tdu32 or tdu16, length, descriptor)


def parse_descriptor(text: str) -> dict[str, Any]:
    """``(DESCRIPTION=(ADDRESS=(HOST=h))...)`` → ``{"DESCRIPTION": {"ADDRESS": {"HOST": "h"}, ...}}``."""
    position = 0

    def parse_list(end_on_close: bool) -> dict[str, Any]:
        nonlocal position
        result: dict[str, Any] = {}
        while position < len(text):
            char = text[position]
            if char.isspace():
                position += 1
            elif char == "(":
                position += 1
                key, value = parse_pair()
                result.setdefault(key, value)
            elif char == ")" and end_on_close:
                return result
            else:
                raise DescriptorError(f"unexpected {char!r} at offset {position}")
        if end_on_close:
            raise DescriptorError("unbalanced parentheses")
        return result

    def parse_pair() -> tuple[str, Any]:
        nonlocal position
        equals = text.find("=", position)
        if equals < 0:
            raise DescriptorError(f"no '=' after offset {position}")
        key = text[position:equals].strip().upper()
        position = equals + 1
        while position < len(text) and text[position].isspace():
            position += 1
        if position < len(text) and text[position] == "(":
            value: Any = parse_list(True)
        else:
            close = text.find(")", position)
            if close < 0:
                raise DescriptorError("unbalanced parentheses")
            value = text[position:close].strip()
            position = close
        position += 1  # the ")"
        return key, value

    return parse_list(False)


@dataclass(frozen=True, slots=True)
class ConnectDescriptor:
    service_name: str | None
    sid: str | None
    program: str
    host: str
    user: str
    connection_id: str
    pooled: bool

    @property
    def service(self) -> str:
        return self.service_name or self.sid or ""

    @classmethod
    def from_text(cls, text: str) -> ConnectDescriptor:
        tree = parse_descriptor(text)
        description = tree.get("DESCRIPTION", tree)
        data = description.get("CONNECT_DATA", {}) if isinstance(description, dict) else {}
        if not isinstance(data, dict):
            raise DescriptorError("CONNECT_DATA is not a list")
        cid = data.get("CID", {})
        cid = cid if isinstance(cid, dict) else {}

        def text_of(mapping: dict[str, Any], key: str) -> str:
            value = mapping.get(key, "")
            return value if isinstance(value, str) else ""

        return cls(
            service_name=text_of(data, "SERVICE_NAME") or None,
            sid=text_of(data, "SID") or None,
            program=text_of(cid, "PROGRAM"),
            host=text_of(cid, "HOST"),
            user=text_of(cid, "USER"),
            connection_id=text_of(data, "CONNECTION_ID"),
            pooled=text_of(data, "SERVER").upper() == "POOLED",
        )


def accept_packet(sdu: int, tdu: int = TDU) -> bytes:
    """The 45-byte ACCEPT of tns.md §2.2, 2-byte length form."""
    body = struct.pack(
        ">HHHHHHHBB",
        TNS_VERSION,
        SERVICE_OPTIONS,
        min(sdu, 0xFFFF),
        min(tdu, 0xFFFF),
        1,  # byte order
        0,  # accept data length
        ACCEPT_DATA_OFFSET,
        NSI_FLAGS0,
        NSI_FLAGS1,
    )
    body += bytes(8)  # pool timeout, tick, reconnect address length/offset
    body += struct.pack(">IIBI", sdu, tdu, 0, 0)  # SDU, TDU, compression, flags2
    packet = encode_packet(ACCEPT, body, large=False)
    assert len(packet) == ACCEPT_DATA_OFFSET
    return packet


def refuse_packet(error: int) -> bytes:
    """REFUSE carrying ``(ERR=error)``, which both thin clients turn into their listener errors."""
    data = f"(DESCRIPTION=(TMP=)(VSNNUM=0)(ERR={error})(ERROR_STACK=(ERROR=(CODE={error})(EMFI=4))))"
    encoded = data.encode("ascii", "replace")
    return encode_packet(REFUSE, struct.pack(">BBH", 4, 0, len(encoded)) + encoded, large=False)


def negotiated_sdu(requested: int) -> int:
    return max(MIN_SDU, min(requested or DEFAULT_SDU, DEFAULT_SDU * 4))
