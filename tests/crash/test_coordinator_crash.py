"""A linked-server coordinator killed (SIGKILL, the ``coordinator-decided`` crash point) after its COMMIT decision
was durable and before its own part committed or any participant heard: after its restart the decision log
commits both parts, its own in-doubt part included (it was left in doubt for an administrator before), so the
distributed transaction is never half committed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from bench.bench_server import PASSWORD, Tds
from bench.torture_crash_aimed import IN_DOUBT, Server

ACCT = "CREATE TABLE acct (id INT PRIMARY KEY, balance INT NOT NULL); INSERT INTO acct VALUES (1, 100), (2, 200)"


def answer(server: Server, sql: str) -> list[tuple[object, ...]]:
    assert server.port is not None
    client = Tds(server.port, PASSWORD, timeout=60)
    try:
        client.batch("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")  # never blocked by an in-doubt part
        return [tuple(row) for row in client.batch(sql).rows]
    finally:
        client.close()


@pytest.mark.crash
def test_a_coordinator_killed_after_its_decision_commits_its_own_part_and_the_participant_s(tmp_path: Path) -> None:
    participant, coordinator = Server(tmp_path / "b"), Server(tmp_path / "a", "coordinator-decided")
    servers = [participant, coordinator]
    try:
        for server in servers:
            answer(server, ACCT)
        assert coordinator.port is not None
        client = Tds(coordinator.port, PASSWORD, timeout=60)
        client.batch(f"EXEC sp_addlinkedserver 'B', '', 'QUIETUS', '127.0.0.1,{participant.port}'")
        client.batch(f"EXEC sp_addlinkedsrvlogin 'B', 'FALSE', NULL, 'sa', '{PASSWORD}'")
        client.batch("BEGIN DISTRIBUTED TRANSACTION")
        client.batch("UPDATE acct SET balance = balance - 50 WHERE id = 1")
        client.batch("EXEC ('UPDATE acct SET balance = balance + 50 WHERE id = 1') AT B")
        with pytest.raises((ConnectionError, OSError)):
            client.answer("COMMIT")  # the coordinator dies inside it
        assert coordinator.died_at("coordinator-decided")
        assert answer(participant, IN_DOUBT) != []  # prepared, not told
        coordinator = Server(tmp_path / "a")
        servers.append(coordinator)
        deadline = time.monotonic() + 60
        while (answer(coordinator, IN_DOUBT) or answer(participant, IN_DOUBT)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert answer(coordinator, IN_DOUBT) == [] and answer(participant, IN_DOUBT) == []
        assert answer(coordinator, "SELECT balance FROM acct WHERE id = 1") == [(50,)]  # its own part committed
        assert answer(participant, "SELECT balance FROM acct WHERE id = 1") == [(150,)]  # and the participant's
        assert answer(coordinator, "SELECT COUNT(*) FROM sys.dm_tran_locks WHERE request_session_id = -2") == [(0,)]
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.kill()
