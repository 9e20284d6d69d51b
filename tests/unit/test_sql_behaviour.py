"""T-SQL behaviour through the embedded API: queries, DML, DDL, constraints, transactions, errors."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection, DatabaseError, IntegrityError, ProgrammingError
from quietus.sql.results import MessageEvent, ResultSet, StatementDone


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    yield connection
    connection.close()


def rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    sink = conn.run(sql)
    errors = [m for m in sink.messages if m.is_error]
    assert not errors, errors
    return sink.result_sets[-1].rows


def errors(conn: Connection, sql: str) -> list[MessageEvent]:
    return [m for m in conn.run(sql).messages if m.is_error]


def people(conn: Connection) -> None:
    conn.run(
        "CREATE TABLE people (id INT IDENTITY(1,1) PRIMARY KEY, name NVARCHAR(20) NOT NULL UNIQUE, "
        "dept VARCHAR(10) NULL, salary DECIMAL(10,2) CHECK (salary >= 0))"
    )
    conn.run(
        "INSERT INTO people (name, dept, salary) VALUES ('jward', 'ops', 100.50), ('ann', 'dev', 200), "
        "('bob', 'dev', 300), ('cy', NULL, 50)"
    )


# -- queries ---------------------------------------------------------------------------------------------------


def test_select_without_from_and_several_statements_without_semicolons(conn: Connection) -> None:
    sink = conn.run("SELECT 1 AS a SELECT 2 AS b")
    assert [r.rows for r in sink.result_sets] == [[(1,)], [(2,)]]
    assert [c.name for c in sink.result_sets[0].columns] == ["a"]


def test_collation_is_case_insensitive_and_ignores_trailing_spaces(conn: Connection) -> None:
    people(conn)
    assert rows(conn, "SELECT id FROM people WHERE name = 'JWARD '") == [(1,)]
    assert errors(conn, "INSERT INTO people (name) VALUES ('JWard')")[0].number == 2627


def test_where_order_top_offset_fetch(conn: Connection) -> None:
    people(conn)
    assert rows(conn, "SELECT name FROM people WHERE salary > 60 ORDER BY salary DESC") == [
        ("bob",),
        ("ann",),
        ("jward",),
    ]
    assert rows(conn, "SELECT TOP 2 name FROM people ORDER BY name") == [("ann",), ("bob",)]
    assert rows(conn, "SELECT name FROM people ORDER BY id OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY") == [
        ("ann",),
        ("bob",),
    ]


def test_group_by_having_and_aggregates(conn: Connection) -> None:
    people(conn)
    result = rows(
        conn,
        "SELECT dept, COUNT(*) AS n, SUM(salary) FROM people GROUP BY dept "
        "HAVING COUNT(*) >= 1 ORDER BY dept",
    )
    assert result == [
        (None, 1, Decimal("50.00")),
        ("dev", 2, Decimal("500.00")),
        ("ops", 1, Decimal("100.50")),
    ]
    assert rows(conn, "SELECT COUNT(*), COUNT(dept), MAX(name) FROM people") == [(4, 3, "jward")]
    assert rows(conn, "SELECT COUNT(*) FROM people WHERE 1 = 0") == [(0,)]


def test_a_subquerys_aggregate_beside_the_same_aggregate_is_the_subquerys(conn: Connection) -> None:
    people(conn)  # the outer COUNT(*) must not stand in for the subquery's (it answered NULL)
    assert rows(conn, "SELECT (SELECT COUNT(*) FROM people), COUNT(*) FROM people WHERE dept = 'dev'") == [(4, 2)]
    assert rows(
        conn,
        "SELECT dept, COUNT(*), (SELECT COUNT(*) FROM people p2 WHERE p2.dept = p.dept) FROM people p "
        "WHERE dept IS NOT NULL GROUP BY dept ORDER BY dept",
    ) == [("dev", 2, 2), ("ops", 1, 1)]


def test_column_not_in_group_by_is_8120(conn: Connection) -> None:
    people(conn)
    error = errors(conn, "SELECT name, COUNT(*) FROM people GROUP BY dept")[0]
    assert error.number == 8120
    assert error.text == (
        "Column 'name' is invalid in the select list because it is not contained in either an "
        "aggregate function or the GROUP BY clause."
    )


def test_joins(conn: Connection) -> None:
    people(conn)
    conn.run("CREATE TABLE depts (code VARCHAR(10) PRIMARY KEY, title NVARCHAR(30))")
    conn.run("INSERT INTO depts VALUES ('dev', N'Development'), ('hr', N'People')")
    assert rows(
        conn, "SELECT p.name, d.title FROM people p JOIN depts d ON p.dept = d.code ORDER BY p.name"
    ) == [("ann", "Development"), ("bob", "Development")]
    assert rows(
        conn,
        "SELECT p.name, d.title FROM people p LEFT JOIN depts d ON p.dept = d.code "
        "WHERE d.code IS NULL ORDER BY p.name",
    ) == [("cy", None), ("jward", None)]
    assert rows(
        conn, "SELECT d.code FROM people p RIGHT JOIN depts d ON p.dept = d.code WHERE p.id IS NULL"
    ) == [("hr",)]
    assert rows(conn, "SELECT COUNT(*) FROM people p FULL JOIN depts d ON p.dept = d.code") == [(5,)]
    assert rows(conn, "SELECT COUNT(*) FROM people CROSS JOIN depts") == [(8,)]


def test_subqueries_exists_in_and_correlated(conn: Connection) -> None:
    people(conn)
    assert rows(conn, "SELECT name FROM people WHERE salary = (SELECT MAX(salary) FROM people)") == [("bob",)]
    assert rows(
        conn,
        "SELECT name FROM people p WHERE EXISTS (SELECT 1 FROM people q WHERE q.dept = p.dept "
        "AND q.id <> p.id) ORDER BY name",
    ) == [("ann",), ("bob",)]
    assert rows(
        conn, "SELECT name FROM people WHERE id IN (SELECT id FROM people WHERE dept = 'dev') ORDER BY id"
    ) == [("ann",), ("bob",)]
    assert errors(conn, "SELECT (SELECT id FROM people)")[0].number == 512


def test_an_exists_subquery_never_evaluates_its_select_list(conn: Connection) -> None:
    """SQL Server reads only whether EXISTS's query has rows (the First Responder Kit writes EXISTS (SELECT 1/0 ...));
    the select list is still bound, and an aggregate without GROUP BY still makes its one row."""
    people(conn)
    assert rows(conn, "SELECT CASE WHEN EXISTS (SELECT 1/0 FROM people) THEN 1 ELSE 0 END") == [(1,)]
    assert rows(conn, "SELECT CASE WHEN EXISTS (SELECT 1/0 FROM people WHERE id < 0) THEN 1 ELSE 0 END") == [(0,)]
    assert rows(
        conn, "SELECT COUNT(*) FROM people p WHERE EXISTS (SELECT p.id / 0 FROM people q WHERE q.id = p.id)"
    ) == [(4,)]
    assert rows(conn, "SELECT CASE WHEN EXISTS (SELECT COUNT(*) FROM people WHERE id < 0) THEN 1 ELSE 0 END") == [(1,)]
    assert errors(conn, "SELECT CASE WHEN EXISTS (SELECT nosuch FROM people) THEN 1 ELSE 0 END")[0].number == 207


def test_a_set_operation_types_each_column_across_both_sides(conn: Connection) -> None:
    """SQL Server's UNION column is the higher-precedence type, strings as long as the longer side: the first side's
    type alone (varchar(1) here) was handed to the client with longer values, which the TDS encoder refused, and a
    concatenation over it was cut to the first side's length."""
    first = conn.run("SELECT 'a' AS x UNION ALL SELECT 'abc'").result_sets[-1]
    assert (first.columns[0].type.name, first.columns[0].type.length, first.rows) == ("varchar", 3, [("a",), ("abc",)])
    assert rows(conn, "WITH t AS (SELECT 'a' AS x UNION ALL SELECT 'abcd') SELECT ',' + x FROM t") == [
        (",a",),
        (",abcd",),
    ]
    assert rows(conn, "SELECT NULL UNION ALL SELECT 'abc'") == [(None,), ("abc",)]  # a bare NULL takes the other type
    assert rows(conn, "SELECT 1 UNION SELECT 2.5 ORDER BY 1") == [(Decimal("1.0"),), (Decimal("2.5"),)]
    assert rows(conn, "SELECT 1 EXCEPT SELECT 1.0") == []
    assert errors(conn, "SELECT 1 UNION ALL SELECT 'x'")[0].number == 245


def test_union_except_intersect_distinct_and_cte(conn: Connection) -> None:
    people(conn)
    assert rows(conn, "SELECT dept FROM people WHERE dept IS NOT NULL UNION SELECT 'hr' ORDER BY 1") == [
        ("dev",),
        ("hr",),
        ("ops",),
    ]
    assert rows(conn, "SELECT 1 UNION ALL SELECT 1") == [(1,), (1,)]
    assert rows(conn, "SELECT dept FROM people EXCEPT SELECT 'dev'") in (
        [("ops",), (None,)],
        [(None,), ("ops",)],
    )
    assert rows(conn, "SELECT DISTINCT dept FROM people WHERE dept IS NOT NULL ORDER BY dept") == [
        ("dev",),
        ("ops",),
    ]
    assert rows(
        conn, "WITH rich AS (SELECT name FROM people WHERE salary > 150) SELECT COUNT(*) FROM rich"
    ) == [(2,)]


# -- DML and constraints ---------------------------------------------------------------------------------------


def test_identity_defaults_and_scope_identity(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT IDENTITY(10, 5) PRIMARY KEY, label NVARCHAR(10) DEFAULT N'none')")
    conn.run("INSERT INTO t DEFAULT VALUES")
    conn.run("INSERT INTO t (label) VALUES (N'x')")
    assert rows(conn, "SELECT id, label FROM t ORDER BY id") == [(10, "none"), (15, "x")]
    assert rows(conn, "SELECT SCOPE_IDENTITY(), @@IDENTITY") == [(15, 15)]
    assert errors(conn, "INSERT INTO t (id, label) VALUES (1, N'y')")[0].number == 544


def test_not_null_check_and_foreign_key_violations(conn: Connection) -> None:
    people(conn)
    error = errors(conn, "INSERT INTO people (name, salary) VALUES (NULL, 1)")[0]
    assert (error.number, error.severity) == (515, 16)
    assert error.text == (
        "Cannot insert the value NULL into column 'name', table 'master.dbo.people'; column does "
        "not allow nulls. INSERT fails."
    )
    check = errors(conn, "UPDATE people SET salary = -1 WHERE id = 1")[0]
    assert check.number == 547 and "CHECK constraint" in check.text
    conn.run("CREATE TABLE orders (id INT PRIMARY KEY, person INT REFERENCES people(id))")
    fk = errors(conn, "INSERT INTO orders VALUES (1, 99)")[0]
    assert fk.number == 547 and "FOREIGN KEY constraint" in fk.text
    conn.run("INSERT INTO orders VALUES (1, 2)")
    ref = errors(conn, "DELETE FROM people WHERE id = 2")[0]
    assert ref.number == 547 and "REFERENCE constraint" in ref.text
    assert rows(conn, "SELECT COUNT(*) FROM people") == [(4,)]


def test_failed_statement_leaves_no_partial_effect(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    conn.run("INSERT INTO t VALUES (1)")
    assert errors(conn, "INSERT INTO t VALUES (2), (3), (1), (4)")[0].number == 2627
    assert rows(conn, "SELECT id FROM t") == [(1,)]
    conn.run("BEGIN TRAN")
    conn.run("INSERT INTO t VALUES (5)")
    assert errors(conn, "UPDATE t SET id = 5 WHERE id = 1")[0].number == 2627
    assert errors(conn, "UPDATE t SET id = 7")[0].number == 2627  # both rows would become 7
    conn.run(
        "UPDATE t SET id = id + 4; UPDATE t SET id = id - 4"
    )  # {1,5} → {5,9} → {1,5}: valid per statement
    assert rows(conn, "SELECT @@TRANCOUNT") == [(1,)]
    conn.run("COMMIT")
    assert rows(conn, "SELECT id FROM t ORDER BY id") == [(1,), (5,)]


def test_update_with_join_and_top_and_delete(conn: Connection) -> None:
    people(conn)
    conn.run("CREATE TABLE raises (dept VARCHAR(10) PRIMARY KEY, pct INT)")
    conn.run("INSERT INTO raises VALUES ('dev', 10)")
    sink = conn.run(
        "UPDATE p SET salary = salary * (100 + r.pct) / 100 FROM people p JOIN raises r ON p.dept = r.dept"
    )
    assert [e.rowcount for e in sink.events if isinstance(e, StatementDone)] == [2]
    assert rows(conn, "SELECT salary FROM people WHERE dept = 'dev' ORDER BY id") == [
        (Decimal("220.00"),),
        (Decimal("330.00"),),
    ]
    conn.run("DELETE TOP (1) FROM people WHERE dept = 'dev'")
    assert rows(conn, "SELECT COUNT(*) FROM people WHERE dept = 'dev'") == [(1,)]


def test_update_of_primary_key_moves_rows_without_seeing_them_twice(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    conn.run("INSERT INTO t VALUES (1), (2), (3)")
    conn.run("UPDATE t SET id = id + 1")
    assert rows(conn, "SELECT id FROM t ORDER BY id") == [(2,), (3,), (4,)]


def test_ddl_alter_truncate_index_and_drop(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, a INT)")
    conn.run("INSERT INTO t VALUES (1, 5), (2, 6)")
    conn.run("ALTER TABLE t ADD b NVARCHAR(5) NULL")
    assert rows(conn, "SELECT id, a, b FROM t ORDER BY id") == [(1, 5, None), (2, 6, None)]
    conn.run("ALTER TABLE t DROP COLUMN a")
    assert rows(conn, "SELECT * FROM t ORDER BY id") == [(1, None), (2, None)]
    conn.run("UPDATE t SET b = N'x'")
    assert errors(conn, "CREATE UNIQUE INDEX ux ON t(b)")[0].number == 1505
    conn.run("CREATE INDEX ix ON t(b)")
    assert errors(conn, "CREATE INDEX ix ON t(b)")[0].number == 1913
    conn.run("TRUNCATE TABLE t")
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(0,)]
    assert errors(conn, "CREATE TABLE t (x INT)")[0].number == 2714
    conn.run("DROP TABLE t")
    assert errors(conn, "SELECT * FROM t")[0].number == 208


def test_ddl_is_transactional(conn: Connection) -> None:
    conn.run("BEGIN TRAN; CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1); ROLLBACK")
    assert errors(conn, "SELECT * FROM t")[0].number == 208


# -- transactions ----------------------------------------------------------------------------------------------


def test_trancount_nesting_savepoints_and_named_rollback(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    assert rows(conn, "BEGIN TRAN; BEGIN TRAN; SELECT @@TRANCOUNT") == [(2,)]
    assert rows(conn, "COMMIT; SELECT @@TRANCOUNT") == [(1,)]
    conn.run("INSERT INTO t VALUES (1); SAVE TRAN sp; INSERT INTO t VALUES (2)")
    conn.run("ROLLBACK TRAN sp")
    assert rows(conn, "SELECT @@TRANCOUNT, COUNT(*) FROM t") == [(1, 1)]
    assert errors(conn, "ROLLBACK TRAN nope")[0].number == 6401
    conn.run("COMMIT")
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(1,)]
    assert errors(conn, "COMMIT")[0].number == 3902
    assert errors(conn, "ROLLBACK")[0].number == 3903


def test_rollback_inside_nested_transaction_ends_everything(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    conn.run("BEGIN TRAN; INSERT INTO t VALUES (1); BEGIN TRAN; INSERT INTO t VALUES (2); ROLLBACK")
    assert rows(conn, "SELECT @@TRANCOUNT, COUNT(*) FROM t") == [(0, 0)]


def test_xact_abort_rolls_back_the_whole_transaction_and_ends_the_batch(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    sink = conn.run(
        "SET XACT_ABORT ON; BEGIN TRAN; INSERT INTO t VALUES (1); INSERT INTO t VALUES (1); "
        "SELECT 'not reached'"
    )
    assert [m.number for m in sink.messages if m.is_error] == [2627]
    assert sink.result_sets == []
    assert rows(conn, "SELECT @@TRANCOUNT, COUNT(*) FROM t") == [(0, 0)]


def test_without_xact_abort_the_batch_goes_on_after_a_statement_error(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    sink = conn.run("BEGIN TRAN; INSERT INTO t VALUES (1); INSERT INTO t VALUES (1); SELECT @@TRANCOUNT")
    assert sink.result_sets[-1].rows == [(1,)]
    conn.run("COMMIT")
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(1,)]


def test_implicit_transactions(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    conn.run("SET IMPLICIT_TRANSACTIONS ON; INSERT INTO t VALUES (1)")
    assert rows(conn, "SELECT @@TRANCOUNT") == [(1,)]
    conn.run("ROLLBACK; SET IMPLICIT_TRANSACTIONS OFF")
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(0,)]


def test_try_catch_error_functions_and_throw(conn: Connection) -> None:
    sink = conn.run(
        "BEGIN TRY SELECT 1/0 END TRY BEGIN CATCH SELECT ERROR_NUMBER(), ERROR_SEVERITY(), ERROR_MESSAGE() END CATCH"
    )
    assert sink.result_sets[-1].rows == [(8134, 16, "Divide by zero error encountered.")]
    error = errors(conn, "THROW 50001, 'boom', 3")[0]
    assert (error.number, error.severity, error.state, error.text) == (50001, 16, 3, "boom")
    assert errors(conn, "THROW 49999, 'x', 1")[0].number == 35100
    rethrown = errors(conn, "BEGIN TRY THROW 50002, 'inner', 1 END TRY BEGIN CATCH THROW END CATCH")[0]
    assert (rethrown.number, rethrown.text) == (50002, "inner")


def test_variables_if_while_print_raiserror(conn: Connection) -> None:
    sink = conn.run(
        "DECLARE @i INT = 0, @s NVARCHAR(50) = N''\n"
        "WHILE @i < 5 BEGIN SET @i += 1; IF @i % 2 = 0 CONTINUE; SET @s = @s + CAST(@i AS NVARCHAR(5)) END\n"
        "PRINT @s\n"
        "RAISERROR('step %d of %s', 10, 1, 7, 'x')\n"
        "SELECT @i"
    )
    texts = [m.text for m in sink.messages]
    assert texts == ["135", "step 7 of x"]
    assert sink.result_sets[-1].rows == [(5,)]
    error = errors(conn, "RAISERROR('bad %s', 16, 2, 'thing')")[0]
    assert (error.number, error.severity, error.state, error.text) == (50000, 16, 2, "bad thing")


def test_undeclared_variable_and_redeclared_variable(conn: Connection) -> None:
    assert errors(conn, "SELECT @nope")[0].number == 137
    assert errors(conn, "DECLARE @a INT; DECLARE @a INT")[0].number == 134


def test_errors_carry_line_numbers_and_syntax_errors_run_nothing(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    sink = conn.run("INSERT INTO t VALUES (1)\nSELECT 1\nSELEC 2")
    error = sink.messages[0]
    assert (error.number, error.line) == (102, 3)
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(0,)]
    late = errors(conn, "SELECT 1\n\nSELECT * FROM nowhere")[0]
    assert (late.number, late.line, late.text) == (208, 3, "Invalid object name 'nowhere'.")


def test_rowcount_and_messages_in_order(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    sink = conn.run(
        "INSERT INTO t VALUES (1), (2); PRINT 'between'; UPDATE t SET id = id WHERE id = 9; SELECT @@ROWCOUNT"
    )
    kinds = [type(e).__name__ for e in sink.events]
    assert kinds == ["StatementDone", "MessageEvent", "StatementDone", "ResultSet", "StatementDone"]
    counts = [e.rowcount for e in sink.events if isinstance(e, StatementDone)]
    assert counts == [2, 0, 1]
    assert isinstance(sink.events[3], ResultSet) and sink.events[3].rows == [(0,)]


def test_dbapi_parameters_and_exception_classes(conn: Connection) -> None:
    people(conn)
    cursor = conn.cursor()
    cursor.execute("SELECT name FROM people WHERE dept = %s AND salary > %s ORDER BY name", ("dev", 150))
    assert cursor.fetchall() == [("ann",), ("bob",)]
    assert cursor.description is not None and cursor.description[0][0] == "name"
    cursor.execute("SELECT %(n)s", {"n": "it's"})
    assert cursor.fetchone() == ("it's",)
    with pytest.raises(IntegrityError) as integrity:
        cursor.execute("INSERT INTO people (name) VALUES (%s)", ("ann",))
    assert integrity.value.number == 2627
    with pytest.raises(ProgrammingError):
        cursor.execute("SELECT * FROM missing")
    with pytest.raises(DatabaseError):
        cursor.execute("SELECT 1/0")


def test_dbapi_default_is_not_autocommit() -> None:
    with quietus.connect(None) as connection:
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE t (id INT PRIMARY KEY)")
        connection.commit()
        cursor.execute("INSERT INTO t VALUES (1)")
        assert connection.session.trancount == 1
        connection.rollback()
        cursor.execute("SELECT COUNT(*) FROM t")
        assert cursor.fetchone() == (0,)


def test_count_big_and_statistical_aggregates(conn: Connection) -> None:
    conn.run("CREATE TABLE n (x INT)")
    conn.run("INSERT INTO n VALUES (2), (4), (4), (4), (5), (5), (7), (9)")
    sink = conn.run("SELECT COUNT_BIG(*), STDEVP(x), VARP(x), VAR(x) FROM n")
    assert sink.result_sets[0].columns[0].type.name == "bigint"
    count, stdevp, varp, var = sink.result_sets[0].rows[0]
    assert (count, stdevp, varp) == (8, 2.0, 4.0)
    assert abs(var - 32 / 7) < 1e-9


def test_parameters_are_typed_variables_and_the_plan_is_reused(conn: Connection) -> None:
    conn.run("CREATE TABLE kv (id INT PRIMARY KEY, name NVARCHAR(20))")
    cursor = conn.cursor()
    for i in range(3):
        cursor.execute("INSERT INTO kv VALUES (%s, %s)", (i, f"it's {i}"))
    cache = conn.instance.env.plan_cache  # type: ignore[union-attr]
    cursor.execute("SELECT name FROM kv WHERE id = %s", (1,))
    hits = cache.hits
    cursor.execute("SELECT name FROM kv WHERE id = %s", (2,))
    assert cursor.fetchall() == [("it's 2",)]
    assert cache.hits == hits + 1
    cursor.execute("SELECT id FROM kv WHERE name = %(n)s", {"n": "IT'S 0 "})  # collation applies to parameters
    assert cursor.fetchall() == [(0,)]
    conn.run("ALTER TABLE kv ADD extra INT NULL")  # a new catalog version: a new plan, with the new column
    cursor.execute("SELECT * FROM kv WHERE id = %s", (2,))
    assert cursor.fetchall() == [(2, "it's 2", None)]


def test_catalogued_errors_for_bad_columns_conversions_and_unique_indexes(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR(5))")
    conn.run("CREATE UNIQUE INDEX ux_code ON t(code)")
    conn.run("INSERT INTO t VALUES (1, 'a')")
    unique = errors(conn, "INSERT INTO t VALUES (2, 'A ')")[0]
    assert (unique.number, unique.severity, unique.text) == (
        2601, 14, "Cannot insert duplicate key row in object 'dbo.t' with unique index 'ux_code'. "
        "The duplicate key value is (A ).",
    )
    column = errors(conn, "SELECT nope FROM t")[0]
    assert (column.number, column.severity, column.text) == (207, 16, "Invalid column name 'nope'.")
    conversion = errors(conn, "SELECT CAST('abc' AS INT)")[0]
    assert (conversion.number, conversion.text) == (
        245, "Conversion failed when converting the varchar value 'abc' to data type int."
    )
    primary = errors(conn, "INSERT INTO t VALUES (1, 'z')")[0]
    assert primary.number == 2627 and primary.text.startswith("Violation of PRIMARY KEY constraint '")
    assert primary.text.endswith("Cannot insert duplicate key in object 'dbo.t'. The duplicate key value is (1).")


def test_catalog_functions(conn: Connection) -> None:
    conn.run("CREATE TABLE things (id INT)")
    object_id = rows(conn, "SELECT OBJECT_ID('things')")[0][0]
    assert isinstance(object_id, int)
    assert rows(conn, "SELECT OBJECT_ID('dbo.things'), OBJECT_ID('master.dbo.things'), OBJECT_ID('things', 'U')") == [
        (object_id, object_id, object_id)
    ]
    assert rows(conn, "SELECT OBJECT_ID('nothing'), OBJECT_ID('things', 'V')") == [(None, None)]
    assert rows(conn, f"SELECT OBJECT_NAME({object_id}), OBJECT_NAME(-5)") == [("things", None)]
    assert rows(conn, "SELECT DB_ID(), DB_ID('master'), DB_ID('nope'), DB_NAME(), DB_NAME(1)") == [
        (1, 1, None, "master", "master")
    ]
    conn.run("IF OBJECT_ID('things') IS NOT NULL DROP TABLE things")
    assert rows(conn, "SELECT OBJECT_ID('things')") == [(None,)]


def test_dropping_a_column_a_foreign_key_uses_is_5074(conn: Connection) -> None:
    conn.run("CREATE TABLE parent (id INT PRIMARY KEY, note INT); CREATE TABLE child (a INT REFERENCES parent(id))")
    own = errors(conn, "ALTER TABLE child DROP COLUMN a")
    assert [(m.number, m.text.split("'")[0]) for m in own] == [(5074, "The object ")]
    assert "dependent on column 'a'" in own[0].text
    referenced = errors(conn, "ALTER TABLE parent DROP COLUMN id")
    assert [m.number for m in referenced] == [5074]
    conn.run("ALTER TABLE parent DROP COLUMN note")
