"""sys.dm_exec_kill_history survives a restart of the embedded instance: kept in master, bounded, oldest out.

A restart is the last connection closing and a new one opening on the same data directory (the engine stops and
recovers from its log).  The server's restart is in tests/clients/test_kill_history_clients.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import quietus
from quietus.admin import kill as kill_module
from quietus.admin.kill import KillOutcome
from quietus.admin.kill_store import record_of, row_of
from quietus.dbapi import Connection

HISTORY = "SELECT kill_id, victim_program_name, killer_login_name, command, rows_to_undo, outcome FROM " \
          "sys.dm_exec_kill_history ORDER BY kill_id"  # fmt: skip


def rows(conn: Connection, sql: str) -> list[tuple[object, ...]]:
    sets = conn.run(sql).result_sets
    return sets[-1].rows if sets else []


def gone(conn: Connection, session_id: int) -> None:
    # the kill's outcome is recorded when the victim's session is closed: wait on engine state, not on time
    for _ in range(2000):
        if not rows(conn, f"SELECT 1 FROM sys.dm_exec_sessions WHERE session_id = {session_id}"):
            return
        conn.run("WAITFOR DELAY '00:00:00.005'")
    raise AssertionError(f"session {session_id} did not end")


def kill(dba: Connection, victim: Connection) -> None:
    dba.run(f"KILL {victim.session_id}")
    gone(dba, victim.session_id)


def test_the_kill_history_survives_a_restart_and_ids_continue(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with quietus.connect(data, autocommit=True, program_name="dba") as dba:
        dba.run("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1, 1), (2, 2)")
        victim = quietus.connect(data, autocommit=True, program_name="victim")
        victim.run("BEGIN TRAN; UPDATE t SET v = 0")
        kill(dba, victim)
        before = rows(dba, HISTORY)
    assert before == [(1, "victim", "sa", f"KILL {victim.session_id}", 2, "rolled back")]
    with quietus.connect(data, autocommit=True, program_name="dba") as dba:
        assert rows(dba, HISTORY) == before  # the restart kept who killed whom
        assert rows(dba, "SELECT SUM(v) FROM t") == [(3,)]
        dba.run("CHECKPOINT")  # the history table in a checkpoint, then a change after it in the log
        second = quietus.connect(data, autocommit=True, program_name="second")
        kill(dba, second)
    with quietus.connect(data, autocommit=True) as dba:
        assert [row[:2] for row in rows(dba, HISTORY)] == [(1, "victim"), (2, "second")]
        assert rows(dba, "SELECT COUNT(*) FROM sys.tables WHERE name LIKE '%kill%'") == [(0,)]  # hidden


def test_the_stored_history_is_bounded_and_the_oldest_go_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kill_module, "HISTORY_LIMIT", 3)
    data = tmp_path / "data"
    with quietus.connect(data, autocommit=True, program_name="dba") as dba:
        for number in range(5):
            kill(dba, quietus.connect(data, autocommit=True, program_name=f"victim{number}"))
        assert [row[:2] for row in rows(dba, HISTORY)] == [(3, "victim2"), (4, "victim3"), (5, "victim4")]
    with quietus.connect(data, autocommit=True) as dba:
        assert [row[:2] for row in rows(dba, HISTORY)] == [(3, "victim2"), (4, "victim3"), (5, "victim4")]
        kill(dba, quietus.connect(data, autocommit=True, program_name="victim5"))
    with quietus.connect(data, autocommit=True) as dba:
        assert [row[0] for row in rows(dba, HISTORY)] == [4, 5, 6]


def test_a_kill_still_pending_when_the_server_died_reads_ended_by_restart(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as dba:
        victim = quietus.connect(tmp_path / "data", autocommit=True)
        victim.run("BEGIN TRAN; SELECT 1")
        history = dba.instance.env.services["kills"]
        dba.run(f"KILL {victim.session_id}")
        (record,) = list(history)
    stored = list(row_of(record))
    stored[18] = KillOutcome.PENDING.value  # as a crash before the victim's end was written leaves it
    assert record_of(tuple(stored)).outcome is KillOutcome.ENDED_BY_RESTART
    assert record_of(row_of(record)) == record


def test_the_estimators_measured_error_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    estimates = (
        "SELECT kill_id, rows_undone, predicted_rollback_ms, actual_rollback_ms, actual_left_ms_25, "
        "actual_left_ms_50, actual_left_ms_75 FROM sys.dm_exec_rollback_estimates"
    )
    with quietus.connect(data, autocommit=True, program_name="dba") as dba:
        dba.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
        dba.run("CREATE TABLE d (n INT PRIMARY KEY); INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        dba.run("CREATE TABLE big (id INT PRIMARY KEY, v INT)")
        dba.run("INSERT INTO big SELECT a.n + 10 * b.n + 100 * c.n + 1000 * e.n, 0 FROM d a, d b, d c, d e")
        victim = quietus.connect(data, autocommit=True, program_name="victim")
        victim.run("BEGIN TRAN; UPDATE big SET v = 1")
        kill(dba, victim)
        before = rows(dba, estimates)
    ((kill_id, undone, predicted, actual, left_25, left_50, left_75),) = before
    assert (kill_id, undone) == (1, 10000) and predicted is not None and actual is not None
    assert left_25 >= left_50 >= left_75 >= 0
    with quietus.connect(data, autocommit=True) as dba:
        assert rows(dba, estimates) == before
