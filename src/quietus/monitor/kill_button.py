"""The kill button: a preview of what a kill would do, and the kill itself through ``admin.kill.kill_session``.

The page sends (session_id, serial): a kill reaches the session the user saw or nothing.  The server checks the
permission again on every request, whatever buttons the page showed.  Refusals, in the order checked, with the
numbers KILL gives for the same cases (admin.kill_statement):

| # | the request ...                                           | HTTP | Msg  |
|---|-----------------------------------------------------------|------|------|
| 1 | comes from a login without ALTER ANY CONNECTION           | 403  | 6102 |
| 2 | names the monitor's own session                           | 409  | 6104 |
| 3 | names an id no live session has, or another serial        | 409  | 6106 |
|   | (the session ended, or its id now names a newer session)  |      |      |
| 4 | names a system session                                    | 409  | 6107 |

A kill that passes them is applied (or, for a session already being killed, reported) and answered with the
kill record's id and outcome; the record names the web login, its host and program ``Quietus monitor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quietus.admin.kill import kill_history, kill_session, victim_state, victim_transactions
from quietus.admin.kill_statement import KILL_PERMISSION, refusal
from quietus.monitor.auth import WebLogin
from quietus.monitor.board import board
from quietus.sessions.session import Session
from quietus.sql.environment import Environment


@dataclass(frozen=True)
class Answer:
    status: int  # the HTTP status
    body: dict[str, Any]


def may_kill(env: Environment, login: str) -> bool:
    security: Any = env.services.get("security")
    return security is not None and bool(security.has_server_permission(login, KILL_PERMISSION))


def _refused(status: int, number: int, *args: object) -> Answer:
    error = refusal(number, *args)
    return Answer(status, {"killed": False, "number": error.number, "message": error.message})


def _target(env: Environment, web: WebLogin, session_id: int, serial: int) -> Session | Answer:
    if not may_kill(env, web.login):
        return _refused(403, 6102)
    if session_id == web.session.session_id:
        return _refused(409, 6104)
    registry: Any = env.services.get("registry")
    victim: Session | None = None if registry is None else registry.get(session_id)
    if victim is None or victim.serial != serial:
        answer = _refused(409, 6106, session_id)
        answer.body["message"] += f" Session {session_id} serial {serial} has ended: nothing was killed."
        return answer
    if not victim.is_user_process:
        return _refused(409, 6107)
    return victim


def preview(env: Environment, web: WebLogin, session_id: int, serial: int) -> Answer:
    """What killing (session_id, serial) would do: its state, the rows it would roll back, who waits behind it."""
    victim = _target(env, web, session_id, serial)
    if isinstance(victim, Answer):
        return victim
    graph = board(env, web.session).graph
    return Answer(
        200,
        {
            "session_id": session_id,
            "serial": serial,
            "login": victim.login_name,
            "state": victim_state(victim),
            "rows_to_undo": sum(len(txn.undo) for txn in victim_transactions(env, session_id)),
            "waiting_count": graph.waiting_count(session_id),
            "waiting_directly": sorted(graph.waited_by.get(session_id, ())),
            "statement": victim.statement_text,
        },
    )


def kill(env: Environment, web: WebLogin, session_id: int, serial: int) -> Answer:
    victim = _target(env, web, session_id, serial)
    if isinstance(victim, Answer):
        return victim
    if victim.kill_reason is not None:
        earlier = kill_history(env).latest_for(session_id, serial)
        return Answer(
            200,
            {
                "killed": False,
                "kill_id": None if earlier is None else earlier.kill_id,
                "outcome": None if earlier is None else earlier.outcome.value,
                "message": f"Session {session_id} is already being killed.",
            },
        )
    record = kill_session(env, victim, killer=web.session, statement=f"KILL {session_id} (monitor)")
    return Answer(
        200,
        {
            "killed": True,
            "kill_id": record.kill_id,
            "outcome": record.outcome.value,
            "rows_to_undo": record.rows_to_undo,
            "message": f"Session {session_id} (serial {serial}) killed: {record.rows_to_undo} rows to roll back.",
        },
    )
