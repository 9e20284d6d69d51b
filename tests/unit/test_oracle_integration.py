"""What the Oracle admin layer plugs into the Oracle runner: v$ views by name, ALTER SYSTEM statements, kills."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection, DatabaseError
from quietus.engine.interrupts import InterruptReason
from quietus.sql.dialect import statements as st
from quietus.sql.environment import VirtualTable
from quietus.sql.types_base import INT, NVARCHAR
from tests.harness import interrupt, scenario, wait_until_blocked


@pytest.fixture
def ora() -> Iterator[Connection]:
    connection = quietus.connect(None, dialect="oracle", autocommit=True)
    try:
        yield connection
    finally:
        connection.close()


def _sessions_view(ctx: Any) -> list[tuple[Any, ...]]:
    return [
        (7, 15, "ACTIVE", "DEDICATED", "JWARD"),
        (12, 63, "INACTIVE", "DEDICATED", "JWARD"),
        (3, 1, "ACTIVE", "DEDICATED", "SYS"),
    ]


@pytest.mark.parametrize("name", ["v$session", "V$SESSION", "sys.v$session", "SYS.V$SESSION"])
def test_v_views_resolve_unqualified_or_under_sys(ora: Connection, name: str) -> None:
    assert ora.instance.env is not None
    columns = [
        ("SID", INT), ("SERIAL#", INT), ("STATUS", NVARCHAR(8)), ("SERVER", NVARCHAR(9)), ("USERNAME", NVARCHAR(128))
    ]
    ora.instance.env.virtual_tables["v$session"] = VirtualTable("v$session", columns, _sessions_view)
    cursor = ora.cursor()
    cursor.execute(f"SELECT sid, serial#, status, server FROM {name} WHERE username = 'JWARD' ORDER BY sid")
    assert [d[0] for d in cursor.description or []] == ["SID", "SERIAL#", "STATUS", "SERVER"]
    assert cursor.fetchall() == [(7, 15, "ACTIVE", "DEDICATED"), (12, 63, "INACTIVE", "DEDICATED")]


def test_alter_system_statements_reach_the_registered_handlers(ora: Connection) -> None:
    assert ora.instance.env is not None
    seen: list[st.Statement] = []
    handlers = ora.instance.env.statement_handlers
    saved = dict(handlers)
    try:
        handlers[st.KillSession] = lambda ctx, statement: seen.append(statement)
        handlers[st.DisconnectSession] = lambda ctx, statement: seen.append(statement)
        ora.cursor().execute("ALTER SYSTEM KILL SESSION '7,15' IMMEDIATE")
        ora.cursor().execute("alter system disconnect session '12,63' post_transaction")
    finally:
        handlers.clear()
        handlers.update(saved)
    kill, disconnect = seen
    assert isinstance(kill, st.KillSession) and kill.spec == "7,15" and kill.immediate
    assert isinstance(disconnect, st.DisconnectSession) and disconnect.spec == "12,63" and disconnect.post_transaction


def test_an_alter_system_statement_without_a_handler_is_a_clear_error(ora: Connection) -> None:
    assert ora.instance.env is not None
    ora.instance.env.statement_handlers.pop(st.KillSession, None)
    with pytest.raises(DatabaseError) as raised:
        ora.cursor().execute("ALTER SYSTEM KILL SESSION '7,15'")
    assert raised.value.number == 3001


def test_grant_and_users_become_login_statements(ora: Connection) -> None:
    assert ora.instance.env is not None
    seen: list[st.Statement] = []
    handlers = ora.instance.env.statement_handlers
    saved = dict(handlers)
    try:
        handlers[st.GrantPermission] = lambda ctx, statement: seen.append(statement)
        ora.cursor().execute("GRANT ALTER SYSTEM TO jward")
        ora.cursor().execute('REVOKE ALTER SYSTEM FROM "Mixed"')
    finally:
        handlers.clear()
        handlers.update(saved)
    assert [(s.kind, s.permission, s.principal) for s in seen if isinstance(s, st.GrantPermission)] == [
        ("GRANT", "ALTER SYSTEM", "JWARD"),
        ("REVOKE", "ALTER SYSTEM", "Mixed"),
    ]


def test_a_killed_oracle_session_gets_ora_00028_and_its_transaction_is_undone(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        setup = sc.session("setup", "oracle")
        setup.run("CREATE TABLE t (id NUMBER PRIMARY KEY, v NUMBER)")
        setup.run("INSERT INTO t VALUES (1, 10)")
        setup.run("INSERT INTO t VALUES (2, 20)")
        setup.run("COMMIT")
        victim, holder = sc.session("victim", "oracle"), sc.session("holder", "oracle")
        victim.run("UPDATE t SET v = 11 WHERE id = 2")
        holder.run("UPDATE t SET v = 12 WHERE id = 1")
        blocked = victim.start("UPDATE t SET v = 13 WHERE id = 1")
        wait_until_blocked(blocked)
        interrupt(victim, InterruptReason.KILLED)
        errors = [m for m in blocked.result().messages if m.is_error]
        assert [(m.number, m.text) for m in errors] == [(28, "ORA-00028: your session has been killed")]
        holder.run("COMMIT")
        assert holder.rows("SELECT id, v FROM t ORDER BY id") == [(1, 12), (2, 20)]
