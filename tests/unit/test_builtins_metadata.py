"""Metadata functions the DBA tools call, answered from what the instance really has (NULL for what it lacks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.sql.builtins_metadata import parsename
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        rows(connection, "CREATE TABLE t (id INT IDENTITY PRIMARY KEY, n NVARCHAR(10) NOT NULL, d DECIMAL(9,2))")
        rows(connection, "CREATE PROCEDURE p AS SELECT 1")
        yield connection


@pytest.mark.parametrize(
    ("name", "part", "expected"),
    [
        ("srv.db.dbo.obj", 1, "obj"),
        ("srv.db.dbo.obj", 2, "dbo"),
        ("srv.db.dbo.obj", 4, "srv"),
        ("dbo.obj", 3, None),
        ("[a.b].c", 1, "c"),
        ("[a.b].c", 2, "a.b"),
        ('"x"."y"', 2, "x"),
        ("[a]]b].c", 2, "a]b"),
        ("db..obj", 2, None),
        ("a.b.c.d.e", 1, None),
        ("[unclosed.x", 1, None),
        ("a.b", 5, None),
    ],
)
def test_parsename(name: str, part: int, expected: str | None) -> None:
    assert parsename(name, part) == expected


def test_parsename_through_sql_on_literals_and_columns(conn: Connection) -> None:
    # a literal first argument reaches the engine as sqlglot's SPLIT_PART, a column as a plain call
    assert rows(conn, "SELECT PARSENAME('srv.db.dbo.obj', 1), PARSENAME(N'srv.db.dbo.obj', 3)") == [("obj", "db")]
    assert rows(conn, "SELECT PARSENAME(v, 2) FROM (VALUES (N'dbo.t')) AS x(v)") == [("dbo",)]


def test_serverproperty(conn: Connection) -> None:
    got = rows(
        conn,
        "SELECT SERVERPROPERTY('ProductVersion'), SERVERPROPERTY('productmajorversion'), "
        "SERVERPROPERTY('EngineEdition'), SERVERPROPERTY('Collation'), SERVERPROPERTY('NoSuchProperty')",
    )
    assert got == [("16.0.4000.0", "16", "3", "SQL_Latin1_General_CP1_CI_AS", None)]


def test_schema_and_type_functions(conn: Connection) -> None:
    assert rows(conn, "SELECT SCHEMA_NAME(), SCHEMA_NAME(4), SCHEMA_NAME(99), SCHEMA_ID('sys'), SCHEMA_ID()") == [
        ("dbo", "sys", None, 4, 1)
    ]
    assert rows(conn, "SELECT TYPE_NAME(56), TYPE_NAME(231), TYPE_NAME(256), TYPE_ID('nvarchar'), TYPE_ID('x')") == [
        ("int", "nvarchar", "sysname", 231, None)
    ]
    assert rows(
        conn,
        "SELECT c.name, TYPE_NAME(c.system_type_id) FROM sys.columns c WHERE c.object_id = OBJECT_ID('t') "
        "ORDER BY c.column_id",
    ) == [("id", "int"), ("n", "nvarchar"), ("d", "decimal")]


def test_object_functions(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT OBJECT_SCHEMA_NAME(OBJECT_ID('t')), OBJECT_SCHEMA_NAME(OBJECT_ID('p')), OBJECT_SCHEMA_NAME(-5), "
        "OBJECTPROPERTY(OBJECT_ID('t'), 'IsUserTable'), OBJECTPROPERTY(OBJECT_ID('t'), 'IsProcedure'), "
        "OBJECTPROPERTY(OBJECT_ID('p'), 'IsProcedure'), OBJECTPROPERTY(OBJECT_ID('t'), 'TableHasIdentity'), "
        "OBJECTPROPERTY(OBJECT_ID('t'), 'NoSuchProperty')",
    ) == [("dbo", "dbo", None, 1, 0, 1, 1, None)]
    assert rows(
        conn,
        "SELECT COLUMNPROPERTY(OBJECT_ID('t'), 'n', 'AllowsNull'), COLUMNPROPERTY(OBJECT_ID('t'), 'd', 'AllowsNull'), "
        "COLUMNPROPERTY(OBJECT_ID('t'), 'id', 'IsIdentity'), COLUMNPROPERTY(OBJECT_ID('t'), 'd', 'Scale'), "
        "COLUMNPROPERTY(OBJECT_ID('t'), 'nope', 'AllowsNull')",
    ) == [(0, 1, 1, 2, None)]


def test_database_and_session_properties(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT DATABASEPROPERTYEX('master', 'Status'), DATABASEPROPERTYEX('master', 'Updateability'), "
        "DATABASEPROPERTYEX('nowhere', 'Status'), DATABASEPROPERTYEX('master', 'IsReadCommittedSnapshotOn')",
    ) == [("ONLINE", "READ_WRITE", None, "0")]
    assert rows(conn, "SET ANSI_NULLS OFF; SELECT SESSIONPROPERTY('ANSI_NULLS'), SESSIONPROPERTY('bogus')") == [
        (0, None)
    ]


def test_checksum_translate_and_counters(conn: Connection) -> None:
    [(lower, upper, other, combined, combined_again)] = rows(
        conn, "SELECT CHECKSUM('a'), CHECKSUM('A'), CHECKSUM('b'), CHECKSUM(1, N'x'), CHECKSUM(1, N'x')"
    )
    assert lower == upper and lower != other and combined == combined_again
    assert rows(conn, "SELECT TRANSLATE('2*[3+4]/{7-2}', '[]{}', '()()')") == [("2*(3+4)/(7-2)",)]
    assert errors(conn, "SELECT TRANSLATE('a', 'ab', 'c')")[0][0] == 9828
    [(version, ticks, busy)] = rows(conn, "SELECT @@MICROSOFTVERSION, @@TIMETICKS, @@CPU_BUSY")
    assert version >> 24 == 16 and ticks == 31250 and busy >= 0
    assert rows(conn, "SELECT @@LANGID, @@MAX_CONNECTIONS, @@REMSERVER") == [(0, 32767, None)]
    compatibility = rows(conn, "SELECT COUNT(*) FROM master.dbo.sysprocesses")
    assert compatibility == rows(conn, "SELECT COUNT(*) FROM sys.sysprocesses") and compatibility[0][0] > 0
    assert rows(conn, "SELECT CONTEXT_INFO()") == [(None,)]


def test_bare_identity(conn: Connection) -> None:
    rows(conn, "CREATE TABLE u (id INT IDENTITY PRIMARY KEY, v INT); INSERT u (v) VALUES (5), (6)")
    assert rows(conn, "SELECT id, v FROM u ORDER BY id") == [(1, 5), (2, 6)]


def test_values_as_a_table_source(conn: Connection) -> None:
    assert rows(conn, "SELECT v, w FROM (VALUES (1, N'a'), (2, N'b')) AS x(v, w) WHERE v > 1") == [(2, "b")]
    assert rows(conn, "SELECT t.v FROM (VALUES (1), (2)) t(v) JOIN (VALUES (2)) u(v) ON u.v = t.v") == [(2,)]
    assert errors(conn, "SELECT * FROM (VALUES (1), (2)) x") == [
        (8155, "No column name was specified for column 1 of 'x'.")
    ]
    assert errors(conn, "SELECT * FROM (VALUES (1), (2, 3)) x(a)")[0][0] == 10709


def test_fn_varbintohexstr_is_a_sys_function(conn: Connection) -> None:
    found = rows(conn, "SELECT sys.fn_varbintohexstr(0x0A0BFF), master.dbo.fn_varbintohexstr(0x01), "
                       "dbo.fn_varbintohexstr(CAST(258 AS INT)), sys.fn_varbintohexstr(NULL)")
    assert found == [("0x0a0bff", "0x01", "0x00000102", None)]
    assert errors(conn, "SELECT fn_varbintohexstr(0x01)")[0][0] == 195  # a sys function needs its schema
    assert errors(conn, "SELECT sys.fn_varbintohexstr(0x01, 2)")[0][0] == 174
