"""`quietus serve` as a process: the ready line, SIGTERM and SIGINT stop it cleanly, a second server on the same
data directory is refused, a restart keeps committed data and loses uncommitted work, and the first start on a new
data directory needs the sa password."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, require_security

pytestmark = pytest.mark.slow
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("QUIETUS_")},
    "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
}
START_LIMIT = 60


def serve_command(data: Path, *args: str) -> list[str]:
    serve = [sys.executable, "-m", "quietus.cli.main", "serve", "--port", "0", "--oracle-port", "0"]
    serve += ["--monitor-port", "0"]
    return [*serve, "--data-dir", str(data), *args]


@contextmanager
def serving(data: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """A running `quietus serve`; yields the process and the port from its ready line."""
    require_security()
    process = subprocess.Popen(
        serve_command(data, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or ENV
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Quietus ready on 127.0.0.1:"), line + (process.stderr.read() if process.stderr else "")
        yield process, int(line.rsplit(":", 1)[1])
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=START_LIMIT)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def stop(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> str:
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=START_LIMIT)
    assert process.returncode == 0, stderr
    return stderr


def connect(port: int, **kwargs: Any) -> Any:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    return pytds.connect("127.0.0.1", port=port, user="sa", password=PASSWORD, login_timeout=10, timeout=20, **kwargs)


def test_serve_stops_cleanly_and_a_restart_keeps_committed_data_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(data, "--sa-password", PASSWORD) as (process, port):
        with connect(port, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE kept (id INT PRIMARY KEY)")
            cur.execute("INSERT INTO kept VALUES (1)")
        open_transaction = connect(port, autocommit=True)
        cur = open_transaction.cursor()
        cur.execute("BEGIN TRAN; INSERT INTO kept VALUES (2)")  # still open when the server stops
        stderr = stop(process)
        assert "stopping" in stderr
        open_transaction.close()
    log = (data / "log" / "ERRORLOG").read_text(encoding="utf-8")
    assert "stopped cleanly" in log
    with serving(data) as (process, port):  # a later start needs no password
        with connect(port, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("SELECT id FROM kept ORDER BY id")
            assert cur.fetchall() == [(1,)]
        stop(process, signal.SIGINT)
    assert (data / "log" / "ERRORLOG.1").exists()  # the first run's log was archived at the second start


def test_a_second_server_on_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(data, "--sa-password", PASSWORD) as (process, _port):
        second = subprocess.run(
            serve_command(data, "--sa-password", PASSWORD), capture_output=True, text=True, timeout=START_LIMIT, env=ENV
        )
        assert second.returncode != 0
        assert "is in use by process" in second.stderr
        assert "Quietus ready" not in second.stdout
        stop(process)


def test_the_first_start_needs_an_sa_password_and_the_environment_can_give_it(tmp_path: Path) -> None:
    require_security()
    data = tmp_path / "data"
    refused = subprocess.run(serve_command(data), capture_output=True, text=True, timeout=START_LIMIT, env=ENV)
    assert refused.returncode != 0
    assert "QUIETUS_SA_PASSWORD" in refused.stderr
    with serving(data, env={**ENV, "QUIETUS_SA_PASSWORD": PASSWORD}) as (process, port):
        with connect(port, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute("SELECT SUSER_SNAME()")
            assert cur.fetchall() == [("sa",)]
        stop(process)


def test_bad_settings_are_reported(tmp_path: Path) -> None:
    config = tmp_path / "quietus.toml"
    config.write_text('port = "not a port"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "quietus.cli.main", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=START_LIMIT,
        env=ENV,
    )
    assert result.returncode == 2
    assert "port" in result.stderr and str(config) in result.stderr


def test_serve_listens_for_oracle_net_on_the_oracle_port(tmp_path: Path) -> None:
    oracledb = pytest.importorskip("oracledb")
    from tests.clients.server_harness import free_port

    port = free_port()
    dsn = f"127.0.0.1:{port}/master"
    with serving(tmp_path / "data", "--sa-password", PASSWORD, "--oracle-port", str(port)) as (process, _tds):
        assert process.stdout is not None
        assert process.stdout.readline() == f"Quietus Oracle Net ready on 127.0.0.1:{port}\n"
        with oracledb.connect(user="sa", password=PASSWORD, dsn=dsn) as conn:
            conn.ping()


def test_tls_options_on_the_command_line(tmp_path: Path) -> None:
    require_security()
    missing = tmp_path / "missing.crt"
    result = subprocess.run(
        serve_command(tmp_path / "data", "--sa-password", PASSWORD, "--tls-certificate", str(missing),
                      "--tls-key", str(tmp_path / "missing.key")),
        capture_output=True, text=True, timeout=START_LIMIT, env=ENV,
    )  # fmt: skip
    assert result.returncode == 1
    assert "TLS" in result.stderr and str(missing) in result.stderr
    with serving(tmp_path / "data", "--force-encryption") as (process, port):
        pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
        with pytest.raises(pytds.Error, match="required by server"):
            connect(port)  # pytds without a CA file cannot encrypt: the server requires it
        stop(process)
    with serving(tmp_path / "data", "--no-tls") as (process, port):
        with connect(port) as conn, conn.cursor() as cur:
            cur.execute("SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID")
            assert cur.fetchone()[0] == "FALSE"
        stop(process)
