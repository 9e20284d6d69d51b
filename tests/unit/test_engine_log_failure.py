"""A failed log write: the commit is in doubt, so the database refuses further commits with 9001."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from quietus.engine.database import Database
from quietus.engine.scheduler import Task
from quietus.engine.storage.schema import ColumnDef, IndexDef, TableDef
from quietus.engine.txn.transaction import Isolation
from quietus.engine.wal import WriteAheadLog, init_data_directory
from quietus.engine.wal.faulty_vfs import FaultyVfs
from quietus.errors import SqlError


def test_failed_fsync_fails_the_commit_and_every_later_one_with_9001(tmp_path: Path) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        init_data_directory(tmp_path)
        database = Database("master", 1, None, loop)
        vfs = FaultyVfs()
        database.wal = WriteAheadLog.open(tmp_path, vfs=vfs)
        definition = TableDef(
            1001,
            "t",
            (ColumnDef("id", "int", nullable=False),),
            (IndexDef(1, "pk", (0,), unique=True, primary_key=True),),
        )

        def work(task: Task) -> None:
            txn = database.begin(51, Isolation.READ_COMMITTED, explicit=False)
            table = database.create_table(txn, definition)
            table.push(table.new_row_key((1,)), (1,), txn.xid)
            vfs.fail_next("fsync")
            with pytest.raises(SqlError) as failed:
                database.commit(task, txn)
            assert (failed.value.number, failed.value.severity) == (9001, 21)
            later = database.begin(52, Isolation.READ_COMMITTED, explicit=False)
            later.identity_changes[1001] = 5  # any write
            with pytest.raises(SqlError) as refused:
                database.commit(task, later)
            assert refused.value.number == 9001

        task = Task(loop)
        await task.run(work, task)
        database.wal.close()

    asyncio.run(scenario())
