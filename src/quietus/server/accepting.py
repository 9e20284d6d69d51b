"""What every listener and every client connection of the server share, whatever protocol they speak.

``Listener``: the accepting socket on the engine's loop, its address, and ``stop`` (stop accepting, end every
connection, wait until each one's session is closed).  ``SessionOwner``: a connection's side of its session's end
— close it once (rolled back, locks released, id freed; later callers wait for that one), leave the listener's set
once nothing is left running, what a closed socket does to it (interrupt the running request, or close the idle
session), the login task's frame (an unexpected failure closes that connection only), and the server-stop path
(interrupt the running request with SHUTDOWN, close the socket, wait).  The TDS and Oracle Net connections both are
one.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Coroutine, Sequence
from typing import Any, Protocol, cast

from quietus.engine.interrupts import InterruptReason
from quietus.engine.scheduler import start_eagerly
from quietus.server.busy_poll import BusyPoll
from quietus.sessions.session import Session

log = logging.getLogger("quietus.server")

ACCEPT_BACKLOG = 4096
WRITE_HIGH_WATER = 256 * 1024  # transport buffer above which a request waits for the client (ASYNC_NETWORK_IO)


class _Connection(Protocol):
    async def shutdown(self) -> None: ...


class Listener:
    """An accepting socket; subclasses say which connection class serves each accepted socket."""

    def __init__(self, instance: Any) -> None:
        self.instance = instance
        self.connections: set[Any] = set()
        self._server: asyncio.Server | None = None

    async def _listen(self, make: Any, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(make, host, port, backlog=ACCEPT_BACKLOG, reuse_address=True)

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) of the listening socket (the real port when started on port 0)."""
        assert self._server is not None, "the listener is not started"
        # typeshed says a tuple, uvloop's Server gives a list: read as any sequence (compiled, mypyc checks the type)
        server: Any = self._server
        sockets: Sequence[socket.socket] = server.sockets
        for sock in sockets:
            if sock.family == socket.AF_INET:
                host, port = sock.getsockname()[:2]
                return str(host), int(port)
        host, port = sockets[0].getsockname()[:2]
        return str(host), int(port)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        connections: list[_Connection] = list(self.connections)
        await asyncio.gather(*(c.shutdown() for c in connections), return_exceptions=True)
        self.connections.clear()


class SessionOwner:
    """A client connection's hold on its session (see the module's docstring); mixed into a connection class that
    has ``listener``, ``instance``, ``transport``, ``client_address``, ``client_port``, ``session``, ``closed``,
    ``close(abort=...)``, ``_work``, ``_session_closed`` and ``_closing``."""

    listener: Any
    instance: Any
    transport: asyncio.Transport | None
    client_address: str
    client_port: int
    session: Session | None
    closed: bool
    _work: asyncio.Future[None] | None
    _first_step: asyncio.Future[None] | None
    _session_closed: bool
    _closing: asyncio.Task[None] | None

    PROTOCOL = ""  # the wire protocol's name, for the error log ('TDS', 'Oracle Net')
    CONNECTION_WORDS = "connection"  # what the log line of a dropped connection calls it
    log = log  # the logger a subclass's lines go to

    def _abort(self, reason: str) -> None:
        """The client broke the protocol: log it and drop the connection (its session ends as on any close)."""
        source = f"spid{self.session.session_id}" if self.session is not None else "Logon"
        address, port = self.client_address, self.client_port
        self.log.warning("closing the %s from %s:%d: %s", self.CONNECTION_WORDS, address, port, reason)
        self.instance.errorlog.write(source, f"The connection has been closed: {reason}. [CLIENT: {address}]")
        self.instance.env.statistics.packet_errors += 1
        self.close()

    def _packet_in(self) -> None:
        """A read from the socket: counted for the server (@@PACK_RECEIVED) and the session's connection
        (sys.dm_exec_connections), and told to the served loop's polling (quietus.server.busy_poll)."""
        self.instance.env.statistics.packets_received += 1
        info = self.session.connection if self.session is not None else None
        if info is not None:
            info.was_read()
        poll: BusyPoll | None = self.instance.busy_poll
        if poll is not None:
            poll.received()

    def _packet_out(self) -> None:
        """A write to the socket: counted as ``_packet_in`` counts reads; the loop polls for the client's next
        request."""
        self.instance.env.statistics.packets_sent += 1
        info = self.session.connection if self.session is not None else None
        if info is not None:
            info.was_written()
        poll: BusyPoll | None = self.instance.busy_poll
        if poll is not None:
            poll.answered()

    def close(self, *, abort: bool = False) -> None:
        raise NotImplementedError

    def _pump(self) -> None:
        """Act on the events the codec has decoded (the next request, once none is running)."""
        raise NotImplementedError

    async def _authenticate(self, event: Any) -> None:
        """Check the login, open the session and answer the client (or refuse it and close)."""
        raise NotImplementedError

    async def _login(self, event: Any) -> None:
        """The login as a task of its own: an unexpected failure closes this connection only; then go on."""
        try:
            await self._authenticate(event)
        except Exception:
            log.exception("%s login from %s failed unexpectedly", self.PROTOCOL, self.client_address)
            self.close()
        finally:
            self._work = None
        if self.closed:
            self._forget_if_finished()
        else:
            self._pump()

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run a login or request: its first step at once (a request that never waits ends there, with no loop
        turn), the rest as the loop's task.  ``_work`` is never None while it runs (the work clears it at its end,
        before closing a session that is gone: a work that cleared it in its first step is not set again)."""
        placeholder = self._first_step
        if placeholder is None:  # made once a connection (asyncio's loop lookup is a getpid() in Python 3.11)
            placeholder = self._first_step = asyncio.get_running_loop().create_future()
        self._work = placeholder  # while the first step runs (never completed: it is only ever compared)
        task = start_eagerly(work)
        if task is not None and self._work is placeholder:
            self._work = task

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """A client connected: no Nagle delay, a bounded write buffer, the peer's address; join the listener's set."""
        transport = cast(asyncio.Transport, transport)  # a stream transport (uvloop's is not a subclass of asyncio's)
        self.transport = transport
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername") or ("", 0)
        self.client_address, self.client_port = str(peer[0]), int(peer[1])
        self.listener.connections.add(self)
        self.listener.instance.env.statistics.connections += 1

    def _forget_if_finished(self) -> None:
        """Leave the listener's set once closed with nothing left running (until then, ``stop`` waits for us)."""
        if self.closed and self._work is None and (self.session is None or self._session_closed):
            self.listener.connections.discard(self)

    def _end(self, reason: InterruptReason) -> None:
        """The connection is closed: stop the running request, or close the idle session now."""
        session = self.session
        if session is None:
            self._forget_if_finished()
            return
        if self._work is not None:
            session.interrupt(reason)  # the request unwinds; the connection then closes the session
            return
        if self._session_closed:
            self._forget_if_finished()
        elif self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._close(session))

    async def _close_session(self) -> None:
        """Close the session once (rolled back, locks released, id freed); later calls wait for that one."""
        if self.session is None or self._session_closed:
            self._forget_if_finished()
            return
        if self._closing is None:
            self._closing = asyncio.get_running_loop().create_task(self._close(self.session))
        await asyncio.shield(self._closing)

    async def _close(self, session: Session) -> None:
        try:
            await self.instance.close_session(session)
        except Exception:
            log.exception("closing session %d failed", session.session_id)
        self._session_closed = True
        self._forget_if_finished()

    async def shutdown(self) -> None:
        """Server stop: interrupt the running request, close the socket, wait until the session is closed."""
        if self.session is not None and self._work is not None:
            self.session.interrupt(InterruptReason.SHUTDOWN)
        self.close(abort=True)
        work = self._work
        if work is not None:
            await asyncio.gather(work, return_exceptions=True)
        await self._close_session()
