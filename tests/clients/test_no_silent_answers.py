"""No silent wrong answers (issue 10, item 3): what Quietus does not do is an error with SQL Server's number.

Each case was once a success that did nothing, plain rows in place of something else, a count clients could not
read, or a dropped connection.  After each, the same connection still works.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from quietus.protocol.tds import RpcCall, RpcParameter
from quietus.protocol.tds.tokens import CURRENT_COMMAND, DoneStatus
from quietus.protocol.tds.types import TypeId, TypeInfo
from tests.clients.server_harness import PASSWORD, RawClient, RunningServer, running_server

TEXT = TypeInfo(TypeId.NVARCHAR, 8000, collation=bytes.fromhex("0904D00034"))
INT = TypeInfo(TypeId.INTN, 4)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("silent") / "data") as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[RawClient]:
    raw = RawClient(server.port)
    raw.login()
    try:
        yield raw
    finally:
        raw.close()


def test_sp_executesql_takes_its_parameters_by_position_whatever_their_names(client: RawClient) -> None:
    """tedious names them @statement and @params: SQL Server runs the statement all the same."""
    call = RpcCall(
        proc_id=10,
        parameters=(
            RpcParameter("@statement", "SELECT @x * 2 AS doubled", TEXT),
            RpcParameter("@params", "@x int", TEXT),
            RpcParameter("@x", 21, INT),
        ),
    )
    client.send(client.tds.rpc([call]))
    reply = client.reply()
    assert reply.errors == []
    assert reply.rows == [(42,)]


def test_done_carries_the_current_command(client: RawClient) -> None:
    client.batch("CREATE TABLE cmd (id INT PRIMARY KEY, v INT)")
    reply = client.batch(
        "INSERT INTO cmd VALUES (1, 1), (2, 2); UPDATE cmd SET v = 3 WHERE id = 1; "
        "DELETE FROM cmd WHERE id = 2; SELECT * FROM cmd"
    )
    commands = [(d.cur_cmd, d.row_count) for d in reply.dones if d.status & DoneStatus.COUNT]
    assert commands == [
        (CURRENT_COMMAND["INSERT"], 2),
        (CURRENT_COMMAND["UPDATE"], 1),
        (CURRENT_COMMAND["DELETE"], 1),
        (CURRENT_COMMAND["SELECT"], 1),
    ]
    assert CURRENT_COMMAND["INSERT"] == 0xC3  # MS-TDS's value, which mssql-jdbc reads as an update count


@pytest.mark.parametrize(
    ("statement", "number", "words"),
    [
        ("CREATE TABLE computed (a INT, b AS GETDATE() UNIQUE)", 2729, "non-deterministic"),  # computed at read
        ("SELECT name FROM sys.objects FOR XML EXPLICIT", 40517, "FOR XML"),
        ("SELECT name FROM sys.objects FOR JSON AUTO", 40517, "FOR JSON"),
        ("CREATE TABLE dto (a DATETIMEOFFSETX)", 243, "datetimeoffsetx"),
        ("SELECT 1 + 1 INTO unnamed", 1038, "SELECT INTO"),
        ("SELECT TOP 1 WITH TIES name FROM sys.objects ORDER BY name", 40517, "WITH TIES"),
        ("SELECT name FROM sys.objects GROUP BY name WITH ROLLUP", 40517, "ROLLUP"),
        ("SELECT name FROM sys.objects GROUP BY name WITH CUBE", 40517, "CUBE"),
        ("CREATE TABLE sampled (a INT); SELECT a FROM sampled TABLESAMPLE (10 PERCENT)", 40517, "TABLESAMPLE"),
        ("CREATE TABLE filtered (a INT, b INT); CREATE UNIQUE INDEX f ON filtered (a) WHERE b = 1", 40517,
         "filtered index"),
        ("CREATE TABLE stamped (a INT, r ROWVERSION)", 40517, "rowversion"),
        ("CREATE TABLE stamped (a INT, t TIMESTAMP)", 40517, "rowversion"),
    ],
    ids=["computed-column", "for-xml", "for-json", "unknown-type", "select-into-unnamed", "with-ties", "rollup", "cube",
         "tablesample", "filtered-index", "rowversion", "timestamp"],
)
def test_unsupported_statements_are_errors_with_sql_servers_number(
    client: RawClient, statement: str, number: int, words: str
) -> None:
    reply = client.batch(statement)
    assert [e.number for e in reply.errors] == [number]
    assert words in reply.errors[0].text
    assert reply.rows == []
    assert client.batch("SELECT 1").rows == [(1,)]


@pytest.mark.parametrize("option", ["NOEXEC", "FMTONLY", "PARSEONLY", "STATISTICS XML", "STATISTICS PROFILE"])
def test_set_options_that_would_stop_statements_running_are_refused(client: RawClient, option: str) -> None:
    """Accepted and ignored, SET NOEXEC ON / FMTONLY ON let the next INSERT run: a tool asking for metadata wrote."""
    client.batch("IF OBJECT_ID('noexec') IS NULL CREATE TABLE noexec (id INT)")
    reply = client.batch(f"SET {option} ON; INSERT INTO noexec VALUES (1)")
    assert [e.number for e in reply.errors] == [40517]
    assert f"SET {option} ON" in reply.errors[0].text
    assert client.batch(f"SET {option} OFF").errors == []
    assert client.batch("SELECT COUNT(*) FROM noexec").rows == [(0,)]  # the batch stopped at the refusal


def test_select_into_makes_the_table_and_fills_it(client: RawClient) -> None:
    """SELECT ... INTO once answered success, wrote nothing and made no table."""
    client.batch("CREATE TABLE into_from (id INT PRIMARY KEY, n NVARCHAR(20), d DECIMAL(10,2))")
    client.batch("INSERT INTO into_from VALUES (1, N'a', 1.50), (2, N'b', NULL)")
    reply = client.batch("SELECT id, n, d * 2 AS dd INTO into_copy FROM into_from")
    assert reply.errors == [] and [d.row_count for d in reply.dones] == [2]
    copied = client.batch("SELECT * FROM into_copy ORDER BY id")
    assert [c.name for c in copied.columns[0].columns] == ["id", "n", "dd"]
    assert [(r[0], r[1]) for r in copied.rows] == [(1, "a"), (2, "b")] and copied.rows[1][2] is None
    assert [e.number for e in client.batch("SELECT id INTO into_copy FROM into_from").errors] == [2714]
    client.batch("BEGIN TRAN; SELECT id INTO into_gone FROM into_from; ROLLBACK")
    assert [e.number for e in client.batch("SELECT * FROM into_gone").errors] == [208]


def test_dml_top_percent_takes_that_share_of_the_rows(client: RawClient) -> None:
    """DELETE TOP (10) PERCENT once deleted every row: the PERCENT was read as a row count."""
    client.batch("CREATE TABLE shares (id INT PRIMARY KEY)")
    client.batch("INSERT INTO shares VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11)")
    assert [d.row_count for d in client.batch("DELETE TOP (10) PERCENT FROM shares").dones] == [2]  # ceil(1.1)
    assert [d.row_count for d in client.batch("UPDATE TOP (50) PERCENT shares SET id = id + 100").dones] == [5]
    assert client.batch("SELECT COUNT(*) FROM shares").rows == [(9,)]


def test_output_returns_the_rows_written_by_insert_update_and_delete(client: RawClient) -> None:
    client.batch("CREATE TABLE outs (id INT IDENTITY(1,1) PRIMARY KEY, v INT, n NVARCHAR(10) DEFAULT N'dflt')")
    inserted = client.batch("INSERT INTO outs (v) OUTPUT inserted.* VALUES (5), (6)")
    assert [c.name for c in inserted.columns[0].columns] == ["id", "v", "n"]
    assert inserted.rows == [(1, 5, "dflt"), (2, 6, "dflt")]  # identity and default as written
    assert [d.row_count for d in inserted.dones] == [2]
    updated = client.batch("UPDATE outs SET v = v + 1 OUTPUT inserted.id, deleted.v AS old, inserted.v AS new")
    assert [c.name for c in updated.columns[0].columns] == ["id", "old", "new"]
    assert sorted(updated.rows) == [(1, 5, 6), (2, 6, 7)]
    deleted = client.batch("DELETE outs OUTPUT deleted.id, deleted.v * 10 WHERE id = 1")
    assert deleted.rows == [(1, 60)]
    assert client.batch("SELECT id, v FROM outs").rows == [(2, 7)]


def test_output_into_a_table_writes_in_the_same_statement(client: RawClient) -> None:
    client.batch("CREATE TABLE into_src (id INT PRIMARY KEY, v INT); CREATE TABLE into_log (id INT, old INT, new INT)")
    client.batch("INSERT INTO into_src VALUES (1, 10), (2, 20)")
    reply = client.batch("UPDATE into_src SET v = 0 OUTPUT inserted.id, deleted.v, inserted.v INTO into_log")
    assert reply.rows == [] and [d.row_count for d in reply.dones] == [2]
    assert sorted(client.batch("SELECT * FROM into_log").rows) == [(1, 10, 0), (2, 20, 0)]
    client.batch("BEGIN TRAN; DELETE into_src OUTPUT deleted.id INTO into_log (id) WHERE id = 1; ROLLBACK")
    assert len(client.batch("SELECT * FROM into_log").rows) == 2  # rolled back with the statement's transaction
    assert client.batch("SELECT COUNT(*) FROM into_src").rows == [(2,)]


@pytest.mark.parametrize(
    ("statement", "number"),
    [
        ("INSERT INTO bad_out (id) OUTPUT deleted.id VALUES (1)", 4104),  # INSERT has no deleted rows
        ("INSERT INTO bad_out (id) OUTPUT inserted.id INTO @t VALUES (1)", 40517),
        ("INSERT INTO bad_out (id) OUTPUT inserted.id INTO no_such_log VALUES (1)", 208),
    ],
    ids=["deleted-in-insert", "into-table-variable", "into-missing-table"],
)
def test_output_errors_write_nothing(client: RawClient, statement: str, number: int) -> None:
    client.batch("IF OBJECT_ID('bad_out') IS NULL CREATE TABLE bad_out (id INT PRIMARY KEY)")
    reply = client.batch(statement)
    assert [e.number for e in reply.errors] == [number]
    assert client.batch("SELECT COUNT(*) FROM bad_out").rows == [(0,)]


def test_a_datetimeoffset_parameter_round_trips_with_its_offset(server: RunningServer) -> None:
    """Once a traceback and "internal error"; then error 243; now the type works."""
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    offset = dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    conn = pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=True)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT %s, CONVERT(VARCHAR(40), %s)", (offset, offset))
        value, text = cur.fetchone()
        assert value == offset and value.utcoffset() == dt.timedelta(hours=5, minutes=30)
        assert text == "2024-01-02 03:04:05.123456 +05:30"  # pytds declares datetimeoffset(6)
