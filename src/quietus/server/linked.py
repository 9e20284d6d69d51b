"""Quietus coordinating Quietus: ``EXEC ('...') AT srv`` and two-phase commit across linked servers.

| the session ...                                 | what happens                                                 |
|-------------------------------------------------|--------------------------------------------------------------|
| runs EXEC (...) AT srv, no transaction open     | one connection to srv, the batch, its reply relayed; closed  |
| runs EXEC (...) AT srv inside a transaction     | the transaction becomes distributed (a local one is promoted:|
|                                                 | it gets a UOW); srv gets a participant connection enlisted   |
|                                                 | with that UOW (sp_enlist_distributed_transaction), kept until|
|                                                 | the transaction ends; the batch runs there                   |
| COMMITs it                                      | an abort intent (the row, outcome A, every participant       |
|                                                 | pending) committed at once; phase one on every participant   |
|                                                 | (sp_prepare_distributed_transaction); the intent replaced by |
|                                                 | the decision (commit, and the participants                   |
|                                                 | still to be told) is inserted in the local transaction, whose|
|                                                 | one commit record makes it and the local work durable; then  |
|                                                 | COMMIT on every participant                                  |
| ... and a participant fails phase one           | 1206: everything rolls back (presumed abort: an abort is     |
|                                                 | logged only for a prepared participant that was not told)    |
| ROLLBACKs it                                    | rolled back here and on every participant                    |

The decision log (``sys.sysdtcdecisions`` in master, hidden) keeps one row per decided UOW with participants not
yet told: ``uow``, ``outcome`` (C commit / A abort), ``pending`` (server names, comma separated), ``heuristic``
(servers whose administrator decided otherwise), ``decided_at``.  A participant that could not be told keeps its
name in ``pending``; a re-driver task (at start-up, then every ``REDRIVE_SECONDS``) delivers the outcome as an
administrator would, ``KILL 'uow' WITH COMMIT | ROLLBACK``, on a fresh connection:

| the participant answers | meaning                                          | the row                              |
|-------------------------|--------------------------------------------------|--------------------------------------|
| nothing (success)       | decided now, or was decided that way already     | server removed from pending          |
| 6110                    | the UOW is unknown there (never prepared)        | server removed from pending          |
| 6111                    | its administrator decided the other outcome      | heuristic mismatch: error-log line,  |
|                         | (a heuristic decision)                           | server moved to ``heuristic``        |
| 6117, no connection     | its old connection still owns it / unreachable   | kept; tried again later              |

A row with nothing pending and no mismatch is deleted; rows with a mismatch stay, listed by
``sys.dm_tran_heuristic_outcomes`` (the participant lists its side there too: kill_uow records a 6111).
Invariants: the decision row is durable before any participant hears COMMIT, so a coordinator that dies after it
re-drives the commit; an abort intent is durable before any participant is asked to prepare, so one that dies
between the two (or whose session ends there) re-drives ROLLBACK: presumed abort, and no participant stays in doubt
for want of a coordinator that remembers it (the re-driver leaves alone the rows of transactions still deciding); the
decision and the coordinator's local work commit in one log record, so the coordinator's own part is never in
doubt and is committed exactly when the decision is (a crash between two records could otherwise leave it in doubt
with the participants committed by the re-driver).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.kill_uow import uow_text
from quietus.admin.linked_servers import LinkedServer, LinkedServers, hidden_table, write_hidden
from quietus.engine.access import RowAccess
from quietus.engine.crashpoints import crash_point
from quietus.engine.database import Database
from quietus.engine.locks import LockMode
from quietus.engine.scheduler import Task
from quietus.engine.storage.schema import ColumnDef, IndexDef, TableDef
from quietus.engine.storage.table import Table
from quietus.engine.txn.transaction import Transaction
from quietus.errors import SqlError, sql_error
from quietus.server.linked_remote import RemoteConnection, failed, first_result, relay
from quietus.sql.context import ExecContext
from quietus.sql.environment import Environment, VirtualTable
from quietus.sql.results import MessageEvent

log = logging.getLogger(__name__)

TABLE_NAME = "sysdtcdecisions"
NOBODY = -1
SERVICE = "dtc"  # env.services key (sql/batch.py asks it about COMMIT / ROLLBACK of a distributed transaction)
REMOTE_EXEC = "remote_exec"  # env.services key: EXEC (...) AT srv
REMOTE_QUERY = "remote_query"  # env.services key: a four-part name's statement (sql/remote_tables.py)
REDRIVE_SECONDS = 5.0
COMMIT, ABORT = "C", "A"
DONE_ALREADY = {6110}  # answers that mean "nothing left to tell this participant"
MISMATCH = 6111


@dataclass
class Participation:
    """A session's open distributed transaction's participants: server name (folded) -> connection; those that
    answered phase one."""

    uow: uuid.UUID
    connections: dict[str, RemoteConnection] = field(default_factory=dict)
    prepared: list[str] = field(default_factory=list)


@dataclass
class Decision:
    uow: uuid.UUID
    outcome: str
    pending: list[str]
    heuristic: list[str]
    decided_at: datetime.datetime

    def values(self) -> tuple[Any, ...]:
        return (self.uow, self.outcome, ",".join(self.pending), ",".join(self.heuristic), self.decided_at)


def _definition(object_id: int) -> TableDef:
    return TableDef(
        object_id,
        TABLE_NAME,
        (
            ColumnDef("uow", "uniqueidentifier", nullable=False),
            ColumnDef("outcome", "char", length=1, nullable=False),
            ColumnDef("pending", "nvarchar", length=4000, nullable=False),
            ColumnDef("heuristic", "nvarchar", length=4000, nullable=False),
            ColumnDef("decided_at", "datetime", nullable=False),
        ),
        (IndexDef(1, "PK_sysdtcdecisions", (0,), unique=True, primary_key=True),),
        schema_name="sys",
    )


class DecisionLog:
    """The coordinator's durable decisions (rows of a hidden master table, each change committed at once)."""

    def __init__(self, master: Database) -> None:
        self.master = master
        self.table = hidden_table(master, TABLE_NAME)

    def decisions(self) -> Iterator[Decision]:
        if self.table is None:
            return
        for head in list(self.table.rows.values()):
            version = self.master.txns.latest_committed(head, NOBODY)
            if version is not None and version.values is not None:
                uow, outcome, pending, heuristic, decided_at = version.values
                yield Decision(uow, outcome.strip(), _names(pending), _names(heuristic), decided_at)

    def write(self, task: Task, decision: Decision, old: Decision | None) -> None:
        """Insert, replace (``old``) or, when nothing is left to do or record, delete the decision; committed
        (durable) when this returns."""

        def change(access: RowAccess, table: Table) -> None:
            access.lock_row(table, decision.uow, LockMode.X)
            if old is None:
                access.insert(table, decision.values())
            elif not decision.pending and not decision.heuristic:
                access.delete(table, decision.uow)
            else:
                access.update(table, decision.uow, old.values(), decision.values())

        self.table = write_hidden(self.master, task, 0, self.table, _definition, change)

    def record(self, task: Task, txn: Transaction, decision: Decision, intent: Decision) -> None:
        """Replace the abort ``intent`` by the commit decision inside the coordinator's own transaction ``txn`` (of
        master): it becomes durable with the local work, in the one commit record that follows, or not at all."""
        assert self.table is not None, "the intent was written first"
        access = RowAccess(self.master, task, txn)
        access.lock_row(self.table, decision.uow, LockMode.X)
        access.update(self.table, decision.uow, intent.values(), decision.values())

    def find(self, uow: uuid.UUID) -> Decision | None:
        return next((d for d in self.decisions() if d.uow == uow), None)


def _names(text: str) -> list[str]:
    return [name for name in text.split(",") if name]


class Coordinator:
    """The sessions' participants and the two phases (the engine loop's state: used only from its tasks)."""

    def __init__(self, env: Environment, servers: LinkedServers) -> None:
        self.env = env
        self.servers = servers
        self.log = DecisionLog(env.databases["master"])
        self.participations: dict[int, Participation] = {}
        self.redriver: asyncio.Task[None] | None = None
        self.stopping = asyncio.Event()  # set when the instance stops: the re-driver ends after its current pass

    # -- EXEC (...) AT srv ---------------------------------------------------------------------------------

    def run_at(self, ctx: ExecContext, name: str, text: str) -> None:
        relay(ctx, self._reply(ctx, name, text))

    def query_at(self, ctx: ExecContext, name: str, text: str) -> tuple[list[Any], list[tuple[Any, ...]], int]:
        """``text`` on linked server ``name`` for a four-part name: (its first result set's columns, its rows, the
        row count of what it changed)."""
        return first_result(self._reply(ctx, name, text))

    def _reply(self, ctx: ExecContext, name: str, text: str) -> Any:
        """``text``'s whole reply from linked server ``name``: inside a transaction through the session's connection
        to it, enlisted in its distributed transaction (the local one is promoted, as SQL Server promotes remote
        work); outside one, through a connection of its own, closed after."""
        server = self.servers.find(name)
        if server is None:
            raise sql_error(7202, name)
        session, task = ctx.session, ctx.task
        txn = session.txn
        if txn is None or session.trancount == 0:
            connection = task.wait(RemoteConnection.open(server), "OLEDB")
            try:
                return self._batch(task, connection, text)
            finally:
                connection.close()
        return self._batch(task, self._participant(ctx, txn, server), text)

    def _participant(self, ctx: ExecContext, txn: Transaction, server: LinkedServer) -> RemoteConnection:
        """The session's connection to ``server`` enlisted in its distributed transaction (a local transaction is
        promoted: it gets a UOW)."""
        if txn.uow is None:
            txn.uow = uuid.uuid4()
        part = self.participations.get(ctx.session.session_id)
        if part is None or part.uow != txn.uow:
            part = self.participations[ctx.session.session_id] = Participation(txn.uow)
        key = server.name.casefold()
        connection = part.connections.get(key)
        if connection is None:
            connection = ctx.task.wait(RemoteConnection.open(server), "OLEDB")
            error = failed(self._batch(ctx.task, connection, f"EXEC sp_enlist_distributed_transaction '{txn.uow}'"))
            if error is not None:
                connection.close()
                raise error
            part.connections[key] = connection
        return connection

    def _batch(self, task: Task, connection: RemoteConnection, text: str) -> Any:
        try:
            return task.wait(connection.batch(text), "OLEDB")
        except ConnectionError:
            raise sql_error(7303, connection.server.provider, connection.server.name) from None

    # -- the two phases (sql/batch.py's commit_transaction and rollback_all) -------------------------------

    def coordinates(self, ctx: ExecContext, txn: Transaction) -> bool:
        part = self.participations.get(ctx.session.session_id)
        return part is not None and txn.uow == part.uow and bool(part.connections)

    def prepare(self, ctx: ExecContext, txn: Transaction) -> None:
        """Phase one on every participant, then the commit decision written into the local transaction itself, so
        that the caller's local commit makes the decision and the local work durable together (the coordinator's
        own part is never prepared, so never in doubt); 1206 (after nothing was decided) when a participant cannot
        prepare: the caller rolls back, which tells the participants."""
        part = self.participations[ctx.session.session_id]
        assert txn.uow is not None
        # Presumed abort, written down before anyone prepares: until the commit decision replaces it, this row says
        # abort, so a crash (or the session's end) from here on leaves the re-driver to tell every participant
        # ROLLBACK, and none stays in doubt for want of a coordinator that remembers it (6110 where none prepared).
        intent = Decision(txn.uow, ABORT, sorted(part.connections), [], datetime.datetime.now())
        self.log.write(ctx.task, intent, None)
        for key, connection in part.connections.items():
            try:
                error = failed(self._batch(ctx.task, connection, "EXEC sp_prepare_distributed_transaction"))
            except SqlError as unreachable:
                error = unreachable
            if error is not None:
                ctx.sink.message(MessageEvent(error.number, error.severity, error.state, error.message))
                raise sql_error(1206)
            part.prepared.append(key)
        crash_point("coordinator-prepared")  # every participant prepared; only the abort intent is durable
        assert ctx.database is self.log.master, "the decision commits with the local work: both live in master"
        decision = Decision(txn.uow, COMMIT, sorted(part.connections), [], datetime.datetime.now())
        self.log.record(ctx.task, txn, decision, intent)

    def deliver(self, ctx: ExecContext, txn: Transaction, commit: bool) -> None:
        """Phase two: tell every participant; whoever could not be told stays in the log for the re-driver.  The
        participation stays registered until its row is written, so the re-driver leaves that row alone."""
        part = self.participations.get(ctx.session.session_id)
        if part is None:
            return
        try:
            self._deliver(ctx, part, commit)
        finally:
            self.participations.pop(ctx.session.session_id, None)
        self.wake()

    def _deliver(self, ctx: ExecContext, part: Participation, commit: bool) -> None:
        if commit:
            crash_point("coordinator-decided")  # the decision and the local work are durable; nobody is told yet
        statement = "COMMIT" if commit else "ROLLBACK"
        told: list[str] = []
        for key, connection in part.connections.items():
            try:
                if failed(self._batch(ctx.task, connection, statement)) is None:
                    told.append(key)
            except SqlError:
                pass
            connection.close()
        # The row (the commit decision, or the abort intent of a transaction that reached phase one) keeps the
        # participants not told, for the re-driver; it is deleted once nobody is left.  A rollback before phase one
        # has no row: presumed abort, nothing to remember.
        decision = self.log.find(part.uow)
        if decision is not None:
            pending = [name for name in decision.pending if name not in told]
            self.log.write(ctx.task, Decision(part.uow, decision.outcome, pending, [], decision.decided_at), decision)

    def session_gone(self, session_id: int) -> None:
        """The coordinator's session ended with its transaction open: its participants' connections close, so
        each participant hands its part to session -2 (orphaned or in doubt), as the local part is."""
        part = self.participations.pop(session_id, None)
        for connection in () if part is None else part.connections.values():
            connection.close()
        if part is not None:
            self.wake()  # an abort intent of its phase one, if it got that far, is the re-driver's now

    def finish_own_in_doubt(self, task: Task) -> None:
        """At start: a local transaction in doubt whose UOW this server's decision log names was coordinated here;
        it is decided as logged.  (Data directories from before the decision and the local work committed in one
        record: a crash between the decision and the local commit left the local part in doubt.)"""
        decided = {d.uow: d.outcome for d in self.log.decisions()}
        master = self.log.master
        for txn in master.in_doubt():
            uow = txn.uow
            outcome = None if uow is None else decided.get(uow)
            if uow is None or outcome is None:
                continue  # a participant's part for another coordinator: in doubt until it (or a DBA) decides
            with task.noninterruptible():
                (master.commit if outcome == COMMIT else master.rollback)(task, txn)
            if txn.snapshot_seq is not None:
                master.txns.release_snapshot(txn.snapshot_seq)
                txn.snapshot_seq = None
            errorlog: Any = self.env.services.get("errorlog")
            if errorlog is not None:
                word = "committed" if outcome == COMMIT else "rolled back"
                line = f"Distributed transaction with UOW {uow_text(uow)} coordinated here was in doubt at start-up"
                errorlog.write("Server", f"{line}; {word} as the decision log says.")

    # -- the re-driver -------------------------------------------------------------------------------------

    def wake(self) -> None:
        idle = self.redriver is None or self.redriver.done()
        if idle and not self.stopping.is_set() and any(d.pending for d in self.log.decisions()):
            self.redriver = asyncio.get_running_loop().create_task(self._redrive_loop())

    async def _redrive_loop(self) -> None:
        while True:
            task = Task(asyncio.get_running_loop())
            try:
                await task.run(self.redrive_once, task)
            except Exception:
                log.exception("re-driving distributed transaction outcomes failed")
            if not any(d.pending for d in self.log.decisions()):
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), REDRIVE_SECONDS)
            if self.stopping.is_set():
                return

    async def stop(self) -> None:
        """The instance is stopping: the re-driver ends after its current pass (never cut in the middle of a
        decision-log write); what it has not delivered stays in the log for the next start."""
        self.stopping.set()
        if self.redriver is not None:
            await asyncio.gather(self.redriver, return_exceptions=True)

    def redrive_once(self, task: Task) -> None:
        for decision in list(self.log.decisions()):
            live = {part.uow for part in self.participations.values()}  # their sessions are still deciding
            if decision.pending and decision.uow not in live:
                self._redrive(task, decision)

    def _redrive(self, task: Task, decision: Decision) -> None:
        word = "COMMIT" if decision.outcome == COMMIT else "ROLLBACK"
        pending, heuristic = list(decision.pending), list(decision.heuristic)
        for name in decision.pending:
            server = self.servers.find(name)
            if server is None:
                continue  # dropped: kept pending, an administrator must resolve that participant
            try:
                connection = task.wait(RemoteConnection.open(server), "OLEDB")
            except SqlError:
                continue  # unreachable: later
            try:
                reply = task.wait(connection.batch(f"KILL '{decision.uow}' WITH {word}"), "OLEDB")
            except ConnectionError:
                continue
            finally:
                connection.close()
            error = failed(reply)
            if error is None or error.number in DONE_ALREADY:
                pending.remove(name)
            elif error.number == MISMATCH:
                pending.remove(name)
                heuristic.append(name)
                self._mismatch(decision, name)
        if (pending, heuristic) != (decision.pending, decision.heuristic):
            self.log.write(task, Decision(decision.uow, decision.outcome, pending, heuristic, decision.decided_at),
                           decision)  # fmt: skip

    def _mismatch(self, decision: Decision, server: str) -> None:
        outcome = "commit" if decision.outcome == COMMIT else "abort"
        self._error_log(
            f"Heuristic mismatch for distributed transaction with UOW {{{str(decision.uow).upper()}}}: the "
            f"coordinator decided {outcome}; linked server '{server}' was resolved by hand to the other outcome."
        )

    def _error_log(self, line: str) -> None:
        """A line of the coordinator's (session -2's) in the error log, and a warning in Python logging."""
        errorlog: Any = self.env.services.get("errorlog")
        if errorlog is not None:
            errorlog.write("spid-2", line)
        log.warning(line)


DM_TRAN_HEURISTIC_OUTCOMES = columns("""
uow uniqueidentifier
role nvarchar(20)
decided nvarchar(10)
other_side nvarchar(128)
decided_at datetime
""")


def heuristic_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    coordinator: Coordinator | None = ctx.env.services.get(SERVICE)
    if coordinator is not None:
        for d in coordinator.log.decisions():
            for server in d.heuristic:
                yield (d.uow, "coordinator", "commit" if d.outcome == COMMIT else "abort", server, d.decided_at)
    for uow, decided, when in ctx.env.services.get(PARTICIPANT_MISMATCHES, ()):
        yield (uow, "participant", decided, "coordinator", when)


PARTICIPANT_MISMATCHES = "heuristic_mismatches"  # env.services key: (uow, what was decided here, when)
VIEWS = (VirtualTable("sys.dm_tran_heuristic_outcomes", DM_TRAN_HEURISTIC_OUTCOMES, heuristic_rows),)


async def install(instance: Any) -> None:
    """Seal remote passwords still stored in plain text, plug the coordinator into a started instance and re-drive
    the outcomes its log has not delivered."""
    env: Environment = instance.env
    servers: LinkedServers | None = env.services.get("linked_servers")
    if servers is None:
        return
    task = Task(asyncio.get_running_loop())
    sealed = await task.run(servers.seal_plain_passwords, task)
    if sealed:
        log.info("sealed %d linked-server password(s) stored in plain text with the server key", sealed)
    coordinator = Coordinator(env, servers)
    await task.run(coordinator.finish_own_in_doubt, task)
    env.services[SERVICE] = coordinator
    env.services[REMOTE_EXEC] = coordinator.run_at
    env.services[REMOTE_QUERY] = coordinator.query_at
    for view in VIEWS:
        env.virtual_tables[view.name.casefold()] = view
    env.services.setdefault("stop_hooks", []).append(coordinator.stop)
    coordinator.wake()
