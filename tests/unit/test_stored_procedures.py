"""Stored procedures through the embedded engine: DDL, binding, OUTPUT, RETURN, nesting, errors, catalog views."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.engine.txn.transaction import Isolation
from quietus.sessions.session import Session
from quietus.sql.results import CollectingSink, ReturnStatus, StatementDone
from quietus.sql.stored_procedures import SCOPED_SETTINGS, read_scoped
from tests.embedded import rows

TRANSFER = """CREATE PROCEDURE dbo.transfer @from INT, @to INT, @amount INT = 10, @left INT OUTPUT
AS
BEGIN
  SET NOCOUNT ON;
  UPDATE acct SET bal = bal - @amount WHERE id = @from;
  UPDATE acct SET bal = bal + @amount WHERE id = @to;
  SELECT @left = bal FROM acct WHERE id = @from;
  IF @left < 0 RETURN 1;
  RETURN 0
END"""


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    connection.run("CREATE TABLE acct (id INT PRIMARY KEY, bal INT); INSERT INTO acct VALUES (1, 100), (2, 50)")
    connection.run(TRANSFER)
    yield connection
    connection.close()




def error(conn: Connection, sql: str) -> tuple[int, str, str]:
    sink = conn.run(sql)
    first = next(m for m in sink.messages if m.is_error)
    return first.number, first.text, first.procedure


def test_positional_named_default_and_output_arguments(conn: Connection) -> None:
    assert rows(conn, "DECLARE @l INT, @rc INT; EXEC @rc = transfer 1, 2, @left = @l OUTPUT; SELECT @l, @rc") == [
        (90, 0)
    ]
    assert rows(conn, "SELECT bal FROM acct ORDER BY id") == [(90,), (60,)]
    result = "DECLARE @l INT, @rc INT; EXEC @rc = transfer @to = 1, @from = 2, @amount = 500, @left = @l OUT; "
    assert rows(conn, result + "SELECT @l, @rc") == [(-440, 1)]


def test_output_without_output_in_the_call_leaves_the_variable(conn: Connection) -> None:
    assert rows(conn, "DECLARE @l INT = 7; EXEC transfer 1, 2, 0, @l; SELECT @l") == [(7,)]


def test_return_status_reaches_the_client_of_a_top_level_exec(conn: Connection) -> None:
    sink: CollectingSink = conn.run("EXEC transfer 2, 1, 500, NULL")
    assert [event.value for event in sink.events if isinstance(event, ReturnStatus)] == [1]


@pytest.mark.parametrize(
    ("call", "number", "text"),
    [
        ("EXEC transfer 1", 201, "Procedure or function 'transfer' expects parameter '@to', which was not supplied."),
        ("EXEC transfer 1, 2, 3, 4, 5", 8144, "Procedure or function transfer has too many arguments specified."),
        ("EXEC transfer @nope = 1", 8145, "@nope is not a parameter for procedure transfer."),
        ("EXEC transfer @from = 1, 2", 119, "Must pass parameter number 2 and subsequent parameters as"),
        ("DECLARE @x INT; EXEC transfer @x OUTPUT, 2, 3, @x", 8162, 'The formal parameter "@from" was not declared'),
        ("EXEC nothing_here", 2812, "Could not find stored procedure 'nothing_here'."),
    ],
)
def test_binding_errors_have_sql_servers_numbers(conn: Connection, call: str, number: int, text: str) -> None:
    got_number, got_text, _ = error(conn, call)
    assert (got_number, got_text[: len(text)]) == (number, text)


def test_definition_errors(conn: Connection) -> None:
    assert error(conn, "CREATE PROCEDURE transfer AS SELECT 1")[0] == 2714
    assert error(conn, "CREATE PROCEDURE acct AS SELECT 1")[0] == 2714  # a table's name
    assert error(conn, "ALTER PROCEDURE missing AS SELECT 1")[0] == 208
    assert error(conn, "DROP PROCEDURE missing")[:2] == (
        3701,
        "Cannot drop the procedure 'missing', because it does not exist or you do not have permission.",
    )
    conn.run("DROP PROCEDURE IF EXISTS missing")
    assert error(conn, "CREATE PROCEDURE sys.mine AS SELECT 1")[0] == 2760


def test_alter_and_create_or_alter_replace_the_body(conn: Connection) -> None:
    conn.run("CREATE PROCEDURE answer AS SELECT 41")
    conn.run("ALTER PROCEDURE answer AS SELECT 42")
    assert rows(conn, "EXEC answer") == [(42,)]
    conn.run("CREATE OR ALTER PROCEDURE answer @plus INT = 1 AS SELECT 42 + @plus")
    conn.run("CREATE OR ALTER PROCEDURE fresh AS SELECT 'fresh'")
    assert rows(conn, "EXEC answer") == [(43,)]
    assert rows(conn, "EXEC fresh") == [("fresh",)]
    assert rows(conn, "DECLARE @name NVARCHAR(128) = N'answer'; EXEC @name 2") == [(44,)]


def test_the_body_has_its_own_scope(conn: Connection) -> None:
    conn.run("CREATE PROCEDURE peek AS SELECT @outer")
    assert error(conn, "DECLARE @outer INT = 1; EXEC peek")[0] == 137


def test_nesting_level_and_its_limit(conn: Connection) -> None:
    conn.run(
        "CREATE PROCEDURE down @n INT AS BEGIN IF @n > 0 BEGIN DECLARE @m INT = @n - 1; EXEC down @m END "
        "ELSE SELECT @@NESTLEVEL END"
    )
    assert rows(conn, "SELECT @@NESTLEVEL") == [(0,)]
    assert rows(conn, "EXEC down 5") == [(6,)]
    sink = conn.run("EXEC down 40; SELECT 'not reached'")
    assert [m.number for m in sink.messages if m.is_error] == [217]  # once, and the batch ends
    assert sink.result_sets == []


def test_an_error_inside_names_the_procedure_and_reaches_the_callers_catch(conn: Connection) -> None:
    conn.run("CREATE PROCEDURE bad AS BEGIN SELECT 1/0 END")
    assert error(conn, "EXEC bad")[::2] == (8134, "bad")
    caught = rows(conn, "BEGIN TRY EXEC bad END TRY BEGIN CATCH SELECT ERROR_NUMBER(), ERROR_PROCEDURE() END CATCH")
    assert caught == [(8134, "bad")]
    sink = conn.run("EXEC bad; SELECT 'after'")  # a statement-level error: the caller's batch goes on
    assert sink.result_sets[-1].rows == [("after",)]


def test_a_changed_transaction_count_is_266(conn: Connection) -> None:
    conn.run("CREATE PROCEDURE opener AS BEGIN TRAN")
    assert error(conn, "EXEC opener")[:2] == (
        266,
        "Transaction count after EXECUTE indicates a mismatching number of BEGIN and COMMIT statements. "
        "Previous count = 0, current count = 1.",
    )
    conn.run("ROLLBACK")


def test_procedures_are_transactional(conn: Connection) -> None:
    conn.run("BEGIN TRAN; EXEC('CREATE PROCEDURE never AS SELECT 1'); ROLLBACK")
    assert rows(conn, "SELECT OBJECT_ID('never')") == [(None,)]
    conn.run("BEGIN TRAN; DROP PROCEDURE transfer; ROLLBACK")
    assert rows(conn, "SELECT COUNT(*) FROM sys.procedures WHERE name = 'transfer'") == [(1,)]


def test_catalog_views_and_functions(conn: Connection) -> None:
    assert rows(conn, "SELECT name, type, type_desc, schema_id FROM sys.procedures") == [
        ("transfer", "P ", "SQL_STORED_PROCEDURE", 1)
    ]
    assert rows(conn, "SELECT type FROM sys.objects WHERE name = 'transfer'") == [("P ",)]
    assert rows(
        conn,
        "SELECT p.name, p.parameter_id, p.system_type_id, p.is_output, p.has_default_value FROM sys.parameters p "
        "JOIN sys.procedures s ON s.object_id = p.object_id ORDER BY p.parameter_id",
    ) == [("@from", 1, 56, False, False), ("@to", 2, 56, False, False), ("@amount", 3, 56, False, True),
          ("@left", 4, 56, True, False)]  # fmt: skip
    object_id = rows(conn, "SELECT OBJECT_ID('dbo.transfer'), OBJECT_ID('transfer', 'P'), OBJECT_ID('transfer', 'U')")
    assert object_id[0][0] == object_id[0][1] and object_id[0][2] is None
    assert rows(conn, "SELECT OBJECT_NAME(OBJECT_ID('transfer'))") == [("transfer",)]
    assert rows(conn, "SELECT OBJECT_DEFINITION(OBJECT_ID('transfer'))") == [(TRANSFER,)]
    assert rows(conn, "SELECT definition FROM sys.sql_modules") == [(TRANSFER,)]
    helptext = rows(conn, "EXEC sp_helptext 'transfer'")
    assert "".join(line for (line,) in helptext) == TRANSFER
    assert error(conn, "EXEC sp_helptext 'nope'")[0] == 15009


def test_a_users_dbo_sp_name_runs_only_when_qualified(conn: Connection) -> None:
    conn.run("CREATE PROCEDURE dbo.sp_who AS SELECT 'mine'")
    assert rows(conn, "EXEC dbo.sp_who") == [("mine",)]
    assert rows(conn, "EXEC sp_who")[0][0] != "mine"  # the built-in wins for a bare name


def test_procedures_survive_a_restart(tmp_path: Path) -> None:
    with quietus.connect(tmp_path, autocommit=True) as first:
        first.run("CREATE PROCEDURE hello @who NVARCHAR(20) = N'world' AS SELECT N'hello ' + @who")
        first.run("CREATE PROCEDURE gone AS SELECT 1")
        first.run("DROP PROCEDURE gone")
    with quietus.connect(tmp_path, autocommit=True) as second:
        assert rows(second, "EXEC hello") == [("hello world",)]
        assert rows(second, "SELECT name FROM sys.procedures") == [("hello",)]


def test_set_options_inside_are_put_back_on_return(conn: Connection) -> None:
    conn.run(
        "CREATE PROCEDURE quiet AS BEGIN SET NOCOUNT ON; SET LOCK_TIMEOUT 5; UPDATE acct SET bal = bal; "
        "SELECT @@LOCK_TIMEOUT END"
    )
    assert rows(conn, "EXEC quiet") == [(5,)]
    assert rows(conn, "SELECT @@LOCK_TIMEOUT") == [(-1,)]
    events = conn.run("UPDATE acct SET bal = bal").events
    counts = [event.rowcount for event in events if isinstance(event, StatementDone)]
    assert counts == [2]  # NOCOUNT is OFF again: the count is reported


def test_on_off_options_set_inside_are_put_back_and_the_callers_stay(conn: Connection) -> None:
    conn.run("SET XACT_ABORT ON")  # the caller's own, before the call
    conn.run("CREATE PROCEDURE dflt_off AS BEGIN SET ANSI_NULL_DFLT_OFF ON; SELECT @@OPTIONS & 3072 END")
    assert rows(conn, "EXEC dflt_off") == [(2048,)]  # inside: DFLT_OFF on, which turns DFLT_ON off
    assert rows(conn, "SELECT @@OPTIONS & 3072, @@OPTIONS & 16384") == [(1024, 16384)]  # both back; XACT_ABORT stays


def test_the_scoped_settings_read_in_their_order() -> None:
    # read_scoped is written out for speed: it must read exactly SCOPED_SETTINGS, in that order
    session = Session(51, 1)
    distinct = {"isolation": Isolation.SERIALIZABLE, "lock_timeout_ms": 11, "deadlock_priority": 12,
                "rowcount_limit": 13, "textsize": 14, "language": "Deutsch", "date_format": "dmy", "date_first": 15}
    for name, value in distinct.items():
        setattr(session, name, value)
    assert set(distinct) == set(SCOPED_SETTINGS)
    assert read_scoped(session) == tuple(distinct[name] for name in SCOPED_SETTINGS)


def test_a_condition_reading_a_table_outside_any_statement(conn: Connection) -> None:
    # IF EXISTS (subquery) in a batch and in a procedure body: the subquery is planned inside its reads
    assert rows(conn, "IF EXISTS (SELECT 1 FROM acct WHERE bal > 60) SELECT 'rich' ELSE SELECT 'poor'") == [("rich",)]
    conn.run("CREATE PROCEDURE probe @id INT AS IF NOT EXISTS (SELECT 1 FROM acct WHERE id = @id) RETURN 9")
    assert rows(conn, "DECLARE @rc INT; EXEC @rc = probe 3; SELECT @rc") == [(9,)]
