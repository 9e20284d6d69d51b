"""Sessions blocking each other as in SQL Server, one isolation level or hint at a time.

Each test reads like an isolation spec: sessions, steps in order, what blocks, what each sees.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import create_table_t, scenario, wait_until_blocked


def test_reader_waits_for_uncommitted_writer_then_sees_commit(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        read = reader.start("SELECT v FROM t WHERE id = 1")
        assert wait_until_blocked(read) == "LCK_M_S"
        writer.run("COMMIT")
        assert read.rows() == [(11,)]


def test_reader_sees_old_value_after_writer_rolls_back(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        read = reader.start("SELECT v FROM t WHERE id = 1")
        wait_until_blocked(read)
        writer.run("ROLLBACK")
        assert read.rows() == [(10,)]


def test_other_rows_are_not_blocked_by_a_row_lock(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        assert reader.rows("SELECT v FROM t WHERE id = 2") == [(20,)]
        writer.run("ROLLBACK")


@pytest.mark.parametrize(
    "statement",
    [
        "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; SELECT v FROM t WHERE id = 1",
        "SELECT v FROM t WITH (NOLOCK) WHERE id = 1",
    ],
)
def test_read_uncommitted_sees_dirty_data_without_waiting(tmp_path: Path, statement: str) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        assert reader.rows(statement) == [(11,)]
        writer.run("ROLLBACK")
        assert reader.rows(statement) == [(10,)]


def test_read_committed_snapshot_reads_last_committed_without_waiting(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        admin = sc.session("admin")
        admin.run("ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON")
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        assert reader.rows("SELECT v FROM t WHERE id = 1") == [(10,)]
        writer.run("COMMIT")
        assert reader.rows("SELECT v FROM t WHERE id = 1") == [(11,)]


def test_snapshot_isolation_reads_are_repeatable_and_update_conflicts_fail(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        snap, writer = sc.session("snap"), sc.session("writer")
        snap.run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRAN")
        assert snap.rows("SELECT v FROM t WHERE id = 1") == [(10,)]
        writer.run("UPDATE t SET v = 12 WHERE id = 1")
        assert snap.rows("SELECT v FROM t WHERE id = 1") == [(10,)]
        conflict = snap.start("UPDATE t SET v = 13 WHERE id = 1")
        assert conflict.error() == 3960
        snap.run("IF @@TRANCOUNT > 0 ROLLBACK")
        assert writer.rows("SELECT v FROM t WHERE id = 1") == [(12,)]


def test_repeatable_read_holds_shared_locks_until_commit(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        reader, writer = sc.session("reader"), sc.session("writer")
        reader.run("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; BEGIN TRAN")
        assert reader.rows("SELECT v FROM t WHERE id = 1") == [(10,)]
        update = writer.start("UPDATE t SET v = 11 WHERE id = 1")
        assert wait_until_blocked(update) in ("LCK_M_U", "LCK_M_X")
        reader.run("COMMIT")
        update.result()
        assert reader.rows("SELECT v FROM t WHERE id = 1") == [(11,)]


def test_read_committed_releases_shared_locks_after_each_row(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        reader, writer = sc.session("reader"), sc.session("writer")
        reader.run("BEGIN TRAN")
        assert reader.rows("SELECT v FROM t WHERE id = 1") == [(10,)]
        writer.run("UPDATE t SET v = 11 WHERE id = 1")  # does not wait
        assert reader.rows("SELECT v FROM t WHERE id = 1") == [(11,)]
        reader.run("COMMIT")


def test_serializable_blocks_inserts_into_what_it_read(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        reader, writer = sc.session("reader"), sc.session("writer")
        reader.run("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; BEGIN TRAN")
        assert reader.value("SELECT COUNT(*) FROM t WHERE v > 15") == 2
        insert = writer.start("INSERT INTO t VALUES (4, 40)")
        wait_until_blocked(insert)
        assert reader.value("SELECT COUNT(*) FROM t WHERE v > 15") == 2
        reader.run("COMMIT")
        insert.result()
        assert reader.value("SELECT COUNT(*) FROM t WHERE v > 15") == 3


def test_updlock_makes_a_second_reader_with_updlock_wait(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        first, second, plain = sc.session("first"), sc.session("second"), sc.session("plain")
        first.run("BEGIN TRAN; SELECT v FROM t WITH (UPDLOCK) WHERE id = 1")
        assert plain.rows("SELECT v FROM t WHERE id = 1") == [(10,)]  # U is compatible with S
        blocked = second.start("BEGIN TRAN; SELECT v FROM t WITH (UPDLOCK) WHERE id = 1")
        assert wait_until_blocked(blocked) == "LCK_M_U"
        first.run("COMMIT")
        assert blocked.rows() == [(10,)]
        second.run("COMMIT")


def test_readpast_skips_locked_rows(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 2")
        assert reader.rows("SELECT id FROM t WITH (READPAST) ORDER BY id") == [(1,), (3,)]
        writer.run("ROLLBACK")


def test_tablockx_blocks_every_reader(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        owner, reader = sc.session("owner"), sc.session("reader")
        owner.run("BEGIN TRAN; SELECT COUNT(*) FROM t WITH (TABLOCKX)")
        read = reader.start("SELECT v FROM t WHERE id = 3")
        assert wait_until_blocked(read) == "LCK_M_IS"
        owner.run("COMMIT")
        assert read.rows() == [(30,)]


def test_lock_timeout_gives_1222_and_the_transaction_stays_open(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        step = reader.start("SET LOCK_TIMEOUT 50; BEGIN TRAN; SELECT v FROM t WHERE id = 1")
        assert step.error() == 1222
        assert reader.value("SELECT @@TRANCOUNT") == 1
        reader.run("ROLLBACK")
        writer.run("ROLLBACK")


def test_lock_timeout_zero_fails_at_once(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        writer, reader = sc.session("writer"), sc.session("reader")
        writer.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        assert reader.start("SET LOCK_TIMEOUT 0; SELECT v FROM t WHERE id = 1").error() == 1222
        writer.run("ROLLBACK")


def test_two_updaters_of_one_row_queue_and_both_apply(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        a, b = sc.session("a"), sc.session("b")
        a.run("BEGIN TRAN; UPDATE t SET v = v + 1 WHERE id = 1")
        second = b.start("UPDATE t SET v = v + 100 WHERE id = 1")
        wait_until_blocked(second)
        a.run("COMMIT")
        second.result()
        assert a.value("SELECT v FROM t WHERE id = 1") == 111


def test_duplicate_insert_waits_for_the_uncommitted_one(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        a, b = sc.session("a"), sc.session("b")
        a.run("BEGIN TRAN; INSERT INTO t VALUES (9, 90)")
        duplicate = b.start("INSERT INTO t VALUES (9, 91)")
        wait_until_blocked(duplicate)
        a.run("COMMIT")
        assert duplicate.error() == 2627


def test_duplicate_insert_succeeds_when_the_first_rolls_back(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        a, b = sc.session("a"), sc.session("b")
        a.run("BEGIN TRAN; INSERT INTO t VALUES (9, 90)")
        second = b.start("INSERT INTO t VALUES (9, 91)")
        wait_until_blocked(second)
        a.run("ROLLBACK")
        second.result()
        assert a.rows("SELECT v FROM t WHERE id = 9") == [(91,)]


def test_snapshot_reader_after_a_concurrent_add_column_gets_3961(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        snap, ddl = sc.session("snap"), sc.session("ddl")
        snap.run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRAN")
        assert snap.rows("SELECT v FROM t WHERE id = 1") == [(10,)]
        ddl.run("ALTER TABLE t ADD note NVARCHAR(10) NULL")
        assert snap.start("SELECT v FROM t WHERE id = 1").error() == 3961
        snap.run("IF @@TRANCOUNT > 0 ROLLBACK")
        assert ddl.rows("SELECT id, v, note FROM t WHERE id = 1") == [(1, 10, None)]
