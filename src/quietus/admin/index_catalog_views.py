"""What sp_BlitzIndex reads about tables and indexes beyond sys.indexes: CHECK constraints, statistics, column
store, partitioning, missing-index suggestions, temporal periods, resumable index operations and the database's
scoped configuration.

Rows tell the truth about Quietus (as in tool_views.py):

- sys.check_constraints: one row per CHECK constraint of a user table (enforced and trusted: Quietus checks every
  row written).
- No rows, because the planner keeps no statistics (CREATE STATISTICS stores nothing): sys.stats,
  sys.stats_columns, sys.dm_db_stats_properties(), sys.dm_db_stats_histogram().
- No rows, because Quietus does not have the thing: the column store views (sys.column_store_dictionaries,
  _segments, _row_groups, sys.dm_db_column_store_row_group_physical_stats), partitioning (sys.partition_functions,
  _schemes, _range_values, _parameters: every table is one partition), missing-index suggestions
  (sys.dm_db_missing_index_details, _groups, _group_stats, _group_stats_query), temporal tables (sys.periods),
  resumable index builds (sys.index_resumable_operations), internal tables (sys.internal_tables) and database-scoped
  settings (sys.database_scoped_configurations).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from quietus.admin.catalog_views import SYS_OBJECTS, user_tables
from quietus.admin.columns import columns, no_rows
from quietus.admin.reflection_views import _constraint_object
from quietus.sql.context import ExecContext
from quietus.sql.environment import TableFunction, VirtualTable

SYS_CHECK_CONSTRAINTS = SYS_OBJECTS + columns("""
is_disabled bit
is_not_for_replication bit
is_not_trusted bit
parent_column_id int
definition nvarchar(max)
uses_database_collation bit
is_system_named bit
""")
_SYSTEM_NAMED = re.compile(r"CK__.{1,8}__[0-9A-F]{8}")


def check_constraint_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    """parent_column_id 0: Quietus keeps a CHECK as the table's (a column's own CHECK is not told apart)."""
    for table in user_tables(ctx):
        for check in table.definition.checks:
            system_named = _SYSTEM_NAMED.fullmatch(check.name) is not None
            yield (
                *_constraint_object(table, check.name, "C ", "CHECK_CONSTRAINT"),
                False, False, False, 0, f"({check.expression_sql})", True, system_named,
            )  # fmt: skip


SYS_STATS = columns("""
object_id int
name sysname
stats_id int
auto_created bit
user_created bit
no_recompute bit
has_filter bit
filter_definition nvarchar(max)
is_temporary bit
is_incremental bit
has_persisted_sample bit
stats_generation_method int
stats_generation_method_desc varchar(80)
auto_drop bit
""")
SYS_STATS_COLUMNS = columns("""
object_id int
stats_id int
stats_column_id int
column_id int
""")
DM_DB_STATS_PROPERTIES = columns("""
object_id int
stats_id int
last_updated datetime2
rows bigint
rows_sampled bigint
steps int
unfiltered_rows bigint
modification_counter bigint
persisted_sample_percent float
""")
DM_DB_STATS_HISTOGRAM = columns("""
object_id int
stats_id int
step_number int
range_high_key nvarchar(4000)
range_rows real
equal_rows real
distinct_range_rows bigint
average_range_rows real
""")
COLUMN_STORE_DICTIONARIES = columns("""
partition_id bigint
hobt_id bigint
column_id int
dictionary_id int
version int
type int
last_id int
entry_count bigint
on_disk_size bigint
""")
COLUMN_STORE_SEGMENTS = columns("""
partition_id bigint
hobt_id bigint
column_id int
segment_id int
version int
encoding_type int
row_count int
has_nulls int
base_id bigint
magnitude float
primary_dictionary_id int
secondary_dictionary_id int
min_data_id bigint
max_data_id bigint
null_value bigint
on_disk_size bigint
""")
COLUMN_STORE_ROW_GROUPS = columns("""
object_id int
index_id int
partition_number int
row_group_id int
delta_store_hobt_id bigint
state tinyint
state_description nvarchar(60)
total_rows bigint
deleted_rows bigint
size_in_bytes bigint
""")
COLUMN_STORE_ROW_GROUP_PHYSICAL_STATS = columns("""
object_id int
index_id int
partition_number int
row_group_id int
delta_store_hobt_id bigint
state tinyint
state_desc nvarchar(60)
total_rows bigint
deleted_rows bigint
size_in_bytes bigint
trim_reason tinyint
trim_reason_desc nvarchar(60)
transition_to_compressed_state tinyint
transition_to_compressed_state_desc nvarchar(60)
has_vertipaq_optimization bit
generation bigint
created_time datetime2
closed_time datetime2
""")
PARTITION_FUNCTIONS = columns("""
name sysname
function_id int
type char(2)
type_desc nvarchar(60)
fanout int
boundary_value_on_right bit
is_system bit
create_date datetime
modify_date datetime
""")
PARTITION_SCHEMES = columns("""
name sysname
data_space_id int
type char(2)
type_desc nvarchar(60)
is_default bit
is_system bit
function_id int
""")
PARTITION_RANGE_VALUES = columns("""
function_id int
boundary_id int
parameter_id int
value nvarchar(4000)
""")
PARTITION_PARAMETERS = columns("""
function_id int
parameter_id int
system_type_id tinyint
max_length smallint
precision tinyint
scale tinyint
collation_name sysname
user_type_id int
""")
MISSING_INDEX_DETAILS = columns("""
index_handle int
database_id smallint
object_id int
equality_columns nvarchar(4000)
inequality_columns nvarchar(4000)
included_columns nvarchar(4000)
statement nvarchar(4000)
""")
MISSING_INDEX_GROUPS = columns("""
index_group_handle int
index_handle int
""")
MISSING_INDEX_GROUP_STATS = columns("""
group_handle int
unique_compiles bigint
user_seeks bigint
user_scans bigint
last_user_seek datetime
last_user_scan datetime
avg_total_user_cost float
avg_user_impact float
system_seeks bigint
system_scans bigint
last_system_seek datetime
last_system_scan datetime
avg_total_system_cost float
avg_system_impact float
""")
MISSING_INDEX_GROUP_STATS_QUERY = columns("""
group_handle int
query_hash binary(8)
query_plan_hash binary(8)
last_sql_handle varbinary(64)
last_statement_start_offset int
last_statement_end_offset int
last_statement_sql_handle varbinary(64)
user_seeks bigint
user_scans bigint
last_user_seek datetime
last_user_scan datetime
avg_total_user_cost float
avg_user_impact float
""")
PERIODS = columns("""
name sysname
period_type tinyint
period_type_desc nvarchar(60)
object_id int
start_column_id int
end_column_id int
""")
INDEX_RESUMABLE_OPERATIONS = columns("""
object_id int
index_id int
name sysname
sql_text nvarchar(max)
last_max_dop_used smallint
partition_number int
state tinyint
state_desc nvarchar(60)
start_time datetime
last_pause_time datetime
total_execution_time int
percent_complete float
page_count bigint
""")
INTERNAL_TABLES = SYS_OBJECTS + columns("""
internal_type tinyint
internal_type_desc nvarchar(60)
parent_id int
parent_minor_id int
lob_data_space_id int
filestream_data_space_id int
""")
DATABASE_SCOPED_CONFIGURATIONS = columns("""
configuration_id int
name nvarchar(60)
value nvarchar(4000)
value_for_secondary nvarchar(4000)
is_value_default bit
""")

VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.check_constraints", SYS_CHECK_CONSTRAINTS, check_constraint_rows),
    VirtualTable("sys.stats", SYS_STATS, no_rows),
    VirtualTable("sys.stats_columns", SYS_STATS_COLUMNS, no_rows),
    VirtualTable("sys.column_store_dictionaries", COLUMN_STORE_DICTIONARIES, no_rows),
    VirtualTable("sys.column_store_segments", COLUMN_STORE_SEGMENTS, no_rows),
    VirtualTable("sys.column_store_row_groups", COLUMN_STORE_ROW_GROUPS, no_rows),
    VirtualTable("sys.dm_db_column_store_row_group_physical_stats", COLUMN_STORE_ROW_GROUP_PHYSICAL_STATS, no_rows),
    VirtualTable("sys.partition_functions", PARTITION_FUNCTIONS, no_rows),
    VirtualTable("sys.partition_schemes", PARTITION_SCHEMES, no_rows),
    VirtualTable("sys.partition_range_values", PARTITION_RANGE_VALUES, no_rows),
    VirtualTable("sys.partition_parameters", PARTITION_PARAMETERS, no_rows),
    VirtualTable("sys.dm_db_missing_index_details", MISSING_INDEX_DETAILS, no_rows),
    VirtualTable("sys.dm_db_missing_index_groups", MISSING_INDEX_GROUPS, no_rows),
    VirtualTable("sys.dm_db_missing_index_group_stats", MISSING_INDEX_GROUP_STATS, no_rows),
    VirtualTable("sys.dm_db_missing_index_group_stats_query", MISSING_INDEX_GROUP_STATS_QUERY, no_rows),
    VirtualTable("sys.periods", PERIODS, no_rows),
    VirtualTable("sys.index_resumable_operations", INDEX_RESUMABLE_OPERATIONS, no_rows),
    VirtualTable("sys.internal_tables", INTERNAL_TABLES, no_rows),
    VirtualTable("sys.database_scoped_configurations", DATABASE_SCOPED_CONFIGURATIONS, no_rows),
)

_STATS_ARGUMENTS = columns("object_id int\nstats_id int")
FUNCTIONS: tuple[TableFunction, ...] = (
    TableFunction("sys.dm_db_stats_properties", _STATS_ARGUMENTS, DM_DB_STATS_PROPERTIES, no_rows),
    TableFunction("sys.dm_db_stats_histogram", _STATS_ARGUMENTS, DM_DB_STATS_HISTOGRAM, no_rows),
)
