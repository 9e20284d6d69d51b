"""The group-commit writer: LSN order, batching, durability before resolution, the failed state."""

from __future__ import annotations

import asyncio
import errno
from pathlib import Path

import pytest

from quietus.engine.wal import LogFailed, WalMisuse, WriteAheadLog, write_checkpoint
from quietus.engine.wal.faulty_vfs import FaultyVfs
from quietus.engine.wal.segment import HEADER_SIZE, RECORD_HEADER_SIZE, parse_segment_file_name
from tests.unit.test_wal_support import append_records, data_directory, expected, payload, replay, segments


def test_lsns_follow_append_order_and_futures_resolve_with_them(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    with WriteAheadLog.open(directory) as log:
        assert (log.last_lsn, log.durable_lsn) == (0, 0)
        futures = [log.append(payload(lsn)) for lsn in range(1, 51)]
        assert log.last_lsn == 50
        assert [future.result(timeout=10) for future in futures] == list(range(1, 51))
        assert log.durable_lsn == 50
    assert replay(directory)[2] == expected(range(1, 51))


def test_group_commit_shares_one_fsync_among_the_appends_that_queued_behind_it(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    with WriteAheadLog.open(directory, vfs) as log:
        before = vfs.counts["fsync"]
        vfs.hold_fsyncs()
        first = log.append(payload(1))
        assert vfs.fsync_entered.wait(10)  # the writer is inside the first batch's fsync
        queued = [log.append(payload(lsn)) for lsn in range(2, 101)]
        assert not first.done() and log.durable_lsn == 0  # not resolved before its fsync returns
        vfs.release_fsyncs()
        assert [future.result(timeout=10) for future in [first, *queued]] == list(range(1, 101))
        statistics = log.statistics()
    assert vfs.counts["fsync"] - before == 2
    assert (statistics.records, statistics.batches, statistics.average_batch) == (100, 2, 50.0)
    assert statistics.bytes == sum(RECORD_HEADER_SIZE + len(payload(lsn)) for lsn in range(1, 101))
    assert replay(directory)[2] == expected(range(1, 101))


def test_the_log_works_under_asyncio(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)

    async def commit_all(log: WriteAheadLog) -> list[int]:
        return list(
            await asyncio.gather(*(asyncio.wrap_future(log.append(payload(n))) for n in range(1, 21)))
        )

    with WriteAheadLog.open(directory) as log:
        assert asyncio.run(commit_all(log)) == list(range(1, 21))


@pytest.mark.parametrize(("operation", "error"), [("fsync", errno.EIO), ("write", errno.ENOSPC)])
def test_a_failed_write_or_fsync_fails_the_batch_and_every_later_append(
    tmp_path: Path, operation: str, error: int
) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    log = WriteAheadLog.open(directory, vfs)
    assert log.append(payload(1)).result(timeout=10) == 1
    vfs.fail_next(operation, error)
    doomed = log.append(payload(2))
    with pytest.raises(LogFailed) as failure:
        doomed.result(timeout=10)
    assert isinstance(failure.value.__cause__, OSError)
    assert log.failed and log.durable_lsn == 1
    operations = dict(vfs.counts)
    later = log.append(payload(3))
    with pytest.raises(LogFailed):
        later.result(timeout=10)
    with pytest.raises(LogFailed):
        log.flush()
    assert vfs.counts == operations  # the failed log touches the disk no more
    log.close()


def test_records_queued_behind_a_failed_batch_fail_too(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    log = WriteAheadLog.open(directory, vfs)
    vfs.hold_fsyncs()
    in_flight = log.append(payload(1))
    assert vfs.fsync_entered.wait(10)
    queued = [log.append(payload(lsn)) for lsn in range(2, 6)]
    vfs.fail_next("fsync")  # the fsync the writer is waiting in fails once released
    vfs.release_fsyncs()
    for future in [in_flight, *queued]:
        with pytest.raises(LogFailed):
            future.result(timeout=10)
    assert log.durable_lsn == 0
    log.close()


def test_a_cancelled_future_keeps_its_record_in_the_log(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    vfs = FaultyVfs()
    with WriteAheadLog.open(directory, vfs) as log:
        vfs.hold_fsyncs()
        first = log.append(payload(1))
        assert vfs.fsync_entered.wait(10)
        cancelled = log.append(payload(2))
        assert cancelled.cancel()
        last = log.append(payload(3))
        vfs.release_fsyncs()
        assert (first.result(timeout=10), last.result(timeout=10)) == (1, 3)
    assert replay(directory)[2] == expected(range(1, 4))


def test_append_copies_a_mutable_buffer_and_refuses_a_closed_log(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    log = WriteAheadLog.open(directory)
    buffer = bytearray(b"before")
    future = log.append(buffer)  # type: ignore[arg-type]
    buffer[:] = b"AFTER!"
    assert future.result(timeout=10) == 1
    log.close()
    log.close()  # idempotent
    with pytest.raises(WalMisuse):
        log.append(b"late")
    assert replay(directory)[2] == [(1, b"before")]


def test_flush_waits_for_everything_appended(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    with WriteAheadLog.open(directory) as log:
        futures = [log.append(payload(lsn)) for lsn in range(1, 201)]
        log.flush()
        assert log.durable_lsn == 200  # durable when flush returns; the futures are resolved just after landing
        assert [future.result(timeout=10) for future in futures] == list(range(1, 201))


def test_reopening_continues_the_lsn_sequence(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 11))
    append_records(directory, range(11, 21))
    assert replay(directory)[2] == expected(range(1, 21))
    assert len(segments(directory)) == 1


def test_a_log_that_lags_behind_the_checkpoint_continues_after_the_checkpoint(tmp_path: Path) -> None:
    """The checkpoint may hold commits whose log records never reached the disk."""
    directory = data_directory(tmp_path)
    append_records(directory, range(1, 11))
    write_checkpoint(directory, 15, [b"state at 15"])
    with WriteAheadLog.open(directory) as log:
        assert log.last_lsn == 15
        assert log.append(payload(16)).result(timeout=10) == 16
    assert [parse_segment_file_name(path.name) for path in segments(directory)] == [1, 16]
    assert replay(directory) == (15, [b"state at 15"], expected(range(16, 17)))


def test_statistics_count_roll_over(tmp_path: Path) -> None:
    directory = data_directory(tmp_path)
    with WriteAheadLog.open(directory, segment_size=HEADER_SIZE + 200) as log:
        for lsn in range(1, 31):
            log.append(payload(lsn)).result(timeout=10)
        statistics = log.statistics()
    assert statistics.segments == len(segments(directory)) > 1
    assert statistics.records == statistics.batches == 30
    # a roll-over: the full segment cut back to its last record and fsynced, the new one's header and its directory
    assert statistics.fsyncs == 30 + 3 * (statistics.segments - 1)
    assert all(path.stat().st_size <= HEADER_SIZE + 200 for path in segments(directory))  # no zeros left after close


def test_segment_size_must_leave_room_for_records(tmp_path: Path) -> None:
    with pytest.raises(WalMisuse):
        WriteAheadLog.open(data_directory(tmp_path), segment_size=HEADER_SIZE)
