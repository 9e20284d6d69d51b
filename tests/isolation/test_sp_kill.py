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
from quietus.admin.sp_kill import SP_KILL
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

SP_KILL_COLUMNS = [name for name, _ in SP_KILL]


def connect(sc: Scenario, name: str, *, login: str = "sa", host: str = "localhost") -> ScenarioSession:
    assert sc.database is not None
    session = ScenarioSession(name, quietus.connect(sc.database, autocommit=True, login=login, host_name=host,
                                                    program_name=name))  # fmt: skip
    sc.sessions.append(session)
    return session


def sp_kill_all(caller: ScenarioSession, arguments: str) -> tuple[list[dict[str, Any]], int]:
    """Run sp_kill; every row it lists (by column name) and its return status."""
    sink = caller.run(f"DECLARE @n INT; EXEC @n = sp_kill {arguments}; SELECT @n")
    listed, status = sink.result_sets[-2], sink.result_sets[-1]
    assert [c.name for c in listed.columns] == SP_KILL_COLUMNS
    return [dict(zip(SP_KILL_COLUMNS, row, strict=True)) for row in listed.rows], status.rows[0][0]


def sp_kill(caller: ScenarioSession, arguments: str) -> tuple[list[dict[str, Any]], int]:
    """Run sp_kill; the rows it recommends (killed with @ExecuteKills = 'Y') and its return status."""
    rows, status = sp_kill_all(caller, arguments)
    return [row for row in rows if row["KillRecommended"]], status


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


def test_each_filter_alone_recommends_exactly_its_sessions_and_the_default_only_lists(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    app_web = connect(sc, "orders", login="app", host="web1")
    app_batch = connect(sc, "reporting", login="app", host="batch1")
    ops_web = connect(sc, "reporting2", login="ops", host="web1")
    app_batch.run("BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 1")
    busy = ops_web.start("WAITFOR DELAY '01:00:00'")
    wait_until_blocked(busy, "WAITFOR")
    cases = {
        # the First Responder Kit's parameters
        "@LoginName = 'APP'": [app_web, app_batch],  # login names compare case-insensitively
        "@HostName = 'web1'": [app_web, ops_web],
        "@AppName = 'report%'": [app_batch, ops_web],  # the Kit's @AppName is a LIKE pattern
        "@HasOpenTran = 'Y'": [app_batch],
        "@SPIDState = 'S', @LoginName = 'app'": [app_web, app_batch],
        "@SPIDState = 'R'": [ops_web],
        "@OmitLogin = 'app'": [ops_web, sc.sessions[0]],
        "@ReadOnly = 'Y', @LoginName = 'app'": [app_web],  # app_batch has written
        "@DatabaseName = 'master', @LoginName = 'ops'": [ops_web],
        "@RequestsOlderThanSeconds = 86400": [],
        # Quietus's own filters
        "@login = 'APP'": [app_web, app_batch],
        "@program = 'reporting'": [app_batch],  # equality, not a pattern
        "@open_tran = 1": [app_batch],
        "@database = 'nowhere'": [],
        "@idle_seconds = 0, @login = 'app'": [app_web, app_batch],
        "@idle_seconds = 0, @host = 'web1'": [app_web],  # ops_web is running its WAITFOR
        "@login = 'app', @HostName = 'web1'": [app_web],  # filters combine with AND
        "@login = 'app', @open_tran = 1, @host = 'web1'": [],
    }
    everyone = {s.session_id for s in (sc.sessions[0], app_web, app_batch, ops_web)}
    for arguments, expected in cases.items():
        rows, status = sp_kill_all(admin, arguments)
        assert set(ids(rows)) == everyone, arguments  # every user session is listed, the caller's is not
        chosen = [row for row in rows if row["KillRecommended"]]
        assert sorted(ids(chosen)) == sorted(s.session_id for s in expected), arguments
        assert status == len(expected), arguments
        assert all(row["KillCommand"] == f"KILL {row['session_id']};" for row in chosen)
        assert [row["OrderByNum"] for row in chosen] == list(range(1, len(chosen) + 1))
    # no filter and the default @ExecuteKills = 'N': everything listed, nothing recommended
    rows, status = sp_kill_all(admin, "")
    assert set(ids(rows)) == everyone and status == 0
    assert not any(row["KillRecommended"] or row["KillCommand"] for row in rows)
    before = live_sessions(admin)
    (row,) = sp_kill(admin, "@HasOpenTran = 'Y'")[0]
    assert row["session_serial"] >= 1 and (row["login_name"], row["host_name"], row["program_name"]) == (
        "app",
        "batch1",
        "reporting",
    )
    assert (row["database_name"], row["status"], row["command"]) == ("master", "sleeping", None)
    assert (row["open_transaction_count"], row["rows_to_undo"], row["waiting_count"]) == (1, 1, 0)
    assert row["Reason"].startswith("Sleeping session with 1 open transaction(s), idle for ")
    assert row["ParametersUsed"] == "EXEC sp_kill @HasOpenTran = 'Y'" and row["CallerLoginName"] == "sa"
    assert row["idle_seconds"] >= 0 and row["sql_text"] == "BEGIN TRAN; UPDATE t SET v = 0 WHERE id = 1"
    assert row["transaction_isolation_level"] == "Read Committed" and row["is_read_only"] is False
    (running,) = sp_kill(admin, "@LoginName = 'ops'")[0]
    assert (running["status"], running["command"], running["idle_seconds"]) == ("suspended", "WAITFOR", None)
    assert running["Reason"].startswith("Long-running query: running for ")  # WAITFOR is not a read command
    # listing killed nothing
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

    rows, ended = sp_kill(caller, "@LoginName = 'app', @ExecuteKills = 'Y', @OrderBy = 'writes'")
    assert ids(rows) == [idle_in_tran.session_id, running.session_id] and ended == 2  # most undo records first
    assert rows[0]["rows_to_undo"] == 2 and rows[0]["KillStartedTime"] is not None and rows[0]["KillError"] is None
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
        "sp_kill @ExecuteKills = 'Y', @LoginName = N'app', @OrderBy = 'writes'",
    )
    assert record.outcome is KillOutcome.ROLLED_BACK
    log = "\n".join(e.text for e in observer.connection.instance.errorlog.read(0))
    assert f"Process ID {idle_in_tran.session_id} was killed by hostname" in log
    assert f"(login 'app', session {caller.session_id})" in log
    # nothing left to match: the count is 0, nothing recommended, and a message says so
    sink = caller.run("EXEC sp_kill @login = 'app', @ExecuteKills = 'Y'")
    assert not any(row[8] for row in sink.result_sets[-1].rows)
    assert [m.number for m in sink.messages] == [50112, 50113]


def _env(session: ScenarioSession) -> Any:
    return session.connection.instance.env


def test_lead_blockers_kills_only_the_heads_and_the_blocked_sessions_proceed(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    head, middle, tail = connect(sc, "head"), connect(sc, "middle"), connect(sc, "tail")
    head.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    middle_step = middle.start("BEGIN TRAN; UPDATE t SET v = 22 WHERE id = 2; UPDATE t SET v = 12 WHERE id = 1; COMMIT")
    wait_until_blocked(middle_step)
    tail_step = tail.start("UPDATE t SET v = 23 WHERE id = 2")
    wait_until_blocked(tail_step)
    idle_in_tran = connect(sc, "idle_in_tran")
    idle_in_tran.run("BEGIN TRAN; UPDATE t SET v = 33 WHERE id = 3")  # holds a lock nobody wants: not a head

    for flag in ("@blocking = 1", "@LeadBlockers = 'Y'"):
        rows, status = sp_kill(admin, flag)
        assert ids(rows) == [head.session_id] and status == 1
        assert (rows[0]["status"], rows[0]["waiting_count"]) == ("sleeping", 2)  # a sleeping head, two behind it
        assert rows[0]["Reason"].startswith("Lead blocker: blocking 1 session(s) for ")
    rows, ended = sp_kill(admin, "@LeadBlockers = 'Y', @ExecuteKills = 'Y'")
    assert ids(rows) == [head.session_id] and ended == 1
    assert middle_step.error() is None and tail_step.error() is None
    wait_until_gone(admin, head)
    assert admin.rows("SELECT * FROM sys.dm_exec_blocking_chains") == []
    assert idle_in_tran.value("SELECT @@TRANCOUNT") == 1
    idle_in_tran.run("ROLLBACK")
    assert admin.rows("SELECT id, v FROM t ORDER BY id") == [(1, 12), (2, 23), (3, 30)]


def test_spid_and_serial_target_one_incarnation_and_a_stale_pair_kills_nothing(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    victim = connect(sc, "victim")
    spid = victim.session_id
    serial = admin.value(f"SELECT session_serial FROM sys.dm_exec_sessions WHERE session_id = {spid}")
    (row,) = sp_kill(admin, f"@SPID = {spid}, @Serial = {serial}")[0]
    assert (row["session_id"], row["session_serial"], row["Reason"]) == (spid, serial, "Targeted by @SPID parameter.")
    sp_kill(admin, f"@SPID = {spid}, @Serial = {serial}, @ExecuteKills = 'Y'")
    wait_until_gone(admin, victim)
    newer = connect(sc, "newer")  # takes the id the victim had, with a higher serial
    assert newer.session_id == spid
    stale = admin.start(f"EXEC sp_kill @SPID = {spid}, @Serial = {serial}, @ExecuteKills = 'Y'")
    assert stale.error() == 50108
    assert stale.result().messages[0].text == (
        f"Session {spid} with serial {serial} is not active: session ID {spid} now has serial {serial + 1}. "
        "Nothing was killed."
    )
    assert newer.value("SELECT 1") == 1  # the stale pair killed nothing
    # @SPID alone names whoever holds the id now, as KILL does
    assert ids(sp_kill(admin, f"@SPID = {spid}, @ExecuteKills = 'Y'")[0]) == [spid]
    wait_until_gone(admin, newer)
    gone = admin.start(f"EXEC sp_kill @SPID = {spid}, @Serial = {serial + 1}")
    assert gone.error() == 50108 and f"no session has ID {spid} now" in gone.result().messages[0].text
    # @SPID naming no session: the Kit's message, and the sessions are still listed
    missing = admin.start("EXEC sp_kill @SPID = 4000")
    assert missing.error() == 50106 and missing.rows() != [] and not any(r[8] for r in missing.rows())
    assert admin.start("EXEC sp_kill @Serial = 3").error() == 50109


def test_refusals_unknown_parameter_bad_values_and_permission(sc: Scenario) -> None:
    nobody = connect(sc, "nobody", login="ops")
    admin = connect(sc, "admin")
    refusals = {
        "@user = 'x'": 8145,
        "@OutputTableName = 'log'": 8145,  # the Kit's output table is not supported
        ", ".join(["1"] * 24): 8144,
        "@idle_seconds = 'soon'": 8114,
        "@ExecuteKills = 'X'": 50101,
        "@LeadBlockers = 'N'": 50102,
        "@SPIDState = 'Q'": 50103,
        "@RequestsOlderThanSeconds = -1": 50104,
        "@OrderBy = 'alphabetical'": 50105,
        "@OrderBy = 'cpu'": 50114,
        "@preview = 1, @ExecuteKills = 'Y'": 50110,
    }
    for arguments, number in refusals.items():
        step = admin.start(f"EXEC sp_kill {arguments}")
        assert step.error() == number, arguments
        assert step.result().result_sets == [], arguments  # a refusal lists nothing and kills nothing
    assert admin.start("EXEC sp_kill @LeadBlockers = 'N'").result().messages[0].text == (
        "@LeadBlockers must be Y or NULL."
    )
    with pytest.raises(DatabaseError) as refused:
        nobody.run("EXEC sp_kill @login = 'sa'")
    assert (refused.value.number, str(refused.value)) == (6102, "User does not have permission to use the KILL "
                                                                "statement.")  # fmt: skip
    sc.sessions[0].run("GRANT ALTER ANY CONNECTION TO ops")
    rows, _ = sp_kill(nobody, "@login = 'sa'")
    assert admin.session_id in ids(rows) and nobody.session_id not in ids(rows)
    helped = admin.run("EXEC sp_kill @Help = 1")
    assert helped.result_sets == [] and "@ExecuteKills" in helped.messages[0].text


def test_preview_is_the_older_spelling_of_execute_kills(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    victim = connect(sc, "victim", host="doomed")
    assert ids(sp_kill(admin, "@host = 'doomed', @preview = 1")[0]) == [victim.session_id]
    assert victim.value("SELECT 1") == 1
    assert ids(sp_kill(admin, "@host = 'doomed', @preview = 0")[0]) == [victim.session_id]
    wait_until_gone(admin, victim)


def test_positional_arguments_follow_the_kits_order_and_system_sessions_are_never_listed(sc: Scenario) -> None:
    admin = connect(sc, "admin")
    other = connect(sc, "other", host="web9")
    other.run("BEGIN TRAN; SELECT 1")
    rows, status = sp_kill(admin, "'N', NULL, NULL, NULL, 'master', 'web9'")
    assert ids(rows) == [other.session_id] and status == 1
    rows, _ = sp_kill_all(admin, "")
    system = {row[0] for row in admin.rows("SELECT session_id FROM sys.dm_exec_sessions WHERE is_user_process = 0")}
    assert system and not system & set(ids(rows)) and admin.session_id not in ids(rows)
    other.run("ROLLBACK")


def test_sp_kill_inside_a_user_transaction_is_allowed_and_not_undone(sc: Scenario) -> None:
    admin, victim = connect(sc, "admin"), connect(sc, "victim", host="doomed")
    sink = admin.run(
        "BEGIN TRAN; DECLARE @n INT; EXEC @n = sp_kill @HostName = 'doomed', @ExecuteKills = 'Y'; SELECT @n; ROLLBACK"
    )
    assert sink.result_sets[-1].rows == [(1,)]
    wait_until_gone(admin, victim)  # the caller's ROLLBACK does not bring the victim back
