"""A caller making its own record durable (``WriteAheadLog.enqueue`` + ``sync``): it writes and fsyncs on its own
thread when no batch is in flight, shares the next batch when one is, and holds an interrupt until its record is on
disk."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from quietus.engine.wal import LogFailed, WriteAheadLog
from quietus.engine.wal.faulty_vfs import FaultyVfs
from quietus.engine.wal.segment import HEADER_SIZE, RECORD_HEADER_SIZE
from tests.unit.test_wal_support import data_directory, expected, payload, replay


class _FsyncWitness(FaultyVfs):
    """A FaultyVfs that notes which thread ran each fsync of a log segment."""

    def __init__(self) -> None:
        super().__init__()
        self.fsync_threads: list[str] = []

    def before(self, operation: str, path: Path, generation: int, size: int = 0) -> int:
        if operation == "fsync" and path.suffix == ".log":
            self.fsync_threads.append(threading.current_thread().name)
        return super().before(operation, path, generation, size)


def _sync_in_thread(log: WriteAheadLog, lsn: int, name: str, *, interruptible: bool = False) -> threading.Thread:
    thread = threading.Thread(target=log.sync, args=(lsn,), kwargs={"interruptible": interruptible}, name=name)
    thread.start()
    return thread


def test_a_leading_caller_writes_and_fsyncs_on_its_own_thread(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = _FsyncWitness()
    with WriteAheadLog.open(directory, vfs, segment_size=300) as log:  # small segments: roll-overs too
        vfs.fsync_threads.clear()  # the first segment's, made by open
        for lsn in range(1, 31):
            assert log.enqueue(payload(lsn)) == lsn
            _sync_in_thread(log, lsn, f"caller-{lsn}").join(10)
            assert log.durable_lsn == lsn
        statistics = log.statistics()
    assert vfs.fsync_threads and all(name.startswith("caller-") for name in vfs.fsync_threads)
    assert (statistics.records, statistics.batches) == (30, 30)
    assert statistics.segments > 1
    assert replay(directory)[2] == expected(range(1, 31))


def test_commits_arriving_during_a_leaders_fsync_share_the_next_one(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = _FsyncWitness()
    with WriteAheadLog.open(directory, vfs) as log:
        vfs.fsync_threads.clear()
        vfs.hold_fsyncs()
        leader = _sync_in_thread(log, log.enqueue(payload(1)), "leader")
        assert vfs.fsync_entered.wait(10)
        followers = [_sync_in_thread(log, log.enqueue(payload(lsn)), f"follower-{lsn}") for lsn in range(2, 7)]
        waiting = log.append(payload(7))  # a future's waiter (the server's path) joins the same batch
        time.sleep(0.05)
        assert log.durable_lsn == 0 and not waiting.done()
        vfs.release_fsyncs()
        for thread in [leader, *followers]:
            thread.join(10)
        assert waiting.result(timeout=10) == 7 and log.durable_lsn == 7
        statistics = log.statistics()
    assert (statistics.records, statistics.batches) == (7, 2)
    assert vfs.fsync_threads[0] == "leader" and len(vfs.fsync_threads) == 2
    assert replay(directory)[2] == expected(range(1, 8))


def test_an_interruptible_caller_leads_a_batch_that_fits_and_leaves_a_roll_over_to_the_writer_thread(
    tmp_path: Path,
) -> None:
    directory = data_directory(tmp_path)
    vfs = _FsyncWitness()
    size = HEADER_SIZE + RECORD_HEADER_SIZE + len(payload(1)) + 1
    with WriteAheadLog.open(directory, vfs, segment_size=size) as log:
        vfs.fsync_threads.clear()
        _sync_in_thread(log, log.enqueue(payload(1)), "fits", interruptible=True).join(10)
        _sync_in_thread(log, log.enqueue(payload(2)), "rolls-over", interruptible=True).join(10)
        assert log.durable_lsn == 2
    # the seal of the full segment, the new one's header, then the record
    assert vfs.fsync_threads == ["fits", "quietus-wal-writer", "quietus-wal-writer", "quietus-wal-writer"]
    assert replay(directory)[2] == expected(range(1, 3))


def test_a_failed_fsync_fails_the_leader_its_followers_and_the_log(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    log = WriteAheadLog.open(directory, vfs)
    log.sync(log.enqueue(payload(1)))
    vfs.hold_fsyncs()
    outcomes: dict[int, BaseException | None] = {}

    def sync(lsn: int) -> None:
        try:
            log.sync(lsn)
            outcomes[lsn] = None
        except BaseException as error:
            outcomes[lsn] = error

    threads = [threading.Thread(target=sync, args=(log.enqueue(payload(2)),))]
    threads[0].start()
    assert vfs.fsync_entered.wait(10)
    threads += [threading.Thread(target=sync, args=(log.enqueue(payload(lsn)),)) for lsn in (3, 4)]
    threads[1].start()
    threads[2].start()
    vfs.fail_next("fsync")
    vfs.release_fsyncs()
    for thread in threads:
        thread.join(10)
    assert all(isinstance(outcomes[lsn], LogFailed) for lsn in (2, 3, 4))
    assert log.failed and log.durable_lsn == 1
    with pytest.raises(LogFailed):
        log.enqueue(payload(5))
    log.close()


def _ctrl_c_when_fsync_held(vfs: FaultyVfs) -> threading.Thread:
    """A helper thread: once an fsync waits at the gate, Ctrl-C to the main thread, then let the fsync go."""

    def press() -> None:
        assert vfs.fsync_entered.wait(10)
        time.sleep(0.05)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
        time.sleep(0.05)
        vfs.release_fsyncs()

    helper = threading.Thread(target=press)
    helper.start()
    return helper


def test_an_interrupt_while_waiting_is_raised_only_once_the_record_is_durable(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    with WriteAheadLog.open(directory, vfs) as log:
        vfs.hold_fsyncs()
        leader = _sync_in_thread(log, log.enqueue(payload(1)), "leader")
        assert vfs.fsync_entered.wait(10)
        lsn = log.enqueue(payload(2))
        helper = _ctrl_c_when_fsync_held(vfs)
        with pytest.raises(KeyboardInterrupt):
            log.sync(lsn, interruptible=True)  # waits for the leader's batch, then leads its own
        helper.join(10)
        leader.join(10)
        assert log.durable_lsn == lsn and not log.failed
    assert replay(directory)[2] == expected(range(1, 3))


def test_a_leader_cut_short_by_an_interrupt_writes_its_batch_again_and_goes_on(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    with WriteAheadLog.open(directory, vfs) as log:
        log.sync(log.enqueue(payload(1)), interruptible=True)
        vfs.hold_fsyncs()
        lsn = log.enqueue(payload(2))
        helper = _ctrl_c_when_fsync_held(vfs)  # the interrupt lands in this thread's own fsync
        with pytest.raises(KeyboardInterrupt):
            log.sync(lsn, interruptible=True)
        helper.join(10)
        assert log.durable_lsn == lsn and not log.failed
        log.sync(log.enqueue(payload(3)), interruptible=True)
        statistics = log.statistics()
    assert statistics.records == 3 and statistics.bytes == sum(
        RECORD_HEADER_SIZE + len(payload(n)) for n in range(1, 4)
    )
    assert replay(directory)[2] == expected(range(1, 4))  # each record once, in order
