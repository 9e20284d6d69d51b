"""The sans-IO Oracle Net codec: every message the server builds, read back by parsers written here from the
layouts in /work/shared/reference/tns.md (not from the codec), golden bytes where tns.md gives them, and the
client's side of each exchange built here from tns.md too."""

from __future__ import annotations

import datetime
import hashlib
import os
import struct
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quietus.protocol.tns import messages, values
from quietus.protocol.tns.connect import ConnectDescriptor, parse_descriptor
from quietus.protocol.tns.connection import NEED_DATA, State, TnsServerConnection
from quietus.protocol.tns.events import (
    AuthRequest,
    BindSpec,
    BreakReceived,
    ConnectionClosed,
    ConnectRequested,
    DataTypesRequested,
    Execute,
    Fetch,
    Piggybacks,
    ProtocolError,
    ProtocolRequested,
    Reexecute,
    ResetReceived,
    SimpleCall,
    UnsupportedCall,
)
from quietus.protocol.tns.messages import CallEnd, ColumnDescription
from quietus.protocol.tns.o5logon import Exchange, aes_decrypt, aes_encrypt, make_verifier
from quietus.protocol.tns.ttc import TtcReader, TtcWriter
from quietus.ticks import with_fraction

DESCRIPTOR = (
    "(DESCRIPTION=(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=master)"
    "(CID=(PROGRAM=python)(HOST=box)(USER=jward))(CONNECTION_ID=abc==)))"
)


# -- a client written from tns.md ----------------------------------------------------------------------------


def short_packet(packet_type: int, body: bytes) -> bytes:
    return struct.pack(">HHBBH", 8 + len(body), 0, packet_type, 0, 0) + body


def long_packet(packet_type: int, body: bytes) -> bytes:
    return struct.pack(">IBBH", 8 + len(body), packet_type, 0, 0) + body


def connect_packet(descriptor: str, sdu: int = 8192) -> bytes:
    """tns.md §2.1: offsets 8-73, the descriptor at 74 unless it is longer than 230 bytes."""
    data = descriptor.encode()
    body = struct.pack(">HHHHHHHHHHIBB", 319, 300, 1, sdu, 65535, 0x4F98, 0, 1, len(data), 74, 0, 0x84, 0x84)
    body += bytes(24) + struct.pack(">IIII", sdu, 65535, 0, 0)
    assert len(body) == 66
    if len(data) > 230:
        return short_packet(1, body) + short_packet(6, b"\x00\x00" + data)
    return short_packet(1, body + data)


def data(payload: bytes, flags: int = 0) -> bytes:
    return long_packet(6, struct.pack(">H", flags) + payload)


def marker(kind: int) -> bytes:
    return long_packet(12, bytes([1, 0, kind]))


def split_packets(stream: bytes, large: bool = True) -> list[tuple[int, int, bytes]]:
    """(type, data flags, payload) for each packet in ``stream``."""
    out = []
    while stream:
        if large:
            length, packet_type = struct.unpack(">IB", stream[:5])
        else:
            length, _, packet_type = struct.unpack(">HHB", stream[:5])
        body = stream[8:length]
        flags = struct.unpack(">H", body[:2])[0] if packet_type == 6 else 0
        out.append((packet_type, flags, body[2:] if packet_type == 6 else body))
        stream = stream[length:]
    return out


def ready_codec() -> TnsServerConnection:
    codec = TnsServerConnection()
    codec.receive_data(connect_packet(DESCRIPTOR))
    assert isinstance(codec.next_event(), ConnectRequested)
    codec.send_accept()
    return codec


def call(codec: TnsServerConnection, payload: bytes) -> Any:
    codec.receive_data(data(payload))
    return codec.next_event()


def read_error_message(r: TtcReader) -> dict[str, Any]:
    """tns.md §4.5, field by field."""
    assert r.ub1() == 4
    info: dict[str, Any] = {"call_status": r.ub4()}
    r.ub2()
    r.ub4()
    r.ub2()
    r.ub2()
    r.ub2()
    info["cursor_id"] = r.ub2()
    info["position"] = r.sb(2)
    for _ in range(6):
        r.ub1()
    r.ub4()
    r.ub2()
    r.ub1()
    r.ub4()
    r.ub2()  # rowid
    r.ub4()
    r.ub1()
    r.ub1()
    r.ub2()
    r.ub4()
    assert r.ub4() == 0  # oerrdd
    assert r.ub2() == 0 and r.ub4() == 0 and r.ub2() == 0  # batch errors
    info["error"] = r.ub4()
    info["rowcount"] = r.ub8()
    if info["error"]:
        info["message"] = (r.bytes_with_length() or b"").decode().rstrip()
    return info


def read_parameters(r: TtcReader) -> dict[str, tuple[str, int]]:
    assert r.ub1() == 8
    result = {}
    for _ in range(r.ub2()):
        key = r.str_with_two_lengths() or ""
        value = r.str_with_two_lengths() or ""
        result[key] = (value, r.ub4())
    return result


# -- framing and the handshake ---------------------------------------------------------------------------------


def test_accept_is_the_45_byte_packet_of_tns_md_2_2() -> None:
    codec = TnsServerConnection()
    codec.receive_data(connect_packet(DESCRIPTOR))
    codec.next_event()
    accept = codec.send_accept()
    assert accept == bytes.fromhex(
        "002d0000 02000000 013e 0001 2000 ffff 0001 0000 002d 04 08 0000000000000000 00002000 0000ffff 00 00000000"
    )
    assert codec.reader.large and codec.state is State.READY


def test_connect_with_a_short_descriptor_and_with_one_in_an_overflow_packet() -> None:
    for descriptor in (DESCRIPTOR, DESCRIPTOR.replace("PROGRAM=python", "PROGRAM=" + "p" * 250)):
        codec = TnsServerConnection()
        stream = connect_packet(descriptor, sdu=16384)
        for i in range(len(stream)):  # byte by byte: nothing is decided before the packet is whole
            codec.receive_data(stream[i : i + 1])
            event = codec.next_event()
            if i < len(stream) - 1:
                assert event is NEED_DATA
        assert isinstance(event, ConnectRequested)
        assert event.text == descriptor and event.sdu == 16384
        assert event.descriptor.service == "master" and event.descriptor.user == "jward"
        assert event.descriptor.connection_id == "abc=="


def test_the_descriptor_parser_reads_nested_lists_and_sid() -> None:
    tree = parse_descriptor(DESCRIPTOR)
    assert tree["DESCRIPTION"]["ADDRESS"]["PORT"] == "1521"
    sid = ConnectDescriptor.from_text("(DESCRIPTION=(CONNECT_DATA=(SID=orcl)(SERVER=pooled)))")
    assert sid.service == "orcl" and sid.pooled
    with pytest.raises(ValueError):
        parse_descriptor("(DESCRIPTION=(CONNECT_DATA=(SID=orcl)")


def test_refuse_carries_err_for_the_clients() -> None:
    codec = TnsServerConnection()
    packet = codec.send_refuse(12514)
    length, _, packet_type = struct.unpack(">HHB", packet[:5])
    assert length == len(packet) and packet_type == 4
    size = struct.unpack(">H", packet[10:12])[0]
    assert b"(ERR=12514)" in packet[12 : 12 + size]
    assert codec.state is State.CLOSED


def test_a_version_older_than_315_and_garbage_are_protocol_errors() -> None:
    codec = TnsServerConnection()
    old = bytearray(connect_packet(DESCRIPTOR))
    old[8:10] = struct.pack(">H", 314)
    codec.receive_data(bytes(old))
    assert isinstance(codec.next_event(), ProtocolError)
    codec = TnsServerConnection()
    codec.receive_data(short_packet(6, b"\x00\x00hello"))
    assert isinstance(codec.next_event(), ProtocolError)


def test_protocol_reply_has_the_fields_of_tns_md_3_2() -> None:
    codec = ready_codec()
    assert call(codec, b"\x01\x06\x00python-oracledb\x00") == ProtocolRequested("python-oracledb")
    [(packet_type, _, payload)] = split_packets(codec.send(messages.protocol_reply()))
    assert packet_type == 6
    r = TtcReader(payload)
    assert (r.ub1(), r.ub1(), r.ub1()) == (1, 6, 0)
    end = payload.index(b"\x00", r.pos)
    assert end - r.pos <= 47
    r.pos = end + 1
    assert r.u16le() == 873 and r.ub1() == 1 and r.u16le() == 0
    fdo = r.take(r.u16be())
    ix = 6 + fdo[5] + fdo[6]
    assert struct.unpack(">H", fdo[ix + 3 : ix + 5])[0] == 2000
    compile_caps = r.bytes_with_length() or b""
    assert len(compile_caps) == 55 and compile_caps[7] == 12
    assert compile_caps[40] & 0x40 == 0 and compile_caps[45] & 0x02 == 0 and compile_caps[54] & 0x04 == 0
    runtime_caps = r.bytes_with_length() or b""
    assert len(runtime_caps) == 11 and runtime_caps[6] & 0x04 and not runtime_caps[6] & 0x10
    assert r.remaining == 0


def data_types_request(time_zone: bool) -> bytes:
    runtime = bytearray(7)
    runtime[1] = 1 if time_zone else 0
    w = TtcWriter().ub1(2).u16le(873).u16le(873).ub1(3).bytes_with_length(bytes(55))
    w.bytes_with_length(bytes(runtime))
    if time_zone:
        w.raw(bytes(11))
    for entry in ((1, 1, 1), (2, 2, 10), (12, 12, 10)):
        w.u16be(entry[0]).u16be(entry[1]).u16be(entry[2]).u16be(0)
    return w.u16be(0).getvalue()


def test_data_types_are_consumed_and_answered_with_an_empty_list() -> None:
    codec = ready_codec()
    assert call(codec, data_types_request(False)) == DataTypesRequested(False)
    assert messages.data_types_reply() == b"\x02\x00\x00"
    assert call(codec, data_types_request(True)) == DataTypesRequested(True)
    reply = messages.data_types_reply(True)
    assert len(reply) == 1 + 11 + 2 and reply[5] == 60 and reply[6] == 60  # DBTIMEZONE +00:00


# -- authentication --------------------------------------------------------------------------------------------


def auth_request(function: int, user: str, pairs: dict[str, str], mode: int) -> bytes:
    """tns.md §3.5's phase-one/two layout."""
    w = TtcWriter().ub1(3).ub1(function).ub1(1)
    w.ub1(1).ub4(len(user)).ub4(mode).ub1(1).ub4(len(pairs)).ub1(1).ub1(1)
    w.bytes_with_length(user.encode())
    for key, value in pairs.items():
        w.str_with_two_lengths(key).str_with_two_lengths(value).ub4(0)
    return w.getvalue()


def client_phase_two(password: str, params: dict[str, tuple[str, int]]) -> tuple[dict[str, str], bytes]:
    """The client's 12c computation, from tns.md §3.5 steps 1-7."""
    assert params["AUTH_VFR_DATA"][1] == 0x4815
    salt = bytes.fromhex(params["AUTH_VFR_DATA"][0])
    k_pw = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), salt + b"AUTH_PBKDF2_SPEEDY_KEY", int(params["AUTH_PBKDF2_VGEN_COUNT"][0]), 64
    )
    v = hashlib.sha512(k_pw + salt).digest()[:32]
    encrypted_a = bytes.fromhex(params["AUTH_SESSKEY"][0])
    assert len(encrypted_a) == 32  # unpadded: 12c, not 11g
    a = aes_decrypt(v, encrypted_a)
    b = os.urandom(32)
    client_key = aes_encrypt(v, b, pad=True)[:32]
    combo = hashlib.pbkdf2_hmac(
        "sha512",
        (b + a).hex().upper().encode(),
        bytes.fromhex(params["AUTH_PBKDF2_CSK_SALT"][0]),
        int(params["AUTH_PBKDF2_SDER_COUNT"][0]),
        32,
    )
    encrypted_password = aes_encrypt(combo, os.urandom(16) + password.encode(), pad=True)
    speedy = aes_encrypt(combo, os.urandom(16) + k_pw, pad=True)[:80]
    pairs = {
        "AUTH_SESSKEY": client_key.hex().upper(),
        "AUTH_PBKDF2_SPEEDY_KEY": speedy.hex().upper(),
        "AUTH_PASSWORD": encrypted_password.hex().upper(),
        "SESSION_CLIENT_CHARSET": "873",
        "AUTH_ALTER_SESSION": "ALTER SESSION SET TIME_ZONE='+00:00'\x00",
    }
    return pairs, combo


def test_o5logon_12c_round_trip_with_a_client_written_from_tns_md() -> None:
    codec = ready_codec()
    phase_one = {"AUTH_TERMINAL": "t", "AUTH_PROGRAM_NM": "prog", "AUTH_MACHINE": "box", "AUTH_PID": "42"}
    event = call(codec, auth_request(118, "jward", phase_one | {"AUTH_SID": "jw"}, 1))
    assert isinstance(event, AuthRequest) and event.phase == 1 and event.user == "jward"
    assert event.pairs["AUTH_SID"] == "jw" and event.mode == 1
    exchange = Exchange(make_verifier("Secret!1"))
    payload = messages.parameter_message(exchange.phase_one_parameters()) + messages.error_message(CallEnd())
    r = TtcReader(payload)
    params = read_parameters(r)
    assert read_error_message(r)["error"] == 0 and r.remaining == 0
    pairs, combo = client_phase_two("Secret!1", params)
    event = call(codec, auth_request(115, "jward", pairs, 0x101))
    assert isinstance(event, AuthRequest) and event.phase == 2
    assert exchange.password(event.pairs["AUTH_SESSKEY"], event.pairs["AUTH_PASSWORD"]) == "Secret!1"
    proof = aes_decrypt(combo, bytes.fromhex(exchange.server_response()))
    assert proof[16:32] == b"SERVER_TO_CLIENT"


def test_o5logon_with_the_wrong_password_gives_no_password() -> None:
    exchange = Exchange(make_verifier("Secret!1"))
    params = {k: (v, f) for k, v, f in exchange.phase_one_parameters()}
    pairs, _ = client_phase_two("not it", params)
    assert exchange.password(pairs["AUTH_SESSKEY"], pairs["AUTH_PASSWORD"]) is None


def test_a_stored_verifier_is_not_the_password_and_survives_its_text_form() -> None:
    verifier = make_verifier("Secret!1", salt=b"\x01" * 16)
    assert b"Secret" not in verifier.to_text().encode() and verifier.key != b"Secret!1"
    assert type(verifier).from_text(verifier.to_text()) == verifier
    assert type(verifier).from_text("argon2id$whatever") is None


# -- calls -----------------------------------------------------------------------------------------------------


def execute_request(
    sql: str, binds: list[tuple[int, int, bytes | None]], *, cursor_id: int = 0, query: bool, bind_flags: int = 1
) -> bytes:
    """tns.md §4.2 steps 1-28 at field version 12; ``binds``: (type, csfrm, value bytes or None)."""
    options = 0x01 | 0x20 | 0x8000 | (0x08 if binds else 0) | (0x40 if query else 0)
    w = TtcWriter().ub1(3).ub1(94).ub1(7)
    w.ub4(options).ub4(cursor_id).ub1(1).ub4(len(sql)).ub1(1).ub4(13).ub1(0).ub1(0).ub4(0).ub4(2 if query else 1)
    w.ub4(0x7FFFFFFF).ub1(1 if binds else 0).ub4(len(binds))
    for _ in range(5):
        w.ub1(0)
    w.ub1(0).ub4(0).ub4(0).ub1(0).ub1(1).ub1(0).ub4(0).ub1(0).ub4(0).ub4(0)
    w.ub1(0).ub4(0).ub1(0)
    w.ub1(0).ub4(0).ub1(0).ub4(0).ub1(0).ub1(0).ub4(0)
    w.bytes_with_length(sql.encode()).ub4(1)
    for value in (0 if query else 1, 0, 0, 0, 0, 0, 1 if query else 0, 0, 0x8000, 0, 0, 0):
        w.ub4(value)
    for type_number, csfrm, _ in binds:
        w.ub1(type_number).ub1(bind_flags).ub1(0).ub1(0).ub4(4000).ub4(0).ub8(0).ub4(0).ub2(0)
        w.ub2(873 if csfrm else 0).ub1(csfrm).ub4(0).ub4(0)
    if binds:
        w.ub1(7)
        for _, _, value in binds:
            w.bytes_with_length(value)
    return w.getvalue()


def test_execute_with_binds_parses_even_when_split_across_packets() -> None:
    codec = ready_codec()
    binds = [
        (values.NUMBER, 0, values.encode_number(42)),
        (values.VARCHAR, 1, "héllo".encode()),
        (values.DATE, 0, bytes.fromhex("787c030f0e2e1f")),
        (values.VARCHAR, 1, None),
        (values.RAW, 0, b"\x00\x01" * 6000),
    ]
    payload = execute_request("INSERT INTO t VALUES (:1, :2, :3, :4, :5)", binds, query=False)
    packets = split_packets(codec.send(payload))  # as the clients send it: full packets, then a shorter last one
    assert len(packets) == 2
    codec.receive_data(data(packets[0][2]))
    assert codec.next_event() is NEED_DATA
    codec.receive_data(data(packets[1][2]))
    event = codec.next_event()
    assert isinstance(event, Execute)
    assert event.sql == "INSERT INTO t VALUES (:1, :2, :3, :4, :5)" and event.cursor_id == 0
    assert event.rows == ((42, "héllo", datetime.datetime(2024, 3, 15, 13, 45, 30), None, b"\x00\x01" * 6000),)
    assert [b.type_number for b in event.binds] == [2, 1, 12, 1, 23] and not event.is_query
    assert codec.next_event() is NEED_DATA


def test_reexecute_uses_the_cursors_remembered_binds() -> None:
    codec = ready_codec()
    codec.remember_binds(3, [BindSpec(values.NUMBER, 1, 22, 0, 0), BindSpec(values.VARCHAR, 1, 4000, 0, 1)])
    w = TtcWriter().ub1(3).ub1(4).ub1(9).ub4(3).ub4(2).ub4(0).ub4(1)
    for number, text in ((1, "a"), (2, "b")):
        w.ub1(7).bytes_with_length(values.encode_number(number)).bytes_with_length(text.encode())
    event = call(codec, w.getvalue())
    assert isinstance(event, Reexecute) and event.cursor_id == 3 and event.options2 == 1
    assert (event.function, event.sequence, event.iterations) == (4, 9, 2)
    assert event.rows == ((1, "a"), (2, "b"))


def test_a_request_that_ends_before_its_last_field_is_answered_not_awaited() -> None:
    codec = ready_codec()
    payload = execute_request("SELECT 1 FROM dual", [], query=True)
    event = call(codec, payload[:-3])  # a short packet: the request is complete, yet cut short
    assert isinstance(event, UnsupportedCall)
    assert call(codec, bytes([3, 147, 5])) == SimpleCall(5, 147, Piggybacks())


def test_piggybacks_before_a_fetch_close_cursors_and_set_module() -> None:
    codec = ready_codec()
    w = TtcWriter().ub1(17).ub1(105).ub1(1).ub1(1).ub4(2).ub4(5).ub4(6)
    w.ub1(17).ub1(135).ub1(2).ub1(0).ub1(0).ub4(0x08 | 0x10)
    w.ub1(0).ub4(0).ub1(1).ub4(3).ub1(1).ub4(2)  # client id, module, action
    for _ in range(6):  # cideci, cidcct/cidecs, client info, cidkstk, cidktgt, dbop
        w.ub1(0).ub4(0)
    w.bytes_with_length(b"mod").bytes_with_length(b"go")
    w.ub1(3).ub1(5).ub1(3).ub4(5).ub4(100)
    event = call(codec, w.getvalue())
    assert isinstance(event, Fetch) and event.cursor_id == 5 and event.rows == 100
    assert event.piggybacks.closed_cursors == (5, 6)
    assert event.piggybacks.end_to_end == {"MODULE": "mod", "ACTION": "go"}


def test_simple_calls_and_an_unsupported_function() -> None:
    codec = ready_codec()
    for function in (14, 15, 147, 9):
        event = call(codec, bytes([3, function, 1]))
        assert isinstance(event, SimpleCall) and event.function == function
    event = call(codec, bytes([3, 200, 1, 9, 9]))
    assert isinstance(event, UnsupportedCall) and event.function == 200
    assert call(codec, bytes([3, 147, 2])) == SimpleCall(2, 147, Piggybacks())


def test_eof_closes() -> None:
    codec = ready_codec()
    codec.receive_data(data(b"", flags=0x0040))
    assert codec.next_event() == ConnectionClosed() and codec.state is State.CLOSED


# -- replies ---------------------------------------------------------------------------------------------------


def test_error_message_fields_follow_tns_md_4_5() -> None:
    end = CallEnd(
        error=942,
        message="ORA-00942: table or view does not exist",
        cursor_id=7,
        rowcount=3,
        transaction_open=True,
        position=14,
    )
    info = read_error_message(TtcReader(messages.error_message(end)))
    assert info == {
        "call_status": 2,
        "cursor_id": 7,
        "position": 14,
        "error": 942,
        "rowcount": 3,
        "message": "ORA-00942: table or view does not exist",
    }
    ok = read_error_message(TtcReader(messages.error_message(CallEnd(rowcount=2**40))))
    assert ok["error"] == 0 and ok["rowcount"] == 2**40 and ok["call_status"] == 0


def test_describe_info_and_rows_follow_tns_md_4_3() -> None:
    columns = [
        ColumnDescription("ID", values.NUMBER, precision=10, scale=0, buffer_size=22, nullable=False),
        ColumnDescription("NAME", values.VARCHAR, buffer_size=80, max_size=20, csfrm=1),
        ColumnDescription("X", values.NUMBER, precision=0, scale=-127),
    ]
    payload = messages.describe_info(columns) + messages.row_data([b"\xc1\x02", b"x" * 300, None])
    r = TtcReader(payload)
    assert r.ub1() == 16
    assert r.bytes_with_length() is None
    r.ub4()
    assert r.ub4() == 3
    r.ub1()
    seen = []
    for _ in range(3):
        type_number, _flags = r.ub1(), r.ub1()
        precision, scale = struct.unpack("bb", r.take(2))
        buffer_size = r.ub4()
        r.ub4()
        r.ub8()
        assert r.ub4() == 0
        r.ub2()
        charset, csfrm, max_size = r.ub2(), r.ub1(), r.ub4()
        r.ub4()  # oaccolid
        nullable = r.ub1()
        r.ub1()
        name = r.str_with_two_lengths()
        assert r.ub4() == 0 and r.ub4() == 0
        position = r.ub2()
        r.ub4()
        seen.append((name, type_number, precision, scale, buffer_size, charset, csfrm, max_size, nullable, position))
    assert seen == [
        ("ID", 2, 10, 0, 22, 0, 0, 0, 0, 1),
        ("NAME", 1, 0, 0, 80, 873, 1, 20, 1, 2),
        ("X", 2, 0, -127, 22, 0, 0, 0, 1, 3),
    ]
    assert r.ub4() == 0 and [r.ub4() for _ in range(4)] == [0, 0, 0, 0] and r.ub4() == 0
    assert r.ub1() == 7
    assert r.bytes_with_length() == b"\xc1\x02"
    assert r.ub1() == 0xFE  # chunked: more than 252 bytes
    r.pos -= 1
    assert r.bytes_with_length() == b"x" * 300
    assert r.bytes_with_length() is None and r.remaining == 0


def test_large_replies_are_split_to_the_sdu() -> None:
    codec = ready_codec()
    payload = os.urandom(50_000)
    packets = split_packets(codec.send(payload))
    assert all(8 + 2 + len(p) <= codec.sdu for _, _, p in packets) and len(packets) > 1
    assert b"".join(p for _, _, p in packets) == payload


def test_break_reset_dance() -> None:
    codec = ready_codec()
    codec.receive_data(marker(3))
    assert codec.next_event() == BreakReceived(3)
    assert codec.send_break() == long_packet(12, b"\x01\x00\x01")
    codec.receive_data(data(bytes([3, 147, 4])))  # the client's next call, sent before it saw the BREAK
    assert codec.next_event() is NEED_DATA
    codec.receive_data(marker(2))
    assert codec.next_event() == ResetReceived() and codec.state is State.READY
    reply = split_packets(codec.send_reset_reply(CallEnd(error=1013, message="ORA-01013: user requested cancel")))
    assert reply[0] == (12, 0, b"\x01\x00\x02")
    assert read_error_message(TtcReader(reply[1][2]))["error"] == 1013


# -- values ----------------------------------------------------------------------------------------------------

NUMBERS = [
    (0, "80"),
    (1, "c102"),
    (5, "c106"),
    (10, "c10b"),
    (99, "c164"),
    (100, "c202"),
    (123, "c20218"),
    (12345, "c302182e"),
    (2147483648, "c51630312531"),
    (Decimal("0.5"), "c033"),
    (Decimal("0.01"), "c002"),
    (Decimal("1.5"), "c10233"),
    (Decimal("3.14159"), "c1040f105b"),
    (-1, "3e6466"),
    (-123, "3d644e66"),
]


@pytest.mark.parametrize(("value", "golden"), NUMBERS)
def test_number_golden_bytes_from_tns_md_5_2(value: Any, golden: str) -> None:
    assert values.encode_number(value).hex() == golden
    assert values.decode_number(bytes.fromhex(golden)) == value


@given(st.decimals(allow_nan=False, allow_infinity=False, places=6, min_value=-(10**30), max_value=10**30))
def test_number_round_trip(value: Decimal) -> None:
    assert values.decode_number(values.encode_number(value)) == value


def test_date_timestamp_double_and_strings() -> None:
    when = datetime.datetime(2024, 3, 15, 13, 45, 30)
    assert values.encode_date(when).hex() == "787c030f0e2e1f"
    precise = when.replace(microsecond=123456)
    assert len(values.encode_timestamp(precise)) == 11
    assert values.decode_datetime(values.encode_timestamp(precise)) == precise
    assert values.decode_datetime(values.encode_date(datetime.date(1999, 12, 31))) == datetime.datetime(1999, 12, 31)
    seven = with_fraction(when, 1234567)  # a TIMESTAMP's nanoseconds carry the seventh digit both ways
    assert values.encode_timestamp(seven)[7:] == struct.pack(">I", 123456700)
    assert values.decode_datetime(values.encode_timestamp(seven)) == seven
    nine = values.encode_date(when) + struct.pack(">I", 999_999_950)  # 8th and 9th digits round half up, carrying
    assert values.decode_datetime(nine) == when + datetime.timedelta(seconds=1)
    for number in (0.0, 2.5, -2.5, 1e300, -1e-300):
        assert values.decode_binary_double(values.encode_binary_double(number)) == number
    assert values.encode_binary_double(1.0) > values.encode_binary_double(-1.0)  # canonical form sorts
    assert values.encode_string("Ω", values.CSFRM_NCHAR) == b"\x03\xa9"


@given(st.integers(min_value=0, max_value=2**64 - 1), st.binary(max_size=70_000))
def test_ttc_primitives_round_trip(number: int, blob: bytes) -> None:
    w = TtcWriter().ub8(number).sb(-number).bytes_with_length(blob).bytes_with_two_lengths(blob)
    r = TtcReader(w.getvalue())
    assert r.ub8() == number and r.sb() == -number
    assert (r.bytes_with_length() or b"") == blob and (r.bytes_with_two_lengths() or b"") == blob
    assert r.remaining == 0


def test_an_unsupported_request_is_skipped_to_its_last_packet_then_answered() -> None:
    codec = ready_codec()
    payload = execute_request("SELECT :1 FROM t", [(values.VARCHAR, 1, b"x" * 20000)], query=True, bind_flags=0x41)
    packets = split_packets(codec.send(payload))  # full-SDU packets, then a short last one
    assert len(packets) > 2
    for _, _, chunk in packets[:-1]:
        codec.receive_data(data(chunk))
        assert codec.next_event() is NEED_DATA
    codec.receive_data(data(packets[-1][2]))
    event = codec.next_event()
    assert isinstance(event, UnsupportedCall) and "array binds" in event.reason
    assert call(codec, bytes([3, 147, 5])) == SimpleCall(5, 147, Piggybacks())


def test_a_stored_password_keeps_the_verifier_and_an_old_hash_has_none() -> None:
    from quietus.sessions.security_passwords import hash_password, oracle_verifier, verify_password

    stored = hash_password("Secret!1")
    assert len(stored) <= 256 and b"Secret" not in stored  # fits sys.sql_logins.password_hash
    verifier = oracle_verifier(stored)
    assert verifier is not None and verifier == make_verifier("Secret!1", salt=verifier.salt)
    assert verify_password(stored, "Secret!1") and not verify_password(stored, "secret!1")
    before_oracle_net = stored.split(b"\n")[0]  # what logins made before this change hold
    assert oracle_verifier(before_oracle_net) is None and verify_password(before_oracle_net, "Secret!1")


def test_a_value_its_column_cannot_carry_is_an_error_not_a_crash() -> None:
    from quietus.server.tns_results import OracleCallSink
    from quietus.sql.results import ResultColumn
    from quietus.sql.types_base import SqlType

    sink = OracleCallSink()
    sink.start_result([ResultColumn("N", SqlType("int"))])
    sink.row((float("nan"),))
    assert sink.result is not None
    with pytest.raises(ValueError):
        sink.result.take(1)


def test_a_bind_value_that_cannot_be_decoded_is_unsupported_not_a_crash() -> None:
    codec = ready_codec()
    payload = execute_request(
        "INSERT INTO t VALUES (:1)", [(values.DATE, 0, bytes([120, 124, 13, 40, 1, 1, 1]))], query=False
    )
    event = call(codec, payload)  # month 13, day 40
    assert isinstance(event, UnsupportedCall)
    assert call(codec, bytes([3, 147, 5])) == SimpleCall(5, 147, Piggybacks())


@given(st.lists(st.binary(max_size=300), max_size=4))
def test_no_bytes_make_the_codec_raise(payloads: list[bytes]) -> None:
    codec = ready_codec()
    for payload in payloads:
        codec.receive_data(data(payload))
        for _ in range(3):
            event = codec.next_event()  # an event or NEED_DATA, never an exception
            if event is NEED_DATA or codec.state is State.CLOSED:
                break


@given(st.binary(max_size=400))
def test_no_handshake_bytes_make_the_codec_raise(stream: bytes) -> None:
    codec = TnsServerConnection()
    codec.receive_data(stream)
    codec.next_event()


VALID_EXECUTE = execute_request(
    "INSERT INTO t VALUES (:1, :2)",
    [(values.NUMBER, 0, values.encode_number(7)), (values.VARCHAR, 1, b"seven")],
    query=False,
)


@given(st.lists(st.tuples(st.integers(0, len(VALID_EXECUTE) - 1), st.integers(0, 255)), min_size=1, max_size=4))
def test_a_damaged_execute_never_makes_the_codec_raise(changes: list[tuple[int, int]]) -> None:
    payload = bytearray(VALID_EXECUTE)
    for index, value in changes:
        payload[index] = value
    codec = ready_codec()
    codec.receive_data(data(bytes(payload)))
    codec.next_event()


def test_a_decoy_verifier_keeps_its_salt_per_name_and_fits_no_password() -> None:
    from quietus.server.tns_connection import decoy_verifier

    first, again, other = decoy_verifier("nobody"), decoy_verifier("NOBODY"), decoy_verifier("someone")
    assert first.salt == again.salt != other.salt and first.key != again.key
    exchange = Exchange(first)
    params = {k: (v, f) for k, v, f in exchange.phase_one_parameters()}
    pairs, _ = client_phase_two("", params)
    assert exchange.password(pairs["AUTH_SESSKEY"], pairs["AUTH_PASSWORD"]) is None
