"""sys.dm_db_index_operational_stats(database_id, object_id, index_id, partition_number): what each table and index
has done since the server started (or since it was made).

One row per heap or clustered index (index_id 0 or 1) and per nonclustered index of every user table of the
databases asked for; every table is one partition (partition_number 1).  Arguments as SQL Server's: NULL or 0 for
database_id, object_id and partition_number, NULL or -1 for index_id, mean all; an id that names nothing gives no
rows.  ``hobt_id`` is the one sys.partitions shows.

| columns | source |
|---|---|
| leaf_insert_count, leaf_update_count, leaf_ghost_count | ``Table`` / ``Index`` operation counts (storage/table.py) |
| leaf_delete_count | 0: every deletion leaves a ghost (a deleted version the cleaner removes later) |
| nonleaf_*, *_allocation_count, *_page_merge_count | 0: rows live in sorted in-memory structures, not pages |
| forwarded_fetch_count, lob_*, row_overflow_*, column_value_* | 0: no forwarded records, LOB or overflow pages |
| page_lock_*, *latch_wait_* , page_compression_* | 0: Quietus takes no page locks or latches, compresses nothing |
| range_scan_count, singleton_lookup_count, row_lock_*, index_lock_promotion_* | NULL: not counted yet |

SQL Server's 2019 columns for accelerated recovery (version_generated_inrow ...) are left off.

sys.dm_db_index_usage_stats: one row per heap or index of a user table that a statement has sought, scanned or
changed since the server started, with the statements counted as SQL Server counts them (storage/usage.py).

sys.dm_db_partition_stats: one row per heap or index (partition_id and hobt as sys.partitions), row_count the rows
it holds now (live rows: not the ghosts the cleaner has yet to remove).  Quietus keeps rows in memory, not in 8-KB
pages; its page counts are the size of those rows in its own storage format (each row as a checkpoint writes it,
MessagePack of the table's codec; an index entry as its key columns and the row's key), in 8-KB units rounded up,
measured when the view is read: used = reserved = in-row data.  LOB and row-overflow counts are 0: every value is
stored in its row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import msgspec

from quietus.admin.columns import columns
from quietus.engine.storage.table import Table
from quietus.engine.storage.usage import IndexUsage
from quietus.sql.context import ExecContext
from quietus.sql.environment import TableFunction, VirtualTable
from quietus.sql.temp_tables import is_temporary_name

DM_DB_INDEX_OPERATIONAL_STATS = columns("""
database_id smallint
object_id int
index_id int
partition_number int
hobt_id bigint
leaf_insert_count bigint
leaf_delete_count bigint
leaf_update_count bigint
leaf_ghost_count bigint
nonleaf_insert_count bigint
nonleaf_delete_count bigint
nonleaf_update_count bigint
leaf_allocation_count bigint
nonleaf_allocation_count bigint
leaf_page_merge_count bigint
nonleaf_page_merge_count bigint
range_scan_count bigint
singleton_lookup_count bigint
forwarded_fetch_count bigint
lob_fetch_in_pages bigint
lob_fetch_in_bytes bigint
lob_orphan_create_count bigint
lob_orphan_insert_count bigint
row_overflow_fetch_in_pages bigint
row_overflow_fetch_in_bytes bigint
column_value_push_off_row_count bigint
column_value_pull_in_row_count bigint
row_lock_count bigint
row_lock_wait_count bigint
row_lock_wait_in_ms bigint
page_lock_count bigint
page_lock_wait_count bigint
page_lock_wait_in_ms bigint
index_lock_promotion_attempt_count bigint
index_lock_promotion_count bigint
page_latch_wait_count bigint
page_latch_wait_in_ms bigint
page_io_latch_wait_count bigint
page_io_latch_wait_in_ms bigint
tree_page_latch_wait_count bigint
tree_page_latch_wait_in_ms bigint
tree_page_io_latch_wait_count bigint
tree_page_io_latch_wait_in_ms bigint
page_compression_attempt_count bigint
page_compression_success_count bigint
""")

# Between the counts and the range_scan_count: nonleaf insert/delete/update, allocations, page merges.
_NO_PAGES = (0,) * 7
# Between singleton_lookup_count and row_lock_count: forwarded fetches, LOB and row-overflow pages, pushed values.
_NO_PAGE_STORAGE = (0,) * 9
_NOT_COUNTED_LOCKS = (None, None, None)
# page locks (3), then lock promotions (NULL, 2), then latches (8) and page compression (2)
_NO_PAGE_LOCKS = (0, 0, 0)
_NO_LATCHES = (0,) * 10


DM_DB_INDEX_USAGE_STATS = columns("""
database_id smallint
object_id int
index_id int
user_seeks bigint
user_scans bigint
user_lookups bigint
user_updates bigint
last_user_seek datetime
last_user_scan datetime
last_user_lookup datetime
last_user_update datetime
system_seeks bigint
system_scans bigint
system_lookups bigint
system_updates bigint
last_system_seek datetime
last_system_scan datetime
last_system_lookup datetime
last_system_update datetime
""")

DM_DB_PARTITION_STATS = columns("""
partition_id bigint
object_id int
index_id int
partition_number int
in_row_data_page_count bigint
in_row_used_page_count bigint
in_row_reserved_page_count bigint
lob_used_page_count bigint
lob_reserved_page_count bigint
row_overflow_used_page_count bigint
row_overflow_reserved_page_count bigint
used_page_count bigint
reserved_page_count bigint
row_count bigint
""")
PAGE_BYTES = 8192


def _sizes(ctx: ExecContext, database: Any, table: Table) -> tuple[int, dict[int, int]]:
    """(live rows, bytes per structure: index_id -> bytes) of ``table`` in Quietus's storage format."""
    encode = msgspec.msgpack.Encoder().encode
    codec = database.codec(table)
    key = table.definition.primary_key
    key_columns = list(key.columns) if key is not None else []
    own = 0 if table.is_heap else 1
    indexes = [(index.definition.index_id, [*index.definition.columns, *key_columns]) for index in table.indexes]
    sizes = {own: 0, **{index_id: 0 for index_id, _ in indexes}}
    rows = 0
    for row_key, head in table.rows.items():
        if head.values is None or head.shape != table.shape:
            continue
        rows += 1
        if not rows % 1000:
            ctx.task.tick()
        encoded = codec.encode(head.values)
        sizes[own] += len(encode(encoded))
        for index_id, positions in indexes:
            entry = [encoded[p] for p in positions]  # its key, then the row's key (a heap's: the row id)
            sizes[index_id] += len(encode(entry if key_columns else [*entry, row_key]))
    return rows, sizes


def partition_stats_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    database = ctx.database
    for table in _user_tables(database):
        count, sizes = _sizes(ctx, database, table)
        for index_id, hobt_id, *_ in _structures(table):
            pages = -(-sizes[index_id] // PAGE_BYTES)
            yield (hobt_id, table.object_id, index_id, 1, pages, pages, pages, 0, 0, 0, 0, pages, pages, count)


def _user_tables(database: Any) -> Iterator[Table]:
    for table in sorted(database.tables.values(), key=lambda t: t.object_id):
        if table.definition.schema_name != "sys" and not is_temporary_name(table.name):
            yield table


def usage_stats_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for database in sorted(ctx.env.databases.values(), key=lambda d: d.database_id):
        for table in _user_tables(database):
            structures = [(0 if table.is_heap else 1, table.usage)]
            structures += [(index.definition.index_id, index.usage) for index in table.indexes]
            for index_id, usage in structures:
                if usage.used:  # a row once the structure has been used, as SQL Server shows them
                    yield (database.database_id, table.object_id, index_id, *_usage_columns(usage))


def _usage_columns(usage: IndexUsage) -> tuple[Any, ...]:
    """user_seeks ... last_system_update: the user counts and when each was last taken (NULL: never); lookups 0
    (no nonclustered index is sought, so no row is looked up from one); the system counts 0 (no internal query of
    Quietus reads a user table through the planner)."""
    return (
        usage.seeks, usage.scans, 0, usage.updates,
        _when(usage.last_seek), _when(usage.last_scan), None, _when(usage.last_update),
        0, 0, 0, 0, None, None, None, None,
    )  # fmt: skip


def _when(stamp: float) -> datetime.datetime | None:
    return datetime.datetime.fromtimestamp(stamp) if stamp else None  # local time, as SQL Server's


def _structures(table: Table) -> Iterator[tuple[int, int, int, int, int]]:
    """(index_id, hobt_id, inserts, updates, ghosts) of the table's heap or clustered index, then its other
    indexes (as sys.partitions numbers them)."""
    own = table.object_id
    yield (0 if table.is_heap else 1), own, table.inserts, table.updates, table.ghosts
    for index in table.indexes:
        index_id = index.definition.index_id
        yield index_id, (own << 16) | index_id, index.inserts, 0, index.ghosts


def _all(value: Any, *everything: int) -> bool:
    return value is None or value in everything


def operational_stats_rows(ctx: ExecContext, arguments: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    database_id, object_id, index_id, partition_number = arguments
    if not _all(partition_number, 0, 1):
        return
    databases = sorted(ctx.env.databases.values(), key=lambda d: d.database_id)
    for database in databases:
        if not _all(database_id, 0, database.database_id):
            continue
        for table in _user_tables(database):
            if not _all(object_id, 0, table.object_id):
                continue
            for index, hobt_id, inserts, updates, ghosts in _structures(table):
                if not _all(index_id, -1, index):
                    continue
                ctx.task.tick()
                yield (
                    database.database_id, table.object_id, index, 1, hobt_id,
                    inserts, 0, updates, ghosts, *_NO_PAGES, None, None, *_NO_PAGE_STORAGE,
                    *_NOT_COUNTED_LOCKS, *_NO_PAGE_LOCKS, None, None, *_NO_LATCHES,
                )  # fmt: skip


FUNCTIONS: tuple[TableFunction, ...] = (
    TableFunction(
        "sys.dm_db_index_operational_stats",
        columns("database_id smallint\nobject_id int\nindex_id int\npartition_number int"),
        DM_DB_INDEX_OPERATIONAL_STATS,
        operational_stats_rows,
        defaults=(0, 0, -1, 0),  # SQL Server's documented defaults: all databases, objects, indexes, partitions
    ),
)

VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_db_index_usage_stats", DM_DB_INDEX_USAGE_STATS, usage_stats_rows),
    VirtualTable("sys.dm_db_partition_stats", DM_DB_PARTITION_STATS, partition_stats_rows),
)
