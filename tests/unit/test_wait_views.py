"""sys.dm_os_wait_stats and sys.dm_exec_session_wait_stats count the waits sessions really made."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import quietus
from quietus.dbapi import Connection


def rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    sink = conn.run(sql)
    assert not [m for m in sink.messages if m.is_error], sink.messages
    return sink.result_sets[-1].rows


def waits(conn: Connection, view: str, wait_type: str, where: str = "") -> tuple[int, int, int, int]:
    found = rows(
        conn,
        f"SELECT waiting_tasks_count, wait_time_ms, max_wait_time_ms, signal_wait_time_ms FROM {view} "
        f"WHERE wait_type = '{wait_type}' {where}",
    )
    return found[0] if found else (0, 0, 0, 0)


def test_a_waitfor_is_counted_for_the_server_and_for_its_session_only() -> None:
    with quietus.connect(None, autocommit=True) as conn:
        own = f"AND session_id = {conn.session_id}"
        before = waits(conn, "sys.dm_os_wait_stats", "WAITFOR")
        assert waits(conn, "sys.dm_exec_session_wait_stats", "WAITFOR", own) == (0, 0, 0, 0)
        conn.run("WAITFOR DELAY '00:00:00.200'")
        count, total, longest, signal = waits(conn, "sys.dm_os_wait_stats", "WAITFOR")
        assert count == before[0] + 1 and total - before[1] >= 190 and longest >= 190
        count, total, longest, signal = waits(conn, "sys.dm_exec_session_wait_stats", "WAITFOR", own)
        assert (count, total >= 190, longest == total, signal <= total) == (1, True, True, True)


def test_a_lock_wait_is_counted_under_its_lock_mode(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with quietus.connect(data, autocommit=True) as holder, quietus.connect(data, autocommit=True) as waiter:
        holder.run("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT t VALUES (1, 1)")
        holder.run("BEGIN TRAN; UPDATE t SET v = 2 WHERE id = 1")
        blocked = threading.Thread(target=lambda: waiter.run("UPDATE t SET v = 3 WHERE id = 1"))
        blocked.start()
        query = f"SELECT 1 FROM sys.dm_exec_requests WHERE session_id = {waiter.session_id} AND wait_type LIKE 'LCK%'"
        while not rows(holder, query):
            pass
        holder.run("COMMIT")
        blocked.join()
        mine = f"AND session_id = {waiter.session_id}"
        assert waits(holder, "sys.dm_exec_session_wait_stats", "LCK_M_U", mine)[0] == 1
        theirs = f"AND session_id = {holder.session_id}"
        assert waits(holder, "sys.dm_exec_session_wait_stats", "LCK_M_U", theirs)[0] == 0


def test_a_long_scan_gives_its_slices_back_as_scheduler_yields() -> None:
    with quietus.connect(None, autocommit=True) as conn:
        conn.run("CREATE TABLE d (n INT PRIMARY KEY); INSERT d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        conn.run("SELECT COUNT(*) FROM d a CROSS JOIN d b CROSS JOIN d c CROSS JOIN d e CROSS JOIN d f")
        own = f"AND session_id = {conn.session_id}"
        count, total, _, signal = waits(conn, "sys.dm_exec_session_wait_stats", "SOS_SCHEDULER_YIELD", own)
        assert count > 0 and signal == total  # a slice given back waits only to be run again
