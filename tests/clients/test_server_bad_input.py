"""Bad input, vanishing clients and raw protocol paths, over real sockets against a real server.

After every abuse the connection is closed (or answered with an error), whatever it held is rolled back and its
locks released, and a fresh client still logs in and runs a query: the server and every other session carry on.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from quietus.protocol.tds import IsolationLevel, RpcCall, RpcParameter, TmRequestType, TransactionManagerRequest
from quietus.protocol.tds.login7 import Login7, encode_login7
from quietus.protocol.tds.packets import PacketStatus, PacketType, encode_message
from quietus.protocol.tds.tokens import DoneStatus, EnvChangeType
from quietus.protocol.tds.types import TypeId, TypeInfo
from tests.clients.server_harness import PASSWORD, RawClient, RunningServer, running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("bad-input") / "data") as running:
        client = RawClient(running.port)
        client.login()
        client.batch("CREATE TABLE held (id INT PRIMARY KEY, v INT); INSERT INTO held VALUES (1, 0), (2, 0)")
        values = ", ".join(f"({i})" for i in range(32))
        client.batch(f"CREATE TABLE small (id INT PRIMARY KEY); INSERT INTO small VALUES {values}")
        client.batch(
            "CREATE TABLE big (id INT PRIMARY KEY, pad NVARCHAR(200)); "
            "INSERT INTO big SELECT a.id * 32 + b.id, REPLICATE(N'x', 200) FROM small a CROSS JOIN small b"
        )
        client.close()
        yield running


def still_serving(server: RunningServer) -> None:
    client = RawClient(server.port)
    try:
        assert client.login().login_ack is not None
        assert client.batch("SELECT 40 + 2").rows == [(42,)]
    finally:
        client.close()


def wait_until_gone(server: RunningServer, session_id: int) -> None:
    server.wait_for(lambda: server.instance.registry.get(session_id) is None, f"session {session_id} to end")


def spid_of(client: RawClient) -> int:
    value = client.batch("SELECT @@SPID").rows[0][0]
    assert isinstance(value, int)
    return value


# -- garbage and malformed packets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",  # not TDS at all
        b"\x16\x03\x01\x00\x05hello",  # a TLS record first (TDS 8.0 strict) that is no ClientHello
        struct.pack(">BBHHBB", 0x99, 1, 8, 0, 1, 0),  # unknown packet type
        struct.pack(">BBHHBB", PacketType.PRELOGIN, 1, 4, 0, 1, 0),  # length shorter than the header
        struct.pack(">BBHHBB", PacketType.SQL_BATCH, 1, 20, 0, 1, 0) + b"x" * 12,  # a batch before login
    ],
    ids=["http", "tls", "unknown-type", "short-length", "batch-before-login"],
)
def test_garbage_before_login_closes_the_connection(server: RunningServer, garbage: bytes) -> None:
    client = RawClient(server.port, timeout=5)
    try:
        client.send(garbage)
        assert client.closed_by_server()
    finally:
        client.close()
    still_serving(server)


def test_a_login7_claiming_ten_megabytes_is_refused(server: RunningServer) -> None:
    client = RawClient(server.port, timeout=5)
    try:
        client.send(client.tds.prelogin())
        while client.tds.next_prelogin_reply() is None:
            client._read()
        payload = bytearray(encode_login7(Login7(tds_version=0x74000004, user_name="sa", password=PASSWORD)))
        payload[0:4] = struct.pack("<I", 10 * 1024 * 1024)
        client.send(encode_message(PacketType.LOGIN7, bytes(payload)))
        assert client.closed_by_server()
    finally:
        client.close()
    still_serving(server)


def test_an_endless_message_before_login_is_cut_off(server: RunningServer) -> None:
    client = RawClient(server.port, timeout=5)
    packet = struct.pack(">BBHHBB", PacketType.LOGIN7, 0, 4096, 0, 1, 0) + b"\0" * 4088  # never EOM
    try:
        with pytest.raises(OSError):
            for _ in range(10 * 1024 * 1024 // len(packet)):  # 10 MB, if the server let it
                client.send(packet)
            raise ConnectionResetError("the server read it all")  # pragma: no cover - the assertion below fails
        assert client.closed_by_server()
    except OSError:
        pass
    finally:
        client.close()
    still_serving(server)


def test_login7_twice_and_unknown_packets_after_login_close_the_session(server: RunningServer) -> None:
    for bad in (
        encode_message(PacketType.LOGIN7, encode_login7(Login7(tds_version=0x74000004, user_name="sa"))),
        struct.pack(">BBHHBB", 0x99, 1, 8, 0, 1, 0),
        struct.pack(">BBHHBB", PacketType.BULK_LOAD, 1, 8, 0, 1, 0),
    ):
        client = RawClient(server.port, timeout=5)
        try:
            client.login()
            session_id = spid_of(client)
            client.send(bad)
            assert client.closed_by_server()
            wait_until_gone(server, session_id)
        finally:
            client.close()
    assert "The connection has been closed" in server.errorlog_text()
    still_serving(server)


def test_a_truncated_packet_then_silence_then_close(server: RunningServer) -> None:
    client = RawClient(server.port)
    client.login()
    session_id = spid_of(client)
    client.send(client.tds.sql_batch("SELECT 1")[:11])  # header and 3 bytes of payload, nothing more
    client.close()
    wait_until_gone(server, session_id)
    still_serving(server)


# -- clients that vanish --------------------------------------------------------------------------------------


def test_vanishing_mid_request_rolls_back_and_releases_the_lock(server: RunningServer) -> None:
    holder, waiter = RawClient(server.port), RawClient(server.port)
    try:
        holder.login()
        waiter.login()
        holder_id, waiter_id = spid_of(holder), spid_of(waiter)
        holder.batch("BEGIN TRAN; UPDATE held SET v = 99 WHERE id = 1")
        holder.send(holder.tds.sql_batch("WAITFOR DELAY '01:00:00'"))  # running when the client vanishes
        server.wait_for(lambda: _wait_type(server, holder_id) == "WAITFOR", "the holder to be in WAITFOR")
        waiter.send(waiter.tds.sql_batch("UPDATE held SET v = v + 1 WHERE id = 1; SELECT v FROM held WHERE id = 1"))
        server.wait_for(lambda: (_wait_type(server, waiter_id) or "").startswith("LCK_M_"), "the waiter to block")
        holder.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        holder.close()  # a reset, mid-request
        reply = waiter.reply()
        assert reply.rows == [(1,)]  # the holder's 99 was rolled back; the waiter got the lock
        wait_until_gone(server, holder_id)
    finally:
        holder.close()
        waiter.close()
    still_serving(server)


def test_vanishing_while_idle_in_a_transaction_rolls_it_back(server: RunningServer) -> None:
    holder = RawClient(server.port)
    holder.login()
    holder_id = spid_of(holder)
    holder.batch("BEGIN TRAN; UPDATE held SET v = 500 WHERE id = 2")
    holder.close()
    wait_until_gone(server, holder_id)
    other = RawClient(server.port)
    try:
        other.login()
        assert other.batch("SET LOCK_TIMEOUT 0; SELECT v FROM held WHERE id = 2").rows == [(0,)]
    finally:
        other.close()


def test_a_client_that_stops_reading_holds_a_bounded_buffer(server: RunningServer) -> None:
    reader = RawClient(server.port)
    reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.login()
    session_id = spid_of(reader)
    # a million rows of 400+ bytes: far more than any buffer; the request must wait, not buffer it
    reader.send(reader.tds.sql_batch("SELECT a.id, b.id, a.pad FROM big a CROSS JOIN big b"))
    server.wait_for(lambda: _wait_type(server, session_id) == "ASYNC_NETWORK_IO", "the request to wait on the client")
    buffered = server.on_engine(lambda: _write_buffer(server, session_id))
    assert buffered < 2 * 1024 * 1024
    still_serving(server)  # other sessions run while this one waits
    reader.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    reader.close()
    wait_until_gone(server, session_id)
    still_serving(server)


def _wait_type(server: RunningServer, session_id: int) -> str | None:
    session = server.instance.registry.get(session_id)
    task = session.task if session is not None else None
    return task.wait_type if task is not None else None


def _write_buffer(server: RunningServer, session_id: int) -> int:
    for connection in server.server.listener.connections:
        if connection.session is not None and connection.session.session_id == session_id:
            assert connection.transport is not None
            return int(connection.transport.get_write_buffer_size())
    raise AssertionError(f"no connection for session {session_id}")


# -- protocol paths: attention, IGNORE, RESETCONNECTION, TM requests --------------------------------------------


def test_attention_idle_and_during_a_request(server: RunningServer) -> None:
    client = RawClient(server.port)
    try:
        client.login()
        client.send(client.tds.attention())
        assert client.reply().dones[-1].status & DoneStatus.ATTN
        session_id = spid_of(client)
        client.send(client.tds.sql_batch("WAITFOR DELAY '01:00:00'"))
        server.wait_for(lambda: _wait_type(server, session_id) == "WAITFOR", "the request to wait")
        client.send(client.tds.attention())
        reply = client.reply()
        assert reply.dones[-1].status & DoneStatus.ATTN
        assert client.batch("SELECT 1").rows == [(1,)]
    finally:
        client.close()


def test_use_tells_the_client_with_envchange(server: RunningServer) -> None:
    client = RawClient(server.port)
    try:
        client.login()
        reply = client.batch("USE master")
        assert [(c.type, c.new, c.old) for c in reply.env_changes] == [(EnvChangeType.DATABASE, "master", "master")]
        assert [m.number for m in reply.messages] == [5701]
        assert [e.number for e in client.batch("USE nowhere").errors] == [911]
    finally:
        client.close()


def test_ignore_bit_answers_done_error(server: RunningServer) -> None:
    client = RawClient(server.port)
    try:
        client.login()
        client.send(client.tds.sql_batch("SELECT 1", status=PacketStatus.IGNORE))
        assert client.reply().dones[-1].status & DoneStatus.ERROR
        assert client.batch("SELECT 2").rows == [(2,)]
    finally:
        client.close()


def test_resetconnection_rolls_back_and_restores_options(server: RunningServer) -> None:
    client = RawClient(server.port)
    try:
        client.login()
        (before,) = client.batch("SELECT v FROM held WHERE id = 1").rows
        client.batch("SET XACT_ABORT ON; SET NOCOUNT ON; BEGIN TRAN; UPDATE held SET v = 7 WHERE id = 1")
        client.send(client.tds.sql_batch("SELECT @@TRANCOUNT, v FROM held WHERE id = 1", PacketStatus.RESETCONNECTION))
        reply = client.reply()
        assert reply.env_changes[0].type == EnvChangeType.RESET_CONNECTION_ACK
        assert reply.rows == [(0, before[0])]
        assert client.batch("SELECT XACT_STATE()").rows == [(0,)]
        session_id = spid_of(client)
        options = server.on_engine(lambda: dict(server.instance.registry.get(session_id).options))
        assert not options["XACT_ABORT"] and not options["NOCOUNT"]
    finally:
        client.close()


def test_transaction_manager_requests_map_to_transactions(server: RunningServer) -> None:
    client = RawClient(server.port)
    try:
        client.login()
        session_id = spid_of(client)
        client.send(
            client.tds.transaction(TransactionManagerRequest(TmRequestType.BEGIN_XACT, IsolationLevel.SERIALIZABLE))
        )
        begun = client.reply()
        assert begun.env_changes[0].type == EnvChangeType.BEGIN_TRANSACTION and client.tds.transaction_descriptor
        assert server.on_engine(lambda: server.instance.registry.get(session_id).isolation.name) == "SERIALIZABLE"
        client.batch("UPDATE held SET v = 3 WHERE id = 1")
        client.send(client.tds.transaction(TransactionManagerRequest(TmRequestType.SAVE_XACT, name="sp1")))
        client.reply()
        client.batch("UPDATE held SET v = 4 WHERE id = 1")
        client.send(client.tds.transaction(TransactionManagerRequest(TmRequestType.ROLLBACK_XACT, name="sp1")))
        client.reply()
        assert client.batch("SELECT v FROM held WHERE id = 1").rows == [(3,)]
        client.send(client.tds.transaction(TransactionManagerRequest(TmRequestType.COMMIT_XACT, begin_new=True)))
        committed = client.reply()
        kinds = [change.type for change in committed.env_changes]
        assert kinds == [EnvChangeType.COMMIT_TRANSACTION, EnvChangeType.BEGIN_TRANSACTION]
        client.send(client.tds.transaction(TransactionManagerRequest(TmRequestType.ROLLBACK_XACT)))
        assert [c.type for c in client.reply().env_changes] == [EnvChangeType.ROLLBACK_TRANSACTION]
        assert client.batch("SELECT @@TRANCOUNT, v FROM held WHERE id = 1").rows == [(0, 3)]
        client.send(client.tds.transaction(TransactionManagerRequest(TmRequestType.PROPAGATE_XACT, payload=b"x")))
        assert [e.number for e in client.reply().errors] == [8501]
        client.batch("UPDATE held SET v = 0 WHERE id = 1")
    finally:
        client.close()


def test_rpc_prepare_execute_unprepare_and_procedures_by_name(server: RunningServer) -> None:
    client = RawClient(server.port)
    int_type, text_type = (
        TypeInfo(TypeId.INTN, 4),
        TypeInfo(TypeId.NVARCHAR, 8000, collation=bytes.fromhex("0904D00034")),
    )
    try:
        client.login()
        prepare = RpcCall(
            proc_id=11,
            parameters=(
                RpcParameter("@handle", None, int_type, status=1),
                RpcParameter("@params", "@P1 int, @P2 nvarchar(10)", text_type),
                RpcParameter("@stmt", "SELECT @P1 + 1, @P2 + N'!'", text_type),
            ),
        )
        client.send(client.tds.rpc([prepare]))
        handle = client.reply().return_values[0].value
        assert isinstance(handle, int) and handle > 0
        execute = RpcCall(
            proc_id=12,
            parameters=(
                RpcParameter("", handle, int_type),
                RpcParameter("", 41, int_type),
                RpcParameter("", "hi", text_type),
            ),
        )
        client.send(client.tds.rpc([execute, execute]))
        reply = client.reply()
        assert reply.rows == [(42, "hi!"), (42, "hi!")]
        assert reply.dones[-1].status & DoneStatus.MORE == 0
        unprepare = RpcCall(proc_id=15, parameters=(RpcParameter("", handle, int_type),))
        client.send(client.tds.rpc([unprepare, execute]))
        assert [e.number for e in client.reply().errors] == [8179]
        bad_conversion = RpcCall(
            proc_id=10,
            parameters=(
                RpcParameter("", "SELECT @P1", text_type),
                RpcParameter("", "@P1 int", text_type),
                RpcParameter("@P1", "not a number", text_type),
            ),
        )
        client.send(client.tds.rpc([bad_conversion]))
        assert [e.number for e in client.reply().errors] == [245]
        client.send(client.tds.rpc([RpcCall(proc_name="sp_readerrorlog; DROP TABLE held")]))
        assert [e.number for e in client.reply().errors] == [2812]
        client.send(
            client.tds.rpc([RpcCall(proc_name="sys.sp_readerrorlog", parameters=(RpcParameter("", 0, int_type),))])
        )
        reply = client.reply()
        assert reply.rows and reply.return_status == 0
        assert client.batch("SELECT COUNT(*) FROM held").rows == [(2,)]
    finally:
        client.close()


def test_many_short_connections_leave_no_session_behind(server: RunningServer) -> None:
    ended = []
    for _ in range(10):
        client = RawClient(server.port)
        client.login()
        ended.append(spid_of(client))
        client.close()
    for session_id in ended:
        wait_until_gone(server, session_id)


def test_the_server_counters_count_connections_packets_broken_input_and_file_io(server: RunningServer) -> None:
    """@@CONNECTIONS, @@PACK_RECEIVED, @@PACK_SENT, @@PACKET_ERRORS, @@TOTAL_WRITE and @@IO_BUSY report what the
    server did since it started, as SQL Server's do (never a constant)."""
    counters = "SELECT @@CONNECTIONS, @@PACK_RECEIVED, @@PACK_SENT, @@PACKET_ERRORS, @@TOTAL_WRITE, @@IO_BUSY, @@IDLE"
    watcher = RawClient(server.port)
    try:
        watcher.login()
        [before] = watcher.batch(counters).rows
        broken = RawClient(server.port, timeout=5)
        try:
            broken.send(b"GET / HTTP/1.1\r\n\r\n")
            assert broken.closed_by_server()
        finally:
            broken.close()
        watcher.batch("INSERT INTO held VALUES (100, 1)")  # a durable commit writes the log
        watcher.batch("DELETE FROM held WHERE id = 100")
        [after] = watcher.batch(counters).rows
    finally:
        watcher.close()
    connections, received, sent, errors, writes, io_busy, idle = (b - a for a, b in zip(before, after, strict=True))
    assert connections >= 1 and errors >= 1  # the broken client connected and was dropped for its input
    assert received >= 4 and sent >= 3  # this connection's three batches and their replies at least
    assert writes >= 2 and io_busy >= 0 and idle >= 0
