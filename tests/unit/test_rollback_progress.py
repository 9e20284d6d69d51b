"""Classic rollback: progress counters (total, done, measured rate) are observable while it runs."""

from __future__ import annotations

import asyncio

from quietus.engine.database import Database
from quietus.engine.scheduler import Task
from quietus.engine.storage.schema import ColumnDef, IndexDef, TableDef
from quietus.engine.txn.transaction import Isolation, TxnState, UndoKind, UndoRecord

ROWS = 60_000


def test_classic_rollback_reports_progress_while_running_and_releases_locks_at_the_end() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        database = Database("master", 1, None, loop)
        definition = TableDef(
            1001,
            "t",
            (ColumnDef("id", "int", nullable=False),),
            (IndexDef(1, "pk", (0,), unique=True, primary_key=True),),
        )
        setup = database.begin(51, Isolation.READ_COMMITTED, explicit=False)
        table = database.create_table(setup, definition)
        database.txns.mark_committed(setup)
        txn = database.begin(52, Isolation.READ_COMMITTED, explicit=True)
        for i in range(ROWS):
            version = table.push(i, (i,), txn.xid)
            txn.undo.append(UndoRecord(UndoKind.ROW, table, i, version))
        seen: list[tuple[int, int, float | None]] = []

        async def watch() -> None:
            while txn.state is not TxnState.ROLLED_BACK:
                progress = txn.rollback_progress
                if progress is not None:
                    seen.append((progress.done, progress.total, progress.seconds_left()))
                await asyncio.sleep(0)

        watcher = asyncio.ensure_future(watch())
        task = Task(loop)
        await task.run(database.rollback, task, txn)
        await watcher
        assert txn.rollback_progress is not None
        assert (txn.rollback_progress.done, txn.rollback_progress.total) == (ROWS, ROWS)
        assert txn.rollback_progress.rate is not None and txn.rollback_progress.rate > 0
        during = [(done, total, left) for done, total, left in seen if 0 < done < total]
        assert during, "the rollback never yielded: other sessions would have stalled"
        assert all(left is not None and left >= 0 for _, _, left in during)
        assert len(table.rows) == 0

    asyncio.run(main())
