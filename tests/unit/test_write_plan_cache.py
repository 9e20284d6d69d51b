"""An UPDATE's or DELETE's compiled form (``dml.WritePlan``) is cached like a SELECT's plan: a parameterised point
write run again is not planned again, and every change its plan depends on -- a column added or dropped, the table
made again with another key, a CHECK, a computed column, a unique index, a foreign key, a view it reads through,
``#`` tables and table variables, the parameters' types -- gives it a new plan (or the change's own error), never
the old one's answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection, DatabaseError
from quietus.sql import dml
from quietus.sql.environment import PlanCache
from tests.embedded import WritePlanCount, errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    yield connection
    connection.close()


def cache_of(conn: Connection) -> PlanCache:
    env = conn.instance.env
    assert env is not None
    return env.plan_cache


def write_plans(conn: Connection) -> list[dml.WritePlan]:
    return [plan for _statement, plan in cache_of(conn)._entries.values() if isinstance(plan, dml.WritePlan)]


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> WritePlanCount:
    return WritePlanCount(monkeypatch)


def update(conn: Connection, text: str, *values: Any) -> int:
    cursor = conn.cursor()
    cursor.execute(text, values)
    return cursor.rowcount


def test_a_point_update_and_delete_are_planned_once(conn: Connection, planned: WritePlanCount) -> None:
    conn.run("CREATE TABLE kv (id INT PRIMARY KEY, v INT)")
    conn.run("INSERT INTO kv VALUES " + ", ".join(f"({n}, {n})" for n in range(10)))
    cache = cache_of(conn)
    assert update(conn, "UPDATE kv SET v = v + %s WHERE id = %s", 100, 0) == 1
    assert planned.taken() == 1
    misses, hits = cache.misses, cache.hits
    for n in range(1, 10):
        assert update(conn, "UPDATE kv SET v = v + %s WHERE id = %s", 100, n) == 1
    assert update(conn, "UPDATE kv SET v = v + %s WHERE id = %s", 100, 42) == 0  # no such key: nothing written
    assert planned.taken() == 0
    assert cache.misses == misses and cache.hits == hits + 10
    assert rows(conn, "SELECT SUM(v) FROM kv") == [(45 + 1000,)]
    for n in range(5):
        assert update(conn, "DELETE FROM kv WHERE id = %s", n) == 1
    assert planned.taken() == 1
    assert rows(conn, "SELECT id FROM kv ORDER BY id") == [(5,), (6,), (7,), (8,), (9,)]
    kinds = {type(plan.plan).__name__ for plan in write_plans(conn)}
    assert kinds == {"TableScan"} and all(plan.plan.seek is not None for plan in write_plans(conn))  # type: ignore[attr-defined]


def test_a_column_added_or_dropped_gives_a_new_plan(conn: Connection, planned: WritePlanCount) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, a INT, v INT)")
    conn.run("INSERT INTO t VALUES (1, 10, 100), (2, 20, 200)")
    text = "UPDATE t SET v = %s WHERE id = %s"
    assert update(conn, text, 101, 1) == 1
    conn.run("ALTER TABLE t DROP COLUMN a")  # v moves to position 1: the old plan would write 102 into it wrongly
    assert update(conn, text, 102, 1) == 1
    assert rows(conn, "SELECT id, v FROM t ORDER BY id") == [(1, 102), (2, 200)]
    conn.run("ALTER TABLE t ADD w INT NULL")
    assert update(conn, text, 103, 2) == 1
    assert update(conn, "UPDATE t SET w = %s WHERE id = %s", 7, 2) == 1
    assert rows(conn, "SELECT * FROM t ORDER BY id") == [(1, 102, None), (2, 103, 7)]
    assert planned.taken() == 4


def test_the_table_made_again_with_another_key(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, k INT, v INT)")
    conn.run("INSERT INTO t VALUES (1, 2, 0), (2, 1, 0)")
    text = "UPDATE t SET v = %s WHERE id = %s"
    assert update(conn, text, 5, 1) == 1
    conn.run("DROP TABLE t; CREATE TABLE t (id INT, k INT PRIMARY KEY, v INT)")
    conn.run("INSERT INTO t VALUES (1, 2, 0), (2, 1, 0)")
    # the old plan sought key 1 of the old table; now id is no key: the row with id 1 is the one with k = 2
    assert update(conn, text, 9, 1) == 1
    assert rows(conn, "SELECT id, k, v FROM t ORDER BY id") == [(1, 2, 9), (2, 1, 0)]
    assert update(conn, "DELETE FROM t WHERE id = %s", 2) == 1
    conn.run("DROP TABLE t; CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    assert update(conn, "DELETE FROM t WHERE id = %s", 1) == 0
    conn.run("DROP TABLE t")
    with pytest.raises(DatabaseError, match="Invalid object name 't'"):
        update(conn, text, 1, 1)


def test_a_check_constraint_unique_index_and_computed_column_added_later(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    conn.run("INSERT INTO t VALUES (1, 1), (2, 2)")
    text = "UPDATE t SET v = %s WHERE id = %s"
    assert update(conn, text, 500, 1) == 1
    conn.run("UPDATE t SET v = 1 WHERE id = 1; ALTER TABLE t ADD CONSTRAINT small CHECK (v < 100)")
    with pytest.raises(DatabaseError, match='CHECK constraint "small"'):
        update(conn, text, 500, 1)
    conn.run("CREATE UNIQUE INDEX ux ON t (v)")
    with pytest.raises(DatabaseError) as raised:
        update(conn, text, 2, 1)
    assert raised.value.number == 2601
    conn.run("ALTER TABLE t ADD twice AS v * 2")
    assert update(conn, text, 50, 1) == 1
    assert rows(conn, "SELECT v, twice FROM t WHERE id = 1") == [(50, 100)]
    assert errors(conn, "UPDATE t SET twice = 3 WHERE id = 1")[0][0] == 271


def test_a_foreign_key_made_later_guards_the_cached_delete(conn: Connection) -> None:
    conn.run("CREATE TABLE parent (id INT PRIMARY KEY)")
    conn.run("INSERT INTO parent VALUES (1), (2), (3)")
    text = "DELETE FROM parent WHERE id = %s"
    assert update(conn, text, 1) == 1
    conn.run("CREATE TABLE child (id INT PRIMARY KEY, parent_id INT REFERENCES parent (id))")
    conn.run("INSERT INTO child VALUES (10, 2)")
    with pytest.raises(DatabaseError, match="REFERENCE constraint"):
        update(conn, text, 2)
    assert update(conn, "UPDATE parent SET id = %s WHERE id = %s", 30, 3) == 1  # referenced by no child row
    with pytest.raises(DatabaseError, match="REFERENCE constraint"):
        update(conn, "UPDATE parent SET id = %s WHERE id = %s", 20, 2)
    assert rows(conn, "SELECT id FROM parent ORDER BY id") == [(2,), (30,)]


def test_a_view_read_in_from_and_a_view_written_through(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, grp INT, v INT)")
    conn.run("INSERT INTO t VALUES (1, 1, 0), (2, 2, 0)")
    conn.run("CREATE VIEW chosen AS SELECT id FROM t WHERE grp = 1")
    text = "UPDATE t SET v = %s FROM t JOIN chosen c ON c.id = t.id WHERE t.id = %s"
    assert update(conn, text, 7, 1) == 1
    assert update(conn, text, 7, 2) == 0
    conn.run("ALTER VIEW chosen AS SELECT id FROM t WHERE grp = 2")  # no catalog version: the plan's module check
    assert update(conn, text, 8, 1) == 0
    assert update(conn, text, 8, 2) == 1
    conn.run("CREATE VIEW ones AS SELECT id, v FROM t WHERE grp = 1 WITH CHECK OPTION")
    through = "UPDATE ones SET v = %s WHERE id = %s"
    assert update(conn, through, 9, 1) == 1
    assert update(conn, through, 9, 2) == 0
    conn.run("ALTER VIEW ones AS SELECT id, v FROM t WHERE grp = 2 WITH CHECK OPTION")
    assert update(conn, through, 10, 1) == 0
    assert update(conn, through, 10, 2) == 1
    assert rows(conn, "SELECT id, v FROM t ORDER BY id") == [(1, 9), (2, 10)]
    assert not any(plan.table.name == "ones" for plan in write_plans(conn))


def test_parameters_of_other_types_and_values(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, name NVARCHAR(10), amount DECIMAL(6,2))")
    conn.run("INSERT INTO t VALUES (1, N'a', 1), (2, N'b', 2)")
    text = "UPDATE t SET name = %s, amount = %s WHERE id = %s"
    assert update(conn, text, "x", 1.5, 1) == 1
    assert update(conn, text, 12, "2.25", "2") == 1  # other types: converted as a fresh plan converts them
    assert update(conn, text, None, None, None) == 0  # id = NULL is never true
    with pytest.raises(DatabaseError) as raised:
        update(conn, text, "y", "not a number", 1)
    assert raised.value.number == 8114
    assert rows(conn, "SELECT id, name, amount FROM t ORDER BY id") == [(1, "x", 1.5), (2, "12", 2.25)]
    assert len(write_plans(conn)) == 4  # one plan per set of parameter types


def test_temporary_tables_and_table_variables_of_each_session(conn: Connection) -> None:
    other = quietus.connect(None, autocommit=True)
    try:
        text = "UPDATE #t SET v = v + 1 WHERE id = 1; SELECT * FROM #t"
        conn.run("CREATE TABLE #t (id INT PRIMARY KEY, v INT); INSERT INTO #t VALUES (1, 10)")
        assert rows(conn, text) == [(1, 11)]
        conn.run("DROP TABLE #t; CREATE TABLE #t (x INT, id INT PRIMARY KEY, v INT); INSERT INTO #t VALUES (5, 1, 20)")
        assert rows(conn, text) == [(5, 1, 21)]
        batch = "DECLARE @t TABLE (id INT PRIMARY KEY, v INT); INSERT @t VALUES (1, 1), (2, 2); " \
                "UPDATE @t SET v = v * 10 WHERE id = 2; DELETE FROM @t WHERE id = 1; SELECT * FROM @t"  # fmt: skip
        for _ in range(3):
            assert rows(conn, batch) == [(2, 20)]
    finally:
        other.close()


def test_two_sessions_of_one_instance_each_update_their_own_temporary_table(tmp_path: Any) -> None:
    first = quietus.connect(tmp_path / "data", autocommit=True)
    second = quietus.connect(tmp_path / "data", autocommit=True)
    try:
        first.run("CREATE TABLE #t (id INT PRIMARY KEY, v INT); INSERT INTO #t VALUES (1, 10)")
        second.run("CREATE TABLE #t (v INT, id INT PRIMARY KEY); INSERT INTO #t VALUES (20, 1)")
        text = "UPDATE #t SET v = v + %s WHERE id = %s"
        for _ in range(2):
            assert update(first, text, 1, 1) == 1
            assert update(second, text, 2, 1) == 1
        assert rows(first, "SELECT id, v FROM #t") == [(1, 12)]
        assert rows(second, "SELECT id, v FROM #t") == [(1, 24)]
    finally:
        first.close()
        second.close()


def test_rowcount_top_output_and_set_rowcount_through_the_cache(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    conn.run("INSERT INTO t VALUES " + ", ".join(f"({n}, 0)" for n in range(1, 11)))
    text = "UPDATE TOP (@n) t SET v = v + 1 OUTPUT inserted.id WHERE id > @low; SELECT @@ROWCOUNT"
    for n, low, expected in ((2, 0, 2), (3, 5, 3), (20, 8, 2)):
        sink = conn.run(text, {"@n": n, "@low": low})
        assert not [m for m in sink.messages if m.is_error]
        assert len(sink.result_sets[0].rows) == expected
        assert sink.result_sets[1].rows == [(expected,)]
    sink = conn.run("SET ROWCOUNT 1; " + text + "; SET ROWCOUNT 0", {"@n": 5, "@low": 0})
    assert len(sink.result_sets[0].rows) == 1
    assert rows(conn, "SELECT SUM(v) FROM t") == [(8,)]
    delete = "DELETE t OUTPUT deleted.id, deleted.v WHERE id = @id"
    for key in (1, 2):
        assert conn.run(delete, {"@id": key}).result_sets[0].rows == [(key, 2 if key == 1 else 1)]


def test_an_isolation_level_has_a_plan_of_its_own(conn: Connection) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
    conn.run("INSERT INTO t VALUES (1, 0)")
    text = "UPDATE t SET v = v + 1 WHERE id = @p"
    before = len(write_plans(conn))
    for level in ("READ COMMITTED", "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED"):
        conn.run(f"SET TRANSACTION ISOLATION LEVEL {level}")
        assert conn.run(text, {"@p": 1}).events
    assert len(write_plans(conn)) == before + 3
    assert rows(conn, "SELECT v FROM t") == [(4,)]


def test_oracle_sessions_share_the_path(conn: Connection) -> None:
    oracle = quietus.connect(None, autocommit=True, dialect="oracle")
    try:
        cursor = oracle.cursor()
        cursor.execute("CREATE TABLE t (id NUMBER(9) PRIMARY KEY, v NUMBER(9))")
        cursor.execute("INSERT INTO t VALUES (1, 1)")
        cursor.execute("INSERT INTO t VALUES (2, 2)")
        for _ in range(2):
            cursor.execute("UPDATE t SET v = v + :1 WHERE id = :2", (10, 1))
            assert cursor.rowcount == 1
        cursor.execute("ALTER TABLE t ADD (w NUMBER(9))")
        cursor.execute("UPDATE t SET v = v + :1 WHERE id = :2", (10, 1))
        cursor.execute("DELETE FROM t WHERE id = :1", (2,))
        assert cursor.rowcount == 1
        cursor.execute("SELECT id, v, w FROM t")
        assert [tuple(int(x) if x is not None else None for x in row) for row in cursor.fetchall()] == [(1, 31, None)]
        assert len([p for p in write_plans(oracle) if p.table.name.casefold() == "t"]) >= 2
    finally:
        oracle.close()


def test_a_procedures_update_is_planned_once_and_again_after_alter(conn: Connection, planned: WritePlanCount) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 0), (2, 0)")
    conn.run("CREATE PROCEDURE bump @id INT AS UPDATE t SET v = v + 1 WHERE id = @id")
    for key in (1, 2, 1):
        assert rows(conn, f"EXEC bump @id = {key}") == []
    assert planned.taken() == 1
    conn.run("ALTER PROCEDURE bump @id INT AS UPDATE t SET v = v + 10 WHERE id = @id")
    conn.run("EXEC bump @id = 2")
    assert planned.taken() == 1
    assert rows(conn, "SELECT id, v FROM t ORDER BY id") == [(1, 2), (2, 11)]


def test_compile_errors_come_in_their_old_order_and_are_never_cached(conn: Connection, planned: WritePlanCount) -> None:
    conn.run("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1)")
    for _ in range(2):
        assert errors(conn, "UPDATE t SET v = 2 OUTPUT inserted.nope WHERE nope2 = 1")[0][1].endswith("'nope'.")
        assert errors(conn, "UPDATE t SET nope3 = 2 WHERE id = 1")[0][0] == 207
    assert planned.taken() == 4  # a plan that failed is not kept: planned (and refused) again
    conn.run("ALTER TABLE t ADD nope3 INT NULL")
    assert errors(conn, "UPDATE t SET nope3 = 2 WHERE id = 1") == []
    assert rows(conn, "SELECT id, v, nope3 FROM t") == [(1, 1, 2)]
