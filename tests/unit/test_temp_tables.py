"""Temporary tables and SELECT INTO: #t private to a session and a procedure scope, ##t shared, both dropped with
their session; tempdb..#t and OBJECT_ID('tempdb..#t'); leftovers of a crash dropped at the next start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import rows


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def first(data: Path) -> Iterator[Connection]:
    with quietus.connect(data, autocommit=True) as connection:
        yield connection


@pytest.fixture
def second(data: Path, first: Connection) -> Iterator[Connection]:
    with quietus.connect(data, autocommit=True) as connection:
        yield connection


def error(conn: Connection, sql: str) -> tuple[int, str]:
    first = next(m for m in conn.run(sql).messages if m.is_error)
    return first.number, first.text


def stored_tables(conn: Connection) -> list[str]:
    """Every table name in the engine's catalog, temporary ones included (read on the engine thread)."""

    async def read() -> list[str]:
        master = conn._engine.instance.env.databases["master"]
        return sorted(table.name for table in master.tables.values() if table.definition.schema_name != "sys")

    return conn._engine.thread.call(read())


def test_a_local_temp_table_is_private_to_its_session(first: Connection, second: Connection) -> None:
    rows(first, "CREATE TABLE #t (a INT); INSERT INTO #t VALUES (5)")
    assert error(second, "SELECT * FROM #t") == (208, "Invalid object name '#t'.")
    rows(second, "CREATE TABLE #t (z INT); INSERT INTO #t VALUES (7)")  # its own, no 2714
    assert rows(first, "SELECT * FROM #t") == [(5,)]
    assert rows(second, "SELECT * FROM #t") == [(7,)]
    assert error(first, "CREATE TABLE #t (a INT)") == (2714, "There is already an object named '#t' in the database.")
    assert rows(first, "SELECT name FROM sys.tables") == []  # they belong to tempdb, not to master


def test_tempdb_names_and_object_id(first: Connection) -> None:
    rows(first, "CREATE TABLE #t (a INT); INSERT INTO #t VALUES (1)")
    assert rows(first, "SELECT a FROM tempdb..#t") == [(1,)]
    assert rows(first, "SELECT a FROM tempdb.dbo.#t") == [(1,)]
    found = rows(first, "SELECT OBJECT_ID('tempdb..#t'), OBJECT_ID('#t'), OBJECT_ID('tempdb..#none')")[0]
    assert found[0] is not None and found[0] == found[1] and found[2] is None
    assert rows(first, "IF OBJECT_ID('tempdb..#t') IS NOT NULL DROP TABLE #t; SELECT OBJECT_ID('tempdb..#t')") == [
        (None,)
    ]
    assert error(first, "SELECT * FROM nowhere..#t") == (208, "Invalid object name 'nowhere..#t'.")


def test_select_into_keeps_not_null_and_identity_as_sql_server_does(first: Connection) -> None:
    rows(first, "CREATE TABLE src (id INT IDENTITY(10, 5) PRIMARY KEY, name NVARCHAR(20) NOT NULL, note NVARCHAR(9))")
    rows(first, "INSERT INTO src (name, note) VALUES (N'a', NULL), (N'b', N'x')")
    rows(first, "SELECT id, name, note, 1 AS one INTO copy1 FROM src")
    shape = (
        "SELECT name, is_nullable, is_identity FROM sys.columns WHERE object_id = OBJECT_ID('{}') ORDER BY column_id"
    )
    assert rows(first, shape.format("copy1")) == [
        ("id", False, True), ("name", False, False), ("note", True, False), ("one", False, False),
    ]  # fmt: skip
    rows(first, "INSERT INTO copy1 (name, note, one) VALUES (N'c', NULL, 1)")  # the identity goes on from 15
    assert rows(first, "SELECT id FROM copy1 ORDER BY id") == [(10,), (15,), (20,)]
    assert error(first, "INSERT INTO copy1 (name, one) VALUES (NULL, 1)")[0] == 515
    # a join carries no IDENTITY, and the optional side of an outer join may be NULL
    rows(first, "SELECT s.id, s.name, o.name AS other INTO copy2 FROM src s LEFT JOIN src o ON o.id = s.id + 100")
    assert rows(first, shape.format("copy2")) == [("id", False, False), ("name", False, False), ("other", True, False)]
    assert rows(first, "SELECT other FROM copy2") == [(None,), (None,)]


def test_select_into_makes_and_fills_a_table(first: Connection) -> None:
    rows(first, "CREATE TABLE src (a INT NOT NULL, b NVARCHAR(10)); INSERT INTO src VALUES (1, N'x'), (2, NULL)")
    rows(first, "SELECT a, b, a * 2 AS twice INTO dst FROM src")
    assert rows(first, "SELECT a, b, twice FROM dst ORDER BY a") == [(1, "x", 2), (2, None, 4)]
    assert rows(
        first,
        "SELECT name, system_type_id, max_length, is_nullable FROM sys.columns "
        "WHERE object_id = OBJECT_ID('dst') ORDER BY column_id",
    ) == [("a", 56, 4, False), ("b", 231, 20, True), ("twice", 56, 4, True)]  # a base column's NOT NULL carries
    rows(first, "SELECT b INTO #only_b FROM src WHERE a = 1")
    assert rows(first, "SELECT * FROM #only_b") == [("x",)]
    assert error(first, "SELECT a INTO dst FROM src")[0] == 2714
    assert error(first, "SELECT 1 INTO unnamed")[0] == 1038
    assert error(first, "SELECT a, a INTO twice_a FROM src")[0] == 2705
    rows(first, "BEGIN TRAN; SELECT a INTO rolled FROM src; ROLLBACK")
    assert rows(first, "SELECT OBJECT_ID('rolled')") == [(None,)]


def test_a_procedure_has_its_own_temp_scope(first: Connection) -> None:
    rows(first, "CREATE TABLE #t (outer_col INT); INSERT INTO #t VALUES (5)")
    rows(first, "CREATE PROCEDURE mine AS BEGIN CREATE TABLE #t (inner_col INT); INSERT INTO #t VALUES (99); "
                "SELECT inner_col FROM #t END")  # fmt: skip
    rows(first, "CREATE PROCEDURE callers AS SELECT outer_col FROM #t")
    assert rows(first, "EXEC mine") == [(99,)]
    assert rows(first, "SELECT outer_col FROM #t") == [(5,)]  # the procedure's #t is gone, the caller's is back
    assert rows(first, "EXEC callers") == [(5,)]  # a procedure sees its caller's #t
    assert len([name for name in stored_tables(first) if name.startswith("#t")]) == 1


def test_a_rolled_back_create_frees_the_name(first: Connection) -> None:
    rows(first, "BEGIN TRAN; CREATE TABLE #r (a INT); ROLLBACK")
    rows(first, "CREATE TABLE #r (b INT); INSERT INTO #r VALUES (3)")
    assert rows(first, "SELECT b FROM #r") == [(3,)]


def test_global_temp_tables_are_shared_and_end_with_their_creator(data: Path, second: Connection) -> None:
    creator = quietus.connect(data, autocommit=True)
    rows(creator, "CREATE TABLE ##g (a INT); CREATE TABLE #mine (a INT)")
    rows(second, "INSERT INTO ##g VALUES (1)")
    assert rows(creator, "SELECT a FROM ##g") == [(1,)]
    creator.close()
    assert error(second, "SELECT * FROM ##g") == (208, "Invalid object name '##g'.")
    assert [name for name in stored_tables(second) if name.startswith("#")] == []


def test_a_start_after_a_crash_drops_leftover_temp_tables(data: Path) -> None:
    # The next start drops any table whose name only a temporary table can have (a crash leaves them behind);
    # simulated by a catalog entry with such a name made on the engine thread.
    with quietus.connect(data, autocommit=True) as conn:
        rows(conn, "CREATE TABLE keep (a INT)")

        async def leave_one() -> None:
            from quietus.engine.scheduler import Task
            from quietus.engine.storage.schema import ColumnDef, TableDef
            from quietus.engine.txn.transaction import Isolation

            master = conn._engine.instance.env.databases["master"]
            txn = master.begin(0, Isolation.READ_COMMITTED, explicit=False)
            name = "#left" + "_" * 111 + "00000000FFFF"
            definition = TableDef(master.allocate_object_id(), name, (ColumnDef("a", "int"),))
            master.create_table(txn, definition)
            task = Task(__import__("asyncio").get_running_loop())
            await task.run(master.commit, task, txn)

        conn._engine.thread.call(leave_one())
        assert any(name.startswith("#left") for name in stored_tables(conn))
    with quietus.connect(data, autocommit=True) as restarted:
        assert stored_tables(restarted) == ["keep"]


def test_table_variables(first: Connection) -> None:
    script = (
        "DECLARE @t TABLE (a INT PRIMARY KEY, b NVARCHAR(10)); "
        "INSERT INTO @t VALUES (1, N'x'), (2, N'y'); UPDATE @t SET b = N'z' WHERE a = 2; DELETE FROM @t WHERE a = 1; "
    )
    assert rows(first, script + "SELECT a, b FROM @t") == [(2, "z")]
    assert error(first, "SELECT * FROM @t") == (1087, 'Must declare the table variable "@t".')  # the batch ended
    number, text = error(first, "DECLARE @t TABLE (a INT PRIMARY KEY); INSERT @t VALUES (1); INSERT @t VALUES (1)")
    assert number == 2627 and "Cannot insert duplicate key in object 'dbo.@t'. The duplicate key value is (1)." in text
    assert error(first, "DECLARE @t TABLE (a INT); DECLARE @t INT")[0] == 134
    rows(first, "CREATE TABLE r (a INT); INSERT INTO r VALUES (1), (2)")
    joined = (
        "DECLARE @t TABLE (a INT); INSERT INTO @t SELECT a FROM r; SELECT v.a, r.a FROM @t AS v JOIN r ON r.a = v.a"
    )
    assert rows(first, joined) == [(1, 1), (2, 2)]
    assert rows(first, "DECLARE @t TABLE (a INT); INSERT INTO @t EXEC('SELECT 7'); SELECT a FROM @t") == [(7,)]
    rows(
        first,
        "CREATE PROCEDURE uses_one AS BEGIN DECLARE @p TABLE (a INT); INSERT @p VALUES (5); SELECT a FROM @p END",
    )
    assert rows(first, "EXEC uses_one; EXEC uses_one") == [(5,)]
    assert stored_tables(first) == ["r"]  # every table variable's table is gone with its batch or procedure


def test_a_rollback_leaves_table_variables_as_they_are(first: Connection) -> None:
    both = "SELECT a FROM @t ORDER BY a"
    assert rows(
        first, f"DECLARE @t TABLE (a INT); INSERT @t VALUES (1); BEGIN TRAN; INSERT @t VALUES (2); ROLLBACK; {both}"
    ) == [
        (1,),
        (2,),
    ]
    savepoint = "BEGIN TRAN; INSERT @t VALUES (1); SAVE TRAN s; INSERT @t VALUES (2); DELETE FROM @t WHERE a = 1; "
    assert rows(first, f"DECLARE @t TABLE (a INT); {savepoint} ROLLBACK TRAN s; COMMIT; {both}") == [(2,)]
    rows(first, "CREATE TABLE real_rows (a INT)")
    undone = "BEGIN TRAN; INSERT real_rows VALUES (5); INSERT @t SELECT a FROM real_rows; ROLLBACK"
    assert rows(
        first, f"DECLARE @t TABLE (a INT); {undone}; SELECT (SELECT COUNT(*) FROM real_rows), (SELECT COUNT(*) FROM @t)"
    ) == [(0, 1)]
    # the usual reason to use one: a log written in a transaction that a CATCH rolls back
    logged = (
        "DECLARE @log TABLE (msg NVARCHAR(50)); BEGIN TRY BEGIN TRAN; INSERT @log VALUES (N'started'); "
        "INSERT real_rows VALUES (1 / 0); COMMIT END TRY BEGIN CATCH INSERT @log VALUES (ERROR_MESSAGE()); ROLLBACK "
        "END CATCH; SELECT msg FROM @log"
    )
    assert rows(first, logged) == [("started",), ("Divide by zero error encountered.",)]
