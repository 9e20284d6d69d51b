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

Many at once (as ``sp_kill`` with ``@preview = 1`` first): ``preview_many`` lists the (session_id, serial) of every
session the filter matches that a kill could reach; ``kill_many`` kills exactly that list, each target through
``kill`` (its own refusals, its own record), so a session that matched the filter only after the preview, or whose
id was reused since, is never reached.

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


MANY_LIMIT = 1000  # sessions one request may name


def preview_many(env: Environment, web: WebLogin, rows: list[dict[str, Any]]) -> Answer:
    """The sessions of ``rows`` (the filter's matches) that a kill would reach, with what each would roll back."""
    if not may_kill(env, web.login):
        return _refused(403, 6102)
    own = web.session.session_id
    targets = [
        {key: row[key] for key in ("session_id", "serial", "login", "host", "program", "status", "rows_to_undo")}
        for row in rows
        if row["session_id"] != own and not row["killed"]
    ]
    if len(targets) > MANY_LIMIT:
        return Answer(400, {"message": f"{len(targets)} sessions match: narrow the filter to {MANY_LIMIT} or fewer."})
    return Answer(200, {"targets": targets, "rows_to_undo": sum(t["rows_to_undo"] for t in targets)})


def parse_targets(text: str) -> list[tuple[int, int]] | None:
    """'51:2,52:1' -> [(51, 2), (52, 1)]; None when malformed or longer than MANY_LIMIT."""
    try:
        pairs = [tuple(int(part) for part in item.split(":")) for item in text.split(",") if item]
    except ValueError:
        return None
    if not pairs or len(pairs) > MANY_LIMIT or any(len(pair) != 2 for pair in pairs):
        return None
    return [(pair[0], pair[1]) for pair in pairs]


def kill_many(env: Environment, web: WebLogin, targets: list[tuple[int, int]]) -> Answer:
    if not may_kill(env, web.login):
        return _refused(403, 6102)
    results = [{"session_id": session_id, **kill(env, web, session_id, serial).body} for session_id, serial in targets]
    killed = sum(1 for result in results if result.get("killed"))
    return Answer(200, {"killed": killed, "results": results, "message": f"{killed} of {len(results)} killed."})
