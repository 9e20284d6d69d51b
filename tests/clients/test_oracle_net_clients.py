"""Unmodified python-oracledb (thin mode) against a real Quietus server over Oracle Net.

The statements are Oracle's (``FROM dual``, VARCHAR2, NUMBER, binds ``:1`` and ``:name``), run by the Oracle dialect
runner on the engine the TDS side shares.
"""

from __future__ import annotations

import datetime
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from quietus.sessions.session import SessionStatus
from tests.clients.oracle_long_call import LONG_QUERY, create_spin_table
from tests.clients.server_harness import PASSWORD, RunningServer, running_server

oracledb = pytest.importorskip("oracledb", reason="python-oracledb is not installed")

ONE_ROW = "SELECT n FROM spin WHERE n = :1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("oracle-net") / "data", oracle=True) as running:
        with connect(running) as conn, conn.cursor() as cur:
            create_spin_table(cur)
        yield running


def dsn(server: RunningServer, service: str = "master") -> str:
    return f"127.0.0.1:{server.oracle_port}/{service}"


def connect(server: RunningServer, user: str = "sa", password: str = PASSWORD, **kwargs: Any) -> Any:
    return oracledb.connect(user=user, password=password, dsn=dsn(server), **kwargs)


def table_name() -> str:
    return "t_" + uuid.uuid4().hex[:10]


def pytds_connect(server: RunningServer) -> Any:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    return pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=True, timeout=20)


def test_connect_ping_close_and_the_session_is_a_row_in_dm_exec_sessions(server: RunningServer) -> None:
    conn = connect(server)
    assert conn.version.startswith("19.")
    conn.ping()
    with pytds_connect(server) as tds, tds.cursor() as cur:
        cur.execute(
            "SELECT session_id, login_name, program_name FROM sys.dm_exec_sessions WHERE session_id = %s",
            (conn.session_id,),
        )
        rows = cur.fetchall()
    assert len(rows) == 1 and rows[0][1] == "sa"
    session = server.instance.registry.get(conn.session_id)
    assert session is not None and session.serial == conn.serial_num
    assert session.surface.name == "ORACLE_NET" and session.dialect.name == "ORACLE"
    session_id = conn.session_id
    conn.close()
    server.wait_for(lambda: server.instance.registry.get(session_id) is None, "the closed session's row to go")


def test_a_wrong_password_is_ora_01017_and_an_error_log_line(server: RunningServer) -> None:
    with pytest.raises(oracledb.DatabaseError) as caught:
        connect(server, password="not the password")
    assert caught.value.args[0].code == 1017
    assert "ORA-01017" in caught.value.args[0].message
    log = server.errorlog_text()
    assert "Login failed for user 'sa'. Reason: Password did not match" in log
    assert "Error: 18456, Severity: 14, State: 8." in log


def test_an_unknown_login_is_ora_01017_too(server: RunningServer) -> None:
    with pytest.raises(oracledb.DatabaseError) as caught:
        connect(server, user="nobody_here", password="x")
    assert caught.value.args[0].code == 1017


def test_an_unknown_service_is_refused_with_12514(server: RunningServer) -> None:
    with pytest.raises(oracledb.Error) as caught:
        oracledb.connect(user="sa", password=PASSWORD, dsn=dsn(server, "nosuchdb"))
    assert "12514" in str(caught.value) or "DPY-6001" in str(caught.value)


def test_a_login_made_with_create_login_connects_and_alter_login_changes_its_password(server: RunningServer) -> None:
    with pytds_connect(server) as tds, tds.cursor() as cur:
        cur.execute("CREATE LOGIN jward WITH PASSWORD = 'Jw!first1'")
    conn = connect(server, user="jward", password="Jw!first1")
    conn.close()
    with pytds_connect(server) as tds, tds.cursor() as cur:
        cur.execute("ALTER LOGIN jward WITH PASSWORD = 'Jw!second2'")
    with pytest.raises(oracledb.DatabaseError) as caught:
        connect(server, user="jward", password="Jw!first1")
    assert caught.value.args[0].code == 1017
    connect(server, user="jward", password="Jw!second2").close()


def test_ddl_dml_and_queries_with_positional_and_named_binds(server: RunningServer) -> None:
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, name VARCHAR2(20), amount NUMBER(10,2))")
        cur.execute(f"INSERT INTO {name} VALUES (:1, :2, :3)", [1, "one", Decimal("1.50")])
        assert cur.rowcount == 1
        cur.execute(f"INSERT INTO {name} VALUES (:id, :name, :amount)", id=2, name="two", amount=Decimal("-2.25"))
        cur.executemany(f"INSERT INTO {name} VALUES (:1, :2, :3)", [(i, f"n{i}", i) for i in range(3, 13)])
        assert cur.rowcount == 10
        cur.execute(f"UPDATE {name} SET name = :n WHERE id > :lo", n="big", lo=10)
        assert cur.rowcount == 2
        conn.commit()
        cur.execute(f"SELECT id, name, amount FROM {name} WHERE id <= :1 ORDER BY id", [2])
        assert cur.fetchall() == [(1, "one", 1.5), (2, "two", -2.25)]
        assert [d[0] for d in cur.description] == ["ID", "NAME", "AMOUNT"]
        cur.execute(f"SELECT name FROM {name} WHERE id = :x", x=12)
        assert cur.fetchone() == ("big",)


def test_fetching_more_rows_than_arraysize_comes_in_batches(server: RunningServer) -> None:
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, label NVARCHAR2(30))")
        cur.executemany(f"INSERT INTO {name} VALUES (:1, :2)", [(i, f"ünï {i}") for i in range(1, 1001)])
        conn.commit()
        cur.arraysize = 37
        cur.execute(f"SELECT id, label FROM {name} ORDER BY id")
        first = cur.fetchmany(50)
        rest = cur.fetchall()
        rows = first + rest
        assert len(rows) == 1000 and rows[0] == (1, "ünï 1") and rows[-1] == (1000, "ünï 1000")
        assert [r[0] for r in rows] == list(range(1, 1001))
        # the same statement again: the driver re-executes its cached cursor (REEXECUTE_AND_FETCH)
        for _ in range(3):
            cur.execute(f"SELECT id, label FROM {name} ORDER BY id")
            assert len(cur.fetchall()) == 1000


def test_values_of_each_type_come_back_as_oracle_types(server: RunningServer) -> None:
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        columns = (
            "i NUMBER(19), d TIMESTAMP, dt DATE, f BINARY_DOUBLE, b RAW(10), c CHAR(3), n NVARCHAR2(10), s VARCHAR2(10)"
        )
        cur.execute(f"CREATE TABLE {name} ({columns})")
        when = datetime.datetime(2024, 3, 15, 13, 45, 30)
        cur.execute(
            f"INSERT INTO {name} VALUES (:1, :2, :3, :4, :5, :6, :7, :8)",
            [2**40, when, when, 2.5, b"\x00\xff", "ab", "Ωmega", None],
        )
        cur.execute(f"SELECT i, d, dt, f, b, c, n, s FROM {name}")
        assert cur.fetchone() == (2**40, when, when, 2.5, b"\x00\xff", "ab ", "Ωmega", None)


def test_timestamp_fractions_are_kept_to_100_ns(server: RunningServer) -> None:
    """TIMESTAMP(9) is held to 100 ns: seven digits exactly, the 8th and 9th round half up (docs/design/types.md);
    python-oracledb's own values stop at the microsecond, so TO_CHAR shows the rest."""
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10), t TIMESTAMP(9))")
        cur.execute(f"INSERT INTO {name} VALUES (1, TIMESTAMP '2024-01-02 03:04:05.1234567')")
        model = "'YYYY-MM-DD HH24:MI:SS.FF9'"
        cur.execute(f"INSERT INTO {name} VALUES (2, TO_TIMESTAMP('2024-01-02 03:04:05.123456749', {model}))")
        cur.execute(f"INSERT INTO {name} VALUES (3, TIMESTAMP '2024-01-02 03:04:05.99999995')")
        when = datetime.datetime(2024, 1, 2, 3, 4, 5, 654321)
        cur.setinputsizes(oracledb.DB_TYPE_TIMESTAMP)  # a datetime binds as DATE (whole seconds) by default
        cur.execute(f"INSERT INTO {name} VALUES (4, :1)", [when])
        cur.execute(f"SELECT TO_CHAR(t, 'YYYY-MM-DD HH24:MI:SS.FF9'), t FROM {name} ORDER BY id")
        got = cur.fetchall()
        assert [text for text, _ in got] == [
            "2024-01-02 03:04:05.123456700", "2024-01-02 03:04:05.123456700", "2024-01-02 03:04:06.000000000",
            "2024-01-02 03:04:05.654321000",
        ]
        assert got[0][1] == datetime.datetime(2024, 1, 2, 3, 4, 5, 123456) and got[3][1] == when
        cur.execute(f"SELECT id FROM {name} WHERE t > TIMESTAMP '2024-01-02 03:04:05.1234566' ORDER BY id")
        assert cur.fetchall() == [(1,), (2,), (3,), (4,)]


def test_commit_and_rollback(server: RunningServer) -> None:
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY)")
        cur.execute(f"INSERT INTO {name} VALUES (1)")
        assert conn.transaction_in_progress
        conn.commit()
        assert not conn.transaction_in_progress
        cur.execute(f"INSERT INTO {name} VALUES (2)")
        conn.rollback()
        cur.execute(f"SELECT id FROM {name}")
        assert cur.fetchall() == [(1,)]
        conn.autocommit = True
        cur.execute(f"INSERT INTO {name} VALUES (3)")
        assert not conn.transaction_in_progress
    with connect(server) as other, other.cursor() as cur:
        cur.execute(f"SELECT id FROM {name} ORDER BY id")
        assert cur.fetchall() == [(1,), (3,)]


def test_an_error_reaches_the_client_with_its_number_and_the_connection_stays_usable(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.execute("SELECT x FROM no_such_table_anywhere")
        assert caught.value.args[0].code != 0
        assert caught.value.args[0].message.startswith("ORA-")
        conn.ping()
        cur.execute(ONE_ROW, [1])
        assert cur.fetchone() == (1,)


def test_select_from_dual(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1, dummy, SYSDATE, NVL(:1, 'none') FROM dual", [None])
        one, dummy, now, fallback = cur.fetchone()
        assert (one, dummy, fallback) == (1, "X", "none")
        assert isinstance(now, datetime.datetime) and abs(now - datetime.datetime.now()) < datetime.timedelta(days=1)


def running(server: RunningServer, session_id: int) -> Any:
    def check() -> bool:
        session = server.instance.registry.get(session_id)
        return session is not None and session.status is SessionStatus.RUNNING

    return check


def test_cancel_of_a_running_call_is_ora_01013_and_the_session_lives_on(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        session_id = conn.session_id

        def cancel_when_running() -> None:
            server.wait_for(running(server, session_id), "the call to be running")
            conn.cancel()

        canceller = threading.Thread(target=cancel_when_running)
        canceller.start()
        with pytest.raises(oracledb.OperationalError) as caught:
            cur.execute(LONG_QUERY)
        canceller.join()
        assert caught.value.args[0].code == 1013
        cur.execute(ONE_ROW, [2])
        assert cur.fetchone() == (2,)


def test_a_call_timeout_cancels_the_call_and_the_session_lives_on(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        conn.call_timeout = 300  # ms
        with pytest.raises(oracledb.Error) as caught:
            cur.execute(LONG_QUERY)
        assert "DPY-4024" in str(caught.value)
        conn.call_timeout = 0
        cur.execute(ONE_ROW, [3])
        assert cur.fetchone() == (3,)


def test_a_session_killed_while_idle_gets_ora_00028_on_its_next_call(server: RunningServer) -> None:
    conn = connect(server)
    session_id = conn.session_id

    def mark_killed() -> None:  # what the Oracle-side kill path leaves behind for an idle Oracle Net victim
        session = server.instance.registry.get(session_id)
        session.status = SessionStatus.KILLED

    server.on_engine(mark_killed)
    with pytest.raises(oracledb.DatabaseError) as caught:
        conn.ping()
    assert caught.value.args[0].code == 28
    assert "ORA-00028" in caught.value.args[0].message
    server.wait_for(lambda: server.instance.registry.get(session_id) is None, "the killed session's row to go")
    with pytest.raises(oracledb.InterfaceError):
        conn.ping()


def test_a_session_killed_mid_call_gets_ora_00028(server: RunningServer) -> None:
    conn = connect(server)
    session_id = conn.session_id

    def kill_when_running() -> None:
        server.wait_for(running(server, session_id), "the call to be running")
        with pytds_connect(server) as tds, tds.cursor() as cur:
            cur.execute(f"KILL {session_id}")

    killer = threading.Thread(target=kill_when_running)
    killer.start()
    with pytest.raises(oracledb.DatabaseError) as caught:
        conn.cursor().execute(LONG_QUERY)
    killer.join()
    assert caught.value.args[0].code == 28
    assert "ORA-00028" in caught.value.args[0].message
    server.wait_for(lambda: server.instance.registry.get(session_id) is None, "the killed session's row to go")


def test_a_cancel_while_idle_leaves_the_connection_usable(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        conn.cancel()
        conn.ping()
        cur.execute(ONE_ROW, [4])
        assert cur.fetchone() == (4,)


def test_repeated_statements_reexecute_and_evicted_cursors_are_closed(server: RunningServer) -> None:
    name = table_name()
    with connect(server, stmtcachesize=5) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, v VARCHAR2(10))")
        for i in range(1, 6):  # the same INSERT: the driver re-executes its cached cursor (REEXECUTE)
            cur.execute(f"INSERT INTO {name} VALUES (:1, :2)", [i, f"v{i}"])
            assert cur.rowcount == 1
        conn.commit()
        for i in range(1, 30):  # more distinct statements than the cache holds: CLOSE_CURSORS piggybacks
            cur.execute(f"SELECT v FROM {name} WHERE id = {i % 5 + 1}")
            assert cur.fetchone() == (f"v{i % 5 + 1}",)
        connection = next(
            c
            for c in server.server.oracle_listener.connections
            if c.session is not None and c.session.session_id == conn.session_id
        )
        assert len(connection.cursors) <= 8
        conn.autocommit = True
        for i in range(6, 9):  # REEXECUTE with the autocommit bit
            cur.execute(f"INSERT INTO {name} VALUES (:1, :2)", [i, f"v{i}"])
        assert not conn.transaction_in_progress
    with connect(server) as other, other.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {name}")
        assert cur.fetchone() == (8,)


def test_long_strings_and_binaries_go_in_chunks(server: RunningServer) -> None:
    name = table_name()
    text = "".join(chr(0x41 + i % 26) for i in range(20000))
    blob = bytes(range(256)) * 30
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, t CLOB, n NCLOB, b BLOB)")
        cur.execute(f"INSERT INTO {name} VALUES (:1, :2, :3, :4)", [1, text, "ж" * 3000, blob])
        cur.execute(f"SELECT t, n, b FROM {name}")
        assert cur.fetchone() == (text, "ж" * 3000, blob)


def test_a_long_connect_descriptor_arrives_in_a_second_packet(server: RunningServer) -> None:
    conn = connect(server, program="p" * 300, machine="m" * 100)
    try:
        assert conn.session_id > 0
        session = server.instance.registry.get(conn.session_id)
        assert session.program_name == "p" * 300 and session.host_name == "m" * 100
    finally:
        conn.close()


def test_an_operation_quietus_does_not_support_is_an_ora_error_not_a_hang(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.parse("SELECT n FROM spin")  # describe without executing
        assert caught.value.args[0].code == 1022
        conn.ping()


def test_an_unsupported_bind_is_an_ora_error_and_the_connection_lives_on(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.execute("SELECT n FROM spin WHERE n = :1", [datetime.timedelta(days=1)])  # INTERVAL DAY TO SECOND
        assert caught.value.args[0].code == 1022
        cur.execute(ONE_ROW, [5])
        assert cur.fetchone() == (5,)


def test_returning_into_and_plsql_binds_are_ora_errors_not_silence(server: RunningServer) -> None:
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY)")
        out = cur.var(int)
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.execute(f"INSERT INTO {name} VALUES (:1) RETURNING id INTO :2", [1, out])
        assert caught.value.args[0].code == 1022
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.execute("BEGIN :1 := 5; END;", [out])
        assert caught.value.args[0].code == 1022
        cur.execute(f"SELECT COUNT(*) FROM {name}")
        assert cur.fetchone() == (0,)


def test_module_action_and_client_identifier_reach_the_session(server: RunningServer) -> None:
    with connect(server) as conn:
        conn.module, conn.action, conn.client_identifier = "payroll", "close", "jward"
        conn.ping()
        client = server.instance.registry.get(conn.session_id).attachments["oracle_client"]
        assert (client["MODULE"], client["ACTION"], client["CLIENT_IDENTIFIER"]) == ("payroll", "close", "jward")
        assert client["OSUSER"] and client["PROCESS"].isdigit()


def test_current_schema_is_set_through_alter_session(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute('CREATE USER ledger IDENTIFIED BY "Ledger!12"')
        conn.current_schema = "LEDGER"  # sent as ALTER SESSION SET CURRENT_SCHEMA before the next call
        cur.execute("SELECT SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA') FROM dual")
        assert cur.fetchone() == ("LEDGER",)
        conn.current_schema = "NO_SUCH_USER"
        with pytest.raises(oracledb.DatabaseError) as caught:
            conn.ping()
        assert caught.value.args[0].code == 1435


def test_an_unconstrained_number_fetches_each_value_as_int_or_float(server: RunningServer) -> None:
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, v NUMBER)")
        cur.executemany(f"INSERT INTO {name} VALUES (:1, :2)", [(1, 7), (2, Decimal("1.5")), (3, None)])
        cur.execute(f"SELECT v FROM {name} ORDER BY id")
        rows = cur.fetchall()
        assert rows == [(7,), (1.5,), (None,)] and type(rows[0][0]) is int
        assert cur.description[0][4:6] == (0, -127)


def test_batch_errors_and_scrollable_cursors_are_refused_not_ignored(server: RunningServer) -> None:
    with connect(server) as conn, conn.cursor() as cur:
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.executemany("INSERT INTO spin VALUES (:1)", [(5000,), (5001,)], batcherrors=True)
        assert caught.value.args[0].code == 1022
        with pytest.raises(oracledb.DatabaseError) as caught:
            cur.executemany("INSERT INTO spin VALUES (:1)", [(5000,), (5001,)], arraydmlrowcounts=True)
        assert caught.value.args[0].code == 1022
        scroll = conn.cursor(scrollable=True)
        with pytest.raises(oracledb.DatabaseError) as caught:
            scroll.execute("SELECT n FROM spin")
        assert caught.value.args[0].code == 1022
        cur.execute("SELECT COUNT(*) FROM spin WHERE n >= 5000")
        assert cur.fetchone() == (0,)


def test_sysdba_and_a_password_change_at_logon_are_refused(server: RunningServer) -> None:
    with pytest.raises(oracledb.DatabaseError) as caught:
        connect(server, mode=oracledb.AUTH_MODE_SYSDBA)
    assert caught.value.args[0].code == 1031
    with pytest.raises(oracledb.DatabaseError) as caught:
        connect(server, newpassword="Another!1")
    assert caught.value.args[0].code == 1022
    with pytest.raises(oracledb.DatabaseError) as caught:
        connect(server, appcontext=[("CLIENTCONTEXT", "k", "v")])
    assert caught.value.args[0].code == 1022
    connect(server).close()  # the password did not change


def test_drcp_pooled_servers_are_refused_by_the_listener(server: RunningServer) -> None:
    with pytest.raises(oracledb.Error) as caught:
        oracledb.connect(user="sa", password=PASSWORD, dsn=dsn(server) + ":pooled")
    assert "12520" in str(caught.value)


def test_a_client_asking_for_a_large_sdu_gets_at_most_32k_and_long_values_still_flow(server: RunningServer) -> None:
    text = "y" * 100_000
    with connect(server, sdu=2_000_000) as conn, conn.cursor() as cur:
        name = table_name()
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, t CLOB)")
        cur.execute(f"INSERT INTO {name} VALUES (:1, :2)", [1, text])
        cur.execute(f"SELECT t FROM {name}")
        assert cur.fetchone() == (text,)
        connection = next(
            c
            for c in server.server.oracle_listener.connections
            if c.session is not None and c.session.session_id == conn.session_id
        )
        assert 8192 < connection.codec.sdu <= 32768


def test_a_tds_writer_blocks_an_oracle_net_writer_and_the_views_show_it(server: RunningServer) -> None:
    name = table_name()
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE {name} (id NUMBER(10) PRIMARY KEY, v NUMBER(10))")
        cur.execute(f"INSERT INTO {name} VALUES (1, 0)")
        conn.commit()
        with pytds_connect(server) as tds, tds.cursor() as tcur:
            tcur.execute("BEGIN TRANSACTION")
            tcur.execute(f"UPDATE {name} SET v = 1 WHERE id = 1")
            tcur.execute("SELECT @@SPID")
            holder = tcur.fetchone()[0]
            result: dict[str, Any] = {}

            def update() -> None:
                with conn.cursor() as blocked:
                    blocked.execute(f"UPDATE {name} SET v = 2 WHERE id = 1")
                    result["rowcount"] = blocked.rowcount

            writer = threading.Thread(target=update)
            writer.start()
            server.wait_for(running(server, conn.session_id), "the Oracle Net update to run")
            with pytds_connect(server) as observer, observer.cursor() as ocur:
                for _ in range(200):
                    ocur.execute(
                        "SELECT blocking_session_id FROM sys.dm_exec_requests WHERE session_id = %s",
                        (conn.session_id,),
                    )
                    row = ocur.fetchone()
                    if row is not None and row[0]:
                        break
                    threading.Event().wait(0.05)
                assert row is not None and row[0] == holder
            tcur.execute("COMMIT")
            writer.join(timeout=20)
        assert result == {"rowcount": 1}
        conn.commit()
        cur.execute(f"SELECT v FROM {name}")
        assert cur.fetchone() == (2,)


def test_python_oracledb_asyncio_connects_queries_and_closes(server: RunningServer) -> None:
    import asyncio

    async def run() -> list[Any]:
        conn = await oracledb.connect_async(user="sa", password=PASSWORD, dsn=dsn(server))
        try:
            with conn.cursor() as cur:
                await cur.execute(ONE_ROW, [7])
                rows = await cur.fetchall()
                await conn.ping()
                return list(rows)
        finally:
            await conn.close()

    assert asyncio.run(run()) == [(7,)]



def test_closed_connections_leave_the_listener_once_their_sessions_are_closed(server: RunningServer) -> None:
    """A connection ended by its client (LOGOFF, close) or by a kill found at its next call is forgotten once its
    session is closed -- also when the call that found the kill ended within its first step: none is left for
    server stop to wait on, nor to be found by a later session's id."""
    with connect(server) as conn, conn.cursor() as cur:
        cur.execute("SELECT 1 FROM dual")
        assert cur.fetchone() == (1,)
    victim = connect(server)
    session_id = victim.session_id
    connection = next(c for c in server.server.oracle_listener.connections if c.session.session_id == session_id)

    def mark_killed() -> None:
        server.instance.registry.get(session_id).status = SessionStatus.KILLED

    server.on_engine(mark_killed)
    with pytest.raises(oracledb.DatabaseError):
        victim.ping()  # ORA-00028, the socket closed
    server.wait_for(lambda: server.instance.registry.get(session_id) is None, "the killed session's row to go")
    server.wait_for(lambda: connection not in server.server.oracle_listener.connections, "the connection to go")
    server.wait_for(
        lambda: not [c for c in list(server.server.oracle_listener.connections) if c.closed], "closed ones to go"
    )
