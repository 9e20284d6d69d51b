"""A two-phase workload for the crash tests: prepares and decides distributed transactions until it is killed.

For each id: BEGIN DISTRIBUTED TRANSACTION, insert the row, prepare (phase one; prints ``P <id>`` once durable),
then commit it (even ids; prints ``C <id>``) or roll it back (odd ids; prints ``A <id>``) as its owner, or every
seventh id leaves it to session -2 by closing the connection (prints ``O <id>``), deciding it with KILL 'uow'
(prints ``C``/``A`` likewise, once the transaction has ended: KILL 'uow' WITH ROLLBACK returns while its rollback
runs on).  Usage: ``python distributed_workload.py DATA_DIR START``.
"""

from __future__ import annotations

import sys
import time

import quietus


def main() -> None:
    data_dir, start = sys.argv[1], int(sys.argv[2])
    admin = quietus.connect(data_dir, autocommit=True)
    admin.run("CREATE TABLE twophase (id INT PRIMARY KEY, payload NVARCHAR(100))")  # 2714 after the first run
    identifier = start
    while True:
        identifier += 1
        client = quietus.connect(data_dir, autocommit=True)
        client.run("BEGIN DISTRIBUTED TRANSACTION")
        client.run(f"INSERT INTO twophase VALUES ({identifier}, N'row {identifier}')")
        sink = client.run("EXEC sp_prepare_distributed_transaction")
        uow = sink.result_sets[0].rows[0][0]
        print(f"P {identifier}", flush=True)
        decision = "COMMIT" if identifier % 2 == 0 else "ROLLBACK"
        if identifier % 7 == 0:
            client.close()
            print(f"O {identifier}", flush=True)
            admin.run(f"KILL '{uow}' WITH {decision}")
            _wait_until_ended(admin, uow)  # WITH ROLLBACK returns at once, its rollback running on (as SQL Server's)
        else:
            client.run(decision)
            client.close()
        print(f"{decision[0] if decision == 'COMMIT' else 'A'} {identifier}", flush=True)


def _wait_until_ended(admin: quietus.Connection, uow: str) -> None:
    """Until the transaction of ``uow`` is gone: its decision (a KILL's rollback, in a task of its own) is done."""
    query = f"SELECT COUNT(*) FROM sys.dm_tran_active_transactions WHERE transaction_uow = '{uow}'"
    while admin.run(query).result_sets[0].rows[0][0]:
        time.sleep(0.001)


if __name__ == "__main__":
    main()
