"""Replay of one big transaction mixing every kind of change gives back exactly the committed state."""

from __future__ import annotations

from pathlib import Path

import quietus


def test_replay_of_mixed_changes_in_one_transaction(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with quietus.connect(data, autocommit=True) as connection:
        connection.run("CREATE TABLE t (id INT PRIMARY KEY, v NVARCHAR(10) UNIQUE)")
        connection.run("INSERT INTO t VALUES (0, N'zero'), (3, N'three')")
        connection.run("CREATE TABLE heap (x INT)")
        sink = connection.run(
            "BEGIN TRAN;"
            "INSERT INTO t VALUES (1, N'one'); UPDATE t SET v = N'uno' WHERE id = 1;"  # new row, then changed
            "INSERT INTO t VALUES (2, N'two'); DELETE FROM t WHERE id = 2;"  # new row, then gone
            "UPDATE t SET v = N'cero' WHERE id = 0; DELETE FROM t WHERE id = 3;"  # existing rows
            "UPDATE t SET id = 30 WHERE id = 1;"  # a moved key
            "CREATE TABLE later (k INT PRIMARY KEY); INSERT INTO later VALUES (5);"  # DDL in the middle
            "INSERT INTO heap VALUES (1), (1), (2); DELETE TOP (1) FROM heap WHERE x = 1;"
            "COMMIT"
        )
        assert not [m for m in sink.messages if m.is_error], sink.messages
        expected = {
            name: connection.run(f"SELECT * FROM {name} ORDER BY 1").result_sets[0].rows
            for name in ("t", "later", "heap")
        }
    with quietus.connect(data, autocommit=True) as connection:
        for name, rows in expected.items():
            assert connection.run(f"SELECT * FROM {name} ORDER BY 1").result_sets[0].rows == rows, name
        assert expected["t"] == [(0, "cero"), (30, "uno")]
        # the unique index was rebuilt by the bulk load: a duplicate is still refused
        duplicate = connection.run("INSERT INTO t VALUES (7, N'UNO')").messages
        assert [m.number for m in duplicate] == [2627]  # a UNIQUE constraint (not a unique index)
        connection.run("INSERT INTO heap VALUES (9)")  # a heap's next row id continues after the replayed ones
        assert len(connection.run("SELECT * FROM heap").result_sets[0].rows) == 3
