"""The ON/OFF SET options: ANSI_NULLS, CONCAT_NULL_YIELDS_NULL and QUOTED_IDENTIFIER honoured, the others honoured
or refused with 40517, @@OPTIONS / SESSIONPROPERTY / sys.dm_exec_sessions telling the truth."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.sessions.session import ON_OFF_OPTIONS
from quietus.sql.dialect import parse_batch
from quietus.sql.dialect.lexer import tokenize
from quietus.sql.session_options import UNSUPPORTED_VALUE, options_value
from tests.embedded import errors, rows
from tests.unit.test_expressions_harness import ROW, FakeContext, compile_text

# -- the compiler: the same compiled predicate answers by the session's option ----------------------------------


@pytest.mark.parametrize(
    ("text", "on", "off"),
    [
        ("?z = NULL", None, True),  # z is NULL in ROW
        ("?a = NULL", None, False),
        ("?z <> NULL", None, False),
        ("?a <> NULL", None, True),
        ("?NULL = NULL", None, True),
        ("?z = @x", None, False),  # @x is 42: one side NULL
        ("?z IN (1, NULL)", None, True),
        ("?a IN (1, NULL)", None, False),
        ("?NOT (a IN (1, NULL))", None, True),
        ("?z = a", None, None),  # two columns: ANSI_NULLS changes nothing
        ("?z < NULL", None, None),  # only = and <>
        ("?(CASE z WHEN NULL THEN 1 ELSE 0 END) = 1", False, True),  # a simple CASE compares with =
        ("?NULLIF(a, NULL) IS NULL", False, False),
    ],
)
def test_ansi_nulls_off_compares_nulls_with_literals_and_variables(text: str, on: Any, off: Any) -> None:
    compiled = compile_text(text)
    assert compiled.fn(ROW, FakeContext()) is on
    assert compiled.fn(ROW, FakeContext(ANSI_NULLS=False)) is off


@pytest.mark.parametrize(
    ("text", "on", "off"),
    [
        ("s + NULL", None, "jward"),
        ("NULL + n", None, "Ab"),
        ("'x' + CAST(z AS varchar(3)) + 'y'", None, "xy"),
        ("CAST(NULL AS varchar(2)) + NULL", None, None),
        ("a + z", None, None),  # numbers: not a concatenation
    ],
)
def test_concat_null_yields_null_off_treats_null_as_empty(text: str, on: Any, off: Any) -> None:
    compiled = compile_text(text)
    assert compiled.fn(ROW, FakeContext()) == on
    assert compiled.fn(ROW, FakeContext(CONCAT_NULL_YIELDS_NULL=False)) == off


# -- the lexer: QUOTED_IDENTIFIER at parse time -------------------------------------------------------------------


def _kinds(text: str, quoted_identifier: bool) -> list[str]:
    return [t.token_type.name for t in tokenize(text, quoted_identifier) if t.text in ("a", 'a"b', "c")]


def test_quoted_identifier_off_makes_double_quotes_a_string() -> None:
    assert _kinds('SELECT "a", [c]', True) == ["IDENTIFIER", "IDENTIFIER"]
    assert _kinds('SELECT "a", [c]', False) == ["STRING", "IDENTIFIER"]
    assert _kinds('SELECT "a""b"', False) == ["STRING"]


def test_a_set_in_the_batch_changes_the_tokens_after_it() -> None:
    text = 'SELECT "a"; SET ANSI_NULLS, QUOTED_IDENTIFIER OFF; SELECT "a"; SET QUOTED_IDENTIFIER ON SELECT "a"'
    assert _kinds(text, True) == ["IDENTIFIER", "STRING", "IDENTIFIER"]
    assert _kinds('SET NOCOUNT OFF; SELECT "a"', True) == ["IDENTIFIER"]


def test_a_procedure_definition_keeps_its_setting() -> None:
    assert _kinds('CREATE PROCEDURE p AS SET QUOTED_IDENTIFIER OFF; SELECT "a"', True) == ["IDENTIFIER"]


def test_parse_cache_keeps_one_tree_per_setting() -> None:
    on, off = parse_batch('SELECT "a"', True), parse_batch('SELECT "a"', False)
    assert on != off


# -- sessions --------------------------------------------------------------------------------------------------


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    connection.run("CREATE TABLE t (id INT PRIMARY KEY, v INT NULL, s VARCHAR(10) NULL)")
    connection.run("INSERT INTO t VALUES (1, NULL, 'a'), (2, 2, NULL)")
    yield connection
    connection.close()


def test_ansi_nulls_off_in_where_and_back_on(conn: Connection) -> None:
    assert rows(conn, "SELECT id FROM t WHERE v = NULL") == []
    conn.run("SET ANSI_NULLS OFF")
    assert rows(conn, "SELECT id FROM t WHERE v = NULL") == [(1,)]
    assert rows(conn, "SELECT id FROM t WHERE v <> NULL") == [(2,)]
    assert rows(conn, "DECLARE @n INT; SELECT id FROM t WHERE v = @n") == [(1,)]
    assert rows(conn, "SELECT id FROM t WHERE v NOT IN (3, NULL) ORDER BY id") == [(2,)]
    conn.run("SET ANSI_NULLS ON")
    assert rows(conn, "SELECT id FROM t WHERE v = NULL") == []  # the cached plan follows the setting


def test_ansi_nulls_off_in_a_join_condition_with_a_variable(conn: Connection) -> None:
    conn.run("CREATE TABLE j (b INT NULL); INSERT INTO j VALUES (5)")
    query = "DECLARE @n INT; SELECT t.id, j.b FROM t JOIN j ON t.v = @n"
    assert rows(conn, query) == []
    conn.run("SET ANSI_NULLS OFF")
    assert rows(conn, query) == [(1, 5)]  # not a hash key: the NULL row matches as the predicate says


def test_concat_null_yields_null_off(conn: Connection) -> None:
    assert rows(conn, "SELECT 'x' + s FROM t ORDER BY id") == [("xa",), (None,)]
    conn.run("SET CONCAT_NULL_YIELDS_NULL OFF")
    assert rows(conn, "SELECT 'x' + s FROM t ORDER BY id") == [("xa",), ("x",)]
    assert rows(conn, "SELECT 'abc' + NULL") == [("abc",)]


def test_quoted_identifier_off_for_later_batches_and_plans(conn: Connection) -> None:
    assert rows(conn, 'SELECT "id" FROM t WHERE id = 1') == [(1,)]
    conn.run("SET QUOTED_IDENTIFIER OFF")
    assert rows(conn, 'SELECT "id" FROM t WHERE id = 1') == [("id",)]
    assert rows(conn, 'SELECT "it\'s"') == [("it's",)]
    assert errors(conn, 'CREATE TABLE "q" (a INT)')[0][0] == 102
    conn.run("SET QUOTED_IDENTIFIER ON")
    assert rows(conn, 'SELECT "id" FROM t WHERE id = 1') == [(1,)]


def test_options_are_visible_everywhere(conn: Connection) -> None:
    assert rows(conn, "SELECT @@OPTIONS") == [(5496,)]
    conn.run("SET ANSI_NULLS OFF; SET CONCAT_NULL_YIELDS_NULL OFF; SET QUOTED_IDENTIFIER OFF")
    assert rows(conn, "SELECT @@OPTIONS") == [(5496 - 32 - 4096 - 256,)]
    assert rows(
        conn,
        "SELECT SESSIONPROPERTY('ANSI_NULLS'), SESSIONPROPERTY('CONCAT_NULL_YIELDS_NULL'), "
        "SESSIONPROPERTY('QUOTED_IDENTIFIER')",
    ) == [(0, 0, 0)]
    assert rows(
        conn,
        "SELECT ansi_nulls, concat_null_yields_null, quoted_identifier FROM sys.dm_exec_sessions "
        "WHERE session_id = @@SPID",
    ) == [(False, False, False)]


def test_options_value_is_sql_servers_default() -> None:
    assert options_value(ON_OFF_OPTIONS) == 5496


def test_procedures_run_with_ansi_nulls_and_quoted_identifier_on(conn: Connection) -> None:
    conn.run(
        'CREATE PROCEDURE p AS BEGIN SET ANSI_NULLS OFF; SELECT id FROM t WHERE v = NULL; SELECT "id" FROM t '
        "WHERE id = 1; SELECT SESSIONPROPERTY('ANSI_NULLS') END"
    )
    assert rows(conn, "SELECT uses_ansi_nulls, uses_quoted_identifier FROM sys.sql_modules") == [(True, True)]
    conn.run("SET ANSI_NULLS OFF; SET QUOTED_IDENTIFIER OFF")
    sink = conn.run("EXEC p")
    assert [r.rows for r in sink.result_sets] == [[], [(1,)], [(1,)]]
    assert rows(conn, "SELECT SESSIONPROPERTY('ANSI_NULLS'), SESSIONPROPERTY('QUOTED_IDENTIFIER')") == [(0, 0)]
    number, text = errors(conn, "CREATE PROCEDURE q AS SELECT 1")[0]
    assert number == 40517 and "OFF" in text


def test_dynamic_sql_takes_the_sessions_setting(conn: Connection) -> None:
    conn.run("SET QUOTED_IDENTIFIER OFF")
    assert rows(conn, "EXEC sp_executesql N'SELECT \"x\"'") == [("x",)]


@pytest.mark.parametrize(("name", "refused"), sorted(UNSUPPORTED_VALUE.items()))
def test_values_quietus_cannot_honour_are_40517_and_change_nothing(conn: Connection, name: str, refused: bool) -> None:
    before = rows(conn, "SELECT @@OPTIONS")
    word = "ON" if refused else "OFF"
    assert errors(conn, f"SET {name} {word}") == [
        (40517, f"Keyword or statement option 'SET {name} {word}' is not supported in this version of SQL Server.")
    ]
    assert rows(conn, "SELECT @@OPTIONS") == before
    assert errors(conn, f"SET {name} {'OFF' if refused else 'ON'}") == []


def test_honoured_values_change_options(conn: Connection) -> None:
    conn.run("SET ARITHABORT OFF; SET XACT_ABORT ON; SET NOCOUNT ON")
    assert rows(conn, "SELECT @@OPTIONS") == [(5496 - 64 + 16384 + 512,)]


def test_ansi_null_dflt_decides_unspecified_nullability(conn: Connection) -> None:
    conn.run("SET ANSI_NULL_DFLT_OFF ON; CREATE TABLE n1 (a INT, b INT NULL)")
    assert rows(conn, "SELECT SESSIONPROPERTY('ANSI_NULL_DFLT_ON'), @@OPTIONS & 3072") == [(0, 2048)]
    conn.run("SET ANSI_NULL_DFLT_ON ON; CREATE TABLE n2 (a INT)")
    assert rows(conn, "SELECT @@OPTIONS & 3072") == [(1024,)]
    query = "SELECT OBJECT_NAME(object_id), name, is_nullable FROM sys.columns WHERE object_id IN "
    assert rows(conn, query + "(OBJECT_ID('n1'), OBJECT_ID('n2')) ORDER BY 1, 2") == [
        ("n1", "a", False),
        ("n1", "b", True),
        ("n2", "a", True),
    ]
    assert errors(conn, "INSERT INTO n1 (b) VALUES (1)")[0][0] == 515


def test_ansi_defaults_on_sets_its_group(conn: Connection) -> None:
    conn.run("SET ANSI_NULL_DFLT_OFF ON; SET ANSI_NULLS OFF; SET ANSI_DEFAULTS ON")
    assert rows(conn, "SELECT @@OPTIONS") == [(5496 + 2 + 4,)]  # IMPLICIT_TRANSACTIONS, CURSOR_CLOSE_ON_COMMIT
    conn.run("IF @@TRANCOUNT > 0 COMMIT")


def test_datefirst_changes_weekday_week_and_week_truncation_not_datediff(conn: Connection) -> None:
    query = (
        "SELECT DATEPART(dw, '1999-01-01'), DATEPART(wk, '2024-01-08'), DATENAME(dw, '1999-01-01'), "
        "DATETRUNC(week, CAST('2024-02-29' AS date)), DATEDIFF(week, '2024-03-02', '2024-03-03')"
    )
    sunday = rows(conn, query)
    conn.run("SET DATEFIRST 3")  # Wednesday: SQL Server's documented example says Friday 1999-01-01 is day 3
    wednesday = rows(conn, query)
    conn.run("SET DATEFIRST 1")
    monday = rows(conn, query)
    assert [row[0] for row in sunday + wednesday + monday] == [6, 3, 5]
    assert [row[1] for row in sunday + monday] == [2, 2]  # 2024-01-01 is a Monday
    assert {row[2] for row in sunday + wednesday + monday} == {"Friday"}
    assert [str(row[3]) for row in sunday + wednesday + monday] == ["2024-02-25", "2024-02-28", "2024-02-26"]
    assert {row[4] for row in sunday + wednesday + monday} == {1}  # DATEDIFF always counts Sundays


def test_rowcount_limits_insert_update_and_delete_too(conn: Connection) -> None:
    conn.run("CREATE TABLE rc (a INT)")
    conn.run("SET ROWCOUNT 2; INSERT INTO rc VALUES (1), (2), (3); SET ROWCOUNT 0")
    assert rows(conn, "SELECT COUNT(*) FROM rc") == [(2,)]
    conn.run("INSERT INTO rc VALUES (3), (4)")
    assert rows(conn, "SET ROWCOUNT 1; UPDATE rc SET a = 10 WHERE a > 1; SELECT @@ROWCOUNT") == [(1,)]
    assert rows(conn, "SELECT COUNT(*) FROM rc WHERE a = 10") == [(1,)]
    conn.run("SET ROWCOUNT 2; DELETE FROM rc WHERE a < 10; SET ROWCOUNT 0")
    assert rows(conn, "SELECT COUNT(*) FROM rc") == [(2,)]  # 4 rows, 2 deleted
    conn.run("SET ROWCOUNT 1")
    assert len(rows(conn, "SELECT TOP (5) a FROM rc ORDER BY a")) == 1  # with TOP, the smaller


def test_textsize_cuts_max_values_in_results(conn: Connection) -> None:
    query = (
        "SELECT CAST('abcdef' AS VARCHAR(MAX)), 'abcdef', CAST(N'abcdef' AS NVARCHAR(MAX)), "
        "CAST(0x0102030405 AS VARBINARY(MAX))"
    )
    assert rows(conn, query) == [("abcdef", "abcdef", "abcdef", b"\x01\x02\x03\x04\x05")]
    conn.run("SET TEXTSIZE 4")
    assert rows(conn, query) == [("abcd", "abcdef", "ab", b"\x01\x02\x03\x04")]  # nvarchar: 4 bytes, 2 characters
    conn.run("SET TEXTSIZE 0")
    assert rows(conn, "SELECT @@TEXTSIZE") == [(4096,)]


def test_language_and_dateformat_other_than_quietus_has_are_refused(conn: Connection) -> None:
    assert errors(conn, "SET LANGUAGE Deutsch")[0][0] == 40517
    assert errors(conn, "SET DATEFORMAT dmy")[0][0] == 40517
    assert errors(conn, "SET LANGUAGE us_english; SET LANGUAGE English; SET DATEFORMAT mdy") == []
    assert rows(conn, "SELECT @@LANGUAGE, CAST('01/02/2020' AS DATE)") == [("us_english", datetime.date(2020, 1, 2))]


def test_the_batch_ssms_sends_at_connect_is_accepted(conn: Connection) -> None:
    ssms = (
        "SET ROWCOUNT 0 SET TEXTSIZE 2147483647 SET NOCOUNT OFF SET CONCAT_NULL_YIELDS_NULL ON SET ARITHABORT ON "
        "SET LOCK_TIMEOUT -1 SET QUERY_GOVERNOR_COST_LIMIT 0 SET DEADLOCK_PRIORITY NORMAL "
        "SET TRANSACTION ISOLATION LEVEL READ COMMITTED SET ANSI_NULLS ON SET ANSI_NULL_DFLT_ON ON "
        "SET ANSI_PADDING ON SET ANSI_WARNINGS ON SET CURSOR_CLOSE_ON_COMMIT OFF SET IMPLICIT_TRANSACTIONS OFF "
        "SET QUOTED_IDENTIFIER ON SET NOEXEC, PARSEONLY, FMTONLY OFF"
    )
    assert errors(conn, ssms) == []
    assert rows(conn, "SELECT @@OPTIONS, @@TEXTSIZE") == [(5496, 2147483647)]
    assert errors(conn, "SET QUERY_GOVERNOR_COST_LIMIT 300")[0][0] == 40517
