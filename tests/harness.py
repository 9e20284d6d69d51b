"""Multi-session scenarios, in the style of PostgreSQL's isolation specs.

Each named session is a real embedded connection driven from its own thread.  A step either completes or blocks;
"blocked" is read from the engine's own state (the session's task waits with a lock wait type), never from how long
a step took, so the scenarios do not depend on the machine's speed.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import quietus
from quietus.dbapi import Connection, DatabaseError
from quietus.engine.interrupts import InterruptReason
from quietus.sql.results import CollectingSink

STEP_LIMIT = (
    20.0  # seconds a step may take before the scenario is declared hung (a failure, not a timing check)
)


class Step:
    def __init__(self, session: ScenarioSession, future: concurrent.futures.Future[CollectingSink]) -> None:
        self.session = session
        self.future = future

    def result(self) -> CollectingSink:
        return self.future.result(timeout=STEP_LIMIT)

    def rows(self) -> list[tuple[Any, ...]]:
        sets = self.result().result_sets
        return sets[-1].rows if sets else []

    def error(self) -> int | None:
        errors = [m for m in self.result().messages if m.is_error]
        return errors[0].number if errors else None

    @property
    def done(self) -> bool:
        return self.future.done()


class ScenarioSession:
    def __init__(self, name: str, connection: Connection) -> None:
        self.name = name
        self.connection = connection
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    @property
    def session_id(self) -> int:
        return self.connection.session_id

    def start(self, sql: str) -> Step:
        return Step(self, self._worker.submit(self.connection.run, sql))

    def run(self, sql: str) -> CollectingSink:
        """Run a step that must complete; raise if it reports an error."""
        sink = self.start(sql).result()
        errors = [m for m in sink.messages if m.is_error]
        if errors:
            first = errors[0]
            raise DatabaseError(first.text, first.number, first.severity, first.state, first.line)
        return sink

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        sets = self.run(sql).result_sets
        return sets[-1].rows if sets else []

    def value(self, sql: str) -> Any:
        rows = self.rows(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]

    def wait_state(self) -> str | None:
        """The wait type of this session's running request (engine state, read on the engine thread)."""
        connection = self.connection

        async def read() -> str | None:
            task = connection.session.task
            return None if task is None else task.wait_type

        return connection._engine.thread.call(read())

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self.connection.close()


def interrupt(session: ScenarioSession, reason: InterruptReason) -> None:
    """Set a session's interrupt reason on the engine thread (what KILL and ATTENTION do)."""

    async def set_reason() -> None:
        session.connection.session.interrupt(reason)

    session.connection._engine.thread.call(set_reason())


def wait_until_running(session: ScenarioSession) -> None:
    """Wait until ``session`` has a request running on the engine (its task exists)."""

    async def running() -> bool:
        return session.connection.session.task is not None

    deadline = time.monotonic() + STEP_LIMIT
    while time.monotonic() < deadline:
        if session.connection._engine.thread.call(running()):
            return
        time.sleep(0.002)
    raise AssertionError(f"{session.name} never started its request")


def wait_until_blocked(step: Step, wait_prefix: str = "LCK_M_") -> str:
    """Wait until ``step`` is waiting on a lock (or whatever ``wait_prefix`` names); fail if it completes."""
    deadline = time.monotonic() + STEP_LIMIT
    while time.monotonic() < deadline:
        if step.done:
            raise AssertionError(f"{step.session.name} completed instead of blocking: {step.result().events}")
        state = step.session.wait_state()
        if state is not None and state.startswith(wait_prefix):
            return state
        time.sleep(0.002)
    raise AssertionError(f"{step.session.name} neither blocked nor completed")


class Scenario:
    def __init__(self, database: str | Path | None) -> None:
        self.database = database
        self.sessions: list[ScenarioSession] = []
        self._anchor: Connection | None = None
        if database is None:
            raise ValueError("scenarios share one instance: give a data directory")

    def session(self, name: str, dialect: str = "tsql") -> ScenarioSession:
        connection = quietus.connect(self.database, autocommit=True, program_name=name, dialect=dialect)
        session = ScenarioSession(name, connection)
        self.sessions.append(session)
        return session

    def close(self) -> None:
        for session in self.sessions:
            session.close()


def create_table_t(sc: Scenario, values: str = "(1, 10), (2, 20), (3, 30)") -> None:
    """The table most scenarios use: t(id INT PRIMARY KEY, v INT NOT NULL) with a few rows."""
    setup = sc.session("setup")
    setup.run("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)")
    setup.run(f"INSERT INTO t VALUES {values}")


@contextmanager
def scenario(tmp_path: Path) -> Iterator[Scenario]:
    sc = Scenario(tmp_path / "data")
    try:
        yield sc
    finally:
        sc.close()


def plant_bug_in_select(monkeypatch: Any, marker: str = "safety_net_probe") -> None:
    """Make every SELECT whose text contains ``marker`` raise ZeroDivisionError("a bug"): an exception no error
    handling expects, for the safety net's tests (``monkeypatch`` is pytest's).  Planted in the planner, which every
    SELECT not yet planned goes through (the batch runner is compiled in the compiled build: its methods cannot be
    replaced there); a text with the marker is never planned, so never cached, so it raises every time."""
    from quietus.sql.planner import Planner

    original = Planner.plan_query

    def broken(self: Planner, node: Any, *args: Any, **kwargs: Any) -> Any:
        if marker in node.sql():
            raise ZeroDivisionError("a bug")
        return original(self, node, *args, **kwargs)

    monkeypatch.setattr(Planner, "plan_query", broken)
