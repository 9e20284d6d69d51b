"""``quietus sql`` over a real socket against the codec's canned TDS server (tests/clients/test_tds_codec_clients.py):
login, output, messages, -b/-i/-o/-t/-W/-s/-h, SQLCMDPASSWORD, exit codes, ATTENTION on a query timeout.

Most tests drive the click command in-process (fast, same code path); one runs the real ``python -m`` process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from quietus.cli.main import main
from quietus.errors import SqlError, sql_error
from quietus.protocol.tds import Attention, Login, ResponseWriter
from tests.clients.test_tds_codec_clients import PASSWORD, Responder, Server

ENV = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
ONE = "one        \n-----------\n          1\n\n(1 row affected)\n"


class SqlcmdResponder(Responder):
    """The codec tests' canned answers, plus a few that sqlcmd's exit codes and message formats need."""

    def statement(self, text: str, w: ResponseWriter, params: dict[str, object] | None = None) -> bytes:
        q = " ".join(text.strip().rstrip(";").split()).upper()
        if q == "KILL @@SPID":
            return w.message(sql_error(6104)) + w.done()
        if q == "RAISERROR STATE 127":
            return w.message(SqlError(50001, 16, 127, "leaving")) + w.done()
        return super().statement(text, w, params)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.responder = SqlcmdResponder()
    try:
        yield srv
    finally:
        srv.stop()
    assert srv.errors == []


def sql(server: Server, *args: str, password: str | None = PASSWORD, stdin: str = "", **env: str) -> Result:
    login = ["-P", password] if password is not None else []
    arguments = ["sql", "-S", f"127.0.0.1,{server.port}", "-U", "sa", *login, *args]
    return CliRunner().invoke(main, arguments, input=stdin, env=env, catch_exceptions=False)


def test_a_query_logs_in_runs_and_prints_as_sqlcmd(server: Server) -> None:
    result = sql(server, "-d", "db1", "-Q", "select 1")
    assert (result.exit_code, result.stdout, result.stderr) == (0, ONE, "")
    login = server.of_type(Login)[0].login7
    assert (login.user_name, login.password, login.database, login.app_name) == ("sa", PASSWORD, "db1", "SQLCMD")


def test_errors_print_as_sqlcmd_and_b_sets_the_exit_code(server: Server) -> None:
    plain = sql(server, "-Q", "select * from nope")
    assert (plain.exit_code, plain.stdout) == (0, "Msg 208, Level 16, State 1, Line 1\nInvalid object name 'nope'.\n")
    assert sql(server, "-b", "-Q", "select * from nope").exit_code == 1
    kill = sql(server, "-b", "-Q", "kill @@spid")
    assert (kill.exit_code, kill.stdout) == (
        1,
        "Msg 6104, Level 16, State 1, Line 1\nCannot use KILL to kill your own process.\n",
    )


def test_print_row_counts_and_several_result_sets(server: Server) -> None:
    result = sql(server, "-W", "-s", ",", "-Q", "print 'x'\ngo\nupdate t set x = 1\ngo\nselect two; select three")
    assert result.stdout == (
        "hello from print\n(7 rows affected)\n"
        "two\n---\n2\n\n(1 row affected)\nthree\n-----\n3\n3b\n\n(2 rows affected)\n"
    )
    no_headers = sql(server, "-h", "-1", "-Q", "select 1")
    assert no_headers.stdout == "          1\n\n(1 row affected)\n"


def test_state_127_ends_with_the_message_number(server: Server) -> None:
    result = sql(server, "-q", "raiserror state 127", stdin="select 1\ngo\n")
    assert result.exit_code == 50001
    assert "leaving" in result.stdout and ONE not in result.stdout


def test_the_password_comes_from_sqlcmdpassword(server: Server) -> None:
    assert sql(server, "-Q", "select 1", password=None, SQLCMDPASSWORD=PASSWORD).stdout == ONE


def test_a_failed_login_prints_sqlcmds_error_and_exits_1(server: Server) -> None:
    result = sql(server, "-Q", "select 1", password="wrong")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Sqlcmd: Error: Quietus TDS client : Login failed for user 'sa'.\n"


def test_no_server_listening_exits_1() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(main, ["sql", "-S", f"127.0.0.1,{port}", "-U", "sa", "-P", "x", "-Q", "select 1"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Sqlcmd: Error: Quietus TDS client : TCP Provider: ")


def test_a_query_timeout_sends_attention_and_the_session_goes_on(server: Server) -> None:
    script = "WAITFOR DELAY '00:01:00'\ngo\nselect 1\ngo\n"
    result = sql(server, "-t", "1", stdin=script)
    assert (result.exit_code, result.stdout) == (0, ONE)
    assert result.stderr == "Sqlcmd: Error: Quietus TDS client : Query timeout expired.\n"
    assert Attention(during_request=True) in server.of_type(Attention)
    assert sql(server, "-t", "1", "-b", stdin=script).exit_code == 1


def test_interactive_input_and_an_output_file(server: Server, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    result = sql(server, "-o", str(out), stdin="select 1\nGO 2\nquit\nselect 1\ngo\n")
    assert (result.exit_code, result.stdout) == (0, "")
    assert out.read_text() == ONE * 2


def test_the_real_command_stops_an_input_file_of_batches_with_b(server: Server, tmp_path: Path) -> None:
    script = tmp_path / "script.sql"
    script.write_text("select 1\ngo\nselect * from nope\ngo\nupdate t set x = 1\n")

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "quietus.cli.main", "sql", "-S", f"tcp:127.0.0.1,{server.port}"]
        command += ["-U", "sa", "-i", str(script), *extra]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=60, env={**ENV, "SQLCMDPASSWORD": PASSWORD}
        )

    stopped = run("-b")  # the run without -b is the in-process tests' business
    assert stopped.returncode == 1
    assert stopped.stdout == ONE + "Msg 208, Level 16, State 1, Line 1\nInvalid object name 'nope'.\n"
