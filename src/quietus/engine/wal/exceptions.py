"""What the durability layer raises.

Two families, split at the boundary as h11 does: ``WalMisuse`` means the caller broke the API contract
(a bug in the engine); every other ``WalError`` means the disk or the files misbehaved.
"""

from __future__ import annotations

from pathlib import Path


class WalError(Exception):
    """Base of everything this package raises on purpose."""


class WalMisuse(WalError):
    """The caller broke the contract: appended to a closed log, checkpointed backwards, ..."""


class LogFailed(WalError):
    """A write or fsync of the log failed. The log stays failed: no later commit can be made durable.

    Like PostgreSQL's PANIC after a failed fsync, the only way on is a restart and recovery. A commit
    whose future failed with this is in doubt: its record may or may not have reached the disk.
    """


class CorruptLog(WalError):
    """The files cannot form a log recovery may trust (for example a gap after the checkpoint)."""


class CorruptCheckpoint(WalError):
    """A checkpoint file failed its checks while it was being read."""


class DataDirectoryInUse(WalError):
    """Another process (or another lock object in this one) holds the data directory."""

    def __init__(self, directory: Path, holder_pid: int | None) -> None:
        holder = f"process {holder_pid}" if holder_pid is not None else "another process"
        super().__init__(f"data directory {directory} is in use by {holder}")
        self.directory = directory
        self.holder_pid = holder_pid


class UnsupportedDataDirectory(WalError):
    """The data directory was written by an incompatible version of Quietus."""
