"""XA two-phase commit from unmodified python-oracledb (thin mode) against a real Quietus server: the ``tpc_*`` calls,
``tpc_recover()`` over DBA_PENDING_TRANSACTIONS, DBA_2PC_PENDING, COMMIT/ROLLBACK FORCE, and a prepared branch
left behind by a client killed with SIGKILL (or by a server restart) holding its locks under session -2 until it is
resolved.  The expected errors are the ones Oracle gives in python-oracledb's own TPC tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.sessions.xa import Xid
from tests.clients.server_harness import PASSWORD, WAIT_LIMIT, RunningServer, running_server
from tests.clients.test_oracle_net_node import run_node

oracledb = pytest.importorskip("oracledb", reason="python-oracledb is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("oracle-xa") / "data", oracle=True) as running:
        yield running


def connect(server: RunningServer, user: str = "sa", password: str = PASSWORD) -> Any:
    return oracledb.connect(user=user, password=password, dsn=f"127.0.0.1:{server.oracle_port}/master")


def pytds_connect(server: RunningServer) -> Any:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    return pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=True, timeout=20)


def new_table(cur: Any) -> str:
    name = "xa_" + uuid.uuid4().hex[:8]
    cur.execute(f"CREATE TABLE {name} (id NUMBER PRIMARY KEY, v VARCHAR2(20))")
    return name


def code(caught: pytest.ExceptionInfo[Any]) -> int:
    return int(caught.value.args[0].code)


def test_begin_prepare_commit_and_rollback_as_python_oracledb_documents(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        t = new_table(cur)
        xid = conn.xid(3900, b"txn3900", b"branchId")
        conn.tpc_begin(xid)
        assert conn.transaction_in_progress
        assert conn.tpc_prepare() is False  # nothing written: read-only, forgotten at once
        conn.tpc_begin(xid)  # so the same XID can begin again
        cur.execute(f"INSERT INTO {t} VALUES (1, 'one')")
        assert conn.tpc_prepare() is True
        assert not conn.transaction_in_progress  # prepare detaches the branch from the session
        conn.tpc_commit()
        cur.execute(f"SELECT id, v FROM {t}")
        assert cur.fetchall() == [(1, "one")]
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_commit(xid)
        assert code(caught) == 24756  # transaction does not exist

        rolled = conn.xid(3901, "txn3901", "b")
        conn.tpc_begin(rolled)
        cur.execute(f"INSERT INTO {t} VALUES (2, 'two')")
        assert conn.tpc_prepare()
        conn.tpc_rollback()
        cur.execute(f"SELECT COUNT(*) FROM {t}")
        assert cur.fetchone() == (1,)

        one_phase = conn.xid(4409, "txn4409", "branch1")
        conn.tpc_begin(one_phase)
        cur.execute(f"INSERT INTO {t} VALUES (3, 'three')")
        conn.tpc_commit(one_phase, one_phase=True)
        cur.execute(f"SELECT COUNT(*) FROM {t}")
        assert cur.fetchone() == (2,)


def test_branches_end_resume_promote_and_their_errors(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        t = new_table(cur)
        xid1, xid2 = conn.xid(3902, "txn3902", "branch1"), conn.xid(3902, b"txn3902", b"branch2")
        conn.tpc_begin(xid1)
        cur.execute(f"INSERT INTO {t} VALUES (1, 'a')")
        conn.tpc_end()
        conn.tpc_begin(xid2)
        cur.execute(f"INSERT INTO {t} VALUES (2, 'b')")
        conn.tpc_end()
        conn.tpc_rollback(xid1)
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_prepare(xid1)
        assert code(caught) == 24756
        conn.tpc_begin(xid2, oracledb.TPC_BEGIN_RESUME)  # a detached branch is attached again
        cur.execute(f"SELECT id FROM {t}")
        assert cur.fetchall() == [(2,)]  # its own uncommitted row
        assert conn.tpc_prepare(xid2)
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_begin(xid2, oracledb.TPC_BEGIN_RESUME)
        assert code(caught) == 24756  # a prepared branch cannot be resumed
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_commit(xid2, one_phase=True)
        assert code(caught) == 2053  # committed anyway, as Oracle reports it
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_commit(xid2)
        assert code(caught) == 24756

        cur.execute(f"INSERT INTO {t} VALUES (3, 'local')")
        xid3 = conn.xid(3941, "txn3941", "branch41")
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_begin(xid3)
        assert code(caught) == 24776  # a local transaction is open
        conn.tpc_begin(xid3, oracledb.TPC_BEGIN_PROMOTE)  # ... which becomes the branch
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_begin(xid3, oracledb.TPC_BEGIN_NEW)
        assert code(caught) == 24757  # duplicate transaction identifier
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_begin(xid3, oracledb.TPC_BEGIN_PROMOTE)
        assert code(caught) == 24797
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.commit()
        assert code(caught) == 2089  # COMMIT is not allowed in a subordinate session
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.execute(f"CREATE TABLE {t}_x (n NUMBER)")  # DDL would commit: refused the same way
        assert code(caught) == 2089
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_end(xid1)
        assert code(caught) == 24758  # not attached to the requested transaction
        conn.tpc_end(xid3)
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_end(xid3)
        assert code(caught) == 25352  # no current transaction
        conn.tpc_rollback(xid3)
        cur.execute(f"SELECT id FROM {t} ORDER BY id")
        assert cur.fetchall() == [(2,)]


def test_tpc_recover_and_the_pending_views(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        t = new_table(cur)
        xids = [conn.xid(4407 + i, f"txn4407{i}".encode(), f"branch{i}".encode()) for i in range(4)]
        for i, xid in enumerate(xids):
            conn.tpc_begin(xid)
            cur.execute(f"INSERT INTO {t} VALUES (:1, 'x')", [i])
            conn.tpc_prepare(xid)
        read_only = conn.xid(4500, "readonly", "b")
        conn.tpc_begin(read_only)
        cur.execute(f"SELECT * FROM {t}")
        conn.tpc_prepare(read_only)
        recovered = conn.tpc_recover()
        assert sorted(recovered) == sorted(xids)  # the read-only one is not pending
        cur.execute("SELECT * FROM dba_pending_transactions")
        assert sorted(cur.fetchall()) == sorted(recovered)
        cur.execute(
            "SELECT global_tran_id, state, mixed, db_user, local_tran_id FROM dba_2pc_pending "
            "WHERE global_tran_id LIKE '44%' ORDER BY global_tran_id"
        )
        rows = cur.fetchall()
        assert [r[:4] for r in rows] == [
            (f"{4407 + i}.{f'txn4407{i}'.encode().hex().upper()}", "prepared", "no", "SA") for i in range(4)
        ]
        cur.execute("SELECT COUNT(*) FROM v$transaction WHERE status = 'PREPARED'")
        assert cur.fetchone()[0] >= 4
        attached = conn.xid(4600, b"attached", b"b")
        conn.tpc_begin(attached)
        cur.execute(
            "SELECT formatid, branches, refcount, preparecount, state, coupling FROM v$global_transaction "
            "WHERE formatid BETWEEN 4407 AND 4600 ORDER BY formatid"
        )
        assert cur.fetchall() == [
            *[(4407 + i, 1, 0, 1, "PREPARED", "loosely coupled") for i in range(4)],
            (4600, 1, 1, 0, "ACTIVE", "loosely coupled"),
        ]
        conn.tpc_rollback()
        for xid in recovered:
            if xid.format_id % 2 == 0:
                conn.tpc_commit(xid)
        assert len(conn.tpc_recover()) == 2
        for xid in conn.tpc_recover():
            conn.tpc_rollback(xid)
        assert conn.tpc_recover() == []
        cur.execute(f"SELECT id FROM {t} ORDER BY id")
        assert cur.fetchall() == [(1,), (3,)]  # format ids 4408 and 4410 were committed


CLIENT = textwrap.dedent("""
    import sys, time, oracledb
    conn = oracledb.connect(user="sa", password=sys.argv[2], dsn=sys.argv[1])
    xid = conn.xid(1234, b"global-1", b"branch-1")
    conn.tpc_begin(xid)
    cur = conn.cursor()
    cur.execute("UPDATE {table} SET v = 'xa' WHERE id = 1")
    assert conn.tpc_prepare()
    print("prepared", flush=True)
    time.sleep(600)
""")
DEAD_XID = Xid(1234, b"global-1", b"branch-1")


def prepare_in_a_client_then_sigkill(server: RunningServer, table: str) -> None:
    """A python-oracledb client prepares a branch (XID 1234/global-1/branch-1) and is killed with SIGKILL."""
    dsn = f"127.0.0.1:{server.oracle_port}/master"
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT.format(table=table), dsn, PASSWORD], stdout=subprocess.PIPE, text=True
    )
    try:
        assert client.stdout is not None
        assert client.stdout.readline().strip() == "prepared"
    finally:
        client.send_signal(signal.SIGKILL)
        client.wait(WAIT_LIMIT)


class Waiter:
    """A second Oracle session updating the row the branch holds, in a thread: it blocks until the branch ends."""

    def __init__(self, server: RunningServer, table: str) -> None:
        self.conn = connect(server)
        self.result: list[Any] = []
        self.thread = threading.Thread(target=self._run, args=(table,), daemon=True)
        self.thread.start()

    def _run(self, table: str) -> None:
        with self.conn.cursor() as cur:
            cur.execute(f"UPDATE {table} SET v = v || '+waiter' WHERE id = 1")
            self.conn.commit()
            cur.execute(f"SELECT v FROM {table} WHERE id = 1")
            self.result.append(cur.fetchone()[0])

    def finished(self) -> Any:
        self.thread.join(WAIT_LIMIT)
        assert not self.thread.is_alive(), "the waiter never got its lock"
        self.conn.close()
        return self.result[0]


def lock_waiting(server: RunningServer) -> bool:
    """(On the engine thread) whether some session waits for a lock."""
    return any(s.task is not None and (s.task.wait_type or "").startswith("LCK_M_") for s in server.instance.registry)


def test_a_client_killed_after_prepare_leaves_the_branch_in_doubt_and_commit_force_resolves_it(
    server: RunningServer,
) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        table = new_table(cur)
        cur.execute(f"INSERT INTO {table} VALUES (1, 'before')")
        conn.commit()
    prepare_in_a_client_then_sigkill(server, table)
    with connect(server) as dba, dba.cursor() as cur, pytds_connect(server) as tsql:
        assert DEAD_XID in [Xid(*x) for x in dba.tpc_recover()]
        t = tsql.cursor()
        t.execute(
            "SELECT DISTINCT request_session_id FROM sys.dm_tran_locks WHERE request_owner_guid = %s",
            (DEAD_XID.uow,),
        )
        assert t.fetchall() == [(-2,)]  # T-SQL sees the same unit of work, under session -2
        waiter = Waiter(server, table)
        server.wait_for(lambda: lock_waiting(server), "the waiter to block on the in-doubt branch")
        t.execute("SELECT blocking_session_id FROM sys.dm_exec_requests WHERE blocking_session_id <> 0")
        assert t.fetchall() == [(-2,)]
        cur.execute("SELECT blocking_session, blocking_session_status FROM v$session WHERE blocking_session < 0")
        assert cur.fetchall() == [(-2, "VALID")]  # the same session space on the Oracle side
        cur.execute("SELECT status, ses_addr FROM v$transaction WHERE status = 'PREPARED'")
        assert ("PREPARED", None) in cur.fetchall()  # no session has it
        cur.execute("SELECT local_tran_id, state FROM dba_2pc_pending WHERE global_tran_id = :1",
                    [DEAD_XID.global_tran_id])  # fmt: skip
        (local_id, state), = cur.fetchall()  # fmt: skip
        assert state == "prepared"
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.execute("COMMIT FORCE 'no.such.id'")
        assert code(caught) == 2058
        cur.execute(f"COMMIT FORCE '{local_id}'")
        assert waiter.finished() == "xa+waiter"  # the waiter proceeded after the branch's update committed
        cur.execute("SELECT state, force_time FROM dba_2pc_pending WHERE local_tran_id = :1", [local_id])
        forced_state, force_time = cur.fetchone()
        assert forced_state == "forced commit" and force_time is not None
        assert DEAD_XID not in [Xid(*x) for x in dba.tpc_recover()]
        with pytest.raises(oracledb.DatabaseError) as caught:
            dba.tpc_commit(dba.xid(*DEAD_XID.info()))
        assert code(caught) == 24764  # its coordinator comes back: heuristically committed
        assert "decided by COMMIT FORCE" in server.errorlog_text()


def test_force_refusals_and_the_privileges(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        table = new_table(cur)
        cur.execute(f"INSERT INTO {table} VALUES (1, 'x')")
        conn.commit()
        cur.execute("CREATE USER xa_clerk IDENTIFIED BY Clerk_pw1")
        xid = conn.xid(77, b"refusals", b"b")
        conn.tpc_begin(xid)
        cur.execute(f"UPDATE {table} SET v = 'y' WHERE id = 1")
        conn.tpc_prepare()
        global_id = Xid(77, b"refusals", b"b").global_tran_id
        cur.execute(f"INSERT INTO {table} VALUES (2, 'open')")
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.execute(f"ROLLBACK FORCE '{global_id}'")
        assert code(caught) == 2043  # must end current transaction first
        conn.rollback()
        with connect(server, "xa_clerk", "Clerk_pw1") as clerk, clerk.cursor() as ccur:
            with pytest.raises(oracledb.DatabaseError) as caught:
                ccur.execute(f"ROLLBACK FORCE '{global_id}'")
            assert code(caught) == 1031  # insufficient privileges
            cur.execute("GRANT FORCE ANY TRANSACTION TO xa_clerk")
            ccur.execute(f"ROLLBACK FORCE '{global_id}'")  # by its global transaction id
        cur.execute(f"SELECT v FROM {table} WHERE id = 1")
        assert cur.fetchone() == ("x",)
        cur.execute("SELECT state FROM dba_2pc_pending WHERE global_tran_id = :1", [global_id])
        assert cur.fetchone() == ("forced rollback",)
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_rollback(xid)
        assert code(caught) == 24765


def test_a_prepared_branch_survives_a_restart_and_tpc_commit_from_a_new_connection_resolves_it(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir, oracle=True) as first, connect(first) as conn, conn.cursor() as cur:
        table = new_table(cur)
        cur.execute(f"INSERT INTO {table} VALUES (1, 'before')")
        conn.commit()
        conn.tpc_begin(conn.xid(*DEAD_XID.info()))
        cur.execute(f"UPDATE {table} SET v = 'xa' WHERE id = 1")
        assert conn.tpc_prepare()
    with running_server(data_dir, oracle=True) as second, connect(second) as dba, dba.cursor() as cur:
        assert [Xid(*x) for x in dba.tpc_recover()] == [DEAD_XID]  # the XID survived with its PREPARE record
        cur.execute("SELECT db_user, state FROM dba_2pc_pending")
        assert cur.fetchall() == [("SA", "prepared")]
        with connect(second) as other, other.cursor() as ocur, pytest.raises(oracledb.DatabaseError) as caught:
            ocur.execute(f"SELECT v FROM {table} WHERE id = 1 FOR UPDATE NOWAIT")
        assert code(caught) == 54  # its locks were re-acquired at recovery
        waiter = Waiter(second, table)
        second.wait_for(lambda: lock_waiting(second), "the waiter to block on the recovered branch")
        dba.tpc_commit(dba.xid(*DEAD_XID.info()))
        assert waiter.finished() == "xa+waiter"
        assert dba.tpc_recover() == []


def test_kill_uow_from_t_sql_decides_a_branch_prepared_over_oracle_net(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur, pytds_connect(server) as tsql:
        table = new_table(cur)
        cur.execute(f"INSERT INTO {table} VALUES (1, 'x')")
        conn.commit()
        xid = conn.xid(99, b"from-tsql", b"b")
        conn.tpc_begin(xid)
        cur.execute(f"UPDATE {table} SET v = 'y' WHERE id = 1")
        conn.tpc_prepare()
        uow = Xid(99, b"from-tsql", b"b").uow
        tsql.cursor().execute(f"KILL '{uow}' WITH ROLLBACK")
        server.wait_for(lambda: not any(
            t.uow == uow for d in server.instance.env.databases.values() for t in d.txns.active.values()
        ), "the rollback")  # fmt: skip
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_commit(xid)
        assert code(caught) == 24756
        cur.execute(f"SELECT v FROM {table}")
        assert cur.fetchall() == [("x",)]


def test_a_unit_of_work_prepared_from_t_sql_is_pending_on_the_oracle_side_too(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        table = new_table(cur)
        cur.execute(f"INSERT INTO {table} VALUES (1, 'x')")
        conn.commit()
        cur.execute("CREATE USER xa_tm IDENTIFIED BY Tm_pw_123")
    tsql = pytds_connect(server)
    t = tsql.cursor()
    t.execute("BEGIN DISTRIBUTED TRANSACTION")
    t.execute(f"UPDATE {table} SET v = 'tsql' WHERE id = 1")
    t.execute("EXEC sp_prepare_distributed_transaction")
    uow = uuid.UUID(str(t.fetchall()[0][0]))
    tsql.close()  # its client is gone: in doubt under session -2
    xid = Xid(0x51554F57, uow.bytes, b"QUIETUS")  # the Quietus format: the UOW itself
    with connect(server) as dba, dba.cursor() as cur:
        server.wait_for(
            lambda: any(t.uow == uow and t.is_orphaned for d in server.instance.env.databases.values()
                        for t in d.txns.active.values()),
            "the unit of work to go to session -2",
        )  # fmt: skip
        assert xid in [Xid(*x) for x in dba.tpc_recover()]
        cur.execute("SELECT state FROM dba_2pc_pending WHERE global_tran_id = :1", [xid.global_tran_id])
        assert cur.fetchall() == [("prepared",)]
        with connect(server, "xa_tm", "Tm_pw_123") as tm:
            with pytest.raises(oracledb.DatabaseError) as caught:
                tm.tpc_commit(tm.xid(*xid.info()))
            assert code(caught) == 1031  # not its own branch: FORCE ANY TRANSACTION needed
        dba.tpc_commit(dba.xid(*xid.info()))
        cur.execute(f"SELECT v FROM {table}")
        assert cur.fetchall() == [("tsql",)]


def test_a_branch_left_detached_longer_than_its_timeout_is_rolled_back(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        table = new_table(cur)
        xid = conn.xid(5150, b"timeout", b"b")
        conn.tpc_begin(xid, timeout=1)
        cur.execute(f"INSERT INTO {table} VALUES (1, 'x')")
        conn.tpc_end()
        uow = Xid(5150, b"timeout", b"b").uow
        server.wait_for(
            lambda: not any(t.uow == uow for d in server.instance.env.databases.values()
                            for t in d.txns.active.values()),
            "the detached branch to time out",
        )  # fmt: skip
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.tpc_prepare(xid)
        assert code(caught) == 24756
        cur.execute(f"SELECT COUNT(*) FROM {table}")
        assert cur.fetchone() == (0,)
        assert "detached longer than its timeout of 1 s" in server.errorlog_text()
        kept = conn.xid(5151, b"timeout", b"kept")  # a resumed branch is not timed out while attached
        conn.tpc_begin(kept, timeout=1)
        cur.execute(f"INSERT INTO {table} VALUES (2, 'y')")
        assert conn.tpc_prepare()  # prepared: no timeout applies any more
        conn.tpc_commit()
        cur.execute(f"SELECT id FROM {table}")
        assert cur.fetchall() == [(2,)]


NODE_SCRIPT = r"""
const oracledb = require("oracledb");
(async () => {
  const [port, password] = process.argv.slice(2);
  const out = {};
  const conn = await oracledb.getConnection({user: "sa", password, connectString: `127.0.0.1:${port}/master`});
  await conn.execute("CREATE TABLE node_xa (id NUMBER PRIMARY KEY, v VARCHAR2(20))");
  const xid = {formatId: 4242, globalTransactionId: "node-global", branchQualifier: "node-branch"};
  await conn.tpcBegin(xid);  // node-oracledb's default transaction timeout is 60 s
  await conn.execute("INSERT INTO node_xa VALUES (1, 'node')");
  out.prepared = await conn.tpcPrepare(xid);
  out.recovered = (await conn.tpcRecover(false)).map(
    x => [x.formatId, Buffer.from(x.globalTransactionId).toString(), Buffer.from(x.branchQualifier).toString()]);
  await conn.tpcCommit(xid);
  out.rows = (await conn.execute("SELECT id, v FROM node_xa")).rows;
  try { await conn.tpcCommit(xid); } catch (e) { out.again = e.errorNum; }
  await conn.close();
  console.log(JSON.stringify(out));
})().catch(e => { console.log(JSON.stringify({error: String(e)})); process.exit(1); });
"""


def test_node_oracledb_thin_runs_the_same_two_phase_commit(server: RunningServer, tmp_path: Path) -> None:
    out = run_node(NODE_SCRIPT, tmp_path, str(server.oracle_port), PASSWORD)
    assert out == {
        "prepared": True,
        "recovered": [[4242, "node-global", "node-branch"]],
        "rows": [[1, "node"]],
        "again": 24756,
    }
