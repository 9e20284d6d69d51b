"""The victim of the WAL crash test: commits in bursts and says so only once a commit is durable.

Run as ``python wal_child.py <data dir> <seed>``. It appends records in bursts of random size (so
group commit batches vary), prints each LSN on stdout after its future resolved, and meanwhile a
second thread installs checkpoints, as the engine's checkpointer would. It runs until it is killed.
"""

from __future__ import annotations

import random
import sys
import threading
from pathlib import Path

from quietus.engine.wal import WriteAheadLog, write_checkpoint

SEGMENT_SIZE = 2048


def payload(lsn: int) -> bytes:
    return b"commit %d " % lsn * (1 + lsn % 11)


def checkpoint_chunks(lsn: int) -> list[bytes]:
    return [b"state as of %d" % lsn, payload(lsn) if lsn else b""]


def checkpoint_forever(directory: Path, log: WriteAheadLog) -> None:
    installed = 0
    stop = threading.Event()
    while not stop.wait(0.02):
        lsn = log.durable_lsn
        if lsn > installed:
            write_checkpoint(directory, lsn, checkpoint_chunks(lsn))
            installed = lsn


def main() -> None:
    directory, rng = Path(sys.argv[1]), random.Random(int(sys.argv[2]))
    log = WriteAheadLog.open(directory, segment_size=SEGMENT_SIZE)
    threading.Thread(target=checkpoint_forever, args=(directory, log), daemon=True).start()
    while True:
        burst = [log.append(payload(log.last_lsn + 1)) for _ in range(rng.randint(1, 16))]
        for future in burst:
            sys.stdout.write(f"{future.result()}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
