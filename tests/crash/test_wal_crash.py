"""SIGKILL a process that commits in a loop; every commit it reported must survive recovery.

The child (wal_child.py) prints an LSN only after its future resolved, that is after the fsync. The
parent kills it at a random moment, recovers, and checks: the checkpoint is one the child installed,
the records after it are consecutive with the right payloads, every printed LSN is covered, and the
log goes on from there. A process kill keeps the page cache, so this checks the protocol (what is
acknowledged when, what survives a kill mid-batch, mid-roll-over, mid-checkpoint); power cuts are
simulated in the unit tests with FaultyVfs.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from quietus.engine.wal import WriteAheadLog, init_data_directory, recover
from tests.crash.wal_child import SEGMENT_SIZE, checkpoint_chunks, payload

CHILD = Path(__file__).with_name("wal_child.py")
ROUNDS = 4


def run_and_kill(directory: Path, seed: int, rng: random.Random) -> list[int]:
    """Start the child, let it commit a while, SIGKILL it; return the LSNs it reported durable."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), str(directory), str(seed)], stdout=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    started = threading.Event()

    def collect() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line)
            started.set()

    reader = threading.Thread(target=collect)
    reader.start()
    try:
        assert started.wait(30), "the child never committed"
        time.sleep(rng.uniform(0.0, 0.4))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        reader.join()
    return [int(line) for line in lines if line.endswith("\n")]


@pytest.mark.crash
def test_sigkill_never_loses_an_acknowledged_commit(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    for round_ in range(ROUNDS):
        directory = tmp_path / f"round{round_}"
        init_data_directory(directory)
        printed = run_and_kill(directory, rng.randrange(1 << 30), rng)
        context = f"seed {seed}, round {round_}"
        assert printed == list(range(1, len(printed) + 1)), context

        recovered = recover(directory)
        checkpoint_lsn = recovered.checkpoint_lsn
        chunks = list(recovered.checkpoint_chunks())
        assert chunks == (checkpoint_chunks(checkpoint_lsn) if checkpoint_lsn else []), context
        records = list(recovered.records())
        lsns = [lsn for lsn, _payload in records]
        assert lsns == list(range(checkpoint_lsn + 1, checkpoint_lsn + 1 + len(records))), context
        assert all(data == payload(lsn) for lsn, data in records), context
        last = lsns[-1] if lsns else checkpoint_lsn
        assert printed[-1] <= last, context  # nothing acknowledged is missing

        with WriteAheadLog.open(directory, segment_size=SEGMENT_SIZE, recovered=recovered) as log:
            assert log.append(payload(last + 1)).result(timeout=10) == last + 1
        again = recover(directory)
        assert again.checkpoint_lsn == checkpoint_lsn
        assert list(again.records()) == [*records, (last + 1, payload(last + 1))], context
