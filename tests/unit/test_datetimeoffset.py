"""datetimeoffset: a date and time with its UTC offset (an aware datetime with a fixed offset).

SQL Server's rules: text with an offset (or none: +00:00); CAST to datetime2/datetime/date/time keeps the local date
and time and drops the offset; from those types the offset is +00:00; comparison and ordering are by the instant;
CONVERT to text shows the offset; the column keeps the offset across a restart.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import quietus
from quietus.ticks import with_fraction

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))
PST = dt.timezone(dt.timedelta(hours=-8))


@pytest.fixture
def cur():  # type: ignore[no-untyped-def]
    with quietus.connect(None, autocommit=True) as conn:
        yield conn.cursor()


def one(cur, sql: str):  # type: ignore[no-untyped-def]
    cur.execute(sql)
    return cur.fetchone()[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02 03:04:05.1234567 +05:30", with_fraction(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=IST), 1234567)),
        ("2024-01-02T03:04:05-08:00", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=PST)),
        ("2024-01-02 03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
    ],
)
def test_text_to_datetimeoffset(cur, text: str, expected: dt.datetime) -> None:  # type: ignore[no-untyped-def]
    value = one(cur, f"SELECT CAST('{text}' AS DATETIMEOFFSET)")
    assert value == expected and value.utcoffset() == expected.utcoffset()


def test_conversions_keep_the_local_time_and_text_shows_the_offset(cur) -> None:  # type: ignore[no-untyped-def]
    source = "CAST('2024-01-02 03:04:05.5 -08:00' AS DATETIMEOFFSET(3))"
    assert one(cur, f"SELECT CONVERT(VARCHAR(40), {source})") == "2024-01-02 03:04:05.500 -08:00"
    assert one(cur, f"SELECT CAST({source} AS DATETIME2(0))") == dt.datetime(2024, 1, 2, 3, 4, 6)
    assert one(cur, f"SELECT CAST({source} AS DATE)") == dt.date(2024, 1, 2)
    assert one(cur, "SELECT CAST(CAST('2024-01-02' AS DATE) AS DATETIMEOFFSET)").utcoffset() == dt.timedelta(0)
    assert one(cur, f"SELECT DATALENGTH({source})") == 9


def test_date_functions_keep_the_offset_and_count_instants(cur) -> None:  # type: ignore[no-untyped-def]
    ist = "CAST('2024-01-02 03:00:00 +05:30' AS DATETIMEOFFSET)"
    moved = one(cur, f"SELECT DATEADD(hour, 1, {ist})")
    assert moved == dt.datetime(2024, 1, 2, 4, 0, tzinfo=IST) and moved.utcoffset() == IST.utcoffset(None)
    assert one(cur, f"SELECT DATEPART(hour, {ist})") == 3  # the local hour
    utc = "CAST('2024-01-02 03:00:00 +00:00' AS DATETIMEOFFSET)"
    assert one(cur, f"SELECT DATEDIFF(minute, {ist}, {utc})") == 330  # between instants, not wall clocks


def test_comparison_and_order_are_by_the_instant(cur) -> None:  # type: ignore[no-untyped-def]
    cur.execute("CREATE TABLE moments (id INT PRIMARY KEY, at DATETIMEOFFSET)")
    cur.execute(
        "INSERT INTO moments VALUES (1, '2024-01-02 03:00:00 +05:30'), (2, '2024-01-01 22:00:00 +00:00'), "
        "(3, '2024-01-01 13:00:00 -08:00')"
    )
    cur.execute("SELECT id FROM moments ORDER BY at")
    assert [r[0] for r in cur.fetchall()] == [3, 1, 2]  # 21:00Z, 21:30Z, 22:00Z: by the instant, not the text
    assert one(cur, "SELECT COUNT(*) FROM moments WHERE at = '2024-01-01 21:30:00 +00:00'") == 1
    assert one(cur, "SELECT id FROM moments WHERE at < CAST('2024-01-01 21:15:00' AS DATETIME2)") == 3


def test_the_offset_survives_a_restart(tmp_path: Path) -> None:
    value = dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=IST)
    with quietus.connect(str(tmp_path / "data"), autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("CREATE TABLE kept (id INT PRIMARY KEY, at DATETIMEOFFSET)")
        cursor.execute("INSERT INTO kept VALUES (1, %s)", (value,))
    with quietus.connect(str(tmp_path / "data"), autocommit=True) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT at FROM kept")
        stored = cursor.fetchone()[0]
    assert stored == value and stored.utcoffset() == IST.utcoffset(None)
