"""The TDS listener: accepts connections on the engine's loop and knows every open one.

Runs on the engine thread (the loop that owns the ``Instance``); each accepted socket gets a ``TdsConnection``.
``stop`` stops accepting, then ends every connection (a running request is interrupted with SHUTDOWN and rolls
back) and waits until each one's session is closed.
"""

from __future__ import annotations

import asyncio
import socket

from quietus.server.connection import TdsConnection
from quietus.server.instance import Instance
from quietus.server.tls import ServerTls

ACCEPT_BACKLOG = 4096


class TdsListener:
    def __init__(self, instance: Instance, tls: ServerTls | None = None) -> None:
        self.instance = instance
        self.tls = tls if tls is not None else ServerTls.configure(
            enabled=False, force=False, data_dir=None, certificate=None, key=None
        )
        self.connections: set[TdsConnection] = set()
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 1433) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: TdsConnection(self), host, port, backlog=ACCEPT_BACKLOG, reuse_address=True
        )
        address = self.address
        self.instance.errorlog.write("Server", f"Server is listening on [ {address[0]} <ipv4> {address[1]}].")

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) of the listening socket (the real port when started on port 0)."""
        assert self._server is not None, "the listener is not started"
        for sock in self._server.sockets:
            if sock.family == socket.AF_INET:
                host, port = sock.getsockname()[:2]
                return str(host), int(port)
        host, port = self._server.sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        await asyncio.gather(*(c.shutdown() for c in list(self.connections)), return_exceptions=True)
        self.connections.clear()
