"""Random programs of commits, checkpoints, crashes and power cuts against a model of what must survive.

The model: ``timeline[lsn]`` is the payload appended at each LSN since the last recovery and
``acknowledged`` the highest LSN whose future resolved. After every power cut, recovery must give a
checkpoint whose state is the timeline's prefix, then the timeline's records after it, reaching at
least ``acknowledged`` (unacknowledged records may or may not survive, but never out of order).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from quietus.engine.wal import WriteAheadLog, init_data_directory, recover, write_checkpoint
from quietus.engine.wal.faulty_vfs import FaultyVfs, SimulatedCrash

SEGMENT_SIZE = 256

step = st.one_of(
    st.tuples(st.just("commit"), st.integers(1, 12)),
    st.tuples(st.just("cut with pending"), st.integers(1, 12)),
    st.tuples(st.just("checkpoint"), st.none() | st.integers(0, 12)),
    st.tuples(st.just("cut"), st.none()),
    st.tuples(st.just("reopen"), st.none()),
)


class Machine:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.vfs = FaultyVfs()
        self.timeline: dict[int, bytes] = {}
        self.acknowledged = 0
        self.serial = 0
        self.log = WriteAheadLog.open(directory, self.vfs, SEGMENT_SIZE)

    def new_payload(self, lsn: int) -> bytes:
        self.serial += 1
        return b"lsn %d serial %d " % (lsn, self.serial) * (1 + self.serial % 4)

    def append(self, count: int) -> list[Future[int]]:
        futures = []
        for _ in range(count):
            lsn = self.log.last_lsn + 1
            self.timeline[lsn] = self.new_payload(lsn)
            futures.append(self.log.append(self.timeline[lsn]))
        return futures

    def commit(self, count: int) -> None:
        for future in self.append(count):
            self.acknowledged = future.result(timeout=10)

    def cut_with_pending(self, count: int) -> None:
        self.vfs.hold_fsyncs()
        self.append(count)
        assert self.vfs.fsync_entered.wait(10)
        self.cut()

    def checkpoint(self, crash_at: int | None) -> None:
        lsn = self.log.durable_lsn
        state = [self.timeline[n] for n in range(1, lsn + 1)]
        if crash_at is not None:
            self.vfs.crash_after(crash_at)
        try:
            write_checkpoint(self.directory, lsn, state, self.vfs)
        except SimulatedCrash:
            self.cut()
            return
        self.vfs.disarm()  # the checkpoint finished before the crash was due

    def cut(self) -> None:
        self.vfs.power_cut()
        self.vfs.release_fsyncs()
        self.log.close()
        self.check_and_reopen()

    def reopen(self) -> None:
        self.log.close()
        self.check_and_reopen()

    def check_and_reopen(self) -> None:
        recovered = recover(self.directory, self.vfs)
        checkpoint_lsn = recovered.checkpoint_lsn
        assert list(recovered.checkpoint_chunks()) == [self.timeline[n] for n in range(1, checkpoint_lsn + 1)]
        records = list(recovered.records())
        last = checkpoint_lsn + len(records)
        assert records == [(n, self.timeline[n]) for n in range(checkpoint_lsn + 1, last + 1)]
        assert last >= self.acknowledged
        self.timeline = {n: data for n, data in self.timeline.items() if n <= last}
        self.acknowledged = last
        self.log = WriteAheadLog.open(self.directory, self.vfs, SEGMENT_SIZE, recovered=recovered)


ACTIONS: dict[str, Callable[[Machine, Any], None]] = {
    "commit": Machine.commit,
    "cut with pending": Machine.cut_with_pending,
    "checkpoint": Machine.checkpoint,
    "cut": lambda machine, _argument: machine.cut(),
    "reopen": lambda machine, _argument: machine.reopen(),
}


@settings(max_examples=40, deadline=None)
@given(st.lists(step, max_size=12))
# a reopened segment cut back by close without an fsync, then rolled over: its zeros must not come back
@example(program=[("commit", 4), ("reopen", None), ("commit", 1)])
def test_random_programs_keep_every_acknowledged_commit(program: list[tuple[str, int | None]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch) / "data"
        init_data_directory(directory)
        machine = Machine(directory)
        try:
            for name, argument in [*program, ("cut", None)]:
                ACTIONS[name](machine, argument)
        finally:
            machine.vfs.release_fsyncs()
            machine.log.close()
