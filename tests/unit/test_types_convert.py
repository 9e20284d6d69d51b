"""CAST/CONVERT and implicit conversion: a table of (value, from, to, style) → result or SQL Server error."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from quietus.errors import SqlError
from quietus.sql.types import (
    BIGINT,
    BINARY,
    BIT,
    CHAR,
    DATE,
    DATETIME,
    DECIMAL,
    FLOAT,
    INT,
    MONEY,
    NCHAR,
    NVARCHAR,
    REAL,
    SMALLDATETIME,
    SMALLINT,
    TIME,
    TINYINT,
    UNIQUEIDENTIFIER,
    VARBINARY,
    VARCHAR,
    SqlType,
    check_fits,
    coerce_for_column,
    convert,
    datetime2,
    time,
    try_convert,
)
from quietus.ticks import with_fraction

D = dt.datetime


@dataclass(frozen=True)
class Err:
    """An expected SQL Server error number."""

    number: int


GUID = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")

# (value, source, target, style, expected value or error number)
CASES: list[tuple[Any, SqlType, SqlType, int | None, Any]] = [
    # to integers
    ("123", VARCHAR(10), INT, None, 123),
    (" -12 ", VARCHAR(10), INT, None, -12),
    ("", VARCHAR(10), INT, None, 0),
    ("abc", VARCHAR(10), INT, None, Err(245)),
    ("1.5", VARCHAR(10), INT, None, Err(245)),
    ("3000000000", VARCHAR(10), INT, None, Err(248)),
    ("300", VARCHAR(10), TINYINT, None, Err(244)),
    ("99999999999999999999", VARCHAR(30), BIGINT, None, Err(8114)),
    (300, INT, TINYINT, None, Err(220)),
    (-1, INT, TINYINT, None, Err(220)),
    (40000, INT, SMALLINT, None, Err(220)),
    (3_000_000_000, BIGINT, INT, None, Err(8115)),
    (Decimal("2147483648"), DECIMAL(10, 0), INT, None, Err(8115)),
    (2.9, FLOAT, INT, None, 2),
    (-2.9, FLOAT, INT, None, -2),
    (Decimal("-2.7"), DECIMAL(2, 1), INT, None, -2),
    (1e20, FLOAT, INT, None, Err(8115)),
    (True, BIT, INT, None, 1),
    (b"\x00\x00\x01\x00", VARBINARY(4), INT, None, 256),
    (D(2023, 3, 15, 11, 59), DATETIME, INT, None, 44998),
    (D(2023, 3, 15, 12, 0), DATETIME, INT, None, 44999),
    # to bit
    ("true", VARCHAR(4), BIT, None, True),
    ("FALSE", VARCHAR(5), BIT, None, False),
    ("2", VARCHAR(4), BIT, None, True),
    ("0", VARCHAR(4), BIT, None, False),
    ("yes", VARCHAR(4), BIT, None, Err(245)),
    (-5, INT, BIT, None, True),
    # to decimal / money
    ("12.345", VARCHAR(10), DECIMAL(10, 2), None, Decimal("12.35")),
    ("-12.345", VARCHAR(10), DECIMAL(10, 2), None, Decimal("-12.35")),
    ("abc", VARCHAR(10), DECIMAL(10, 2), None, Err(8114)),
    ("1e3", VARCHAR(10), DECIMAL(10, 2), None, Err(8114)),
    (Decimal("12345.6"), DECIMAL(6, 1), DECIMAL(3, 1), None, Err(8115)),
    (Decimal("99.95"), DECIMAL(4, 2), DECIMAL(3, 1), None, Err(8115)),
    (Decimal("99.94"), DECIMAL(4, 2), DECIMAL(3, 1), None, Decimal("99.9")),
    (5, INT, DECIMAL(5, 2), None, Decimal("5.00")),
    (0.1, FLOAT, DECIMAL(5, 3), None, Decimal("0.100")),
    ("$1,234.50", VARCHAR(20), MONEY, None, Decimal("1234.5000")),
    (Decimal("1.23456"), DECIMAL(6, 5), MONEY, None, Decimal("1.2346")),
    # to float
    ("1e3", VARCHAR(10), FLOAT, None, 1000.0),
    ("", VARCHAR(10), FLOAT, None, 0.0),
    ("x1", VARCHAR(10), FLOAT, None, Err(8114)),
    (Decimal("0.5"), DECIMAL(1, 1), FLOAT, None, 0.5),
    (0.1, FLOAT, REAL, None, 0.10000000149011612),
    # to strings
    (123, INT, VARCHAR(10), None, "123"),
    (123, INT, VARCHAR(2), None, "*"),
    (123, INT, NVARCHAR(2), None, Err(8115)),
    (Decimal("1.50"), DECIMAL(3, 2), VARCHAR(10), None, "1.50"),
    (Decimal("1.50"), DECIMAL(3, 2), VARCHAR(2), None, Err(8115)),
    (Decimal("1234.5678"), MONEY, VARCHAR(30), None, "1234.57"),
    (Decimal("1234.5678"), MONEY, VARCHAR(30), 1, "1,234.57"),
    (Decimal("1234.5678"), MONEY, VARCHAR(30), 2, "1234.5678"),
    (1234567.0, FLOAT, VARCHAR(30), None, "1.23457e+006"),
    (0.1, FLOAT, VARCHAR(30), None, "0.1"),
    (123456.0, FLOAT, VARCHAR(30), None, "123456"),
    (True, BIT, VARCHAR(5), None, "1"),
    ("ab", VARCHAR(2), CHAR(5), None, "ab   "),
    ("abcdef", VARCHAR(6), VARCHAR(3), None, "abc"),
    ("é€ж", NVARCHAR(3), VARCHAR(3), None, "é€?"),
    (GUID, UNIQUEIDENTIFIER, VARCHAR(36), None, "6F9619FF-8B86-D011-B42D-00C04FC964FF"),
    (b"AB", VARBINARY(2), VARCHAR(10), None, "AB"),
    (b"AB", VARBINARY(2), VARCHAR(10), 1, "0x4142"),
    (b"AB", VARBINARY(2), VARCHAR(10), 2, "4142"),
    # date/time to strings, by style
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), None, "Jan  2 2020  3:04PM"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 0, "Jan  2 2020  3:04PM"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 100, "Jan  2 2020  3:04PM"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 101, "01/02/2020"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 1, "01/02/20"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 102, "2020.01.02"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 103, "02/01/2020"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 104, "02.01.2020"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 110, "01-02-2020"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 112, "20200102"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 120, "2020-01-02 15:04:05"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 121, "2020-01-02 15:04:05.007"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 126, "2020-01-02T15:04:05.007"),
    (D(2020, 1, 2, 15, 4, 5), DATETIME, VARCHAR(30), 126, "2020-01-02T15:04:05"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 23, "2020-01-02"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 108, "15:04:05"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 114, "15:04:05:007"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(10), 120, "2020-01-02"),
    (D(2020, 1, 2, 15, 4, 5, 6667), DATETIME, VARCHAR(30), 999, Err(281)),
    (D(2020, 1, 2, 3, 4, 5, 123456), datetime2(7), VARCHAR(40), None, "2020-01-02 03:04:05.1234560"),
    (D(2020, 1, 2, 3, 4, 5, 123000), datetime2(3), VARCHAR(40), None, "2020-01-02 03:04:05.123"),
    (dt.date(2020, 1, 2), DATE, VARCHAR(30), None, "2020-01-02"),
    (dt.date(2020, 1, 2), DATE, VARCHAR(30), 0, "Jan  2 2020"),
    (dt.time(1, 2, 3, 400000), TIME, VARCHAR(30), None, "01:02:03.4000000"),
    (D(2020, 1, 2, 15, 4), SMALLDATETIME, VARCHAR(30), 120, "2020-01-02 15:04:00"),
    # strings to dates
    ("2020-01-02", VARCHAR(30), DATE, None, dt.date(2020, 1, 2)),
    ("20200102", VARCHAR(30), DATE, None, dt.date(2020, 1, 2)),
    ("03/04/2020", VARCHAR(30), DATE, None, dt.date(2020, 3, 4)),
    ("03/04/2020", VARCHAR(30), DATE, 101, dt.date(2020, 3, 4)),
    ("03/04/2020", VARCHAR(30), DATE, 103, dt.date(2020, 4, 3)),
    ("03.04.2020", VARCHAR(30), DATE, 104, dt.date(2020, 4, 3)),
    ("2020.01.02", VARCHAR(30), DATE, 102, dt.date(2020, 1, 2)),
    ("01-02-2020", VARCHAR(30), DATE, 110, dt.date(2020, 1, 2)),
    ("Jan 2 2020 3:04PM", VARCHAR(30), DATETIME, None, D(2020, 1, 2, 15, 4)),
    ("2 January 2020", VARCHAR(30), DATE, None, dt.date(2020, 1, 2)),
    ("2020-01-02T03:04:05.123", VARCHAR(30), DATETIME, 126, D(2020, 1, 2, 3, 4, 5, 123333)),
    ("2020-01-02 23:59:59.999", VARCHAR(30), DATETIME, None, D(2020, 1, 3)),
    ("2020-01-02 10:11:12.002", VARCHAR(30), DATETIME, None, D(2020, 1, 2, 10, 11, 12, 3333)),
    ("2020-01-02 10:11:12.005", VARCHAR(30), DATETIME, None, D(2020, 1, 2, 10, 11, 12, 6667)),
    ("2020-01-02 10:11:12.1234567", VARCHAR(30), datetime2(7), None, with_fraction(D(2020, 1, 2, 10, 11, 12), 1234567)),
    ("2020-01-02 10:11:12.1234567", VARCHAR(30), datetime2(6), None, D(2020, 1, 2, 10, 11, 12, 123457)),
    ("2020-01-02 10:11:12.12345678", VARCHAR(30), datetime2(7), None, Err(241)),
    ("2020-01-02 10:11:12.125", VARCHAR(30), datetime2(2), None, D(2020, 1, 2, 10, 11, 12, 130000)),
    ("2020-01-02 10:11:29.998", VARCHAR(30), SMALLDATETIME, None, D(2020, 1, 2, 10, 11)),
    ("2020-01-02 10:11:29.999", VARCHAR(30), SMALLDATETIME, None, D(2020, 1, 2, 10, 12)),
    ("12:30:15", VARCHAR(30), TIME, None, dt.time(12, 30, 15)),
    ("12:30", VARCHAR(30), DATETIME, None, D(1900, 1, 1, 12, 30)),
    ("2020-13-01", VARCHAR(30), DATETIME, None, Err(242)),
    ("2020-13-01", VARCHAR(30), DATE, None, Err(241)),
    ("1700-01-01", VARCHAR(30), DATETIME, None, Err(242)),
    ("1700-01-01", VARCHAR(30), DATE, None, dt.date(1700, 1, 1)),
    ("abc", VARCHAR(30), DATE, None, Err(241)),
    # between date/time types and numbers
    (D(2020, 1, 2, 3, 4, 5), DATETIME, DATE, None, dt.date(2020, 1, 2)),
    (D(2020, 1, 2, 3, 4, 5), DATETIME, TIME, None, dt.time(3, 4, 5)),
    (dt.date(2020, 1, 2), DATE, DATETIME, None, D(2020, 1, 2)),
    (dt.time(3, 4, 5), TIME, DATETIME, None, D(1900, 1, 1, 3, 4, 5)),
    (D(2020, 1, 2, 3, 4, 5, 999999), datetime2(7), DATETIME, None, D(2020, 1, 2, 3, 4, 6)),
    (D(1500, 1, 1), datetime2(7), DATETIME, None, Err(242)),
    (45000, INT, DATETIME, None, D(2023, 3, 17)),
    (1.5, FLOAT, DATETIME, None, D(1900, 1, 2, 12)),
    (dt.date(2020, 1, 1), DATE, INT, None, Err(529)),
    (dt.time(1, 0), TIME, DATE, None, Err(529)),
    (D(2020, 1, 1), datetime2(7), INT, None, Err(529)),
    # uniqueidentifier
    ("6F9619FF-8B86-D011-B42D-00C04FC964FF", VARCHAR(36), UNIQUEIDENTIFIER, None, GUID),
    ("{6F9619FF-8B86-D011-B42D-00C04FC964FF}", VARCHAR(38), UNIQUEIDENTIFIER, None, GUID),
    ("not-a-guid", VARCHAR(36), UNIQUEIDENTIFIER, None, Err(8169)),
    (GUID.bytes_le, VARBINARY(16), UNIQUEIDENTIFIER, None, GUID),
    (1, INT, UNIQUEIDENTIFIER, None, Err(529)),
    # binary
    (1, INT, BINARY(4), None, b"\x00\x00\x00\x01"),
    (256, INT, BINARY(1), None, b"\x00"),
    (1, INT, VARBINARY(8), None, b"\x00\x00\x00\x01"),
    ("AB", VARCHAR(2), VARBINARY(10), None, b"AB"),
    ("AB", VARCHAR(2), BINARY(4), None, b"AB\x00\x00"),
    ("AB", NVARCHAR(2), VARBINARY(10), None, b"A\x00B\x00"),
    ("0x4142", VARCHAR(10), VARBINARY(10), 1, b"AB"),
    (GUID, UNIQUEIDENTIFIER, VARBINARY(16), None, GUID.bytes_le),
    # NULL converts to NULL of anything allowed
    (None, VARCHAR(10), INT, None, None),
    (None, INT, DATETIME, None, None),
]


@pytest.mark.parametrize(("value", "source", "target", "style", "expected"), CASES)
def test_convert(value: Any, source: SqlType, target: SqlType, style: int | None, expected: Any) -> None:
    if isinstance(expected, Err):
        with pytest.raises(SqlError) as caught:
            convert(value, source, target, style)
        assert caught.value.number == expected.number
    else:
        result = convert(value, source, target, style)
        assert result == expected
        assert type(result) is type(expected)


def test_error_messages_are_sql_servers() -> None:
    with pytest.raises(SqlError) as caught:
        convert("abc", VARCHAR(3), INT)
    assert caught.value.message == "Conversion failed when converting the varchar value 'abc' to data type int."
    with pytest.raises(SqlError) as caught:
        convert(3_000_000_000, BIGINT, INT)
    assert caught.value.message == "Arithmetic overflow error converting expression to data type int."
    with pytest.raises(SqlError) as caught:
        convert("abc", VARCHAR(3), DECIMAL(10, 2))
    assert caught.value.message == "Error converting data type varchar to numeric."
    with pytest.raises(SqlError) as caught:
        convert(dt.date(2020, 1, 1), DATE, INT)
    assert caught.value.message == "Explicit conversion from data type date to int is not allowed."


def test_implicit_conversion_rules() -> None:
    with pytest.raises(SqlError) as caught:
        convert(D(2020, 1, 1), DATETIME, INT, explicit=False)
    assert caught.value.number == 257
    with pytest.raises(SqlError) as caught:
        convert(dt.date(2020, 1, 1), DATE, INT, explicit=False)
    assert caught.value.number == 206
    with pytest.raises(SqlError) as caught:
        convert("AB", VARCHAR(2), VARBINARY(2), explicit=False)
    assert caught.value.number == 257
    assert convert("12", VARCHAR(2), INT, explicit=False) == 12


def test_try_convert_returns_null_but_keeps_disallowed_pairs_an_error() -> None:
    assert try_convert("abc", VARCHAR(3), INT) is None
    assert try_convert("12", VARCHAR(3), INT) == 12
    with pytest.raises(SqlError) as caught:
        try_convert(dt.date(2020, 1, 1), DATE, INT)
    assert caught.value.number == 529


def test_datetime_values_sit_on_ticks_and_rounding_is_idempotent() -> None:
    for micro in range(0, 1_000_000, 777):
        value = convert(D(2020, 1, 1, 0, 0, 0, micro), datetime2(7), DATETIME)
        assert convert(value, DATETIME, DATETIME) == value
        text = convert(value, DATETIME, VARCHAR(30), 121)
        assert text[-1] in "037"


def test_nchar_pads_and_max_types_do_not_truncate() -> None:
    assert convert("ab", NVARCHAR(2), NCHAR(4)) == "ab  "
    assert convert("x" * 9000, VARCHAR(None), VARCHAR(None)) == "x" * 9000
    assert convert(dt.time(1, 2, 3, 600000), TIME, time(0)) == dt.time(1, 2, 4)


def test_check_fits_raises_2628_ignoring_trailing_blanks() -> None:
    check_fits("abc   ", VARCHAR(3), "t", "c")
    with pytest.raises(SqlError) as caught:
        check_fits("abcd", VARCHAR(3), "t", "c")
    assert caught.value.number == 2628
    assert caught.value.message == (
        "String or binary data would be truncated in table 't', column 'c'. Truncated value: 'abc'."
    )
    check_fits("x" * 10_000, VARCHAR(None), "t", "c")


def test_coerce_for_column() -> None:
    assert coerce_for_column("ab", VARCHAR(2), CHAR(4), "t", "c") == "ab  "
    assert coerce_for_column("abc   ", VARCHAR(6), VARCHAR(3), "t", "c") == "abc"
    assert coerce_for_column(Decimal("1.239"), DECIMAL(4, 3), DECIMAL(5, 2), "t", "c") == Decimal("1.24")
    assert coerce_for_column("42", VARCHAR(2), INT, "t", "c") == 42
    assert coerce_for_column(None, VARCHAR(2), INT, "t", "c") is None
    with pytest.raises(SqlError) as caught:
        coerce_for_column("abcd", VARCHAR(4), VARCHAR(3), "t", "c")
    assert caught.value.number == 2628
    with pytest.raises(SqlError) as caught:
        coerce_for_column(12345, INT, VARCHAR(3), "t", "c")
    assert caught.value.number == 2628
    with pytest.raises(SqlError) as caught:
        coerce_for_column(dt.date(2020, 1, 1), DATE, INT, "t", "c")
    assert caught.value.number == 206
