"""Two-phase commit records: PREPARE and its decision, and what recovery rebuilds from them.

A distributed transaction is prepared (phase one) by writing one PREPARE record and waiting until it is durable.
From then on the outcome is decided by its coordinator or an administrator, and the decision is one more record.
Log records (MessagePack; the redo record of a local commit is ``[xid, ops]``, so a leading string tells them
apart):

| record                                   | meaning                                                        |
|------------------------------------------|----------------------------------------------------------------|
| ``["P", xid, uow, ops, locks, info]``    | prepared: ``ops`` is the redo the transaction would commit (the |
|                                          | redo-record ops of database.py), ``locks`` every lock it holds, |
|                                          | ``info`` its ``prepare_info`` (a map; absent in older logs)     |
| ``["C", uow]``                           | the prepared ``uow`` committed: apply its ops                   |
| ``["A", uow]``                           | the prepared ``uow`` aborted: forget it                         |

``uow`` is the GUID's 16 bytes; ``locks`` is a list of ``[resource, mode name]`` pickled (resources hold normalised
keys: strings, numbers, dates, the NULL_KEY sentinel).  A checkpoint carries every PREPARE record whose decision is
not durable yet as a chunk of its own (the record verbatim), so truncating the log never loses one, and one chunk
``["D", [[uow, "C" | "A"], ...]]`` with the last ``DECISIONS_KEPT`` decisions, so that a different outcome asked for
later is still refused (6111) after the log holding the decision was truncated.

Invariants
----------
1. A transaction is PREPARED only once its PREPARE record is durable; its ``prepare_payload`` is cleared as soon as
   its decision record is durable, and a checkpoint copies the payloads it sees, so exactly the undecided ones
   survive a checkpoint.
2. Replaying the log: a PREPARE is remembered, its COMMIT applies the remembered ops as a local commit's redo, its
   ABORT forgets it.  What is remembered at the end is in doubt: restored with a fresh xid under session -2, each
   change a new uncommitted version with an undo record (so both rollback modes work), every lock re-acquired
   before the database is handed to anyone.
3. A decision is idempotent: deciding the same outcome again changes nothing; ``decided`` remembers outcomes
   decided since start-up (and replayed from the log) so that a different one can be refused (6111).
"""

from __future__ import annotations

import enum
import pickle
import uuid
from collections.abc import Iterable
from typing import Any

import msgspec

from quietus.engine.locks import LockMode, LockResource

PREPARE = "P"
COMMIT = "C"
ABORT = "A"
DECIDED = "D"  # checkpoint chunk: recent decisions
DECISIONS_KEPT = 10_000


class Outcome(enum.Enum):
    COMMITTED = "committed"
    ABORTED = "aborted"


DECISIONS: dict[str, Outcome] = {COMMIT: Outcome.COMMITTED, ABORT: Outcome.ABORTED}


class InDoubtResolution(enum.IntEnum):
    """Server option 'in-doubt xact resolution': what recovery does with a transaction whose coordinator is gone."""

    NONE = 0  # keep it in doubt (locks held) until its coordinator or an administrator decides
    PRESUME_COMMIT = 1
    PRESUME_ABORT = 2


def prepare_record(
    xid: int,
    uow: uuid.UUID,
    ops: list[Any],
    locks: Iterable[tuple[LockResource, LockMode]],
    info: dict[str, Any],
) -> bytes:
    held = [(resource, mode.name) for resource, mode in locks]
    return msgspec.msgpack.encode((PREPARE, xid, uow.bytes, ops, pickle.dumps(held), info))


def prepared_info(record: list[Any]) -> dict[str, Any]:
    """A PREPARE record's ``info`` map (what its coordinator said about it); {} for a record written before it
    existed."""
    return dict(record[5]) if len(record) > 5 else {"prepared_xid": record[1]}


def decision_record(outcome: Outcome, uow: uuid.UUID) -> bytes:
    return msgspec.msgpack.encode((COMMIT if outcome is Outcome.COMMITTED else ABORT, uow.bytes))


class Decisions:
    """The outcomes of the last ``DECISIONS_KEPT`` prepared units of work (twophase invariant 3)."""

    def __init__(self) -> None:
        self._outcomes: dict[uuid.UUID, Outcome] = {}

    def get(self, uow: uuid.UUID) -> Outcome | None:
        return self._outcomes.get(uow)

    def __setitem__(self, uow: uuid.UUID, outcome: Outcome) -> None:
        self._outcomes.pop(uow, None)
        self._outcomes[uow] = outcome
        if len(self._outcomes) > DECISIONS_KEPT:
            del self._outcomes[next(iter(self._outcomes))]

    def chunk(self) -> bytes:
        kinds = {Outcome.COMMITTED: COMMIT, Outcome.ABORTED: ABORT}
        return msgspec.msgpack.encode((DECIDED, [(uow.bytes, kinds[o]) for uow, o in self._outcomes.items()]))

    def load(self, chunk: list[Any]) -> None:
        for uow, kind in chunk[1]:
            self[uuid.UUID(bytes=bytes(uow))] = DECISIONS[kind]


def is_two_phase(record: list[Any]) -> bool:
    return isinstance(record[0], str)


def record_uow(record: list[Any]) -> uuid.UUID:
    return uuid.UUID(bytes=bytes(record[1] if record[0] != PREPARE else record[2]))


def prepared_locks(record: list[Any], database_id: int) -> list[tuple[LockResource, LockMode]]:
    """The locks a PREPARE record lists, re-addressed to ``database_id`` (position 1 of every resource)."""
    held: list[tuple[tuple[Any, ...], str]] = pickle.loads(record[4])
    return [((resource[0], database_id, *resource[2:]), LockMode[mode]) for resource, mode in held]
