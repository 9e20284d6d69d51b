"""Named crash points: the crash torture suite's way to kill the server at an exact moment.

``bench/torture_crash_aimed.py`` needs kill -9 to land in the middle of a rollback, of a recovery, of a checkpoint
and between the phases of two-phase commit.  Timing a SIGKILL from outside rarely hits such a window, so the engine
names its windows here and, only when the server was *started* with the environment variable

    QUIETUS_CRASH_AT=name[:n][,name[:n]...]

kills itself with SIGKILL (the same death as ``kill -9``: no finally blocks, no flush, no atexit) on the n-th time
(1 by default) it passes that point, after writing ``quietus crash point <name> reached`` to its standard error so
that the suite can tell an aimed crash from any other death.

Safety: the variable is read once, when this module is first imported; nothing a client sends can set it, no
setting or statement reaches it, and with it unset ``crash_point`` is one dictionary test.  An unknown name is a
start-up error (a typo must not silently disarm a crash test).
"""

from __future__ import annotations

import os
import signal

ENVIRONMENT = "QUIETUS_CRASH_AT"

# name -> where the process dies (called from engine/database.py, engine/wal/checkpoint.py and server/linked.py)
POINTS: dict[str, str] = {
    "rollback-midway": "a classic rollback has undone half of its records (at least one batch), the rest not yet",
    "recovery-checkpoint": "recovery has loaded a chunk of the checkpoint, the log not yet replayed",
    "recovery-replay": "recovery has replayed a log record (the n-th), the rest not yet",
    "recovery-in-doubt": "recovery has restored a prepared transaction in doubt, before the database is handed out",
    "prepare-durable": "a PREPARE record is on disk; the transaction is not yet marked prepared, the client not told",
    "decision-logged": "a prepared transaction's COMMIT or ABORT decision record is on disk, not yet acted on",
    "coordinator-prepared": "every participant of a linked-server coordinator prepared, its COMMIT decision not "
    "written (only the abort intent is durable), no participant told",
    "coordinator-decided": "a linked-server coordinator's COMMIT decision row is durable (every participant and the "
    "local part prepared), its local part not yet committed, no participant told",
    "checkpoint-chunk": "a checkpoint's temporary file has some chunks, not yet complete nor installed",
    "checkpoint-installed": "a new checkpoint is installed; the older one and the log it covers not yet removed",
}


def _armed(setting: str) -> dict[str, int]:
    armed: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in setting.split(","))):
        name, _, count = item.partition(":")
        if name not in POINTS:
            raise ValueError(f"{ENVIRONMENT}: unknown crash point {name!r} (known: {', '.join(POINTS)})")
        armed[name] = int(count) if count else 1
    return armed


_ARMED = _armed(os.environ.get(ENVIRONMENT, ""))


def crash_point(name: str) -> None:
    """Die here, by SIGKILL, if the server was started with this point armed and this is its n-th passage."""
    if name not in _ARMED:
        return
    _ARMED[name] -= 1
    if _ARMED[name] == 0:
        os.write(2, f"quietus crash point {name} reached\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)
