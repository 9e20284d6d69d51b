"""A workload for the crash tests: commits rows through the embedded API until it is killed.

Prints ``C <id>`` after each committed transaction has returned (so it is durable), and ``U <id>`` for rows it
writes inside a transaction that it never commits (it holds it open while working on).  Usage:
``python engine_workload.py DATA_DIR START``.
"""

from __future__ import annotations

import sys

import quietus


def main() -> None:
    data_dir, start = sys.argv[1], int(sys.argv[2])
    committed = quietus.connect(data_dir, autocommit=True)
    pending = quietus.connect(data_dir, autocommit=True)
    committed.run(
        "CREATE TABLE crash (id INT PRIMARY KEY, payload NVARCHAR(100))"
    )  # 2714 after the first run
    pending.run("BEGIN TRAN")
    identifier = start
    while True:
        identifier += 1
        if identifier % 10 == 0:
            sink = pending.run(f"INSERT INTO crash VALUES ({identifier}, N'uncommitted {identifier}')")
            if not any(m.is_error for m in sink.messages):
                print(f"U {identifier}", flush=True)
            continue
        sink = committed.run(
            f"BEGIN TRAN; INSERT INTO crash VALUES ({identifier}, N'row {identifier}'); "
            f"UPDATE crash SET payload = payload + N'!' WHERE id = {identifier}; COMMIT"
        )
        if not any(m.is_error for m in sink.messages):
            print(f"C {identifier}", flush=True)


if __name__ == "__main__":
    main()
