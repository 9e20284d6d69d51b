"""The Oracle seed (seeds/004) and ALTER SYSTEM KILL SESSION through Oracle's own thin drivers over a real socket.

Two JWARD sessions, v$session before (INACTIVE DEDICATED twice) and after (KILLED PSEUDO for the victim), the
victim's next call failing as the thin driver reports ORA-00028 (DPY-4011 carrying code 28), its later calls failing
in the client (DPY-1001), its row gone; the same through node-oracledb; an active victim; a victim held in a classic
rollback (ORA-00031 for the issuer after TIMEOUT 1); CANCEL SQL (ORA-01013); kills and blocking across TDS and Oracle
Net; the seed's SVRMGR lines replayed in ``quietus sql --oracle``.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.clients.oracle_long_call import LONG_QUERY, create_spin_table
from tests.clients.server_harness import PASSWORD, RunningServer, running_server
from tests.clients.test_kill_clients import background, finished, running
from tests.clients.test_oracle_net_node import run_node
from tests.isolation.test_kill_statement import RollbackGate

oracledb = pytest.importorskip("oracledb", reason="python-oracledb is not installed")
pytds = pytest.importorskip("pytds", reason="python-tds is not installed")

JWARD_PASSWORD = "Jward!pw1"
SEED_QUERY = "SELECT sid, serial#, status, server FROM v$session WHERE username = 'JWARD'"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("oracle-seed") / "data", oracle=True) as running_one:
        with connect(running_one) as dba, dba.cursor() as cur:
            cur.execute(f'CREATE USER jward IDENTIFIED BY "{JWARD_PASSWORD}"')  # Oracle's way to a login
            create_spin_table(cur)
        yield running_one


def connect(server: RunningServer, user: str = "sa", password: str = PASSWORD) -> Any:
    return oracledb.connect(user=user, password=password, dsn=f"127.0.0.1:{server.oracle_port}/master")


def jward(server: RunningServer) -> Any:
    return connect(server, "jward", JWARD_PASSWORD)


def tds(server: RunningServer) -> Any:
    return pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=True, timeout=20)


def rows(conn: Any, sql: str) -> list[tuple[Any, ...]]:
    with conn.cursor() as cur:
        cur.execute(sql)
        return sorted(tuple(row) for row in cur.fetchall())


def pair(conn: Any) -> str:
    return f"{conn.session_id},{conn.serial_num}"


def gone(server: RunningServer, conn: Any) -> Any:
    """The session of ``conn`` has ended (its SID may already serve a newer session: the serial tells)."""

    def check() -> bool:
        session = server.instance.registry.get(conn.session_id)
        return session is None or session.serial != conn.serial_num

    return check


def jward_rows(server: RunningServer) -> list[tuple[Any, ...]]:
    """v$session's JWARD rows, as the seed's query shows them (read from a session of its own)."""
    with connect(server) as observer:
        return rows(observer, SEED_QUERY)


def table(server: RunningServer, name: str) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, v NUMBER(10) NOT NULL)")
        cur.executemany(f"INSERT INTO {name} VALUES (:1, :2)", [(1, 10), (2, 20), (3, 30)])
        conn.commit()


def assert_killed(error: BaseException) -> None:
    """What python-oracledb thin raises for ORA-00028 (tns.md §7)."""
    assert isinstance(error, oracledb.DatabaseError), error
    detail = error.args[0]
    assert detail.full_code == "DPY-4011" and detail.code == 28
    assert "ORA-00028: your session has been killed" in detail.message


# -- the seed ----------------------------------------------------------------------------------------------------


def test_the_seed_through_python_oracledb(server: RunningServer) -> None:
    first, second = jward(server), jward(server)
    before = jward_rows(server)
    assert before == sorted(
        [(first.session_id, first.serial_num, "INACTIVE", "DEDICATED"),
         (second.session_id, second.serial_num, "INACTIVE", "DEDICATED")]
    )  # fmt: skip
    with connect(server) as dba, dba.cursor() as cur:
        cur.execute(f"ALTER SYSTEM KILL SESSION '{pair(first)}'")  # Statement processed.
    assert jward_rows(server) == sorted(
        [(first.session_id, first.serial_num, "KILLED", "PSEUDO"),
         (second.session_id, second.serial_num, "INACTIVE", "DEDICATED")]
    )  # fmt: skip
    with pytest.raises(oracledb.DatabaseError) as killed:
        first.cursor().execute("SELECT 1 FROM dual")
    assert_killed(killed.value)
    with pytest.raises(oracledb.InterfaceError) as later:  # raised by the client: the socket is closed
        first.cursor().execute("SELECT 1 FROM dual")
    assert later.value.args[0].full_code == "DPY-1001"
    server.wait_for(gone(server, first), "the victim's row to go")
    assert jward_rows(server) == [(second.session_id, second.serial_num, "INACTIVE", "DEDICATED")]
    with second.cursor() as cur:
        cur.execute("SELECT USER FROM dual")
        assert cur.fetchone() == ("JWARD",)
    second.close()


NODE_SEED = r"""
const oracledb = require("oracledb");
const [port, password, jwardPassword, seedQuery] = process.argv.slice(2);
const dsn = `127.0.0.1:${port}/master`;
const sorted = rows => rows.map(r => r.slice()).sort((a, b) => a[0] - b[0]);
(async () => {
  const out = {};
  const first = await oracledb.getConnection({user: "jward", password: jwardPassword, connectString: dsn});
  const second = await oracledb.getConnection({user: "jward", password: jwardPassword, connectString: dsn});
  const dba = await oracledb.getConnection({user: "sa", password, connectString: dsn});
  const ids = async conn => (await conn.execute(
    "SELECT SYS_CONTEXT('USERENV', 'SID') FROM dual")).rows[0][0];
  out.victim = Number(await ids(first));
  out.other = Number(await ids(second));
  out.before = sorted((await dba.execute(seedQuery)).rows);
  const serial = out.before.find(r => r[0] === out.victim)[1];
  await dba.execute(`ALTER SYSTEM KILL SESSION '${out.victim},${serial}'`);
  out.after = sorted((await dba.execute(seedQuery)).rows);
  try { await first.execute("SELECT 1 FROM dual"); } catch (e) { out.killed = {code: e.code, message: e.message}; }
  try { await first.execute("SELECT 1 FROM dual"); } catch (e) { out.later = {code: e.code, message: e.message}; }
  for (let i = 0; i < 200; i++) {
    out.last = sorted((await dba.execute(seedQuery)).rows);
    if (out.last.length === 1) break;
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  await second.close();
  await dba.close();
  console.log(JSON.stringify(out));
})().catch(e => { console.error(e); process.exit(1); });
"""


def test_the_seed_through_node_oracledb(server: RunningServer, tmp_path: Path) -> None:
    out = run_node(NODE_SEED, tmp_path, str(server.oracle_port), PASSWORD, JWARD_PASSWORD, SEED_QUERY)
    victim, other = out["victim"], out["other"]
    serials = {row[0]: row[1] for row in out["before"]}
    assert out["before"] == sorted([[victim, serials[victim], "INACTIVE", "DEDICATED"],
                                    [other, serials[other], "INACTIVE", "DEDICATED"]])  # fmt: skip
    assert out["after"] == sorted([[victim, serials[victim], "KILLED", "PSEUDO"],
                                   [other, serials[other], "INACTIVE", "DEDICATED"]])  # fmt: skip
    assert out["killed"]["code"] == "NJS-500" and "ORA-00028: your session has been killed" in out["killed"]["message"]
    assert out["later"]["code"] == "NJS-003"  # the client knows its connection is gone
    assert out["last"] == [[other, serials[other], "INACTIVE", "DEDICATED"]]


# -- active and uninterruptible victims ----------------------------------------------------------------------------


def test_an_active_victim_gets_ora_00028_at_once(server: RunningServer) -> None:
    victim = jward(server)
    thread, outcome = background(lambda: victim.cursor().execute(LONG_QUERY))
    server.wait_for(running(server, victim.session_id, None), "the victim's query to run")
    assert jward_rows(server) == [(victim.session_id, victim.serial_num, "ACTIVE", "DEDICATED")]
    with connect(server) as dba, dba.cursor() as cur:
        cur.execute(f"ALTER SYSTEM KILL SESSION '{pair(victim)}'")
        assert server.on_engine(gone(server, victim))  # the issuer waited for it to end
    assert_killed(finished(thread, outcome))


def test_a_victim_in_a_classic_rollback_is_marked_and_the_issuer_gets_ora_00031(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = RollbackGate(monkeypatch, after=1000)
    with tds(server) as setup:
        setup.cursor().execute("ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = OFF")
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE big (id NUMBER(10) PRIMARY KEY, v NUMBER(10) NOT NULL)")
        cur.executemany("INSERT INTO big VALUES (:1, 0)", [(i,) for i in range(2500)])
        conn.commit()
    victim = jward(server)
    gate.session_id = victim.session_id
    victim.cursor().execute("UPDATE big SET v = 1")
    thread, outcome = background(victim.rollback)  # its own rollback: not interruptible
    try:
        server.wait_for(lambda: gate.holding, "the rollback to reach the gate")
        with connect(server) as issuer, issuer.cursor() as cur, pytest.raises(oracledb.DatabaseError) as marked:
            cur.execute(f"ALTER SYSTEM KILL SESSION '{pair(victim)}' TIMEOUT 1")
        # python-oracledb files ORA-00031 with the errors that end a connection (DPY-4011), and closes the issuer's
        detail = marked.value.args[0]
        assert detail.code == 31 and "ORA-00031: session marked for kill" in detail.message
        state = f"SELECT status, server FROM v$session WHERE sid = {victim.session_id}"
        with connect(server) as observer:
            assert rows(observer, state) == [("KILLED", "DEDICATED")]  # not PSEUDO: it holds its resources still
    finally:
        server.on_engine(gate.open)
    with connect(server) as dba:
        assert_killed(finished(thread, outcome))  # it ends at its first safe point after the rollback
        server.wait_for(gone(server, victim), "the victim to end")
        assert rows(dba, "SELECT COUNT(*) FROM big WHERE v = 1") == [(0,)]


def test_cancel_sql_of_an_oracle_net_victim_is_ora_01013_and_the_session_lives_on(server: RunningServer) -> None:
    victim = jward(server)
    thread, outcome = background(lambda: victim.cursor().execute(LONG_QUERY))
    server.wait_for(running(server, victim.session_id, None), "the victim's query to run")
    with connect(server) as dba, dba.cursor() as cur:
        cur.execute(f"ALTER SYSTEM CANCEL SQL '{pair(victim)}'")
    error = finished(thread, outcome)
    assert isinstance(error, oracledb.DatabaseError)
    assert error.args[0].code == 1013 and "ORA-01013" in error.args[0].message
    with victim.cursor() as cur:
        cur.execute("SELECT 1 FROM dual")
        assert cur.fetchone() == (1,)
    victim.close()


# -- across the surfaces ---------------------------------------------------------------------------------------------


def test_kill_from_pytds_ends_an_idle_oracle_net_session_with_ora_00028(server: RunningServer) -> None:
    victim = jward(server)
    with tds(server) as dba:
        dba.cursor().execute(f"KILL {victim.session_id}")
    assert jward_rows(server) == [(victim.session_id, victim.serial_num, "KILLED", "PSEUDO")]
    with pytest.raises(oracledb.DatabaseError) as killed:
        victim.ping()
    assert_killed(killed.value)
    server.wait_for(gone(server, victim), "the victim's row to go")


def test_alter_system_kill_from_python_oracledb_ends_pytds_sessions(server: RunningServer) -> None:
    with tds(server) as idle, tds(server) as busy, connect(server) as dba, dba.cursor() as cur:
        idle_id, busy_id = (conn.cursor().execute("SELECT @@SPID").fetchone()[0] for conn in (idle, busy))
        serial = dict(rows(dba, f"SELECT sid, serial# FROM v$session WHERE sid IN ({idle_id}, {busy_id})"))
        thread, outcome = background(lambda: busy.cursor().execute("WAITFOR DELAY '00:01:00'"))
        server.wait_for(running(server, busy_id, "WAITFOR"), "the TDS victim to wait")
        cur.execute(f"ALTER SYSTEM KILL SESSION '{busy_id},{serial[busy_id]}'")
        error = finished(thread, outcome)
        assert getattr(error, "msg_no", None) == 596  # what a SQL Server client sees
        cur.execute(f"ALTER SYSTEM KILL SESSION '{idle_id},{serial[idle_id]}'")
        ended = server.instance.registry.get
        assert server.on_engine(lambda: ended(idle_id) is None or ended(idle_id).serial != serial[idle_id])
        with pytest.raises(Exception) as closed:  # an idle TDS victim's connection is closed without a word
            idle.cursor().execute("SELECT 1")
        assert not isinstance(closed.value, AssertionError)


def test_an_oracle_net_holder_blocks_a_tds_writer_both_views_show_it_and_its_kill_frees_the_waiter(
    server: RunningServer,
) -> None:
    table(server, "cross_t")
    holder = jward(server)
    holder.cursor().execute("UPDATE cross_t SET v = 99 WHERE id = 1")  # Oracle: the transaction stays open
    with tds(server) as waiter, connect(server) as dba, dba.cursor() as cur:
        waiter_id = waiter.cursor().execute("SELECT @@SPID").fetchone()[0]
        thread, outcome = background(
            lambda: waiter.cursor().execute("UPDATE cross_t SET v = v + 1 WHERE id = 1").rowcount
        )
        server.wait_for(running(server, waiter_id, "LCK_M_"), "the TDS writer to block")
        oracle_side = rows(
            dba, f"SELECT BLOCKING_SESSION, BLOCKING_SESSION_STATUS FROM v$session WHERE SID = {waiter_id}"
        )
        assert oracle_side == [(holder.session_id, "VALID")]
        with tds(server) as observer:
            blocker = observer.cursor().execute(
                f"SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = {waiter_id}"
            )
            assert blocker.fetchall() == [(holder.session_id,)]
        cur.execute(f"ALTER SYSTEM KILL SESSION '{pair(holder)}'")
        assert finished(thread, outcome) == 1  # the waiter proceeded
        assert rows(dba, "SELECT v FROM cross_t") == [(11,), (20,), (30,)]  # on the row as it was: 99 rolled back
    with pytest.raises(oracledb.DatabaseError) as killed:
        holder.commit()
    assert_killed(killed.value)


# -- the SVRMGR session, replayed --------------------------------------------------------------------------------------


def test_quietus_sql_oracle_replays_the_seeds_svrmgr_lines(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", oracle=True) as server:  # of its own: only the seed's two JWARD sessions
        with connect(server) as dba, dba.cursor() as cur:
            cur.execute(f'CREATE USER jward IDENTIFIED BY "{JWARD_PASSWORD}"')
        replay_the_svrmgr_lines(server)


def replay_the_svrmgr_lines(server: RunningServer) -> None:
    first, second = jward(server), jward(server)
    lines = ["SELECT sid, serial#, status, server", "FROM v$session", "WHERE username = 'JWARD';"]
    script = "\n".join([*lines, f"ALTER SYSTEM KILL SESSION '{pair(first)}';", *lines, "EXIT"])
    command = [sys.executable, "-m", "quietus.cli.main", "sql", "--oracle", "-S", f"127.0.0.1:{server.oracle_port}"]
    done = subprocess.run(
        [*command, "-U", "sa", "-P", PASSWORD], input=script, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    before, killed, after = (
        done.stdout.split("rows selected.")[0],
        done.stdout,
        done.stdout.split("Statement processed.")[1],
    )
    assert "SID" in before and "SERIAL#" in before and "STATUS" in before and "SERVER" in before
    assert before.count("INACTIVE DEDICATED") == 2
    assert killed.count("2 rows selected.") == 2 and killed.count("Statement processed.") == 1
    assert "KILLED   PSEUDO" in after and after.count("INACTIVE DEDICATED") == 1
    with pytest.raises(oracledb.DatabaseError) as victim_call:
        first.ping()
    assert_killed(victim_call.value)
    second.close()
