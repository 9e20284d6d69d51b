"""CROSS APPLY / OUTER APPLY and table-valued functions through the embedded API, with SQL Server's errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from tests.unit.test_sql_behaviour import rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    connection.run(
        "CREATE TABLE dept (id INT PRIMARY KEY, name VARCHAR(10));"
        "CREATE TABLE emp (id INT PRIMARY KEY, dept INT, name VARCHAR(10), salary INT);"
        "INSERT INTO dept VALUES (1, 'ops'), (2, 'dev'), (3, 'empty');"
        "INSERT INTO emp VALUES (10, 1, 'ann', 100), (11, 1, 'bob', 300), (12, 2, 'cy', 200), (13, 2, 'di', 250)"
    )
    yield connection
    connection.close()


def error(conn: Connection, sql: str) -> tuple[int, str]:
    errors = [m for m in conn.run(sql).messages if m.is_error]
    assert errors, f"no error for {sql}"
    return errors[0].number, errors[0].text


def test_cross_apply_runs_a_correlated_derived_table_per_left_row(conn: Connection) -> None:
    top_paid = (
        "SELECT d.name, e.name, e.salary FROM dept d "
        "CROSS APPLY (SELECT TOP 1 name, salary FROM emp WHERE emp.dept = d.id ORDER BY salary DESC) e "
        "ORDER BY d.id"
    )
    assert rows(conn, top_paid) == [("ops", "bob", 300), ("dev", "di", 250)]  # 'empty' has no match: left out


def test_outer_apply_keeps_a_left_row_without_match_with_nulls(conn: Connection) -> None:
    query = (
        "SELECT d.name, e.name FROM dept d "
        "OUTER APPLY (SELECT TOP 1 name FROM emp WHERE emp.dept = d.id ORDER BY salary) AS e ORDER BY d.id"
    )
    assert rows(conn, query) == [("ops", "ann"), ("dev", "cy"), ("empty", None)]


def test_apply_of_an_aggregate_gives_one_row_per_left_row_even_for_no_match(conn: Connection) -> None:
    query = (
        "SELECT d.name, c.n, c.total FROM dept d "
        "CROSS APPLY (SELECT COUNT(*) AS n, SUM(salary) AS total FROM emp WHERE emp.dept = d.id) c ORDER BY d.id"
    )
    assert rows(conn, query) == [("ops", 2, 400), ("dev", 2, 450), ("empty", 0, None)]


def test_apply_column_list_renames_and_values_unpivots(conn: Connection) -> None:
    query = (
        "SELECT e.name, v.kind, v.amount FROM emp e "
        "CROSS APPLY (VALUES ('salary', e.salary), ('bonus', e.salary / 10)) AS v(kind, amount) "
        "WHERE e.id = 10"
    )
    assert rows(conn, query) == [("ann", "salary", 100), ("ann", "bonus", 10)]
    renamed = "SELECT x.who FROM dept d CROSS APPLY (SELECT name FROM emp WHERE emp.dept = d.id) x(who) WHERE d.id = 2"
    assert sorted(rows(conn, renamed)) == [("cy",), ("di",)]


def test_apply_chains_see_every_source_to_their_left_and_mix_with_joins(conn: Connection) -> None:
    query = (
        "SELECT d.name, e.name, x.twice FROM dept d "
        "JOIN emp e ON e.dept = d.id "
        "CROSS APPLY (SELECT e.salary * 2 AS twice) x "
        "OUTER APPLY (SELECT TOP 1 o.name FROM emp o WHERE o.dept = d.id AND o.salary > x.twice) y "
        "WHERE y.name IS NULL ORDER BY e.id"
    )
    assert rows(conn, query) == [("ops", "bob", 600), ("dev", "cy", 400), ("dev", "di", 500)]


def test_apply_of_a_table_is_a_cross_join_and_outer_apply_of_an_empty_one_keeps_rows(conn: Connection) -> None:
    conn.run("CREATE TABLE nothing (id INT)")
    assert rows(conn, "SELECT COUNT(*) FROM dept CROSS APPLY emp") == [(12,)]
    assert rows(conn, "SELECT d.id, n.id FROM dept d OUTER APPLY nothing n ORDER BY d.id") == [
        (1, None),
        (2, None),
        (3, None),
    ]


def test_apply_inside_a_correlated_subquery_sees_the_outer_query(conn: Connection) -> None:
    query = (
        "SELECT d.name, (SELECT MAX(m.salary) FROM emp e CROSS APPLY (SELECT e.salary AS salary "
        "WHERE e.dept = d.id) m) FROM dept d ORDER BY d.id"
    )
    assert rows(conn, query) == [("ops", 300), ("dev", 250), ("empty", None)]


def test_a_system_function_in_from_and_in_a_scalar_subquery(conn: Connection) -> None:
    assert rows(conn, "SELECT text FROM sys.dm_exec_sql_text(NULL)") == []
    (handle,) = rows(conn, "SELECT sql_handle FROM sys.dm_exec_requests WHERE session_id = @@SPID")[0]
    query = (
        "SELECT (SELECT t.text FROM sys.dm_exec_sql_text(r.sql_handle) t) FROM sys.dm_exec_requests r "
        "WHERE r.session_id = @@SPID"
    )
    assert rows(conn, query) == [(query,)]
    assert len(handle) == 44 and handle[:4] == b"\x02\x00\x00\x00"


@pytest.mark.parametrize(
    ("sql", "number", "text"),
    [
        ("SELECT * FROM sys.no_such_function(1)", 208, "Invalid object name 'sys.no_such_function'."),
        ("SELECT * FROM dept d CROSS APPLY dbo.f(d.id) x", 208, "Invalid object name 'dbo.f'."),
        ("SELECT * FROM dept d CROSS APPLY master.sys.nope(d.id)", 208, "Invalid object name 'master.sys.nope'."),
        (
            "SELECT * FROM sys.dm_exec_input_buffer(1)",
            216,
            "Parameters were not supplied for the function 'sys.dm_exec_input_buffer'.",
        ),
        (
            "SELECT * FROM sys.dm_exec_sql_text",
            216,
            "Parameters were not supplied for the function 'sys.dm_exec_sql_text'.",
        ),
        (
            "SELECT * FROM sys.dm_exec_sql_text(0x02, 1)",
            8144,
            "Procedure or function dm_exec_sql_text has too many arguments specified.",
        ),
        (
            "SELECT * FROM sys.dm_exec_sql_text('text')",
            8116,
            "Argument data type varchar is invalid for argument 1 of dm_exec_sql_text function.",
        ),
        ("SELECT * FROM sys.dm_exec_sessions(1)", 215, None),
        ("SELECT * FROM dept(1)", 215, None),
        (
            "SELECT * FROM dept d CROSS APPLY (SELECT name, id FROM emp) x(a)",
            8158,
            "'x' has more columns than were specified in the column list.",
        ),
        (
            "SELECT * FROM dept d CROSS APPLY (SELECT name FROM emp) x(a, b)",
            8159,
            "'x' has fewer columns than were specified in the column list.",
        ),
        (
            "SELECT * FROM dept d CROSS APPLY (SELECT COUNT(*) FROM emp) x",
            8155,
            "No column name was specified for column 1 of 'x'.",
        ),
        ("SELECT * FROM dept d CROSS APPLY (VALUES (1), (2, 3)) v(a)", 10709, None),
        ("SELECT * FROM dept d CROSS APPLY (SELECT nope FROM emp) x", 207, "Invalid column name 'nope'."),
        ("SELECT * FROM dept d CROSS APPLY (SELECT 1 AS one WHERE z.id = 1) x", 4104, None),
        ("DBCC NOSUCHCOMMAND", 2526, None),
        ("DBCC INPUTBUFFER", 2526, None),
        ("DBCC INPUTBUFFER(1, 0, 0)", 2526, None),
        ("DBCC INPUTBUFFER(@@SPID) WITH TABLERESULTS", 2526, None),
    ],
)
def test_unsupported_or_wrong_uses_give_sql_servers_errors(
    conn: Connection, sql: str, number: int, text: str | None
) -> None:
    got = error(conn, sql)
    assert got[0] == number, got
    if text is not None:
        assert got[1] == text


def test_a_left_join_on_a_function_sees_no_outer_rows(conn: Connection) -> None:
    """Only APPLY passes the left row to a function: in a JOIN the argument names an unbound column (4104)."""
    number, _ = error(conn, "SELECT * FROM dept d JOIN sys.dm_exec_sql_text(d.name) t ON 1 = 1")
    assert number == 4104


def test_column_lists_rename_derived_tables_and_functions_in_from_and_under_apply(conn: Connection) -> None:
    assert rows(conn, "SELECT x.b FROM (SELECT 1 AS a) x(b)") == [(1,)]
    assert rows(conn, "SELECT ib.kind FROM sys.dm_exec_input_buffer(@@SPID, NULL) AS ib(kind, n, info)") == [
        ("Language Event",)
    ]
    applied = (
        "SELECT COUNT(*) FROM sys.dm_exec_requests r "
        "CROSS APPLY sys.dm_exec_input_buffer(r.session_id, NULL) AS ib(kind, n, info) WHERE ib.n = 0"
    )
    assert rows(conn, applied) == [(1,)]
    assert error(conn, "SELECT * FROM sys.dm_exec_input_buffer(@@SPID, NULL) AS ib(kind)")[0] == 8158
    assert error(conn, "SELECT * FROM (SELECT 1 AS a) x(b, c)")[0] == 8159


def test_update_with_apply_in_from_and_of_a_table_named_under_apply(conn: Connection) -> None:
    conn.run(
        "UPDATE e SET salary = top_paid.salary FROM emp e "
        "CROSS APPLY (SELECT MAX(o.salary) AS salary FROM emp o WHERE o.dept = e.dept) top_paid"
    )
    assert rows(conn, "SELECT id, salary FROM emp ORDER BY id") == [(10, 300), (11, 300), (12, 250), (13, 250)]
    conn.run("UPDATE x SET salary = 1 FROM dept d CROSS APPLY emp x WHERE x.dept = d.id AND d.name = 'dev'")
    assert rows(conn, "SELECT id, salary FROM emp ORDER BY id") == [(10, 300), (11, 300), (12, 1), (13, 1)]
