"""Recovery: the newest valid checkpoint, then every valid log record after its LSN, in order.

Only committed transactions reach the log (redo at commit, no undo), so replaying the records after
the checkpoint over the checkpoint's state rebuilds exactly the committed state.

Invariants:
  1. ``recover`` only reads; it never changes a file. Repairing the tail (truncating a torn record,
     setting aside segments that are no longer part of the log) is ``WriteAheadLog.open``'s job, so an
     inspection tool can run recovery on a live copy safely.
  2. The checkpoint used is the newest one that passes every check; an invalid one is skipped (and
     named in ``Recovered.invalid_checkpoints``), never half used.
  3. The log read starts in the last segment whose first LSN is <= checkpoint LSN + 1 and follows the
     chain (segment.py): each next segment must start at the previous one's last LSN + 1 and the
     previous one must have ended cleanly. The log ends at the first invalid record or broken link.
  4. Records come out with LSNs checkpoint LSN + 1, + 2, ... without a gap. If no segment can hold
     checkpoint LSN + 1 but later segments exist, records are missing and ``CorruptLog`` is raised:
     replaying past a hole would resurrect a state that never existed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from quietus.engine.wal.checkpoint import is_valid_checkpoint, list_checkpoints, read_checkpoint
from quietus.engine.wal.datadir import CHECKPOINT_DIR, WAL_DIR
from quietus.engine.wal.exceptions import CorruptLog, WalMisuse
from quietus.engine.wal.segment import SegmentReader, Stop, list_segments
from quietus.engine.wal.vfs import OsVfs, Vfs


@dataclasses.dataclass(frozen=True, slots=True)
class LogEnd:
    """Where the valid log ends: what ``WriteAheadLog.open`` needs to repair the tail and go on."""

    segment: Path | None
    """The last segment of the log (new records go there), or None when there is none."""
    salt: int
    offset: int
    """Offset in ``segment`` just past its last valid record."""
    file_size: int
    """Size of ``segment`` when it was read; more than ``offset`` means a tail to cut off."""
    lsn: int
    """The last valid LSN in the log; may be below the checkpoint's if the log lagged behind it."""
    stop: Stop
    beyond: tuple[Path, ...]
    """Segment files after the end: not part of the log."""


class Recovered:
    """The result of ``recover``: a checkpoint to load, then records to replay. Both stream from disk."""

    def __init__(
        self,
        vfs: Vfs,
        directory: Path,
        checkpoint_lsn: int,
        checkpoint: Path | None,
        invalid_checkpoints: tuple[Path, ...],
    ) -> None:
        self.vfs = vfs
        self.directory = directory
        self.checkpoint_lsn = checkpoint_lsn
        self.checkpoint = checkpoint
        self.invalid_checkpoints = invalid_checkpoints
        self.end: LogEnd | None = None
        """Set once ``records()`` has been read to its end."""

    def checkpoint_chunks(self) -> Iterator[bytes]:
        if self.checkpoint is not None:
            yield from read_checkpoint(self.vfs, self.checkpoint, self.checkpoint_lsn)

    def records(self) -> Iterator[tuple[int, bytes]]:
        """(LSN, payload) of every valid record after the checkpoint, in LSN order."""
        scan = _LogScan(self.vfs, self.directory / WAL_DIR, self.checkpoint_lsn)
        yield from scan.records()
        self.end = scan.end

    def log_end(self) -> LogEnd:
        """Where the log ends, reading it (without keeping payloads) unless ``records()`` already did."""
        if self.end is None:
            for _record in self.records():
                pass
        assert self.end is not None
        return self.end


def recover(directory: Path, vfs: Vfs | None = None) -> Recovered:
    """Choose the checkpoint and check that the log can continue it. Reads; changes nothing."""
    vfs = vfs or OsVfs()
    try:
        checkpoints = list_checkpoints(vfs, directory / CHECKPOINT_DIR)
        segments = list_segments(vfs, directory / WAL_DIR)
    except FileNotFoundError as missing:
        raise WalMisuse(f"{directory} is not a data directory (see init_data_directory)") from missing
    invalid = []
    chosen_lsn, chosen = 0, None
    for lsn, path in reversed(checkpoints):
        if is_valid_checkpoint(vfs, path, lsn):
            chosen_lsn, chosen = lsn, path
            break
        invalid.append(path)
    _chain_start(segments, chosen_lsn)
    return Recovered(vfs, directory, chosen_lsn, chosen, tuple(invalid))


def _chain_start(segments: list[tuple[int, Path]], checkpoint_lsn: int) -> int:
    """Index of the segment that holds checkpoint LSN + 1 (len(segments) when there is none at all)."""
    holders = [index for index, (first_lsn, _path) in enumerate(segments) if first_lsn <= checkpoint_lsn + 1]
    if holders:
        return holders[-1]
    if segments:
        raise CorruptLog(
            f"the log starts at LSN {segments[0][0]} but the checkpoint ends at LSN {checkpoint_lsn}: "
            f"records {checkpoint_lsn + 1} to {segments[0][0] - 1} are missing"
        )
    return 0


class _LogScan:
    def __init__(self, vfs: Vfs, wal_directory: Path, after_lsn: int) -> None:
        self.vfs = vfs
        self.segments = list_segments(vfs, wal_directory)
        self.after_lsn = after_lsn
        self.end = LogEnd(None, 0, 0, 0, after_lsn, Stop.END_OF_FILE, ())

    def records(self) -> Iterator[tuple[int, bytes]]:
        chain = self.segments[_chain_start(self.segments, self.after_lsn) :]
        after = self.after_lsn
        for index, (first_lsn, path) in enumerate(chain):
            if index and (self.end.stop is not Stop.END_OF_FILE or first_lsn != self.end.lsn + 1):
                self._stop_before(chain, index)
                return
            reader = SegmentReader(self.vfs, path, first_lsn)
            for lsn, payload in reader.records():
                if lsn > after:
                    yield lsn, payload
            if reader.salt is None:  # no valid header: the segment is not part of the log
                self._stop_before(chain, index)
                return
            self.end = LogEnd(
                path, reader.salt, reader.end_offset, reader.file_size, reader.last_lsn, reader.stop, ()
            )

    def _stop_before(self, chain: list[tuple[int, Path]], index: int) -> None:
        beyond = tuple(path for _first, path in chain[index:])
        if index == 0:  # even the first segment is unusable: the log holds nothing after the checkpoint
            self.end = LogEnd(None, 0, 0, 0, self.after_lsn, Stop.BAD_HEADER, beyond)
        else:
            self.end = dataclasses.replace(self.end, beyond=beyond)
