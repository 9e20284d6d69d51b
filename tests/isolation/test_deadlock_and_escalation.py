"""Deadlocks (1205, victim by DEADLOCK_PRIORITY then least work), lock escalation, rollback modes."""

from __future__ import annotations

from pathlib import Path

from tests.harness import create_table_t, scenario, wait_until_blocked


def test_deadlock_victim_gets_1205_and_its_transaction_is_rolled_back(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc, "(1, 10), (2, 20)")
        a, b = sc.session("a"), sc.session("b")
        a.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        b.run("BEGIN TRAN; UPDATE t SET v = 21 WHERE id = 2")
        a_step = a.start("UPDATE t SET v = 12 WHERE id = 2")
        wait_until_blocked(a_step)
        b_step = b.start("UPDATE t SET v = 22 WHERE id = 1; SELECT 'not reached'")
        # b closed the cycle, both have equal priority and work: the requester (b) is the victim
        assert b_step.error() == 1205
        message = next(m for m in b_step.result().messages if m.number == 1205)
        assert message.severity == 13
        assert message.text == (
            f"Transaction (Process ID {b.session_id}) was deadlocked on lock resources with another process "
            "and has been chosen as the deadlock victim. Rerun the transaction."
        )
        assert b_step.result().result_sets == []  # 1205 ends the batch
        assert b.value("SELECT @@TRANCOUNT") == 0
        a_step.result()
        a.run("COMMIT")
        assert a.rows("SELECT id, v FROM t ORDER BY id") == [(1, 11), (2, 12)]


def test_deadlock_priority_low_session_is_chosen_even_when_it_waited_first(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc, "(1, 10), (2, 20)")
        low, high = sc.session("low"), sc.session("high")
        low.run("SET DEADLOCK_PRIORITY LOW; BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        high.run("BEGIN TRAN; UPDATE t SET v = 21 WHERE id = 2")
        low_step = low.start("UPDATE t SET v = 12 WHERE id = 2")
        wait_until_blocked(low_step)
        high_step = high.start("UPDATE t SET v = 22 WHERE id = 1")
        assert low_step.error() == 1205
        high_step.result()
        high.run("COMMIT")
        assert high.rows("SELECT id, v FROM t ORDER BY id") == [(1, 22), (2, 21)]


def test_deadlock_victim_is_the_one_with_less_work(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc, "(1, 10), (2, 20)")
        admin = sc.session("more")
        admin.run("CREATE TABLE big (id INT PRIMARY KEY)")
        busy, idle = admin, sc.session("less")
        busy.run(
            "BEGIN TRAN; INSERT INTO big SELECT id FROM t; INSERT INTO big VALUES (3), (4), (5); "
            "UPDATE t SET v = 11 WHERE id = 1"
        )
        idle.run("BEGIN TRAN; UPDATE t SET v = 21 WHERE id = 2")
        idle_step = idle.start("UPDATE t SET v = 22 WHERE id = 1")
        wait_until_blocked(idle_step)
        busy_step = busy.start("UPDATE t SET v = 12 WHERE id = 2")
        assert idle_step.error() == 1205  # less work to lose, though busy closed the cycle
        busy_step.result()
        busy.run("COMMIT")


def test_lock_escalation_to_table_lock_at_5000_keys(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc, "(1, 10), (2, 20)")
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("CREATE TABLE many (id INT PRIMARY KEY)")
        writer.run(
            "DECLARE @i INT = 0; BEGIN TRAN; WHILE @i < 6000 BEGIN INSERT INTO many VALUES (@i); SET @i += 1 END"
        )
        locks = writer.connection.instance.master.locks
        assert locks.escalations >= 1
        # the escalated X table lock blocks a reader of a row the writer never touched
        read = reader.start("SELECT COUNT(*) FROM many WITH (READCOMMITTEDLOCK)")
        assert wait_until_blocked(read) == "LCK_M_IS"
        writer.run("ROLLBACK")
        assert read.rows() == [(0,)]


def test_classic_rollback_keeps_locks_until_undone_and_restores_every_row(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc, "(1, 10), (2, 20)")
        a = sc.session("a")
        a.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
        a.run(
            "BEGIN TRAN; UPDATE t SET v = v * 100; DELETE FROM t WHERE id = 2; INSERT INTO t VALUES (3, 30)"
        )
        a.run("ROLLBACK")
        assert a.rows("SELECT id, v FROM t ORDER BY id") == [(1, 10), (2, 20)]


def test_accelerated_abort_releases_locks_at_once_and_cleaner_removes_versions(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc, "(1, 10), (2, 20)")
        a, b = sc.session("a"), sc.session("b")
        a.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = ON")
        a.run("BEGIN TRAN; UPDATE t SET v = v * 100")
        waiter = b.start("UPDATE t SET v = v + 1 WHERE id = 1")
        wait_until_blocked(waiter)
        a.run("ROLLBACK")
        waiter.result()
        assert b.rows("SELECT id, v FROM t ORDER BY id") == [(1, 11), (2, 20)]
        database = a.connection.instance.master
        stats = database.cleaner

        async def backlog() -> int:
            return stats.aborted_versions_pending

        import time

        deadline = time.monotonic() + 10
        while a.connection._engine.thread.call(backlog()) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stats.aborted_versions_pending == 0
        assert stats.aborted_versions_removed == 2
