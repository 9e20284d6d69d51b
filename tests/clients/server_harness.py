"""A real Quietus server for client tests: in-process on an EngineThread, listening on 127.0.0.1 port 0.

Engine state is read only on the engine thread (``RunningServer.on_engine``).  ``RawClient`` drives the server
over a socket with the codec's sans-IO client, for the tests that need exact bytes (bad input, ATTENTION, TM).
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from quietus.engine.scheduler import EngineThread
from quietus.protocol.tds.client import Reply, TdsClient
from quietus.server.app import Server
from quietus.server.config import ServerConfig
from quietus.sessions.session import Session

PASSWORD = "Quietus!Test1"
WAIT_LIMIT = 20.0  # seconds a condition may take before the test is declared hung (a failure, not a timing check)
T = TypeVar("T")


def require_security() -> None:
    try:
        import quietus.sessions.security  # noqa: F401
    except ImportError:
        pytest.skip("quietus.sessions.security (logins) is not available yet: a server cannot authenticate")


def free_port() -> int:
    """A port nobody listens on right now (for the Oracle Net listener, whose port 0 means "off")."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningServer:
    def __init__(
        self,
        data_dir: Path,
        password: str | None = PASSWORD,
        *,
        oracle: bool = False,
        monitor: bool = False,
        **settings: Any,
    ) -> None:
        self.data_dir = data_dir
        self.thread = EngineThread("quietus-test-server")
        settings.setdefault("oracle_port", free_port() if oracle else 0)  # never 1521 or 8443: tests bind free ports
        settings.setdefault("monitor_port", free_port() if monitor else 0)
        config = ServerConfig(host="127.0.0.1", port=0, data_dir=data_dir, sa_password=password, **settings)
        self.server = Server(config)
        try:
            self.thread.call(self.server.start())
        except BaseException:
            self.thread.stop()
            raise
        self.host, self.port = self.server.address
        self.oracle_port = config.oracle_port
        self.monitor_port = config.monitor_port

    @property
    def instance(self) -> Any:
        return self.server.instance

    def on_engine(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the engine thread (where engine state may be read) and return its result."""

        async def call() -> T:
            return fn()

        return self.thread.call(call())

    def user_sessions(self) -> list[Session]:
        return self.on_engine(lambda: [s for s in self.instance.registry if s.is_user_process])

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_LIMIT
        while not self.on_engine(condition):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.01)

    def wait_type(self, session_id: int) -> str | None:
        def read() -> str | None:
            session = self.instance.registry.get(session_id)
            task = session.task if session is not None else None
            return task.wait_type if task is not None else None

        return self.on_engine(read)

    def errorlog_text(self) -> str:
        return "\n".join(f"{e.source} {e.text}" for e in self.on_engine(lambda: self.instance.errorlog.read(0)))

    def stop(self) -> None:
        try:
            self.thread.call(self.server.stop())
        finally:
            self.thread.stop()


@contextlib.contextmanager
def running_server(
    data_dir: Path,
    password: str | None = PASSWORD,
    *,
    oracle: bool = False,
    monitor: bool = False,
    **settings: Any,
) -> Iterator[RunningServer]:
    """A server with ``ServerConfig`` ``settings`` (e.g. force_encryption=True, tls=False); ``oracle`` / ``monitor``:
    an Oracle Net listener / the activity monitor on a free port too."""
    require_security()
    server = RunningServer(data_dir, password, oracle=oracle, monitor=monitor, **settings)
    try:
        yield server
    finally:
        server.stop()


class RawClient:
    """A TDS client over a real socket, built on the codec's sans-IO client."""

    def __init__(self, port: int, timeout: float = WAIT_LIMIT) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.tds = TdsClient()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def login(self, user: str = "sa", password: str = PASSWORD, database: str = "") -> Reply:
        self.send(self.tds.prelogin())
        while self.tds.next_prelogin_reply() is None:
            self._read()
        self.send(self.tds.login(user, password, database))
        return self.reply()

    def _read(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.tds.receive_data(data)

    def reply(self) -> Reply:
        while (reply := self.tds.next_reply()) is None:
            self._read()
        return reply

    def batch(self, text: str) -> Reply:
        self.send(self.tds.sql_batch(text))
        return self.reply()

    def closed_by_server(self) -> bool:
        """True when the server has closed the connection (reads EOF or a reset)."""
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
