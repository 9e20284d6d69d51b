"""The request path over TDS: a parameterised point select, update or delete is planned once, its @params parsed
once; a request that waits (and so is handed to the loop after its first step) answers like one that does not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quietus.server.rpc import parse_declarations
from tests.clients.server_harness import RunningServer, running_server
from tests.clients.test_server_clients import pytds_connect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("request_path") / "data") as running:
        yield running


def test_a_parameterised_point_select_is_planned_once_and_its_declarations_parsed_once(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as connection:
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE kv (id INT PRIMARY KEY, name NVARCHAR(20))")
        cursor.execute("INSERT INTO kv VALUES (1, N'one'), (2, N'two'), (3, N'three')")
        cursor.execute("SELECT name FROM kv WHERE id = %s", (1,))  # pytds sends sp_executesql with @P1 declared
        assert cursor.fetchall() == [("one",)]
        cache = server.on_engine(lambda: server.instance.env.plan_cache)
        misses, hits = cache.misses, cache.hits
        parsed = parse_declarations.cache_info()
        names = []
        for n in range(30):
            cursor.execute("SELECT name FROM kv WHERE id = %s", (n % 3 + 1,))
            names.append(cursor.fetchall()[0][0])
        assert names == ["one", "two", "three"] * 10
        assert cache.misses == misses  # never re-planned
        assert cache.hits >= hits + 30
        assert parse_declarations.cache_info().misses == parsed.misses  # the same @params text: parsed once


def test_a_request_that_waits_answers_and_the_next_one_runs(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as connection:
        cursor = connection.cursor()
        cursor.execute("WAITFOR DELAY '00:00:00.050'; SELECT 7")
        assert cursor.fetchall() == [(7,)]
        cursor.execute("SELECT 8")
        assert cursor.fetchall() == [(8,)]


def test_a_parameterised_point_update_and_delete_are_planned_once(server: RunningServer) -> None:
    with pytds_connect(server, autocommit=True) as connection:
        cursor = connection.cursor()
        cursor.execute("CREATE TABLE counters (id INT PRIMARY KEY, hits INT)")
        cursor.execute("INSERT INTO counters VALUES " + ", ".join(f"({n}, 0)" for n in range(1, 11)))
        cursor.execute("UPDATE counters SET hits = hits + %s WHERE id = %s", (1, 1))  # sp_executesql, @P1 @P2 declared
        cursor.execute("DELETE FROM counters WHERE id = %s", (10,))
        cache = server.on_engine(lambda: server.instance.env.plan_cache)
        misses, hits = cache.misses, cache.hits
        for n in range(30):
            cursor.execute("UPDATE counters SET hits = hits + %s WHERE id = %s", (1, n % 9 + 1))
            assert cursor.rowcount == 1
        for n in range(1, 6):
            cursor.execute("DELETE FROM counters WHERE id = %s", (n,))
            assert cursor.rowcount == 1
        assert cache.misses == misses  # never re-planned
        assert cache.hits >= hits + 35
        cursor.execute("SELECT SUM(hits) FROM counters")
        assert cursor.fetchall() == [(4 * 3,)]  # ids 6 to 9 are left, three hits each
