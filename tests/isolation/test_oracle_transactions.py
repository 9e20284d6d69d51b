"""Oracle sessions' transactions on the shared engine, two sessions at a time."""

from __future__ import annotations

from pathlib import Path

from tests.harness import Scenario, scenario, wait_until_blocked


def accounts(sc: Scenario) -> None:
    setup = sc.session("setup", dialect="oracle")
    setup.run("CREATE TABLE accounts (id NUMBER PRIMARY KEY, balance NUMBER(10,2) NOT NULL)")
    setup.run("INSERT INTO accounts VALUES (1, 100)")
    setup.run("INSERT INTO accounts VALUES (2, 200)")
    setup.run("COMMIT")


def test_a_reader_never_waits_for_a_writer_and_sees_committed_data(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        accounts(sc)
        writer, reader = sc.session("writer", "oracle"), sc.session("reader", "oracle")
        writer.run("UPDATE accounts SET balance = 150 WHERE id = 1")  # the transaction stays open
        assert reader.rows("SELECT balance FROM accounts WHERE id = 1") == [(100,)]
        assert writer.rows("SELECT balance FROM accounts WHERE id = 1") == [(150,)]  # its own change
        writer.run("COMMIT")
        assert reader.rows("SELECT balance FROM accounts WHERE id = 1") == [(150,)]


def test_a_writer_waits_for_a_writer_of_the_same_row_only(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        accounts(sc)
        first, second = sc.session("first", "oracle"), sc.session("second", "oracle")
        first.run("UPDATE accounts SET balance = balance + 1 WHERE id = 1")
        second.run("UPDATE accounts SET balance = balance + 1 WHERE id = 2")  # another row: no wait
        blocked = second.start("UPDATE accounts SET balance = balance + 10 WHERE id = 1")
        wait_until_blocked(blocked)
        first.run("COMMIT")
        assert blocked.error() is None
        second.run("COMMIT")
        assert first.rows("SELECT balance FROM accounts ORDER BY id") == [(111,), (201,)]


def test_for_update_nowait_is_ora_00054_and_for_update_waits(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        accounts(sc)
        holder, other = sc.session("holder", "oracle"), sc.session("other", "oracle")
        assert holder.rows("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE") == [(100,)]
        assert holder.connection.session.txn is not None  # FOR UPDATE opened a transaction
        step = other.start("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE NOWAIT")
        assert step.error() == 54
        assert "ORA-00054: resource busy" in step.result().messages[0].text
        assert other.rows("SELECT balance FROM accounts WHERE id = 1") == [(100,)]  # a plain read does not wait
        waiting = other.start("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE")
        wait_until_blocked(waiting)
        holder.run("ROLLBACK")
        assert waiting.rows() == [(100,)]


def test_ddl_commits_the_open_transaction(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        accounts(sc)
        writer, reader = sc.session("writer", "oracle"), sc.session("reader", "oracle")
        writer.run("INSERT INTO accounts VALUES (3, 300)")
        assert reader.rows("SELECT COUNT(*) FROM accounts") == [(2,)]
        writer.run("CREATE TABLE audit_log (id NUMBER)")
        assert reader.rows("SELECT COUNT(*) FROM accounts") == [(3,)]
        writer.run("ROLLBACK")
        assert reader.rows("SELECT COUNT(*) FROM accounts") == [(3,)]


def test_deadlock_victim_gets_ora_00060(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        accounts(sc)
        a, b = sc.session("a", "oracle"), sc.session("b", "oracle")
        a.run("UPDATE accounts SET balance = 1 WHERE id = 1")
        b.run("UPDATE accounts SET balance = 2 WHERE id = 2")
        first = a.start("UPDATE accounts SET balance = 1 WHERE id = 2")
        wait_until_blocked(first)
        second = b.start("UPDATE accounts SET balance = 2 WHERE id = 1")
        errors = {first.error(), second.error()}
        assert 60 in errors and None in errors


def test_tsql_and_oracle_sessions_share_rows_and_locks(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        accounts(sc)
        tsql, oracle = sc.session("tsql"), sc.session("oracle", "oracle")
        tsql.run("BEGIN TRAN; UPDATE accounts SET balance = 5 WHERE id = 1")
        assert oracle.rows("SELECT balance FROM accounts WHERE id = 1") == [(100,)]
        blocked = oracle.start("UPDATE accounts SET balance = 6 WHERE id = 1")
        wait_until_blocked(blocked)
        tsql.run("COMMIT")
        assert blocked.error() is None
        oracle.run("COMMIT")
        assert tsql.rows("SELECT balance FROM accounts WHERE id = 1") == [(6,)]
