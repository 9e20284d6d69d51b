"""The kill history kept in the master database, so that a restart does not erase who killed whom.

One hidden table, ``sys.syskillhistory`` in master (schema ``sys``: never resolved by name, so no user statement
reads or writes it; ``sys.dm_exec_kill_history`` is the way to see it), one row per ``KillRecord``, keyed by
``kill_id``.  It is written like every other master catalog table: rows in a transaction of master, committed
through its log, so they survive a restart (and a crash, once committed).

| event                                        | write                                                        |
|----------------------------------------------|--------------------------------------------------------------|
| a kill is applied (``KillHistory.add``)      | insert its row (outcome 'pending'); delete kill_id − limit   |
| the victim's session is gone (outcome known) | update the row: outcome, end time, rollback duration, undone |
| the instance starts                          | load every row into the in-memory history, oldest first; a   |
|                                              | row still 'pending' (the server died first) reads 'ended by  |
|                                              | restart'; kill ids continue after the highest                |
| the instance stops                           | the queued writes are committed before master is closed      |

Invariants
----------
1. Bounded: ids grow by one per kill, so deleting ``kill_id - HISTORY_LIMIT`` with each insert keeps at most
   ``HISTORY_LIMIT`` rows, the oldest going first, the same records the in-memory deque keeps.
2. The killer never waits for the table: writes are queued and committed by one writer task of their own, in
   order, ``WRITE_DELAY_SECONDS`` after the first (so the history's log flush is not the one the kill's waiters
   wait behind); a kill returns at once whatever the log is doing.
3. The table is created lazily, in the transaction of the first write, so an instance that never kills never has
   it (and a data directory from before this table gains it on its first kill).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from quietus.admin.kill import HISTORY_LIMIT, KillHistory, KillOutcome, KillRecord, KillResult, kill_history
from quietus.admin.kill_views import milliseconds
from quietus.engine.access import RowAccess
from quietus.engine.database import Database
from quietus.engine.interrupts import InterruptReason
from quietus.engine.scheduler import Task
from quietus.engine.storage.schema import ColumnDef, IndexDef, TableDef
from quietus.engine.storage.table import Table
from quietus.engine.txn.transaction import Isolation
from quietus.sql.environment import Environment

log = logging.getLogger(__name__)

TABLE_NAME = "syskillhistory"
NOBODY = -1  # an xid no transaction has: read committed rows only
WRITE_DELAY_SECONDS = 0.1  # queued rows are committed this long after the first of them (see KillStore._drain)
STOP_HOOKS = "stop_hooks"  # env.services key: async callables Instance.stop awaits before it closes the databases

# column name -> (type, length); None length: MAX for var types
COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("kill_id", "int", None),
    ("victim_session_id", "int", None),
    ("victim_serial", "int", None),
    ("victim_login", "nvarchar", 128),
    ("victim_host", "nvarchar", 128),
    ("victim_program", "nvarchar", 128),
    ("victim_state", "nvarchar", 60),
    ("killer_login", "nvarchar", 128),
    ("killer_host", "nvarchar", 128),
    ("killer_host_process_id", "int", None),
    ("killer_session_id", "int", None),
    ("killer_serial", "int", None),
    ("reason", "nvarchar", 30),
    ("command", "nvarchar", None),
    ("killed_at", "datetime", None),
    ("statement", "nvarchar", None),
    ("rows_to_undo", "bigint", None),
    ("predicted_rollback_ms", "bigint", None),
    ("outcome", "nvarchar", 30),
    ("ended_at", "datetime", None),
    ("rollback_ms", "bigint", None),
    ("rows_undone", "bigint", None),
    *((f"{side}_left_ms_{mark}", "bigint", None) for mark in (25, 50, 75) for side in ("predicted", "actual")),
)
QUARTER_COLUMNS = 6  # (predicted, actual) ms left at 25, 50 and 75 %: the estimator judged (KillResult.quarters)


def _definition(object_id: int) -> TableDef:
    columns = tuple(
        ColumnDef(name, type_name, length=length, nullable=name != "kill_id") for name, type_name, length in COLUMNS
    )
    return TableDef(
        object_id,
        TABLE_NAME,
        columns,
        (IndexDef(1, "PK_syskillhistory", (0,), unique=True, primary_key=True),),
        schema_name="sys",
    )


def row_of(record: KillRecord) -> tuple[Any, ...]:
    result = record.result
    return (
        record.kill_id,
        record.victim_session_id,
        record.victim_serial,
        record.victim_login,
        record.victim_host,
        record.victim_program,
        record.victim_state,
        record.killer_login,
        record.killer_host,
        record.killer_host_process_id,
        record.killer_session_id,
        record.killer_serial,
        record.reason.value,
        record.command,
        record.killed_at,
        record.statement,
        record.rows_to_undo,
        milliseconds(record.predicted_rollback_seconds),
        result.outcome.value,
        result.ended_at,
        milliseconds(result.rollback_seconds),
        result.rows_undone,
        *_quarter_values(result.quarters),
    )


def _quarter_values(quarters: tuple[tuple[float, float], ...]) -> list[int | None]:
    values: list[int | None] = [milliseconds(seconds) for pair in quarters for seconds in pair]
    return values + [None] * (QUARTER_COLUMNS - len(values))


def _quarters(values: tuple[Any, ...]) -> tuple[tuple[float, float], ...]:
    pairs = zip(values[0::2], values[1::2], strict=True)
    return tuple((predicted / 1000, actual / 1000) for predicted, actual in pairs if predicted is not None)


def record_of(values: tuple[Any, ...]) -> KillRecord:
    (kill_id, victim_id, victim_serial, victim_login, victim_host, victim_program, victim_state, killer_login,
     killer_host, killer_pid, killer_id, killer_serial, reason, command, killed_at, statement, rows_to_undo,
     predicted_ms, outcome, ended_at, rollback_ms, rows_undone) = values[: len(COLUMNS) - QUARTER_COLUMNS]  # fmt: skip
    finished = KillOutcome(outcome)
    if finished is KillOutcome.PENDING:  # the server stopped before the victim's end was recorded
        finished = KillOutcome.ENDED_BY_RESTART
    return KillRecord(
        kill_id=kill_id,
        victim_session_id=victim_id,
        victim_serial=victim_serial,
        victim_login=victim_login,
        victim_host=victim_host,
        victim_program=victim_program,
        victim_state=victim_state,
        killer_login=killer_login,
        killer_host=killer_host,
        killer_host_process_id=killer_pid,
        killer_session_id=killer_id,
        killer_serial=killer_serial,
        reason=InterruptReason(reason),
        command=command,
        killed_at=killed_at,
        statement=statement,
        rows_to_undo=rows_to_undo,
        predicted_rollback_seconds=None if predicted_ms is None else predicted_ms / 1000,
        result=KillResult(
            outcome=finished,
            ended_at=ended_at,
            rollback_seconds=None if rollback_ms is None else rollback_ms / 1000,
            rows_undone=rows_undone,
            quarters=_quarters(values[len(COLUMNS) - QUARTER_COLUMNS :]),
        ),
    )


class KillStore:
    """Queues the history's changes and commits them to master from one writer task, in order."""

    def __init__(self, master: Database, table: Table | None, limit: int = HISTORY_LIMIT) -> None:
        self.master = master
        self.table = table
        self.limit = limit
        self._queue: list[KillRecord] = []  # records inserted or changed since the last write, in order
        self._known: set[int] = set() if table is None else set(_keys(table))
        self._writer: asyncio.Task[None] | None = None

    # -- loading -----------------------------------------------------------------------------------------------

    def records(self) -> list[KillRecord]:
        """The committed rows, oldest first."""
        if self.table is None:
            return []
        txns = self.master.txns
        found = []
        for head in list(self.table.rows.values()):
            version = txns.latest_committed(head, NOBODY)
            if version is not None and version.values is not None:
                found.append(record_of(version.values))
        return sorted(found, key=lambda record: record.kill_id)

    # -- writing -----------------------------------------------------------------------------------------------

    def changed(self, record: KillRecord) -> None:
        """A record was added or finished: queue its row and make sure the writer runs."""
        if record.kill_id == 0:
            return  # not kept (a kill that found its victim gone)
        self._queue.append(record)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        # Not at once: the kill's waiters commit now, and a history commit in the same instant would make their
        # commit wait for one more log flush; a tenth of a second later it is nobody's critical path.
        await asyncio.sleep(WRITE_DELAY_SECONDS)
        while self._queue:
            batch, self._queue = self._queue, []
            task = Task(asyncio.get_running_loop())
            try:
                await task.run(self._write, task, batch)
            except Exception:
                log.exception("the kill history could not be written to %s", self.master.name)

    def _write(self, task: Task, batch: list[KillRecord]) -> None:
        master = self.master
        txn = master.begin(0, Isolation.READ_COMMITTED, explicit=False)
        try:
            if self.table is None:
                self.table = master.create_table(txn, _definition(master.allocate_object_id()))
            access = RowAccess(master, task, txn)
            table = self.table
            for record in batch:
                values = row_of(record)
                key = table.new_row_key(values)
                if record.kill_id in self._known:
                    current = master.txns.latest_committed(table.rows.get(key), txn.xid)
                    if current is not None and current.values is not None:
                        access.update(table, key, current.values, values)
                    continue
                access.insert(table, values)
                self._known.add(record.kill_id)
                stale_key = table.new_row_key((record.kill_id - self.limit, *values[1:]))
                if record.kill_id - self.limit in self._known:
                    access.delete(table, stale_key)
                    self._known.discard(record.kill_id - self.limit)
            master.commit(task, txn)
        except BaseException:
            master.rollback(task, txn)
            raise

    async def flush(self) -> None:
        """Wait until every queued change is committed (the instance is stopping)."""
        while self._writer is not None and not self._writer.done():
            await self._writer


def _keys(table: Table) -> list[int]:
    return [head.values[0] for head in table.rows.values() if head.values is not None]


def _find_table(master: Database) -> Table | None:
    for table in master.tables.values():
        if table.definition.schema_name == "sys" and table.name.casefold() == TABLE_NAME:
            return table
    return None


def install(env: Environment) -> KillStore | None:
    """Load the stored history into ``env``'s and keep storing it (None: an environment without master)."""
    master = env.databases.get("master")
    if master is None:
        return None
    history: KillHistory = kill_history(env)
    store = KillStore(master, _find_table(master), history.limit)
    history.restore(store.records())
    history.listeners.append(store.changed)
    hooks: list[Callable[[], Any]] = env.services.setdefault(STOP_HOOKS, [])
    hooks.append(store.flush)
    env.services["kill_store"] = store
    return store
