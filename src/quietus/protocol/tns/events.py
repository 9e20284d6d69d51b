"""What the TNS codec reports: one frozen dataclass per thing a client did (tns.md §2-§6)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quietus.protocol.tns.connect import ConnectDescriptor


@dataclass(frozen=True, slots=True)
class ConnectRequested:
    descriptor: ConnectDescriptor
    text: str
    sdu: int


@dataclass(frozen=True, slots=True)
class ProtocolRequested:
    driver_name: str


@dataclass(frozen=True, slots=True)
class DataTypesRequested:
    time_zone: bool = False  # the client sent its time zone (runtime caps TZ_EX) and expects DBTIMEZONE back


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """Function 118 (phase one) or 115 (phase two): the user and the key/value pairs."""

    phase: int  # 1 or 2
    user: str
    mode: int
    pairs: dict[str, str]


@dataclass(frozen=True, slots=True)
class BindSpec:
    """One bind position's metadata, as the client described it in an EXECUTE."""

    type_number: int
    flags: int
    buffer_size: int
    max_elements: int
    csfrm: int


@dataclass(frozen=True, slots=True)
class Piggybacks:
    closed_cursors: tuple[int, ...] = ()
    end_to_end: dict[str, str] = field(default_factory=dict)  # CLIENT_IDENTIFIER, MODULE, ACTION, ...
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class Execute:
    """EXECUTE (94): a full execute; ``sql`` is None when the cursor is reused without a parse."""

    sequence: int
    options: int
    cursor_id: int
    sql: str | None
    prefetch_rows: int
    executions: int
    is_query: bool
    binds: tuple[BindSpec, ...]
    rows: tuple[tuple[Any, ...], ...]  # bind values, one tuple per execution
    piggybacks: Piggybacks


@dataclass(frozen=True, slots=True)
class Reexecute:
    """REEXECUTE (4) or REEXECUTE_AND_FETCH (78) of a cursor: its stored binds' new values."""

    sequence: int
    function: int
    cursor_id: int
    iterations: int
    options1: int
    options2: int
    rows: tuple[tuple[Any, ...], ...]
    piggybacks: Piggybacks


@dataclass(frozen=True, slots=True)
class Fetch:
    sequence: int
    cursor_id: int
    rows: int
    piggybacks: Piggybacks


@dataclass(frozen=True, slots=True)
class SimpleCall:
    """COMMIT (14), ROLLBACK (15), LOGOFF (9), PING (147): a header and no body."""

    sequence: int
    function: int
    piggybacks: Piggybacks


@dataclass(frozen=True, slots=True)
class TpcXid:
    """An XA transaction id as a TPC call carries it: format id, global transaction id, branch qualifier."""

    format_id: int
    gtrid: bytes
    bqual: bytes


@dataclass(frozen=True, slots=True)
class TpcSwitch:
    """TPC transaction switch (103): start (begin, resume, join, promote) or detach (end) a branch."""

    sequence: int
    operation: int  # TPC_START or TPC_DETACH
    flags: int
    timeout: int
    xid: TpcXid | None
    context: bytes | None
    piggybacks: Piggybacks


@dataclass(frozen=True, slots=True)
class TpcChangeState:
    """TPC transaction change state (104): prepare, commit, abort or forget a branch."""

    sequence: int
    operation: int  # TPC_COMMIT, TPC_ABORT, TPC_PREPARE, TPC_FORGET
    state: int  # what the client asks for: COMMITTED (two-phase) or READ_ONLY (one-phase) for a commit
    flags: int
    xid: TpcXid | None
    context: bytes | None
    piggybacks: Piggybacks


@dataclass(frozen=True, slots=True)
class UnsupportedCall:
    """A function code (or piggyback) Quietus does not implement: answered with an ORA error, never ignored."""

    function: int
    reason: str


@dataclass(frozen=True, slots=True)
class BreakReceived:
    """MARKER BREAK or INTERRUPT: cancel what runs (tns.md §6)."""

    kind: int


@dataclass(frozen=True, slots=True)
class ResetReceived:
    """The client's RESET marker after the server's BREAK: the reply to the broken call is owed now."""


@dataclass(frozen=True, slots=True)
class ConnectionClosed:
    """DATA with the EOF flag: the client is gone (after LOGOFF, or abruptly)."""


@dataclass(frozen=True, slots=True)
class ProtocolError:
    reason: str


Event = (
    ConnectRequested
    | ProtocolRequested
    | DataTypesRequested
    | AuthRequest
    | Execute
    | Reexecute
    | Fetch
    | SimpleCall
    | TpcSwitch
    | TpcChangeState
    | UnsupportedCall
    | BreakReceived
    | ResetReceived
    | ConnectionClosed
    | ProtocolError
)
