"""First start and later starts of the security catalog; its tables hidden from statements; the async login."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.engine.scheduler import EngineThread
from quietus.server.instance import Instance
from quietus.sessions.security import LoginResult, SaPasswordRequired
from quietus.sessions.security_catalog import SecurityStore


@pytest.fixture
def engine() -> Iterator[EngineThread]:
    thread = EngineThread()
    yield thread
    thread.stop()


def start(engine: EngineThread, data_dir: Path, password: str | None, server: bool = True) -> Instance:
    """An instance as the server makes one: a password for sa on a new directory is required."""
    instance = Instance(data_dir)
    instance.sa_password = password  # type: ignore[misc]
    instance.require_sa_password = server  # type: ignore[attr-defined]
    engine.call(instance.start())
    security = instance.security
    if security.store.initialised is not None:  # the first start's commit, in the background
        engine.call(_awaited(security.store.initialised))
    return instance


async def _awaited(task: Any) -> None:
    await task


def on_engine(engine: EngineThread, fn: Callable[..., Any], *args: Any) -> Any:
    async def run() -> Any:
        return fn(*args)

    return engine.call(run())


def test_first_start_gives_sa_the_configured_password_and_later_starts_ignore_it(
    engine: EngineThread, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    instance = start(engine, data_dir, "First#Pass1")
    assert on_engine(engine, instance.security.authenticate, "sa", "First#Pass1") is not None
    engine.call(instance.stop())
    instance = start(engine, data_dir, "Other#Pass2")
    assert on_engine(engine, instance.security.authenticate, "sa", "First#Pass1") is not None
    assert on_engine(engine, instance.security.authenticate, "sa", "Other#Pass2") is None
    engine.call(instance.stop())
    instance = start(engine, data_dir, None)  # a later start needs no password
    assert on_engine(engine, instance.security.sa_has_password)
    engine.call(instance.stop())


def test_a_server_refuses_a_new_data_directory_without_an_sa_password(engine: EngineThread, tmp_path: Path) -> None:
    instance = Instance(tmp_path / "data")
    instance.sa_password = None  # type: ignore[misc]
    instance.require_sa_password = True  # type: ignore[attr-defined]
    with pytest.raises(SaPasswordRequired, match="QUIETUS_SA_PASSWORD"):
        engine.call(instance.start())
    assert on_engine(engine, SecurityStore.open, instance.master) is None  # nothing was written


def test_the_security_tables_cannot_be_named_by_statements(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with quietus.connect(data_dir, autocommit=True) as conn:
        for statement, number in [
            ("SELECT * FROM sysxlgns", 208),
            ("SELECT * FROM sys.sysxlgns", 208),
            ("SELECT * FROM [syssrvprivs]", 208),
            ("DELETE FROM syssrvrolemembers", 208),
            ("INSERT INTO sysxlgns (principal_id) VALUES (5)", 208),
        ]:
            errors = [m.number for m in conn.run(statement).messages if m.is_error]
            assert errors == [number], statement
        # A user table of the same name is another table: both live on, across a restart too.
        conn.run("CREATE TABLE sysxlgns (id INT PRIMARY KEY); INSERT INTO sysxlgns VALUES (7)")
        conn.run("CREATE LOGIN bob WITH PASSWORD = 'pw'")
    with quietus.connect(data_dir, autocommit=True) as conn:
        assert conn.run("SELECT id FROM sysxlgns").result_sets[-1].rows == [(7,)]
        rows = conn.run("SELECT name FROM sys.server_principals WHERE type = 'S'").result_sets[-1].rows
        assert sorted(rows) == [("bob",), ("sa",)]


def test_login_verifies_off_the_loop_with_the_same_outcome(engine: EngineThread, tmp_path: Path) -> None:
    instance = start(engine, tmp_path / "data", "Right#1")
    security = instance.security
    right: LoginResult = engine.call(security.login("SA", "Right#1"))
    assert right.succeeded and right.principal is not None and right.principal.name == "sa"
    wrong: LoginResult = engine.call(security.login("sa", "wrong"))
    assert (wrong.succeeded, wrong.number, wrong.state) == (False, 18456, 8)
    unknown: LoginResult = engine.call(security.login("ghost", "wrong"))
    assert (unknown.number, unknown.state) == (18456, 5)
    engine.call(instance.stop())


def test_in_memory_instances_have_sa_without_a_password() -> None:
    with quietus.connect(None, autocommit=True) as conn:
        assert conn.run("SELECT IS_SRVROLEMEMBER('sysadmin')").result_sets[-1].rows == [(1,)]
        assert conn.instance.security.store.pending_xid is None  # committed at once: no log to wait for
