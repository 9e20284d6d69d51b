"""Why a task stops early: typed interrupt reasons, set once, first reason wins.

A kill is a reason stored on the victim's task, a wake-up of whatever the victim waits on, and checks at safe points
where the victim unwinds itself (TiDB's sqlkiller, CockroachDB's cancellation RFC).  The killer never tears down the
victim's state; the victim's own code rolls back and releases.

``Interrupted`` is deliberately not a ``SqlError``: TRY...CATCH must never swallow it.
"""

from __future__ import annotations

import enum
from typing import Final

from quietus.errors import SqlError, sql_error


class InterruptReason(enum.Enum):
    """What ended the request; the value says what the victim's client sees."""

    ATTENTION = "attention"  # the client cancelled (TDS ATTENTION): the request ends, the session lives
    KILLED = "killed"  # KILL / ALTER SYSTEM KILL SESSION: the session ends (Msg 596)
    IDLE_TIMEOUT = "idle_timeout"  # a server timeout ended the session, same path as KILL
    SHUTDOWN = "shutdown"  # the server is stopping
    CONNECTION_LOST = "connection_lost"  # the client vanished mid-request
    CANCEL_SQL = "cancel_sql"  # ALTER SYSTEM CANCEL SQL: the statement ends with an error, the session lives


# Reasons after which the session itself must end, not only the current request.
ENDS_SESSION: Final = frozenset(
    {
        InterruptReason.KILLED,
        InterruptReason.IDLE_TIMEOUT,
        InterruptReason.SHUTDOWN,
        InterruptReason.CONNECTION_LOST,
    }
)


class Interrupted(Exception):
    """Raised at a safe point in a task whose interrupt reason is set."""

    def __init__(self, reason: InterruptReason) -> None:
        super().__init__(reason.value)
        self.reason = reason

    @property
    def ends_session(self) -> bool:
        return self.reason in ENDS_SESSION

    def client_error(self) -> SqlError | None:
        """The message the victim's client gets, if any (596 for a kill mid-request)."""
        if self.reason in (InterruptReason.KILLED, InterruptReason.IDLE_TIMEOUT):
            return sql_error(596)
        if self.reason is InterruptReason.CANCEL_SQL:
            return sql_error(3980)  # the Oracle runner shows it as ORA-01013
        return None
