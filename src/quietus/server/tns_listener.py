"""The Oracle Net listener: accepts connections on the engine's loop beside the TDS listener.

Each accepted socket gets a ``TnsConnection``; the service name a client asks for is a database name.  ``stop``
stops accepting, then ends every connection (a running call is interrupted with SHUTDOWN and rolls back) and waits
until each one's session is closed.
"""

from __future__ import annotations

import asyncio
import socket

from quietus.server.instance import Instance
from quietus.server.tns_connection import TnsConnection

ACCEPT_BACKLOG = 4096


class TnsListener:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.connections: set[TnsConnection] = set()
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 1521) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: TnsConnection(self), host, port, backlog=ACCEPT_BACKLOG, reuse_address=True
        )
        address = self.address
        self.instance.errorlog.write(
            "Server", f"Oracle Net listener is listening on [ {address[0]} <ipv4> {address[1]}]."
        )

    @property
    def address(self) -> tuple[str, int]:
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
