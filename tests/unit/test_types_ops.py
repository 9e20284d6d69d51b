"""Types, precedence and result types, arithmetic semantics, collation and LIKE."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
import sqlglot

from quietus.errors import SqlError
from quietus.sql.collation import NULL_KEY, binary_key, like, patindex
from quietus.sql.types import (
    BIGINT,
    BIT,
    CHAR,
    DATE,
    DATETIME,
    DATETIME2,
    DECIMAL,
    FLOAT,
    INT,
    MONEY,
    NUMERIC,
    NVARCHAR,
    PRECEDENCE_ORDER,
    REAL,
    SMALLINT,
    TINYINT,
    UNIQUEIDENTIFIER,
    VARBINARY,
    VARCHAR,
    SqlType,
    arithmetic_type,
    binary_operation,
    collation_key,
    compare,
    comparison,
    parse_type_name,
    result_type,
    sort_key,
    type_from_sqlglot,
    type_of_value,
    unary_operation,
)

# --- type names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "in_cast", "expected"),
    [
        ("int", False, INT),
        ("INTEGER", False, INT),
        ("varchar", False, VARCHAR(1)),
        ("varchar", True, VARCHAR(30)),
        ("nvarchar(max)", False, NVARCHAR(None)),
        ("NVarChar ( 20 )", False, NVARCHAR(20)),
        ("decimal", False, DECIMAL(18, 0)),
        ("numeric(10, 2)", False, NUMERIC(10, 2)),
        ("dec(5)", False, DECIMAL(5, 0)),
        ("float", False, FLOAT),
        ("float(24)", False, REAL),
        ("float(25)", False, FLOAT),
        ("double precision", False, FLOAT),
        ("datetime2", False, DATETIME2),
        ("datetime2(3)", False, SqlType("datetime2", scale=3)),
        ("char", True, CHAR(30)),
        ("sysname", False, NVARCHAR(128)),
        ("uniqueidentifier", False, UNIQUEIDENTIFIER),
    ],
)
def test_parse_type_name(text: str, in_cast: bool, expected: SqlType) -> None:
    assert parse_type_name(text, in_cast=in_cast) == expected


def test_unknown_type_is_243() -> None:
    with pytest.raises(SqlError) as caught:
        parse_type_name("geography")
    assert caught.value.number == 243


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CAST(x AS VARCHAR)", VARCHAR(30)),
        ("CAST(x AS VARCHAR(MAX))", VARCHAR(None)),
        ("CAST(x AS NUMERIC(5,2))", DECIMAL(5, 2)),
        ("CAST(x AS TINYINT)", TINYINT),
        ("CAST(x AS DATETIME2(3))", SqlType("datetime2", scale=3)),
        ("CAST(x AS UNIQUEIDENTIFIER)", UNIQUEIDENTIFIER),
        ("CAST(x AS MONEY)", MONEY),
        ("CAST(x AS VARBINARY(MAX))", VARBINARY(None)),
    ],
)
def test_type_from_sqlglot(sql: str, expected: SqlType) -> None:
    node = sqlglot.parse_one("SELECT " + sql, read="tsql").expressions[0]
    assert type_from_sqlglot(node.args["to"], in_cast=True) == expected


def test_display_and_sql_spelling() -> None:
    assert INT.display() == "int"
    assert NVARCHAR(None).sql() == "nvarchar(max)"
    assert DECIMAL(18, 2).sql() == "decimal(18,2)"
    assert VARCHAR(10).display() == "varchar"


def test_type_of_value() -> None:
    assert type_of_value(1) == INT
    assert type_of_value(2**40) == BIGINT
    assert type_of_value(True) == BIT
    assert type_of_value(Decimal("12.345")) == DECIMAL(5, 3)
    assert type_of_value("abc") == NVARCHAR(3)
    assert type_of_value(dt.date(2020, 1, 1)) == DATE


# --- precedence and result types ------------------------------------------------------------------------


def test_precedence_table_is_sql_servers_order() -> None:
    assert PRECEDENCE_ORDER.index("datetime2") < PRECEDENCE_ORDER.index("datetime")
    assert PRECEDENCE_ORDER.index("float") < PRECEDENCE_ORDER.index("decimal")
    assert PRECEDENCE_ORDER.index("decimal") < PRECEDENCE_ORDER.index("money") < PRECEDENCE_ORDER.index("bigint")
    assert PRECEDENCE_ORDER.index("int") < PRECEDENCE_ORDER.index("bit") < PRECEDENCE_ORDER.index("nvarchar")
    assert PRECEDENCE_ORDER.index("nvarchar") < PRECEDENCE_ORDER.index("varchar") < PRECEDENCE_ORDER.index("binary")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (INT, VARCHAR(10), INT),
        (INT, DECIMAL(5, 2), DECIMAL(12, 2)),
        (DECIMAL(5, 2), DECIMAL(10, 4), DECIMAL(10, 4)),
        (VARCHAR(3), NVARCHAR(10), NVARCHAR(10)),
        (VARCHAR(30), NVARCHAR(10), NVARCHAR(30)),
        (CHAR(3), VARCHAR(5), VARCHAR(5)),
        (DATE, DATETIME, DATETIME),
        (DATETIME, VARCHAR(30), DATETIME),
        (FLOAT, DECIMAL(5, 2), FLOAT),
        (BIT, INT, INT),
        (MONEY, INT, MONEY),
    ],
)
def test_result_type(a: SqlType, b: SqlType, expected: SqlType) -> None:
    assert result_type(a, b) == expected
    assert result_type(b, a) == expected


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"),
    [
        ("+", DECIMAL(5, 2), DECIMAL(10, 4), DECIMAL(11, 4)),
        ("-", DECIMAL(5, 2), DECIMAL(10, 4), DECIMAL(11, 4)),
        ("*", DECIMAL(5, 2), DECIMAL(10, 4), DECIMAL(16, 6)),
        ("/", DECIMAL(5, 2), DECIMAL(10, 4), DECIMAL(20, 13)),
        ("%", DECIMAL(5, 2), DECIMAL(10, 4), DECIMAL(7, 4)),
        ("/", DECIMAL(38, 10), DECIMAL(38, 10), DECIMAL(38, 6)),
        ("*", DECIMAL(38, 10), DECIMAL(38, 10), DECIMAL(38, 6)),
        ("+", DECIMAL(38, 10), DECIMAL(38, 10), DECIMAL(38, 9)),
        ("*", DECIMAL(20, 2), DECIMAL(10, 2), DECIMAL(31, 4)),
        ("/", INT, DECIMAL(2, 1), DECIMAL(17, 6)),
        ("+", TINYINT, TINYINT, INT),
        ("+", SMALLINT, INT, INT),
        ("+", BIGINT, INT, BIGINT),
        ("+", VARCHAR(3), VARCHAR(5), VARCHAR(8)),
        ("+", VARCHAR(6000), VARCHAR(6000), VARCHAR(8000)),
        ("+", VARCHAR(None), VARCHAR(5), VARCHAR(None)),
        ("+", VARCHAR(3), NVARCHAR(5), NVARCHAR(8)),
        ("+", INT, FLOAT, FLOAT),
        ("*", MONEY, INT, MONEY),
    ],
)
def test_arithmetic_type(op: str, a: SqlType, b: SqlType, expected: SqlType) -> None:
    assert arithmetic_type(op, a, b) == expected


# --- arithmetic -----------------------------------------------------------------------------------------


def _apply(op: str, a: Any, ta: SqlType, b: Any, tb: SqlType) -> Any:
    operation = binary_operation(op, ta, tb)
    left = operation.left(a) if operation.left else a
    right = operation.right(b) if operation.right else b
    return operation.fn(left, right)


def _error(op: str, a: Any, ta: SqlType, b: Any, tb: SqlType) -> int:
    with pytest.raises(SqlError) as caught:
        _apply(op, a, ta, b, tb)
    return caught.value.number


@pytest.mark.parametrize(
    ("op", "a", "ta", "b", "tb", "expected"),
    [
        ("+", 1, INT, 2, INT, 3),
        ("/", 7, INT, 2, INT, 3),
        ("/", -7, INT, 2, INT, -3),
        ("/", 7, INT, -2, INT, -3),
        ("%", -7, INT, 3, INT, -1),
        ("%", 7, INT, -3, INT, 1),
        ("+", "5", VARCHAR(1), 1, INT, 6),
        ("+", "ab", VARCHAR(2), "cd", VARCHAR(2), "abcd"),
        ("+", 200, TINYINT, 100, TINYINT, 300),
        ("/", Decimal("1.0"), DECIMAL(2, 1), 3, INT, Decimal("0.333333333333")),
        ("*", Decimal("1.5"), DECIMAL(2, 1), Decimal("1.5"), DECIMAL(2, 1), Decimal("2.25")),
        ("-", Decimal("1.10"), DECIMAL(3, 2), 0.1, FLOAT, pytest.approx(1.0)),
        ("%", Decimal("-7.5"), DECIMAL(2, 1), 2, INT, Decimal("-1.5")),
        ("+", dt.datetime(2020, 1, 31), DATETIME, 1, INT, dt.datetime(2020, 2, 1)),
        ("-", dt.datetime(2020, 1, 31), DATETIME, 0.5, FLOAT, dt.datetime(2020, 1, 30, 12)),
        ("+", 1, INT, dt.datetime(2020, 1, 31), DATETIME, dt.datetime(2020, 2, 1)),
        ("+", dt.datetime(2020, 1, 31), DATETIME, "1900-01-02", VARCHAR(10), dt.datetime(2020, 2, 1)),
        ("*", Decimal("2.5000"), MONEY, Decimal("2.5000"), MONEY, Decimal("6.2500")),
        ("&", 12, INT, 10, INT, 8),
        ("|", 12, INT, 10, INT, 14),
        ("^", 12, INT, 10, INT, 6),
        ("+", b"\x01", VARBINARY(1), b"\x02", VARBINARY(1), b"\x01\x02"),
    ],
)
def test_arithmetic(op: str, a: Any, ta: SqlType, b: Any, tb: SqlType, expected: Any) -> None:
    assert _apply(op, a, ta, b, tb) == expected


@pytest.mark.parametrize(
    ("op", "a", "ta", "b", "tb", "number"),
    [
        ("+", 2**31 - 1, INT, 1, INT, 8115),
        ("*", 2**31 - 1, INT, 2, INT, 8115),
        ("-", -(2**31), INT, 1, INT, 8115),
        ("/", -(2**31), INT, -1, INT, 8115),
        ("+", 2**63 - 1, BIGINT, 1, BIGINT, 8115),
        ("/", 1, INT, 0, INT, 8134),
        ("%", 1, INT, 0, INT, 8134),
        ("/", Decimal("1.0"), DECIMAL(2, 1), 0, INT, 8134),
        ("/", 1.0, FLOAT, 0.0, FLOAT, 8134),
        ("*", 1e300, FLOAT, 1e300, FLOAT, 8115),
        ("+", "abc", VARCHAR(3), 1, INT, 245),
        ("-", "a", VARCHAR(1), "b", VARCHAR(1), 8117),
        ("+", True, BIT, True, BIT, 8117),
        ("+", dt.date(2020, 1, 1), DATE, 1, INT, 206),
        ("+", dt.date(2020, 1, 1), DATE, dt.date(2020, 1, 1), DATE, 8117),
        ("%", 1.5, FLOAT, 1.0, FLOAT, 8117),
        ("&", 1.5, FLOAT, 1, INT, 402),
        ("*", b"\x01", VARBINARY(1), b"\x02", VARBINARY(1), 402),
        ("&", b"\x01", VARBINARY(1), b"\x02", VARBINARY(1), 402),
        ("*", Decimal("1.5"), DECIMAL(2, 1), b"\x01", VARBINARY(1), 402),
        ("+", 1.5, FLOAT, b"\x01", VARBINARY(1), 402),
        ("+", dt.datetime(9999, 12, 31), DATETIME, 1, INT, 517),
        ("*", Decimal("9" * 38), DECIMAL(38, 0), 10, INT, 8115),
    ],
)
def test_arithmetic_errors(op: str, a: Any, ta: SqlType, b: Any, tb: SqlType, number: int) -> None:
    assert _error(op, a, ta, b, tb) == number


def test_a_binary_operand_is_read_as_the_other_operands_integer() -> None:
    # sp_ineachdb: (@@MICROSOFTVERSION / 0x1000000) & 0xff, the major version; SQL Server converts implicitly
    assert _apply("/", 16 * 2**24 + 5, INT, b"\x01\x00\x00\x00", VARBINARY(4)) == 16
    assert _apply("&", 4101, INT, b"\xff", VARBINARY(1)) == 5
    assert _apply("+", b"\x0a", VARBINARY(1), 1, INT) == 11
    assert _apply("%", 7, INT, b"\x04", VARBINARY(1)) == 3
    assert _apply("*", 5, BIGINT, b"\x00\x00\x00\x01\x00\x00\x00\x00", VARBINARY(8)) == 5 * 2**32
    assert binary_operation("/", INT, VARBINARY(4)).type == INT


def test_overflow_message() -> None:
    with pytest.raises(SqlError) as caught:
        _apply("+", 2**31 - 1, INT, 1, INT)
    assert caught.value.message == "Arithmetic overflow error converting expression to data type int."


def test_unary() -> None:
    negate, t = unary_operation("neg", INT)
    assert negate(5) == -5 and t == INT
    with pytest.raises(SqlError) as caught:
        negate(-(2**31))
    assert caught.value.number == 8115
    invert, _ = unary_operation("~", TINYINT)
    assert invert(0) == 255
    with pytest.raises(SqlError) as caught:
        unary_operation("neg", VARCHAR(3))
    assert caught.value.number == 8117


# --- collation and comparison ---------------------------------------------------------------------------


def _compare(op: str, a: Any, ta: SqlType, b: Any, tb: SqlType) -> bool:
    operation = comparison(op, ta, tb)
    left = operation.left(a) if operation.left else a
    right = operation.right(b) if operation.right else b
    result: bool = operation.fn(left, right)
    return result


@pytest.mark.parametrize(
    ("a", "op", "b", "expected"),
    [
        ("jward", "=", "JWARD ", True),
        ("jward", "=", " jward", False),
        ("a", "<", "B", True),
        ("B", "<", "a", False),
        ("abc", "=", "ABC", True),
        ("resume", "=", "résumé", False),
        ("a", "<", "á", True),
        ("á", "<", "b", True),
        ("ab", "<", "abc", True),
        ("Zeta", ">", "alpha", True),
        ("x", "<>", "X  ", False),
    ],
)
def test_string_comparison_under_the_default_collation(a: str, op: str, b: str, expected: bool) -> None:
    assert _compare(op, a, VARCHAR(10), b, VARCHAR(10)) is expected
    assert _compare(op, a, NVARCHAR(10), b, VARCHAR(10)) is expected


def test_comparison_converts_by_precedence() -> None:
    assert _compare("=", "5", VARCHAR(1), 5, INT) is True
    assert _compare("<", "10", VARCHAR(2), 9, INT) is False  # compared as int, not as text
    assert _compare("=", dt.date(2020, 1, 2), DATE, dt.datetime(2020, 1, 2), DATETIME) is True
    assert _compare("=", "2020-01-02", VARCHAR(10), dt.date(2020, 1, 2), DATE) is True
    assert _compare("=", 1, INT, Decimal("1.0"), DECIMAL(2, 1)) is True
    with pytest.raises(SqlError) as caught:
        _compare("=", "x", VARCHAR(1), 5, INT)
    assert caught.value.number == 245
    with pytest.raises(SqlError) as caught:
        comparison("=", DATE, INT)
    assert caught.value.number == 206


def test_binary_and_guid_ordering() -> None:
    assert compare(b"\x01", b"\x01\x00") == 0
    assert compare(b"\x01", b"\x02") == -1
    assert binary_key(b"\x01\x00") == b"\x01"
    low = uuid.UUID("ffffffff-ffff-ffff-ffff-000000000000")
    high = uuid.UUID("00000000-0000-0000-0000-000000000001")
    assert compare(low, high) == -1  # the last six bytes are the most significant


def test_collation_key() -> None:
    assert collation_key("jward") == collation_key("JWARD   ")
    assert collation_key("é") != collation_key("e")
    assert collation_key("a") < collation_key("é") < collation_key("f")
    assert compare("a", "B") == -1


def test_sort_key_puts_null_first_and_orders_like_compare() -> None:
    values = ["b", None, "A", "a ", "C", None]
    ordered = sorted(values, key=sort_key)
    assert ordered[:2] == [None, None]
    assert [v.strip().lower() for v in ordered[2:] if v is not None] == ["a", "a", "b", "c"]
    assert sort_key(-(10**9)) > NULL_KEY
    assert sort_key("") >= NULL_KEY
    assert sorted([(sort_key(None), 1), (sort_key("x"), 0)])[0][1] == 1
    assert sort_key(3) == 3 and sort_key(None) == NULL_KEY


# --- LIKE -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "pattern", "escape", "expected"),
    [
        ("jward", "J%", None, True),
        ("jward", "%ARD", None, True),
        ("jward", "j_ard", None, True),
        ("jward", "j_rd", None, False),
        ("abc", "[abc]bc", None, True),
        ("dbc", "[abc]bc", None, False),
        ("dbc", "[^abc]bc", None, True),
        ("m", "[a-z]", None, True),
        ("M", "[a-z]", None, True),
        ("5", "[a-z]", None, False),
        ("50%", "50!%", "!", True),
        ("500", "50!%", "!", False),
        ("a_b", "a[_]b", None, True),
        ("axb", "a[_]b", None, False),
        ("abc  ", "abc", None, True),  # trailing blanks of the value are ignored
        ("abc", "abc ", None, False),  # but the pattern's are significant
        ("résumé", "resume", None, False),  # accent-sensitive
        ("line1\nline2", "line1%", None, True),
        ("a", "[a", None, False),
    ],
)
def test_like(value: str, pattern: str, escape: str | None, expected: bool) -> None:
    assert like(value, pattern, escape) is expected


def test_unicode_like_keeps_trailing_blanks_significant() -> None:
    assert like("abc  ", "abc", unicode=True) is False
    assert like("abc  ", "abc%", unicode=True) is True


def test_patindex() -> None:
    assert patindex("%ar%", "jward") == 3
    assert patindex("%[0-9]%", "abc5d") == 4
    assert patindex("j%", "jward") == 1
    assert patindex("%z%", "jward") == 0
    assert patindex("ward", "jward") == 0
