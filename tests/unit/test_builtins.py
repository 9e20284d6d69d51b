"""Built-in functions through the compiler (one or more cases each), RAISERROR formatting, aggregates."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest

from quietus.errors import SqlError
from quietus.sql.aggregates import make_aggregate
from quietus.sql.builtins import BUILTINS, format_raiserror, lookup
from quietus.sql.builtins_format import format_raiserror as direct_format_raiserror
from quietus.sql.types import BIGINT, DECIMAL, FLOAT, INT, MONEY, NVARCHAR, VARCHAR, SqlType
from tests.unit.test_expressions_harness import NOW, error_number, evaluate

D = dt.datetime

CASES: list[tuple[str, Any]] = [
    # strings
    ("LEN('ab  ')", 2),
    ("LEN('  ab')", 4),
    ("LEN(12345)", 5),
    ("LEN('')", 0),
    ("DATALENGTH('ab  ')", 4),
    ("DATALENGTH(N'ab')", 4),
    ("DATALENGTH(a)", 4),
    ("DATALENGTH(m)", 9),
    ("UPPER(s)", "JWARD"),
    ("LOWER('ÀB')", "àb"),
    ("LTRIM('  a ')", "a "),
    ("RTRIM('  a  ')", "  a"),
    ("TRIM('  a  ')", "a"),
    ("TRIM('x' FROM 'xxaxx')", "a"),
    ("SUBSTRING('abcdef', 2, 3)", "bcd"),
    ("SUBSTRING('abcdef', 0, 3)", "ab"),
    ("SUBSTRING('abcdef', -1, 3)", "a"),
    ("SUBSTRING('abcdef', 5, 100)", "ef"),
    ("SUBSTRING('abcdef', 10, 2)", ""),
    ("LEFT(s, 2)", "jw"),
    ("LEFT(s, 100)", "jward"),
    ("RIGHT(s, 2)", "rd"),
    ("RIGHT(s, 0)", ""),
    ("CHARINDEX('W', s)", 2),
    ("CHARINDEX('a', 'banana', 3)", 4),
    ("CHARINDEX('a', 'banana', 0)", 2),
    ("CHARINDEX('z', 'banana')", 0),
    ("CHARINDEX('', 'banana')", 0),
    ("PATINDEX('%ar%', s)", 3),
    ("REPLACE('aAa', 'a', 'x')", "xxx"),
    ("REPLACE('abc', '', 'x')", "abc"),
    ("REPLICATE('ab', 3)", "ababab"),
    ("REPLICATE('ab', -1)", None),
    ("REVERSE('abc')", "cba"),
    ("STUFF('abcdef', 2, 3, 'XY')", "aXYef"),
    ("STUFF('abcdef', 2, 3, NULL)", "aef"),
    ("STUFF('abc', 5, 1, 'x')", None),
    ("SPACE(3)", "   "),
    ("CONCAT('a', NULL, 1)", "a1"),
    ("CONCAT(NULL, NULL)", ""),
    ("CONCAT_WS(',', 'a', NULL, 'b')", "a,b"),
    ("STR(123.456, 8, 2)", "  123.46"),
    ("STR(123.456)", "       123"),
    ("STR(123456, 3)", "***"),
    ("CHAR(65)", "A"),
    ("CHAR(300)", None),
    ("ASCII('A')", 65),
    ("ASCII('')", None),
    ("UNICODE(N'é')", 233),
    ("NCHAR(233)", "é"),
    ("QUOTENAME('a]b')", "[a]]b]"),
    ("QUOTENAME('ab', '\"')", '"ab"'),
    ("QUOTENAME('ab', 'x')", None),
    ("UPPER(NULL)", None),
    # null handling and choice
    ("ISNULL(NULL, 'x')", "x"),
    ("ISNULL(z, 7)", 7),
    ("ISNULL(s, 'abcdefghijklmnop')", "jward"),
    ("COALESCE(NULL, z, 3)", 3),
    ("NULLIF(1, 1)", None),
    ("NULLIF(s, 'JWARD')", None),
    ("NULLIF(1, 2)", 1),
    ("IIF(a > 1, 'y', 'n')", "y"),
    ("IIF(z > 1, 'y', 'n')", "n"),
    ("CHOOSE(2, 'a', 'b')", "b"),
    ("CHOOSE(3, 'a', 'b')", None),
    # math
    ("ABS(-5)", 5),
    ("ABS(-1.5)", Decimal("1.5")),
    ("CEILING(1.2)", Decimal("2")),
    ("CEILING(-1.2)", Decimal("-1")),
    ("FLOOR(-1.2)", Decimal("-2")),
    ("FLOOR(2.7e0)", 2.0),
    ("ROUND(123.456, 2)", Decimal("123.460")),
    ("ROUND(123.455, 2)", Decimal("123.460")),
    ("ROUND(-123.455, 2)", Decimal("-123.460")),
    ("ROUND(123.456, -1)", Decimal("120.000")),
    ("ROUND(1250, -2)", 1300),
    ("ROUND(1.25, 1, 1)", Decimal("1.20")),
    ("ROUND(2.5e0, 0)", 3.0),
    ("POWER(2, 10)", 1024),
    ("POWER(2.0, 3)", Decimal("8.0")),
    ("SQRT(16)", 4.0),
    ("SQUARE(3)", 9),
    ("SIGN(-2.5)", Decimal("-1.0")),
    ("SIGN(0)", 0),
    ("EXP(0)", 1.0),
    ("LOG(EXP(1))", 1.0),
    ("LOG10(1000)", 3.0),
    ("LOG(8, 2)", 3.0),
    ("RAND(1) = RAND(1)", None),  # placeholder: compared below
    # dates
    ("DATEADD(day, 1, d)", D(2020, 1, 3, 3, 4, 5)),
    ("DATEADD(dd, -2, d)", D(2019, 12, 31, 3, 4, 5)),
    ("DATEADD(month, 1, '2020-01-31')", D(2020, 2, 29)),
    ("DATEADD(year, 1, day)", dt.date(2025, 2, 28)),
    ("DATEADD(quarter, 1, day)", dt.date(2024, 5, 29)),
    ("DATEADD(hour, 25, d)", D(2020, 1, 3, 4, 4, 5)),
    ("DATEADD(ms, 2, d)", D(2020, 1, 2, 3, 4, 5, 3333)),
    ("DATEADD(week, 1, day)", dt.date(2024, 3, 7)),
    ("DATEDIFF(year, '2020-12-31', '2021-01-01')", 1),
    ("DATEDIFF(year, '2021-01-01', '2021-12-31')", 0),
    ("DATEDIFF(month, '2020-01-31', '2020-02-01')", 1),
    ("DATEDIFF(quarter, '2020-03-31', '2020-04-01')", 1),
    ("DATEDIFF(day, '2020-01-01 23:59', '2020-01-02 00:01')", 1),
    ("DATEDIFF(day, 0, d)", 43830),
    ("DATEDIFF(hour, '2020-01-01 10:59', '2020-01-01 11:00')", 1),
    ("DATEDIFF(minute, '2020-01-01 10:00:59', '2020-01-01 10:01:00')", 1),
    ("DATEDIFF(second, '2020-01-01 10:00:00.999', '2020-01-01 10:00:01.000')", 1),
    ("DATEDIFF(week, '2024-01-06', '2024-01-07')", 1),
    ("DATEDIFF(week, '2024-01-07', '2024-01-13')", 0),
    ("DATEDIFF(day, '2020-01-02', '2020-01-01')", -1),
    ("DATEDIFF_BIG(ms, '2000-01-01', '2020-01-01')", 631152000000),
    ("DATEPART(year, d)", 2020),
    ("DATEPART(qq, d)", 1),
    ("DATEPART(weekday, d)", 5),
    ("DATEPART(dayofyear, day)", 60),
    ("DATEPART(week, '2024-01-07')", 2),
    ("DATEPART(iso_week, '2024-01-07')", 1),
    ("DATEPART(hour, d)", 3),
    ("DATEPART(ms, '2020-01-01 00:00:00.997')", 997),
    ("DATENAME(month, d)", "January"),
    ("DATENAME(weekday, d)", "Thursday"),
    ("DATENAME(year, d)", "2020"),
    ("DATENAME(day, d)", "2"),
    ("YEAR(d)", 2020),
    ("MONTH('2020-05-06')", 5),
    ("DAY(d)", 2),
    ("EOMONTH('2020-02-10')", dt.date(2020, 2, 29)),
    ("EOMONTH(day, 1)", dt.date(2024, 3, 31)),
    ("DATEFROMPARTS(2020, 2, 29)", dt.date(2020, 2, 29)),
    ("DATETRUNC(month, d)", D(2020, 1, 1)),
    ("GETDATE()", D(2024, 2, 29, 13, 45, 10, 123333)),
    ("CURRENT_TIMESTAMP", D(2024, 2, 29, 13, 45, 10, 123333)),
    ("ISDATE('2020-01-01')", 1),
    ("ISDATE('2020-13-01')", 0),
    ("ISDATE(NULL)", 0),
    ("ISNUMERIC('1e5')", 1),
    ("ISNUMERIC('$1,000.50')", 1),
    ("ISNUMERIC('abc')", 0),
    ("ISNUMERIC('')", 0),
    ("ISNUMERIC(12)", 1),
    # formatting
    ("FORMAT(1234.5, 'N2')", "1,234.50"),
    ("FORMAT(1234.5, 'N0')", "1,235"),
    ("FORMAT(0.1234, 'P')", "12.34 %"),
    ("FORMAT(5, 'D3')", "005"),
    ("FORMAT(255, 'X')", "FF"),
    ("FORMAT(1234.5, 'C')", "$1,234.50"),
    ("FORMAT(1234.5, '#,##0.00')", "1,234.50"),
    ("FORMAT(7, '000')", "007"),
    ("FORMAT(d, 'yyyy-MM-dd')", "2020-01-02"),
    ("FORMAT(d, 'dd/MM/yyyy HH:mm')", "02/01/2020 03:04"),
    ("FORMAT(d, 'MMM d, yyyy hh:mm tt')", "Jan 2, 2020 03:04 AM"),
    ("FORMAT(d, 'MMMM')", "January"),
    ("FORMAT(NULL, 'N2')", None),
    # session values through the context
    ("@@SPID", 55),
    ("SCOPE_IDENTITY()", Decimal(7)),
    ("ERROR_NUMBER()", None),
]


@pytest.mark.parametrize(("text", "expected"), [c for c in CASES if not c[0].startswith("RAND")])
def test_builtin(text: str, expected: Any) -> None:
    result = evaluate(text)
    assert result == expected
    assert type(result) is type(expected)


def test_rand_with_seed_repeats_and_newid_differs() -> None:
    assert evaluate("RAND(7)") == evaluate("RAND(7)")
    assert 0.0 <= evaluate("RAND()") < 1.0
    first, second = evaluate("NEWID()"), evaluate("NEWID()")
    assert isinstance(first, uuid.UUID) and first != second


def test_clocks_read_the_statement_time() -> None:
    assert evaluate("SYSDATETIME()") == evaluate("GETDATE()")
    assert evaluate("CONVERT(VARCHAR(8), GETDATE(), 108)") == NOW.strftime("%H:%M:%S")


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("FOO(1)", 195),
        ("SUBSTRING('a', 1)", 174),
        ("CONCAT('a')", 189),
        ("LEFT('abc', -1)", 536),
        ("SUBSTRING('abc', 1, -1)", 537),
        ("ABS(CAST(-2147483648 AS INT))", 8115),
        ("ROUND(999.9, 0)", 8115),
        ("SQRT(-1)", 3623),
        ("LOG(0)", 3623),
        ("DATEFROMPARTS(2020, 2, 30)", 289),
        ("DATEADD(foo, 1, d)", 155),
        ("DATEPART(hour, day)", 9810),
        ("DATEADD(day, 1, CAST('10:00' AS TIME))", 9810),
        ("DATEDIFF(ms, '2000-01-01', '2020-01-01')", 535),
        ("DATEADD(year, 1, '9999-06-01')", 517),
        ("ISDATE(1)", 8116),
    ],
)
def test_builtin_errors(text: str, number: int) -> None:
    assert error_number(text) == number


def test_lookup_and_table() -> None:
    assert lookup("len") is BUILTINS["LEN"]
    with pytest.raises(SqlError) as caught:
        lookup("nope")
    assert caught.value.message == "'nope' is not a recognized built-in function name."
    with pytest.raises(SqlError) as caught:
        BUILTINS["LEN"].check_count(2)
    assert caught.value.message == "The len function requires 1 argument(s)."


def test_result_types() -> None:
    from tests.unit.test_expressions_harness import compile_text

    assert compile_text("LEN(s)").type == INT
    assert compile_text("LEN(CAST(s AS VARCHAR(MAX)))").type == BIGINT
    assert compile_text("UPPER(n)").type == NVARCHAR(20)
    assert compile_text("SQRT(4)").type == FLOAT
    assert compile_text("DATEDIFF_BIG(day, d, d)").type == BIGINT
    assert compile_text("ISNULL(z, 1.5)").type == INT
    assert compile_text("COALESCE(z, 1.5)").type == DECIMAL(11, 1)


# --- RAISERROR -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "args", "expected"),
    [
        ("Hello %s", ["world"], "Hello world"),
        ("%d rows", [5], "5 rows"),
        ("%i|%u", [-3, 3], "-3|3"),
        ("%5d|", [42], "   42|"),
        ("%-5d|", [42], "42   |"),
        ("%05d", [42], "00042"),
        ("%05d", [-42], "-0042"),
        ("%+d", [42], "+42"),
        ("%x %X %o", [255, 255, 8], "ff FF 10"),
        ("%#x", [255], "0xff"),
        ("%.3s", ["abcdef"], "abc"),
        ("%10.3s|", ["abcdef"], "       abc|"),
        ("%*d", [4, 7], "   7"),
        ("100%%", [], "100%"),
        ("%s and %s", ["a"], "a and (null)"),
        ("%s", [None], "(null)"),
        ("%ld %I64d", [1, 2], "1 2"),
    ],
)
def test_format_raiserror(template: str, args: list[Any], expected: str) -> None:
    assert format_raiserror(template, args) == expected
    assert direct_format_raiserror is format_raiserror


# --- aggregates -----------------------------------------------------------------------------------------


def _aggregate(name: str, t: SqlType | None, values: list[Any], distinct: bool = False, extra: Any = None) -> Any:
    spec = make_aggregate(name, t, distinct, extra)
    accumulator = spec.new()
    for value in values:
        accumulator.step(value)
    return spec.type, accumulator.result()


@pytest.mark.parametrize(
    ("name", "t", "values", "distinct", "expected_type", "expected"),
    [
        ("count", None, [None, 1, None], False, INT, 3),
        ("count", INT, [None, 1, None], False, INT, 1),
        ("count_big", INT, [1, 2], False, BIGINT, 2),
        ("count", VARCHAR(5), ["a", "A ", "b", None], True, INT, 2),
        ("sum", INT, [1, 2, None], False, INT, 3),
        ("sum", INT, [None, None], False, INT, None),
        ("sum", INT, [1, 1, 2], True, INT, 3),
        ("sum", DECIMAL(5, 2), [Decimal("1.10"), Decimal("2.25")], False, DECIMAL(38, 2), Decimal("3.35")),
        ("sum", MONEY, [Decimal("1.0000")], False, MONEY, Decimal("1.0000")),
        ("sum", FLOAT, [0.5, 0.25], False, FLOAT, 0.75),
        ("avg", INT, [1, 2], False, INT, 1),
        ("avg", INT, [-1, -2], False, INT, -1),
        ("avg", DECIMAL(5, 2), [Decimal("1.00"), Decimal("2.00")], False, DECIMAL(38, 6), Decimal("1.500000")),
        ("avg", FLOAT, [1.0, 2.0], False, FLOAT, 1.5),
        ("avg", INT, [], False, INT, None),
        ("min", VARCHAR(5), ["b", "A", "c"], False, VARCHAR(5), "A"),
        ("max", VARCHAR(5), ["b", "A", "c", None], False, VARCHAR(5), "c"),
        ("max", INT, [], False, INT, None),
        ("stdev", FLOAT, [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], False, FLOAT, pytest.approx(2.138089935)),
        ("stdevp", FLOAT, [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], False, FLOAT, pytest.approx(2.0)),
        ("var", INT, [1, 2, 3, 4], False, FLOAT, pytest.approx(1.6666666667)),
        ("varp", INT, [1, 2, 3, 4], False, FLOAT, pytest.approx(1.25)),
        ("stdev", INT, [1], False, FLOAT, None),
        ("stdevp", INT, [1], False, FLOAT, 0.0),
        ("string_agg", VARCHAR(5), ["a", None, "b"], False, VARCHAR(8000), "a,b"),
        ("groupconcat", INT, [1, 2], False, VARCHAR(None), "1,2"),
        ("string_agg", NVARCHAR(5), [None], False, NVARCHAR(4000), None),
    ],
)
def test_aggregates(
    name: str, t: SqlType | None, values: list[Any], distinct: bool, expected_type: SqlType, expected: Any
) -> None:
    result_type, result = _aggregate(name, t, values, distinct, ",")
    assert result_type == expected_type
    assert result == expected


def test_aggregate_errors() -> None:
    with pytest.raises(SqlError) as caught:
        make_aggregate("sum", VARCHAR(3))
    assert caught.value.message == "Operand data type varchar is invalid for sum operator."
    with pytest.raises(SqlError) as caught:
        make_aggregate("avg", SqlType("bit"))
    assert caught.value.number == 8117
    spec = make_aggregate("sum", INT)
    accumulator = spec.new()
    accumulator.step(2**31 - 1)
    accumulator.step(1)
    with pytest.raises(SqlError) as caught:
        accumulator.result()
    assert caught.value.number == 8115
