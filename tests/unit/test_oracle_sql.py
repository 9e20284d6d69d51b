"""Oracle-flavoured SQL through the embedded API: statements, functions, types, binds and ORA errors."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection, DatabaseError
from quietus.ticks import with_fraction


@pytest.fixture
def ora() -> Iterator[Connection]:
    connection = quietus.connect(None, dialect="oracle", autocommit=True)
    try:
        yield connection
    finally:
        connection.close()


def rows(connection: Connection, sql: str, parameters: Any = None) -> list[tuple[Any, ...]]:
    cursor = connection.cursor()
    cursor.execute(sql, parameters)
    return cursor.fetchall()


def value(connection: Connection, sql: str, parameters: Any = None) -> Any:
    result = rows(connection, sql, parameters)
    assert len(result) == 1 and len(result[0]) == 1, result
    return result[0][0]


def error(connection: Connection, sql: str, parameters: Any = None) -> tuple[int, str]:
    with pytest.raises(DatabaseError) as raised:
        connection.cursor().execute(sql, parameters)
    return raised.value.number, str(raised.value)


def people(connection: Connection) -> None:
    cursor = connection.cursor()
    cursor.execute(
        "CREATE TABLE people (id NUMBER PRIMARY KEY, name VARCHAR2(20) NOT NULL, born DATE, pay NUMBER(8,2))"
    )
    cursor.execute(
        "INSERT INTO people VALUES (1, 'Alice', TO_DATE('1990-05-17 08:30:00', 'YYYY-MM-DD HH24:MI:SS'), 12.5)"
    )
    cursor.execute("INSERT INTO people (id, name) VALUES (2, 'bob')")
    cursor.execute("INSERT INTO people (id, name, pay) VALUES (3, 'Carol', 7)")


# --- statements and names -----------------------------------------------------------------------------------


def test_dual_and_unquoted_names_are_upper_case(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("select 1 + 1, dummy from dual")
    assert cursor.fetchall() == [(2, "X")]
    assert [d[0] for d in cursor.description or []] == ["1+1", "DUMMY"]
    people(ora)
    cursor.execute("select Id, NAME from PEOPLE where id = 1")
    assert [d[0] for d in cursor.description or []] == ["ID", "NAME"]
    assert cursor.fetchall() == [(1, "Alice")]


def test_dml_and_rowcounts(ora: Connection) -> None:
    people(ora)
    cursor = ora.cursor()
    cursor.execute("UPDATE people SET pay = pay * 2 WHERE pay IS NOT NULL")
    assert cursor.rowcount == 2
    cursor.execute("DELETE FROM people WHERE name = 'bob'")
    assert cursor.rowcount == 1
    assert rows(ora, "SELECT id, pay FROM people ORDER BY id") == [(1, Decimal("25.00")), (3, Decimal("14.00"))]


def test_string_comparison_is_case_sensitive(ora: Connection) -> None:
    people(ora)
    assert rows(ora, "SELECT id FROM people WHERE name = 'alice'") == []
    assert rows(ora, "SELECT id FROM people WHERE name = 'Alice'") == [(1,)]
    assert rows(ora, "SELECT id FROM people WHERE name LIKE 'a%'") == []
    assert rows(ora, "SELECT id FROM people WHERE name LIKE 'A%'") == [(1,)]
    assert rows(ora, "SELECT id FROM people WHERE name IN ('BOB', 'bob')") == [(2,)]
    assert rows(ora, "SELECT id FROM people WHERE name IN (SELECT UPPER(name) FROM people)") == []
    assert rows(ora, "SELECT id FROM people WHERE name IN (SELECT name FROM people WHERE id = 2)") == [(2,)]
    assert rows(ora, "SELECT id FROM people WHERE id NOT IN (SELECT id FROM people WHERE id > 1)") == [(1,)]
    assert rows(ora, "SELECT id FROM people WHERE name BETWEEN 'a' AND 'z'") == [(2,)]
    assert rows(ora, "SELECT id FROM people WHERE name <> 'Alice' ORDER BY id") == [(2,), (3,)]


def test_ordering_and_grouping_are_binary_with_nulls_last(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE letters (id NUMBER PRIMARY KEY, letter VARCHAR2(1), n NUMBER)")
    for position, (letter, n) in enumerate([("b", 1), ("B", None), ("a", 2), ("b", 3)]):
        cursor.execute("INSERT INTO letters VALUES (:1, :2, :3)", (position, letter, n))
    assert rows(ora, "SELECT DISTINCT letter FROM letters ORDER BY letter") == [("B",), ("a",), ("b",)]
    grouped = rows(ora, "SELECT letter, COUNT(*) FROM letters GROUP BY letter ORDER BY 1")
    assert grouped == [("B", 1), ("a", 1), ("b", 2)]
    assert rows(ora, "SELECT n FROM letters ORDER BY n") == [(1,), (2,), (3,), (None,)]
    assert rows(ora, "SELECT n FROM letters ORDER BY n DESC") == [(None,), (3,), (2,), (1,)]
    assert rows(ora, "SELECT n FROM letters ORDER BY n NULLS FIRST") == [(None,), (1,), (2,), (3,)]
    assert rows(ora, "SELECT letter FROM letters WHERE letter > 'Z' ORDER BY id") == [("b",), ("a",), ("b",)]


def test_date_arithmetic_and_number_division(ora: Connection) -> None:
    day = "TO_DATE('2024-02-28 12:00:00', 'YYYY-MM-DD HH24:MI:SS')"
    assert value(ora, f"SELECT {day} + 1 FROM dual") == datetime.datetime(2024, 2, 29, 12)
    assert value(ora, f"SELECT {day} - 0.5 FROM dual") == datetime.datetime(2024, 2, 28)
    assert value(ora, f"SELECT 2 + {day} FROM dual") == datetime.datetime(2024, 3, 1, 12)
    assert value(ora, f"SELECT {day} - TO_DATE('2024-02-01', 'YYYY-MM-DD') FROM dual") == Decimal("27.5")
    assert value(ora, "SELECT 5 / 2 FROM dual") == Decimal("2.5")
    assert value(ora, "SELECT DATE '2024-01-01' + 1/24 FROM dual") == datetime.datetime(2024, 1, 1, 1)
    assert value(ora, "SELECT DATE '2024-01-01' - INTERVAL '5' MINUTE FROM dual") == datetime.datetime(
        2023, 12, 31, 23, 55
    )
    assert value(ora, "SELECT INTERVAL '2' HOUR + DATE '2024-01-01' FROM dual") == datetime.datetime(2024, 1, 1, 2)
    assert value(ora, "SELECT DATE '2024-01-31' + INTERVAL '1' MONTH FROM dual") == datetime.datetime(2024, 2, 29)
    assert value(ora, "SELECT DATE '2024-01-31' - INTERVAL '1' YEAR FROM dual") == datetime.datetime(2023, 1, 31)
    assert error(ora, "SELECT DATE '2024-01-31' + INTERVAL '1-2' YEAR TO MONTH FROM dual")[0] == 3001
    assert value(ora, "SELECT 7 - 10 FROM dual") == -3


def test_char_compares_blank_padded_and_varchar2_does_not(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE codes (fixed CHAR(4), free VARCHAR2(4))")
    cursor.execute("INSERT INTO codes VALUES ('ab', 'ab ')")
    assert value(ora, "SELECT COUNT(*) FROM codes WHERE fixed = 'ab'") == 1
    assert value(ora, "SELECT COUNT(*) FROM codes WHERE free = 'ab'") == 0
    assert value(ora, "SELECT COUNT(*) FROM codes WHERE free = 'ab '") == 1
    assert value(ora, "SELECT COUNT(*) FROM dual WHERE 'a ' = 'a'") == 1


def test_statements_quietus_cannot_run_fully_are_refused(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE src (id NUMBER PRIMARY KEY, v VARCHAR2(5))")
    assert error(ora, "CREATE TABLE copy AS SELECT * FROM src")[0] == 3001
    assert error(ora, "SELECT * FROM copy")[0] == 942  # nothing half-made
    assert error(ora, "INSERT INTO src VALUES (1, 'a') RETURNING id INTO :x", {"x": None})[0] == 3001
    assert error(ora, "ALTER TABLE src MODIFY (v VARCHAR2(10))")[0] == 3001
    assert error(ora, "SELECT id = 1 FROM src")[0] == 923
    cursor.execute("ALTER TABLE src ADD (w NUMBER, z DATE)")
    cursor.execute("INSERT INTO src (id, w) VALUES (2, 5)")
    assert rows(ora, "SELECT id, w, z FROM src") == [(2, 5, None)]
    cursor.execute("ALTER TABLE src DROP COLUMN z")
    assert error(ora, "ALTER TABLE src DROP COLUMN z") == (904, 'ORA-00904: "Z": invalid identifier')


def test_constraints_and_their_ora_errors(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE parent (id NUMBER PRIMARY KEY)")
    cursor.execute(
        "CREATE TABLE child (id NUMBER, CONSTRAINT child_parent FOREIGN KEY (id) REFERENCES parent (id),"
        " CONSTRAINT child_positive CHECK (id > 0))"
    )
    cursor.execute("INSERT INTO parent VALUES (1)")
    cursor.execute("INSERT INTO child VALUES (1)")
    assert error(ora, "INSERT INTO child VALUES (-1)") == (
        2290, "ORA-02290: check constraint (SA.CHILD_POSITIVE) violated"
    )
    assert error(ora, "INSERT INTO child VALUES (2)") == (
        2291, "ORA-02291: integrity constraint (SA.CHILD_PARENT) violated - parent key not found"
    )
    assert error(ora, "DELETE parent") == (
        2292, "ORA-02292: integrity constraint (SA.CHILD_PARENT) violated - child record found"
    )
    cursor.execute("DELETE child WHERE id = 1")  # FROM is optional
    assert cursor.rowcount == 1
    assert error(ora, "CREATE TABLE c2 (id NUMBER REFERENCES parent (id) ON DELETE CASCADE)")[0] == 3001
    assert error(ora, "CREATE TABLE c3 (id NUMBER REFERENCES nowhere (id))")[0] == 942
    assert error(ora, "CREATE GLOBAL TEMPORARY TABLE g (a NUMBER) ON COMMIT DELETE ROWS")[0] == 3001


def test_column_defaults_work_from_both_dialects(tmp_path: Path) -> None:
    data = tmp_path / "data"
    oracle = quietus.connect(data, dialect="oracle", autocommit=True)
    tsql = quietus.connect(data, autocommit=True)
    try:
        oracle.cursor().execute(
            "CREATE TABLE stamped"
            " (id NUMBER(9), at DATE DEFAULT SYSDATE, n NUMBER(5) DEFAULT 7, s VARCHAR2(3) DEFAULT '')"
        )
        oracle.cursor().execute("INSERT INTO stamped (id) VALUES (1)")
        tsql.cursor().execute("INSERT INTO stamped (id) VALUES (2)")
        result = rows(oracle, "SELECT id, n, s, at FROM stamped ORDER BY id")
        assert [row[:3] for row in result] == [(1, 7, None), (2, 7, None)]
        assert all(isinstance(row[3], datetime.datetime) for row in result)
        assert error(oracle, "CREATE TABLE later (at VARCHAR2(20) DEFAULT TO_CHAR(SYSDATE))")[0] == 3001
    finally:
        oracle.close()
        tsql.close()


def test_empty_string_is_null(ora: Connection) -> None:
    people(ora)
    ora.cursor().execute("INSERT INTO people (id, name, born) VALUES (4, 'Dan', NULL)")
    assert value(ora, "SELECT COUNT(*) FROM dual WHERE '' IS NULL") == 1
    assert value(ora, "SELECT NVL('', 'empty') FROM dual") == "empty"
    assert value(ora, "SELECT 'a' || NULL || 'b' FROM dual") == "ab"
    assert value(ora, "SELECT '' || '' FROM dual") is None
    code, _ = error(ora, "INSERT INTO people (id, name) VALUES (5, '')")
    assert code == 1400


def test_rownum_and_fetch_first(ora: Connection) -> None:
    people(ora)
    assert len(rows(ora, "SELECT id FROM people WHERE ROWNUM <= 2")) == 2
    assert len(rows(ora, "SELECT id FROM people WHERE ROWNUM < 2")) == 1
    assert len(rows(ora, "SELECT id FROM people WHERE pay IS NOT NULL AND ROWNUM = 1")) == 1
    assert rows(ora, "SELECT id FROM people ORDER BY id DESC FETCH FIRST 2 ROWS ONLY") == [(3,), (2,)]
    assert rows(ora, "SELECT id FROM people ORDER BY id OFFSET 1 ROWS FETCH NEXT 1 ROWS ONLY") == [(2,)]
    assert rows(ora, "SELECT * FROM (SELECT id FROM people ORDER BY id DESC) WHERE ROWNUM <= 1") == [(3,)]
    assert error(ora, "SELECT id FROM people WHERE ROWNUM <= 2 ORDER BY id")[0] == 3001
    cursor = ora.cursor()
    cursor.execute("SELECT ROWNUM, id, ROWNUM * 10 AS tens FROM people WHERE pay IS NOT NULL AND ROWNUM <= 5")
    assert [d[0] for d in cursor.description or []] == ["ROWNUM", "ID", "TENS"]
    assert [(n, tens) for n, _id, tens in cursor.fetchall()] == [(1, 10), (2, 20)]
    assert error(ora, "SELECT ROWNUM, id FROM people ORDER BY id")[0] == 3001
    assert error(ora, "SELECT id FROM people WHERE ROWNUM > 1")[0] == 3001


# --- functions ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("NVL(NULL, 3)", 3),
        ("NVL2(1, 'set', 'unset')", "set"),
        ("NVL2(NULL, 'set', 'unset')", "unset"),
        ("DECODE(2, 1, 'one', 2, 'two', 'other')", "two"),
        ("DECODE(9, 1, 'one', 'other')", "other"),
        ("DECODE(NULL, NULL, 'null matches', 'no')", "null matches"),
        ("DECODE(5, 1, 'one')", None),
        ("SUBSTR('Quietus', 2, 3)", "uie"),
        ("SUBSTR('Quietus', 0, 2)", "Qu"),
        ("SUBSTR('Quietus', -3)", "tus"),
        ("SUBSTR('Quietus', 9)", None),
        ("INSTR('banana', 'an')", 2),
        ("INSTR('banana', 'an', 1, 2)", 4),
        ("INSTR('banana', 'AN')", 0),
        ("INSTR('banana', 'a', -1)", 6),
        ("LENGTH('abc  ')", 5),
        ("LENGTH('')", None),
        ("UPPER('aBc')", "ABC"),
        ("LOWER('aBc')", "abc"),
        ("COALESCE(NULL, NULL, 'third')", "third"),
        ("TO_CHAR(0.5)", ".5"),
        ("TO_CHAR(12)", "12"),
        ("TO_CHAR(TO_DATE('2024-02-03', 'YYYY-MM-DD'), 'DD/MM/YYYY')", "03/02/2024"),
        ("TO_NUMBER('12.75')", Decimal("12.75")),
        ("TO_NUMBER('1,234.50', '9,999.99')", Decimal("1234.50")),
        ("TO_CHAR(1234.5, '9999.99')", " 1234.50"),
        ("TO_CHAR(-1234.5, '9999.99')", "-1234.50"),
        ("TO_CHAR(1234.5, 'FM9999.99')", "1234.5"),
        ("TO_CHAR(5, '000')", " 005"),
        ("TO_CHAR(5, 'FM000')", "005"),
        ("TO_CHAR(1234567, '9,999,999')", " 1,234,567"),
        ("TO_CHAR(12345, '999')", "####"),
        ("TO_CHAR(0.5, '9.99')", "  .50"),
        ("TO_CHAR(1234.5, '$9,999.00')", " $1,234.50"),
        ("TRUNC(12.789, 2)", Decimal("12.780")),
        ("TRUNC(-12.7)", Decimal("-12.0")),
        ("ROUND(12.5)", Decimal("13")),
        ("ROUND(12.345, 2)", Decimal("12.350")),
        ("TO_DATE('2024-02-03 10:11:12', 'YYYY-MM-DD HH24:MI:SS')", datetime.datetime(2024, 2, 3, 10, 11, 12)),
        ("TRUNC(TO_DATE('2024-02-03 10:11:12', 'YYYY-MM-DD HH24:MI:SS'))", datetime.datetime(2024, 2, 3)),
        ("TRUNC(TO_DATE('2024-02-03', 'YYYY-MM-DD'), 'MM')", datetime.datetime(2024, 2, 1)),
        ("TRUNC(DATE '2024-02-08', 'IW')", datetime.datetime(2024, 2, 5)),
        ("TRUNC(DATE '2024-05-08', 'Q')", datetime.datetime(2024, 4, 1)),
        ("DATE '2024-01-31'", datetime.datetime(2024, 1, 31)),
        ("TIMESTAMP '2024-01-31 10:11:12.5'", datetime.datetime(2024, 1, 31, 10, 11, 12, 500000)),
        ("TIMESTAMP '2024-01-31 10:11:12.1234567'", with_fraction(datetime.datetime(2024, 1, 31, 10, 11, 12), 1234567)),
        ("TO_CHAR(TIMESTAMP '2024-01-07 15:04:05.123456749', 'FF9')", "123456700"),
        ("TO_CHAR(TIMESTAMP '2024-01-07 15:04:05.12345675', 'FF9')", "123456800"),
        ("TO_CHAR(TIMESTAMP '2024-01-07 15:04:05.1234567', 'FF')", "1234567"),
        ("TO_CHAR(TIMESTAMP '2024-01-07 15:04:05.1234567', 'FF4')", "1234"),
        ("TO_CHAR(DATE '2024-01-07', 'Dy DD Mon YYYY')", "Sun 07 Jan 2024"),
        ("TO_CHAR(DATE '2024-01-07', 'fmDay, Month DD')", "Sunday, January 7"),
        ("TO_CHAR(DATE '2024-01-07', 'DAY')", "SUNDAY   "),
        ("TO_CHAR(TIMESTAMP '2024-01-07 15:04:05.25', 'HH:MI:SS PM FF3')", "03:04:05 PM 250"),
        ("TO_CHAR(DATE '2024-01-07', '\"Q\"Q YYYY')", "Q1 2024"),
        ("TO_CHAR(DATE '2024-01-07')", "07-JAN-24"),
        ("TO_DATE('07-JAN-24')", datetime.datetime(2024, 1, 7)),
        ("TO_DATE('3:04 pm 7/1/2024', 'HH:MI AM DD/MM/YYYY')", datetime.datetime(2024, 1, 7, 15, 4)),
        ("TO_DATE('January 7, 1999', 'Month DD, YYYY')", datetime.datetime(1999, 1, 7)),
        ("TO_DATE('07-01-75', 'DD-MM-RR')", datetime.datetime(1975, 1, 7)),
        ("TO_TIMESTAMP('2024-01-07 01:02:03.123456', 'YYYY-MM-DD HH24:MI:SS.FF6')",
         datetime.datetime(2024, 1, 7, 1, 2, 3, 123456)),
        ("LPAD('7', 3, '0')", "007"),
        ("LPAD('abcdef', 3)", "abc"),
        ("RPAD('ab', 4, '.')", "ab.."),
        ("TRIM('   ')", None),
        ("LTRIM('  x ')", "x "),
        ("REPLACE('aXa', 'a', '')", "X"),
        ("REPLACE('aa', 'a', '')", None),
        ("INITCAP('hello wORLD-x')", "Hello World-X"),
        ("CONCAT('a', NULL)", "a"),
        ("MOD(-7, 3)", -1),
        ("MOD(7, 0)", 7),
        ("GREATEST(3, 9, 4)", 9),
        ("LEAST('b', 'B', 'a')", "B"),
        ("GREATEST(1, NULL)", None),
        ("ADD_MONTHS(TO_DATE('2024-01-31', 'YYYY-MM-DD'), 1)", datetime.datetime(2024, 2, 29)),
        ("ADD_MONTHS(TO_DATE('2024-02-29', 'YYYY-MM-DD'), 1)", datetime.datetime(2024, 3, 31)),
        ("ADD_MONTHS(TO_DATE('2024-03-15', 'YYYY-MM-DD'), -2)", datetime.datetime(2024, 1, 15)),
        ("MONTHS_BETWEEN(TO_DATE('2024-03-15', 'YYYY-MM-DD'), TO_DATE('2024-01-15', 'YYYY-MM-DD'))", 2),
        ("LAST_DAY(TO_DATE('2023-02-10', 'YYYY-MM-DD'))", datetime.datetime(2023, 2, 28)),
        ("USER", "SA"),
        ("q'[it's]'", "it's"),
        ("Q'{a}b}'", "a}b"),
        ("q'!x'y!' || 'z'", "x'yz"),
        ("nq'<ü>'", "ü"),
        ("'q''[no]'", "q'[no]"),
        ("NULLIF('a', 'A')", "a"),
        ("NULLIF('a', 'a')", None),
        ("CASE 'a' WHEN 'A' THEN 'upper' WHEN 'a' THEN 'lower' END", "lower"),
        ("SYS_CONTEXT('USERENV', 'SESSION_USER')", "SA"),
    ],
)
def test_functions(ora: Connection, expression: str, expected: Any) -> None:
    assert value(ora, f"SELECT {expression} FROM dual") == expected


def test_min_max_and_count_distinct_are_binary(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE TABLE words (w VARCHAR2(5))")
    for word in ("b", "B", "a"):
        cursor.execute("INSERT INTO words VALUES (:1)", (word,))
    assert rows(ora, "SELECT MIN(w), MAX(w), COUNT(DISTINCT w) FROM words") == [("B", "b", 3)]


def test_window_functions_are_unimplemented(ora: Connection) -> None:
    assert error(ora, "SELECT COUNT(*) OVER () FROM dual")[0] == 3001


def test_alter_session_sets_the_date_format_of_this_session_only(ora: Connection) -> None:
    other = quietus.connect(None, dialect="oracle", autocommit=True)
    try:
        cursor = ora.cursor()
        cursor.execute("ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'")
        day = "DATE '2024-01-07'"
        assert rows(ora, f"SELECT TO_CHAR({day}), 'on ' || {day} FROM dual") == [
            ("2024-01-07 00:00:00", "on 2024-01-07 00:00:00")
        ]
        read = value(ora, "SELECT TO_DATE('2024-02-03 04:05:06') FROM dual")
        assert read == datetime.datetime(2024, 2, 3, 4, 5, 6)
        assert value(other, f"SELECT TO_CHAR({day}) FROM dual") == "07-JAN-24"
        cursor.execute("ALTER SESSION SET NLS_COMP = 'BINARY' NLS_SORT = BINARY")
        assert error(ora, "ALTER SESSION SET NLS_COMP = 'LINGUISTIC'")[0] == 3001
        assert error(ora, "ALTER SESSION SET TIME_ZONE = 'UTC'")[0] == 3001
        assert error(ora, "ALTER SESSION SET NO_SUCH_THING = 1")[0] == 2248
        assert error(ora, "ALTER SESSION SET NLS_DATE_FORMAT = 'DD-MON-RR' NLS_SORT = 'GERMAN'")[0] == 3001
        # the failed call changed nothing:
        assert value(ora, f"SELECT TO_CHAR({day}) FROM dual") == "2024-01-07 00:00:00"
    finally:
        other.close()


def test_date_format_errors(ora: Connection) -> None:
    assert error(ora, "SELECT TO_DATE('2024-01-07', 'DD-MON-YYYY') FROM dual")[0] == 1861
    assert error(ora, "SELECT TO_DATE('2024-01-07 10:00', 'YYYY-MM-DD') FROM dual")[0] == 1830
    assert error(ora, "SELECT TO_CHAR(SYSDATE, 'YYYY-XX') FROM dual")[0] == 1821
    assert error(ora, "SELECT TO_DATE('2024-02-30', 'YYYY-MM-DD') FROM dual")[0] == 1847
    assert error(ora, "SELECT COUNT(*) FROM dual CONNECT BY LEVEL <= 3")[0] == 3001
    assert error(ora, "SELECT LENGTHB('x') FROM dual") == (904, 'ORA-00904: "LENGTHB": invalid identifier')


def test_an_unknown_number_format_element_is_ora_01481(ora: Connection) -> None:
    assert error(ora, "SELECT TO_CHAR(5, '9X9') FROM dual") == (1481, "ORA-01481: invalid number format model")


def test_sysdate_has_seconds_and_systimestamp_more(ora: Connection) -> None:
    sysdate, systimestamp = rows(ora, "SELECT SYSDATE, SYSTIMESTAMP FROM dual")[0]
    assert isinstance(sysdate, datetime.datetime) and sysdate.microsecond == 0
    assert abs((systimestamp - sysdate).total_seconds()) < 2


# --- types --------------------------------------------------------------------------------------------------


def test_types_round_trip(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute(
        "CREATE TABLE kinds (n NUMBER, n5 NUMBER(5), p NUMBER(7,2), i INTEGER, v VARCHAR2(10), nv NVARCHAR2(10),"
        " c CHAR(3), d DATE, ts TIMESTAMP, cl CLOB, r RAW(4), f BINARY_DOUBLE)"
    )
    when = datetime.datetime(2024, 2, 3, 4, 5, 6)
    stamp = datetime.datetime(2024, 2, 3, 4, 5, 6, 123456)
    cursor.execute(
        "INSERT INTO kinds VALUES (:1, :2, :3, :4, :5, :6, :7, :8, :9, :10, :11, :12)",
        (Decimal("1.25"), 12345, Decimal("12345.67"), 7, "text", "ünï", "ab", when, stamp, "x" * 5000, b"\x01\x02",
         2.5),
    )
    row = rows(ora, "SELECT * FROM kinds")[0]
    assert row == (Decimal("1.25"), 12345, Decimal("12345.67"), 7, "text", "ünï", "ab ", when, stamp, "x" * 5000,
                   b"\x01\x02", 2.5)  # fmt: skip
    assert error(ora, "INSERT INTO kinds (v) VALUES ('elevenchars')")[0] == 12899
    assert error(ora, "INSERT INTO kinds (n5) VALUES (123456)")[0] == 1438
    assert error(ora, "CREATE TABLE bad (x TIMESTAMP WITH TIME ZONE)")[0] == 902


# --- binds --------------------------------------------------------------------------------------------------


def test_binds_by_name_and_position(ora: Connection) -> None:
    people(ora)
    assert rows(ora, "SELECT name FROM people WHERE id = :1", (3,)) == [("Carol",)]
    assert rows(ora, "SELECT name FROM people WHERE id = :id AND name = :Name", {"ID": 1, ":name": "Alice"}) == [
        ("Alice",)
    ]
    assert rows(ora, "SELECT :b, :a FROM dual", ("first", "second")) == [("first", "second")]
    assert value(ora, "SELECT NVL(:x, 'was null') FROM dual", {"x": ""}) == "was null"
    code, text = error(ora, "SELECT name FROM people WHERE id = :missing")
    assert (code, text) == (1008, "ORA-01008: not all variables bound")


# --- errors -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "code", "text"),
    [
        ("SELECT * FROM nowhere", 942, "ORA-00942: table or view does not exist"),
        ("SELECT nothing FROM people", 904, 'ORA-00904: "NOTHING": invalid identifier'),
        ("INSERT INTO people (id, name) VALUES (1, 'again')", 1, None),
        ("INSERT INTO people (id) VALUES (9)", 1400, 'ORA-01400: cannot insert NULL into ("SA"."PEOPLE"."NAME")'),
        ("SELECT 1/0 FROM dual", 1476, "ORA-01476: divisor is equal to zero"),
        ("SELECT TO_NUMBER('abc') FROM dual", 1722, "ORA-01722: invalid number"),
        ("SELECT 1 FROM dual;", 911, "ORA-00911: invalid character"),
        ("SELEC 1 FROM dual", 900, "ORA-00900: invalid SQL statement"),
        ("SELECT (1 FROM dual", 907, "ORA-00907: missing right parenthesis"),
        ("SELECT 1 + FROM dual", 936, "ORA-00936: missing expression"),
        ("SELECT 1 FROM dual x y", 933, "ORA-00933: SQL command not properly ended"),
        ("SELECT 'open FROM dual", 1756, "ORA-01756: quoted string not properly terminated"),
        ("SELECT q'[open FROM dual", 1756, "ORA-01756: quoted string not properly terminated"),
        ("MERGE INTO people USING dual ON (1 = 1) WHEN MATCHED THEN UPDATE SET pay = 1", 3001, None),
        ("CREATE VIEW v AS SELECT 1 FROM dual", 3001, "ORA-03001: unimplemented feature"),
        ("BEGIN NULL; END;", 3001, "ORA-03001: unimplemented feature"),
        ("CREATE OR REPLACE PROCEDURE p AS BEGIN NULL; END;", 3001, "ORA-03001: unimplemented feature"),
        ("SELECT 1 FROM dual; SELECT 2 FROM dual", 911, "ORA-00911: invalid character"),
        ("SET TRANSACTION READ ONLY", 3001, "ORA-03001: unimplemented feature"),
        ("SELECT * FROM people a, people b FOR UPDATE OF a.id", 3001, "ORA-03001: unimplemented feature"),
        ("SELECT * FROM people FOR UPDATE SKIP LOCKED", 3001, "ORA-03001: unimplemented feature"),
        ("DROP TABLE nowhere", 942, "ORA-00942: table or view does not exist"),
        ("CREATE TABLE people (x NUMBER)", 955, "ORA-00955: name is already used by an existing object"),
        ("CREATE TABLE twice (a NUMBER, a NUMBER)", 957, "ORA-00957: duplicate column name"),
        ("INSERT INTO people VALUES (9, 'x', NULL, 1, 2)", 913, "ORA-00913: too many values"),
        ("INSERT INTO people (id, name) VALUES (9)", 947, "ORA-00947: not enough values"),
        ("SELECT (SELECT id FROM people) FROM dual", 1427, "ORA-01427: single-row subquery returns more than one row"),
        ("SELECT name, COUNT(*) FROM people", 979, "ORA-00979: not a GROUP BY expression"),
        ("SELECT id FROM people a, people b", 918, "ORA-00918: column ambiguously defined"),
        ("SELECT TO_DATE('bad', 'YYYY-MM-DD') FROM dual", 1861, "ORA-01861: literal does not match format string"),
        ("SELECT 1 FROM dual WHERE 1 = 'x'", 1722, "ORA-01722: invalid number"),
    ],
)
def test_errors_have_oracle_numbers_and_texts(ora: Connection, sql: str, code: int, text: str | None) -> None:
    people(ora)
    got_code, got_text = error(ora, sql)
    assert got_code == code
    assert got_text.startswith(f"ORA-{code:05d}: ")
    if text is not None:
        assert got_text == text


def test_unique_violation_names_the_constraint(ora: Connection) -> None:
    people(ora)
    ora.cursor().execute("CREATE UNIQUE INDEX people_name ON people (name)")
    code, text = error(ora, "INSERT INTO people (id, name) VALUES (8, 'Alice')")
    assert (code, text) == (1, "ORA-00001: unique constraint (SA.PEOPLE_NAME) violated")


def test_commit_and_rollback_without_a_transaction_are_fine(ora: Connection) -> None:
    ora.cursor().execute("COMMIT")
    ora.cursor().execute("ROLLBACK")
    assert error(ora, "ROLLBACK TO SAVEPOINT nowhere")[0] == 1086


def test_seed_query_parses_and_names_serial(ora: Connection) -> None:
    """v$session is registered by the admin layer; without it the query is an ORA-00942, not a syntax error."""
    sql = "SELECT sid, serial#, status, server FROM v$session WHERE username = 'JWARD'"
    views = ora.instance.env.virtual_tables if ora.instance.env is not None else {}
    if "v$session" in views:
        cursor = ora.cursor()
        cursor.execute(sql)
        assert [d[0].upper() for d in cursor.description or []] == ["SID", "SERIAL#", "STATUS", "SERVER"]
    else:
        assert error(ora, sql)[0] == 942


def test_users_map_to_logins(ora: Connection) -> None:
    cursor = ora.cursor()
    cursor.execute("CREATE USER jward IDENTIFIED BY Secret1")
    cursor.execute("ALTER USER jward IDENTIFIED BY Other2")
    assert error(ora, "CREATE USER jward IDENTIFIED BY x")[0] == 1920
    cursor.execute("DROP USER jward")
    assert error(ora, "DROP USER jward") == (1918, "ORA-01918: user 'JWARD' does not exist")
    assert error(ora, "CREATE USER x IDENTIFIED EXTERNALLY")[0] == 922
    assert error(ora, "ALTER SYSTEM SWITCH LOGFILE")[0] == 2065
    assert error(ora, "GRANT SELECT ANY TABLE TO x")[0] == 990


# --- transactions (one session) -----------------------------------------------------------------------------


def test_a_write_opens_a_transaction_that_rollback_undoes() -> None:
    connection = quietus.connect(None, dialect="oracle")
    try:
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE t (id NUMBER PRIMARY KEY)")
        assert connection.session.txn is None  # DDL commits
        cursor.execute("INSERT INTO t VALUES (1)")
        assert connection.session.txn is not None
        cursor.execute("SAVEPOINT one")
        cursor.execute("INSERT INTO t VALUES (2)")
        cursor.execute("ROLLBACK TO SAVEPOINT one")
        assert rows(connection, "SELECT id FROM t") == [(1,)]
        connection.rollback()
        assert rows(connection, "SELECT id FROM t") == []
        cursor.execute("INSERT INTO t VALUES (3)")
        cursor.execute("CREATE TABLE u (x NUMBER)")  # DDL commits the insert
        connection.rollback()
        assert rows(connection, "SELECT id FROM t") == [(3,)]
        assert error(connection, "INSERT INTO t VALUES (3)")[0] == 1
        assert connection.session.txn is not None  # a failed statement leaves the transaction open
        connection.commit()
        cursor.execute("SET TRANSACTION READ WRITE")
        cursor.execute("INSERT INTO t VALUES (4)")
        assert error(connection, "SET TRANSACTION READ WRITE")[0] == 1453
    finally:
        connection.close()


# --- one engine, both dialects ------------------------------------------------------------------------------


def test_tables_are_shared_between_dialects(tmp_path: Path) -> None:
    data = tmp_path / "data"
    tsql = quietus.connect(data, autocommit=True)
    oracle = quietus.connect(data, dialect="oracle", autocommit=True)
    try:
        tsql.cursor().execute("CREATE TABLE from_tsql (id INT PRIMARY KEY, name NVARCHAR(20))")
        tsql.cursor().execute("INSERT INTO from_tsql VALUES (1, N'one')")
        assert rows(oracle, "SELECT ID, NAME FROM FROM_TSQL") == [(1, "one")]
        oracle.cursor().execute("CREATE TABLE from_oracle (id NUMBER(9) PRIMARY KEY, label VARCHAR2(10))")
        oracle.cursor().execute("INSERT INTO from_oracle VALUES (:1, :2)", (7, "seven"))
        cursor = tsql.cursor()
        cursor.execute("SELECT id, label FROM from_oracle")
        assert cursor.fetchall() == [(7, "seven")]
    finally:
        oracle.close()
        tsql.close()
