"""Session ids: lowest free id from 51, released at disconnect, a serial that grows on every reuse."""

from __future__ import annotations

import quietus
from quietus.sessions.registry import FIRST_USER_SESSION_ID, SessionRegistry


def test_lowest_free_id_is_reused_with_a_higher_serial() -> None:
    registry = SessionRegistry()
    a, b, c = (registry.open_user_session() for _ in range(3))
    assert [s.session_id for s in (a, b, c)] == [51, 52, 53]
    assert {s.serial for s in (a, b, c)} == {1}
    registry.close(b)
    registry.close(a)
    again = registry.open_user_session()
    assert (again.session_id, again.serial) == (51, 2)
    next_one = registry.open_user_session()
    assert (next_one.session_id, next_one.serial) == (52, 2)
    assert {(s.session_id, s.serial) for s in registry} == {(51, 2), (52, 2), (53, 1)}


def test_system_sessions_are_flagged_and_below_51() -> None:
    registry = SessionRegistry()
    cleaner = registry.open_system_session("GHOST CLEANUP")
    user = registry.open_user_session()
    assert cleaner.session_id < FIRST_USER_SESSION_ID and not cleaner.is_user_process
    assert user.session_id == FIRST_USER_SESSION_ID and user.is_user_process


def test_embedded_connections_get_session_ids_and_spid() -> None:
    first = quietus.connect(None, autocommit=True)
    try:
        rows = first.run("SELECT @@SPID").result_sets[0].rows
        assert rows == [(first.session_id,)]
        assert first.session_id >= FIRST_USER_SESSION_ID
    finally:
        first.close()


def test_statement_text_with_a_password_is_masked_for_the_views() -> None:
    from quietus.sessions.session import masked

    assert masked("SELECT 1") == "SELECT 1"
    hidden = masked("CREATE LOGIN ann WITH PASSWORD = 'S3cret!'")
    assert "S3cret" not in hidden and "'CREATE LOGIN' was found in the text of this event." in hidden
    assert "pw" not in masked("ALTER LOGIN sa WITH PASSWORD = 'pw'")
