"""kill_session_wait (how long ALTER SYSTEM KILL SESSION waits for its victim) from every source, and the grammar of
ALTER SYSTEM CANCEL SQL."""

from __future__ import annotations

from pathlib import Path

import quietus
from quietus.server.config import SERVER_OPTIONS, ServerConfig, load_config
from quietus.sql.dialect import CancelSql, parse_batch


def test_kill_session_wait_defaults_to_oracles_60_seconds_and_comes_from_env_and_toml(tmp_path: Path) -> None:
    assert ServerConfig().kill_session_wait == 60
    assert "kill_session_wait" in SERVER_OPTIONS  # handed to the instance as a server option
    assert load_config({}, environ={"QUIETUS_KILL_SESSION_WAIT": "7"}).kill_session_wait == 7
    toml = tmp_path / "q.toml"
    toml.write_text("kill_session_wait = 9\n", encoding="utf-8")
    assert load_config({}, environ={}, config_file=toml).kill_session_wait == 9


def test_sp_configure_shows_and_changes_kill_session_wait() -> None:
    with quietus.connect(None, autocommit=True) as conn:
        shown = conn.run("EXEC sp_configure 'kill_session_wait'").result_sets[-1].rows
        assert shown == [("kill_session_wait", 0, 3600, 60, 60)]
        conn.run("EXEC sp_configure 'kill_session_wait', 5")
        assert conn.run("EXEC sp_configure 'kill_session_wait'").result_sets[-1].rows[0][3:] == (5, 5)
        refused = [m.number for m in conn.run("EXEC sp_configure 'kill_session_wait', 4000").messages]
        assert refused == [15129]


def test_alter_system_cancel_sql() -> None:
    (statement,) = parse_batch("ALTER SYSTEM CANCEL SQL '20, 51142, @1, 8vu7s907prbgr'")
    assert isinstance(statement, CancelSql) and statement.spec == "20, 51142, @1, 8vu7s907prbgr"
