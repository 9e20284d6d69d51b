"""Logins, fixed server roles and server permissions through the embedded API (docs/design/security.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.sessions.security import Security
from quietus.sql.results import MessageEvent


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def sa(data_dir: Path) -> Iterator[Connection]:
    connection = quietus.connect(data_dir, autocommit=True)
    yield connection
    connection.close()


class OnEngine:
    """``Security`` called on the engine thread, which owns the state it reads (as the server calls it)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._conn.instance.security, name)

        def call(*args: Any) -> Any:
            async def run() -> Any:
                return method(*args)

            return self._conn._engine.thread.call(run())

        return call


def security(conn: Connection) -> Any:
    assert isinstance(conn.instance.security, Security)
    return OnEngine(conn)


def rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    sink = conn.run(sql)
    failures = [m for m in sink.messages if m.is_error]
    assert not failures, failures
    return sink.result_sets[-1].rows if sink.result_sets else []


def errors(conn: Connection, sql: str) -> list[MessageEvent]:
    return [m for m in conn.run(sql).messages if m.is_error]


def error_number(conn: Connection, sql: str) -> int:
    found = errors(conn, sql)
    assert found, f"no error from {sql}"
    return found[0].number


# -- logins ----------------------------------------------------------------------------------------------------


def test_first_start_has_sa_as_sysadmin_and_the_fixed_roles(sa: Connection) -> None:
    assert rows(sa, "SELECT principal_id, type, type_desc FROM sys.server_principals WHERE name = 'sa'") == [
        (1, "S", "SQL_LOGIN")
    ]
    roles = rows(sa, "SELECT name, principal_id FROM sys.server_principals WHERE type = 'R' ORDER BY principal_id")
    assert roles[:3] == [("public", 2), ("sysadmin", 3), ("securityadmin", 4)]
    assert ("processadmin", 7) in roles
    assert rows(sa, "SELECT role_principal_id, member_principal_id FROM sys.server_role_members") == [(3, 1)]
    assert rows(sa, "SELECT IS_SRVROLEMEMBER('sysadmin'), SUSER_SNAME(), SYSTEM_USER") == [(1, "sa", "sa")]


def test_embedded_sa_has_no_usable_password(sa: Connection) -> None:
    assert not security(sa).sa_has_password()
    assert security(sa).authenticate("sa", "") is None
    rows(sa, "ALTER LOGIN sa WITH PASSWORD = 'Str0ng!pass'")
    assert security(sa).sa_has_password()
    principal = security(sa).authenticate("sa", "Str0ng!pass")
    assert principal is not None and principal.principal_id == 1


def test_create_login_authenticates_with_its_password_only(sa: Connection) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'Bob#pass1', CHECK_POLICY = OFF")
    checked = security(sa)
    assert checked.authenticate("bob", "Bob#pass1") is not None
    assert checked.authenticate("BOB", "Bob#pass1") is not None  # login names are case-insensitive
    assert checked.authenticate("bob", "bob#pass1") is None  # passwords are not
    wrong = checked.check_login("bob", "nope")
    assert (wrong.number, wrong.state, wrong.reason) == (
        18456,
        8,
        "Password did not match that for the login provided.",
    )
    unknown = checked.check_login("nobody", "x")
    assert (unknown.number, unknown.state) == (18456, 5)
    assert unknown.reason == "Could not find a login matching the name provided."


def test_disabled_login_cannot_connect_until_enabled(sa: Connection) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'pw'")
    rows(sa, "ALTER LOGIN bob DISABLE")
    assert rows(sa, "SELECT is_disabled FROM sys.server_principals WHERE name = 'bob'") == [(True,)]
    right = security(sa).check_login("bob", "pw")
    assert not right.succeeded and (right.number, right.reason) == (18470, "The account is disabled.")
    wrong = security(sa).check_login("bob", "other")
    assert (wrong.number, wrong.state, wrong.reason) == (18456, 7, "Login is disabled.")
    rows(sa, "ALTER LOGIN bob ENABLE")
    assert security(sa).authenticate("bob", "pw") is not None


def test_alter_login_password_and_name(sa: Connection) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'one'")
    rows(sa, "ALTER LOGIN bob WITH PASSWORD = 'two'")
    assert security(sa).authenticate("bob", "one") is None
    assert security(sa).authenticate("bob", "two") is not None
    rows(sa, "ALTER LOGIN bob WITH NAME = robert")
    assert security(sa).authenticate("robert", "two") is not None
    assert rows(sa, "SELECT name FROM sys.sql_logins WHERE principal_id >= 256") == [("robert",)]


def test_login_errors_carry_sql_servers_numbers(sa: Connection) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'pw'")
    duplicate = errors(sa, "CREATE LOGIN BOB WITH PASSWORD = 'pw'")[0]
    assert (duplicate.number, duplicate.severity, duplicate.text) == (
        15025,
        16,
        "The server principal 'BOB' already exists.",
    )
    missing = errors(sa, "DROP LOGIN nobody")[0]
    assert missing.number == 15151
    assert missing.text == "Cannot drop the login 'nobody', because it does not exist or you do not have permission."
    assert error_number(sa, "ALTER LOGIN nobody ENABLE") == 15151
    special = errors(sa, "DROP LOGIN sa")[0]
    assert (special.number, special.severity, special.text) == (15405, 11, "Cannot use the special principal 'sa'.")
    assert error_number(sa, "ALTER SERVER ROLE sysadmin DROP MEMBER sa") == 15405
    assert error_number(sa, "CREATE LOGIN sysadmin WITH PASSWORD = 'x'") == 15025


def test_drop_login_removes_it_and_its_memberships_and_permissions(sa: Connection) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'pw'")
    rows(sa, "ALTER SERVER ROLE processadmin ADD MEMBER bob")
    rows(sa, "GRANT VIEW SERVER STATE TO bob")
    rows(sa, "DROP LOGIN bob")
    assert security(sa).authenticate("bob", "pw") is None
    assert rows(sa, "SELECT COUNT(*) FROM sys.server_role_members WHERE member_principal_id >= 256") == [(0,)]
    assert rows(sa, "SELECT COUNT(*) FROM sys.server_permissions WHERE grantee_principal_id >= 256") == [(0,)]
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'pw'")  # the name is free again, with a new principal id
    assert rows(sa, "SELECT principal_id FROM sys.server_principals WHERE name = 'bob'") == [(257,)]


def test_dropping_a_connected_login_is_refused(sa: Connection, data_dir: Path) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'pw'")
    bob = quietus.connect(data_dir, autocommit=True, login="bob")
    try:
        failure = errors(sa, "DROP LOGIN bob")[0]
        assert (failure.number, failure.text) == (
            15434,
            "Could not drop login 'bob' as the user is currently logged in.",
        )
    finally:
        bob.close()
    rows(sa, "DROP LOGIN bob")


def test_password_hash_is_salted_argon2id_and_shown_only_to_control_server(sa: Connection, data_dir: Path) -> None:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'same'")
    rows(sa, "CREATE LOGIN ann WITH PASSWORD = 'same'")
    hashes = dict(rows(sa, "SELECT name, password_hash FROM sys.sql_logins WHERE principal_id >= 256"))
    assert hashes["bob"].startswith(b"$argon2id$") and hashes["ann"].startswith(b"$argon2id$")
    assert hashes["bob"] != hashes["ann"]  # salted
    bob = quietus.connect(data_dir, autocommit=True, login="bob")
    try:
        assert rows(bob, "SELECT name, password_hash FROM sys.sql_logins") == [("bob", None)]
    finally:
        bob.close()


# -- roles and permissions ----------------------------------------------------------------------------------------


@pytest.fixture
def bob(sa: Connection, data_dir: Path) -> Iterator[Connection]:
    rows(sa, "CREATE LOGIN bob WITH PASSWORD = 'pw'")
    rows(sa, "CREATE LOGIN ann WITH PASSWORD = 'pw'")
    connection = quietus.connect(data_dir, autocommit=True, login="bob")
    yield connection
    connection.close()


def perms(conn: Connection, login: str) -> tuple[bool, bool]:
    checked = security(conn)
    return (
        checked.has_server_permission(login, "ALTER ANY CONNECTION"),
        checked.has_server_permission(login, "VIEW SERVER STATE"),
    )


def test_a_plain_login_has_neither_permission(bob: Connection) -> None:
    assert perms(bob, "bob") == (False, False)
    assert rows(bob, "SELECT IS_SRVROLEMEMBER('sysadmin'), IS_SRVROLEMEMBER('public'), IS_SRVROLEMEMBER('x')") == [
        (0, 1, None)
    ]
    assert rows(bob, "SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE')") == [(0,)]


def test_processadmin_may_alter_connections_and_view_server_state(sa: Connection, bob: Connection) -> None:
    rows(sa, "ALTER SERVER ROLE processadmin ADD MEMBER bob")
    assert perms(sa, "bob") == (True, True)  # VIEW SERVER STATE through ALTER SERVER STATE, as in SQL Server
    assert rows(bob, "SELECT IS_SRVROLEMEMBER('processadmin'), IS_SRVROLEMEMBER('processadmin', 'bob')") == [(1, 1)]
    rows(sa, "ALTER SERVER ROLE processadmin DROP MEMBER bob")
    assert perms(sa, "bob") == (False, False)


def test_grant_deny_revoke_and_deny_beats_role_membership(sa: Connection, bob: Connection) -> None:
    rows(sa, "GRANT VIEW SERVER STATE TO bob")
    assert perms(sa, "bob") == (False, True)
    assert rows(bob, "SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW SERVER STATE')") == [(1,)]
    rows(sa, "ALTER SERVER ROLE processadmin ADD MEMBER bob")
    rows(sa, "DENY VIEW SERVER STATE TO bob")
    assert perms(sa, "bob") == (True, False)  # DENY wins over the role
    rows(sa, "DENY ALTER ANY CONNECTION TO bob")
    assert perms(sa, "bob") == (False, False)
    assert rows(sa, "SELECT permission_name, state_desc FROM sys.server_permissions WHERE grantee_principal_id = 256 "
                    "AND type <> 'COSQ' ORDER BY permission_name") == [
        ("ALTER ANY CONNECTION", "DENY"),
        ("VIEW SERVER STATE", "DENY"),
    ]  # fmt: skip
    rows(sa, "REVOKE VIEW SERVER STATE FROM bob")
    rows(sa, "REVOKE ALTER ANY CONNECTION FROM bob")
    assert perms(sa, "bob") == (True, True)  # back to what processadmin gives


def test_deny_does_not_apply_to_sysadmin(sa: Connection, bob: Connection) -> None:
    rows(sa, "ALTER SERVER ROLE sysadmin ADD MEMBER bob")
    rows(sa, "DENY VIEW SERVER STATE TO bob")
    rows(sa, "DENY CONTROL SERVER TO bob")
    assert perms(sa, "bob") == (True, True)


def test_control_server_covers_every_permission_but_yields_to_deny(sa: Connection, bob: Connection) -> None:
    rows(sa, "GRANT CONTROL SERVER TO bob")
    assert perms(sa, "bob") == (True, True)
    assert security(sa).has_server_permission("bob", "ALTER ANY LOGIN")
    rows(sa, "DENY VIEW SERVER STATE TO bob")
    assert perms(sa, "bob") == (True, False)


def test_permissions_granted_to_public_reach_every_login(sa: Connection, bob: Connection) -> None:
    rows(sa, "GRANT VIEW SERVER STATE TO [public]")
    assert perms(sa, "bob")[1] and perms(sa, "ann")[1]
    rows(sa, "DENY ALTER ANY CONNECTION TO [public]")
    rows(sa, "ALTER SERVER ROLE processadmin ADD MEMBER ann")
    assert not perms(sa, "ann")[0]


def test_revoking_connect_sql_keeps_the_login_out(sa: Connection, bob: Connection) -> None:
    rows(sa, "REVOKE CONNECT SQL FROM ann")
    result = security(sa).check_login("ann", "pw")
    assert not result.succeeded and (result.number, result.state) == (18456, 12)
    rows(sa, "GRANT CONNECT SQL TO ann")
    assert security(sa).authenticate("ann", "pw") is not None


def test_a_plain_login_may_not_manage_security(bob: Connection) -> None:
    denied = errors(bob, "CREATE LOGIN eve WITH PASSWORD = 'x'")[0]
    assert (denied.number, denied.severity, denied.text) == (
        15247,
        16,
        "User does not have permission to perform this action.",
    )
    assert error_number(bob, "ALTER LOGIN ann DISABLE") == 15151
    assert error_number(bob, "DROP LOGIN ann") == 15151
    assert errors(bob, "ALTER SERVER ROLE sysadmin ADD MEMBER bob")[0].text == (
        "Cannot alter the server role 'sysadmin', because it does not exist or you do not have permission."
    )
    assert error_number(bob, "GRANT VIEW SERVER STATE TO ann") == 4613


def test_securityadmin_manages_logins_but_not_sysadmins(sa: Connection, bob: Connection) -> None:
    rows(sa, "ALTER SERVER ROLE securityadmin ADD MEMBER bob")
    rows(bob, "CREATE LOGIN eve WITH PASSWORD = 'x'")
    rows(bob, "ALTER LOGIN ann DISABLE")
    rows(bob, "ALTER SERVER ROLE processadmin ADD MEMBER eve")
    assert error_number(bob, "ALTER LOGIN sa DISABLE") == 15151  # changing a sysadmin needs CONTROL SERVER
    assert error_number(bob, "ALTER SERVER ROLE sysadmin ADD MEMBER eve") == 15151
    assert error_number(bob, "GRANT CONTROL SERVER TO eve") == 4613


def test_grant_errors(sa: Connection, bob: Connection) -> None:
    assert errors(sa, "GRANT VIEW SERVER STATE TO nobody")[0].text == (
        "Cannot find the login 'nobody', because it does not exist or you do not have permission."
    )
    assert error_number(sa, "GRANT VIEW SERVER STATE TO processadmin") == 4617
    assert error_number(sa, "DENY VIEW SERVER STATE TO sa") == 4624
    assert error_number(sa, "ALTER SERVER ROLE [public] ADD MEMBER bob") == 15081
    assert error_number(sa, "ALTER SERVER ROLE nosuchrole ADD MEMBER bob") == 15151
    assert errors(sa, "ALTER SERVER ROLE processadmin ADD MEMBER nobody")[0].text == (
        "Cannot add the principal 'nobody', because it does not exist or you do not have permission."
    )


def test_metadata_visibility_of_a_plain_login(sa: Connection, bob: Connection) -> None:
    rows(sa, "ALTER SERVER ROLE processadmin ADD MEMBER ann")
    logins = rows(bob, "SELECT name FROM sys.server_principals WHERE type = 'S'")
    assert logins == [("bob",)]
    assert rows(bob, "SELECT COUNT(*) FROM sys.server_role_members") == [(0,)]
    assert {r[0] for r in rows(sa, "SELECT name FROM sys.server_principals WHERE type = 'S'")} == {"sa", "bob", "ann"}


def test_srvrolemember_of_another_login_needs_alter_any_login(sa: Connection, bob: Connection) -> None:
    assert rows(bob, "SELECT IS_SRVROLEMEMBER('sysadmin', 'sa')") == [(None,)]
    assert rows(sa, "SELECT IS_SRVROLEMEMBER('sysadmin', 'bob'), IS_SRVROLEMEMBER('sysadmin', 'nobody')") == [(0, None)]


# -- transactions -------------------------------------------------------------------------------------------------


def test_security_statements_join_a_user_transaction_and_roll_back_with_it(sa: Connection) -> None:
    rows(sa, "BEGIN TRAN; CREATE LOGIN bob WITH PASSWORD = 'pw'; ALTER SERVER ROLE processadmin ADD MEMBER bob")
    assert rows(sa, "SELECT COUNT(*) FROM sys.server_principals WHERE name = 'bob'") == [(1,)]  # its own change
    assert security(sa).principal("bob") is None  # nobody else sees it before the commit
    rows(sa, "ROLLBACK")
    assert rows(sa, "SELECT COUNT(*) FROM sys.server_principals WHERE name = 'bob'") == [(0,)]
    rows(sa, "BEGIN TRAN; CREATE LOGIN bob WITH PASSWORD = 'pw'; COMMIT")
    assert security(sa).authenticate("bob", "pw") is not None


def test_a_failed_security_statement_leaves_the_transaction_open_and_the_rest_intact(sa: Connection) -> None:
    sink = sa.run("BEGIN TRAN; CREATE LOGIN bob WITH PASSWORD = 'pw'; CREATE LOGIN bob WITH PASSWORD = 'pw'; "
                  "SELECT @@TRANCOUNT")  # fmt: skip
    assert [m.number for m in sink.messages if m.is_error] == [15025]
    assert sink.result_sets[-1].rows == [(1,)]
    rows(sa, "COMMIT")
    assert security(sa).principal("bob") is not None


# -- durability ---------------------------------------------------------------------------------------------------


def test_everything_survives_a_restart_and_the_password_is_not_on_disk(data_dir: Path) -> None:
    password = "Pl@intext-Never-Stored-42"
    with quietus.connect(data_dir, autocommit=True) as sa:
        rows(sa, f"CREATE LOGIN bob WITH PASSWORD = '{password}'")
        rows(sa, "ALTER SERVER ROLE processadmin ADD MEMBER bob")
        rows(sa, "DENY VIEW SERVER STATE TO bob")
        rows(sa, "CREATE LOGIN ann WITH PASSWORD = 'x'")
        rows(sa, "ALTER LOGIN ann DISABLE")
    with quietus.connect(data_dir, autocommit=True) as sa:
        checked = security(sa)
        assert checked.authenticate("bob", password) is not None
        assert checked.is_member("bob", "processadmin")
        assert perms(sa, "bob") == (True, False)
        assert checked.check_login("ann", "x").number == 18470
        rows(sa, "CHECKPOINT")
        rows(sa, "CREATE LOGIN cy WITH PASSWORD = 'x'")  # principal ids continue after a restart
    with quietus.connect(data_dir, autocommit=True) as sa:
        ids = rows(sa, "SELECT name, principal_id FROM sys.server_principals WHERE type = 'S' ORDER BY 2")
        assert ids == [("sa", 1), ("bob", 256), ("ann", 257), ("cy", 258)]
        assert security(sa).authenticate("bob", password) is not None
    needles = (password.encode("utf-8"), password.encode("utf-16-le"))
    for path in data_dir.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(needle in content for needle in needles), path
