"""Helpers shared by the WAL tests (no tests here): deterministic payloads, writing and replaying logs."""

from __future__ import annotations

from pathlib import Path

from quietus.engine.wal import Vfs, WriteAheadLog, init_data_directory, recover


def payload(lsn: int, generation: int = 0) -> bytes:
    """A payload that names its LSN, of a length that varies from record to record."""
    return (b"g%d:lsn%d;" % (generation, lsn)) * (1 + lsn % 7)


def data_directory(root: Path) -> Path:
    directory = root / "data"
    init_data_directory(directory)
    return directory


def append_records(
    directory: Path,
    lsns: range,
    *,
    vfs: Vfs | None = None,
    segment_size: int = 64 << 20,
    generation: int = 0,
) -> None:
    """Open the log, append ``payload(lsn)`` for each LSN (which must be the next ones), close."""
    with WriteAheadLog.open(directory, vfs, segment_size) as log:
        futures = [log.append(payload(lsn, generation)) for lsn in lsns]
        assert [future.result(timeout=10) for future in futures] == list(lsns)


def replay(directory: Path, vfs: Vfs | None = None) -> tuple[int, list[bytes], list[tuple[int, bytes]]]:
    """(checkpoint LSN, checkpoint chunks, records after it), as recovery hands them out."""
    recovered = recover(directory, vfs)
    return recovered.checkpoint_lsn, list(recovered.checkpoint_chunks()), list(recovered.records())


def expected(lsns: range, generation: int = 0) -> list[tuple[int, bytes]]:
    return [(lsn, payload(lsn, generation)) for lsn in lsns]


def segments(directory: Path) -> list[Path]:
    return sorted((directory / "wal").glob("*.log"))
