"""Catalog views of the current database: sys.databases, sys.schemas, sys.objects, sys.tables, sys.columns,
sys.indexes.

They list what the catalog holds now, including tables created by transactions not yet committed (SQL Server
would make a reader wait on the creator's schema lock; Quietus shows them).  Constraints are not objects of their
own here, so sys.objects lists user tables and stored procedures only.  Quietus keeps no creation dates for tables:
their create_date and modify_date are NULL (procedures have theirs).  Column lists are SQL Server's, in order, cut
after the commonly used columns.
"""

from __future__ import annotations

import datetime
import zlib
from collections.abc import Iterator
from typing import Any

from quietus.admin.columns import columns
from quietus.engine.database import Database
from quietus.engine.storage.schema import ColumnDef
from quietus.sql.catalog_ids import SCHEMAS, column_shape
from quietus.sql.catalog_ids import STRING_TYPE_NAMES as _STRINGS
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable
from quietus.sql.temp_tables import is_temporary_name

DEFAULT_COLLATION = "SQL_Latin1_General_CP1_CI_AS"
DBO_SCHEMA_ID = 1
SA_PRINCIPAL = b"\x01"

SYS_DATABASES = columns("""
name sysname
database_id int
source_database_id int
owner_sid varbinary(85)
create_date datetime
compatibility_level tinyint
collation_name sysname
user_access tinyint
user_access_desc nvarchar(60)
is_read_only bit
is_auto_close_on bit
is_auto_shrink_on bit
state tinyint
state_desc nvarchar(60)
is_in_standby bit
is_cleanly_shutdown bit
snapshot_isolation_state tinyint
snapshot_isolation_state_desc nvarchar(60)
is_read_committed_snapshot_on bit
recovery_model tinyint
recovery_model_desc nvarchar(60)
page_verify_option tinyint
page_verify_option_desc nvarchar(60)
is_accelerated_database_recovery_on bit
replica_id uniqueidentifier
group_database_id uniqueidentifier
""")

# sys.databases' later columns, in SQL Server's order, with what each is for every Quietus database: 0 for a
# feature Quietus does not have (statistics, full-text, Service Broker, replication, CDC, Query Store, encryption,
# In-Memory OLTP, ledger, contained databases; commits are always fully durable); NULL where Quietus has no such
# setting at all (database-level defaults of the SET options, log reuse waits, a recovery-time target).
LATER_DATABASE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("is_supplemental_logging_enabled bit", False),
    ("is_auto_create_stats_on bit", False),
    ("is_auto_create_stats_incremental_on bit", False),
    ("is_auto_update_stats_on bit", False),
    ("is_auto_update_stats_async_on bit", False),
    ("is_ansi_null_default_on bit", None),
    ("is_ansi_nulls_on bit", None),
    ("is_ansi_padding_on bit", None),
    ("is_ansi_warnings_on bit", None),
    ("is_arithabort_on bit", None),
    ("is_concat_null_yields_null_on bit", None),
    ("is_numeric_roundabort_on bit", None),
    ("is_quoted_identifier_on bit", None),
    ("is_recursive_triggers_on bit", False),
    ("is_cursor_close_on_commit_on bit", None),
    ("is_local_cursor_default bit", None),
    ("is_fulltext_enabled bit", False),
    ("is_trustworthy_on bit", False),
    ("is_db_chaining_on bit", False),
    ("is_parameterization_forced bit", False),
    ("is_master_key_encrypted_by_server bit", False),
    ("is_query_store_on bit", False),
    ("is_published bit", False),
    ("is_subscribed bit", False),
    ("is_merge_published bit", False),
    ("is_distributor bit", False),
    ("is_sync_with_backup bit", False),
    ("service_broker_guid uniqueidentifier", None),
    ("is_broker_enabled bit", False),
    ("log_reuse_wait tinyint", None),
    ("log_reuse_wait_desc nvarchar(60)", None),
    ("is_date_correlation_on bit", False),
    ("is_cdc_enabled bit", False),
    ("is_encrypted bit", False),
    ("is_honor_broker_priority_on bit", False),
    ("resource_pool_id int", None),
    ("default_language_lcid smallint", None),
    ("default_language_name nvarchar(128)", None),
    ("default_fulltext_language_lcid int", None),
    ("default_fulltext_language_name nvarchar(128)", None),
    ("is_nested_triggers_on bit", None),
    ("is_transform_noise_words_on bit", None),
    ("two_digit_year_cutoff smallint", None),
    ("containment tinyint", 0),
    ("containment_desc nvarchar(60)", "NONE"),
    ("target_recovery_time_in_seconds int", None),
    ("delayed_durability int", 0),
    ("delayed_durability_desc nvarchar(60)", "DISABLED"),
    ("is_memory_optimized_elevate_to_snapshot_on bit", False),
    ("is_federation_member bit", False),
    ("is_remote_data_archive_enabled bit", False),
    ("is_mixed_page_allocation_on bit", None),
    ("is_temporal_history_retention_enabled bit", False),
    ("catalog_collation_type int", 0),
    ("catalog_collation_type_desc nvarchar(60)", "DATABASE_DEFAULT"),
    ("is_result_set_caching_on bit", False),
    ("is_tempdb_spill_to_remote_store bit", False),
    ("is_stale_page_detection_on bit", False),
    ("is_memory_optimized_enabled bit", False),
    ("is_data_retention_enabled bit", False),
    ("is_ledger_on bit", False),
    ("is_change_feed_enabled bit", False),
)
SYS_DATABASES += columns("\n".join(column for column, _ in LATER_DATABASE_COLUMNS))
_LATER_DATABASE_VALUES = tuple(value for _, value in LATER_DATABASE_COLUMNS)

COMPATIBILITY_LEVEL = 160  # SQL Server 2022


def database_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    databases = sorted(ctx.env.databases.values(), key=lambda d: d.database_id)
    for d in databases:
        options = d.options
        online = d.failed is None
        snapshot = options.allow_snapshot_isolation
        yield (
            d.name, d.database_id, None, SA_PRINCIPAL, None, COMPATIBILITY_LEVEL, DEFAULT_COLLATION, 0, "MULTI_USER",
            False, False, False, 0 if online else 4, "ONLINE" if online else "SUSPECT", False, False,
            1 if snapshot else 0, "ON" if snapshot else "OFF", options.read_committed_snapshot,
            1, "FULL", 2, "CHECKSUM", options.accelerated_recovery, None, None,  # in no availability group
            *_LATER_DATABASE_VALUES,
        )  # fmt: skip


SYS_SCHEMAS = columns("""
name sysname
schema_id int
principal_id int
""")


def schema_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    return iter(SCHEMAS)


SYS_OBJECTS = columns("""
name sysname
object_id int
principal_id int
schema_id int
parent_object_id int
type char(2)
type_desc nvarchar(60)
create_date datetime
modify_date datetime
is_ms_shipped bit
is_published bit
is_schema_published bit
""")


def user_tables(ctx: ExecContext) -> list[Any]:
    """User tables: the engine's own tables in schema sys (the security catalog) are not objects users see, and
    temporary tables belong to tempdb."""
    database: Database = ctx.database
    tables = [
        table
        for table in database.tables.values()
        if table.definition.schema_name != "sys" and not is_temporary_name(table.name)
    ]
    return sorted(tables, key=lambda t: t.object_id)


def table_dates(table: Any) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """sys.objects create_date and modify_date of a table (NULL for one made before Quietus kept them)."""
    definition = table.definition
    created = None if definition.created is None else datetime.datetime.fromisoformat(definition.created)
    modified = None if definition.modified is None else datetime.datetime.fromisoformat(definition.modified)
    return created, modified


def object_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    from quietus.admin import module_views  # it builds on this module's shapes

    for table in user_tables(ctx):
        created, modified = table_dates(table)
        yield (table.name, table.object_id, None, DBO_SCHEMA_ID, 0, "U ", "USER_TABLE", created, modified,
               False, False, False)  # fmt: skip
    for module in module_views.modules(ctx):
        yield module_views.object_row(module)


SYS_TABLES = SYS_OBJECTS + columns("""
lob_data_space_id int
filestream_data_space_id int
max_column_id_used int
lock_on_bulk_load bit
uses_ansi_nulls bit
is_replicated bit
has_replication_filter bit
is_merge_published bit
is_sync_tran_subscribed bit
has_unchecked_assembly_data bit
text_in_row_limit int
large_value_types_out_of_row bit
is_tracked_by_cdc bit
lock_escalation tinyint
lock_escalation_desc nvarchar(60)
is_filetable bit
is_memory_optimized bit
durability tinyint
durability_desc nvarchar(60)
temporal_type tinyint
temporal_type_desc nvarchar(60)
history_table_id int
is_remote_data_archive_enabled bit
is_external bit
history_retention_period int
history_retention_period_unit int
history_retention_period_unit_desc nvarchar(10)
is_node bit
is_edge bit
data_retention_period int
data_retention_period_unit int
data_retention_period_unit_desc nvarchar(10)
ledger_type tinyint
ledger_type_desc nvarchar(60)
ledger_view_id int
is_dropped_ledger_table bit
""")

# After durability: no temporal, stretch, external, graph, retention or ledger tables in Quietus.
_TABLE_FEATURES_NONE = (
    0, "NON_TEMPORAL_TABLE", None, False, False, None, None, None, False, False, None, None, None, 0,
    "NON_LEDGER_TABLE", None, False,
)  # fmt: skip


def table_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    durable = ctx.database.wal is not None  # SCHEMA_AND_DATA; an in-memory server keeps neither: NULL
    durability = (0, "SCHEMA_AND_DATA") if durable else (None, None)
    for table in user_tables(ctx):
        created, modified = table_dates(table)
        yield (
            table.name, table.object_id, None, DBO_SCHEMA_ID, 0, "U ", "USER_TABLE", created, modified, False, False,
            False, 0, None, len(table.definition.columns), False, True, False, False, False, False, False, 0,
            False, False, 0, "TABLE", False, False, *durability, *_TABLE_FEATURES_NONE,
        )  # fmt: skip


SYS_COLUMNS = columns("""
object_id int
name sysname
column_id int
system_type_id tinyint
user_type_id int
max_length smallint
precision tinyint
scale tinyint
collation_name sysname
is_nullable bit
is_ansi_padded bit
is_rowguidcol bit
is_identity bit
is_computed bit
is_filestream bit
is_replicated bit
is_non_sql_subscribed bit
is_merge_published bit
is_dts_replicated bit
is_xml_document bit
xml_collection_id int
default_object_id int
rule_object_id int
is_sparse bit
is_column_set bit
generated_always_type tinyint
generated_always_type_desc nvarchar(60)
encryption_type int
encryption_type_desc nvarchar(64)
encryption_algorithm_name sysname
column_encryption_key_id int
column_encryption_key_database_name sysname
is_hidden bit
is_masked bit
graph_type int
graph_type_desc nvarchar(60)
""")

# After rule_object_id: no sparse columns or column sets, no temporal (generated always), Always Encrypted, hidden,
# masked or graph columns in Quietus (SQL Server's values for a column with none of them).
_LATER_FEATURES_NONE = (False, False, 0, "NOT_APPLICABLE", None, None, None, None, None, False, False, None, None)


def column_tail(default_object_id: int) -> tuple[Any, ...]:
    """sys.columns after is_computed: nothing Quietus has, then the column's default constraint (or 0)."""
    return (False, False, False, False, False, False, 0, default_object_id, 0, *_LATER_FEATURES_NONE)


def constraint_object_id(table_id: int, name: str) -> int:
    """A constraint's object id (constraints are not objects of their own in Quietus's catalog): derived from its
    table's id and its name, so every view agrees on it and it is the same on every read."""
    return 0x40000000 | (zlib.crc32(f"{table_id}.{name.casefold()}".encode()) & 0x3FFFFFFF)


def default_name(table: Any, column: Any) -> str:
    """Defaults have no names in the catalog: the name SQL Server gives an unnamed one (is_system_named = 1)."""
    return f"DF__{table.name}__{column.name}"


def default_object_id(table: Any, column: Any) -> int:
    return 0 if column.default_sql is None else constraint_object_id(table.object_id, default_name(table, column))


def column_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        for position, column in enumerate(table.definition.columns, start=1):
            type_id, max_length, precision, scale = column_shape(column)
            yield (
                table.object_id, column.name, position, type_id, type_id, max_length, precision, scale,
                DEFAULT_COLLATION if column.type_name in _STRINGS else None, column.nullable,
                column.type_name in _STRINGS or column.type_name in ("binary", "varbinary"), False,
                column.identity_seed is not None, column.computed_sql is not None,
                *column_tail(default_object_id(table, column)),
            )  # fmt: skip
    from quietus.admin import module_views  # it builds on this module's shapes

    for object_id, position, name, sql_type in module_views.module_column_rows(ctx):  # views, inline functions
        shape = ColumnDef(name, sql_type.name, sql_type.length, sql_type.precision, sql_type.scale)
        type_id, max_length, precision, scale = column_shape(shape)
        string = sql_type.name in _STRINGS
        yield (
            object_id, name, position, type_id, type_id, max_length, precision, scale,
            DEFAULT_COLLATION if string else None, True, string or sql_type.name in ("binary", "varbinary"), False,
            False, False, *column_tail(0),
        )  # fmt: skip


def computed_column_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """sys.computed_columns: sys.columns' row of each computed column, then its definition and PERSISTED."""
    columns_of = {table.object_id: table.definition.columns for table in user_tables(ctx)}
    for row in column_rows(ctx):
        column = columns_of[row[0]][row[2] - 1]
        if column.computed_sql is not None:
            yield (*row, f"({column.computed_sql})", True, column.persisted)


SYS_INDEXES = columns("""
object_id int
name sysname
index_id int
type tinyint
type_desc nvarchar(60)
is_unique bit
data_space_id int
ignore_dup_key bit
is_primary_key bit
is_unique_constraint bit
fill_factor tinyint
is_padded bit
is_disabled bit
is_hypothetical bit
allow_row_locks bit
allow_page_locks bit
has_filter bit
filter_definition nvarchar(max)
""")


def index_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for table in user_tables(ctx):
        definition = table.definition
        if definition.primary_key is None:
            yield (table.object_id, None, 0, 0, "HEAP", False, 1, False, False, False, 0, False, False, False,
                   True, True, False, None)  # fmt: skip
        for index in definition.indexes:
            clustered = index.primary_key
            yield (
                table.object_id, index.name, 1 if clustered else index.index_id, 1 if clustered else 2,
                "CLUSTERED" if clustered else "NONCLUSTERED", index.unique or clustered, 1, False, clustered,
                index.unique_constraint, 0, False, False, False, True, True, False, None,
            )  # fmt: skip


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.databases", SYS_DATABASES, database_rows),
    VirtualTable("sys.schemas", SYS_SCHEMAS, schema_rows),
    VirtualTable("sys.objects", SYS_OBJECTS, object_rows),
    VirtualTable("sys.tables", SYS_TABLES, table_rows),
    VirtualTable("sys.columns", SYS_COLUMNS, column_rows),
    VirtualTable("sys.indexes", SYS_INDEXES, index_rows),
)
