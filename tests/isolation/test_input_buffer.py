"""What a DBA looks at before a kill, across sessions: input buffers and SQL text of idle, running and blocked
sessions, masking of password-carrying batches, and VIEW SERVER STATE scoping."""

from __future__ import annotations

from pathlib import Path

import pytest

from quietus.dbapi import DatabaseError
from tests.harness import ScenarioSession, create_table_t, scenario, wait_until_blocked
from tests.isolation.test_views_blocking import _login

STATEMENT_OF_REQUEST = """SELECT r.session_id, r.statement_start_offset, r.statement_end_offset,
    SUBSTRING(t.text, r.statement_start_offset / 2 + 1,
        ((CASE r.statement_end_offset WHEN -1 THEN DATALENGTH(t.text) ELSE r.statement_end_offset END
          - r.statement_start_offset) / 2) + 1) AS statement_text,
    t.text
FROM sys.dm_exec_requests r CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) t
WHERE r.session_id = {spid}"""

BUFFERS = """SELECT s.session_id, s.login_name, ib.event_type, ib.parameters, ib.event_info
FROM sys.dm_exec_sessions s CROSS APPLY sys.dm_exec_input_buffer(s.session_id, NULL) ib"""


def buffers(observer: ScenarioSession) -> dict[int, tuple[object, ...]]:
    return {row[0]: row[1:] for row in observer.rows(BUFFERS)}


def test_idle_running_and_blocked_sessions_show_their_buffers_and_the_running_statement(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        blocker, waiter, observer = sc.session("blocker"), sc.session("waiter"), sc.session("observer")
        holding = "BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 1"
        blocker.run(holding)
        batch = "SELECT 1 AS first;\nUPDATE t SET v = 12 WHERE id = 1;\nSELECT 3 AS last"
        step = waiter.start(batch)
        assert wait_until_blocked(step) == "LCK_M_U"

        seen = buffers(observer)
        assert seen[blocker.session_id] == ("sa", "Language Event", 0, holding)  # idle: its last batch
        assert seen[waiter.session_id] == ("sa", "Language Event", 0, batch)  # blocked
        assert seen[observer.session_id][3] == BUFFERS  # running: this very query

        (blocked,) = observer.rows(STATEMENT_OF_REQUEST.format(spid=waiter.session_id))
        assert blocked[3] == "UPDATE t SET v = 12 WHERE id = 1" and blocked[4] == batch
        assert blocked[1] == 2 * batch.index("UPDATE") and blocked[2] > blocked[1]
        (running,) = observer.rows(STATEMENT_OF_REQUEST.format(spid="@@SPID"))
        assert running[2] == -1 and running[3] == running[4]  # one statement: the whole batch
        assert observer.rows(STATEMENT_OF_REQUEST.format(spid=blocker.session_id)) == []  # idle: no request

        # The idle blocker's last text is still reachable through DBCC INPUTBUFFER and its handle.
        sink = observer.run(f"DBCC INPUTBUFFER({blocker.session_id})")
        assert sink.result_sets[-1].rows == [("Language Event", 0, holding)]
        assert [c.name for c in sink.result_sets[-1].columns] == ["EventType", "Parameters", "EventInfo"]
        assert [m.number for m in sink.messages] == [2528]
        quiet = observer.run(f"DBCC INPUTBUFFER({blocker.session_id}, 0) WITH NO_INFOMSGS")
        assert quiet.messages == [] and quiet.result_sets[-1].rows == [("Language Event", 0, holding)]
        blocker.run("COMMIT")
        assert step.result().messages == []
        # The last statement ran to the end of the batch: -1.
        assert waiter.rows("SELECT statement_end_offset FROM sys.dm_exec_requests WHERE session_id = @@SPID") == [(-1,)]


def test_outer_apply_keeps_sessions_without_a_request_and_handles_without_text_give_no_row(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        idle, observer = sc.session("idle"), sc.session("observer")
        idle.run("SELECT 42")
        rows = observer.rows(
            "SELECT s.session_id, r.session_id, t.text FROM sys.dm_exec_sessions s "
            "OUTER APPLY (SELECT r.session_id, r.sql_handle FROM sys.dm_exec_requests r "
            "WHERE r.session_id = s.session_id) r "
            "OUTER APPLY sys.dm_exec_sql_text(r.sql_handle) t WHERE s.is_user_process = 1"
        )
        by_session = {row[0]: row[1:] for row in rows}
        assert by_session[idle.session_id] == (None, None)
        assert by_session[observer.session_id][0] == observer.session_id
        assert observer.rows("SELECT * FROM sys.dm_exec_sql_text(0x0200000000000000000000000000000000000000)") == []
        assert observer.rows("SELECT * FROM sys.dm_exec_input_buffer(32000, NULL)") == []
        assert observer.rows(f"SELECT * FROM sys.dm_exec_input_buffer({idle.session_id}, 7)") == []
        assert observer.rows(f"SELECT event_info FROM sys.dm_exec_input_buffer({idle.session_id}, 0)") == [
            ("SELECT 42",)
        ]


def test_dynamic_sql_runs_under_its_own_handle_and_the_buffer_keeps_the_outer_batch(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        session = sc.session("dynamic")
        outer = (
            "DECLARE @s NVARCHAR(200) = N'SELECT t.text FROM sys.dm_exec_requests r "
            "CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) t WHERE r.session_id = @@SPID'; EXEC (@s)"
        )
        assert session.rows(outer) == [
            (
                "SELECT t.text FROM sys.dm_exec_requests r CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) t "
                "WHERE r.session_id = @@SPID",
            )
        ]
        assert session.rows("SELECT event_info FROM sys.dm_exec_input_buffer(@@SPID, NULL)") == [
            ("SELECT event_info FROM sys.dm_exec_input_buffer(@@SPID, NULL)",)
        ]


def test_password_batches_stay_masked_and_without_view_server_state_only_ones_own_shows(tmp_path: Path) -> None:
    pytest.importorskip("quietus.sessions.security")
    with scenario(tmp_path) as sc:
        admin = sc.session("admin")
        (own_text,) = admin.rows(
            "CREATE LOGIN clerk WITH PASSWORD = 'Clerk#Pass2024';"
            "SELECT t.text FROM sys.dm_exec_requests r CROSS APPLY sys.dm_exec_sql_text(r.plan_handle) t "
            "WHERE r.session_id = @@SPID"
        )[0]
        assert "Clerk#Pass2024" not in own_text and "'CREATE LOGIN' was found" in own_text
        assert buffers(sc.session("dba"))[admin.session_id] == ("sa", "Language Event", 0, own_text)

        clerk = _login(sc, "clerk")
        clerk.run("SELECT 7")
        assert set(buffers(clerk)) == {clerk.session_id}
        assert clerk.rows(f"SELECT * FROM sys.dm_exec_input_buffer({admin.session_id}, NULL)") == []
        assert clerk.rows("SELECT event_info FROM sys.dm_exec_input_buffer(@@SPID, NULL)") == [
            ("SELECT event_info FROM sys.dm_exec_input_buffer(@@SPID, NULL)",)
        ]
        with pytest.raises(DatabaseError) as refused:
            clerk.run(f"DBCC INPUTBUFFER({admin.session_id})")
        assert (refused.value.number, refused.value.severity) == (2571, 14)
        assert clerk.rows("DBCC INPUTBUFFER(@@SPID)") == [("Language Event", 0, "DBCC INPUTBUFFER(@@SPID)")]
        with pytest.raises(DatabaseError) as missing:
            admin.run("DBCC INPUTBUFFER(32000)")
        assert missing.value.number == 7940
        sc.session("grantor").run("GRANT VIEW SERVER STATE TO clerk")
        assert admin.session_id in buffers(clerk)
        assert clerk.rows(f"DBCC INPUTBUFFER({admin.session_id}) WITH NO_INFOMSGS")[0][0] == "Language Event"


def test_sysprocesses_gives_the_legacy_20_byte_handle_and_offsets_that_sql_text_accepts(tmp_path: Path) -> None:
    """sp_WhoIsActive reads sql_handle, stmt_start and stmt_end from sys.sysprocesses."""
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        blocker, waiter, observer = sc.session("blocker"), sc.session("waiter"), sc.session("observer")
        blocker.run("BEGIN TRAN; UPDATE t SET v = 11 WHERE id = 2")
        batch = "PRINT 'go';\nUPDATE t SET v = 12 WHERE id = 2;\nPRINT 'done'"
        step = waiter.start(batch)
        assert wait_until_blocked(step) == "LCK_M_U"
        (row,) = observer.rows(
            "SELECT p.stmt_start, p.stmt_end, DATALENGTH(p.sql_handle), t.text,"
            " SUBSTRING(t.text, p.stmt_start / 2 + 1, (p.stmt_end - p.stmt_start) / 2 + 1)"
            " FROM sys.sysprocesses p CROSS APPLY sys.dm_exec_sql_text(p.sql_handle) t"
            f" WHERE p.spid = {waiter.session_id}"
        )
        assert row[2:] == (20, batch, "UPDATE t SET v = 12 WHERE id = 2")
        assert observer.rows(
            f"SELECT stmt_start, stmt_end FROM sys.sysprocesses WHERE spid = {blocker.session_id}"
        ) == [(0, 0)]
        blocker.run("ROLLBACK")
        step.result()


def test_a_dba_finds_the_blocker_by_its_buffer_kills_it_and_its_buffer_is_gone(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        create_table_t(sc)
        blocker, waiter, dba = sc.session("blocker"), sc.session("waiter"), sc.session("dba")
        blocker.run("BEGIN TRAN; UPDATE t SET v = 99 WHERE id = 3 -- the forgotten transaction")
        step = waiter.start("UPDATE t SET v = 31 WHERE id = 3")
        assert wait_until_blocked(step) == "LCK_M_U"
        ((victim, buffer),) = dba.rows(
            "SELECT r.blocking_session_id, ib.event_info FROM sys.dm_exec_requests r "
            "CROSS APPLY sys.dm_exec_input_buffer(r.blocking_session_id, NULL) ib WHERE r.blocking_session_id <> 0"
        )
        assert victim == blocker.session_id and buffer.endswith("-- the forgotten transaction")
        dba.run(f"KILL {victim}")
        assert step.result().messages == []
        assert dba.rows(f"SELECT * FROM sys.dm_exec_input_buffer({victim}, NULL)") == []
        assert dba.rows("SELECT v FROM t WHERE id = 3") == [(31,)]


def test_every_function_row_matches_its_column_types(tmp_path: Path) -> None:
    from quietus.admin.input_buffer import FUNCTIONS
    from tests.unit.test_admin_views import check_value

    calls = {
        "sys.dm_exec_sql_text": "sys.dm_exec_sql_text(r.sql_handle)",
        "sys.dm_exec_input_buffer": "sys.dm_exec_input_buffer(r.session_id, r.request_id)",
        "sys.dm_exec_plan_attributes": "sys.dm_exec_plan_attributes(r.plan_handle)",
    }
    assert set(calls) == {function.name for function in FUNCTIONS}
    with scenario(tmp_path) as sc:
        session = sc.session("probe")
        for function in FUNCTIONS:
            result = session.run(f"SELECT f.* FROM sys.dm_exec_requests r CROSS APPLY {calls[function.name]} f")
            rows = result.result_sets[-1]
            assert [(c.name, c.type) for c in rows.columns] == list(function.columns)
            assert rows.rows, function.name
            for row in rows.rows:
                for (name, sql_type), value in zip(function.columns, row, strict=True):
                    check_value(f"{function.name}.{name}", sql_type, value)
