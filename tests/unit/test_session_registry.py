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


def test_masking_decides_as_the_secret_pattern_for_every_spelling() -> None:
    """The scan for the two words before the pattern changes nothing: any case, at a word's edge or inside one,
    and non-ASCII letters the pattern folds onto ASCII (ſ is s, ı is i) decide as the pattern alone does."""
    from quietus.sessions.session import _SECRET_STATEMENT, masked

    texts = [
        "SELECT 1", "select password from t", "SELECT PassWord", "SELECT passwords", "SELECT xpassword",
        "create   login x with password = 'a'", "alter\nLogin sa", "SELECT login_name FROM sys.dm_exec_sessions",
        "SELECT logins", "EXEC sp_who -- LOGIN", "SELECT 'paſſword'", "SELECT N'ALTER LOGıN x'", "SELECT N'é', 1",
        "(@password nvarchar(10))SELECT @password",
    ]
    for text in texts:
        assert (masked(text) != text) == (_SECRET_STATEMENT.search(text) is not None), text
