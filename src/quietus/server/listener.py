"""The TDS listener: accepts connections on the engine's loop and knows every open one.

Runs on the engine thread (the loop that owns the ``Instance``); each accepted socket gets a ``TdsConnection``.
``stop`` stops accepting, then ends every connection (a running request is interrupted with SHUTDOWN and rolls
back) and waits until each one's session is closed.
"""

from __future__ import annotations

from quietus.server.accepting import Listener
from quietus.server.connection import TdsConnection
from quietus.server.instance import Instance
from quietus.server.tls import ServerTls


class TdsListener(Listener):
    def __init__(self, instance: Instance, tls: ServerTls | None = None) -> None:
        super().__init__(instance)
        self.tls = tls if tls is not None else ServerTls.configure(
            enabled=False, force=False, data_dir=None, certificate=None, key=None
        )
        self.connections: set[TdsConnection] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 1433) -> None:
        await self._listen(lambda: TdsConnection(self), host, port)
        address = self.address
        self.instance.errorlog.write("Server", f"Server is listening on [ {address[0]} <ipv4> {address[1]}].")

