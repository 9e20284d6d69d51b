"""Oracle Net over a raw socket, for exact packet orders a driver does not produce on demand: a break that arrives
in the same segment as the call it cancels, a break while idle, garbage after login."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from quietus.protocol.tns.packets import Packet, PacketReader
from quietus.protocol.tns.ttc import TtcReader
from tests.clients.oracle_long_call import LONG_QUERY, create_spin_table
from tests.clients.server_harness import PASSWORD, RunningServer, running_server
from tests.unit.test_tns_codec import (
    DESCRIPTOR,
    auth_request,
    client_phase_two,
    connect_packet,
    data,
    data_types_request,
    execute_request,
    marker,
    read_error_message,
    read_parameters,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("oracle-raw") / "data", oracle=True) as running:
        import oracledb

        dsn = f"127.0.0.1:{running.oracle_port}/master"
        with oracledb.connect(user="sa", password=PASSWORD, dsn=dsn) as conn, conn.cursor() as cur:
            create_spin_table(cur)
        yield running


class RawOracleClient:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.reader = PacketReader()

    def packet(self) -> Packet:
        while True:
            packet = self.reader.next_packet()
            if packet is not None:
                return packet
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.reader.feed(chunk)

    def payload(self) -> bytes:
        packet = self.packet()
        assert packet.type == 6, packet
        return packet.payload

    def login(self) -> None:
        self.sock.sendall(connect_packet(DESCRIPTOR.replace("(PORT=1521)", "")))
        assert self.packet().type == 2
        self.reader.large = True
        self.sock.sendall(data(b"\x01\x06\x00raw\x00"))
        self.payload()
        self.sock.sendall(data(data_types_request(False)))
        self.payload()
        self.sock.sendall(data(auth_request(118, "sa", {"AUTH_PID": "1", "AUTH_SID": "raw"}, 1)))
        params = read_parameters(TtcReader(self.payload()))
        pairs, _ = client_phase_two(PASSWORD, params)
        self.sock.sendall(data(auth_request(115, "sa", pairs, 0x101)))
        reader = TtcReader(self.payload())
        assert "AUTH_SESSION_ID" in read_parameters(reader)
        assert read_error_message(reader)["error"] == 0

    def ping(self) -> dict[str, object]:
        self.sock.sendall(data(bytes([3, 147, 9])))
        return read_error_message(TtcReader(self.payload()))


def expect_break_dance(client: RawOracleClient) -> dict[str, object]:
    first = client.packet()
    assert (first.type, first.body) == (12, b"\x01\x00\x01")  # BREAK
    client.sock.sendall(marker(2))  # RESET
    second = client.packet()
    assert (second.type, second.body) == (12, b"\x01\x00\x02")
    return read_error_message(TtcReader(client.payload()))


def test_a_break_in_the_same_segment_as_its_call_cancels_that_call(server: RunningServer) -> None:
    client = RawOracleClient(server.oracle_port)
    client.login()
    call = data(execute_request(LONG_QUERY, [], query=True))
    client.sock.sendall(call + marker(3))
    info = expect_break_dance(client)
    assert info["error"] == 1013
    assert client.ping()["error"] == 0


def test_a_break_while_idle_is_answered_without_an_error(server: RunningServer) -> None:
    client = RawOracleClient(server.oracle_port)
    client.login()
    client.sock.sendall(marker(3))
    assert expect_break_dance(client)["error"] == 0
    assert client.ping()["error"] == 0


def test_an_unknown_function_code_is_ora_01022_and_the_session_goes_on(server: RunningServer) -> None:
    client = RawOracleClient(server.oracle_port)
    client.login()
    client.sock.sendall(data(bytes([3, 201, 4, 1, 2, 3])))
    info = read_error_message(TtcReader(client.payload()))
    assert info["error"] == 1022 and str(info["message"]).startswith("ORA-01022:")
    assert client.ping()["error"] == 0


def test_garbage_after_login_closes_only_that_connection(server: RunningServer) -> None:
    client = RawOracleClient(server.oracle_port)
    client.login()
    client.sock.sendall(data(b"\x42\x42\x42"))
    with pytest.raises(ConnectionError):
        client.packet()
    other = RawOracleClient(server.oracle_port)
    other.login()
    assert other.ping()["error"] == 0
    assert "The connection has been closed" in server.errorlog_text()


def test_reexecute_and_fetch_returns_rows_without_a_second_describe(server: RunningServer) -> None:
    from quietus.protocol.tns import values
    from quietus.protocol.tns.ttc import TtcWriter

    client = RawOracleClient(server.oracle_port)
    client.login()
    client.sock.sendall(data(execute_request("SELECT n FROM spin WHERE n < 5 ORDER BY n", [], query=True)))
    reply = TtcReader(client.payload())
    assert reply.ub1() == 16  # DESCRIBE_INFO first
    first = client_cursor_id(reply.data)
    request = TtcWriter().ub1(3).ub1(78).ub1(5).ub4(first).ub4(3).ub4(0x20).ub4(0).getvalue()
    client.sock.sendall(data(request))
    again = TtcReader(client.payload())
    rows = []
    while again.data[again.pos] == 7:
        again.ub1()
        rows.append(values.decode_number(again.bytes_with_length() or b""))
    assert rows == [0, 1, 2]  # at most the 3 asked for, and no DESCRIBE_INFO
    info = read_error_message(again)
    assert info["cursor_id"] == first and info["error"] == 0 and info["rowcount"] == 3


def client_cursor_id(payload: bytes) -> int:
    """The cursor id of the ERROR message that ends an execute reply (DESCRIBE_INFO, 2 rows, ERROR): the last
    offset from which an ERROR message reads exactly to the end of the payload."""
    for start in range(len(payload) - 1, -1, -1):
        if payload[start] != 4:
            continue
        reader = TtcReader(payload[start:])
        try:
            info = read_error_message(reader)
        except Exception:
            continue
        if reader.remaining == 0 and info["cursor_id"]:
            return int(info["cursor_id"])
    raise AssertionError("no end-of-call message with a cursor id")
