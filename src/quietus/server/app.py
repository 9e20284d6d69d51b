"""The assembled server: an ``Instance``, its TDS listener and its Oracle Net listener (unless ``oracle_port`` is 0),
started and stopped in order; ``quietus serve``.

Lifecycle::

    start: instance (data directory locked, error log, recovery, security, views) → listener bound → activity
           monitor (quietus.monitor, unless ``monitor_port`` is 0) → "ready"
    stop (SIGTERM, SIGINT, or ``Server.stop``): monitor stopped, listener closed, every connection ended (running
          requests interrupted with SHUTDOWN and rolled back), instance stopped (log flushed, error log closed, lock
          freed)

``Server`` runs on whatever loop starts it: ``quietus serve`` runs it with ``asyncio.run`` on the main thread (that
loop is then the engine's loop), the tests on an ``EngineThread``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable

from quietus import compiled
from quietus.monitor.server import MonitorServer
from quietus.server.busy_poll import BusyPoll
from quietus.server.config import SERVER_OPTIONS, ServerConfig
from quietus.server.event_loop import LoopUnavailable, loop_factory
from quietus.server.instance import Instance
from quietus.server.listener import TdsListener
from quietus.server.tls import ServerTls, TlsError
from quietus.server.tns_listener import TnsListener

log = logging.getLogger("quietus.server")

READY_TEXT = (
    "SQL Server is now ready for client connections. This is an informational message; no user action is required."
)


class StartupError(Exception):
    """The server cannot start (data directory in use, no sa password on a first start, port taken ...)."""


class Server:
    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        options = {name: getattr(config, name) for name in SERVER_OPTIONS}
        self.instance = Instance(
            config.data_dir, sa_password=config.sa_password, require_sa_password=True, options=options
        )
        self.listener = TdsListener(self.instance)
        self.oracle_listener = TnsListener(self.instance) if config.oracle_port else None
        self.monitor = MonitorServer(self.instance, config) if config.monitor_port else None  # quietus.monitor

    async def start(self) -> None:
        try:
            await self.instance.start()
        except Exception as exc:
            raise StartupError(str(exc)) from exc
        if self.config.busy_poll_us:  # the loop it starts on is the one it serves on
            self.instance.busy_poll = BusyPoll(asyncio.get_running_loop(), self.config.busy_poll_us / 1_000_000)
        try:
            self.listener.tls = self._tls()
        except TlsError as exc:
            await self.instance.stop()
            raise StartupError(f"TLS: {exc}") from exc
        try:
            if self.instance.security is None:
                raise StartupError("the security layer (quietus.sessions.security) is missing: no login can be checked")
            port = self.config.port
            await self.listener.start(self.config.host, port)
            if self.oracle_listener is not None:
                port = self.config.oracle_port
                await self.oracle_listener.start(self.config.host, port)
            if self.monitor is not None:
                await self.monitor.start()
        except BaseException as exc:
            await self.listener.stop()
            await self.instance.stop()
            if isinstance(exc, OSError):
                raise StartupError(f"cannot listen on {self.config.host}:{port}: {exc.strerror}") from exc
            raise
        self.instance.errorlog.write("Server", READY_TEXT)

    def _tls(self) -> ServerTls:
        """The listener's TLS: the configured certificate, or the data directory's self-signed one (made once)."""
        config = self.config
        tls = ServerTls.configure(
            enabled=config.tls,
            force=config.force_encryption,
            data_dir=self.instance.data_dir,
            certificate=config.tls_certificate,
            key=config.tls_key,
        )
        if tls.certificate is not None:
            kind = "self-signed certificate" if tls.certificate.self_signed else "certificate"
            forced = " Encryption is required (force_encryption)." if config.force_encryption else ""
            self.instance.errorlog.write(
                "Server", f"The {kind} {tls.certificate.certificate} was loaded for encryption.{forced}"
            )
        return tls

    @property
    def address(self) -> tuple[str, int]:
        return self.listener.address

    @property
    def oracle_address(self) -> tuple[str, int] | None:
        return self.oracle_listener.address if self.oracle_listener is not None else None

    @property
    def monitor_address(self) -> tuple[str, int] | None:
        return self.monitor.address if self.monitor is not None else None

    async def stop(self) -> None:
        if self.monitor is not None:
            await self.monitor.stop()
        await self.listener.stop()
        if self.oracle_listener is not None:
            await self.oracle_listener.stop()
        await self.instance.stop()


async def serve(config: ServerConfig, on_ready: Callable[[str, int], None]) -> None:
    """Run until SIGTERM or SIGINT; ``on_ready(host, port)`` once connections are accepted."""
    server = Server(config)
    await server.start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        on_ready(*server.address)
        await stopping.wait()
        log.info("stopping: closing sessions, rolling back open transactions, flushing the log")
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await server.stop()
    log.info("stopped")


def run(config: ServerConfig) -> int:
    """``quietus serve``: logs on stderr, the ready line on stdout; the exit code."""
    logging.basicConfig(
        stream=sys.stderr, level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    def ready(host: str, port: int) -> None:
        if config.oracle_port:
            log.info("Oracle Net on %s:%d", config.host, config.oracle_port)
        if config.monitor_port:
            log.info("activity monitor on https://%s:%d/", config.host, config.monitor_port)
        print(f"Quietus ready on {host}:{port}", flush=True)
        if config.oracle_port:
            print(f"Quietus Oracle Net ready on {config.host}:{config.oracle_port}", flush=True)

    try:
        loop_name, new_loop = loop_factory(config.event_loop)
    except LoopUnavailable as exc:
        print(f"quietus serve: {exc}", file=sys.stderr)
        return 1
    log.info("event loop: %s", loop_name)
    log.info("%s", compiled.RUNNING.describe())
    try:
        with asyncio.Runner(loop_factory=new_loop) as runner:
            runner.run(serve(config, ready))
    except StartupError as exc:
        print(f"quietus serve: {exc}", file=sys.stderr)
        return 1
    return 0
