"""`quietus sql --embedded DIR`: the shell the README's first command starts, driven as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ENV = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))


def shell(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quietus.cli.main", "sql", "--embedded", str(data), *args],
        input=stdin, capture_output=True, text=True, timeout=60, env=ENV,
    )


def test_batches_end_with_go_and_output_is_sqlcmd_like(tmp_path: Path) -> None:
    data = tmp_path / "data"
    script = (
        "CREATE TABLE t (id INT PRIMARY KEY, name NVARCHAR(10))\n"
        "INSERT INTO t VALUES (1, N'ann'), (2, N'bob')\n"
        "GO\n"
        "SELECT id, name FROM t ORDER BY id\n"
        "go\n"
        "PRINT 'done'\n"
        "SELECT * FROM nowhere\n"
        "GO\n"
    )
    result = shell(data, stdin=script)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "(2 rows affected)" in lines
    assert lines[lines.index("id name") + 1] == "-- ----"
    assert "1  ann" in lines and "2  bob" in lines
    assert "done" in lines
    assert "Msg 208, Level 16, State 1, Line 2" in lines
    assert "Invalid object name 'nowhere'." in lines


def test_data_survives_between_runs_and_b_sets_the_exit_code(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert shell(data, "-Q", "CREATE TABLE kept (id INT); INSERT INTO kept VALUES (7)").returncode == 0
    again = shell(data, "-Q", "SELECT id FROM kept")
    assert "7" in again.stdout.splitlines()
    failing = shell(data, "-b", "-Q", "SELECT 1/0")
    assert failing.returncode == 1
    assert "Msg 8134, Level 16, State 1, Line 1" in failing.stdout


def test_a_second_process_on_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [sys.executable, "-m", "quietus.cli.main", "sql", "--embedded", str(data)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
    )
    try:
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write("SELECT 'ready'\nGO\n")
        holder.stdin.flush()
        while "ready" not in holder.stdout.readline():
            pass
        second = shell(data, "-Q", "SELECT 1")
        assert second.returncode != 0
        assert "in use" in second.stderr
    finally:
        holder.kill()
        holder.wait()
