"""Idle timeouts through a real server and a real client (pytds): the idle session is ended as by KILL, its locks
are released and the session blocked behind it proceeds; the error log names the timeout.

The tests wait on state (the victim's session object reaching ENDED, read on the engine thread) with a generous
upper bound, never on a fixed sleep.  Skipped only when pytds is not installed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quietus.admin.kill import KillOutcome, kill_history
from quietus.admin.sp_configure import configuration
from quietus.engine.interrupts import InterruptReason
from quietus.server import timeouts
from quietus.server.config import ServerConfig
from quietus.sessions.session import Session, SessionStatus
from tests.clients import server_harness
from tests.clients.server_harness import RunningServer, running_server
from tests.clients.test_server_clients import pytds_connect
from tests.clients.test_views_clients import wait_until_lock_wait


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("timeouts") / "data") as running:
        with pytds_connect(running, autocommit=True) as setup, setup.cursor() as cur:
            cur.execute("CREATE TABLE jobs (id INT PRIMARY KEY, v INT NOT NULL)")
            cur.execute("INSERT INTO jobs VALUES (1, 0), (2, 0)")
        yield running


@pytest.fixture(autouse=True)
def options_off(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts and ends with both options off; the watcher looks every 0.1 s instead of every second."""
    monkeypatch.setattr(timeouts, "CHECK_INTERVAL_SECONDS", 0.1)
    yield
    if "server" in request.fixturenames:
        running: RunningServer = request.getfixturevalue("server")
        config = running.on_engine(lambda: configuration(running.instance.env.services))
        for policy in timeouts.POLICIES:
            running.on_engine(functools.partial(config.set, policy.option, 0))


def session_of(server: RunningServer, program: str) -> Session:
    """The live session a client opened with ``appname=program`` (found without the client running anything)."""
    found: list[Session] = []

    def look() -> bool:
        found[:] = [s for s in server.instance.registry if s.program_name == program]
        return bool(found)

    server.wait_for(look, f"a session of {program}")
    return found[0]


def wait_until_ended(server: RunningServer, session: Session) -> None:
    server.wait_for(lambda: session.status is SessionStatus.ENDED, f"session {session.session_id} to end")


def kill_records(server: RunningServer, session: Session) -> list[Any]:
    history = server.on_engine(lambda: list(kill_history(server.instance.env)))
    return [r for r in history if (r.victim_session_id, r.victim_serial) == (session.session_id, session.serial)]


def test_idle_in_transaction_timeout_set_at_run_time_releases_the_locks(server: RunningServer) -> None:
    with (
        pytds_connect(server, autocommit=True, appname="idle-holder") as holder,
        pytds_connect(server, autocommit=True, appname="blocked-waiter") as waiter,
        pytds_connect(server, autocommit=True, appname="dba") as dba,
    ):
        hold, wait, admin = holder.cursor(), waiter.cursor(), dba.cursor()
        hold.execute("BEGIN TRAN; UPDATE jobs SET v = 1 WHERE id = 1")
        victim = session_of(server, "idle-holder")
        blocked_session = session_of(server, "blocked-waiter")
        failures: list[BaseException] = []

        def blocked_update() -> None:
            try:
                wait.execute("UPDATE jobs SET v = 2 WHERE id = 1")
            except BaseException as exc:  # reported by the assertion below
                failures.append(exc)

        blocked = threading.Thread(target=blocked_update)
        blocked.start()
        wait_until_lock_wait(server, blocked_session.session_id)
        admin.execute("EXEC sp_configure 'idle_in_transaction_timeout', 1")
        assert admin.fetchall() == [("idle_in_transaction_timeout", 0, 2147483647, 1, 1)]

        wait_until_ended(server, victim)
        blocked.join(timeout=server_harness.WAIT_LIMIT)
        assert not blocked.is_alive() and failures == []
        admin.execute("SELECT v FROM jobs WHERE id = 1")
        assert admin.fetchall() == [(2,)]  # the holder's update was rolled back, the waiter's went through
        with pytest.raises(Exception):  # noqa: B017 - the driver's own error for a connection the server closed
            hold.execute("SELECT 1")
        # sessions idle outside a transaction are untouched by this option
        wait.execute("SELECT @@SPID")
        assert wait.fetchall() == [(blocked_session.session_id,)]

        (record,) = kill_records(server, victim)
        assert (record.reason, record.killer_session_id, record.command) == (
            InterruptReason.IDLE_TIMEOUT,
            None,
            "idle_in_transaction_timeout = 1 s",
        )
        assert record.outcome is KillOutcome.ROLLED_BACK and record.rows_to_undo == 1
        log = server.errorlog_text()
        assert (
            f"Process ID {victim.session_id} was killed by hostname QUIETUS, host process ID "
        ) in log and "(server: idle_in_transaction_timeout = 1 s)." in log
        assert "Configuration option 'idle_in_transaction_timeout' changed from 0 to 1 by login 'sa'." in log


@pytest.mark.slow
def test_a_request_running_past_the_timeout_is_never_ended(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True, appname="long-runner") as conn, conn.cursor() as cur:
        cur.execute("BEGIN TRAN; UPDATE jobs SET v = 5 WHERE id = 2")
        runner = session_of(server, "long-runner")
        server.on_engine(lambda: configuration(server.instance.env.services).set("idle_in_transaction_timeout", 1))
        # runs for longer than the limit: the idle clock only runs between requests
        cur.execute("WAITFOR DELAY '00:00:01.500'; SELECT @@TRANCOUNT")
        assert cur.fetchall() == [(1,)]
        assert kill_records(server, runner) == []
        wait_until_ended(server, runner)  # ... and once idle, it is ended
    (record,) = kill_records(server, runner)
    assert record.victim_state == "idle in transaction"


def test_idle_session_timeout_from_the_server_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_harness, "ServerConfig", functools.partial(ServerConfig, idle_session_timeout=1))
    with running_server(tmp_path / "data") as server:
        assert server.on_engine(lambda: configuration(server.instance.env.services)["idle_session_timeout"]) == 1
        with pytds_connect(server, autocommit=True, appname="idle-client") as conn:
            victim = session_of(server, "idle-client")
            wait_until_ended(server, victim)
            with pytest.raises(Exception):  # noqa: B017 - the driver's own error for a closed connection
                conn.cursor().execute("SELECT 1")
        (record,) = kill_records(server, victim)
        assert (record.command, record.outcome) == ("idle_session_timeout = 1 s", KillOutcome.ENDED)
        assert "(server: idle_session_timeout = 1 s)." in server.errorlog_text()
