"""Durability: the write-ahead log, checkpoints and recovery, payload-agnostic.

The engine encodes each committed transaction as one opaque payload and appends it; this layer frames,
checksums, writes, fsyncs (group commit on one writer thread), checkpoints, truncates and recovers
bytes. Formats: segment.py (log) and checkpoint.py. Design note: docs/design/wal.md.
"""

from quietus.engine.wal.checkpoint import write_checkpoint
from quietus.engine.wal.datadir import DataDirectoryLock, init_data_directory
from quietus.engine.wal.exceptions import (
    CorruptCheckpoint,
    CorruptLog,
    DataDirectoryInUse,
    LogFailed,
    UnsupportedDataDirectory,
    WalError,
    WalMisuse,
)
from quietus.engine.wal.log import LogStatistics, WriteAheadLog
from quietus.engine.wal.recovery import LogEnd, Recovered, recover
from quietus.engine.wal.vfs import OsVfs, Vfs, VfsFile

__all__ = [
    "CorruptCheckpoint",
    "CorruptLog",
    "DataDirectoryInUse",
    "DataDirectoryLock",
    "LogEnd",
    "LogFailed",
    "LogStatistics",
    "OsVfs",
    "Recovered",
    "UnsupportedDataDirectory",
    "Vfs",
    "VfsFile",
    "WalError",
    "WalMisuse",
    "WriteAheadLog",
    "init_data_directory",
    "recover",
    "write_checkpoint",
]
