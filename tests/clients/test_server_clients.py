"""Real clients against a real Quietus server over 127.0.0.1: pytds, pymssql, FreeTDS tsql, pyodbc + FreeTDS ODBC.

Each client runs what an application would: every engine type both ways, errors with number/severity/state/line,
row counts, several result sets, its own way of passing parameters (pytds sp_executesql, pyodbc sp_prepexec and
sp_unprepare, pymssql client-side), its own way of running transactions (pytds TM requests, pymssql BEGIN TRAN,
pyodbc autocommit off), ATTENTION, sessions of two clients blocking each other, sp_reset_connection, and a failed
login.  A client's tests are skipped only when the client is not installed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, RunningServer, running_server

GUID = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")
# column, declaration, value: every type the engine stores
ALL_TYPES: list[tuple[str, str, Any]] = [
    ("b", "BIT", True),
    ("ti", "TINYINT", 255),
    ("si", "SMALLINT", -32000),
    ("i", "INT", 2_000_000_000),
    ("bi", "BIGINT", -9_000_000_000_000),
    ("d", "DECIMAL(10,3)", Decimal("-1234567.891")),
    ("n", "NUMERIC(38,0)", Decimal("12345678901234567890123456789012345678")),
    ("m", "MONEY", Decimal("922337203685477.5807")),
    ("sm", "SMALLMONEY", Decimal("-214748.3647")),
    ("f", "FLOAT", 1.5e300),
    ("r", "REAL", 0.5),
    ("c", "CHAR(5)", "abcde"),
    ("vc", "VARCHAR(20)", "café"),
    ("nc", "NCHAR(3)", "ñøß"),
    ("nv", "NVARCHAR(30)", "Grüße, 世界"),
    ("nvmax", "NVARCHAR(MAX)", "x" * 9000),
    ("vcmax", "VARCHAR(MAX)", "long " * 1000),
    ("bn", "BINARY(4)", b"\xde\xad\xbe\xef"),
    ("vb", "VARBINARY(10)", b"\x00\x01\xff"),
    ("vbmax", "VARBINARY(MAX)", bytes(range(256)) * 40),
    ("dte", "DATE", dt.date(2024, 2, 29)),
    ("tm", "TIME(6)", dt.time(13, 14, 15, 123456)),
    ("dtm", "DATETIME", dt.datetime(2023, 12, 31, 23, 59, 59, 997000)),
    ("sdt", "SMALLDATETIME", dt.datetime(2001, 2, 3, 4, 5)),
    ("dt2", "DATETIME2(6)", dt.datetime(1, 1, 1, 0, 0, 0, 1)),
    ("u", "UNIQUEIDENTIFIER", GUID),
]
NAMES = [name for name, _, _ in ALL_TYPES]
VALUES = tuple(value for _, _, value in ALL_TYPES)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("server") / "data") as running:
        yield running


def pytds_connect(server: RunningServer, **kwargs: Any) -> Any:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    options = {"user": "sa", "password": PASSWORD, "port": server.port, "login_timeout": 10, "timeout": 20}
    return pytds.connect("127.0.0.1", **{**options, **kwargs})


def pymssql_connect(server: RunningServer, **kwargs: Any) -> Any:
    pymssql = pytest.importorskip("pymssql", reason="pymssql is not installed")
    options = {"server": "127.0.0.1", "port": str(server.port), "user": "sa", "password": PASSWORD}
    return pymssql.connect(**{**options, "login_timeout": 10, "timeout": 20, **kwargs})


def pyodbc_connect(server: RunningServer, **kwargs: Any) -> Any:
    pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")
    if "FreeTDS" not in pyodbc.drivers():
        pytest.skip("the FreeTDS ODBC driver (tdsodbc) is not installed")
    dsn = f"DRIVER={{FreeTDS}};SERVER=127.0.0.1;PORT={server.port};UID=sa;PWD={PASSWORD}"
    return pyodbc.connect(dsn, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def all_types_table(server: RunningServer) -> str:
    """Table all_types: row 1 inserted with pytds parameters (sp_executesql), row 2 all NULL."""
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    columns = ", ".join(f"{name} {declaration}" for name, declaration, _ in ALL_TYPES)
    parameters = tuple(pytds.Binary(v) if isinstance(v, bytes) else v for v in VALUES)  # pytds' bytes are text
    with pytds_connect(server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE TABLE all_types (id INT PRIMARY KEY, {columns})")
        placeholders = ", ".join(["%s"] * len(ALL_TYPES))
        cur.execute(f"INSERT INTO all_types (id, {', '.join(NAMES)}) VALUES (1, {placeholders})", parameters)
        cur.execute("INSERT INTO all_types (id) VALUES (2)")
    return f"SELECT {', '.join(NAMES)} FROM all_types ORDER BY id"


# -- pytds --------------------------------------------------------------------------------------------------


def test_pytds_every_type_round_trips_through_parameters(server: RunningServer, all_types_table: str) -> None:
    with pytds_connect(server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(all_types_table)
        row, nulls = cur.fetchall()
        assert dict(zip(NAMES, row, strict=True)) == dict(zip(NAMES, VALUES, strict=True))
        assert tuple(nulls) == (None,) * len(NAMES)
        assert [d[0] for d in cur.description] == NAMES
        cur.execute("SELECT %s, %s, %s, %s", (7, "ünï", Decimal("12.345"), dt.date(2020, 1, 2)))
        assert cur.fetchall() == [(7, "ünï", Decimal("12.345"), dt.date(2020, 1, 2))]


def test_pytds_errors_counts_and_result_sets(server: RunningServer) -> None:
    pytds = pytest.importorskip("pytds")
    with pytds_connect(server, autocommit=True) as conn, conn.cursor() as cur:
        with pytest.raises(pytds.ProgrammingError) as caught:
            cur.execute("DECLARE @x INT\nSELECT * FROM nowhere")
        error = caught.value
        assert (error.msg_no, error.severity, error.state, error.line) == (208, 16, 1, 2)
        assert error.text == "Invalid object name 'nowhere'."
        assert error.srvname == "QUIETUS"
        cur.execute("CREATE TABLE counted (id INT PRIMARY KEY)")
        cur.execute("INSERT INTO counted VALUES (1), (2), (3)")
        assert cur.rowcount == 3
        cur.execute("UPDATE counted SET id = id + 10 WHERE id > 1")
        assert cur.rowcount == 2
        cur.execute("SELECT id FROM counted ORDER BY id; SELECT N'second' AS s, 2 AS n")
        assert cur.fetchall() == [(1,), (12,), (13,)]
        assert cur.nextset()
        assert cur.fetchall() == [("second", 2)]
        assert [d[0] for d in cur.description] == ["s", "n"]
        with pytest.raises(pytds.OperationalError) as raised:
            cur.execute("RAISERROR('custom %d', 16, 3, 42)")
        assert (raised.value.msg_no, raised.value.severity, raised.value.state) == (50000, 16, 3)
        assert raised.value.text == "custom 42"


def test_pytds_transactions_use_tm_requests(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as setup, setup.cursor() as cur:
        cur.execute("CREATE TABLE pytds_tx (id INT PRIMARY KEY)")
    with pytds_connect(server, autocommit=False) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT @@TRANCOUNT")
            assert cur.fetchall() == [(1,)]  # TM BEGIN_XACT at connect
            cur.execute("INSERT INTO pytds_tx VALUES (1)")
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("INSERT INTO pytds_tx VALUES (2)")
        conn.commit()
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM pytds_tx")
            assert cur.fetchall() == [(2,)]
            cur.execute("SELECT @@TRANCOUNT")
            assert cur.fetchall() == [(1,)]  # commit began the next transaction (fBeginXact)


def test_pytds_attention_cancels_waitfor_and_the_connection_is_reusable(server: RunningServer) -> None:
    pytds = pytest.importorskip("pytds")
    with pytds_connect(server, autocommit=True, timeout=1) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE attn (id INT PRIMARY KEY)")
        cur.execute("BEGIN TRAN; INSERT INTO attn VALUES (1)")
        with pytest.raises(pytds.TimeoutError):
            cur.execute("WAITFOR DELAY '00:01:00'")
        cur.execute("SELECT @@TRANCOUNT, COUNT(*) FROM attn")
        assert cur.fetchall() == [(1, 1)]  # an attention keeps the open transaction, as SQL Server does
        cur.execute("ROLLBACK")
        cur.execute("SELECT COUNT(*) FROM attn")
        assert cur.fetchall() == [(0,)]


def test_sp_reset_connection_restores_the_post_login_state(server: RunningServer) -> None:
    pytds = pytest.importorskip("pytds")
    with pytds_connect(server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE reset_me (id INT PRIMARY KEY)")
        cur.execute("SET XACT_ABORT ON; SET LOCK_TIMEOUT 5; BEGIN TRAN; INSERT INTO reset_me VALUES (1)")
        cur.callproc("sp_reset_connection", ())
        cur.execute("SELECT @@TRANCOUNT, @@LOCK_TIMEOUT, XACT_STATE()")
        assert cur.fetchall() == [(0, -1, 0)]
        cur.execute("SELECT COUNT(*) FROM reset_me")
        assert cur.fetchall() == [(0,)]
        with pytest.raises(pytds.ProgrammingError) as caught:
            cur.callproc("no_such_procedure", (1,))
        assert caught.value.msg_no == 2812


# -- pymssql -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("tds_version", ["7.4", "7.1"])
def test_pymssql_types_parameters_and_transactions(
    server: RunningServer, all_types_table: str, tds_version: str
) -> None:
    pymssql = pytest.importorskip("pymssql", reason="pymssql is not installed")
    conn = pymssql_connect(server, tds_version=tds_version)
    try:
        cur = conn.cursor()
        cur.execute(all_types_table)
        row, nulls = cur.fetchall()
        expected = dict(zip(NAMES, VALUES, strict=True))
        if tds_version == "7.1":  # date/time types reach a 7.1 client as SQL Server's down-level strings
            expected.update(dte="2024-02-29", tm="13:14:15.123456", dt2="0001-01-01 00:00:00.000001")
        assert dict(zip(NAMES, row, strict=True)) == expected
        assert nulls == (None,) * len(NAMES)
        table = f"pymssql_{tds_version.replace('.', '')}"
        cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, name NVARCHAR(20))")
        conn.commit()
        cur.execute(f"INSERT INTO {table} VALUES (%s, %s)", (1, "o'neil"))  # BEGIN TRAN at connect: in a txn
        conn.rollback()
        cur.execute(f"INSERT INTO {table} VALUES (%s, %s)", (2, "kept"))
        assert cur.rowcount == 1
        conn.commit()
        cur.execute(f"SELECT id, name FROM {table}")
        assert cur.fetchall() == [(2, "kept")]
        with pytest.raises(pymssql.ProgrammingError) as caught:
            cur.execute("SELECT * FROM nowhere")
        assert caught.value.args[0] == 208
    finally:
        conn.close()


# -- pyodbc --------------------------------------------------------------------------------------------------


def test_pyodbc_types_prepared_parameters_and_transactions(server: RunningServer, all_types_table: str) -> None:
    conn = pyodbc_connect(server, autocommit=False)
    try:
        cur = conn.cursor()
        cur.execute(all_types_table)
        row, nulls = cur.fetchall()
        expected = [str(v).upper() if isinstance(v, uuid.UUID) else v for v in VALUES]
        assert dict(zip(NAMES, row, strict=True)) == dict(zip(NAMES, expected, strict=True))
        assert list(nulls) == [None] * len(NAMES)
        cur.execute("CREATE TABLE odbc_tx (id INT PRIMARY KEY, name NVARCHAR(10), amount DECIMAL(10,2))")
        conn.commit()
        for i in range(3):  # sp_prepexec, then sp_unprepare when the statement is re-executed
            cur.execute("INSERT INTO odbc_tx VALUES (?, ?, ?)", i, f"n{i}", Decimal("1.25") * i)
        conn.rollback()
        cur.execute("INSERT INTO odbc_tx VALUES (?, ?, ?)", 7, "seven", Decimal("7.70"))
        conn.commit()
        cur.execute("SELECT id, name, amount FROM odbc_tx WHERE id = ? AND name = ?", 7, "seven")
        assert [tuple(r) for r in cur.fetchall()] == [(7, "seven", Decimal("7.70"))]
        with pytest.raises(Exception, match=r"42S02.*Invalid object name 'nowhere'\. \(208\)"):
            cur.execute("SELECT * FROM nowhere")
    finally:
        conn.close()


# -- tsql ----------------------------------------------------------------------------------------------------


def test_tsql_batches_rows_and_errors(server: RunningServer) -> None:
    if shutil.which("tsql") is None:
        pytest.skip("FreeTDS tsql (freetds-bin) is not installed")
    script = "SELECT 40 + 2 AS answer\ngo\nSELECT * FROM nowhere\ngo\nPRINT 'printed'\ngo\nquit\n"
    result = subprocess.run(
        ["tsql", "-H", "127.0.0.1", "-p", str(server.port), "-U", "sa", "-P", PASSWORD],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LANG": "C.UTF-8"},
    )
    output = result.stdout + result.stderr
    assert "answer\n42\n" in result.stdout
    assert "(1 row affected)" in result.stdout
    assert "Msg 208 (severity 16, state 1) from QUIETUS Line 1" in output
    assert "printed" in output


# -- several sessions ----------------------------------------------------------------------------------------


def test_two_real_clients_block_on_a_row_lock(server: RunningServer) -> None:
    """pymssql holds an X key lock; pytds' update of the same row waits (LCK_M_U) until pymssql commits."""
    with pytds_connect(server, autocommit=True) as setup, setup.cursor() as cur:
        cur.execute("CREATE TABLE contended (id INT PRIMARY KEY, v INT)")
        cur.execute("INSERT INTO contended VALUES (1, 0), (2, 0)")
    holder = pymssql_connect(server)
    try:
        hold = holder.cursor()
        hold.execute("UPDATE contended SET v = 1 WHERE id = 1")  # pymssql is in a transaction from connect
        hold.execute("SELECT @@SPID")
        holder_spid = hold.fetchone()[0]
        outcome: dict[str, Any] = {}
        with pytds_connect(server, autocommit=True) as waiter_conn, waiter_conn.cursor() as waiter:
            waiter.execute("SELECT @@SPID")
            waiter_spid = waiter.fetchone()[0]

            def blocked_update() -> None:
                waiter.execute("UPDATE contended SET v = v + 10 WHERE id = 1")
                outcome["rowcount"] = waiter.rowcount

            thread = threading.Thread(target=blocked_update)
            thread.start()
            server.wait_for(lambda: _waits_on_lock(server, waiter_spid), "the update to wait on the row lock")
            assert thread.is_alive()
            with pytds_connect(server, autocommit=True) as other, other.cursor() as probe:
                probe.execute("UPDATE contended SET v = 5 WHERE id = 2")  # another row: not blocked
                assert probe.rowcount == 1
            holder.commit()
            thread.join(timeout=20)
            assert outcome == {"rowcount": 1}
            waiter.execute("SELECT v FROM contended WHERE id = 1")
            assert waiter.fetchall() == [(11,)]
        assert holder_spid != waiter_spid
    finally:
        holder.close()


def _waits_on_lock(server: RunningServer, session_id: int) -> bool:
    session = server.instance.registry.get(session_id)
    task = session.task if session is not None else None
    return task is not None and (task.wait_type or "").startswith("LCK_M_")


def test_sessions_show_their_connections(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True, appname="quietus-tests") as conn, conn.cursor() as cur:
        cur.execute("SELECT @@SPID")
        spid = cur.fetchone()[0]
        session = server.on_engine(lambda: server.instance.registry.get(spid))
        assert (session.login_name, session.program_name) == ("sa", "quietus-tests")
        info = session.connection
        assert info is not None
        assert (info.client_net_address, info.local_tcp_port) == ("127.0.0.1", server.port)
        assert info.protocol_version == 0x74000004 and info.packet_size == 4096
        assert info.num_reads >= 1 and info.num_writes >= 1 and info.connection_id
        # last_read / last_write as the view shows them: this request was read after the last reply was written
        cur.execute(
            "SELECT connect_time, last_write, last_read, GETDATE() FROM sys.dm_exec_connections "
            "WHERE session_id = @@SPID"
        )
        connected, written, read, now = cur.fetchone()
        assert connected <= written <= read <= now
    server.wait_for(lambda: server.instance.registry.get(spid) is None, "the session to end with its connection")


# -- logins and the error log --------------------------------------------------------------------------------


def test_failed_login_gets_18456_and_the_error_log_says_why(server: RunningServer) -> None:
    pytds = pytest.importorskip("pytds")
    with pytest.raises(pytds.OperationalError) as caught:
        pytds_connect(server, password="wrong")
    assert caught.value.msg_no == 18456
    assert caught.value.text == "Login failed for user 'sa'."
    log = server.errorlog_text()
    assert (
        "Logon Login failed for user 'sa'. Reason: Password did not match that for the login provided. "
        "[CLIENT: 127.0.0.1]"
    ) in log
    with pytds_connect(server, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("EXEC sp_readerrorlog 0, 1, N'Login failed'")
        rows = cur.fetchall()
        assert [d[0] for d in cur.description] == ["LogDate", "ProcessInfo", "Text"]
        assert rows and all("Login failed" in text for _, _, text in rows)
        assert isinstance(rows[0][0], dt.datetime) and rows[0][1] == "Logon"
        cur.execute("EXEC xp_readerrorlog 0, 1, N'ready for client connections'")
        assert len(cur.fetchall()) == 1


def test_the_error_log_file_is_in_sql_servers_format(server: RunningServer) -> None:
    text = (Path(server.data_dir) / "log" / "ERRORLOG").read_text(encoding="utf-8")
    first, second = text.splitlines()[:2]
    assert first[:4].isdigit() and first[4] == "-" and first[22:35] == " Server      "
    assert "Microsoft SQL Server 2022 (RTM) - 16.0.4000.0 (X64)" in first and "Quietus 0.1.0" in second
    assert "Recovery completed for database master (database ID 1)" in text
    assert f"Server is listening on [ 127.0.0.1 <ipv4> {server.port}]." in text
