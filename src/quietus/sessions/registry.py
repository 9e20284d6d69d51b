"""The live session registry: session ids, serial numbers, and who is connected.

Ids follow SQL Server: user sessions get the lowest free id from 51 up (an id is released when its connection ends
and given to the next connection); system sessions (checkpoint, cleaner, lock monitor ...) take ids below 51 and are
flagged ``is_user_process = 0`` — "system or not" is decided by the flag, never by the number.  Each id carries a
serial (Oracle's SERIAL#) that grows every time the id is given out again, so ``(id, serial)`` names one session
for ever and a delayed kill can never hit a newer session that reuses the id.  Serials stay below 65,536 (Oracle's
thin drivers read SERIAL# as 16 bits): after 65,535 reuses of one id its serial starts again at 1.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from operator import attrgetter

from quietus.sessions.session import Session, SessionStatus, Surface

_SESSION_ID = attrgetter("session_id")  # the sort key of every listing of the sessions (a C call, not a lambda)

FIRST_USER_SESSION_ID = 51
MAX_SESSION_ID = 32767
MAX_SERIAL = 65535


class SessionLimitReached(Exception):
    pass


class SessionRegistry:
    def __init__(self) -> None:
        self._sessions: dict[int, Session] = {}
        self._free: list[int] = []  # released user ids (a heap: the lowest is reused first)
        self._next_user_id = FIRST_USER_SESSION_ID
        self._next_system_id = 1
        self._serials: dict[int, int] = {}

    def _serial_for(self, session_id: int) -> int:
        serial = self._serials.get(session_id, 0) % MAX_SERIAL + 1
        self._serials[session_id] = serial
        return serial

    def open_user_session(self, **attributes: object) -> Session:
        if self._free:
            session_id = heapq.heappop(self._free)
        else:
            if self._next_user_id > MAX_SESSION_ID:
                raise SessionLimitReached(f"all {MAX_SESSION_ID} session ids are in use")
            session_id = self._next_user_id
            self._next_user_id += 1
        session = Session(session_id, self._serial_for(session_id), **attributes)  # type: ignore[arg-type]
        self._sessions[session_id] = session
        return session

    def open_system_session(self, command: str) -> Session:
        session_id = self._next_system_id
        if session_id >= FIRST_USER_SESSION_ID:
            raise SessionLimitReached("too many system sessions")
        self._next_system_id += 1
        session = Session(
            session_id, self._serial_for(session_id), login_name="sa", is_user_process=False, surface=Surface.SYSTEM
        )
        session.command = command
        session.status = SessionStatus.RUNNING
        self._sessions[session_id] = session
        return session

    def close(self, session: Session) -> None:
        """The session's connection ended: release its id for reuse."""
        if self._sessions.get(session.session_id) is not session:
            return
        del self._sessions[session.session_id]
        session.status = SessionStatus.ENDED
        if session.is_user_process:
            heapq.heappush(self._free, session.session_id)

    def get(self, session_id: int) -> Session | None:
        return self._sessions.get(session_id)

    def __iter__(self) -> Iterator[Session]:
        return iter(sorted(self._sessions.values(), key=_SESSION_ID))

    def __len__(self) -> int:
        return len(self._sessions)
