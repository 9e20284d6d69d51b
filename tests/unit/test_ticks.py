"""datetime2(7), time(7) and datetimeoffset(7) keep all seven fractional digits (100 ns ticks).

The value type first (``quietus.ticks``), then what T-SQL sees: literals, CAST/CONVERT and their rounding,
comparison and ORDER BY on the seventh digit, DATEADD/DATEDIFF/DATEPART to the tick, the clocks and the offset
functions, and a table with a primary key on a datetime2(7) column across a restart.
"""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.ticks import DateTime7, Time7, add_ticks, fraction, from_ticks, ticks, with_fraction

BASE = dt.datetime(2024, 1, 2, 3, 4, 5)


def seven(units: int) -> dt.datetime:
    return with_fraction(BASE, units)


# --- the value type -------------------------------------------------------------------------------------


def test_a_zero_seventh_digit_stays_a_plain_value() -> None:
    assert type(seven(1234560)) is dt.datetime and type(seven(1234560).time()) is dt.time
    assert type(seven(1234567)) is DateTime7 and type(seven(1234567).time()) is Time7


def test_order_equality_and_hash_follow_the_tick() -> None:
    values = [seven(1234567), seven(1234560), seven(1234569), seven(1234561), seven(1234570)]
    assert [fraction(v) for v in sorted(values)] == [1234560, 1234561, 1234567, 1234569, 1234570]
    assert seven(1234567) != seven(1234560) and seven(1234560) != seven(1234567)
    assert seven(1234560) < seven(1234567) and seven(1234567) > seven(1234560)  # plain on either side
    assert seven(1234567) == seven(1234567) and len({seven(1234567), seven(1234567), seven(1234560)}) == 2
    times = sorted(v.time() for v in values)
    assert [fraction(t) for t in times] == [1234560, 1234561, 1234567, 1234569, 1234570]


def test_aware_values_compare_as_instants_to_the_tick() -> None:
    ist = dt.timezone(dt.timedelta(minutes=330))
    here = with_fraction(BASE.replace(tzinfo=ist), 1234567)
    utc = here.astimezone(dt.UTC)
    assert utc == here and fraction(utc) == 1234567 and utc.hour == 21
    assert with_fraction(utc, 1234568) > here


def test_arithmetic_replace_and_pickle_keep_the_tick() -> None:
    value = seven(1234567)
    assert fraction(value + dt.timedelta(days=1)) == 1234567 and fraction(value - dt.timedelta(hours=1)) == 1234567
    assert fraction(value.replace(year=2000)) == 1234567 and fraction(value.replace(microsecond=5)) == 50
    assert pickle.loads(pickle.dumps(value)) == value and pickle.loads(pickle.dumps(value.time())) == value.time()
    assert str(value) == "2024-01-02 03:04:05.1234567" and value.isoformat() == "2024-01-02T03:04:05.1234567"
    assert add_ticks(value, 3) == seven(1234570) and add_ticks(value, -1234568) == seven(9999999) - dt.timedelta(
        seconds=1
    )
    assert from_ticks(ticks(value)) == value


# --- T-SQL ----------------------------------------------------------------------------------------------


@pytest.fixture
def cur():  # type: ignore[no-untyped-def]
    with quietus.connect(None, autocommit=True) as conn:
        yield conn.cursor()


def one(cur: Any, sql: str) -> Any:
    cur.execute(sql)
    return cur.fetchone()[0]


LITERAL = "'2024-01-02 03:04:05.1234567'"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"CAST(CAST({LITERAL} AS datetime2) AS varchar(40))", "2024-01-02 03:04:05.1234567"),
        (f"CONVERT(varchar(40), CAST({LITERAL} AS datetime2), 126)", "2024-01-02T03:04:05.1234567"),
        (f"CONVERT(varchar(40), CAST({LITERAL} AS datetime2), 121)", "2024-01-02 03:04:05.1234567"),
        (f"CONVERT(varchar(40), CAST({LITERAL} AS datetime2), 109)", "Jan  2 2024  3:04:05:123AM"),
        ("CAST(CAST('03:04:05.0000001' AS time) AS varchar(20))", "03:04:05.0000001"),
        ("CAST(CAST('2024-01-02 03:04:05.1234567 -08:00' AS datetimeoffset) AS varchar(40))",
         "2024-01-02 03:04:05.1234567 -08:00"),
        ("CONVERT(varchar(40), CAST('2024-01-02 03:04:05.1234567 +00:00' AS datetimeoffset), 127)",
         "2024-01-02T03:04:05.1234567Z"),
        # rounding to fewer digits is half up, with a carry into the next second (or past midnight for time)
        (f"CAST(CAST(CAST({LITERAL} AS datetime2) AS datetime2(6)) AS varchar(40))", "2024-01-02 03:04:05.123457"),
        ("CAST(CAST(CAST('2024-01-02 03:04:05.1234565' AS datetime2) AS datetime2(6)) AS varchar(40))",
         "2024-01-02 03:04:05.123457"),
        ("CAST(CAST(CAST('2024-01-02 03:04:05.1234564' AS datetime2) AS datetime2(6)) AS varchar(40))",
         "2024-01-02 03:04:05.123456"),
        ("CAST(CAST('2024-12-31 23:59:59.9999999' AS datetime2(3)) AS varchar(40))", "2025-01-01 00:00:00.000"),
        ("CAST(CAST(CAST('23:59:59.9999999' AS time) AS time(0)) AS varchar(20))", "00:00:00"),
        ("CAST(CAST(CAST('2024-01-02 03:04:05.0016665' AS datetime2) AS datetime) AS varchar(40))",
         "Jan  2 2024  3:04AM"),
        ("CONVERT(varchar(40), CAST(CAST('2024-01-02 03:04:05.0016665' AS datetime2) AS datetime), 121)",
         "2024-01-02 03:04:05.000"),
        ("CONVERT(varchar(40), CAST(CAST('2024-01-02 03:04:05.0016667' AS datetime2) AS datetime), 121)",
         "2024-01-02 03:04:05.003"),
        (f"FORMAT(CAST({LITERAL} AS datetime2), 'HH:mm:ss.fffffff')", "03:04:05.1234567"),
        (f"FORMAT(CAST({LITERAL} AS datetime2), 'ss.ffffff')", "05.123456"),
        (f"(SELECT CAST({LITERAL} AS datetime2) AS d FOR XML PATH('r'))", "<r><d>2024-01-02T03:04:05.1234567</d></r>"),
        # the clocks and arithmetic, to the tick
        (f"DATEPART(nanosecond, CAST({LITERAL} AS datetime2))", 123456700),
        (f"DATEPART(microsecond, CAST({LITERAL} AS datetime2))", 123456),
        (f"CAST(DATEADD(nanosecond, 49, CAST({LITERAL} AS datetime2)) AS varchar(40))", "2024-01-02 03:04:05.1234567"),
        (f"CAST(DATEADD(nanosecond, 50, CAST({LITERAL} AS datetime2)) AS varchar(40))", "2024-01-02 03:04:05.1234568"),
        (f"CAST(DATEADD(nanosecond, 150, CAST({LITERAL} AS datetime2)) AS varchar(40))", "2024-01-02 03:04:05.1234569"),
        (f"CAST(DATEADD(nanosecond, -150, CAST({LITERAL} AS datetime2)) AS varchar(40))",
         "2024-01-02 03:04:05.1234565"),
        (f"CAST(DATEADD(microsecond, 1, CAST({LITERAL} AS datetime2)) AS varchar(40))", "2024-01-02 03:04:05.1234577"),
        ("CAST(DATEADD(microsecond, 1, CAST('23:59:59.9999995' AS time)) AS varchar(20))", "00:00:00.0000005"),
        (f"DATEDIFF(nanosecond, CAST('2024-01-02 03:04:05.1234561' AS datetime2), CAST({LITERAL} AS datetime2))", 600),
        ("DATEDIFF(microsecond, CAST('2024-01-02 03:04:05.1234569' AS datetime2), "
         "CAST('2024-01-02 03:04:05.1234570' AS datetime2))", 1),
        (f"DATEDIFF_BIG(nanosecond, '2024-01-01', CAST({LITERAL} AS datetime2))", 97445123456700),
        ("DATEDIFF(nanosecond, CAST('2024-01-02 03:04:05.0000001 +01:00' AS datetimeoffset), "
         "CAST('2024-01-02 02:04:05.0000002 +00:00' AS datetimeoffset))", 100),
        # the offset functions
        ("CAST(SWITCHOFFSET(CAST('2024-01-02 03:04:05.1234567 +05:30' AS datetimeoffset), '-08:00') AS varchar(40))",
         "2024-01-01 13:34:05.1234567 -08:00"),
        (f"CAST(TODATETIMEOFFSET(CAST({LITERAL} AS datetime2), 90) AS varchar(40))",
         "2024-01-02 03:04:05.1234567 +01:30"),
        (f"CAST(TODATETIMEOFFSET(CAST({LITERAL} AS datetime2(3)), '-05:00') AS varchar(40))",
         "2024-01-02 03:04:05.123 -05:00"),
        ("DATEPART(tzoffset, CAST('2024-01-02 03:04:05.1234567 -08:30' AS datetimeoffset))", -510),
        ("DATEPART(tz, SWITCHOFFSET(SYSDATETIMEOFFSET(), '+05:45'))", 345),
        ("DATALENGTH(CAST(SYSDATETIME() AS varchar(40)))", 27),
        ("DATALENGTH(CAST(SYSDATETIMEOFFSET() AS varchar(40)))", 34),
        ("DATEDIFF(second, SYSUTCDATETIME(), SWITCHOFFSET(SYSDATETIMEOFFSET(), '+00:00'))", 0),
    ],
)
def test_seven_digits_in_t_sql(cur: Any, expression: str, expected: Any) -> None:
    assert one(cur, f"SELECT {expression}") == expected


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("SELECT CAST('2024-01-02 03:04:05.12345678' AS datetime2)", 241),
        ("SELECT CAST('03:04:05.12345678' AS time)", 241),
        ("SELECT CAST('2024-01-02 03:04:05.12345678 +01:00' AS datetimeoffset)", 241),
        ("SELECT DATEADD(nanosecond, 1, GETDATE())", 9810),
        ("SELECT DATEADD(microsecond, 1, CAST('2024-01-01' AS smalldatetime))", 9810),
        ("SELECT SWITCHOFFSET(SYSDATETIMEOFFSET(), '+14:01')", 9812),
        ("SELECT TODATETIMEOFFSET(SYSDATETIME(), 'Europe/Paris')", 9812),
        ("SELECT TODATETIMEOFFSET(SYSDATETIME(), -841)", 9812),
    ],
)
def test_what_seven_digits_refuse(sql: str, number: int) -> None:
    with quietus.connect(None, autocommit=True) as conn:
        errors = [m.number for m in conn.run(sql).messages if m.is_error]
    assert errors == [number]


def test_sysdatetime_has_seven_digits_and_getdate_its_ticks(cur: Any) -> None:
    cur.execute("SELECT SYSDATETIME(), GETDATE(), SYSDATETIMEOFFSET()")
    sys_time, get_date, with_offset = cur.fetchone()
    assert isinstance(sys_time, dt.datetime) and get_date.microsecond % 10000 in (0, 3333, 6667)
    assert with_offset.utcoffset() is not None
    assert [d[1] for d in cur.description] == ["datetime2", "datetime", "datetimeoffset"]


def test_comparison_and_order_respect_the_seventh_digit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rows = ", ".join(
        f"({i}, '2024-01-02 03:04:05.123456{d}', '03:04:05.123456{d}', '2024-01-02 03:04:05.123456{d} +01:00')"
        for i, d in enumerate((7, 1, 9, 0, 5), start=1)
    )
    with quietus.connect(data, autocommit=True) as conn:
        conn.run("CREATE TABLE t (id int, a datetime2(7) PRIMARY KEY, b time(7), c datetimeoffset(7))")
        assert not [m for m in conn.run(f"INSERT INTO t VALUES {rows}").messages if m.is_error]
        # a duplicate key only when all seven digits match
        duplicate = conn.run("INSERT INTO t VALUES (9, '2024-01-02 03:04:05.1234567', NULL, NULL)")
        assert [m.number for m in duplicate.messages if m.is_error] == [2627]
    with quietus.connect(data, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT id FROM t ORDER BY a")
        assert [r[0] for r in cur.fetchall()] == [4, 2, 5, 1, 3]
        cur.execute("SELECT id FROM t ORDER BY b DESC")
        assert [r[0] for r in cur.fetchall()] == [3, 1, 5, 2, 4]
        cur.execute("SELECT id FROM t WHERE a = '2024-01-02 03:04:05.1234567'")
        assert cur.fetchall() == [(1,)]
        cur.execute("SELECT id FROM t WHERE c > '2024-01-02 02:04:05.1234565 +00:00' ORDER BY c")
        assert [r[0] for r in cur.fetchall()] == [1, 3]
        cur.execute("SELECT id FROM t WHERE b BETWEEN '03:04:05.1234561' AND '03:04:05.1234566' ORDER BY id")
        assert [r[0] for r in cur.fetchall()] == [2, 5]
        cur.execute("SELECT COUNT(DISTINCT CAST(a AS datetime2(6))) FROM t")
        assert cur.fetchone()[0] == 2  # .123456 (digits 0, 1) and .123457 (5, 7, 9 round up)
