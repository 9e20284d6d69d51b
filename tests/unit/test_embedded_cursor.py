"""The embedded cursor's per-call state: what it remembers from one call to the next (the placeholder rewrite per
operation text, the description per result's columns, the sink's running counts) must never leak a previous call's
answer into the next one."""

from __future__ import annotations

import enum
from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection, InterfaceError, ProgrammingError, parameterise
from quietus.sql.results import CollectingSink, MessageEvent, ResultColumn, StatementDone
from quietus.sql.types_base import INT


@pytest.fixture
def conn() -> Iterator[Connection]:
    connection = quietus.connect(None, autocommit=True)
    connection.run("CREATE TABLE kv (id INT PRIMARY KEY, name NVARCHAR(20))")
    connection.run("INSERT INTO kv VALUES (1, 'one'), (2, 'two')")
    yield connection
    connection.close()


def test_the_description_follows_the_columns_and_is_the_callers_own_list(conn: Connection) -> None:
    cursor = conn.cursor()
    cursor.execute("SELECT name FROM kv WHERE id = %s", (1,))
    first = cursor.description
    assert first == [("name", "nvarchar", None, 20, None, None, True)]
    assert first is not None
    first.append(("mine",))  # the caller's list: changing it changes no later description
    cursor.execute("SELECT name FROM kv WHERE id = %s", (2,))
    assert cursor.description == [("name", "nvarchar", None, 20, None, None, True)]
    assert cursor.description is not first
    conn.run("ALTER TABLE kv ADD extra INT NULL")  # a new plan, new columns: a new description
    cursor.execute("SELECT * FROM kv WHERE id = %s", (2,))
    assert [column[0] for column in cursor.description or []] == ["id", "name", "extra"]
    cursor.execute("UPDATE kv SET extra = 1 WHERE id = %s", (2,))
    assert cursor.description is None and cursor.rowcount == 1


def test_rowcount_is_the_last_reported_count_and_messages_are_each_calls_own(conn: Connection) -> None:
    cursor = conn.cursor()
    cursor.execute("UPDATE kv SET name = name; PRINT 'hello'; SELECT name FROM kv WHERE id = 1")
    assert cursor.rowcount == 1  # the SELECT's, the last count reported
    assert [m.text for m in cursor.messages] == ["hello"]
    cursor.execute("UPDATE kv SET name = name; SET NOCOUNT ON; SELECT name FROM kv")
    assert cursor.rowcount == 2  # NOCOUNT: the SELECT reports none, the UPDATE's stands
    assert cursor.messages == []
    conn.run("SET NOCOUNT OFF")
    cursor.execute("DECLARE @x INT")  # nothing reports a count
    assert cursor.rowcount == -1 and cursor.description is None
    assert cursor.nextset() is None


def test_the_placeholder_rewrite_is_per_text_and_count(conn: Connection) -> None:
    assert parameterise("SELECT %s, %s", (1, "a")) == ("SELECT @P1, @P2", {"@P1": 1, "@P2": "a"})
    assert parameterise("SELECT %s, '%%'", [3]) == ("SELECT @P1, '%'", {"@P1": 3})
    for _ in range(2):  # a mismatch fails every time (a failure is not remembered as a text)
        with pytest.raises(TypeError):
            parameterise("SELECT %s, %s", (1,))
    assert parameterise("SELECT %s", 5) == ("SELECT @P1", {"@P1": 5})

    class Level(enum.IntEnum):
        HIGH = 2

    assert parameterise("SELECT %s", (Level.HIGH,))[1] == {"@P1": Level.HIGH}  # a subclass of int passes
    with pytest.raises(InterfaceError):
        parameterise("SELECT %s", (object(),))
    with pytest.raises(InterfaceError):
        parameterise("SELECT %s", ([1],))
    cursor = conn.cursor()
    cursor.execute("SELECT name FROM kv WHERE id = %s", (2,))
    assert cursor.fetchall() == [("two",)]
    with pytest.raises(ProgrammingError) as missing:
        cursor.execute("SELECT nope FROM kv WHERE id = %s", (2,))
    assert missing.value.number == 207


def test_the_collecting_sink_keeps_its_views_in_step_with_its_events() -> None:
    sink = CollectingSink()
    assert (sink.result_sets, sink.messages, sink.rowcount) == ([], [], -1)
    sink.start_result((ResultColumn("x", INT),))
    sink.row((1,))
    sink.end_result()
    sink.done(StatementDone(1))
    sink.message(MessageEvent(50000, 16, 1, "boom"))
    sink.done(StatementDone(None, error=True))
    assert sink.rowcount == 1  # a completion without a count leaves the last count
    assert sink.result_sets == [sink.events[0]] and sink.result_sets[0].rows == [(1,)]
    assert sink.messages == [sink.events[2]]
    sink.done(StatementDone(0))
    assert sink.rowcount == 0


def test_the_input_buffer_shows_each_statement_run(conn: Connection) -> None:
    cursor = conn.cursor()
    seen = []
    for text in ("SELECT name FROM kv WHERE id = %s", "SELECT id FROM kv WHERE id = %s",
                 "SELECT name FROM kv WHERE id = %s"):
        cursor.execute(text, (1,))
        buffer = conn.session.input_buffer
        assert buffer is not None
        seen.append((buffer.event_type, buffer.parameters, buffer.event_info, buffer.statement_prefix))
    assert seen == [
        ("Language Event", 0, "SELECT name FROM kv WHERE id = @P1", ""),
        ("Language Event", 0, "SELECT id FROM kv WHERE id = @P1", ""),
        ("Language Event", 0, "SELECT name FROM kv WHERE id = @P1", ""),
    ]
