"""Idle timeouts: the server ends sessions that sit idle too long, by the same path and audit as KILL.

A background task on the engine loop (system session ``IDLE TIMEOUT``) checks every ``CHECK_INTERVAL_SECONDS``:

| option (seconds, 0 = off)    | a user session is ended when ...                                            |
|------------------------------|------------------------------------------------------------------------------|
| idle_in_transaction_timeout  | it runs no request, has an open transaction, and has been idle that long     |
| idle_session_timeout         | it runs no request and has been idle that long (in a transaction or not)     |

"Idle" is ``admin.blocking.idle_since``: since its last request ended (its login before any), the clock
sys.dm_exec_sessions.last_request_end_time shows.  When both options apply to a session, the smaller limit was
crossed first and names the policy.  The session is ended with ``kill_session(reason=IDLE_TIMEOUT, killer=None)``:
its connection is closed without a message (an idle KILL), its transaction rolled back and its locks released, one
18100 line in the error log ending ``(server: idle_in_transaction_timeout = 30 s)``, one kill-history record.

Unlike PostgreSQL, ``idle_session_timeout`` also covers sessions idle inside a transaction (MySQL's wait_timeout
does the same): a session holding locks is the one most worth ending.

Invariants
----------
1. A running request is never ended by a timeout: only sessions with no task are candidates, and the check runs on
   the engine loop, so no request can start between the test and the kill.
2. The check is O(sessions) (the registry's id order adds a sort) and reads the options each time: a change made
   with sp_configure is in effect at the next check.  With both options 0 it looks at no session.
3. System sessions, and sessions already being killed or ended, are never candidates.
4. A failing check is logged and the watcher goes on; it stops only when the instance stops.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from quietus.admin.blocking import idle_since
from quietus.admin.kill import KillRecord, kill_session
from quietus.admin.sp_configure import configuration
from quietus.engine.interrupts import InterruptReason
from quietus.sessions.registry import SessionRegistry
from quietus.sessions.session import Session, SessionStatus
from quietus.sql.environment import Environment

log = logging.getLogger("quietus.server")

COMMAND = "IDLE TIMEOUT"  # the system session's command (sp_who.cmd, dm_exec_requests.command)
CHECK_INTERVAL_SECONDS = 1.0


@dataclass(frozen=True)
class Policy:
    option: str
    applies: Callable[[Session], bool]


POLICIES: tuple[Policy, ...] = (
    Policy("idle_in_transaction_timeout", lambda session: session.trancount > 0),
    Policy("idle_session_timeout", lambda session: True),
)


def candidate(session: Session) -> bool:
    """A user session no one is ending yet (invariant 3)."""
    return (
        session.is_user_process
        and session.kill_reason is None
        and session.status not in (SessionStatus.KILLED, SessionStatus.ENDED)
    )


def due(session: Session, cutoffs: list[tuple[Policy, int, datetime.datetime]]) -> tuple[Policy, int] | None:
    """The policy that ends ``session`` now, if any (``cutoffs``: each active policy, its limit, and the moment a
    session idle since then has reached it; smallest limit first)."""
    since = idle_since(session)
    if since is None or since > cutoffs[0][2] or not candidate(session):
        return None
    for policy, limit, cutoff in cutoffs:
        if since <= cutoff and policy.applies(session):
            return policy, limit
    return None


def check(env: Environment, sessions: Iterable[Session], now: datetime.datetime) -> list[KillRecord]:
    """One pass: end every session a timeout applies to; the kills made."""
    config = configuration(env.services)
    limits = sorted(
        ((config[policy.option], policy) for policy in POLICIES if config[policy.option] > 0), key=lambda pair: pair[0]
    )
    if not limits:
        return []
    cutoffs = [(policy, limit, now - datetime.timedelta(seconds=limit)) for limit, policy in limits]
    latest = cutoffs[0][2]
    ended = []
    for session in list(sessions):
        # the hot path: most sessions are running or idle for less than the smallest limit (idle_since, inlined)
        if session.task is not None or (session.last_request_end_time or session.login_time) > latest:
            continue
        found = due(session, cutoffs)
        if found is not None:
            policy, limit = found
            statement = f"{policy.option} = {limit} s"
            ended.append(
                kill_session(env, session, killer=None, reason=InterruptReason.IDLE_TIMEOUT, statement=statement)
            )
    return ended


async def watch(env: Environment, registry: SessionRegistry) -> None:
    """The watcher's loop (invariant 4)."""
    while True:
        await asyncio.sleep(CHECK_INTERVAL_SECONDS)
        try:
            check(env, registry, datetime.datetime.now())
        except Exception:
            log.exception("the idle-timeout check failed")


def start(env: Environment, registry: SessionRegistry, options: Mapping[str, int]) -> asyncio.Task[None]:
    """Apply the server's starting values, open the watcher's system session, start it on the running loop."""
    config = configuration(env.services)
    for name, value in options.items():
        config.set(name, value)
    registry.open_system_session(COMMAND)
    return asyncio.get_running_loop().create_task(watch(env, registry))
