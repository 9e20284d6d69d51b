"""Batch-level behaviour of the T-SQL parser: boundaries, line and text, driver batches, the cache."""

from __future__ import annotations

import pytest
from sqlglot import exp

from quietus.sql.dialect import (
    CACHED_TEXT_LIMIT,
    If,
    SetOption,
    SqlStatement,
    Statement,
    parse_batch,
    parse_batch_cached,
    parse_cache_info,
)


def kinds(statements: list[Statement]) -> list[str]:
    return [type(statement).__name__ for statement in statements]


def test_empty_and_comment_only_batches_have_no_statements() -> None:
    assert parse_batch("") == []
    assert parse_batch("  \n -- nothing\n /* at all */ ;; ") == []


@pytest.mark.parametrize(
    "text",
    [
        "SELECT 1 SELECT 2",
        "SELECT 1; SELECT 2;",
        "SELECT 1\nSELECT 2",
        "SELECT 1;;\n;SELECT 2",
    ],
)
def test_statements_need_no_semicolon(text: str) -> None:
    statements = parse_batch(text)
    assert [s.text for s in statements] == ["SELECT 1", "SELECT 2"]
    assert all(isinstance(s, SqlStatement) for s in statements)


def test_reserved_keyword_starts_next_statement_instead_of_being_an_alias() -> None:
    statements = parse_batch("SELECT a FROM t WHERE x = 1 WHILE @i < 2 SET @i += 1 PRINT 'x'")
    assert kinds(statements) == ["SqlStatement", "While", "Print"]
    assert statements[0].text == "SELECT a FROM t WHERE x = 1"


def test_non_reserved_word_after_select_is_an_alias_as_in_sql_server() -> None:
    (statement,) = parse_batch("SELECT 1 total")
    assert isinstance(statement, SqlStatement)
    assert statement.node.expressions[0].alias == "total"


def test_line_and_text_of_each_statement_in_multiline_batch() -> None:
    text = "-- header\nSET NOCOUNT ON;\n\nSELECT a,\n       b\nFROM t\n   WHERE a = 1;\r\nPRINT 'done'"
    statements = parse_batch(text)
    assert [(s.line, s.text) for s in statements] == [
        (2, "SET NOCOUNT ON"),
        (4, "SELECT a,\n       b\nFROM t\n   WHERE a = 1"),
        (8, "PRINT 'done'"),
    ]


def test_nested_statements_carry_their_own_line_and_text() -> None:
    text = "IF @x = 1\nBEGIN\n  SELECT 1\n  SELECT 2\nEND\nELSE\n  PRINT 'no'"
    (statement,) = parse_batch(text)
    assert isinstance(statement, If)
    assert statement.line == 1 and statement.text == text
    assert statement.then.line == 2
    inner = statement.then.statements  # type: ignore[attr-defined]
    assert [(s.line, s.text) for s in inner] == [(3, "SELECT 1"), (4, "SELECT 2")]
    assert statement.else_ is not None
    assert (statement.else_.line, statement.else_.text) == (7, "PRINT 'no'")


PYMSSQL_CONNECT = (
    "SET ARITHABORT ON;SET CONCAT_NULL_YIELDS_NULL ON;SET ANSI_NULLS ON;SET ANSI_NULL_DFLT_ON ON;"
    "SET ANSI_PADDING ON;SET ANSI_WARNINGS ON;SET ANSI_NULL_DFLT_ON ON;SET CURSOR_CLOSE_ON_COMMIT ON;"
    "SET QUOTED_IDENTIFIER ON;SET TEXTSIZE 2147483647;"
)

TEDIOUS_CONNECT = (
    "set textsize 2147483647 set quoted_identifier on set arithabort off set numeric_roundabort off "
    "set ansi_warnings on\nset ansi_padding on set ansi_nulls on set concat_null_yields_null on "
    "set cursor_close_on_commit off\nset implicit_transactions off set language us_english "
    "set dateformat mdy set datefirst 7\nset transaction isolation level read committed"
)


def test_pymssql_connect_batch() -> None:
    statements = parse_batch(PYMSSQL_CONNECT)
    assert all(isinstance(s, SetOption) for s in statements)
    assert [(s.name, s.value) for s in statements] == [  # type: ignore[attr-defined]
        ("ARITHABORT", "ON"),
        ("CONCAT_NULL_YIELDS_NULL", "ON"),
        ("ANSI_NULLS", "ON"),
        ("ANSI_NULL_DFLT_ON", "ON"),
        ("ANSI_PADDING", "ON"),
        ("ANSI_WARNINGS", "ON"),
        ("ANSI_NULL_DFLT_ON", "ON"),
        ("CURSOR_CLOSE_ON_COMMIT", "ON"),
        ("QUOTED_IDENTIFIER", "ON"),
        ("TEXTSIZE", 2147483647),
    ]


def test_tedious_connect_batch() -> None:
    statements = parse_batch(TEDIOUS_CONNECT)
    assert all(isinstance(s, SetOption) for s in statements)
    assert [(s.name, s.value) for s in statements] == [  # type: ignore[attr-defined]
        ("TEXTSIZE", 2147483647),
        ("QUOTED_IDENTIFIER", "ON"),
        ("ARITHABORT", "OFF"),
        ("NUMERIC_ROUNDABORT", "OFF"),
        ("ANSI_WARNINGS", "ON"),
        ("ANSI_PADDING", "ON"),
        ("ANSI_NULLS", "ON"),
        ("CONCAT_NULL_YIELDS_NULL", "ON"),
        ("CURSOR_CLOSE_ON_COMMIT", "OFF"),
        ("IMPLICIT_TRANSACTIONS", "OFF"),
        ("LANGUAGE", "us_english"),
        ("DATEFORMAT", "mdy"),
        ("DATEFIRST", 7),
        ("TRANSACTION ISOLATION LEVEL", "READ COMMITTED"),
    ]
    assert [s.line for s in statements][-1] == 4


SEED_QUERY = """SELECT conn.session_id, host_name, program_name,
    nt_domain, login_name, connect_time, last_request_end_time
FROM sys.dm_exec_sessions AS sess
JOIN sys.dm_exec_connections AS conn
   ON sess.session_id = conn.session_id;
"""


def test_seed_query_tables_keep_schema_part() -> None:
    (statement,) = parse_batch(SEED_QUERY)
    assert isinstance(statement, SqlStatement)
    select = statement.node
    assert isinstance(select, exp.Select)
    assert statement.text == SEED_QUERY.strip().rstrip(";")
    source = select.args["from_"].this
    assert (source.db, source.name, source.alias) == ("sys", "dm_exec_sessions", "sess")
    (join,) = select.args["joins"]
    assert (join.this.db, join.this.name, join.this.alias) == ("sys", "dm_exec_connections", "conn")
    assert [p.alias_or_name for p in select.expressions] == [
        "session_id",
        "host_name",
        "program_name",
        "nt_domain",
        "login_name",
        "connect_time",
        "last_request_end_time",
    ]
    assert select.expressions[0].table == "conn"


def test_three_part_name_has_catalog_db_and_name() -> None:
    (statement,) = parse_batch("SELECT * FROM master.sys.dm_exec_sessions")
    table = statement.node.find(exp.Table)  # type: ignore[attr-defined]
    assert (table.catalog, table.db, table.name) == ("master", "sys", "dm_exec_sessions")


def test_cached_parse_returns_the_same_immutable_statements() -> None:
    text = "SELECT 41 + 1 AS answer -- cache me"
    first = parse_batch_cached(text)
    assert first is parse_batch_cached(text)
    assert isinstance(first, tuple)
    assert first == tuple(parse_batch(text))
    with pytest.raises(AttributeError):
        first[0].text = "changed"  # type: ignore[misc]


def test_cache_is_bounded() -> None:
    info = parse_cache_info()
    assert info.maxsize == 1024
    long_text = "SELECT 1 WHERE 1 IN (" + ", ".join(["1"] * 12_000) + ")"
    assert len(long_text) > CACHED_TEXT_LIMIT
    assert parse_batch_cached(long_text) is not parse_batch_cached(long_text)  # parsed each time, never kept
