"""The error log: SQL Server's line format, archives at each start, and sp_readerrorlog / xp_readerrorlog."""

from __future__ import annotations

import datetime
from pathlib import Path

import quietus
from quietus.server.errorlog import ARCHIVES, ErrorLog, format_line, parse_line


def test_lines_are_in_sql_servers_format_and_parse_back() -> None:
    when = datetime.datetime(2026, 11, 20, 23, 50, 1, 123456)
    line = format_line(when, "spid51", "Login failed for user 'x'.")
    assert line == "2026-11-20 23:50:01.12 spid51      Login failed for user 'x'."
    entry = parse_line(line)
    assert entry is not None
    assert (entry.when, entry.source, entry.text) == (when.replace(microsecond=120000), "spid51", entry.text)
    assert parse_line("not a log line") is None


def test_each_start_archives_the_previous_log_and_keeps_six(tmp_path: Path) -> None:
    for run in range(ARCHIVES + 2):
        log = ErrorLog(tmp_path)
        log.write("Server", f"run {run}\nsecond line")
        log.close()
    current = ErrorLog(tmp_path)
    assert current.read(0) == []
    assert [e.text for e in current.read(1)] == [f"run {ARCHIVES + 1}", "second line"]
    assert current.read(ARCHIVES)[0].text == "run 2"
    assert current.read(ARCHIVES + 1) == []
    assert not (tmp_path / f"ERRORLOG.{ARCHIVES + 1}").exists()
    current.close()


def test_sp_readerrorlog_filters_and_xp_readerrorlog_sorts(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        log = conn.instance.errorlog
        log.write("spid51", "Process ID 52 was killed by hostname h, host process ID 1.")
        log.write("Logon", "Login failed for user 'x'. Reason: Password did not match that for the login provided.")
        events = conn.run("EXEC sp_readerrorlog 0, 1, N'login failed', N'password'").result_sets[0]
        assert [c.name for c in events.columns] == ["LogDate", "ProcessInfo", "Text"]
        assert [(row[1], row[2][:12]) for row in events.rows] == [("Logon", "Login failed")]
        everything = conn.run("EXEC sp_readerrorlog").result_sets[0].rows
        assert everything[0][2].startswith("Microsoft SQL Server 2022 (RTM) - 16.0.") and len(everything) >= 3
        assert everything[1][2].startswith("Quietus 0.1.0")
        newest_first = conn.run("EXEC xp_readerrorlog 0, 1, NULL, NULL, NULL, NULL, N'desc'").result_sets[0].rows
        assert newest_first == list(reversed(conn.run("EXEC xp_readerrorlog").result_sets[0].rows))
        assert conn.run("EXEC sp_readerrorlog 0, 2").result_sets[0].rows == []  # no Agent log
        assert conn.run("EXEC sp_readerrorlog 3").result_sets[0].rows == []  # no such archive


def test_an_in_memory_instance_keeps_its_log_in_memory() -> None:
    with quietus.connect(None, autocommit=True) as conn:
        rows = conn.run("EXEC sp_readerrorlog").result_sets[0].rows
        assert any(row[2] == "Starting up database 'master'." for row in rows)
