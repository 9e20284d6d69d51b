"""The write-ahead log writer: group commit by one writer at a time.

The engine thread calls ``append``; the writer thread makes records durable in batches, so many
commits share one fsync. An embedded caller (a request run on its own thread) calls ``enqueue`` and
then ``sync``, and writes the batch itself when nobody else is writing (it *leads*). The record
format is in segment.py.

Group-commit state machine (transitions name the code behind them)::

    IDLE --append() queues the first record, notify--> WRITING by the writer thread
    IDLE --sync() finds the queue idle: takes it (a _Flight, or the batch)--> WRITING by that caller
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
  7. A caller that may receive an asynchronous exception (the main thread, where Python raises
     Ctrl-C) leads only a batch that fits the segment, as a ``_Flight``: the same bytes at the same
     offset, written and fsynced again if an interrupt cut it short, landed once, and let go (with
     ``_writing``) last. An interrupt is held until the caller's record is durable, then raised.
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


class _Flight:
    """A batch that fits the segment being written, as one write planned before any I/O: the same bytes at the same
    offset, so the write and the fsync can be done again by a caller an interrupt cut short (invariant 7)."""

    __slots__ = ("allocated", "batch", "data", "end", "offset", "owner", "synced")

    def __init__(self, batch: list[_Entry], data: bytes, offset: int, end: int, allocated: int) -> None:
        self.batch = batch
        self.data = data  # the records, then the zeros the segment grows by (PREALLOCATE)
        self.offset = offset
        self.end = end  # where the records end
        self.allocated = allocated
        self.owner = threading.get_ident()
        self.synced = False


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
        self._flight: _Flight | None = None  # the batch a caller is writing, until it has landed
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

    def sync(self, lsn: int, *, interruptible: bool = False) -> None:
        """Block until record ``lsn`` (from ``enqueue``) is durable; raise ``LogFailed`` if it cannot be.

        When no batch is being written the caller becomes the writer: it takes the whole queue (its own record and
        any queued behind it) and writes and fsyncs it on its own thread; while a batch is in flight it waits, then
        leads the next one if its record is still queued, so commits arriving during an fsync still share the next
        one.  ``interruptible``: the caller may receive an asynchronous exception (the main thread, Ctrl-C); it then
        leads only a batch that fits the segment (a ``_Flight``, written again if an interrupt cut it short) and
        leaves roll-overs to the writer thread.  An interrupt is held until the record is durable, then raised."""
        interrupt: BaseException | None = None
        while True:
            try:
                flight = self._flight
                if flight is not None and flight.owner == threading.get_ident():
                    self._fly(flight)  # ours, cut short by an interrupt: write it again, then land it
                elif self._sync_turn(lsn, interruptible):
                    break
            except Exception:
                raise
            except BaseException as caught:  # Ctrl-C: go on, raise it once the record is durable
                interrupt = interrupt or caught
        if interrupt is not None:
            raise interrupt

    def _sync_turn(self, lsn: int, interruptible: bool) -> bool:
        """True once record ``lsn`` is durable; else lead one batch (False: look again)."""
        flight: _Flight | None = None
        batch: list[_Entry] | None = None
        with self._lock:
            if lsn > self._last_lsn:
                raise WalMisuse(f"sync of LSN {lsn}, beyond the last one assigned ({self._last_lsn})")
            while batch is None and flight is None:
                if self._durable_lsn >= lsn:
                    return True
                if self._failure is not None:
                    raise self._failed()
                if not self._writing and self._queue:
                    planned, rest = self._plan(self._queue)
                    if not rest:  # one statement: no interrupt between taking the queue and holding it
                        flight, self._flight, self._queue, self._writing = planned, planned, [], True
                        break
                    if not interruptible:
                        batch = self._take_batch()
                        break
                    self._wake.notify()  # a roll-over: the writer thread's
                self._durable.wait()
        if flight is not None:
            self._fly(flight)
        elif batch is not None:
            self._write_out(batch)
        return False

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

    def _plan(self, batch: list[_Entry]) -> tuple[_Flight, list[_Entry]]:
        """The longest head of ``batch`` that fits the segment being written, as one write; and the records left
        for the next segment (roll-over rule: a record that would push a non-empty segment past the segment size
        starts a new one, so a larger record gets a segment of its own)."""
        segment = self._segment
        parts: list[bytes] = []
        size = segment.size
        for position, (lsn, payload, _future) in enumerate(batch):
            record_size = RECORD_HEADER_SIZE + len(payload)
            if size + record_size > self._segment_size and size > HEADER_SIZE:
                head, rest = batch[:position], batch[position:]
                break
            parts.extend(encode_record(segment.seed, lsn, payload))
            size += record_size
        else:
            head, rest = batch, []
        allocated = self._grown(segment, size)
        zeros = bytes(allocated - size) if allocated > segment.allocated else b""  # the file grows: zeros after
        return _Flight(head, b"".join(parts) + zeros, segment.size, size, allocated), rest

    def _fly(self, flight: _Flight) -> None:
        """Write and fsync ``flight`` (unless done), land it, resolve its futures, then let the next writer go.  Each
        step may be done again after an interrupt; ``_flight`` is let go last, with ``_writing``."""
        segment = self._segment
        started = time.perf_counter()
        if not flight.synced:
            try:
                segment.file.write_at(flight.data, flight.offset)
                self._sync(segment.file)
            except Exception as error:
                self._fail(flight.batch, error)
                raise self._failed() from error
            flight.synced = True
        with self._lock:
            if self._durable_lsn < flight.batch[-1][0]:
                segment.size, segment.allocated = flight.end, flight.allocated
                self._counts["bytes"] += flight.end - flight.offset
                self._land(flight.batch, time.perf_counter() - started)
        self._resolve(flight.batch)
        with self._lock:
            self._durable.notify_all()
            self._wake_writer_if_needed()
            self._flight, self._writing = None, False

    def _write_out(self, batch: list[_Entry]) -> None:
        """Write and fsync ``batch``, then publish it durable and resolve its futures; raise ``LogFailed`` (after
        failing the log) if the write or fsync fails or is interrupted part-way.

        The next writer is let go before the futures are resolved (each resolution may be a system call waking an
        event loop), so commits waiting in ``sync`` do not wait for them.  ``_fly`` does the opposite on purpose: an
        interrupt can cut a caller short, and only a flight still held is done again, so it resolves first."""
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
            self._land(batch, took)
            self._writing = False
            self._durable.notify_all()  # callers in ``sync``: durable, or one of them leads the next batch
            self._wake_writer_if_needed()
        self._resolve(batch)

    def _land(self, batch: list[_Entry], took: float) -> None:
        """Under the lock: ``batch`` is on disk."""
        self._durable_lsn = batch[-1][0]
        self._counts["records"] += len(batch)
        self._counts["batches"] += 1
        self._flush_seconds += took
        for position, bound in enumerate(FLUSH_BUCKETS):
            if took <= bound:
                self._flush_buckets[position] += 1

    def _wake_writer_if_needed(self) -> None:
        """Under the lock, a batch written: records no caller waits for in ``sync`` are the writer thread's."""
        if self._closed or any(future is not None for _lsn, _payload, future in self._queue):
            self._wake.notify()

    @staticmethod
    def _resolve(batch: list[_Entry]) -> None:
        for lsn, _payload, future in batch:
            if future is not None:
                with contextlib.suppress(InvalidStateError):  # cancelled by its waiter: see invariant 6
                    future.set_result(lsn)

    def _write_batch(self, batch: list[_Entry]) -> None:
        """Write ``batch`` (rolling over as often as it needs) and fsync it: the writer thread's, and a caller's that
        no interrupt can reach."""
        pending = batch
        while True:
            flight, pending = self._plan(pending)
            segment = self._segment
            if flight.batch:
                segment.file.write_at(flight.data, flight.offset)
                segment.size, segment.allocated = flight.end, flight.allocated
                self._counts["bytes"] += flight.end - flight.offset
            if not pending:
                self._sync(segment.file)
                return
            self._seal(segment)
            self._roll_over(pending[0][0])

    def _grown(self, segment: _Segment, end: int) -> int:
        """The segment's length once records reach ``end``: as it is, or grown ahead in zeros (PREALLOCATE)."""
        if end <= segment.allocated:
            return segment.allocated
        return max(end, min(segment.allocated + PREALLOCATE, self._segment_size))

    def _seal(self, segment: _Segment) -> None:
        """The segment's file ends exactly after its last record, durably (before the next segment is created: the
        chain rule and invariant 4).  Always fsynced: a reopened segment may have been cut back by ``close`` without
        an fsync, and a power cut would bring its zeros back, ending the log before the next segment."""
        if segment.allocated > segment.size:
            segment.file.truncate(segment.size)
            segment.allocated = segment.size
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
            self._flight = None
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
