"""Every input gets an answer (issue 14, item 1), through the embedded API: text outside the Basic Multilingual
Plane measured in UTF-16 code units, lone surrogates, empty select lists, deep nesting, malformed parameter
declarations, and the safety net for whatever still escapes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.errors import SqlError
from quietus.server.rpc import parse_declarations
from quietus.sql import utf16
from quietus.sql.dialect import CACHED_TEXT_LIMIT, parse_batch, parse_batch_cached
from quietus.sql.results import CollectingSink
from quietus.sql.tree_release import release_trees
from tests.harness import plant_bug_in_select

EMOJI = "\U0001f600"  # one character, two UTF-16 code units


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    try:
        yield connection
    finally:
        connection.close()


def errors(sink: CollectingSink) -> list[int]:
    return [m.number for m in sink.messages if m.is_error]


def rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    sink = conn.run(sql)
    assert errors(sink) == [], sink.messages
    return sink.result_sets[-1].rows


# -- UTF-16 code units ------------------------------------------------------------------------------------


def test_utf16_units_cut_and_reverse() -> None:
    assert utf16.units("abc") == 3 and utf16.units(EMOJI) == 2 and utf16.units("a\u00e9") == 2
    assert utf16.cut(f"a{EMOJI}b", 1, 3) == EMOJI
    assert utf16.cut(f"a{EMOJI}b", 1, 2) == utf16.REPLACEMENT  # half a pair
    assert utf16.cut(f"a{EMOJI}b", 3) == "b"
    assert utf16.reverse(f"a{EMOJI}") == utf16.REPLACEMENT * 2 + "a"
    assert utf16.clean("a\ud800b") == "a\ufffdb" and utf16.clean("\ud83d\ude00") == EMOJI


def test_string_functions_count_utf16_code_units(conn: Connection) -> None:
    text = f"N'a{EMOJI}b'"
    assert rows(conn, f"SELECT LEN({text}), DATALENGTH({text}), LEN(N'{EMOJI}  ')") == [(4, 8, 2)]
    assert rows(
        conn, f"SELECT SUBSTRING({text}, 2, 2), SUBSTRING({text}, 2, 1), LEFT({text}, 3), RIGHT({text}, 1)"
    ) == [(EMOJI, utf16.REPLACEMENT, f"a{EMOJI}", "b")]
    assert rows(conn, f"SELECT REVERSE({text}), NCHAR(128512), NCHAR(55296)") == [
        (f"b{utf16.REPLACEMENT * 2}a", None, utf16.REPLACEMENT)
    ]
    assert rows(conn, "SELECT UPPER(N'stra\u00dfe'), LEN(UPPER(N'\u00df'))") == [("STRA\u00dfE", 1)]


def test_an_nvarchar_column_holds_code_units_and_refuses_what_does_not_fit(conn: Connection) -> None:
    conn.run("CREATE TABLE e (id INT PRIMARY KEY, v NVARCHAR(1), w NVARCHAR(2))")
    sink = conn.run(f"INSERT INTO e VALUES (1, N'{EMOJI}', NULL)")
    assert errors(sink) == [2628]
    assert rows(conn, f"INSERT INTO e VALUES (2, N'x', N'{EMOJI}'); SELECT v, w, LEN(w) FROM e") == [("x", EMOJI, 2)]
    assert rows(conn, f"DECLARE @v NVARCHAR(1) = N'{EMOJI}'; SELECT @v, LEN(@v), DATALENGTH(@v)") == [
        (utf16.REPLACEMENT, 1, 2)
    ]
    assert rows(conn, f"SELECT CAST(N'a{EMOJI}' AS NVARCHAR(3)), CAST(N'a{EMOJI}' AS NCHAR(4))") == [
        (f"a{EMOJI}", f"a{EMOJI} ")
    ]


# -- syntax -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "number"),
    [("SELECT", 156), ("SELECT FROM sys.objects", 156), ("SELECT WHERE 1 = 1", 156), ("SELECT;", 102),
     ("SELECT 1 UNION SELECT", 156), ("SELECT * FROM (SELECT) x", 102)],
)  # fmt: skip
def test_an_empty_select_list_is_a_syntax_error(conn: Connection, sql: str, number: int) -> None:
    assert errors(conn.run(sql)) == [number]


DEEP = {
    "parentheses": ("SELECT " + "(" * 10_000 + "1" + ")" * 10_000, 191),
    "nots": ("SELECT 1 WHERE " + "NOT " * 20_000 + "1 = 1", 191),
    "case": ("SELECT " + "CASE WHEN 1 = 1 THEN " * 3_000 + "1" + " END" * 3_000, 191),
    "sum": ("SELECT " + "+".join(["1"] * 50_000), 8631),
}


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_nesting_is_an_error_and_the_session_lives_on(conn: Connection, name: str) -> None:
    sql, number = DEEP[name]
    assert errors(conn.run(sql)) == [number]
    assert rows(conn, "SELECT 42") == [(42,)]


# -- parameter declarations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declarations", "number"),
    [("xP1 INT", 102), ("@P1 NT", 2715), ("@P1", 102), ("@P1 INT, @P1 INT", 134), ("@P1 INT @P2 INT", 102),
     ("@P1 nvarchar(x)", 102)],
)  # fmt: skip
def test_malformed_declarations_are_sql_servers_errors(declarations: str, number: int) -> None:
    with pytest.raises(SqlError) as caught:
        parse_declarations(declarations)
    assert caught.value.number == number
    assert [d.name for d in parse_declarations("@P1 int, @P2 decimal(10, 2) OUTPUT")] == ["@P1", "@P2"]


# -- the safety net ---------------------------------------------------------------------------------------


def test_the_safety_net_answers_rolls_back_keeps_the_session_and_counts(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant_bug_in_select(monkeypatch)
    conn.run("CREATE TABLE kept (id INT PRIMARY KEY)")
    before = rows(conn, "SELECT fired_count FROM sys.dm_quietus_safety_net")[0][0]
    sink = conn.run("BEGIN TRAN; INSERT INTO kept VALUES (1); SELECT 'safety_net_probe'; SELECT 'not reached'")
    assert errors(sink) == [8630]
    assert [r.rows for r in sink.result_sets] == []  # the batch ended at the failure
    assert rows(conn, "SELECT @@TRANCOUNT, (SELECT COUNT(*) FROM kept)") == [(0, 0)]  # rolled back
    after = rows(conn, "SELECT fired_count, last_exception FROM sys.dm_quietus_safety_net")[0]
    assert after == (before + 1, "ZeroDivisionError: a bug")


def test_charindex_counts_code_units(conn: Connection) -> None:
    assert rows(conn, f"SELECT CHARINDEX(N'b', N'a{EMOJI}b'), CHARINDEX(N'{EMOJI}', N'a{EMOJI}b')") == [(4, 2)]
    assert rows(conn, "SELECT CHARINDEX(N'B', N'abcb', 3), CHARINDEX(N'i', N'\u0130i')") == [(4, 2)]


def test_patindex_counts_code_units_as_charindex_does(conn: Connection) -> None:
    assert rows(conn, f"SELECT PATINDEX(N'%b%', N'a{EMOJI}b'), PATINDEX(N'%{EMOJI}%', N'a{EMOJI}b')") == [(4, 2)]
    assert rows(
        conn,
        f"SELECT PATINDEX(N'%[0-9]%', N'{EMOJI}{EMOJI}7'), PATINDEX(N'%B%', N'{EMOJI}b' COLLATE Latin1_General_BIN2)",
    ) == [(5, 0)]
    assert rows(
        conn, f"SELECT PATINDEX(N'%b%', N'{EMOJI}b' COLLATE Latin1_General_CS_AS), PATINDEX(N'b%', N'{EMOJI}b')"
    ) == [(3, 0)]
    text = f"x{EMOJI}yz{EMOJI}z"
    assert rows(conn, f"SELECT PATINDEX(N'%z%', N'{text}'), CHARINDEX(N'z', N'{text}')") == [(5, 5)]


def test_like_and_patindex_underscore_matches_one_code_unit(conn: Connection) -> None:
    # SQL Server's default (non-_SC) collations: NVARCHAR is UTF-16 and _ is one code unit, half of an emoji
    likes = (f"N'{EMOJI}' LIKE N'__'", f"N'{EMOJI}' LIKE N'_'", f"N'a{EMOJI}' LIKE N'a_'", f"N'a{EMOJI}b' LIKE N'a__b'",
             f"N'{EMOJI}' LIKE N'{EMOJI}'", f"N'{EMOJI}' LIKE N'%'", f"N'{EMOJI}x' LIKE N'_{EMOJI}%'")  # fmt: skip
    truth = ", ".join(f"CASE WHEN {like} THEN 1 ELSE 0 END" for like in likes)
    assert rows(conn, f"SELECT {truth}") == [(1, 0, 0, 1, 1, 1, 0)]
    conn.run("CREATE TABLE u (id INT PRIMARY KEY, v NVARCHAR(10))")
    conn.run(f"INSERT INTO u VALUES (1, N'{EMOJI}'), (2, N'ab'), (3, N'a')")
    assert rows(conn, "SELECT id FROM u WHERE v LIKE N'__' ORDER BY id") == [(1,), (2,)]
    assert rows(conn, "SELECT id FROM u WHERE v NOT LIKE N'_' ORDER BY id") == [(1,), (2,)]
    assert rows(conn, "DECLARE @p NVARCHAR(9) = N'_'; SELECT COUNT(*) FROM u WHERE v LIKE @p + @p") == [(2,)]
    # PATINDEX: _ covers one unit, so a pattern of two _ finds an emoji, one _ then a letter finds its second half
    assert rows(
        conn, f"SELECT PATINDEX(N'%__b%', N'{EMOJI}b'), PATINDEX(N'%_b%', N'{EMOJI}b'), PATINDEX(N'_b', N'{EMOJI}b')"
    ) == [(1, 2, 0)]


@pytest.mark.parametrize(
    "sql, number",
    [
        ("SELECT CAST(REPLICATE('1', 8000) AS INT)", 248),  # found by torture_fuzz: the safety net fired (8630)
        ("SELECT 1 WHERE 1 = REPLICATE('1', 8000)", 248),
        ("SELECT CONVERT(INT, N'" + "2" * 6000 + "')", 248),
        ("SELECT CAST('-' + REPLICATE('0', 5000) + '7' AS TINYINT)", 244),
        ("SELECT CAST(REPLICATE('1', 5000) AS BIGINT)", 8114),
        ("SELECT 1" + "1" * 5000, 1007),
        ("SELECT CAST(REPLICATE('1', 5000) AS MONEY)", 8115),
        ("KILL " + "1" * 5000, 1007),
        ("SET LOCK_TIMEOUT " + "1" * 5000, 1007),
        ("SELECT CAST(1 AS VARCHAR(" + "1" * 5000 + "))", 1007),
        ("CREATE TABLE wide_type (a DECIMAL(" + "1" * 5000 + ", 2))", 1007),
        ("WAITFOR DELAY '" + "1" * 5000 + "'", 148),
    ],
)
def test_numbers_of_thousands_of_digits_are_sql_servers_errors(conn: Connection, sql: str, number: int) -> None:
    # Python refuses to parse an int of more than 4,300 digits, and a Decimal context holds 28
    assert errors(conn.run(sql)) == [number]


def test_numbers_of_thousands_of_digits_that_fit_or_are_tried_have_a_value(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT CAST(REPLICATE('0', 5000) + '7' AS INT), TRY_CAST(REPLICATE('1', 8000) AS INT),"
        " TRY_CONVERT(BIGINT, REPLICATE('9', 8000)), STR(1e308), STR(-1e308, 5)",
    ) == [(7, None, None, "*" * 10, "*" * 5)]


def test_lone_surrogates_from_an_embedded_caller_become_replacement_characters(conn: Connection) -> None:
    conn.run("CREATE TABLE lone (id INT PRIMARY KEY, v NVARCHAR(10))")
    cursor = conn.cursor()
    cursor.execute("INSERT INTO lone VALUES (1, %s)", ("a\udc00",))
    cursor.execute("INSERT INTO lone VALUES (2, N'x\ud800')")
    cursor.execute("SELECT v, LEN(v) FROM lone ORDER BY id")
    assert cursor.fetchall() == [("a\ufffd", 2), ("x\ufffd", 2)]  # stored, and readable again


LENGTHENING = [
    "STUFF(N'abc', 2, 1, N'xxxxxx')",
    f"STUFF(N'a{EMOJI}b', 2, 2, N'{EMOJI}{EMOJI}')",
    "CONCAT_WS(N'-----', N'a', N'b')",
    "QUOTENAME(N'ab]]]]')",
    "REPLACE(N'aaaa', N'a', N'bbbbbbbbbb')",
    f"REPLICATE(N'{EMOJI}', 3)",
    f"UPPER(N'\u00df{EMOJI}')",
    "LOWER(N'\u0130')",
    f"CONCAT(N'{EMOJI}', N'{EMOJI}')",
    f"N'{EMOJI}' + N'{EMOJI}'",
    f"REVERSE(N'{EMOJI}x')",
    f"LEFT(N'{EMOJI}{EMOJI}', 3)",
    "FORMAT(123456789, 'N')",
    "STR(1.5, 30, 2)",
    # found by the statements goal run of torture_fuzz: without a max operand SQL Server cuts at 8,000 bytes
    "CONCAT(CAST(N'a' AS NCHAR(3)), SPACE(5266), 2)",
    "CONCAT_WS(N',', REPLICATE(N'x', 3000), REPLICATE(N'y', 3000))",
    "REPLICATE(CAST(0 AS DECIMAL(5, 2)), 52191) + SUBSTRING('856386492463', 0, 4)",
    f"REPLICATE(N'{EMOJI}', 2000) + N'x'",
    f"CASE WHEN 1 = 0 THEN LEFT(STUFF(@@SPID, 1, 0, @@SPID), 1) ELSE CAST(LEFT(N'a{EMOJI}b', 2) AS NCHAR(3)) END",
    "CONCAT(N'a', SPACE(5266), 2)",  # found by torture_fuzz's statements run: 10,534 bytes for a 4,000 column
    "CONCAT_WS(N'-', N'a', SPACE(5266))",
    "CONCAT('a', SPACE(8000), 'b')",
]


@pytest.mark.parametrize("expression", LENGTHENING)
def test_a_string_result_never_exceeds_its_declared_length(conn: Connection, expression: str) -> None:
    """The TDS encoder sizes a column from the declared type: a longer value would end the request (the class of
    bug that ended sessions with 'value of 4 bytes exceeds the column's 2')."""
    sink = conn.run(f"SELECT {expression}")
    assert errors(sink) == []
    result = sink.result_sets[-1]
    value, declared = result.rows[0][0], result.columns[0].type
    assert declared.length is not None or declared.name not in ("char", "nchar"), declared  # no nchar(max) exists
    assert declared.length is None or utf16.units(value) <= declared.length, (value, declared)


def test_binary_concatenation_is_cut_at_its_type_length_too(conn: Connection) -> None:
    sink = conn.run(
        "DECLARE @a VARBINARY(8000) = CAST(REPLICATE(CAST(0x41 AS VARCHAR(1)), 5000) AS VARBINARY(8000)); "
        "SELECT @a + @a"
    )
    assert errors(sink) == []
    assert len(sink.result_sets[-1].rows[0][0]) == 8000


# -- a long batch's parse trees are given back when it ends (quietus.sql.tree_release): reference counting frees
# them instead of a full garbage collection that stalls every session; trees that may outlive the batch (a
# cursor's query, DDL) and cached batches are left alone.

LONG_IN = "SELECT 7 WHERE 7 IN (" + ", ".join(map(str, range(10_000))) + ")"  # longer than the cache's limit


def test_a_long_batch_leaves_no_cyclic_garbage(conn: Connection) -> None:
    assert len(LONG_IN) > CACHED_TEXT_LIMIT
    gc.collect()
    assert rows(conn, LONG_IN) == [(7,)]
    assert gc.collect() < 1_000  # without the release: three objects per value (30,000)


def test_release_takes_query_trees_apart_and_leaves_ddl_and_cursors_alone() -> None:
    statements = parse_batch(
        "SELECT a + 1 FROM t WHERE b IN (1, 2); CREATE TABLE u (id INT PRIMARY KEY); "
        "DECLARE c CURSOR FOR SELECT a FROM t"
    )
    select, create, cursor = statements
    before_create, before_cursor = create.node.sql(), cursor.query.sql()
    released = release_trees(statements, lambda: None)
    assert released > 10
    assert select.node.args == {}
    assert create.node.sql() == before_create and cursor.query.sql() == before_cursor


def test_release_pauses_as_it_goes() -> None:
    pauses = []
    released = release_trees(parse_batch(LONG_IN), lambda: pauses.append(1))
    assert released >= 10_000 and len(pauses) == released // 256


def test_a_cursor_declared_in_a_long_batch_still_works_after_it(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
    conn.run("INSERT INTO t VALUES (1), (2)")
    assert rows(conn, f"DECLARE c CURSOR GLOBAL FOR SELECT id FROM t ORDER BY id; {LONG_IN}") == [(7,)]
    conn.run("OPEN c")
    assert rows(conn, "FETCH NEXT FROM c") == [(1,)]
    assert rows(conn, "FETCH NEXT FROM c") == [(2,)]


def test_cached_batches_are_never_released(conn: Connection) -> None:
    short = "SELECT 1 + 2 + 3"
    assert rows(conn, short) == [(6,)]
    assert parse_batch_cached(short)[0].node.args  # the cached tree is whole
    assert rows(conn, short) == [(6,)]
