"""The verified-login cache: a reconnecting client skips argon2id; nothing else does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import quietus
from quietus.dbapi import Connection
from quietus.sessions import login_hashing, security
from quietus.sessions.login_cache import VerifiedLogins


class CountingCheck:
    """verify_password, counted (the check the cache must spare)."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = security.verify_password

    def __call__(self, stored: bytes | None, password: str) -> bool:
        self.calls += 1
        return self.real(stored, password)


@pytest.fixture
def conn(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Connection, CountingCheck]]:
    check = CountingCheck()
    monkeypatch.setattr(login_hashing, "verify_password", check)
    with quietus.connect(autocommit=True) as connection:
        connection.run("CREATE LOGIN ann WITH PASSWORD = 'Correct horse 1'")
        yield connection, check


def login(connection: Connection, name: str, password: str) -> Any:
    return connection._engine.thread.call(connection.instance.security.login(name, password))


def test_a_second_login_with_the_same_password_skips_the_hash(conn: tuple[Connection, CountingCheck]) -> None:
    connection, check = conn
    assert login(connection, "ann", "Correct horse 1").principal is not None
    assert check.calls == 1
    assert login(connection, "ANN", "Correct horse 1").principal is not None  # names are case-insensitive
    assert check.calls == 1
    assert connection.instance.security.verified.hits == 1


def test_wrong_passwords_and_unknown_logins_always_pay_the_hash(conn: tuple[Connection, CountingCheck]) -> None:
    connection, check = conn
    assert login(connection, "ann", "Correct horse 1").principal is not None
    for _ in range(2):
        result = login(connection, "ann", "Correct horse 2")
        assert (result.principal, result.number, result.state) == (None, 18456, 8)
    assert login(connection, "nobody", "Correct horse 1").principal is None
    assert check.calls == 4


def test_a_new_password_invalidates_the_entry(conn: tuple[Connection, CountingCheck]) -> None:
    connection, check = conn
    assert login(connection, "ann", "Correct horse 1").principal is not None
    connection.run("ALTER LOGIN ann WITH PASSWORD = 'Battery staple 2'")
    result = login(connection, "ann", "Correct horse 1")
    assert (result.principal, result.number, result.state) == (None, 18456, 8)
    assert login(connection, "ann", "Battery staple 2").principal is not None
    assert check.calls == 3


def test_a_cached_login_that_is_disabled_is_refused_as_disabled(conn: tuple[Connection, CountingCheck]) -> None:
    connection, _ = conn
    assert login(connection, "ann", "Correct horse 1").principal is not None
    connection.run("ALTER LOGIN ann DISABLE")
    result = login(connection, "ann", "Correct horse 1")
    assert (result.principal, result.number) == (None, 18470)


def test_the_cache_is_bounded_least_recently_used_out_first() -> None:
    cache = VerifiedLogins(capacity=2)
    for name in ("a", "b"):
        cache.remember(name, b"hash-" + name.encode(), "pw")
    assert cache.matches("a", b"hash-a", "pw")  # a is now the most recent
    cache.remember("c", b"hash-c", "pw")
    assert len(cache) == 2
    assert not cache.matches("b", b"hash-b", "pw")
    assert cache.matches("a", b"hash-a", "pw") and cache.matches("c", b"hash-c", "pw")
    assert not cache.matches("a", b"hash-other", "pw")  # only against the hash it was verified with
    assert not cache.matches("a", None, "pw")
