"""What the SQL layer runs against: databases, and the plug points through which upper layers add behaviour.

Imports point down (admin → sql → engine), so the admin layer registers its views (``sys.dm_exec_sessions`` ...),
system procedures (``sp_who`` ...) and statement handlers (KILL ...) here instead of the SQL layer importing them.
Each registry is a plain dict keyed by a lower-case name or a statement class: behaviour as tables.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quietus.engine.database import Database
from quietus.sql.types_base import SqlType

if TYPE_CHECKING:
    from quietus.sql.context import ExecContext

SERVER_VERSION = "16.0.4000.0"
VERSION_TEXT = (
    # SQL Server's own first line, which drivers and ORMs parse (SQLAlchemy: "Microsoft .*? - 16.0.4000.0")
    f"Microsoft SQL Server 2022 (RTM) - {SERVER_VERSION} (X64) \n"
    "\tQuietus 0.1.0, a server for seeing sessions and ending them (it speaks TDS as SQL Server 2022 does)\n"
    "\tCopyright (c) the Quietus authors\n"
)


@dataclass(frozen=True)
class VirtualTable:
    """A view computed from live state: column names and types, and a row provider.  ``on_ticks``: the provider
    puts its ``datetime`` values on SQL Server's 1/300 s tick itself (else the scan rounds every one)."""

    name: str
    columns: Sequence[tuple[str, SqlType]]
    rows: Callable[[ExecContext], Iterable[tuple[Any, ...]]]
    on_ticks: bool = False


@dataclass(frozen=True)
class TableFunction:
    """A table-valued system function (``sys.dm_exec_sql_text(handle)``): its parameters (name and type, all
    required, as SQL Server's dynamic management functions have them), its columns, and a row provider called
    with the evaluated arguments.  ``defaults``: the value the keyword DEFAULT stands for, per parameter, for the
    functions whose documentation allows it (sys.dm_db_index_operational_stats(DEFAULT, ...)); None: not allowed."""

    name: str
    parameters: Sequence[tuple[str, SqlType]]
    columns: Sequence[tuple[str, SqlType]]
    rows: Callable[[ExecContext, tuple[Any, ...]], Iterable[tuple[Any, ...]]]
    defaults: Sequence[int | None] | None = None


# A system procedure: (context, positional args, named args) -> return status
Procedure = Callable[["ExecContext", list[Any], dict[str, Any]], int]
StatementHandler = Callable[["ExecContext", Any], None]


class PlanCache:
    """Query plans by (parsed statement, database, catalog version, isolation, RCSI, variable types), and UPDATE /
    DELETE plans (``dml.WritePlan``, keys marked ``"write"``), least recently used first out.  The statement object
    itself is kept in the entry, so its id cannot be reused while cached (docs/design/sql-execution.md)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[Any, ...], tuple[Any, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[Any, ...]) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def put(self, key: tuple[Any, ...], statement: Any, plan: Any) -> None:
        self._entries[key] = (statement, plan)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass
class ServerStatistics:
    """Counters since start that @@CONNECTIONS, @@PACK_RECEIVED, @@PACK_SENT and @@PACKET_ERRORS report: connection
    attempts (logged in or not), network reads and writes of every connection, connections dropped for broken
    input."""

    started: float = field(default_factory=time.monotonic)
    connections: int = 0
    packets_received: int = 0
    packets_sent: int = 0
    packet_errors: int = 0


@dataclass
class Environment:
    databases: dict[str, Database]
    default_database: str = "master"
    server_name: str = "QUIETUS"
    virtual_tables: dict[str, VirtualTable] = field(default_factory=dict)
    table_functions: dict[str, TableFunction] = field(default_factory=dict)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    statement_handlers: dict[type, StatementHandler] = field(default_factory=dict)
    plan_cache: PlanCache = field(default_factory=lambda: PlanCache(2048))
    statistics: ServerStatistics = field(default_factory=ServerStatistics)
    # Objects of the layers above (the session registry, the instance, security, the error log), by name, so that
    # views and procedures registered by those layers can reach them without the SQL layer importing upward.
    services: dict[str, Any] = field(default_factory=dict)

    def database(self, name: str) -> Database | None:
        """The database named ``name``, in any case (a session's current one is kept as spelled: found at once)."""
        found = self.databases.get(name)
        if found is not None:
            return found
        for key, database in self.databases.items():
            if key.casefold() == name.casefold():
                return database
        return None

    def virtual_table(self, name: str) -> VirtualTable | None:
        return self.virtual_tables.get(name.casefold())

    def table_function(self, name: str) -> TableFunction | None:
        return self.table_functions.get(name.casefold())
