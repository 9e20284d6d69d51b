"""No Oracle text, however wrong, gets anything but an ORA error: never a traceback."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

import quietus
from quietus.dbapi import DatabaseError
from quietus.errors import ORACLE, SqlError
from quietus.sql.oracle import parse_statement

# fmt: off
_PIECES = [
    "SELECT", "FROM", "WHERE", "dual", "t", "a", "1", "'x'", "(", ")", ",", "=", "<", "+", "-", "*", "/", "||",
    "NUMBER(1.5)", "NUMBER(*,2)", "VARCHAR2", "CREATE", "TABLE", "INSERT", "INTO", "VALUES", "UPDATE", "SET",
    "DELETE", "ROWNUM", "<=", "FOR", "NOWAIT", "WAIT", "ORDER", "BY", "FETCH", "FIRST", "ROWS", "ONLY", "DECODE",
    "NVL", "SUBSTR", "TRUNC", ":1", ":b", "ALTER", "SYSTEM", "KILL", "SESSION", "GRANT", "TO", "REVOKE", "USER",
    "IDENTIFIED", "SAVEPOINT", "ROLLBACK", "COMMIT", "NULL", "''", "AND", "OR", "NOT", "IN", "BETWEEN", "LIKE",
    "ESCAPE", "CASE", "WHEN", "THEN", "ELSE", "END", "OVER", "GROUP", "HAVING", "DISTINCT", "UNION", "WITH", "AS",
    "JOIN", "ON", "LEFT", "DATE", "TIMESTAMP", "SKIP", "LOCKED", "OF", '"q"', "@", "#", "$", ";", "'",
]
_STARTS = [
    "", "SELECT ", "INSERT INTO t ", "UPDATE t SET ", "CREATE TABLE t (", "DELETE FROM t ", "SELECT a FROM t WHERE ",
]
# fmt: on


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_STARTS), st.lists(st.sampled_from(_PIECES), max_size=12))
def test_any_text_parses_or_raises_a_catalogued_ora_error(start: str, pieces: list[str]) -> None:
    try:
        parse_statement(start + " ".join(pieces))
    except SqlError as error:
        code = f"ORA-{error.number:05d}"
        assert code in ORACLE and error.message.startswith(code + ": ")


_EXPRESSIONS = [
    "a", "b", "d", "1", "'x'", "''", "NULL", ":1", "sysdate", "a+1", "b||'y'", "d+1", "d-d", "5/2", "nvl(b,'z')",
    "decode(a,1,'o')", "substr(b,1)", "instr(b,'x')", "length(b)", "trunc(d)", "trunc(a)", "round(a,1)",
    "to_char(d)", "to_char(a)", "to_number('1')", "upper(b)", "lpad(b,3)", "greatest(a,2)", "(select a from t)",
    "count(*)", "max(b)", "systimestamp", "add_months(d,1)", "mod(a,2)", "user", "rownum", "a in (1,2)",
    "case when a=1 then b end", "cast(a as varchar2(5))", "cast(b as number)", "b like 'x%'", "a between 1 and 2",
]  # fmt: skip
_PREDICATES = [
    "a = 1", "b = 'x'", "rownum <= 1", "a in (select a from t)", "exists (select 1 from dual)", "b like :1",
    "d < sysdate", "a = :1", "nvl(b,'q') = 'q'", "a > 'x'", "rownum < :1",
]  # fmt: skip
_TAILS = ["", " order by 1", " group by a", " fetch first 1 rows only", " for update", " for update nowait"]


def test_generated_statements_run_or_fail_with_an_ora_error() -> None:
    generator = random.Random(3)
    connection = quietus.connect(None, dialect="oracle")
    cursor = connection.cursor()
    cursor.execute("create table t (a number primary key, b varchar2(10), d date)")
    cursor.execute("insert into t values (1, 'x', sysdate)")
    connection.commit()
    try:
        for _ in range(600):
            columns = ", ".join(generator.choice(_EXPRESSIONS) for _ in range(generator.randint(1, 3)))
            sql = f"select {columns} from {generator.choice(['t', 'dual', 't x'])}"
            if generator.random() < 0.6:
                sql += " where " + generator.choice(_PREDICATES)
            sql += generator.choice(_TAILS)
            if generator.random() < 0.2:
                value = generator.choice(_EXPRESSIONS)
                sql = generator.choice(
                    [f"update t set b = {value} where a = 1", f"insert into t values ({value}, {value}, {value})"]
                )
            try:
                cursor.execute(sql, generator.choice([None, (1,), ("",)]))
            except DatabaseError as error:
                assert str(error).startswith(f"ORA-{error.number:05d}: "), (sql, error)
            connection.rollback()
    finally:
        connection.close()
