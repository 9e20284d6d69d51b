"""The session views and system procedures: shapes, values, scoping, and that they query like tables.

Single-session facts run on a private in-memory instance; facts about several sessions share one data directory
(the scenario harness).  Blocking, waits and rollbacks are in tests/isolation/test_views_blocking.py.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.admin import PROCEDURES, VIEWS
from quietus.dbapi import Connection
from quietus.sessions.session import ConnectionInfo
from quietus.sql.results import CollectingSink
from quietus.sql.types_base import INT_RANGE, SqlType
from tests.harness import scenario

SEED_QUERY = """SELECT conn.session_id, host_name, program_name,
    nt_domain, login_name, connect_time, last_request_end_time
FROM sys.dm_exec_sessions AS sess
JOIN sys.dm_exec_connections AS conn
    ON sess.session_id = conn.session_id;"""
SEED_COLUMNS = [
    "session_id",
    "host_name",
    "program_name",
    "nt_domain",
    "login_name",
    "connect_time",
    "last_request_end_time",
]


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True, program_name="views-test", host_name="WS-17")
    try:
        yield connection
    finally:
        connection.close()


def run(connection: Connection, sql: str) -> CollectingSink:
    sink = connection.run(sql)
    errors = [m for m in sink.messages if m.is_error]
    assert not errors, errors
    return sink


def records(connection: Connection, sql: str) -> list[dict[str, Any]]:
    """The last result set as dicts keyed by lower-case column name."""
    result = run(connection, sql).result_sets[-1]
    names = [column.name.casefold() for column in result.columns]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def attach_connection(connection: Connection, port: int) -> None:
    """What the TDS listener does for a network session: give it a ConnectionInfo."""
    info = ConnectionInfo(
        connect_time=datetime.datetime(2024, 5, 1, 9, 30),
        client_net_address="127.0.0.1",
        client_tcp_port=port,
        local_net_address="127.0.0.1",
        local_tcp_port=1433,
        protocol_version=0x74000004,
        connection_id=str(uuid.UUID(int=port)),
    )

    async def attach() -> None:
        connection.session.connection = info

    connection._engine.thread.call(attach())


def check_value(column: str, sql_type: SqlType, value: Any) -> None:
    """A view value is a valid value of its column's type (catches rows out of step with their column list)."""
    if value is None:
        return
    family = sql_type.family
    where = f"{column} {sql_type.display()} = {value!r}"
    if sql_type.name == "bit":
        assert isinstance(value, bool), where
    elif family == "int":
        low, high = INT_RANGE[sql_type.name]
        assert isinstance(value, int) and not isinstance(value, bool) and low <= value <= high, where
    elif family == "string":
        assert isinstance(value, str), where
        assert sql_type.length is None or len(value) <= sql_type.length, where
        if sql_type.name in ("char", "nchar"):
            assert len(value) == sql_type.length, where
    elif family == "binary":
        assert isinstance(value, bytes), where
        assert sql_type.length is None or len(value) <= sql_type.length, where
        if sql_type.name == "binary":
            assert len(value) == sql_type.length, where
    elif family == "datetime":
        assert isinstance(value, datetime.datetime), where
    elif family == "guid":
        assert isinstance(value, uuid.UUID), where
    elif family == "approx":
        assert isinstance(value, float), where
    elif family == "exact":
        assert isinstance(value, decimal.Decimal), where
    else:
        raise AssertionError(f"unexpected type in a view: {where}")


def test_every_view_and_procedure_is_registered_under_its_sql_server_name(conn: Connection) -> None:
    env = conn.instance.env
    assert env is not None
    for view in VIEWS:
        assert env.virtual_table(view.name) is view
    for name in ("sp_who", "sp_who2", "sp_lock"):
        assert env.procedures[name] is PROCEDURES[name]
    names = {view.name for view in VIEWS}
    assert {
        "sys.dm_exec_sessions",
        "sys.dm_exec_connections",
        "sys.dm_exec_requests",
        "sys.dm_tran_locks",
        "sys.dm_tran_active_transactions",
        "sys.dm_tran_session_transactions",
        "sys.dm_tran_database_transactions",
        "sys.dm_os_waiting_tasks",
        "sys.sysprocesses",
        "sys.databases",
        "sys.objects",
        "sys.tables",
        "sys.columns",
        "sys.indexes",
        "sys.schemas",
    } <= names


def test_every_view_row_matches_its_column_types(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        busy, idle = sc.session("busy"), sc.session("idle")
        busy.run("CREATE TABLE t (id INT PRIMARY KEY, name NVARCHAR(20), amount DECIMAL(10, 2), at DATETIME2)")
        busy.run("CREATE INDEX ix_name ON t (name)")
        busy.run("BEGIN TRAN; INSERT INTO t VALUES (1, N'a', 1.5, SYSDATETIME())")
        attach_connection(idle.connection, 50_001)
        for view in VIEWS:
            result = busy.run(f"SELECT * FROM {view.name}").result_sets[-1]
            assert [(c.name, c.type) for c in result.columns] == list(view.columns)
            for row in result.rows:
                assert len(row) == len(view.columns), view.name
                for (name, sql_type), value in zip(view.columns, row, strict=True):
                    check_value(f"{view.name}.{name}", sql_type, value)
        busy.run("ROLLBACK")


def test_dm_exec_sessions_column_list_follows_sql_server(conn: Connection) -> None:
    result = run(conn, "SELECT * FROM sys.dm_exec_sessions").result_sets[-1]
    names = [column.name for column in result.columns]
    assert names[:12] == [
        "session_id",
        "login_time",
        "host_name",
        "program_name",
        "host_process_id",
        "client_version",
        "client_interface_name",
        "security_id",
        "login_name",
        "nt_domain",
        "nt_user_name",
        "status",
    ]
    for name in (
        "is_user_process",
        "transaction_isolation_level",
        "open_transaction_count",
        "database_id",
        "original_login_name",
        "authenticating_database_id",
        "last_request_end_time",
    ):
        assert name in names
    assert len(names) >= 50


def test_a_user_session_shows_its_identity_options_and_transaction_count(conn: Connection) -> None:
    run(conn, "SET ANSI_NULLS OFF; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; SET LOCK_TIMEOUT 1500")
    run(conn, "SET DEADLOCK_PRIORITY LOW; BEGIN TRAN; BEGIN TRAN")
    (me,) = records(conn, "SELECT * FROM sys.dm_exec_sessions WHERE session_id = @@SPID")
    assert me["session_id"] == conn.session_id >= 51
    assert (me["host_name"], me["program_name"], me["login_name"]) == ("WS-17", "views-test", "sa")
    assert me["original_login_name"] == "sa" and me["nt_domain"] is None
    assert me["is_user_process"] is True and me["status"] == "running"
    assert (me["ansi_nulls"], me["quoted_identifier"]) == (False, True)
    assert (me["transaction_isolation_level"], me["lock_timeout"], me["deadlock_priority"]) == (4, 1500, -5)
    assert me["open_transaction_count"] == 2
    assert me["database_id"] == 1 and me["host_process_id"] is not None
    assert me["last_request_start_time"] >= me["login_time"]
    run(conn, "ROLLBACK")
    assert records(conn, "SELECT open_transaction_count FROM sys.dm_exec_sessions WHERE session_id = @@SPID") == [
        {"open_transaction_count": 0}
    ]


def test_system_sessions_are_background_with_is_user_process_0(conn: Connection) -> None:
    rows = records(
        conn,
        "SELECT s.session_id, s.is_user_process, r.status, r.command, r.wait_type FROM sys.dm_exec_sessions s "
        "JOIN sys.dm_exec_requests r ON r.session_id = s.session_id WHERE s.is_user_process = 0 "
        "ORDER BY s.session_id",
    )
    commands = {row["command"] for row in rows}
    assert {"LOCK MONITOR", "GHOST CLEANUP", "CHECKPOINT"} <= commands
    assert all(row["session_id"] < 51 and row["is_user_process"] is False for row in rows)
    assert all(row["status"] == "background" for row in rows)
    monitor = next(row for row in rows if row["command"] == "LOCK MONITOR")
    assert monitor["wait_type"] == "REQUEST_FOR_DEADLOCK_SEARCH"


def test_the_seed_query_runs_verbatim_and_lists_network_connections_only(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        networked, embedded = sc.session("networked"), sc.session("embedded")
        assert embedded.run(SEED_QUERY).result_sets[-1].rows == []  # embedded sessions have no connection
        attach_connection(networked.connection, 50_123)
        result = embedded.run(SEED_QUERY).result_sets[-1]
        assert [c.name for c in result.columns] == SEED_COLUMNS
        ((session_id, host, program, domain, login, connected, last_end),) = result.rows
        assert (session_id, host, program, domain, login) == (
            networked.session_id,
            "localhost",
            "networked",
            None,
            "sa",
        )
        assert connected == datetime.datetime(2024, 5, 1, 9, 30)
        assert isinstance(last_end, datetime.datetime)
        (row,) = records(
            embedded.connection,
            f"SELECT client_tcp_port, net_transport, endpoint_id, connection_id FROM sys.dm_exec_connections "
            f"WHERE session_id = {networked.session_id}",
        )
        assert row == {
            "client_tcp_port": 50_123,
            "net_transport": "TCP",
            "endpoint_id": 4,
            "connection_id": uuid.UUID(int=50_123),
        }


def test_views_join_filter_group_and_sort_like_tables(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        a, b, _ = sc.session("a"), sc.session("b"), sc.session("c")
        b.run("BEGIN TRAN")
        grouped = a.rows(
            "SELECT is_user_process, COUNT(*) FROM sys.dm_exec_sessions GROUP BY is_user_process "
            "ORDER BY is_user_process DESC"
        )
        assert grouped[0] == (True, 3)
        idle_in_transaction = a.rows(
            "SELECT s.session_id FROM sys.dm_exec_sessions s "
            "JOIN sys.dm_tran_session_transactions t ON t.session_id = s.session_id "
            "LEFT JOIN sys.dm_exec_requests r ON r.session_id = s.session_id "
            "WHERE r.session_id IS NULL"
        )
        assert idle_in_transaction == [(b.session_id,)]
        ordered = a.rows(
            "SELECT session_id FROM sys.dm_exec_sessions WHERE program_name IN ('a', 'b', 'c') ORDER BY session_id DESC"
        )
        assert [row[0] for row in ordered] == sorted((s.session_id for s in sc.sessions), reverse=True)
        assert a.value("SELECT COUNT(*) FROM master.sys.dm_exec_sessions WHERE session_id = @@SPID") == 1
        b.run("ROLLBACK")


def test_transactions_views_show_an_open_transaction(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        owner, observer = sc.session("owner"), sc.session("observer")
        owner.run("CREATE TABLE t (id INT PRIMARY KEY)")
        owner.run("BEGIN TRAN audit_fix; INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
        xid = observer.value(
            f"SELECT transaction_id FROM sys.dm_tran_session_transactions WHERE session_id = {owner.session_id}"
        )
        (active,) = records(
            observer.connection, f"SELECT * FROM sys.dm_tran_active_transactions WHERE transaction_id = {xid}"
        )
        assert (active["name"], active["transaction_type"], active["transaction_state"]) == ("audit_fix", 1, 2)
        (database,) = records(
            observer.connection, f"SELECT * FROM sys.dm_tran_database_transactions WHERE transaction_id = {xid}"
        )
        assert database["database_id"] == 1 and database["database_transaction_state"] == 4
        assert database["database_transaction_log_record_count"] == 2
        (session,) = records(
            observer.connection, f"SELECT * FROM sys.dm_tran_session_transactions WHERE transaction_id = {xid}"
        )
        assert session["is_user_transaction"] is True and session["open_transaction_count"] == 1
        owner.run("COMMIT")
        assert observer.rows(f"SELECT * FROM sys.dm_tran_active_transactions WHERE transaction_id = {xid}") == []


def test_dm_tran_locks_shows_granted_locks_and_each_sessions_database_lock(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        owner, observer = sc.session("owner"), sc.session("observer")
        owner.run("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        owner.run("INSERT INTO t VALUES (1, 10)")
        owner.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        rows = records(
            observer.connection,
            f"SELECT resource_type, request_mode, request_status, request_owner_type, request_owner_guid, "
            f"resource_description, resource_associated_entity_id FROM sys.dm_tran_locks "
            f"WHERE request_session_id = {owner.session_id}",
        )
        kinds = {(r["resource_type"], r["request_mode"], r["request_status"], r["request_owner_type"]) for r in rows}
        object_id = observer.value("SELECT object_id FROM sys.tables WHERE name = 't'")
        assert ("DATABASE", "S", "GRANT", "SHARED_TRANSACTION_WORKSPACE") in kinds
        assert ("OBJECT", "IX", "GRANT", "TRANSACTION") in kinds
        assert ("KEY", "X", "GRANT", "TRANSACTION") in kinds
        key = next(r for r in rows if r["resource_type"] == "KEY")
        assert key["resource_description"].startswith("(") and key["resource_associated_entity_id"] == object_id
        assert all(r["request_owner_guid"] == uuid.UUID(int=0) for r in rows)
        owner.run("COMMIT")
        after = observer.rows(
            f"SELECT resource_type FROM sys.dm_tran_locks WHERE request_session_id = {owner.session_id}"
        )
        assert after == [("DATABASE",)]


def test_sp_who_lists_sessions_and_filters_by_login_id_and_activity(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        caller, other = sc.session("caller"), sc.session("other")
        result = caller.run("EXEC sp_who").result_sets[-1]
        assert [c.name for c in result.columns] == [
            "spid",
            "ecid",
            "status",
            "loginame",
            "hostname",
            "blk",
            "dbname",
            "cmd",
            "request_id",
        ]
        by_spid = {row[0]: row for row in result.rows}
        assert by_spid[other.session_id][2].rstrip() == "sleeping"
        assert by_spid[other.session_id][5] == "0    "  # blk is char(5)
        assert by_spid[other.session_id][7].rstrip() == "AWAITING COMMAND"
        assert by_spid[caller.session_id][2].rstrip() == "running"
        assert any(row[2].rstrip() == "background" for row in result.rows)
        active = {row[0] for row in caller.rows("EXEC sp_who 'ACTIVE'")}
        assert caller.session_id in active and other.session_id not in active
        assert [row[0] for row in caller.rows(f"EXEC sp_who {other.session_id}")] == [other.session_id]
        assert [row[0] for row in caller.rows(f"EXEC sp_who '{other.session_id}'")] == [other.session_id]
        by_login = caller.rows("EXEC sp_who @loginame = 'SA'")
        assert {caller.session_id, other.session_id} <= {row[0] for row in by_login}
        assert caller.rows("EXEC sp_who 'nobody'") == []


def test_sp_who2_and_sp_lock_shapes(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        caller, holder = sc.session("caller"), sc.session("holder")
        holder.run("CREATE TABLE t (id INT PRIMARY KEY, v INT)")
        holder.run("INSERT INTO t VALUES (1, 10)")
        holder.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1")
        who2 = caller.run("EXEC sp_who2").result_sets[-1]
        assert [c.name for c in who2.columns] == [
            "SPID",
            "Status",
            "Login",
            "HostName",
            "BlkBy",
            "DBName",
            "Command",
            "CPUTime",
            "DiskIO",
            "LastBatch",
            "ProgramName",
            "SPID",
            "REQUESTID",
        ]
        mine = next(row for row in who2.rows if row[0].strip() == str(holder.session_id))
        assert (mine[1], mine[4], mine[6], mine[10]) == ("sleeping", "  .  ", "AWAITING COMMAND", "holder")
        assert any(row[1] == "BACKGROUND" and row[3] == "  ." for row in who2.rows)
        locks = caller.run(f"EXEC sp_lock {holder.session_id}").result_sets[-1]
        assert [c.name for c in locks.columns] == [
            "spid",
            "dbid",
            "ObjId",
            "IndId",
            "Type",
            "Resource",
            "Mode",
            "Status",
        ]
        kinds = {(row[4].strip(), row[6], row[7]) for row in locks.rows}
        assert kinds == {("DB", "S", "GRANT"), ("TAB", "IX", "GRANT"), ("KEY", "X", "GRANT")}
        assert {row[0] for row in locks.rows} == {holder.session_id}
        everyone = {row[0] for row in caller.rows("EXEC sp_lock")}
        assert {caller.session_id, holder.session_id} <= everyone
        holder.run("ROLLBACK")


@pytest.mark.parametrize(
    ("call", "number"),
    [("EXEC sp_who @nobody = 1", 8145), ("EXEC sp_who 1, 2", 8144), ("EXEC sp_lock 1, 2, 3", 8144)],
)
def test_procedure_argument_errors_are_sql_servers(conn: Connection, call: str, number: int) -> None:
    errors = [m for m in conn.run(call).messages if m.is_error]
    assert [e.number for e in errors] == [number]


def test_catalog_views_describe_tables_columns_and_indexes(conn: Connection) -> None:
    run(
        conn,
        "CREATE TABLE orders (id INT IDENTITY(1, 1) PRIMARY KEY, customer NVARCHAR(40) NOT NULL, "
        "total DECIMAL(12, 2), note VARCHAR(MAX))",
    )
    run(conn, "CREATE UNIQUE INDEX ix_customer ON orders (customer)")
    object_id = (
        conn.run("SELECT object_id FROM sys.objects WHERE name = 'orders' AND type = 'U'").result_sets[-1].rows[0][0]
    )
    columns = records(
        conn,
        f"SELECT name, column_id, system_type_id, max_length, precision, scale, is_nullable, "
        f"is_identity FROM sys.columns WHERE object_id = {object_id} ORDER BY column_id",
    )
    assert [(c["name"], c["system_type_id"], c["max_length"]) for c in columns] == [
        ("id", 56, 4),
        ("customer", 231, 80),
        ("total", 106, 9),
        ("note", 167, -1),
    ]
    assert (columns[0]["is_identity"], columns[1]["is_nullable"], columns[2]["precision"]) == (True, False, 12)
    indexes = records(
        conn,
        f"SELECT name, index_id, type_desc, is_unique, is_primary_key FROM sys.indexes "
        f"WHERE object_id = {object_id} ORDER BY index_id",
    )
    assert [(i["index_id"], i["type_desc"], i["is_unique"], i["is_primary_key"]) for i in indexes] == [
        (1, "CLUSTERED", True, True),
        (2, "NONCLUSTERED", True, False),
    ]
    (master,) = records(
        conn,
        "SELECT name, database_id, state_desc, is_read_committed_snapshot_on, "
        "is_accelerated_database_recovery_on FROM sys.databases",
    )
    assert master == {
        "name": "master",
        "database_id": 1,
        "state_desc": "ONLINE",
        "is_read_committed_snapshot_on": False,
        "is_accelerated_database_recovery_on": False,
    }
    run(conn, "ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON")
    assert conn.run("SELECT is_read_committed_snapshot_on FROM sys.databases").result_sets[-1].rows == [(True,)]


class _NoServerState:
    """A security service that grants nothing: the scoping rule, whatever the real security layer's state."""

    def has_server_permission(self, login: str, permission: str) -> bool:
        return False

    def principal(self, login: str) -> None:
        return None


def test_without_view_server_state_every_session_view_shows_only_the_callers_session(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        caller, other = sc.session("caller"), sc.session("other")
        other.run("CREATE TABLE t (id INT PRIMARY KEY); BEGIN TRAN; INSERT INTO t VALUES (1)")
        caller.run("BEGIN TRAN; SELECT 1")
        env = caller.connection.instance.env
        assert env is not None
        real = env.services.get("security")

        async def swap(service: object) -> None:
            if service is None:
                env.services.pop("security", None)
            else:
                env.services["security"] = service

        thread = caller.connection._engine.thread
        thread.call(swap(_NoServerState()))
        try:
            me = caller.session_id
            for sql in (
                "SELECT session_id FROM sys.dm_exec_sessions",
                "SELECT session_id FROM sys.dm_exec_requests",
                "SELECT spid FROM sys.sysprocesses",
                "EXEC sp_who",
                "EXEC sp_lock",
                "SELECT request_session_id FROM sys.dm_tran_locks",
                "SELECT session_id FROM sys.dm_tran_session_transactions",
            ):
                assert {row[0] for row in caller.rows(sql)} == {me}, sql
            assert {int(row[0]) for row in caller.rows("EXEC sp_who2")} == {me}
            assert caller.rows("SELECT * FROM sys.dm_os_waiting_tasks") == []  # the system tasks are not its own
        finally:
            thread.call(swap(real))
        assert other.session_id in {row[0] for row in caller.rows("SELECT session_id FROM sys.dm_exec_sessions")}
        caller.run("ROLLBACK")
        other.run("ROLLBACK")
