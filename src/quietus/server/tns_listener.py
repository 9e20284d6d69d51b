"""The Oracle Net listener: accepts connections on the engine's loop beside the TDS listener.

Each accepted socket gets a ``TnsConnection``; the service name a client asks for is a database name.  ``stop``
stops accepting, then ends every connection (a running call is interrupted with SHUTDOWN and rolls back) and waits
until each one's session is closed.
"""

from __future__ import annotations

from quietus.server.accepting import Listener
from quietus.server.instance import Instance
from quietus.server.tns_connection import TnsConnection


class TnsListener(Listener):
    def __init__(self, instance: Instance) -> None:
        super().__init__(instance)
        self.connections: set[TnsConnection] = set()

    async def start(self, host: str = "127.0.0.1", port: int = 1521) -> None:
        await self._listen(lambda: TnsConnection(self), host, port)
        address = self.address
        self.instance.errorlog.write(
            "Server", f"Oracle Net listener is listening on [ {address[0]} <ipv4> {address[1]}]."
        )

