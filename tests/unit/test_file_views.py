"""sys.master_files, sys.database_files, sys.dm_io_virtual_file_stats: a database's two files and their real I/O."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import quietus
from quietus.dbapi import Connection


def rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    sink = conn.run(sql)
    assert not [m for m in sink.messages if m.is_error], sink.messages
    return sink.result_sets[-1].rows


def test_master_files_names_the_checkpoint_and_the_log_with_their_size(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with quietus.connect(data, autocommit=True) as conn:
        conn.run("CREATE TABLE t (id INT PRIMARY KEY, pad NVARCHAR(400)); CHECKPOINT")
        conn.run("INSERT t SELECT n, REPLICATE(N'x', 400) FROM (VALUES (1),(2),(3),(4),(5),(6),(7),(8)) v (n)")
        files = rows(
            conn, "SELECT file_id, type_desc, name, physical_name, size FROM sys.master_files WHERE database_id = 1"
        )
        assert [(f[0], f[1], f[2]) for f in files] == [(1, "ROWS", "master"), (2, "LOG", "mastlog")]
        assert [Path(f[3]) for f in files] == [data / "master" / "checkpoint", data / "master" / "wal"]
        for _, _, _, physical, pages in files:
            on_disk = sum(p.stat().st_size for p in Path(physical).iterdir() if p.is_file())
            assert pages == -(-on_disk // 8192) and pages > 0
        assert rows(conn, "SELECT file_id, name FROM sys.database_files") == [(1, "master"), (2, "mastlog")]


def test_virtual_file_stats_count_the_log_writes_of_a_commit(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        conn.run("CREATE TABLE t (id INT PRIMARY KEY)")
        query = "SELECT num_of_writes, num_of_bytes_written FROM sys.dm_io_virtual_file_stats(DB_ID(), 2)"
        [(writes, written)] = rows(conn, query)
        conn.run("INSERT t VALUES (1)")
        [(writes_after, written_after)] = rows(conn, query)
        assert writes_after > writes and written_after > written
        every = rows(conn, "SELECT database_id, file_id FROM sys.dm_io_virtual_file_stats(NULL, NULL)")
        assert every == [(1, 1), (1, 2)]
        assert rows(conn, "SELECT COUNT(*) FROM sys.dm_io_virtual_file_stats(99, NULL)") == [(0,)]


def test_an_in_memory_database_has_no_files() -> None:
    with quietus.connect(None, autocommit=True) as conn:
        assert rows(conn, "SELECT COUNT(*) FROM sys.master_files") == [(0,)]
        assert rows(conn, "SELECT COUNT(*) FROM sys.dm_io_virtual_file_stats(NULL, NULL)") == [(0,)]
