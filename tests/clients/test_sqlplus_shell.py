"""``quietus sql --oracle``: the SQL*Plus-like shell over Oracle Net, as a real process against a real server."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.clients.server_harness import PASSWORD, RunningServer, running_server

pytest.importorskip("oracledb", reason="python-oracledb is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sqlplus") / "data", oracle=True) as running:
        yield running


def shell(server: RunningServer, script: str, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "quietus.cli.main", "sql", "--oracle", "-S", f"127.0.0.1:{server.oracle_port}"]
    return subprocess.run(
        [*command, "-U", "sa", "-P", password, *args], input=script, capture_output=True, text=True, timeout=60
    )


def test_statements_end_with_a_semicolon_or_a_slash_and_print_as_sqlplus_does(server: RunningServer) -> None:
    script = "\n".join(
        [
            "CREATE TABLE plus_t (id NUMBER(10) PRIMARY KEY, name VARCHAR2(20));",
            "INSERT INTO plus_t VALUES (1, 'one');",
            "INSERT INTO plus_t",
            "VALUES (2, 'two')",
            "/",
            "SELECT id, name FROM plus_t ORDER BY id;",
            "SELECT id FROM plus_t WHERE id > 5;",
            "SELECT nothing FROM no_such_table;",
            "EXIT",
        ]
    )
    done = shell(server, script)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("Statement processed.") == 3
    assert "\nID NAME\n-- ----\n 1 one\n 2 two\n\n2 rows selected.\n" in out
    assert "no rows selected" in out
    assert "\nORA-" in out  # the error's own line, and the shell went on to EXIT
    assert out.rstrip().endswith("Disconnected from Quietus (Oracle Net)")


def test_a_query_option_runs_one_statement_and_a_wrong_password_fails(server: RunningServer) -> None:
    done = shell(server, "", "-Q", "SELECT 7 AS seven FROM dual")
    assert done.returncode == 0 and "SEVEN\n-----\n    7\n\n1 row selected." in done.stdout
    failed = shell(server, "", "-Q", "SELECT COUNT(*) FROM plus_t", password="wrong")
    assert failed.returncode == 1 and "ORA-01017" in failed.stderr
