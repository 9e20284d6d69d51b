"""sp_kill: filters (alone and combined), the preview, the count, the caller spared, the permission, blocking heads.

Sessions are real embedded connections of one instance; "ended" and "blocked" are read from engine state (the
registry, the views), never from timing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.admin.kill import KillOutcome, kill_history
from quietus.dbapi import DatabaseError, InterfaceError
from quietus.engine.interrupts import InterruptReason
from tests.harness import (
    STEP_LIMIT,
    Scenario,
    ScenarioSession,
    create_table_t,
    interrupt,
    scenario,
    wait_until_blocked,
)

SP_KILL_COLUMNS = [
    "session_id", "serial", "login_name", "host_name", "program_name", "database_name", "status",
    "open_transaction_count", "rows_to_undo", "blocking_count", "idle_seconds", "command", "last_statement",
]  # fmt: skip


def connect(sc: Scenario, name: str, *, login: str = "sa", host: str = "localhost") -> ScenarioSession:
    assert sc.database is not None
    session = ScenarioSession(name, quietus.connect(sc.database, autocommit=True, login=login, host_name=host,
                                                    program_name=name))  # fmt: skip
    sc.sessions.append(session)
    return session


def sp_kill(caller: ScenarioSession, arguments: str) -> tuple[list[dict[str, Any]], int]:
    """Run sp_kill; its rows (by column name) and its return status."""
    sink = caller.run(f"DECLARE @n INT; EXEC @n = sp_kill {arguments}; SELECT @n")
    listed, status = sink.result_sets[-2], sink.result_sets[-1]
    assert [c.name for c in listed.columns] == SP_KILL_COLUMNS
    return [dict(zip(SP_KILL_COLUMNS, row, strict=True)) for row in listed.rows], status.rows[0][0]


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["session_id"] for row in rows]


def live_sessions(observer: ScenarioSession) -> set[int]:
    return {row[0] for row in observer.rows("SELECT session_id FROM sys.dm_exec_sessions")}


def wait_until_gone(observer: ScenarioSession, *sessions: ScenarioSession) -> None:
    """Wait (on state) until every session has left the registry: rolled back, locks released, id freed."""
    wanted = {s.session_id for s in sessions}
    deadline = time.monotonic() + STEP_LIMIT
    while wanted & live_sessions(observer):
        assert time.monotonic() < deadline, f"sessions {wanted & live_sessions(observer)} did not end"
        time.sleep(0.005)


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        sc.sessions[0].run("CREATE LOGIN app WITH PASSWORD = 'App!12345'; CREATE LOGIN ops WITH PASSWORD = 'Ops!12345'")
        yield sc


def test_each_filter_alone_previews_exactly_its_sessions(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    app_web = connect(sc, "orders", login="app", host="web1")
    app_batch = connect(sc, "reporting", login="app", host="batch1")
    ops_web = connect(sc, "reporting2", login="ops", host="web1")
    app_batch.run("BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 1")
    busy = ops_web.start("WAITFOR DELAY '01:00:00'")
    wait_until_blocked(busy, "WAITFOR")
    cases = {
        "@login = 'APP'": [app_web, app_batch],  # login names compare case-insensitively
        "@host = 'web1'": [app_web, ops_web],
        "@program = 'reporting'": [app_batch],  # equality, not a pattern
        "@open_tran = 1": [app_batch],
        "@database = 'master', @login = 'ops'": [ops_web],
        "@database = 'nowhere'": [],
        "@idle_seconds = 0, @login = 'app'": [app_web, app_batch],  # idle: no request running
        "@idle_seconds = 0, @host = 'web1'": [app_web],  # ops_web is running its WAITFOR
        "@idle_seconds = 86400": [],
        "@login = 'app', @host = 'web1'": [app_web],  # filters combine with AND
        "@login = 'app', @open_tran = 1, @host = 'web1'": [],
    }
    for arguments, expected in cases.items():
        rows, status = sp_kill(admin, arguments + ", @preview = 1")
        assert ids(rows) == [s.session_id for s in expected], arguments
        assert status == len(expected), arguments
    before = live_sessions(admin)
    rows, _ = sp_kill(admin, "@open_tran = 1, @preview = 1")
    (row,) = rows
    assert row["serial"] >= 1 and (row["login_name"], row["host_name"], row["program_name"]) == (
        "app",
        "batch1",
        "reporting",
    )
    assert (row["database_name"], row["status"], row["command"]) == ("master", "sleeping", "AWAITING COMMAND")
    assert (row["open_transaction_count"], row["rows_to_undo"], row["blocking_count"]) == (1, 1, 0)
    assert row["idle_seconds"] >= 0 and row["last_statement"] == "BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 1"
    (running,) = sp_kill(admin, "@login = 'ops', @preview = 1")[0]
    assert (running["status"], running["command"], running["idle_seconds"]) == ("suspended", "WAITFOR", None)
    # the preview killed nothing
    assert live_sessions(admin) == before
    assert app_batch.value("SELECT v FROM t WHERE id = 1") == 0
    assert not busy.done
    app_batch.run("ROLLBACK")
    interrupt(ops_web, InterruptReason.ATTENTION)
    busy.result()


def test_a_kill_by_login_ends_idle_and_running_sessions_and_spares_the_caller(sc: Scenario) -> None:
    observer = connect(sc, "observer")
    caller = connect(sc, "caller", login="app")
    sc.sessions[0].run("ALTER SERVER ROLE processadmin ADD MEMBER app")
    idle_in_tran = connect(sc, "idle_in_tran", login="app")
    running = connect(sc, "running", login="app")
    bystander = connect(sc, "bystander", login="ops")
    idle_in_tran.run("BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 1; INSERT INTO t VALUES (9, 90)")
    step = running.start("WAITFOR DELAY '01:00:00'")
    wait_until_blocked(step, "WAITFOR")

    rows, ended = sp_kill(caller, "@login = 'app'")
    assert ids(rows) == [idle_in_tran.session_id, running.session_id] and ended == 2
    assert rows[0]["rows_to_undo"] == 2
    assert step.error() == 596  # a running victim gets 596, as from KILL
    wait_until_gone(observer, idle_in_tran, running)
    with pytest.raises(InterfaceError):
        idle_in_tran.run("SELECT 1")  # an idle victim's connection is closed without a message
    assert observer.rows("SELECT id, v FROM t ORDER BY id") == [(1, 10), (2, 20), (3, 30)]
    assert caller.value("SELECT @@SPID") == caller.session_id  # the caller is never killed
    assert bystander.value("SELECT 1") == 1
    # the same audit and history as KILL, naming the caller and the call
    history = [r for r in kill_history(_env(observer)) if r.victim_session_id == idle_in_tran.session_id]
    (record,) = history
    assert (record.killer_login, record.killer_session_id, record.command) == (
        "app",
        caller.session_id,
        "sp_kill @login = N'app'",
    )
    assert record.outcome is KillOutcome.ROLLED_BACK
    log = "\n".join(e.text for e in observer.connection.instance.errorlog.read(0))
    assert f"Process ID {idle_in_tran.session_id} was killed by hostname" in log
    assert f"(login 'app', session {caller.session_id})" in log
    # nothing left to match: the count is 0 and the result set empty
    assert sp_kill(caller, "@login = 'app'") == ([], 0)


def _env(session: ScenarioSession) -> Any:
    return session.connection.instance.env


def test_blocking_kills_only_the_heads_and_the_blocked_sessions_proceed(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    head, middle, tail = connect(sc, "head"), connect(sc, "middle"), connect(sc, "tail")
    head.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    middle_step = middle.start("BEGIN TRAN; UPDATE t SET v = 22 WHERE id = 2; UPDATE t SET v = 12 WHERE id = 1; COMMIT")
    wait_until_blocked(middle_step)
    tail_step = tail.start("UPDATE t SET v = 23 WHERE id = 2")
    wait_until_blocked(tail_step)
    idle_in_tran = connect(sc, "idle_in_tran")
    idle_in_tran.run("BEGIN TRAN; UPDATE t SET v = 33 WHERE id = 3")  # holds a lock nobody wants: not a head

    rows, status = sp_kill(admin, "@blocking = 1, @preview = 1")
    assert ids(rows) == [head.session_id] and status == 1
    assert (rows[0]["status"], rows[0]["blocking_count"]) == ("sleeping", 2)  # a sleeping head, two behind it
    rows, ended = sp_kill(admin, "@blocking = 1")
    assert ids(rows) == [head.session_id] and ended == 1
    assert middle_step.error() is None and tail_step.error() is None
    wait_until_gone(admin, head)
    assert admin.rows("SELECT * FROM sys.dm_exec_blocking_chains") == []
    assert idle_in_tran.value("SELECT @@TRANCOUNT") == 1
    idle_in_tran.run("ROLLBACK")
    assert admin.rows("SELECT id, v FROM t ORDER BY id") == [(1, 12), (2, 23), (3, 30)]


def test_refusals_bare_call_unknown_parameter_bad_value_and_permission(sc: Scenario) -> None:
    nobody = connect(sc, "nobody", login="ops")
    admin = connect(sc, "admin")
    for arguments in ("", "@preview = 1", "@open_tran = 0", "@login = NULL"):
        step = admin.start(f"EXEC sp_kill {arguments}")
        assert step.error() == 201, arguments
    assert step.result().messages[0].text == (
        "Procedure or function 'sp_kill' expects parameter '@login', which was not supplied."
    )
    assert admin.start("EXEC sp_kill @user = 'x'").error() == 8145
    assert admin.start("EXEC sp_kill 'a', 'b', 'c', 'd', 1, 1, 1, 1, 1").error() == 8144
    assert admin.start("EXEC sp_kill @idle_seconds = 'soon'").error() == 8114
    with pytest.raises(DatabaseError) as refused:
        nobody.run("EXEC sp_kill @login = 'sa', @preview = 1")
    assert (refused.value.number, str(refused.value)) == (6102, "User does not have permission to use the KILL "
                                                                "statement.")  # fmt: skip
    sc.sessions[0].run("GRANT ALTER ANY CONNECTION TO ops")
    rows, _ = sp_kill(nobody, "@login = 'sa', @preview = 1")
    assert admin.session_id in ids(rows) and nobody.session_id not in ids(rows)


def test_positional_arguments_follow_the_documented_order_and_system_sessions_never_match(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    other = connect(sc, "other", host="web9")
    other.run("BEGIN TRAN; SELECT 1")
    rows, status = sp_kill(admin, "NULL, 'web9', NULL, 'master', 0, 1, 0, 1")
    assert ids(rows) == [other.session_id] and status == 1
    rows, _ = sp_kill(admin, "@database = 'master', @preview = 1")
    system = {row[0] for row in admin.rows("SELECT session_id FROM sys.dm_exec_sessions WHERE is_user_process = 0")}
    assert system and not system & set(ids(rows)) and admin.session_id not in ids(rows)
    other.run("ROLLBACK")


def test_sp_kill_inside_a_user_transaction_is_allowed_and_not_undone(sc: Scenario) -> None:
    admin, victim = connect(sc, "admin"), connect(sc, "victim", host="doomed")
    sink = admin.run("BEGIN TRAN; DECLARE @n INT; EXEC @n = sp_kill @host = 'doomed'; SELECT @n; ROLLBACK")
    assert sink.result_sets[-1].rows == [(1,)]
    wait_until_gone(admin, victim)  # the caller's ROLLBACK does not bring the victim back
