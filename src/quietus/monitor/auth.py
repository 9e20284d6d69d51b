"""Web logins: Quietus logins checked by the security layer, as TDS checks them, and the browser sessions they open.

A web login opens a Quietus session (program ``Quietus monitor``, host = the browser's address, surface embedded):
it is who the monitor reads the views as, and the killer the kill history and error log name.  Logging out, or a
KILL of that session, ends the web login too.

| event                                 | what happens                                                         |
|---------------------------------------|----------------------------------------------------------------------|
| right name and password               | Quietus session opened; random 256-bit cookie token and CSRF token   |
| wrong name, password, disabled login  | the same two error-log lines as a TDS login (18456 / 18470, state,   |
|                                       | reason, [CLIENT: address]); the page says only "Login failed"        |
| FAILURE_LIMIT failures from one       | further attempts from that address are refused without checking the  |
| address within FAILURE_WINDOW seconds | password until the window has passed (HTTP 429)                       |
| the Quietus session ended (KILL)      | the cookie names nothing any more: back to the login page            |
| no request for IDLE_LIMIT seconds     | logged out (checked at the next login), its Quietus session closed   |
| any request (an open page's events)   | counts as a request of its Quietus session: an open page is never    |
|                                       | idle for ``idle_session_timeout``                                     |
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from quietus.sessions.session import Session, SessionStatus, Surface

PROGRAM_NAME = "Quietus monitor"
FAILURE_LIMIT = 5
FAILURE_WINDOW = 60.0  # seconds
IDLE_LIMIT = 8 * 3600.0  # seconds a web login may go without a request before it is logged out


class Throttled(Exception):
    """Too many failed logins from this address: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins from this address; try again in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass
class WebLogin:
    token: str
    csrf: str
    login: str
    session: Session
    last_seen: float = field(default_factory=time.monotonic)

    def csrf_matches(self, offered: str | None) -> bool:
        return offered is not None and hmac.compare_digest(offered.encode(), self.csrf.encode())


@dataclass
class Throttle:
    """Failed attempts per client address, in a sliding window."""

    limit: int = FAILURE_LIMIT
    window: float = FAILURE_WINDOW
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def check(self, address: str) -> None:
        recent = self._recent(address)
        if len(recent) >= self.limit:
            raise Throttled(max(1, int(recent[0] + self.window - time.monotonic()) + 1))

    def failed(self, address: str) -> None:
        self._recent(address).append(time.monotonic())

    def succeeded(self, address: str) -> None:
        self._failures.pop(address, None)

    def _recent(self, address: str) -> deque[float]:
        recent = self._failures.setdefault(address, deque())
        while recent and recent[0] <= time.monotonic() - self.window:
            recent.popleft()
        return recent


class WebLogins:
    def __init__(self, instance: Any) -> None:
        self.instance = instance
        self.throttle = Throttle()
        self._by_token: dict[str, WebLogin] = {}

    async def log_in(self, user: str, password: str, client: str) -> WebLogin | None:
        """The new web login, or None (the error log says why); ``Throttled`` before any check when throttled."""
        self.throttle.check(client)
        await self._expire()
        instance = self.instance
        result = await instance.security.login(user, password)
        if result.principal is None:
            self.throttle.failed(client)
            number, state = result.number or 18456, result.state or 1
            instance.errorlog.write("Logon", f"Error: {number}, Severity: 14, State: {state}.")
            instance.errorlog.write(
                "Logon", f"Login failed for user '{user}'. Reason: {result.reason} [CLIENT: {client}]"
            )
            return None
        self.throttle.succeeded(client)
        session = await instance.open_session(
            login_name=result.principal.name,
            surface=Surface.EMBEDDED,
            host_name=client,
            program_name=PROGRAM_NAME,
            client_interface_name=PROGRAM_NAME,
            database=_database(instance, result.principal.default_database_name),
        )
        web = WebLogin(secrets.token_urlsafe(32), secrets.token_urlsafe(32), result.principal.name, session)
        self._by_token[web.token] = web
        return web

    def find(self, token: str | None) -> WebLogin | None:
        """The web login the cookie names, while its Quietus session lives."""
        web = None if token is None else self._by_token.get(token)
        if web is None:
            return None
        session = web.session
        if self.instance.registry.get(session.session_id) is not session or session.status in (
            SessionStatus.KILLED,
            SessionStatus.ENDED,
        ):
            del self._by_token[web.token]
            return None
        web.last_seen = time.monotonic()
        # Each monitor request is a request of its session (the views, the idle timeouts): the page is not idle.
        session.request_started_at = session.request_ended_at = time.time()
        return web

    async def _expire(self) -> None:
        """Log out the web logins idle longer than IDLE_LIMIT (their Quietus sessions end)."""
        cutoff = time.monotonic() - IDLE_LIMIT
        for web in [web for web in self._by_token.values() if web.last_seen < cutoff]:
            await self.log_out(web)

    async def log_out(self, web: WebLogin) -> None:
        self._by_token.pop(web.token, None)
        if self.instance.registry.get(web.session.session_id) is web.session:
            await self.instance.close_session(web.session)

    async def close(self) -> None:
        for web in list(self._by_token.values()):
            await self.log_out(web)


def _database(instance: Any, name: str | None) -> str:
    """The login's default database while it exists, else master (the monitor reads server-wide views)."""
    found = None if name is None else instance.env.database(name)
    return "master" if found is None else str(found.name)
