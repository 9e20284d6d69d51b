"""The idle-timeout policy table, sp_configure, and the settings that start the options.

The policy checks call ``timeouts.check`` with a clock set ahead, on the engine thread of an embedded instance, so
they decide exactly which sessions a check ends without waiting for time to pass.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import quietus
from quietus.admin.sp_configure import configuration
from quietus.cli.serve import serve
from quietus.dbapi import DatabaseError
from quietus.engine.interrupts import InterruptReason
from quietus.server import timeouts
from quietus.server.config import ConfigError, load_config
from tests.harness import ScenarioSession, interrupt, scenario, wait_until_blocked


def check_later(session: ScenarioSession, seconds: float, **options: int) -> list[tuple[int, str]]:
    """Set the options, run one check as if ``seconds`` had passed; who it ended, under which policy."""
    instance = session.connection.instance

    async def check() -> list[tuple[int, str]]:
        assert instance.env is not None
        config = configuration(instance.env.services)
        for name in ("idle_in_transaction_timeout", "idle_session_timeout"):
            config.set(name, options.get(name, 0))
        later = datetime.datetime.now() + datetime.timedelta(seconds=seconds)
        return [(r.victim_session_id, r.command) for r in timeouts.check(instance.env, instance.registry, later)]

    return session.connection._engine.thread.call(check())


def test_which_sessions_each_option_ends(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        plain, tx_a, tx_b, running = sc.session("plain"), sc.session("tx_a"), sc.session("tx_b"), sc.session("run")
        tx_a.run("BEGIN TRAN; SELECT 1")
        tx_b.run("BEGIN TRAN; SELECT 1")
        step = running.start("BEGIN TRAN; WAITFOR DELAY '01:00:00'")
        wait_until_blocked(step, "WAITFOR")

        assert check_later(plain, 10**6) == []  # both options off
        assert check_later(plain, 29, idle_in_transaction_timeout=30) == []
        # in a transaction only; the running request (in a transaction too) is never a candidate
        assert check_later(plain, 31, idle_in_transaction_timeout=30) == [
            (tx_a.session_id, "idle_in_transaction_timeout = 30 s"),
            (tx_b.session_id, "idle_in_transaction_timeout = 30 s"),
        ]
        assert plain.value("SELECT @@TRANCOUNT") == 0  # not in a transaction: untouched
        assert not step.done
        interrupt(running, InterruptReason.ATTENTION)
        step.result()


def test_the_smaller_limit_names_the_policy_and_ended_sessions_are_not_ended_twice(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        plain, in_tran, running = sc.session("plain"), sc.session("in_tran"), sc.session("run")
        in_tran.run("BEGIN TRAN; SELECT 1")
        step = running.start("WAITFOR DELAY '01:00:00'")
        wait_until_blocked(step, "WAITFOR")
        ended = check_later(plain, 25, idle_in_transaction_timeout=30, idle_session_timeout=20)
        # idle_session_timeout covers sessions in a transaction too; 20 s was crossed before 30 s
        assert ended == [
            (plain.session_id, "idle_session_timeout = 20 s"),
            (in_tran.session_id, "idle_session_timeout = 20 s"),
        ]
        assert check_later(running, 10**6, idle_session_timeout=1) == []  # already ending; the runner runs
        assert not step.done
        interrupt(running, InterruptReason.ATTENTION)
        step.result()


def test_equal_limits_name_the_policy_that_fits_the_session(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        plain, in_tran = sc.session("plain"), sc.session("in_tran")
        in_tran.run("BEGIN TRAN; SELECT 1")
        assert check_later(plain, 61, idle_in_transaction_timeout=60, idle_session_timeout=60) == [
            (plain.session_id, "idle_session_timeout = 60 s"),
            (in_tran.session_id, "idle_in_transaction_timeout = 60 s"),
        ]


def test_sp_configure_lists_shows_changes_and_refuses(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        admin = sc.session("admin")
        listed = admin.rows("EXEC sp_configure")
        assert ("idle_in_transaction_timeout", 0, 2147483647, 0, 0) in listed
        assert ("idle_session_timeout", 0, 2147483647, 0, 0) in listed
        assert admin.rows("EXEC sp_configure @configname = 'IDLE_SESSION_TIMEOUT', @configvalue = '45'") == [
            ("idle_session_timeout", 0, 2147483647, 45, 45)
        ]
        assert admin.rows("EXEC sp_configure 'idle_session_timeout'") == [
            ("idle_session_timeout", 0, 2147483647, 45, 45)
        ]
        for call, number in (
            ("EXEC sp_configure 'no such option'", 15123),
            ("EXEC sp_configure 'idle_session_timeout', -1", 15129),
            ("EXEC sp_configure 'idle_session_timeout', 'soon'", 8114),
        ):
            assert admin.start(call).error() == number, call
        admin.run("CREATE LOGIN watcher WITH PASSWORD = 'Watch!1234'")
        watcher = ScenarioSession("watcher", quietus.connect(sc.database, autocommit=True, login="watcher"))
        sc.sessions.append(watcher)
        assert watcher.rows("EXEC sp_configure 'idle_session_timeout'")[0][3] == 45  # anyone may look
        with pytest.raises(DatabaseError) as refused:
            watcher.run("EXEC sp_configure 'idle_session_timeout', 0")
        assert refused.value.number == 15247
        admin.run("ALTER SERVER ROLE serveradmin ADD MEMBER watcher")
        watcher.run("EXEC sp_configure 'idle_session_timeout', 0")
        log = [entry.text for entry in admin.connection.instance.errorlog.read(0)]
        assert "Configuration option 'idle_session_timeout' changed from 45 to 0 by login 'watcher'. In effect at " \
               "once." in log  # fmt: skip


def test_the_options_come_from_the_command_line_the_environment_and_the_file(tmp_path: Path) -> None:
    settings = tmp_path / "quietus.toml"
    settings.write_text("idle_in_transaction_timeout = 300\n[server]\nidle_session_timeout = 3600\n")
    config = load_config({}, environ={}, config_file=settings)
    assert (config.idle_in_transaction_timeout, config.idle_session_timeout) == (300, 3600)
    config = load_config({"idle_session_timeout": 60}, {"QUIETUS_IDLE_IN_TRANSACTION_TIMEOUT": "30"}, settings)
    assert (config.idle_in_transaction_timeout, config.idle_session_timeout) == (30, 60)
    assert load_config({}, environ={}).idle_session_timeout == 0  # off by default
    for bad in ("-1", "soon", "2147483648"):
        with pytest.raises(ConfigError, match="idle_session_timeout"):
            load_config({}, {"QUIETUS_IDLE_SESSION_TIMEOUT": bad})
    result = CliRunner().invoke(serve, ["--idle-in-transaction-timeout", "-5", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "option --idle-in-transaction-timeout" in result.output
