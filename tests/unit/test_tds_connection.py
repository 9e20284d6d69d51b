"""``TdsServerConnection`` driven by the in-memory ``TdsClient``: login flows, responses, transactions,
ATTENTION, queueing, resets, packet-size negotiation, and every protocol violation → ProtocolError."""

from __future__ import annotations

import re
import struct

import pytest

from quietus.errors import sql_error
from quietus.protocol.tds import (
    NEED_DATA,
    PAUSED,
    Attention,
    ColumnSpec,
    ConnectionClosed,
    IgnoredRequest,
    LocalProtocolError,
    Login,
    PreLoginRequest,
    ProtocolError,
    ResetConnection,
    RpcCall,
    RpcRequest,
    SqlBatch,
    State,
    TdsServerConnection,
    TmRequestType,
    TransactionManagerRequest,
)
from quietus.protocol.tds.client import Reply, TdsClient
from quietus.protocol.tds.connection import TRANSITIONS
from quietus.protocol.tds.packets import HEADER_SIZE, PacketHeader, PacketStatus, PacketType, encode_message
from quietus.protocol.tds.requests import RpcParameter
from quietus.protocol.tds.tokens import DoneStatus, EnvChangeType, TokenType
from quietus.protocol.tds.types import TypeId, TypeInfo
from quietus.protocol.tds.versions import TDS70, TDS71, TDS74

from .test_tds_login import login71


def reply(client: TdsClient, data: bytes) -> Reply:
    client.receive_data(data)
    got = client.next_reply()
    assert got is not None
    assert client.next_reply() is None
    return got


def connect(version: int = TDS74, packet_size: int = 4096) -> tuple[TdsServerConnection, TdsClient]:
    server, client = TdsServerConnection(spid=57, server_name="UNIT"), TdsClient(version, packet_size)
    server.receive_data(client.prelogin())
    assert isinstance(server.next_event(), PreLoginRequest)
    client.receive_data(server.send_prelogin_reply())
    assert client.next_prelogin_reply() is not None
    server.receive_data(client.login(user="u", password="p", database="db"))
    login = server.next_event()
    assert isinstance(login, Login) and login.login7.password == "p"
    reply(client, server.send_login_ack(database="db"))
    assert server.state is State.LOGGED_IN
    return server, client


def send(server: TdsServerConnection, data: bytes) -> object:
    server.receive_data(data)
    return server.next_event()


def test_login_response_token_sequence() -> None:
    server, client = TdsServerConnection(), TdsClient()
    server.receive_data(client.prelogin())
    server.next_event()
    client.receive_data(server.send_prelogin_reply())
    client.next_prelogin_reply()
    server.receive_data(client.login(database="shop"))
    server.next_event()
    got = reply(client, server.send_login_ack(database="shop"))
    kinds = [(type(t).__name__, getattr(t, "type", getattr(t, "number", None))) for t in got.tokens]
    assert kinds == [
        ("EnvChange", EnvChangeType.DATABASE),
        ("ServerMessage", 5701),
        ("EnvChange", EnvChangeType.SQL_COLLATION),
        ("EnvChange", EnvChangeType.LANGUAGE),
        ("ServerMessage", 5703),
        ("LoginAck", None),
        ("EnvChange", EnvChangeType.PACKET_SIZE),
        ("Done", None),
    ]
    assert got.env_changes[0].new == "shop"
    assert got.dones[-1].status == 0


def test_jtds_login71_without_prelogin() -> None:
    server = TdsServerConnection()
    event = send(server, encode_message(PacketType.LOGIN7, login71()))
    assert isinstance(event, Login) and event.tds_version == TDS71 and event.packet_size == 4096
    client = TdsClient(TDS71)
    got = reply(client, server.send_login_ack())
    assert got.login_ack is not None and got.login_ack.tds_version == TDS71
    batch = send(server, client.sql_batch("SELECT @@MAX_PRECISION"))
    assert isinstance(batch, SqlBatch) and batch.transaction_descriptor is None


def test_login_failure_closes() -> None:
    server, client = TdsServerConnection(), TdsClient()
    send(server, client.login(user="mallory"))
    got = reply(client, server.send_login_failure("mallory"))
    assert [(e.number, e.severity, e.state, e.text) for e in got.errors] == [
        (18456, 14, 1, "Login failed for user 'mallory'.")
    ]
    assert got.dones[-1].status == DoneStatus.ERROR
    assert server.state is State.CLOSED


def test_batch_with_two_result_sets_and_an_error() -> None:
    server, client = connect()
    assert isinstance(send(server, client.sql_batch("SELECT 1; SELECT 2; SELECT * FROM nope")), SqlBatch)
    w = server.respond()
    out = w.result_set([ColumnSpec("a", "int")]) + w.rows([(1,)]) + w.done()
    out += w.result_set([ColumnSpec("b", "nvarchar", 3)]) + w.rows([("x",), (None,)]) + w.done()
    out += w.message(sql_error(208, "nope")) + w.done() + w.finish()
    got = reply(client, out)
    assert got.rows == [(1,), ("x",), (None,)]
    assert [(d.status, d.row_count) for d in got.dones] == [
        (DoneStatus.MORE | DoneStatus.COUNT, 1),
        (DoneStatus.MORE | DoneStatus.COUNT, 2),
        (DoneStatus.ERROR, 0),
    ]
    assert server.state is State.LOGGED_IN


def test_final_done_never_has_more_and_rows_stream_in_chunks() -> None:
    server, client = connect(packet_size=512)
    send(server, client.sql_batch("SELECT n"))
    w = server.respond()
    chunks = [w.result_set([ColumnSpec("n", "bigint")])]
    for start in range(0, 1000, 100):
        chunks.append(w.rows((n,) for n in range(start, start + 100)))
    chunks.append(w.finish())
    assert any(chunks[1:-1])  # full packets left before the response ended
    got = reply(client, b"".join(chunks))
    assert [r[0] for r in got.rows] == list(range(1000))
    assert [(d.status, d.row_count) for d in got.dones] == [(DoneStatus.COUNT, 1000)]


def test_rpc_response_uses_doneinproc_and_ends_in_doneproc() -> None:
    server, client = connect()
    int_type = TypeInfo(TypeId.INTN, 4)
    call = RpcCall(proc_id=11, parameters=(RpcParameter("@handle", None, int_type, 1),))
    event = send(server, client.rpc([call]))
    assert isinstance(event, RpcRequest) and event.calls[0].name == "sp_prepare"
    w = server.respond()
    out = w.result_set([ColumnSpec("x", "int")]) + w.rows([(1,)])
    out += w.return_value(ColumnSpec("@handle", "int"), 42) + w.return_status(0) + w.finish()
    got = reply(client, out)
    assert [(d.token, d.status) for d in got.dones] == [
        (TokenType.DONEINPROC, DoneStatus.MORE | DoneStatus.COUNT),
        (TokenType.DONEPROC, 0),
    ]
    assert [(v.name, v.value, v.status) for v in got.return_values] == [("@handle", 42, 1)]
    assert got.return_status == 0


def test_two_rpcs_in_one_message() -> None:
    server, client = connect()
    event = send(server, client.rpc([RpcCall(proc_name="a"), RpcCall(proc_name="b")]))
    assert isinstance(event, RpcRequest) and len(event.calls) == 2
    w = server.respond()
    got = reply(client, w.return_status(0) + w.procedure_done() + w.return_status(1) + w.finish())
    assert [(d.token, d.status) for d in got.dones] == [
        (TokenType.DONEPROC, DoneStatus.MORE),
        (TokenType.DONEPROC, 0),
    ]


def test_transactions_descriptor_inxact_and_client_echo() -> None:
    server, client = connect()
    begin = send(server, client.transaction(TransactionManagerRequest(TmRequestType.BEGIN_XACT)))
    assert isinstance(begin, TransactionManagerRequest) and begin.transaction_descriptor == 0
    w = server.respond()
    got = reply(client, w.begin_transaction() + w.finish())
    assert got.env_changes[0].type == EnvChangeType.BEGIN_TRANSACTION
    assert got.dones[-1].status == DoneStatus.INXACT
    assert client.transaction_descriptor == server.transaction_descriptor == 1

    batch = send(server, client.sql_batch("UPDATE t SET x = 1"))
    assert isinstance(batch, SqlBatch) and batch.transaction_descriptor == 1
    w = server.respond()
    assert reply(client, w.done(row_count=3) + w.finish()).dones[0].status == DoneStatus.INXACT | DoneStatus.COUNT

    commit = TransactionManagerRequest(TmRequestType.COMMIT_XACT, begin_new=True)
    assert isinstance(send(server, client.transaction(commit)), TransactionManagerRequest)
    w = server.respond()
    got = reply(client, w.commit_transaction() + w.begin_transaction() + w.finish())
    assert [(c.type, c.old, c.new) for c in got.env_changes] == [
        (EnvChangeType.COMMIT_TRANSACTION, (1).to_bytes(8, "little"), b""),
        (EnvChangeType.BEGIN_TRANSACTION, b"", (2).to_bytes(8, "little")),
    ]
    assert client.transaction_descriptor == 2


def test_transaction_misuse_is_local() -> None:
    server, client = connect()
    send(server, client.sql_batch("COMMIT"))
    w = server.respond()
    with pytest.raises(LocalProtocolError):
        w.commit_transaction()
    with pytest.raises(LocalProtocolError):
        w.begin_transaction(0)


def test_idle_attention_gets_a_bare_done_attn() -> None:
    server, client = connect()
    assert send(server, client.attention()) == Attention(during_request=False)
    got = reply(client, server.send_attention_ack())
    assert [(d.token, d.status) for d in got.dones] == [(TokenType.DONE, DoneStatus.ATTN)]
    with pytest.raises(LocalProtocolError):
        server.send_attention_ack()


def test_attention_during_request_ends_response_with_done_attn_and_queues_requests() -> None:
    server, client = connect()
    send(server, client.sql_batch("WAITFOR DELAY '1:00'"))
    w = server.respond()
    out = w.result_set([ColumnSpec("a", "int")]) + w.rows([(1,)])
    server.receive_data(client.sql_batch("SELECT 2") + client.attention())
    assert server.next_event() == Attention(during_request=True)
    assert server.next_event() is PAUSED  # SELECT 2 is queued behind the running request
    assert w.cancelled
    got = reply(client, out + w.finish())
    assert [(d.status & ~DoneStatus.COUNT) for d in got.dones] == [DoneStatus.MORE, DoneStatus.ATTN]
    queued = server.next_event()
    assert isinstance(queued, SqlBatch) and queued.text == "SELECT 2"


def test_ignored_request_and_reset_flags() -> None:
    server, client = connect()
    partial = client.sql_batch("SELECT 1")
    header = PacketHeader.decode(partial[:HEADER_SIZE])
    ignored = PacketHeader(header.type, PacketStatus.EOM | PacketStatus.IGNORE, header.length).encode()
    event = send(server, ignored + partial[HEADER_SIZE:])
    assert isinstance(event, IgnoredRequest)
    assert reply(client, server.respond().finish(error=True)).dones[0].status == DoneStatus.ERROR

    event = send(server, client.sql_batch("SET x", status=PacketStatus.RESETCONNECTION))
    assert isinstance(event, SqlBatch) and event.reset is ResetConnection.RESET
    w = server.respond()
    got = reply(client, w.reset_ack() + w.finish())
    assert got.env_changes[0].type == EnvChangeType.RESET_CONNECTION_ACK


def test_negotiated_packet_size_applies_after_login_response() -> None:
    server, client = connect(packet_size=16384)
    assert server.packet_size == 16384
    send(server, client.sql_batch("SELECT big"))
    w = server.respond()
    data = w.result_set([ColumnSpec("v", "varbinary", None)]) + w.rows([(b"\x01" * 40000,)]) + w.finish()
    assert PacketHeader.decode(data[:HEADER_SIZE]).length == 16384
    assert reply(client, data).rows == [(b"\x01" * 40000,)]


@pytest.mark.parametrize(("requested", "negotiated"), [(0, 4096), (100, 512), (65000, 32767), (8000, 8000)])
def test_packet_size_clamped(requested: int, negotiated: int) -> None:
    server, client = TdsServerConnection(), TdsClient(packet_size=requested)
    event = send(server, client.login())
    assert isinstance(event, Login) and event.packet_size == negotiated


@pytest.mark.parametrize(
    ("setup", "data", "reason"),
    [
        ("fresh", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "TLS handshake"),
        ("fresh", encode_message(PacketType.PRE_TDS7_LOGIN, b"\0" * 20), "TDS 5.0"),
        ("fresh", encode_message(PacketType.SQL_BATCH, "SELECT 1".encode("utf-16-le")), "not allowed"),
        ("fresh", b"GET / HTTP/1.1\r\n\r\n", "unknown packet type"),
        ("fresh", encode_message(PacketType.ATTENTION, b""), "not allowed"),
        ("login", encode_message(PacketType.PRELOGIN, b"\x16\x03\x01\x00\x05hello"), "not allowed"),
        ("ready", "login7", "LOGIN7 not allowed in state LOGGED_IN"),
        ("ready", encode_message(PacketType.BULK_LOAD, b"x"), "bulk load"),
        ("ready", encode_message(PacketType.SSPI, b"x"), "SSPI"),
        ("ready", encode_message(PacketType.SQL_BATCH, b"\x01\x02\x03"), "truncated|impossible"),
    ],
)
def test_protocol_violations_become_protocol_error_events(setup: str, data: bytes | str, reason: str) -> None:
    if setup == "fresh":
        server = TdsServerConnection()
    elif setup == "login":
        server, client = TdsServerConnection(), TdsClient()
        send(server, client.prelogin())
        server.send_prelogin_reply()
    else:
        server, client = connect()
    if data == "login7":
        data = TdsClient().login()
    assert isinstance(data, bytes)
    event = send(server, data)
    assert isinstance(event, ProtocolError), event
    assert re.search(reason, event.reason), event.reason
    assert server.state is State.CLOSED
    assert isinstance(server.next_event(), ConnectionClosed)


def test_tds70_login_is_refused() -> None:
    client = TdsClient()
    data = bytearray(client.login())
    struct.pack_into("<I", data, HEADER_SIZE + 4, TDS70)
    event = send(TdsServerConnection(), bytes(data))
    assert isinstance(event, ProtocolError) and "7.0" in event.reason


def test_eof_idle_and_mid_message() -> None:
    server, client = connect()
    server.receive_data(b"")
    assert isinstance(server.next_event(), ConnectionClosed)
    server, client = connect()
    server.receive_data(client.sql_batch("SELECT 1")[:10])
    assert server.next_event() is NEED_DATA
    server.receive_data(b"")
    event = server.next_event()
    assert isinstance(event, ProtocolError) and "middle" in event.reason


def test_paused_until_the_server_replies() -> None:
    server, client = TdsServerConnection(), TdsClient()
    server.receive_data(client.prelogin())
    server.next_event()
    server.receive_data(client.login())  # early: stays buffered until the reply is sent
    assert server.next_event() is PAUSED
    server.send_prelogin_reply()
    assert isinstance(server.next_event(), Login)
    assert server.next_event() is PAUSED


def test_sending_in_the_wrong_state_is_a_local_error() -> None:
    server = TdsServerConnection()
    for call in (server.send_prelogin_reply, server.send_login_ack, server.respond):
        with pytest.raises(LocalProtocolError):
            call()
    server, client = connect()
    send(server, client.sql_batch("x"))
    w = server.respond()
    assert server.respond() is w
    w.finish()
    with pytest.raises(LocalProtocolError):
        w.done()
    with pytest.raises(LocalProtocolError):
        server.respond()


def test_transition_table_covers_the_happy_path_only_once() -> None:
    # Every state but CLOSED can be left; CLOSED is reached only by failure, EOF or close().
    sources = {state for state, _ in TRANSITIONS}
    assert sources == set(State) - {State.CLOSED}
    assert State.CLOSED not in {
        target for (state, _), target in TRANSITIONS.items() if state is not State.AUTHENTICATING
    }
