"""Random programs of local commits, prepares left in doubt, decisions, checkpoints and restarts, checked against a
model after every step: the committed values, which units of work are in doubt (session -2 holding exactly their
rows), what dirty readers see, and that a decided unit of work refuses the other outcome (6111) however many
checkpoints and restarts came after its decision (docs/design/distributed-transactions.md, invariants 1-6)."""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import Scenario, ScenarioSession, scenario
from tests.isolation.test_kill_statement import wait_engine

ROWS = range(1, 7)
LOCKED_KEYS = (
    "SELECT request_owner_guid, COUNT(*) FROM sys.dm_tran_locks WHERE request_session_id = -2 "
    "AND resource_type = 'KEY' GROUP BY request_owner_guid"
)


class Model:
    def __init__(self) -> None:
        self.committed = {row: 0 for row in ROWS}
        self.in_doubt: dict[uuid.UUID, tuple[int, int]] = {}  # uow -> (row, value)
        self.decided: dict[uuid.UUID, bool] = {}  # uow -> committed?
        self.next_value = 1

    def free_rows(self) -> list[int]:
        held = {row for row, _ in self.in_doubt.values()}
        return [row for row in ROWS if row not in held]

    def value(self) -> int:
        self.next_value += 1
        return self.next_value


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as running:
        yield running


def anchor(sc: Scenario) -> ScenarioSession:
    """The session that keeps the engine running and reads (SNAPSHOT: it never waits for session -2)."""
    session = sc.session("anchor")
    session.run("SET TRANSACTION ISOLATION LEVEL SNAPSHOT")
    return session


def gone(session: ScenarioSession, uow: uuid.UUID) -> bool:
    """No transaction with this unit of work is left (read on the engine thread)."""
    databases = session.connection.instance.env.databases.values()
    return all(txn.uow != uow for database in databases for txn in database.txns.active.values())


def check(reader: ScenarioSession, model: Model, rng: random.Random) -> None:
    assert dict(reader.rows("SELECT id, v FROM t")) == model.committed
    locked = {row[0]: row[1] for row in reader.rows(LOCKED_KEYS)}
    assert locked == dict.fromkeys(model.in_doubt, 1)
    dirty = dict(reader.rows("SELECT id, v FROM t WITH (NOLOCK)"))
    expected = dict(model.committed)
    expected.update({row: value for row, value in model.in_doubt.values()})
    assert dirty == expected
    if model.decided:
        uow = rng.choice(sorted(model.decided))
        other = "ROLLBACK" if model.decided[uow] else "COMMIT"
        refused = [m.number for m in reader.start(f"KILL '{uow}' WITH {other}").result().messages if m.is_error]
        assert refused == [6111]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_two_phase_programs_match_the_model(sc: Scenario, seed: int) -> None:
    rng = random.Random(seed)
    model = Model()
    setup = sc.session("setup")
    setup.run("CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)")
    setup.run("INSERT INTO t VALUES " + ", ".join(f"({row}, 0)" for row in ROWS))
    reader = anchor(sc)
    for _step in range(30):
        action = rng.choice(["local", "prepare", "prepare", "decide", "decide", "checkpoint", "restart"])
        free = model.free_rows()
        if action == "local" and free:
            row, value = rng.choice(free), model.value()
            setup.run(f"UPDATE t SET v = {value} WHERE id = {row}")
            model.committed[row] = value
        elif action == "prepare" and free:
            row, value = rng.choice(free), model.value()
            client = sc.session("client")
            client.run(f"BEGIN DISTRIBUTED TRANSACTION; UPDATE t SET v = {value} WHERE id = {row}")
            uow = client.value("EXEC sp_prepare_distributed_transaction")
            sc.sessions.remove(client)
            client.close()
            model.in_doubt[uow] = (row, value)
        elif action == "decide" and model.in_doubt:
            uow = rng.choice(sorted(model.in_doubt))
            commit = rng.random() < 0.5
            setup.run(f"KILL '{uow}' WITH {'COMMIT' if commit else 'ROLLBACK'}")
            row, value = model.in_doubt.pop(uow)
            model.decided[uow] = commit
            if commit:
                model.committed[row] = value
            # a rollback runs in a task of its own: wait until the engine has finished it
            wait_engine(reader, functools.partial(gone, reader, uow), "the decision")
        elif action == "checkpoint":
            setup.run("CHECKPOINT")
        elif action == "restart":
            sc.close()
            sc.sessions.clear()
            setup = sc.session("setup")
            reader = anchor(sc)
        check(reader, model, rng)
