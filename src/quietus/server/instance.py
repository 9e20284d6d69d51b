"""One Quietus instance: its databases, sessions and background system tasks, all on the engine loop.

Everything here runs on the engine thread.  The embedded API and (later) the TDS listener are two front doors to the
same ``Instance``: both open sessions and run batches through it, so sessions opened either way block, deadlock and
can be killed exactly alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from quietus.engine.database import Database
from quietus.engine.scheduler import Task
from quietus.engine.wal import DataDirectoryLock, init_data_directory
from quietus.sessions import security
from quietus.sessions.registry import SessionRegistry
from quietus.sessions.requests import Outcome, end_session, run_batch
from quietus.sessions.session import Session
from quietus.sql.environment import Environment
from quietus.sql.results import ResultSink

log = logging.getLogger("quietus.server")

MASTER_DATABASE_ID = 1
CHECKPOINT_INTERVAL_SECONDS = 60.0
CHECKPOINT_LOG_BYTES = 256 << 20


class Instance:
    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self.registry = SessionRegistry()
        self.env: Environment | None = None
        self._lock: DataDirectoryLock | None = None
        self._background: list[asyncio.Task[None]] = []
        self.started = False

    # -- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        database_dir = None
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock = DataDirectoryLock(self.data_dir)
            database_dir = self.data_dir / "master"
            init_data_directory(database_dir)
        master = Database.open("master", MASTER_DATABASE_ID, database_dir, loop)
        self.env = Environment(databases={"master": master})
        self.env.services["registry"] = self.registry
        self.env.services["instance"] = self
        # Subsystems of the upper layers register their views, procedures and statement handlers here.
        security.install(self)
        cleaner = self.registry.open_system_session("GHOST CLEANUP")
        checkpoint = self.registry.open_system_session("CHECKPOINT")
        self._background.append(loop.create_task(master.run_cleaner(self._system_task(cleaner))))
        if master.wal is not None:
            self._background.append(loop.create_task(self._checkpoint_loop(master, checkpoint)))
        self.started = True

    def _system_task(self, session: Session) -> Task:
        task = Task(asyncio.get_running_loop())
        session.task = task
        return task

    async def _checkpoint_loop(self, database: Database, session: Session) -> None:
        task = self._system_task(session)
        while True:
            await asyncio.sleep(CHECKPOINT_INTERVAL_SECONDS)
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
        for background in self._background:
            background.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
        for database in self.env.databases.values():
            database.close()
        if self._lock is not None:
            self._lock.release()
        self.started = False

    # -- sessions --------------------------------------------------------------------------------------------

    async def open_session(self, **attributes: object) -> Session:
        return self.registry.open_user_session(**attributes)

    async def execute(
        self, session: Session, text: str, sink: ResultSink, parameters: Mapping[str, Any] | None = None
    ) -> Outcome:
        """Run one batch for ``session``; ``parameters`` (name -> value) are bound as typed variables."""
        assert self.env is not None
        outcome = await run_batch(session, self.env, text, sink, parameters)
        if outcome is Outcome.SESSION_ENDED:
            await self.close_session(session)
        return outcome

    async def close_session(self, session: Session) -> None:
        assert self.env is not None
        await end_session(session, self.env)
        self.registry.close(session)

    @property
    def master(self) -> Database:
        assert self.env is not None
        return self.env.databases["master"]
