"""A database's files and their I/O: sys.master_files, sys.database_files, sys.dm_io_virtual_file_stats.

A Quietus database keeps two kinds of file, each in a directory of its own (docs/design/wal.md), and these views name
each directory as one SQL Server database file:

| file_id | type (type_desc) | name            | physical_name             | holds                                  |
|---------|------------------|-----------------|---------------------------|----------------------------------------|
| 1       | 0 (ROWS)         | the database's  | <data dir>/<db>/checkpoint | the committed rows, as of a checkpoint |
| 2       | 1 (LOG)          | <name>_log      | <data dir>/<db>/wal        | the log segments written since          |

``size`` is the files' bytes in 8-KB pages, rounded up, as SQL Server counts them; ``max_size`` -1 (grows until the
disk is full); ``growth`` 0 with ``is_percent_growth`` 0 (files grow by what is written, not in steps).
sys.dm_io_virtual_file_stats(database_id, file_id) (NULL for all) counts the reads, writes and bytes of those
files since the process started, and their stall: the time spent in read, write and sync calls (``FileIo`` in
engine/wal/vfs.py).  An in-memory database (no data directory) has no files, so no rows.
"""

from __future__ import annotations

import math
import os
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quietus.admin.columns import columns
from quietus.engine.database import Database
from quietus.engine.wal.datadir import CHECKPOINT_DIR, WAL_DIR
from quietus.engine.wal.vfs import IO
from quietus.sql.context import ExecContext
from quietus.sql.environment import TableFunction, VirtualTable

PAGE_BYTES = 8192
_STARTED_MONOTONIC = time.monotonic()

# (file_id, type, type_desc, data_space_id, directory, logical name from the database's)
FILES: tuple[tuple[int, int, str, int, str, str], ...] = (
    (1, 0, "ROWS", 1, CHECKPOINT_DIR, "{name}"),
    (2, 1, "LOG", 0, WAL_DIR, "{name}_log"),
)
LOGICAL_NAMES = {"master_log": "mastlog"}  # SQL Server's own name for master's log

DATABASE_FILES = columns("""
file_id int
file_guid uniqueidentifier
type tinyint
type_desc nvarchar(60)
data_space_id int
name sysname
physical_name nvarchar(260)
state tinyint
state_desc nvarchar(60)
size int
max_size int
growth int
is_media_read_only bit
is_read_only bit
is_sparse bit
is_percent_growth bit
is_name_reserved bit
""")

MASTER_FILES = columns("database_id int") + DATABASE_FILES

VIRTUAL_FILE_STATS = columns("""
database_id smallint
file_id smallint
sample_ms bigint
num_of_reads bigint
num_of_bytes_read bigint
io_stall_read_ms bigint
io_stall_queued_read_ms bigint
num_of_writes bigint
num_of_bytes_written bigint
io_stall_write_ms bigint
io_stall_queued_write_ms bigint
io_stall bigint
size_on_disk_bytes bigint
file_handle varbinary(8)
""")


def _files(database: Database) -> Iterator[tuple[int, int, str, int, Path, str]]:
    """Each file of ``database`` that exists on disk: (file_id, type, type_desc, data_space_id, directory, name)."""
    if database.directory is None:
        return
    for file_id, kind, kind_desc, space, directory, name in FILES:
        logical = name.format(name=database.name)
        yield file_id, kind, kind_desc, space, database.directory / directory, LOGICAL_NAMES.get(logical, logical)


def _bytes_in(directory: Path) -> int:
    try:
        with os.scandir(directory) as entries:
            return sum(entry.stat().st_size for entry in entries if entry.is_file())
    except OSError:
        return 0


def _file_row(database: Database, file: tuple[int, int, str, int, Path, str]) -> tuple[Any, ...]:
    file_id, kind, kind_desc, space, directory, name = file
    pages = math.ceil(_bytes_in(directory) / PAGE_BYTES)
    return (
        file_id, None, kind, kind_desc, space, name, str(directory), 0, "ONLINE", pages, -1, 0,
        False, False, False, False, False,
    )  # fmt: skip


def _databases(ctx: ExecContext) -> Iterator[Database]:
    return iter(sorted(ctx.env.databases.values(), key=lambda database: database.database_id))


def master_file_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for database in _databases(ctx):
        for file in _files(database):
            yield (database.database_id, *_file_row(database, file))


def database_file_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    database = ctx.database
    for file in _files(database):
        yield _file_row(database, file)


def virtual_file_stats_rows(ctx: ExecContext, arguments: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    database_id, file_id = arguments
    sample_ms = int((time.monotonic() - _STARTED_MONOTONIC) * 1000)
    for database in _databases(ctx):
        if database_id is not None and database.database_id != database_id:
            continue
        for number, _kind, _desc, _space, directory, _name in _files(database):
            if file_id is not None and number != file_id:
                continue
            io = IO.directory(directory)
            read_ms, write_ms = int(io.read_seconds * 1000), int(io.write_seconds * 1000)
            handle = zlib.crc32(str(directory).encode()).to_bytes(8, "big")
            yield (
                database.database_id, number, sample_ms, io.reads, io.bytes_read, read_ms, 0, io.writes,
                io.bytes_written, write_ms, 0, read_ms + write_ms, _bytes_in(directory), handle,
            )  # fmt: skip


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.master_files", MASTER_FILES, master_file_rows),
    VirtualTable("sys.database_files", DATABASE_FILES, database_file_rows),
)

FUNCTIONS: tuple[TableFunction, ...] = (
    TableFunction(
        "sys.dm_io_virtual_file_stats", columns("database_id int\nfile_id int"), VIRTUAL_FILE_STATS,
        virtual_file_stats_rows,
    ),
)
