"""The monitor's HTTPS server: uvicorn's ``Server.serve()`` as a task on the engine's loop.

Why uvicorn + Starlette: ``Server.serve(sockets=...)`` runs on any running loop (the engine's), takes a socket we
bound ourselves (so a port in use is our error to report, not uvicorn's ``sys.exit``) and speaks TLS from an
``ssl`` context; Starlette gives routing, forms, cookies and streaming responses with no template engine or build
step.  The engine's loop stays the one owner of engine state: every handler runs on it.

Lifecycle::

    start: certificate ready → socket bound → serve() task → started
           (a port in use: an error-log line, and the server runs without its monitor)
    stop:  Server-Sent Event streams told to end → uvicorn asked to exit → task awaited → web logins closed
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from quietus.monitor.certificate import server_certificate
from quietus.monitor.web import Monitor

log = logging.getLogger("quietus.monitor")
SHUTDOWN_GRACE = 2  # seconds open connections get to finish when the server stops


class _EmbeddedServer(uvicorn.Server):
    """uvicorn on a loop it does not own: the host process handles SIGINT and SIGTERM, not uvicorn."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class MonitorServer:
    def __init__(self, instance: Any, config: Any) -> None:
        self.instance = instance
        self.config = config
        self.monitor = Monitor(instance, config.monitor_metrics_token)
        self._server: _EmbeddedServer | None = None
        self._task: asyncio.Task[None] | None = None
        self.address: tuple[str, int] | None = None

    async def start(self) -> None:
        """Listen on (host, monitor_port); when that fails, say so in the error log and run without it."""
        config = self.config
        certificate, key = server_certificate(config)
        sock = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit it: a response's head and body go out at once, not 40 ms apart (Nagle waiting
        # for the client's delayed ACK of the head).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((config.host, config.monitor_port))
        except OSError as exc:
            sock.close()
            text = f"The activity monitor cannot listen on {config.host}:{config.monitor_port}: {exc.strerror}."
            self.instance.errorlog.write("Server", text)
            log.warning("%s The server runs without it.", text)
            return
        uvicorn_config = uvicorn.Config(
            self.monitor.app,
            ssl_certfile=str(certificate),
            ssl_keyfile=str(key),
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
        )
        server = self._server = _EmbeddedServer(uvicorn_config)
        self._task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        while not server.started and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task.done():
            self._task.result()  # raises what stopped it
            raise RuntimeError("the activity monitor stopped while starting")
        self.instance.errorlog.listeners.append(self.monitor.counters.count_failed_login)
        host, port = sock.getsockname()[:2]
        self.address = (str(host), int(port))
        self.instance.errorlog.write("Server", f"The activity monitor is listening on https://{host}:{port}/.")

    async def stop(self) -> None:
        self.monitor.stopping.set()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await self._task
        await self.monitor.logins.close()
        listeners = self.instance.errorlog.listeners
        if self.monitor.counters.count_failed_login in listeners:
            listeners.remove(self.monitor.counters.count_failed_login)
