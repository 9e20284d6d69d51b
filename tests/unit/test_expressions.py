"""The expression compiler: typing of literals, operators, three-valued logic, predicates, subqueries."""

from __future__ import annotations

import datetime as dt
import itertools
import timeit
from decimal import Decimal
from typing import Any

import pytest
import sqlglot

from quietus.errors import SqlError
from quietus.sql.expressions import compile_expression, compile_predicate
from quietus.sql.types import BIT, BOOLEAN, DECIMAL, FLOAT, INT, NVARCHAR, VARBINARY, VARCHAR, SqlType
from tests.unit.test_expressions_harness import (
    ROW,
    FakeContext,
    FakeScope,
    compile_text,
    error_number,
    evaluate,
    parse,
)


@pytest.mark.parametrize(
    ("text", "value", "t"),
    [
        ("1", 1, INT),
        ("1.5", Decimal("1.5"), DECIMAL(2, 1)),
        ("0.05", Decimal("0.05"), DECIMAL(2, 2)),
        ("1.50", Decimal("1.50"), DECIMAL(3, 2)),
        ("1e3", 1000.0, FLOAT),
        ("2147483647", 2147483647, INT),
        ("2147483648", Decimal(2147483648), DECIMAL(10, 0)),
        ("'abc'", "abc", VARCHAR(3)),
        ("''", "", VARCHAR(1)),
        ("N'жук'", "жук", NVARCHAR(3)),
        ("0x0102", b"\x01\x02", VARBINARY(2)),
        ("NULL", None, INT),
    ],
)
def test_literals_are_typed_as_sql_server_types_them(text: str, value: Any, t: SqlType) -> None:
    compiled = compile_text(text)
    assert compiled.type == t
    assert compiled.constant == value
    assert compiled.fn((), FakeContext()) == value


def test_columns_and_variables() -> None:
    assert evaluate("a") == 5
    assert compile_text("a").slot == 0
    assert evaluate("@x + a") == 47
    assert evaluate("@@SPID") == 55
    assert compile_text("@@SPID").type.name == "smallint"
    assert error_number("nope") == 207
    assert error_number("@undeclared") == 137
    assert error_number("@@NOT_A_THING") == 137


@pytest.mark.parametrize(
    ("text", "expected", "t"),
    [
        ("1 + 2 * 3", 7, INT),
        ("(1 + 2) * 3", 9, INT),
        ("7 / 2", 3, INT),
        ("-7 % 3", -1, INT),
        ("7.0 / 2", Decimal("3.500000"), DECIMAL(7, 6)),
        ("1.5 * 2", Decimal("3.0"), DECIMAL(4, 1)),
        ("a * m", Decimal("61.70"), DECIMAL(21, 2)),
        ("'5' + 1", 6, INT),
        ("s + 'x'", "jwardx", VARCHAR(11)),
        ("N'a' + 'b'", "ab", NVARCHAR(2)),
        ("d + 1", dt.datetime(2020, 1, 3, 3, 4, 5), None),
        ("-a", -5, INT),
        ("~5", -6, INT),
        ("5 & 3", 1, INT),
        ("z + 1", None, INT),
        ("s + NULL", None, None),
    ],
)
def test_arithmetic_through_the_compiler(text: str, expected: Any, t: SqlType | None) -> None:
    compiled = compile_text(text)
    assert compiled.fn(ROW, FakeContext()) == expected
    if t is not None:
        assert compiled.type == t


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2147483647 + 1", 8115),
        ("a + 2147483647", 8115),
        ("1 / 0", 8134),
        ("a % 0", 8134),
        ("'abc' + 1", 245),
        ("s + 1", 245),
        ("CAST(day AS DATE) + 1", 206),
        ("s - 'x'", 8117),
        ("a + (1 = 1)", 102),
    ],
)
def test_arithmetic_errors_through_the_compiler(text: str, number: int) -> None:
    assert error_number(text) == number


def test_compile_time_errors_do_not_need_a_row() -> None:
    with pytest.raises(SqlError) as caught:
        compile_text("?day = 1")
    assert caught.value.number == 206


def test_constant_errors_are_deferred_to_evaluation() -> None:
    compiled = compile_text("1 / 0")  # compiles fine: SELECT ... WHERE 1 = 0 must not fail
    with pytest.raises(SqlError):
        compiled.fn((), FakeContext())
    assert evaluate("CASE WHEN 1 = 1 THEN 1 ELSE 1 / 0 END") == 1
    assert evaluate("ISNULL(1, 1 / 0)") == 1
    assert evaluate("COALESCE(a, 1 / 0)") == 5


def test_constant_folding() -> None:
    assert compile_text("'ab' + 'cd'").constant == "abcd"
    assert compile_text("UPPER('x') + LOWER('Y')").constant == "Xy"
    assert not compile_text("a + 1").is_constant
    assert not compile_text("GETDATE()").is_constant
    assert not compile_text("NEWID()").is_constant


# --- three-valued logic --------------------------------------------------------------------------------

TRUTH = {"1 = 1": True, "1 = 0": False, "NULL = 1": None}


@pytest.mark.parametrize(("left", "right"), list(itertools.product(TRUTH, TRUTH)))
def test_and_or_truth_tables(left: str, right: str) -> None:
    a, b = TRUTH[left], TRUTH[right]
    expected_and = False if False in (a, b) else None if None in (a, b) else True
    expected_or = True if True in (a, b) else None if None in (a, b) else False
    assert evaluate(f"?{left} AND {right}") is expected_and
    assert evaluate(f"?{left} OR {right}") is expected_or


@pytest.mark.parametrize("operand", list(TRUTH))
def test_not_truth_table(operand: str) -> None:
    value = TRUTH[operand]
    assert evaluate(f"?NOT ({operand})") is (None if value is None else not value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("?s = 'JWARD '", True),
        ("?'a' < 'B'", True),
        ("?a <> 5", False),
        ("?a != 4", True),
        ("?a >= 5 AND a <= 5", True),
        ("?z = z", None),
        ("?z IS NULL", True),
        ("?a IS NOT NULL", True),
        ("?a BETWEEN 1 AND 10", True),
        ("?a NOT BETWEEN 1 AND 10", False),
        ("?a BETWEEN 6 AND z", False),
        ("?a BETWEEN 1 AND z", None),
        ("?a IN (1, 2, 5)", True),
        ("?a IN (1, 2)", False),
        ("?a IN (1, NULL)", None),
        ("?a NOT IN (1, NULL)", None),
        ("?a IN (5, NULL)", True),
        ("?z IN (1, 2)", None),
        ("?s IN ('x', 'JWARD')", True),
        ("?a IN ('5', 7)", True),
        ("?a IN (a, 7)", True),
        ("?d = '2020-01-02 03:04:05'", True),
        ("?CAST(d AS DATE) = '2020-01-02'", True),
        ("?s LIKE 'J%'", True),
        ("?s NOT LIKE 'J%'", False),
        ("?n LIKE 'a_'", True),
        ("?s LIKE 'j[a-z]a%'", True),
        ("?'50%' LIKE '50!%' ESCAPE '!'", True),
        ("?'jward  ' LIKE 'jward'", True),
        ("?N'jward  ' LIKE N'jward'", False),
        ("?z LIKE 'a'", None),
        ("?s LIKE s", True),
        ("?a LIKE '5'", True),
    ],
)
def test_predicates(text: str, expected: bool | None) -> None:
    compiled = compile_text(text)
    assert compiled.type == BOOLEAN
    assert compiled.fn(ROW, FakeContext()) is expected


def test_non_boolean_condition_is_4145() -> None:
    for text in ("?1", "?a", "?a + 1"):
        with pytest.raises(SqlError) as caught:
            compile_text(text)
        assert caught.value.number == 4145
    with pytest.raises(SqlError) as caught:
        compile_text("CASE WHEN a THEN 1 END")
    assert caught.value.number == 4145


# --- CASE, conditional forms, CAST ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "t"),
    [
        ("CASE a WHEN 5 THEN 'five' ELSE 'other' END", "five", VARCHAR(5)),
        ("CASE s WHEN 'JWARD' THEN 1 END", 1, INT),
        ("CASE a WHEN 6 THEN 'six' END", None, VARCHAR(3)),
        ("CASE WHEN a > 10 THEN 1 WHEN a > 1 THEN 2.5 END", Decimal("2.5"), DECIMAL(11, 1)),
        ("CASE WHEN z > 1 THEN 1 ELSE 0 END", 0, INT),
        ("CASE WHEN 1 = 1 THEN NULL ELSE 'x' END", None, VARCHAR(1)),
        ("IIF(a > 1, 'y', 'n')", "y", VARCHAR(1)),
        ("COALESCE(z, a, 1.5)", Decimal("5.0"), DECIMAL(11, 1)),
        ("CAST('123' AS INT)", 123, INT),
        ("CAST(a AS VARCHAR)", "5", VARCHAR(30)),
        ("CAST(1 AS BIT)", True, BIT),
        ("CONVERT(VARCHAR(10), d, 112)", "20200102", VARCHAR(10)),
        ("CONVERT(VARCHAR(10), d, 120)", "2020-01-02", VARCHAR(10)),
        ("CONVERT(DATE, '31/12/2020', 103)", dt.date(2020, 12, 31), None),
        ("TRY_CAST('abc' AS INT)", None, INT),
        ("TRY_CONVERT(INT, '12')", 12, INT),
        ("CAST(NULL AS INT)", None, INT),
    ],
)
def test_case_and_casts(text: str, expected: Any, t: SqlType | None) -> None:
    compiled = compile_text(text)
    assert compiled.fn(ROW, FakeContext()) == expected
    if t is not None:
        assert compiled.type == t


def test_case_branch_conversion_errors_only_when_taken() -> None:
    assert evaluate("CASE WHEN a = 5 THEN 1 ELSE 'x' END") == 1
    assert error_number("CASE WHEN a = 6 THEN 1 ELSE 'x' END") == 245
    assert error_number("CASE WHEN a = 5 THEN NULL ELSE NULL END") == 8133
    assert error_number("CAST(CAST(d AS DATE) AS INT)") == 529


# --- subqueries via the scope ---------------------------------------------------------------------------


def test_subqueries() -> None:
    scope = FakeScope(subqueries={"exists": ([1], BIT), "in": ([1, 5, None], INT), "scalar": ([9], INT)})
    assert evaluate("?EXISTS (SELECT 1)", scope=scope) is True
    assert evaluate("?a IN (SELECT x FROM t)", scope=scope) is True
    assert evaluate("?a NOT IN (SELECT x FROM t)", scope=scope) is False
    assert evaluate("?7 IN (SELECT x FROM t)", scope=scope) is None
    assert evaluate("(SELECT x FROM t) + 1", scope=scope) == 10
    empty = FakeScope(subqueries={"exists": ([], BIT), "in": ([], INT), "scalar": ([], INT)})
    assert evaluate("?EXISTS (SELECT 1)", scope=empty) is False
    assert evaluate("?z NOT IN (SELECT x FROM t)", scope=empty) is True
    assert evaluate("(SELECT x FROM t)", scope=empty) is None
    many = FakeScope(subqueries={"scalar": ([1, 2], INT)})
    assert error_number("(SELECT x FROM t)", scope=many) == 512
    texts = FakeScope(subqueries={"in": (["JWARD ", "x"], VARCHAR(10))})
    assert evaluate("?s IN (SELECT x FROM t)", scope=texts) is True


# --- unsupported and unknown ----------------------------------------------------------------------------


def test_unknown_function_and_unsupported_nodes() -> None:
    assert error_number("NOT_A_FUNCTION(1)") == 195
    assert error_number("SUM(a)") == 147
    with pytest.raises(SqlError) as caught:
        compile_expression(sqlglot.exp.Star(), FakeScope())
    assert caught.value.number == 102


def test_compiled_closure_does_not_walk_the_ast() -> None:
    node = parse("a * 2 + LEN(s)")
    compiled = compile_expression(node, FakeScope())
    for child in list(node.walk()):
        child.set("this", None)  # vandalise the tree: evaluation must not notice
    assert compiled.fn(ROW, FakeContext()) == 15


def test_predicate_helper_accepts_predicates() -> None:
    compiled = compile_predicate(parse("?a = 5"), FakeScope())
    assert compiled.fn(ROW, FakeContext()) is True


def test_hot_path_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a timing assertion: exercises the column-vs-constant fast path over many rows and prints a figure."""
    compiled = compile_text("?s = 'JWARD' AND a > 3")
    rows = [(i, "jward" if i % 2 else "other", None, None, None, None, None) for i in range(2000)]
    ctx = FakeContext()
    fn = compiled.fn
    assert sum(1 for row in rows if fn(row, ctx)) == 998
    seconds = timeit.timeit(lambda: [fn(row, ctx) for row in rows], number=5)
    print(f"{10_000 / seconds:,.0f} predicate evaluations per second")
