"""One Quietus instance: its databases, sessions, error log and background system tasks, all on the engine loop.

Everything here runs on the engine thread.  The embedded API and the TDS listener are two front doors to the same
``Instance``: both open sessions and run batches through it, so sessions opened either way block, deadlock and can
be killed exactly alike.

Start-up order: data directory lock → error log (the previous one archived) → master (recovered) → the upper
layers' plug-ins (security, views and procedures) → background tasks.  ``stop`` runs it backwards: sessions closed
(rolled back), background tasks stopped, log flushed and closed, error log closed, lock released.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import inspect
import logging
import os
import time
from collections.abc import Callable, Coroutine, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from quietus import compiled
from quietus.engine.database import Database
from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import Transaction
from quietus.engine.txn.twophase import InDoubtResolution
from quietus.engine.wal import DataDirectoryLock, init_data_directory
from quietus.server import errorlog, timeouts
from quietus.server.busy_poll import BusyPoll
from quietus.server.errorlog import ErrorLog
from quietus.sessions.registry import SessionRegistry
from quietus.sessions.requests import Outcome, closing_ended, end_session, run_batch, run_call
from quietus.sessions.session import Session
from quietus.sessions.sql_text import InputBuffer
from quietus.sql.batch import BatchRunner
from quietus.sql.environment import VERSION_TEXT, Environment
from quietus.sql.results import ResultSink
from quietus.sql.types_base import SqlType

log = logging.getLogger("quietus.server")

MASTER_DATABASE_ID = 1
MASTER_DIR = "master"
# The automatic checkpoint follows the log, as SQL Server's does (its recovery interval is a bound on the log to
# redo, not a clock): a checkpoint rewrites every committed row, so it is taken only where the log it lets recovery
# skip is worth that.  Checked every CHECKPOINT_POLL_SECONDS; see checkpoint_due.
CHECKPOINT_POLL_SECONDS = 5.0
CHECKPOINT_INTERVAL_SECONDS = 60.0
CHECKPOINT_MIN_LOG_BYTES = 1 << 20  # less log than this replays in well under a second: not worth a rewrite
CHECKPOINT_LOG_BYTES = 256 << 20  # this much log is checkpointed at once, whatever the clock says
IN_DOUBT_OPTION = "in_doubt_xact_resolution"  # server option 'in-doubt xact resolution' (its settings name)

# Modules of the layers above the engine that plug into an instance with ``install(instance)``, in order.
# A module not written yet is skipped (its absence is logged once at DEBUG).
PLUGINS = ("quietus.sessions.security", "quietus.admin", "quietus.server.linked")

# Session fields a reset (RESETCONNECTION, sp_reset_connection) puts back to their post-login values.
RESET_FIELDS = (
    "options", "isolation", "lock_timeout_ms", "deadlock_priority", "rowcount_limit", "textsize", "language",
    "date_format", "date_first", "identity_insert", "doomed", "catch_stack", "rowcount", "error", "identity",
    "scope_identity", "waits",
)  # fmt: skip
_SESSION_DEFAULTS = {f.name: f for f in dataclasses.fields(Session)}


def is_initialised(data_dir: Path) -> bool:
    """True when ``data_dir`` already holds an instance (a later start: no sa password needed)."""
    return (data_dir / MASTER_DIR / "VERSION").exists()


def in_doubt_text(txn: Transaction) -> str:
    """The error-log line SQL Server writes at start-up for each in-doubt distributed transaction."""
    return (
        f"SQL Server detected a DTC/KTM in-doubt transaction with UOW {{{str(txn.uow).upper()}}}. Please resolve "
        "it following the guideline for Troubleshooting DTC Transactions."
    )


def checkpoint_due(seconds: float, log_bytes: int) -> bool:
    """Is an automatic checkpoint due, ``seconds`` and ``log_bytes`` after the last one began?

    | log since the last checkpoint           | time since it  | checkpoint? |
    |-----------------------------------------|----------------|-------------|
    | >= CHECKPOINT_LOG_BYTES (256 MiB)        | any            | yes         |
    | >= CHECKPOINT_MIN_LOG_BYTES (1 MiB)      | >= 60 s        | yes         |
    | less                                    | any            | no: an idle database is not rewritten every minute |
    """
    if log_bytes >= CHECKPOINT_LOG_BYTES:
        return True
    return log_bytes >= CHECKPOINT_MIN_LOG_BYTES and seconds >= CHECKPOINT_INTERVAL_SECONDS


class Instance:
    def __init__(
        self,
        data_dir: Path | None,
        *,
        sa_password: str | None = None,
        require_sa_password: bool = False,
        server_name: str = "QUIETUS",
        options: Mapping[str, int] | None = None,
    ) -> None:
        self.data_dir = data_dir
        # Read by the security layer when it initialises a new data directory: a server (require_sa_password)
        # refuses to start without one there; embedded and in-memory instances may leave sa without a password.
        self.sa_password = sa_password
        self.require_sa_password = require_sa_password
        self.server_name = server_name
        self.options = dict(options or {})  # server options' starting values (admin.sp_configure.OPTIONS)
        self.registry = SessionRegistry()
        self.env: Environment | None = None
        self.security: Any = None  # set by quietus.sessions.security.install: authenticate(login, password)
        self.errorlog = ErrorLog(None)
        self._lock: DataDirectoryLock | None = None
        self._background: list[asyncio.Task[None]] = []
        self.started = False
        # The served loop's polling after each answer (quietus.server.busy_poll), set by ``Server.start``; None: the
        # loop sleeps as soon as it has nothing to do (an embedded instance, busy_poll_us = 0).
        self.busy_poll: BusyPoll | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        database_dir = None
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock = DataDirectoryLock(self.data_dir)
            database_dir = self.data_dir / MASTER_DIR
            init_data_directory(database_dir)
            self.errorlog = ErrorLog(self.data_dir / errorlog.LOG_DIR)
        try:
            self._log_start()
            master = self._open_database("master", MASTER_DATABASE_ID, database_dir, loop)
        except BaseException:
            self._release()
            raise
        self.env = Environment(databases={"master": master}, server_name=self.server_name)
        self.env.services["registry"] = self.registry
        self.env.services["instance"] = self
        errorlog.install(self.env, self.errorlog)
        try:
            for name in PLUGINS:
                await self._install(name)
        except BaseException:
            master.close()
            self._release()
            raise
        cleaner = self.registry.open_system_session("GHOST CLEANUP")
        checkpoint = self.registry.open_system_session("CHECKPOINT")
        self._background.append(loop.create_task(master.run_cleaner(self._system_task(cleaner))))
        if master.wal is not None:
            self._background.append(loop.create_task(self._checkpoint_loop(master, checkpoint)))
        self._background.append(timeouts.start(self.env, self.registry, self.options))
        self.started = True

    def _log_start(self) -> None:
        write = self.errorlog.write
        for line in VERSION_TEXT.splitlines():
            write("Server", line.strip())
        write("Server", f"Process ID is {os.getpid()}.")
        if self.errorlog.directory is not None:
            write("Server", f"Logging SQL Server messages in file '{self.errorlog.path(0)}'.")
        write("Server", "Authentication mode is MIXED.")
        write("Server", f"{compiled.RUNNING.describe()}.")  # which build of the codec a benchmark measured

    def _open_database(
        self, name: str, database_id: int, directory: Path | None, loop: asyncio.AbstractEventLoop
    ) -> Database:
        source = errorlog.session_source(1, system=True)
        self.errorlog.write(source, f"Starting up database '{name}'.")
        started = time.monotonic()
        resolution = InDoubtResolution(self.options.get(IN_DOUBT_OPTION, InDoubtResolution.NONE))
        with _engine_log_to(self.errorlog, source):
            database = Database.open(name, database_id, directory, loop, in_doubt_resolution=resolution)
        for txn in database.in_doubt():
            self.errorlog.write(source, in_doubt_text(txn))
        if directory is not None:
            elapsed = time.monotonic() - started
            self.errorlog.write(
                source,
                f"Recovery completed for database {name} (database ID {database_id}) in {int(elapsed)} second(s) "
                f"({elapsed * 1000:.0f} ms). This is an informational message only. No user action is required.",
            )
        return database

    async def _install(self, module_name: str) -> None:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as missing:
            if missing.name is None or not module_name.startswith(missing.name):
                raise
            log.debug("%s is not available; running without it", module_name)
            return
        install = getattr(module, "install", None)
        if install is not None:
            result = install(self)
            if inspect.isawaitable(result):
                await result

    def _system_task(self, session: Session) -> Task:
        task = Task(asyncio.get_running_loop())
        session.task = task
        return task

    async def _checkpoint_loop(self, database: Database, session: Session) -> None:
        task = self._system_task(session)
        while True:
            await asyncio.sleep(CHECKPOINT_POLL_SECONDS)
            if not checkpoint_due(*database.since_checkpoint()):
                continue
            try:
                await task.run(database.checkpoint, task)
            except Exception:
                log.exception("checkpoint of %s failed", database.name)

    async def stop(self) -> None:
        """Close every session (rolling back what it left open), stop the background tasks, flush the log."""
        if not self.started:
            return
        assert self.env is not None
        for session in list(self.registry):
            if session.is_user_process:
                await self.close_session(session)
        for flush in self.env.services.get("stop_hooks", ()):  # e.g. the kill history's queued writes
            await flush()
        for background in self._background:
            background.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        for database in self.env.databases.values():
            database.close()
        self.errorlog.write("Server", "SQL Server shutdown has been initiated.")
        self.errorlog.write("Server", "Sessions closed, transactions rolled back, log flushed: stopped cleanly.")
        self._release()
        self.started = False

    def _release(self) -> None:
        self.errorlog.close()
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    # -- sessions --------------------------------------------------------------------------------------------

    async def open_session(self, **attributes: object) -> Session:
        return self.registry.open_user_session(**attributes)

    def execute(
        self,
        session: Session,
        text: str,
        sink: ResultSink,
        parameters: Mapping[str, Any] | None = None,
        types: Mapping[str, SqlType] | None = None,
        event: InputBuffer | None = None,
        outputs: dict[str, Any] | None = None,
    ) -> Coroutine[Any, Any, Outcome]:
        """Run one batch for ``session`` (await it); ``parameters`` (name -> value) are bound as typed variables
        (``types``: declared types by parameter name, the values already converted to them); ``event``: an RPC's
        input buffer; ``outputs``: parameter names whose final values are written into it (OUTPUT parameters).  A
        batch that ended its session (a kill) has closed it when its outcome is returned."""
        env = self.env
        assert env is not None
        # partial, not a lambda: no Python frame a request (the request's coroutine is still made when it starts)
        return closing_ended(
            partial(run_batch, session, env, text, sink, parameters, types, event, outputs), session, self.close_session
        )

    def run_call(
        self, session: Session, label: str, sink: ResultSink, call: Callable[[BatchRunner], None]
    ) -> Coroutine[Any, Any, Outcome]:
        """Run a protocol call that is no SQL text (``sessions.requests.run_call``) for ``session`` (await it)."""
        env = self.env
        assert env is not None
        return closing_ended(partial(run_call, session, env, label, sink, call), session, self.close_session)

    async def reset_session(self, session: Session, database: str, *, keep_transaction: bool = False) -> None:
        """Back to the post-login state (RESETCONNECTION): roll back (unless ``keep_transaction``), SET options
        and the rest of the session's settings to their defaults, ``database`` current again."""
        assert self.env is not None
        if not keep_transaction:
            await end_session(session, self.env)
        for name in RESET_FIELDS:
            spec = _SESSION_DEFAULTS[name]
            default = spec.default_factory() if spec.default_factory is not dataclasses.MISSING else spec.default
            setattr(session, name, default)
        if self.env.database(database) is not None:
            session.database = database

    async def close_session(self, session: Session) -> None:
        assert self.env is not None
        await end_session(session, self.env)
        self.registry.close(session)
        # What the layers above attached to run once the session is gone (a kill's outcome and duration, for one).
        for hook in session.attachments.pop("on_close", ()):
            hook(session)

    @property
    def master(self) -> Database:
        assert self.env is not None
        return self.env.databases["master"]


class _ToErrorLog(logging.Handler):
    def __init__(self, target: ErrorLog, source: str) -> None:
        super().__init__(logging.INFO)
        self.target = target
        self.source = source

    def emit(self, record: logging.LogRecord) -> None:
        self.target.write(self.source, record.getMessage())


@contextmanager
def _engine_log_to(target: ErrorLog, source: str) -> Iterator[None]:
    """Copy what the engine logs at INFO and above (recovery's summary) into the error log while opening."""
    engine_log = logging.getLogger("quietus.engine")
    handler = _ToErrorLog(target, source)
    previous = engine_log.level
    engine_log.addHandler(handler)
    if not engine_log.isEnabledFor(logging.INFO):
        engine_log.setLevel(logging.INFO)
    try:
        yield
    finally:
        engine_log.removeHandler(handler)
        engine_log.setLevel(previous)
