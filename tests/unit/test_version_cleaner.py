"""The cleaner's superseded versions: an update's or delete's commit hands the row to it, a new row's does not."""

from __future__ import annotations

import time

import quietus


def _chain_length(connection: quietus.Connection, table_name: str, key: int) -> int:
    table = connection.instance.master.table_by_name(table_name)
    assert table is not None
    version, length = table.rows.get(table.new_row_key((key, None))), 0
    while version is not None:
        version, length = version.prev, length + 1
    return length


def test_inserts_leave_the_cleaner_nothing_and_updates_are_cut_back_to_one_version() -> None:
    with quietus.connect(None, autocommit=True) as connection:
        connection.run("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        cleaner = connection.instance.master.cleaner
        removed = cleaner.superseded_removed
        for key in range(50):
            connection.execute("INSERT INTO t VALUES (%s, 0)", (key,))
        assert cleaner.superseded_pending == 0 and cleaner.superseded_removed == removed
        for _ in range(3):
            connection.execute("UPDATE t SET v = v + 1 WHERE id = %s", (7,))
        assert _chain_length(connection, "t", 7) == 4 or cleaner.superseded_removed > removed
        deadline = time.monotonic() + 10
        while _chain_length(connection, "t", 7) > 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _chain_length(connection, "t", 7) == 1
        assert cleaner.superseded_removed == removed + 3
        assert connection.run("SELECT v FROM t WHERE id = 7").result_sets[0].rows == [(3,)]
