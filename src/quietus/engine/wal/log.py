"""The write-ahead log writer: group commit by one writer at a time.

The engine thread calls ``append``; the writer thread makes records durable in batches, so many
commits share one fsync. An embedded caller (a request run on its own thread) calls ``enqueue`` and
then ``sync``, and writes the batch itself when nobody else is writing (it *leads*). The record
format is in segment.py.

Group-commit state machine (transitions name the code behind them)::

    IDLE --append() queues the first record, notify--> WRITING by the writer thread
    IDLE --sync() finds the queue idle: _take_batch--> WRITING by that caller
    WRITING --take the whole queue as one batch; write; fsync; publish; resolve futures--> IDLE
        (queued meanwhile: waiting callers wake and one leads; futures wake the writer thread)
    WRITING --a write or fsync raises--> FAILED   (_fail: the batch and the queue fail; no thread left)
    IDLE --close()--> CLOSED   (after draining the queue)

Invariants:
  1. LSNs are assigned by ``append`` / ``enqueue`` under the queue lock, by the engine's owner: LSN
     order = append order = commit order, with no gap.
  2. One writer at a time (``_writing``): the queue is written in LSN order; a batch is written with
     one write per segment, then fsynced, and only then are its futures resolved and ``sync`` returns:
     a resolved future or a returned ``sync`` means the record is on disk.
  3. ``durable_lsn`` only grows, and every record <= it is on disk.
  4. Roll-over: a segment is cut back to its last record and fsynced before the next one is created
     (header written, file and directory fsynced), so a segment never starts while its predecessor
     could still lose a record, and a finished segment ends exactly after its last record.
  5. FAILED is final. After a failed (or interrupted) write or fsync the state of the file is unknown
     (the kernel may have dropped the dirty pages, as PostgreSQL learned), so no later commit is ever
     reported durable: pending and later futures, and waiting callers, fail with ``LogFailed``. The
     commits of the failed batch are in doubt.
  6. A future cancelled by its waiter does not take its record out of the log: the LSN is assigned
     and later records depend on it. The record is still written; only the result is not delivered.
  7. Only a thread that cannot receive an asynchronous exception (not the main thread, where Python
     raises Ctrl-C) leads; an interrupt while a caller waits is held until its record is durable.
  8. The segment being written may be longer than its records (``PREALLOCATE``): what follows the
     last record is zeros, which recovery reads as the end of the log.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from quietus.engine.wal.datadir import WAL_DIR
from quietus.engine.wal.exceptions import LogFailed, WalMisuse
from quietus.engine.wal.recovery import LogEnd, Recovered, recover
from quietus.engine.wal.segment import (
    HEADER_SIZE,
    MAX_PAYLOAD,
    RECORD_HEADER_SIZE,
    encode_header,
    encode_record,
    salt_seed,
    segment_file_name,
)
from quietus.engine.wal.vfs import OsVfs, Vfs, VfsFile

DEFAULT_SEGMENT_SIZE = 64 << 20
DISCARDED_SUFFIX = ".discarded"


# Upper bounds (seconds) of the flush-latency histogram, Prometheus's default buckets; the last is +Inf.
FLUSH_BUCKETS: tuple[float, ...] = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))


@dataclass(frozen=True, slots=True)
class LogStatistics:
    records: int
    """Records made durable."""
    bytes: int
    """Bytes written to segments, framing included."""
    batches: int
    """Group commits: rounds of write + fsync."""
    fsyncs: int
    """fsync calls of the writer, of segment files and of the directory (at roll-over)."""
    segments: int
    """Segment files created."""
    flush_buckets: tuple[int, ...] = ()
    """Group commits by how long their write + fsync took: counts per ``FLUSH_BUCKETS`` upper bound (cumulative)."""
    flush_seconds: float = 0.0
    """Total time of those writes + fsyncs."""

    @property
    def average_batch(self) -> float:
        return self.records / self.batches if self.batches else 0.0


# The segment being written grows ahead of its records by this much, in zeros written and fsynced once: the records
# then overwrite them, and fdatasync of a write that leaves the file's size alone flushes the data without a journal
# commit for the size (on ext4 about a third less per commit).  Recovery reads the zeros as the end of the log (an
# LSN out of sequence) and cuts them off, as a torn tail; a finished segment is cut back to its last record first.
PREALLOCATE = 1 << 20


class _Segment:
    """The segment the writer appends to: ``size`` bytes hold records, the file is ``allocated`` bytes long."""

    __slots__ = ("allocated", "file", "path", "seed", "size")

    def __init__(self, file: VfsFile, path: Path, salt: int, size: int) -> None:
        self.file = file
        self.path = path
        self.seed = salt_seed(salt)
        self.size = size
        self.allocated = size


_Entry = tuple[int, bytes, "Future[int] | None"]  # no future: a caller waits for it in ``sync``


class WriteAheadLog:
    """Appends records and makes them durable with group commit. Build it with ``open``."""

    def __init__(
        self, vfs: Vfs, wal_directory: Path, segment_size: int, segment: _Segment, last_lsn: int
    ) -> None:
        self._vfs = vfs
        self._wal_directory = wal_directory
        self._segment_size = segment_size
        self._segment = segment
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._durable = threading.Condition(self._lock)
        self._queue: list[_Entry] = []
        self._writing = False  # a batch is being written (by the writer thread or a caller in ``sync``)
        self._last_lsn = last_lsn
        self._durable_lsn = last_lsn
        self._failure: BaseException | None = None
        self._closed = False
        self._counts = {"records": 0, "bytes": 0, "batches": 0, "fsyncs": 0, "segments": 0}
        self._flush_buckets = [0] * len(FLUSH_BUCKETS)  # cumulative, as Prometheus histograms count
        self._flush_seconds = 0.0
        self._thread = threading.Thread(target=self._run, name="quietus-wal-writer", daemon=True)
        self._thread.start()

    # ---- opening -------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: Path,
        vfs: Vfs | None = None,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
        *,
        recovered: Recovered | None = None,
    ) -> WriteAheadLog:
        """Repair the log's tail and position for appending after its last valid record.

        ``directory`` is the data directory. Pass the ``Recovered`` the engine replayed from (after
        reading all its records) to skip a second read of the log; the caller must hold the data
        directory lock, so nothing changed since.
        """
        if segment_size <= HEADER_SIZE:
            raise WalMisuse(f"segment size {segment_size} leaves no room after the {HEADER_SIZE}-byte header")
        vfs = vfs or OsVfs()
        recovered = recovered or recover(directory, vfs)
        end = recovered.log_end()
        wal_directory = directory / WAL_DIR
        _repair_tail(vfs, wal_directory, end)
        last_lsn = max(end.lsn, recovered.checkpoint_lsn)
        if end.segment is not None and end.lsn == last_lsn:
            segment = _Segment(vfs.open(end.segment, "update"), end.segment, end.salt, end.offset)
            log = cls(vfs, wal_directory, segment_size, segment, last_lsn)
        else:
            # No segment, or the log lags behind the checkpoint: the next record starts a new segment.
            segment = _create_segment(vfs, wal_directory, last_lsn + 1)
            log = cls(vfs, wal_directory, segment_size, segment, last_lsn)
            log._counts["segments"] = 1
        return log

    # ---- the engine thread's face --------------------------------------------------------------

    def append(self, payload: bytes) -> Future[int]:
        """Queue a record; the future resolves with its LSN once it is durable. Never blocks."""
        if type(payload) is not bytes:
            payload = bytes(payload)  # a caller's mutable buffer must not change under the writer
        if len(payload) > MAX_PAYLOAD:
            raise WalMisuse(f"log record of {len(payload)} bytes exceeds the limit of {MAX_PAYLOAD}")
        future: Future[int] = Future()
        with self._lock:
            if self._closed:
                raise WalMisuse("append to a closed write-ahead log")
            if self._failure is not None:
                future.set_exception(self._failed())
                return future
            self._last_lsn += 1
            self._queue.append((self._last_lsn, payload, future))
            if len(self._queue) == 1:
                self._wake.notify()
        return future

    def enqueue(self, payload: bytes) -> int:
        """Queue a record for the caller to make durable with ``sync(lsn)`` at once (its LSN is returned); no
        future, and the writer thread is not woken: ``sync`` writes it on the caller's thread or waits for the
        batch that covers it."""
        if type(payload) is not bytes:
            payload = bytes(payload)
        if len(payload) > MAX_PAYLOAD:
            raise WalMisuse(f"log record of {len(payload)} bytes exceeds the limit of {MAX_PAYLOAD}")
        with self._lock:
            if self._closed:
                raise WalMisuse("append to a closed write-ahead log")
            if self._failure is not None:
                raise self._failed()
            self._last_lsn += 1
            self._queue.append((self._last_lsn, payload, None))
            return self._last_lsn

    def sync(self, lsn: int, *, lead: bool = True) -> None:
        """Block until record ``lsn`` (from ``enqueue``) is durable; raise ``LogFailed`` if it cannot be.

        With ``lead``, when no batch is being written the caller becomes the writer: it takes the whole queue (its
        own record and any queued behind it) and writes and fsyncs it on its own thread; while a batch is in flight
        it waits, then leads the next one if its record is still queued, so commits arriving during an fsync still
        share the next one.  Without ``lead`` the writer thread writes it.  An interrupt (Ctrl-C) raised while the
        caller waits is held until the record is durable, then raised; a write or fsync cut short by one would
        leave the log's state unknown, so a thread that receives signals (the main thread) must not lead."""
        interrupt: BaseException | None = None
        while True:
            with self._lock:
                if lsn > self._last_lsn:
                    raise WalMisuse(f"sync of LSN {lsn}, beyond the last one assigned ({self._last_lsn})")
                batch = None
                while self._durable_lsn < lsn and self._failure is None:
                    if not self._writing and self._queue:
                        if lead:
                            batch = self._take_batch()
                            break
                        self._wake.notify()
                    try:
                        self._durable.wait()
                    except Exception:
                        raise
                    except BaseException as caught:  # Ctrl-C: wait on, raise it once the record is durable
                        interrupt = interrupt or caught
                if batch is None:
                    if self._durable_lsn < lsn:
                        raise self._failed() from interrupt
                    break
            self._write_out(batch)
        if interrupt is not None:
            raise interrupt

    @property
    def last_lsn(self) -> int:
        """The last LSN assigned."""
        return self._last_lsn

    @property
    def durable_lsn(self) -> int:
        """Every record with an LSN up to this one is on disk."""
        return self._durable_lsn

    @property
    def failed(self) -> bool:
        return self._failure is not None

    def statistics(self) -> LogStatistics:
        with self._lock:
            buckets = tuple(self._flush_buckets)
            return LogStatistics(**self._counts, flush_buckets=buckets, flush_seconds=self._flush_seconds)

    def flush(self) -> None:
        """Block until every record appended so far is durable; raise ``LogFailed`` if it cannot be."""
        with self._lock:
            target = self._last_lsn
            while self._durable_lsn < target and self._failure is None:
                self._durable.wait()
            if self._durable_lsn < target:
                raise self._failed()

    def close(self) -> None:
        """Make the queued records durable (or fail them), stop the writer, close the segment."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._wake.notify()
        self._thread.join()
        segment = self._segment
        if self._failure is None and segment.allocated > segment.size:
            # A clean end for the next reader.  Not fsynced, and allowed to fail: zeros that come back (or stay)
            # are cut off by recovery as a torn tail is.
            with contextlib.suppress(Exception):  # OSError, or a test Vfs's simulated crash
                segment.file.truncate(segment.size)
        self._segment.file.close()

    def __enter__(self) -> WriteAheadLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    # ---- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._lock:
                while not (self._failure is not None or (not self._writing and (self._queue or self._closed))):
                    self._wake.wait()
                if not self._queue or self._failure is not None:
                    return  # closed with nothing left (nobody writing), or failed
                batch = self._take_batch()
            with contextlib.suppress(LogFailed):  # the batch's futures carry the failure; the thread ends next turn
                self._write_out(batch)

    def _take_batch(self) -> list[_Entry]:
        """Under the lock: the whole queue becomes the batch this thread writes; nobody else writes meanwhile."""
        batch, self._queue = self._queue, []
        self._writing = True
        return batch

    def _write_out(self, batch: list[_Entry]) -> None:
        """Write and fsync ``batch``, then publish it durable and resolve its futures; raise ``LogFailed`` (after
        failing the log) if the write or fsync fails or is interrupted part-way."""
        started = time.perf_counter()
        try:
            self._write_batch(batch)
        except BaseException as error:
            # A Ctrl-C landing inside the write or fsync (a caller writing in ``sync``) leaves their state unknown,
            # as a failed call does: the log cannot go on (invariant 5).
            self._fail(batch, error)
            raise self._failed() from error
        took = time.perf_counter() - started
        with self._lock:
            self._writing = False
            self._durable_lsn = batch[-1][0]
            self._counts["records"] += len(batch)
            self._counts["batches"] += 1
            self._flush_seconds += took
            for position, bound in enumerate(FLUSH_BUCKETS):
                if took <= bound:
                    self._flush_buckets[position] += 1
            self._durable.notify_all()  # callers in ``sync``: durable, or one of them leads the next batch
            if self._closed or any(future is not None for _lsn, _payload, future in self._queue):
                self._wake.notify()  # records no caller waits for in ``sync``: the writer thread's
        for lsn, _payload, future in batch:
            if future is not None:
                with contextlib.suppress(InvalidStateError):  # cancelled by its waiter: see invariant 6
                    future.set_result(lsn)

    def _write_batch(self, batch: list[_Entry]) -> None:
        segment = self._segment
        parts: list[bytes] = []
        size = segment.size
        for lsn, payload, _future in batch:
            record_size = RECORD_HEADER_SIZE + len(payload)
            if size + record_size > self._segment_size and size > HEADER_SIZE:
                if parts:
                    self._write(segment, parts)
                self._seal(segment, written=bool(parts))
                segment = self._roll_over(lsn)
                parts, size = [], segment.size
            parts.extend(encode_record(segment.seed, lsn, payload))
            size += record_size
        self._write(segment, parts)
        self._sync(segment.file)

    def _write(self, segment: _Segment, parts: list[bytes]) -> None:
        data = b"".join(parts)
        end = segment.size + len(data)
        if end > segment.allocated:  # grow ahead in zeros, in the same write (PREALLOCATE)
            segment.allocated = max(end, min(segment.allocated + PREALLOCATE, self._segment_size))
            data += bytes(segment.allocated - end)
        segment.file.write_at(data, segment.size)
        self._counts["bytes"] += end - segment.size
        segment.size = end

    def _seal(self, segment: _Segment, *, written: bool) -> None:
        """The segment's file ends exactly after its last record, durably (before the next segment is created: the
        chain rule and invariant 4); ``written``: records were written since its last fsync."""
        if segment.allocated > segment.size:
            segment.file.truncate(segment.size)
            segment.allocated = segment.size
            written = True
        if written:
            self._sync(segment.file)

    def _sync(self, file: VfsFile) -> None:
        file.fsync()
        self._counts["fsyncs"] += 1

    def _roll_over(self, first_lsn: int) -> _Segment:
        self._segment.file.close()
        self._segment = _create_segment(self._vfs, self._wal_directory, first_lsn)
        self._counts["fsyncs"] += 2
        self._counts["segments"] += 1
        return self._segment

    def _failed(self) -> LogFailed:
        """A fresh exception for one waiter, caused by the error that failed the log."""
        failure = LogFailed(f"the write-ahead log in {self._wal_directory} has failed: {self._failure!r}")
        failure.__cause__ = self._failure
        return failure

    def _fail(self, batch: list[_Entry], error: BaseException) -> None:
        with self._lock:
            self._failure = error
            self._writing = False
            queued, self._queue = self._queue, []
            self._durable.notify_all()
            self._wake.notify()
        for _lsn, _payload, future in batch + queued:
            if future is not None:
                with contextlib.suppress(InvalidStateError):
                    future.set_exception(self._failed())


def _create_segment(vfs: Vfs, wal_directory: Path, first_lsn: int) -> _Segment:
    """A new, empty, durable segment: header written and fsynced, and its name fsynced in the directory."""
    path = wal_directory / segment_file_name(first_lsn)
    salt = secrets.randbits(64)
    file = vfs.open(path, "create")
    try:
        file.write(encode_header(salt, first_lsn))
        file.fsync()
        vfs.fsync_dir(wal_directory)
    except BaseException:
        file.close()
        raise
    return _Segment(file, path, salt, HEADER_SIZE)


def _repair_tail(vfs: Vfs, wal_directory: Path, end: LogEnd) -> None:
    """Cut the torn tail and set aside segments past the end, durably, before anything is appended."""
    for path in end.beyond:
        # Recovery never deletes what it could not read: an operator may want to look at it.
        vfs.rename(path, path.with_name(path.name + DISCARDED_SUFFIX))
    if end.segment is not None and end.file_size > end.offset:
        file = vfs.open(end.segment, "append")
        try:
            file.truncate(end.offset)
            file.fsync()
        finally:
            file.close()
    if end.beyond:
        vfs.fsync_dir(wal_directory)
