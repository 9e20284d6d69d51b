"""Workloads for the crash tests: autocommitted inserts through the embedded API.

Each thread writes and fsyncs its commit records itself, or shares a batch a neighbour's fsync covers
(``WriteAheadLog.sync``); the main thread in a form that survives a Ctrl-C cutting it short.
Usage: ``python caller_commit_workload.py DATA_DIR START [MODE]``.

* ``threads`` (the default): four threads (the main one and three workers) insert until killed and print
  ``C <id>`` after each insert has returned, i.e. after its commit was acknowledged;
* ``main`` / ``worker``: that one thread inserts 20 rows, prints their ids and SIGKILLs its own process at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import quietus
from quietus.dbapi import Cursor

THREADS = 4
ROWS_BEFORE_SUICIDE = 20


def _cursor(data_dir: str) -> Cursor:
    return quietus.connect(data_dir, autocommit=True).cursor()


def _insert_forever(data_dir: str, first: int, index: int, printing: threading.Lock) -> None:
    cursor = _cursor(data_dir)
    identifier = first + index
    while True:
        cursor.execute("INSERT INTO acked VALUES (%s, %s)", (identifier, index))
        with printing:
            print(f"C {identifier}", flush=True)
        identifier += THREADS


def _insert_then_die(data_dir: str, first: int) -> None:
    cursor = _cursor(data_dir)
    for identifier in range(first, first + ROWS_BEFORE_SUICIDE):
        cursor.execute("INSERT INTO acked VALUES (%s, 0)", (identifier,))
        print(f"C {identifier}", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # right after the last acknowledgement: nothing else gets to run


def main() -> None:
    data_dir, first = sys.argv[1], int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 else "threads"
    _cursor(data_dir).execute("IF OBJECT_ID('acked') IS NULL CREATE TABLE acked (id INT PRIMARY KEY, who INT)")
    if mode == "main":
        _insert_then_die(data_dir, first)
    elif mode == "worker":
        worker = threading.Thread(target=_insert_then_die, args=(data_dir, first))
        worker.start()
        worker.join()
    else:
        printing = threading.Lock()
        for index in range(1, THREADS):
            threading.Thread(target=_insert_forever, args=(data_dir, first, index, printing), daemon=True).start()
        _insert_forever(data_dir, first, 0, printing)


if __name__ == "__main__":
    main()
