"""ALTER SYSTEM KILL SESSION, DISCONNECT SESSION and CANCEL SQL, and v$session, through the embedded engine.

The Oracle seed (seeds/004) with two JWARD sessions opened with the Oracle dialect; every refusal and its order; the
issuer's wait cut short by TIMEOUT n or the server option while the victim is held in a classic rollback
(``RollbackGate``: an engine fact, never a race against the clock); DISCONNECT POST_TRANSACTION; CANCEL SQL; a T-SQL
KILL of an Oracle session; blocking seen the same in v$session and sys.dm_exec_requests.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.admin.oracle_views import sql_id
from quietus.dbapi import DatabaseError, InterfaceError, OperationalError
from quietus.server import timeouts
from tests.harness import Scenario, ScenarioSession, create_table_t, scenario, wait_until_blocked
from tests.isolation.test_kill_statement import RollbackGate, fill_big, login_session, messages, on_engine, wait_engine

SEED_QUERY = "SELECT sid, serial#, status, server FROM v$session WHERE username = 'JWARD' ORDER BY sid"


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as running:
        yield running


def oracle_session(sc: Scenario, name: str, login: str = "jward") -> ScenarioSession:
    """An embedded session of the Oracle dialect, opened through the registry like any other: a write opens a
    transaction that stays open until COMMIT or ROLLBACK, as Oracle's does (its steps run without autocommit)."""
    connection = quietus.connect(sc.database, autocommit=True, login=login, program_name=name, dialect="oracle")
    session = ScenarioSession(name, connection)
    sc.sessions.append(session)
    return session


def oracle_holder(sc: Scenario, row: int) -> ScenarioSession:
    """An Oracle session that updated t's ``row`` and left its transaction open (Oracle's way: no BEGIN)."""
    holder = oracle_session(sc, "holder")
    holder.run(f"UPDATE t SET v = 99 WHERE id = {row}")
    return holder


def alive(session: ScenarioSession) -> bool:
    """The session still answers (a query both dialects read)."""
    return bool(session.value(f"SELECT COUNT(*) FROM v$session WHERE SID = {session.session_id}") == 1)


def pair(session: ScenarioSession) -> str:
    return f"{session.session_id},{session.connection.session.serial}"


def gone(session: ScenarioSession, observer: ScenarioSession) -> bool:
    return bool(on_engine(observer, lambda: observer.connection.instance.registry.get(session.session_id) is None))


# -- the seed ----------------------------------------------------------------------------------------------------


def test_the_seed_an_inactive_session_is_killed_pseudo_until_its_next_call(sc: Scenario) -> None:
    dba = sc.session("dba")
    first, second = oracle_session(sc, "jward-1"), oracle_session(sc, "jward-2")
    first_serial, second_serial = first.connection.session.serial, second.connection.session.serial
    assert dba.rows(SEED_QUERY) == [
        (first.session_id, first_serial, "INACTIVE", "DEDICATED"),
        (second.session_id, second_serial, "INACTIVE", "DEDICATED"),
    ]
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(first)}'") == []  # Statement processed.
    assert dba.rows(SEED_QUERY) == [
        (first.session_id, first_serial, "KILLED", "PSEUDO"),
        (second.session_id, second_serial, "INACTIVE", "DEDICATED"),
    ]
    cleanup = dba.rows(f"SELECT TYPE, STATE, NUM_BLOCKED FROM v$dead_cleanup WHERE SID = {first.session_id}")
    assert cleanup == [("KILLED SESSION", "RESOURCES FREED - PENDING ACK", 0)]
    with pytest.raises(OperationalError) as killed:
        first.connection.run("SELECT 1 FROM dual")
    assert (killed.value.number, str(killed.value)) == (28, "ORA-00028: your session has been killed")
    assert dba.rows(SEED_QUERY) == [(second.session_id, second_serial, "INACTIVE", "DEDICATED")]  # the row is gone
    with pytest.raises(OperationalError) as later:
        first.connection.run("SELECT 1")
    assert (later.value.number, str(later.value)) == (1012, "ORA-01012: not logged on")
    assert alive(second)
    history = dba.rows("SELECT victim_session_id, killer_session_id, command, outcome FROM sys.dm_exec_kill_history")
    command = f"ALTER SYSTEM KILL SESSION '{pair(first)}'"
    assert history == [(first.session_id, dba.session_id, command, "ended")]
    log = on_engine(dba, lambda: [e.text for e in dba.connection.instance.errorlog.read(0)])
    assert any(f"Process ID {first.session_id} was killed" in line for line in log)


def test_an_idle_oracle_holder_frees_its_locks_at_once_and_blocking_shows_on_both_sides(sc: Scenario) -> None:
    create_table_t(sc)
    dba, waiter = sc.session("dba"), sc.session("waiter")
    holder = oracle_holder(sc, row=1)
    blocked = waiter.start("UPDATE t SET v = v + 1 WHERE id = 1; SELECT v FROM t WHERE id = 1")
    wait_until_blocked(blocked)
    oracle_side = dba.rows(
        f"SELECT BLOCKING_SESSION, BLOCKING_SESSION_STATUS, FINAL_BLOCKING_SESSION, EVENT, STATE "
        f"FROM v$session WHERE SID = {waiter.session_id}"
    )
    sql_server_side = dba.rows(
        f"SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = {waiter.session_id}"
    )
    assert oracle_side == [(holder.session_id, "VALID", holder.session_id, "enq: TX - row lock contention", "WAITING")]
    assert sql_server_side == [(holder.session_id,)]
    assert dba.rows(f"SELECT USED_UREC FROM v$transaction t JOIN v$session s ON t.SES_ADDR = s.SADDR "
                    f"WHERE s.SID = {holder.session_id}") == [(1,)]  # fmt: skip
    assert dba.rows(f"SELECT MAX(BLOCK) FROM v$lock WHERE SID = {holder.session_id}") == [(1,)]
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(holder)}'") == []
    assert blocked.rows() == [(11,)]  # the waiter proceeds while the victim's row is still there
    assert dba.rows(f"SELECT status, server FROM v$session WHERE sid = {holder.session_id}") == [("KILLED", "PSEUDO")]
    with pytest.raises(OperationalError) as killed:
        holder.connection.execute("SELECT v FROM t")
    assert killed.value.number == 28
    assert dba.rows("SELECT v FROM t WHERE id = 1") == [(11,)]


def test_a_tsql_kill_of_an_idle_oracle_session_follows_the_same_policy(sc: Scenario) -> None:
    dba, victim = sc.session("dba"), oracle_session(sc, "victim")
    assert messages(dba, f"KILL {victim.session_id}") == []
    assert dba.rows(f"SELECT status, server FROM v$session WHERE sid = {victim.session_id}") == [("KILLED", "PSEUDO")]
    with pytest.raises(OperationalError) as killed:
        victim.connection.run("SELECT 1")
    assert killed.value.number == 28
    assert gone(victim, dba)


def test_an_idle_tsql_session_is_closed_without_a_word_and_its_row_goes(sc: Scenario) -> None:
    dba, victim = sc.session("dba"), sc.session("victim")
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}'") == []
    assert gone(victim, dba)  # the issuer waited for it to end
    with pytest.raises(InterfaceError):
        victim.connection.run("SELECT 1")


# -- refusals ----------------------------------------------------------------------------------------------------

MALFORMED = ["x", "52", "52,", ",1", "52;1", "0,1", "52,0", "52,70000", "52,1,@", "52,1,1", "99999999999,1"]


@pytest.mark.parametrize("spec", MALFORMED)
def test_a_malformed_id_is_ora_00026(sc: Scenario, spec: str) -> None:
    assert messages(sc.session("dba"), f"ALTER SYSTEM KILL SESSION '{spec}'") == [
        (26, 16, 1, "ORA-00026: missing or invalid session ID")
    ]


def test_refusals_own_session_system_session_and_no_such_session(sc: Scenario) -> None:
    dba, victim = sc.session("dba"), sc.session("victim")
    own = [(27, 16, 1, "ORA-00027: cannot kill current session")]
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(dba)}'") == own
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(dba)}, @1'") == own
    system_id, system_serial = on_engine(
        dba, lambda: next((s.session_id, s.serial) for s in dba.connection.instance.registry if not s.is_user_process)
    )
    not_user = [(29, 16, 1, "ORA-00029: session is not a user session")]
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{system_id},{system_serial}'") == not_user
    missing = [(30, 16, 1, "ORA-00030: User session ID does not exist.")]
    serial = victim.connection.session.serial
    for spec in ("4000,1", f"{victim.session_id},{serial + 1}", f"{victim.session_id},{serial},@2"):
        assert messages(dba, f"ALTER SYSTEM KILL SESSION '{spec}'") == missing
    not_mine = f"{dba.session_id},{dba.connection.session.serial + 1}"  # my id, not my pair
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{not_mine}'") == missing
    assert victim.value("SELECT 1") == 1  # none of these touched it


def test_a_stale_pair_never_reaches_the_newer_session_given_the_same_sid(sc: Scenario) -> None:
    dba, old = sc.session("dba"), sc.session("old")
    stale = pair(old)
    old.close()
    wait_engine(dba, lambda: dba.connection.instance.registry.get(old.session_id) is None, "the old session to end")
    newer = sc.session("newer")
    assert newer.session_id == old.session_id and pair(newer) != stale
    assert [m[0] for m in messages(dba, f"ALTER SYSTEM KILL SESSION '{stale}'")] == [30]
    assert newer.value("SELECT 1") == 1


def test_the_privilege_comes_before_anything_about_the_target(sc: Scenario) -> None:
    setup = sc.session("setup")
    setup.run("CREATE LOGIN clerk WITH PASSWORD = 'pw'; CREATE LOGIN granted WITH PASSWORD = 'pw'")
    setup.run("CREATE LOGIN connections WITH PASSWORD = 'pw'; CREATE LOGIN ops WITH PASSWORD = 'pw'")
    setup.run("GRANT ALTER SYSTEM TO granted; GRANT ALTER ANY CONNECTION TO connections")
    setup.run("ALTER SERVER ROLE processadmin ADD MEMBER ops")
    victim = sc.session("victim")
    clerk = login_session(sc, "clerk")
    denied = [(1031, 16, 1, "ORA-01031: insufficient privileges")]
    for spec in (pair(victim), "4000,1", pair(clerk), "1,1"):
        for verb in ("KILL SESSION", "DISCONNECT SESSION", "CANCEL SQL"):
            assert messages(clerk, f"ALTER SYSTEM {verb} '{spec}'") == denied
    assert [m[0] for m in messages(clerk, "ALTER SYSTEM KILL SESSION 'x'")] == [26]  # the id's form comes first
    assert victim.value("SELECT 1") == 1
    perms = setup.rows("SELECT permission_name, state FROM sys.server_permissions WHERE type = 'ALSY'")
    assert perms == [("ALTER SYSTEM", "G")]
    for login in ("granted", "connections", "ops"):
        target = sc.session(f"target-{login}")
        assert messages(login_session(sc, login), f"ALTER SYSTEM KILL SESSION '{pair(target)}'") == []
        with pytest.raises(InterfaceError):
            target.connection.run("SELECT 1")


# -- the wait: ORA-00031 ------------------------------------------------------------------------------------------


def test_a_victim_in_a_classic_rollback_is_marked_and_the_issuer_gets_ora_00031(
    sc: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = RollbackGate(monkeypatch, after=1000)
    setup = sc.session("setup")
    setup.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
    fill_big(setup)
    victim, dba, observer = sc.session("victim"), sc.session("dba"), sc.session("observer")
    gate.session_id = victim.session_id
    victim.run("BEGIN TRAN; UPDATE big SET v = 1")
    rolling = victim.start("ROLLBACK")  # its own rollback: not interruptible
    wait_engine(dba, lambda: gate.holding, "the rollback to reach the gate")
    marked = [(31, 16, 1, "ORA-00031: session marked for kill")]
    kill = dba.start(f"ALTER SYSTEM KILL SESSION '{pair(victim)}' TIMEOUT 1")
    wait_until_blocked(kill, "KILL_SESSION_WAIT")  # the issuer yields: a Task.wait, seen by the others
    row = observer.rows(f"SELECT status, server FROM v$session WHERE sid = {victim.session_id}")
    assert row == [("KILLED", "DEDICATED")]
    assert observer.rows(f"SELECT STATE FROM v$dead_cleanup WHERE SID = {victim.session_id}") == [("IN PROGRESS",)]
    assert observer.rows(f"SELECT EVENT FROM v$session WHERE SID = {dba.session_id}") == [("kill session wait",)]
    assert [(m.number, m.severity, m.state, m.text) for m in kill.result().messages] == marked
    on_engine(dba, lambda: dba.connection.instance.env.services["configuration"].set("kill_session_wait", 1))
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}'") == marked  # the server option
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}' IMMEDIATE") == marked  # at once: in a call
    # FORCE cannot cut an embedded session off in the middle of its call: it is marked too
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}' FORCE TIMEOUT 0") == marked
    assert observer.rows(f"SELECT status, server FROM v$session WHERE sid = {victim.session_id}") == [
        ("KILLED", "DEDICATED")
    ]
    kills = dba.rows(f"SELECT COUNT(*) FROM sys.dm_exec_kill_history WHERE victim_session_id = {victim.session_id}")
    assert kills == [(1,)]  # one kill, however often it was asked for
    on_engine(dba, gate.open)
    assert rolling.error() == 596  # it ends at its first safe point after the rollback
    wait_engine(dba, lambda: dba.connection.instance.registry.get(victim.session_id) is None, "the victim to end")
    assert [m[0] for m in messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}'")] == [30]


def test_the_waiting_issuer_can_itself_be_killed(sc: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = RollbackGate(monkeypatch, after=1000)
    setup = sc.session("setup")
    setup.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
    fill_big(setup)
    victim, issuer, dba = sc.session("victim"), sc.session("issuer"), sc.session("dba")
    gate.session_id = victim.session_id
    victim.run("BEGIN TRAN; UPDATE big SET v = 1")
    rolling = victim.start("ROLLBACK")
    wait_engine(dba, lambda: gate.holding, "the rollback to reach the gate")
    waiting = issuer.start(f"ALTER SYSTEM KILL SESSION '{pair(victim)}' TIMEOUT 3600")
    wait_until_blocked(waiting, "KILL_SESSION_WAIT")
    # IMMEDIATE on an issuer in a call: it cannot have unwound yet when the statement answers, so ORA-00031 at once
    assert [m[0] for m in messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(issuer)}' IMMEDIATE")] == [31]
    assert waiting.error() == 596
    on_engine(dba, gate.open)
    assert rolling.error() == 596


def test_a_negative_timeout_is_refused(sc: Scenario) -> None:
    dba, victim = sc.session("dba"), sc.session("victim")
    assert [m[0] for m in messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}' TIMEOUT -1")] == [2017]
    assert victim.value("SELECT 1") == 1


def test_immediate_on_an_idle_session_returns_at_once_with_success(sc: Scenario) -> None:
    create_table_t(sc)
    dba, waiter = sc.session("dba"), sc.session("waiter")
    holder = oracle_holder(sc, row=2)
    blocked = waiter.start("SELECT v FROM t WHERE id = 2")
    wait_until_blocked(blocked)
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(holder)}' IMMEDIATE") == []
    assert blocked.rows() == [(20,)]


# -- DISCONNECT SESSION ------------------------------------------------------------------------------------------


def test_disconnect_post_transaction_lets_the_transaction_finish_then_ends_the_session(sc: Scenario) -> None:
    create_table_t(sc)
    dba, victim = sc.session("dba"), sc.session("victim")
    victim.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
    assert messages(dba, f"ALTER SYSTEM DISCONNECT SESSION '{pair(victim)}' POST_TRANSACTION") == []
    victim.run("UPDATE t SET v = 22 WHERE id = 2")  # still alive inside its transaction
    assert dba.rows(f"SELECT status FROM v$session WHERE sid = {victim.session_id}") == [("INACTIVE",)]
    victim.run("COMMIT")  # the commit itself succeeds ...
    wait_engine(dba, lambda: dba.connection.instance.registry.get(victim.session_id) is None, "the victim to end")
    with pytest.raises(InterfaceError):  # ... and then the session is gone
        victim.connection.run("SELECT 1")
    assert dba.rows("SELECT v FROM t ORDER BY id") == [(11,), (22,), (30,)]  # its work was committed


def test_disconnect_without_a_transaction_or_immediate_ends_it_now(sc: Scenario) -> None:
    create_table_t(sc)
    dba = sc.session("dba")
    idle = sc.session("idle")
    assert messages(dba, f"ALTER SYSTEM DISCONNECT SESSION '{pair(idle)}' POST_TRANSACTION") == []
    wait_engine(dba, lambda: dba.connection.instance.registry.get(idle.session_id) is None, "the idle one to end")
    oracle = oracle_session(sc, "oracle")
    oracle.run("UPDATE t SET v = 99 WHERE id = 3")
    assert messages(dba, f"ALTER SYSTEM DISCONNECT SESSION '{pair(oracle)}' IMMEDIATE") == []
    wait_engine(dba, lambda: dba.connection.instance.registry.get(oracle.session_id) is None, "the oracle one to end")
    with pytest.raises(OperationalError) as dropped:
        oracle.connection.execute("SELECT 1")
    assert (dropped.value.number, str(dropped.value)) == (3113, "ORA-03113: end-of-file on communication channel")
    assert dba.rows("SELECT v FROM t WHERE id = 3") == [(30,)]


# -- CANCEL SQL --------------------------------------------------------------------------------------------------


def test_cancel_sql_ends_the_running_statement_and_the_session_lives_on(sc: Scenario) -> None:
    create_table_t(sc)
    dba, holder, victim = sc.session("dba"), sc.session("holder"), sc.session("victim")
    holder.run("BEGIN TRAN; UPDATE t SET v = 5 WHERE id = 2")
    victim.run("BEGIN TRAN; UPDATE t SET v = 7 WHERE id = 1")
    statement = "UPDATE t SET v = v + 100"
    running = victim.start(statement)
    wait_until_blocked(running)
    assert dba.rows(f"SELECT SQL_ID FROM v$session WHERE SID = {victim.session_id}") == [(sql_id(statement),)]
    assert dba.rows(f"SELECT SQL_TEXT FROM v$sql WHERE SQL_ID = '{sql_id(statement)}'") == [(statement,)]
    no_call = [(30, 16, 1, "ORA-00030: User session ID does not exist.")]
    assert messages(dba, f"ALTER SYSTEM CANCEL SQL '{pair(victim)}, 0123456789abc'") == no_call  # another sql_id
    assert messages(dba, f"ALTER SYSTEM CANCEL SQL '{pair(victim)}, @1, {sql_id(statement)}'") == []
    error = [m for m in running.result().messages if m.is_error]
    assert [(m.number, m.severity) for m in error] == [(3980, 16)]
    assert victim.value("SELECT @@TRANCOUNT") == 1  # its transaction survives; the statement was undone
    victim.run("COMMIT")
    holder.run("ROLLBACK")
    assert dba.rows("SELECT v FROM t ORDER BY id") == [(7,), (20,), (30,)]
    assert messages(dba, f"ALTER SYSTEM CANCEL SQL '{pair(victim)}'") == no_call  # idle now
    assert [m[0] for m in messages(dba, f"ALTER SYSTEM CANCEL SQL '{pair(dba)}'")] == [27]
    assert [m[0] for m in messages(dba, "ALTER SYSTEM CANCEL SQL '52, 1, nope'")] == [26]
    assert victim.value("SELECT 1") == 1


def test_v_session_columns_read_from_tsql(sc: Scenario) -> None:
    dba = sc.session("dba")
    jward = oracle_session(sc, "sqlplus")
    row = dba.rows(
        "SELECT USERNAME, TYPE, PROGRAM, LOGON_TIME, SQL_ID, EVENT, STATE FROM v$session "
        f"WHERE SID = {jward.session_id}"
    )
    assert row[0][:3] == ("JWARD", "USER", "sqlplus") and row[0][4:] == (None, "SQL*Net message from client", "WAITING")
    said = {"OSUSER": "jward", "MACHINE": "ws-7", "TERMINAL": "pts/3", "PROGRAM": "sqlplus@ws-7", "PROCESS": "4242"}

    async def logon_details() -> None:  # what the Oracle Net listener keeps from the client's logon
        jward.connection.session.attachments["oracle_client"] = said

    jward.connection._engine.thread.call(logon_details())
    shown = dba.rows(
        f"SELECT OSUSER, MACHINE, TERMINAL, PROGRAM, PROCESS FROM v$session WHERE SID = {jward.session_id}"
    )
    assert shown == [("jward", "ws-7", "pts/3", "sqlplus@ws-7", "4242")]
    me = dba.rows(f"SELECT STATUS, SQL_ID FROM v$session WHERE SID = {dba.session_id}")
    assert me[0][0] == "ACTIVE" and me[0][1] is not None
    assert dba.rows("SELECT COUNT(*) FROM v$session WHERE TYPE = 'BACKGROUND' AND USERNAME IS NULL")[0][0] >= 3
    assert dba.rows(f"SELECT INST_ID FROM gv$session WHERE SID = {jward.session_id}") == [(1,)]
    joined = dba.rows(
        f"SELECT p.SPID FROM v$session s JOIN v$process p ON s.PADDR = p.ADDR WHERE s.SID = {jward.session_id}"
    )
    assert len(joined) == 1 and joined[0][0].endswith(f".{jward.session_id}")
    both = dba.rows("SELECT COUNT(*) FROM v$session v JOIN sys.dm_exec_sessions d ON v.SID = d.session_id")
    assert both == dba.rows("SELECT COUNT(*) FROM sys.dm_exec_sessions")  # one session space


def test_sql_id_is_oracles_hash() -> None:
    # Oracle's SQL_IDs of these texts, as Oracle shows them (marschall/sqlid's tests; 'select * from dual' also in
    # geodatamaster.com's CANCEL SQL example).
    assert sql_id("select * from dual") == "a5ks9fhw2v9s1"
    assert sql_id("SELECT * from dual where dummy = :1 ") == "71hmmykrsa7wp"


def test_an_error_in_the_victims_batch_is_not_mistaken_for_a_kill(sc: Scenario) -> None:
    victim = oracle_session(sc, "victim")
    with pytest.raises(DatabaseError):
        victim.connection.execute("SELECT * FROM nowhere")
    assert alive(victim)


def test_force_cuts_the_connection_when_the_victim_has_not_ended(sc: Scenario) -> None:
    create_table_t(sc)
    dba = sc.session("dba")
    holder = oracle_holder(sc, row=1)
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(holder)}' FORCE TIMEOUT 0") == []
    wait_engine(dba, lambda: dba.connection.instance.registry.get(holder.session_id) is None, "the holder to end")
    with pytest.raises(OperationalError) as dropped:
        holder.connection.execute("SELECT 1")
    assert dropped.value.number == 3113  # its connection was cut, not kept for an ORA-00028
    assert dba.rows("SELECT v FROM t WHERE id = 1") == [(10,)]


def test_an_idle_timeout_snipes_an_oracle_session_until_its_next_call(sc: Scenario) -> None:
    dba, idle = sc.session("dba"), oracle_session(sc, "idle")
    instance = dba.connection.instance

    def snipe() -> int:
        instance.env.services["configuration"].set("idle_session_timeout", 60)
        later = datetime.datetime.now() + datetime.timedelta(hours=1)
        ended = timeouts.check(instance.env, [instance.registry.get(idle.session_id)], later)
        instance.env.services["configuration"].set("idle_session_timeout", 0)
        return len(ended)

    assert on_engine(dba, snipe) == 1
    assert dba.rows(f"SELECT status, server FROM v$session WHERE sid = {idle.session_id}") == [("SNIPED", "PSEUDO")]
    with pytest.raises(OperationalError) as sniped:
        idle.connection.run("SELECT 1")
    assert str(sniped.value) == "ORA-02396: exceeded maximum idle time, please connect again"
    assert gone(idle, dba)


def test_an_idle_oracle_victim_stays_killed_dedicated_while_its_rollback_runs_then_pseudo(
    sc: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = RollbackGate(monkeypatch, after=1000)
    setup = sc.session("setup")
    setup.run("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
    fill_big(setup)
    total = setup.value("SELECT COUNT(*) FROM big")
    dba = sc.session("dba")
    victim = oracle_session(sc, "victim")
    gate.session_id = victim.session_id
    victim.run("UPDATE big SET v = 1")
    undo = (
        "SELECT t.STATUS, t.USED_UREC FROM v$transaction t JOIN v$session s ON t.SES_ADDR = s.SADDR "
        f"WHERE s.SID = {victim.session_id}"
    )
    assert dba.rows(undo) == [("ACTIVE", total)]
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}' TIMEOUT 1") == [
        (31, 16, 1, "ORA-00031: session marked for kill")
    ]
    assert gate.holding
    state = f"SELECT status, server FROM v$session WHERE sid = {victim.session_id}"
    assert dba.rows(state) == [("KILLED", "DEDICATED")]
    assert dba.rows(undo) == [("ROLLING BACK", total - 999)]  # the rows left to undo
    assert dba.rows(f"SELECT STATE FROM v$dead_cleanup WHERE SID = {victim.session_id}") == [("IN PROGRESS",)]
    on_engine(dba, gate.open)
    wait_engine(dba, lambda: not dba.connection.instance.registry.get(victim.session_id).txn, "the rollback to end")
    assert dba.rows(state) == [("KILLED", "PSEUDO")]
    assert dba.rows(undo) == []
    assert messages(dba, f"ALTER SYSTEM KILL SESSION '{pair(victim)}'") == []  # settled now: processed
    with pytest.raises(OperationalError) as killed:
        victim.connection.execute("SELECT 1")
    assert killed.value.number == 28
    assert dba.rows("SELECT COUNT(*) FROM big WHERE v = 1") == [(0,)]
