"""Memory: the machine's (sys.dm_os_sys_memory) and the server process's (sys.dm_os_memory_clerks,
sys.dm_os_process_memory).

Read from the operating system each time (Linux: ``/proc/meminfo``, ``/proc/self/status``); where it does not say,
NULL.

sys.dm_os_sys_memory, one row:

| column | Linux source |
|---|---|
| total_physical_memory_kb, available_physical_memory_kb | MemTotal, MemAvailable |
| total_page_file_kb, available_page_file_kb | CommitLimit, CommitLimit - Committed_AS (Windows: the commit limit) |
| system_cache_kb | Buffers + Cached |
| kernel_paged_pool_kb, kernel_nonpaged_pool_kb | NULL: Linux has no such pools |
| system_high/low_memory_signal_state, system_memory_state_desc | NULL: Linux sends no memory resource notifications |

sys.dm_os_memory_clerks: Quietus does not divide its memory among clerks, so one row stands for the whole process:
type MEMORYCLERK_QUIETUS_PROCESS, pages_kb its resident set (VmRSS), virtual_memory_reserved_kb its address space
(VmSize), virtual_memory_committed_kb its resident set; no AWE or shared memory (0).

sys.dm_os_process_memory, one row: physical_memory_in_use_kb the resident set (VmRSS), locked_page_allocations_kb
the locked memory (VmLck), large_page_allocations_kb the huge pages (HugetlbPages), virtual_address_space_reserved_kb
the address space (VmSize) and _committed_kb the resident set (as the clerk's), page_fault_count the process's minor
and major faults (getrusage), available_commit_limit_kb as sys.dm_os_sys_memory's available page file; NULL for the
address space's limit and what is left of it, the utilization percentage and the low-memory signals (Linux sends
none).

sys.dm_os_loaded_modules: the shared objects mapped into the server process (Linux: the file-backed mappings of
``/proc/self/maps``), one row each, base_address its lowest mapping, name its path; versions, company and
description NULL (a shared object carries no version resource).

No rows: sys.dm_os_memory_cache_hash_tables and sys.dm_os_memory_cache_counters (Quietus's caches are not SQLOS
memory caches with hash buckets and counters), sys.dm_os_buffer_pool_extension_configuration (no buffer pool, so
no extension of one).
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quietus.admin.columns import columns, no_rows
from quietus.admin.tool_views import physical_memory_kb
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

PROCESS_CLERK = "MEMORYCLERK_QUIETUS_PROCESS"

DM_OS_SYS_MEMORY = columns("""
total_physical_memory_kb bigint
available_physical_memory_kb bigint
total_page_file_kb bigint
available_page_file_kb bigint
system_cache_kb bigint
kernel_paged_pool_kb bigint
kernel_nonpaged_pool_kb bigint
system_high_memory_signal_state bit
system_low_memory_signal_state bit
system_memory_state_desc nvarchar(256)
""")

DM_OS_MEMORY_CLERKS = columns("""
memory_clerk_address varbinary(8)
type nvarchar(60)
name nvarchar(256)
memory_node_id smallint
pages_kb bigint
virtual_memory_reserved_kb bigint
virtual_memory_committed_kb bigint
awe_allocated_kb bigint
shared_memory_reserved_kb bigint
shared_memory_committed_kb bigint
page_size_in_bytes bigint
page_allocator_address varbinary(8)
host_address varbinary(8)
""")


def _kilobytes(path: str) -> dict[str, int]:
    """``Name:  123 kB`` lines of a /proc file, in kB (empty where the file does not exist)."""
    found: dict[str, int] = {}
    try:
        text = Path(path).read_text()
    except OSError:
        return found
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            found[name.strip()] = int(parts[0])
    return found


def _commit_left(info: dict[str, int]) -> int | None:
    """What is left of the commit limit (Windows: of the page file), from /proc/meminfo's values."""
    limit, committed = info.get("CommitLimit"), info.get("Committed_AS")
    return None if limit is None or committed is None else max(limit - committed, 0)


def sys_memory_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    info = _kilobytes("/proc/meminfo")
    cache = info.get("Cached")
    yield (
        info.get("MemTotal", physical_memory_kb()),
        info.get("MemAvailable"),
        info.get("CommitLimit"),
        _commit_left(info),
        None if cache is None else cache + info.get("Buffers", 0),
        None, None, None, None, None,
    )  # fmt: skip


def memory_clerk_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    status = _kilobytes("/proc/self/status")
    resident = status.get("VmRSS")
    if resident is None:
        return  # the operating system does not say how much memory the process holds
    page_size = os.sysconf("SC_PAGE_SIZE")
    address = (id(ctx.env) & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")
    yield (
        address, PROCESS_CLERK, "Quietus server process", 0, resident, status.get("VmSize"), resident, 0, 0, 0,
        page_size, None, None,
    )  # fmt: skip


DM_OS_PROCESS_MEMORY = columns("""
physical_memory_in_use_kb bigint
large_page_allocations_kb bigint
locked_page_allocations_kb bigint
total_virtual_address_space_kb bigint
virtual_address_space_reserved_kb bigint
virtual_address_space_committed_kb bigint
virtual_address_space_available_kb bigint
page_fault_count bigint
memory_utilization_percentage int
available_commit_limit_kb bigint
process_physical_memory_low bit
process_virtual_memory_low bit
""")


def process_memory_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    status = _kilobytes("/proc/self/status")
    resident = status.get("VmRSS")
    if resident is None:
        return  # the operating system does not say how much memory the process holds
    usage = resource.getrusage(resource.RUSAGE_SELF)
    yield (
        resident, status.get("HugetlbPages"), status.get("VmLck"), None, status.get("VmSize"), resident, None,
        usage.ru_minflt + usage.ru_majflt, None, _commit_left(_kilobytes("/proc/meminfo")), None, None,
    )  # fmt: skip


DM_OS_MEMORY_CACHE_HASH_TABLES = columns("""
cache_address varbinary(8)
name nvarchar(256)
type nvarchar(60)
table_level int
buckets_count int
buckets_in_use_count int
buckets_min_length int
buckets_max_length int
buckets_avg_length int
buckets_max_length_ever int
hits_count bigint
misses_count bigint
buckets_avg_scan_hit_length int
buckets_avg_scan_miss_length int
""")

DM_OS_MEMORY_CACHE_COUNTERS = columns("""
cache_address varbinary(8)
name nvarchar(256)
type nvarchar(60)
pages_kb bigint
pages_in_use_kb bigint
entries_count bigint
entries_in_use_count bigint
""")

BUFFER_POOL_EXTENSION_CONFIGURATION = columns("""
path nvarchar(256)
file_id int
state int
state_description nvarchar(60)
current_size_in_kb bigint
""")


DM_OS_LOADED_MODULES = columns("""
base_address varbinary(8)
file_version varchar(23)
product_version varchar(23)
debug bit
patched bit
prerelease bit
private_build bit
special_build bit
language int
company nvarchar(256)
description nvarchar(256)
name nvarchar(255)
""")


def loaded_module_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    bases: dict[str, int] = {}
    try:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith("/") and ".so" in fields[5]:
            start = int(fields[0].split("-")[0], 16)
            bases[fields[5]] = min(start, bases.get(fields[5], start))
    for name, base in sorted(bases.items(), key=lambda item: item[1]):
        yield base.to_bytes(8, "big"), None, None, None, None, None, None, None, None, None, None, name


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("sys.dm_os_sys_memory", DM_OS_SYS_MEMORY, sys_memory_rows),
    VirtualTable("sys.dm_os_memory_clerks", DM_OS_MEMORY_CLERKS, memory_clerk_rows),
    VirtualTable("sys.dm_os_process_memory", DM_OS_PROCESS_MEMORY, process_memory_rows),
    VirtualTable("sys.dm_os_loaded_modules", DM_OS_LOADED_MODULES, loaded_module_rows),
    VirtualTable("sys.dm_os_memory_cache_hash_tables", DM_OS_MEMORY_CACHE_HASH_TABLES, no_rows),
    VirtualTable("sys.dm_os_memory_cache_counters", DM_OS_MEMORY_CACHE_COUNTERS, no_rows),
    VirtualTable("sys.dm_os_buffer_pool_extension_configuration", BUFFER_POOL_EXTENSION_CONFIGURATION, no_rows),
)
