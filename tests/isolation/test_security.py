"""Security statements between sessions: uncommitted changes are invisible to logins and permission checks, and
writers of the same login or name wait for each other as row writers do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.harness import Scenario, ScenarioSession, scenario, wait_until_blocked


def ask(session: ScenarioSession, method: str, *args: Any) -> Any:
    """Call ``Security.<method>`` on the engine thread, as the server does."""
    connection = session.connection

    async def run() -> Any:
        return getattr(connection.instance.security, method)(*args)

    return connection._engine.thread.call(run())


def with_bob(sc: Scenario) -> ScenarioSession:
    setup = sc.session("setup")
    setup.run("CREATE LOGIN bob WITH PASSWORD = 'pw'")
    return setup


def test_an_uncommitted_disable_does_not_stop_a_login_and_a_second_writer_waits(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        observer = with_bob(sc)
        first, second = sc.session("first"), sc.session("second")
        first.run("BEGIN TRAN; ALTER LOGIN bob DISABLE")
        assert ask(observer, "authenticate", "bob", "pw") is not None
        change = second.start("ALTER LOGIN bob WITH PASSWORD = 'new'")
        assert wait_until_blocked(change) == "LCK_M_X"
        first.run("COMMIT")
        assert change.error() is None
        assert ask(observer, "check_login", "bob", "new").number == 18470  # disabled, password changed


def test_a_second_creator_of_the_same_name_waits_then_gets_15025(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        first, second = sc.session("first"), sc.session("second")
        first.run("BEGIN TRAN; CREATE LOGIN carol WITH PASSWORD = 'a'")
        create = second.start("CREATE LOGIN carol WITH PASSWORD = 'b'")
        assert wait_until_blocked(create) == "LCK_M_S"
        first.run("COMMIT")
        assert create.error() == 15025
        assert ask(first, "authenticate", "carol", "a") is not None


def test_a_second_creator_of_the_same_name_succeeds_when_the_first_rolls_back(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        first, second = sc.session("first"), sc.session("second")
        first.run("BEGIN TRAN; CREATE LOGIN carol WITH PASSWORD = 'a'")
        create = second.start("CREATE LOGIN carol WITH PASSWORD = 'b'")
        wait_until_blocked(create)
        first.run("ROLLBACK")
        assert create.error() is None
        assert ask(first, "authenticate", "carol", "b") is not None


def test_a_grant_counts_only_once_committed(tmp_path: Path) -> None:
    with scenario(tmp_path) as sc:
        admin = with_bob(sc)
        admin.run("BEGIN TRAN; GRANT VIEW SERVER STATE TO bob; ALTER SERVER ROLE processadmin ADD MEMBER bob")
        assert not ask(admin, "has_server_permission", "bob", "VIEW SERVER STATE")
        assert not ask(admin, "is_member", "bob", "processadmin")
        admin.run("COMMIT")
        assert ask(admin, "has_server_permission", "bob", "VIEW SERVER STATE")
        assert ask(admin, "has_server_permission", "bob", "ALTER ANY CONNECTION")
