"""SET options through a real client (pytds over TDS): what tedious sends at connect is honoured, the three options
drivers and users turn OFF change answers, every view of them agrees, sp_reset_connection puts them back, and a
value Quietus cannot honour is refused with SQL Server's 40517 rather than accepted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quietus.protocol.tds import RpcCall, RpcParameter
from quietus.protocol.tds.types import TypeId, TypeInfo
from tests.clients.server_harness import PASSWORD, RawClient, RunningServer, running_server

pytds = pytest.importorskip("pytds", reason="python-tds is not installed")

# The batch tedious 18 sends after login (tds.md), option for option.
TEDIOUS_CONNECT = (
    "set textsize 2147483647\nset quoted_identifier on\nset arithabort off\nset numeric_roundabort off\n"
    "set ansi_warnings on\nset ansi_padding on\nset ansi_nulls on\nset concat_null_yields_null on\n"
    "set cursor_close_on_commit off\nset implicit_transactions off\nset language us_english\nset dateformat mdy\n"
    "set datefirst 7\nset transaction isolation level read committed"
)
VIEWS = (
    "SELECT @@OPTIONS, SESSIONPROPERTY('ANSI_NULLS'), SESSIONPROPERTY('CONCAT_NULL_YIELDS_NULL'), "
    "SESSIONPROPERTY('QUOTED_IDENTIFIER'), s.ansi_nulls, s.concat_null_yields_null, s.quoted_identifier "
    "FROM sys.dm_exec_sessions AS s WHERE s.session_id = @@SPID"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("server") / "data") as running:
        yield running


def connect(server: RunningServer) -> Any:
    return pytds.connect(
        "127.0.0.1", port=server.port, user="sa", password=PASSWORD, database="master", autocommit=True
    )


def one(cur: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    cur.execute(sql, params or None)
    return [tuple(row) for row in cur.fetchall()]


def test_tedious_connect_batch_is_honoured(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(TEDIOUS_CONNECT)
        assert one(cur, VIEWS) == [(5496 - 64, 1, 1, 1, True, True, True)]  # ARITHABORT OFF, as tedious asks


def test_the_three_options_change_answers_and_every_view(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE opt_t (id INT PRIMARY KEY, v INT NULL, s VARCHAR(10) NULL)")
        cur.execute("INSERT INTO opt_t VALUES (1, NULL, 'a'), (2, 2, NULL)")
        assert one(cur, "SELECT id FROM opt_t WHERE v = NULL") == []
        assert one(cur, "SELECT id FROM opt_t WHERE v = %s", None) == []
        assert one(cur, "SELECT 'x' + s FROM opt_t ORDER BY id") == [("xa",), (None,)]
        assert one(cur, 'SELECT "id" FROM opt_t WHERE id = 1') == [(1,)]
        cur.execute("SET ANSI_NULLS OFF; SET CONCAT_NULL_YIELDS_NULL OFF; SET QUOTED_IDENTIFIER OFF")
        assert one(cur, "SELECT id FROM opt_t WHERE v = NULL") == [(1,)]
        assert one(cur, "SELECT id FROM opt_t WHERE v = %s", None) == [(1,)]  # a NULL parameter (sp_executesql)
        assert one(cur, "SELECT id FROM opt_t WHERE v <> NULL") == [(2,)]
        assert one(cur, "SELECT 'x' + s FROM opt_t ORDER BY id") == [("xa",), ("x",)]
        assert one(cur, 'SELECT "id" FROM opt_t WHERE id = 1') == [("id",)]
        assert one(cur, VIEWS) == [(5496 - 32 - 4096 - 256, 0, 0, 0, False, False, False)]
        cur.callproc("sp_reset_connection", ())
        assert one(cur, VIEWS) == [(5496, 1, 1, 1, True, True, True)]
        assert one(cur, "SELECT id FROM opt_t WHERE v = NULL") == []
        assert one(cur, 'SELECT "id" FROM opt_t WHERE id = 1') == [(1,)]


def test_values_quietus_cannot_honour_are_refused(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        for statement in ("SET ANSI_WARNINGS OFF", "SET STATISTICS IO ON", "SET NUMERIC_ROUNDABORT ON"):
            with pytest.raises(pytds.Error) as failure:
                cur.execute(statement)
            assert failure.value.msg_no == 40517
        assert one(cur, "SELECT @@OPTIONS") == [(5496,)]


# -- RPC OUTPUT parameters: the values the procedure or statement set, not the values sent -----------------------


def test_rpc_output_parameters_by_name_and_position_carry_what_the_procedure_set(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE PROCEDURE rpc_out @a INT, @doubled INT OUTPUT, @label NVARCHAR(20) OUTPUT AS\n"
            "BEGIN SET @doubled = @a * 2; SET @label = N'got ' + CAST(@a AS NVARCHAR(10)); RETURN 7 END"
        )
        by_name = cur.callproc(
            "rpc_out",
            {
                "@a": 21,
                "@doubled": pytds.output(value=1, param_type="int"),
                "@label": pytds.output(value=None, param_type="nvarchar(20)"),
            },
        )
        assert list(by_name)[1:] == [42, "got 21"]  # pytds lists a dict's keys, the outputs put at their ordinals
        assert cur.get_proc_return_status() == 7
        outputs = (pytds.output(value=None, param_type="int"), pytds.output(value="x", param_type="nvarchar(20)"))
        by_position = cur.callproc("rpc_out", (5, *outputs))
        assert list(by_position) == [5, 10, "got 5"]
        with pytest.raises(pytds.Error) as failure:  # OUTPUT for a parameter that is not: SQL Server's 8162
            cur.callproc("rpc_out", (pytds.output(value=1, param_type="int"), 0, "x"))
        assert failure.value.msg_no == 8162


def test_sp_executesql_output_parameters_by_name(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        outputs = cur.callproc(
            "sp_executesql",
            {
                "@stmt": "SET @total = @x + 1; SET @text = CONCAT(N'n=', @x)",
                "@params": "@x INT, @total INT OUTPUT, @text NVARCHAR(10) OUTPUT",
                "@x": 41,
                "@total": pytds.output(value=None, param_type="int"),
                "@text": pytds.output(value=None, param_type="nvarchar(10)"),
            },
        )
        assert list(outputs)[-2:] == [42, "n=41"]


def test_raw_rpc_returnvalue_tokens_carry_names_ordinals_and_the_values_set(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE PROCEDURE raw_out @a INT, @b INT OUTPUT, @c NVARCHAR(10) OUTPUT AS SELECT @b = @a + 1, @c = N'set'"
        )
    int_type = TypeInfo(TypeId.INTN, 4)
    text_type = TypeInfo(TypeId.NVARCHAR, 20, collation=bytes.fromhex("0904D00034"))
    client = RawClient(server.port)
    try:
        client.login()
        call = RpcCall(
            proc_name="raw_out",
            parameters=(  # named, out of the procedure's order
                RpcParameter("@c", None, text_type, status=1),
                RpcParameter("@a", 9, int_type),
                RpcParameter("@b", 0, int_type, status=1),
            ),
        )
        client.send(client.tds.rpc([call]))
        values = client.reply().return_values
        assert [(v.ordinal, v.name, v.value) for v in values] == [(0, "@c", "set"), (2, "@b", 10)]
        assert [v.info.type_id for v in values] == [TypeId.NVARCHAR, TypeId.INTN]
    finally:
        client.close()


def test_a_set_inside_sp_executesql_lasts_until_the_call_returns(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        # with a parameter, pytds sends sp_executesql: SQL Server scopes its SETs as a procedure's
        cur.execute("SET ANSI_NULLS OFF; SELECT CASE WHEN NULL = NULL THEN %s ELSE 0 END", (1,))
        assert cur.fetchall() == [(1,)]  # in force inside the call
        assert one(cur, "SELECT SESSIONPROPERTY('ANSI_NULLS')") == [(1,)]  # and put back when it returns
        cur.execute("SET ANSI_NULLS OFF")  # a batch: it stays
        assert one(cur, "SELECT SESSIONPROPERTY('ANSI_NULLS')") == [(0,)]
        # the settings that are no ON/OFF option are put back too, and only a call's own SETs are
        cur.execute("SET LOCK_TIMEOUT 250; SET DATEFIRST 3")
        cur.execute("SET LOCK_TIMEOUT 5; SET DATEFIRST 1; SELECT @@LOCK_TIMEOUT + %s, @@DATEFIRST", (0,))
        assert cur.fetchall() == [(5, 1)]
        assert one(cur, "SELECT @@LOCK_TIMEOUT, @@DATEFIRST") == [(250, 3)]
