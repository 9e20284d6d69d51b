"""Every input gets an answer, over real sockets (issue 14, item 1): pytds for what a driver can send, the raw
client for what only a hostile or broken one can (lone surrogates, malformed sp_executesql declarations).  After
each, the same connection still runs a query: nothing ended the session without an error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quietus.protocol.tds import RpcCall, RpcParameter
from quietus.protocol.tds.types import TypeId, TypeInfo
from tests.clients.server_harness import PASSWORD, RawClient, RunningServer, running_server
from tests.harness import plant_bug_in_select

EMOJI = "\U0001f600"
TEXT = TypeInfo(TypeId.NVARCHAR, 8000, collation=bytes.fromhex("0904D00034"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("reliability") / "data") as running:
        yield running


@pytest.fixture
def cursor(server: RunningServer) -> Iterator[Any]:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    options = {"user": "sa", "password": PASSWORD, "port": server.port, "login_timeout": 10, "timeout": 20}
    with pytds.connect("127.0.0.1", autocommit=True, **options) as conn, conn.cursor() as cur:
        yield cur


@pytest.fixture
def raw(server: RunningServer) -> Iterator[RawClient]:
    client = RawClient(server.port)
    client.login()
    try:
        yield client
    finally:
        client.close()


def error_number(cursor: Any, sql: str) -> int:
    pytds = pytest.importorskip("pytds")
    with pytest.raises(pytds.Error) as caught:
        cursor.execute(sql)
        cursor.fetchall()
    number: int = caught.value.msg_no
    return number


def test_text_outside_the_bmp_round_trips_and_is_measured_in_code_units(cursor: Any) -> None:
    cursor.execute(f"SELECT N'{EMOJI}', LEN(N'a{EMOJI}'), DATALENGTH(N'{EMOJI}'), SUBSTRING(N'a{EMOJI}b', 2, 2)")
    assert cursor.fetchall() == [(EMOJI, 3, 4, EMOJI)]
    cursor.execute("CREATE TABLE bmp (id INT PRIMARY KEY, one NVARCHAR(1), two NVARCHAR(2))")
    assert error_number(cursor, f"INSERT INTO bmp VALUES (1, N'{EMOJI}', NULL)") == 2628
    cursor.execute("INSERT INTO bmp VALUES (2, %s, %s)", ("x", EMOJI))  # parameters: sp_executesql
    cursor.execute("SELECT one, two, LEN(two) FROM bmp")
    assert cursor.fetchall() == [("x", EMOJI, 2)]
    cursor.execute(f"DECLARE @v NVARCHAR(1) = N'{EMOJI}'; SELECT LEN(@v), DATALENGTH(@v)")
    assert cursor.fetchall() == [(1, 2)]


def test_empty_select_lists_and_deep_nesting_are_errors(cursor: Any) -> None:
    assert error_number(cursor, "SELECT") == 156
    assert error_number(cursor, "SELECT FROM bmp") == 156
    assert error_number(cursor, "SELECT " + "(" * 10_000 + "1" + ")" * 10_000) == 191
    assert error_number(cursor, "SELECT 1 WHERE " + "NOT " * 20_000 + "1 = 1") == 191
    assert error_number(cursor, "SELECT " + "+".join(["1"] * 50_000)) == 8631
    cursor.execute("SELECT 42")
    assert cursor.fetchall() == [(42,)]


def test_a_lone_surrogate_in_a_literal_becomes_the_replacement_character(raw: RawClient) -> None:
    reply = raw.batch("SELECT N'a\ud800b', LEN(N'a\ud800b'), UNICODE(SUBSTRING(N'a\ud800b', 2, 1))")
    assert reply.errors == [] and reply.rows == [("a\ufffdb", 3, 0xFFFD)]


@pytest.mark.parametrize(
    ("declarations", "number"),
    [("xP1 INT", 102), ("@P1 NT", 2715), ("@P1", 102), ("@P1 INT, @P1 INT", 134), ("@P1 INT @P2 INT", 102)],
)
def test_malformed_sp_executesql_declarations_are_errors_not_a_dropped_connection(
    raw: RawClient, declarations: str, number: int
) -> None:
    call = RpcCall(
        proc_id=10,
        parameters=(
            RpcParameter("", "SELECT 1", TEXT),
            RpcParameter("", declarations, TEXT),
            RpcParameter("", "1", TEXT),
        ),
    )
    raw.send(raw.tds.rpc([call]))
    assert [e.number for e in raw.reply().errors] == [number]
    assert raw.batch("SELECT 42").rows == [(42,)]


def test_a_password_with_a_lone_surrogate_is_login_failed(server: RunningServer) -> None:
    client = RawClient(server.port)
    try:
        reply = client.login(password="Quietus\ud800")
        assert reply.login_ack is None and [e.number for e in reply.errors] == [18456]
    finally:
        client.close()


def test_the_safety_net_answers_the_client_and_keeps_its_session(
    server: RunningServer, raw: RawClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_bug_in_select(monkeypatch)
    before = raw.batch("SELECT fired_count FROM sys.dm_quietus_safety_net").rows[0][0]
    assert isinstance(before, int)
    reply = raw.batch("BEGIN TRAN; CREATE TABLE net (id INT PRIMARY KEY); SELECT 'safety_net_probe'")
    assert [e.number for e in reply.errors] == [8630]
    assert raw.batch("SELECT @@TRANCOUNT, OBJECT_ID('net')").rows == [(0, None)]  # rolled back
    assert raw.batch("SELECT fired_count FROM sys.dm_quietus_safety_net").rows == [(before + 1,)]
    log = server.errorlog_text()
    assert log.count("ZeroDivisionError: a bug") == 1 and "Traceback" in log


def test_a_function_that_lengthens_its_string_reaches_the_client(cursor: Any) -> None:
    cursor.execute(f"SELECT STUFF(N'abc', 2, 1, N'xxxxxx'), STUFF(N'a{EMOJI}b', 2, 2, N'{EMOJI}{EMOJI}')")
    assert cursor.fetchall() == [("axxxxxxc", f"a{EMOJI}{EMOJI}b")]
    cursor.execute("SELECT CASE WHEN 1 = 1 THEN REPLICATE('a', 5000) ELSE N'b' END")  # varchar(8000) meets nvarchar
    assert cursor.fetchall() == [("a" * 5000,)]
