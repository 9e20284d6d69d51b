"""XA over Oracle Net: the TPC transaction switch (103) and change state (104) calls python-oracledb's thin mode
sends for ``tpc_begin``/``tpc_end`` and ``tpc_prepare``/``tpc_commit``/``tpc_rollback``, mapped onto
``sessions/xa.py`` (the engine's distributed transactions).

| function | operation      | call                                 | reply (PARAMETER), then the end of call          |
|----------|----------------|--------------------------------------|--------------------------------------------------|
| 103      | START (1)      | ``xa.start`` (flags NEW/JOIN/RESUME/ | application value 0, the transaction context:    |
|          |                | PROMOTE)                             | the branch's UOW (16 bytes)                      |
| 103      | DETACH (2)     | ``xa.end``                           | application value 0, an empty context            |
| 104      | PREPARE (3)    | ``xa.prepare``                       | state REQUIRES_COMMIT (1) or READ_ONLY (4)       |
| 104      | COMMIT (1)     | ``xa.commit`` (one-phase when the    | COMMITTED (2) one-phase, FORGOTTEN (5) two-phase |
|          |                | client asks for state READ_ONLY)     |                                                  |
| 104      | ABORT (2)      | ``xa.rollback``                      | ABORTED (3)                                      |
| 104      | FORGET (4)     | ``xa.forget``                        | FORGOTTEN (5)                                    |

Any other operation is ORA-01022 (never ignored).  The branch a 104 call is about is named by its XID, else by the
context the client echoes, else it is the session's last branch (``xa._branch``).  Errors come back as the end of
call's ORA error, with no PARAMETER message (python-oracledb raises it before reading any state).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quietus.protocol.tns import messages
from quietus.protocol.tns.events import TpcChangeState, TpcSwitch, TpcXid
from quietus.sessions import xa
from quietus.sql.oracle.errors import ora


@dataclass(frozen=True, slots=True)
class TpcCall:
    label: str  # what the session's SQL text shows while it runs (v$session, sys.dm_exec_requests)
    work: Callable[[Any], bytes]  # runs with the session's OracleRunner; returns the PARAMETER message


def _xid(xid: TpcXid | None) -> xa.Xid | None:
    return None if xid is None else xa.Xid(xid.format_id, xid.gtrid, xid.bqual)


def _target(event: TpcChangeState) -> uuid.UUID | None:
    xid = _xid(event.xid)
    if xid is not None:
        return xid.uow
    if event.context is not None and len(event.context) == 16:
        return uuid.UUID(bytes=event.context)
    return None


def _start(event: TpcSwitch) -> TpcCall:
    xid = _xid(event.xid)

    def work(runner: Any) -> bytes:
        if xid is None:
            raise ora("ORA-24756")
        uow = xa.start(runner, xid, event.flags, event.timeout)
        return messages.tpc_switch_reply(uow.bytes)

    return TpcCall("tpc_begin", work)


def _detach(event: TpcSwitch) -> TpcCall:
    def work(runner: Any) -> bytes:
        xa.end(runner, _xid(event.xid), event.flags)
        return messages.tpc_switch_reply(b"")

    return TpcCall("tpc_end", work)


def _state(label: str, decide: Callable[[Any, TpcChangeState], int]) -> Callable[[TpcChangeState], TpcCall]:
    def build(event: TpcChangeState) -> TpcCall:
        return TpcCall(label, lambda runner: messages.tpc_state_reply(decide(runner, event)))

    return build


SWITCH: dict[int, Callable[[TpcSwitch], TpcCall]] = {
    messages.TPC_START: _start,
    messages.TPC_DETACH: _detach,
}
CHANGE_STATE: dict[int, Callable[[TpcChangeState], TpcCall]] = {
    messages.TPC_PREPARE: _state("tpc_prepare", lambda r, e: xa.prepare(r, _target(e))),
    messages.TPC_COMMIT: _state(
        "tpc_commit", lambda r, e: xa.commit(r, _target(e), one_phase=e.state == xa.STATE_READ_ONLY)
    ),
    messages.TPC_ABORT: _state("tpc_rollback", lambda r, e: xa.rollback(r, _target(e))),
    messages.TPC_FORGET: _state("tpc_forget", lambda r, e: xa.forget(r, _target(e))),
}


def tpc_call(event: TpcSwitch | TpcChangeState) -> TpcCall | None:
    """The call a TPC message stands for; None for an operation Quietus does not know (ORA-01022)."""
    if isinstance(event, TpcSwitch):
        switch = SWITCH.get(event.operation)
        return None if switch is None else switch(event)
    change = CHANGE_STATE.get(event.operation)
    return None if change is None else change(event)
