"""Registering the admin layer into an instance: its views, its procedures, and the system sessions it shows.

The registries are tables: a view family module exports ``VIEWS`` (one ``VirtualTable`` each), procedures.py
exports ``PROCEDURES``; adding a view or a procedure is one entry there.  ``install`` runs on the engine thread
while the instance starts, after its environment exists.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from quietus.admin import (
    blocking,
    catalog_views,
    distributed_procedures,
    exec_views,
    file_views,
    index_catalog_views,
    index_stats_views,
    input_buffer,
    kill_statement,
    kill_store,
    kill_views,
    linked_servers,
    memory_views,
    module_views,
    odbc_catalog,
    odbc_metadata,
    oracle_2pc,
    oracle_kill,
    oracle_views,
    permission_functions,
    procedures,
    reflection_views,
    reliability_views,
    sp_configure,
    sp_help,
    sp_kill,
    system_objects,
    tool_views,
    tran_views,
    uow_views,
    wait_views,
    xe_views,
)
from quietus.admin.kill import kill_history
from quietus.admin.server_key import ServerKey
from quietus.sessions import distributed
from quietus.sessions.registry import SessionRegistry
from quietus.sessions.session import Session
from quietus.sql import cursors, stored_procedures, synonyms, temp_tables, user_functions, views
from quietus.sql.dialect import statements as st
from quietus.sql.environment import Environment, Procedure, VirtualTable
from quietus.sql.modules import ModuleStore

VIEWS: tuple[VirtualTable, ...] = (
    *exec_views.VIEWS,
    *oracle_views.VIEWS,
    *oracle_2pc.VIEWS,
    *tran_views.VIEWS,
    *catalog_views.VIEWS,
    *blocking.VIEWS,
    *kill_views.VIEWS,
    *module_views.VIEWS,
    *system_objects.VIEWS,
    *tool_views.VIEWS,
    *file_views.VIEWS,
    *wait_views.VIEWS,
    *uow_views.VIEWS,
    *reliability_views.VIEWS,
    *reflection_views.VIEWS,
    *linked_servers.VIEWS,
    *memory_views.VIEWS,
    *sp_configure.VIEWS,
    *xe_views.VIEWS,
    *index_stats_views.VIEWS,
    *index_catalog_views.VIEWS,
)
PROCEDURES: dict[str, Procedure] = {
    **procedures.PROCEDURES,
    **odbc_catalog.PROCEDURES,
    **odbc_metadata.PROCEDURES,
    "sp_kill": sp_kill.sp_kill,
    "sp_configure": sp_configure.sp_configure,
    "sp_helptext": module_views.sp_helptext,
    "sp_help": sp_help.sp_help,
    **distributed_procedures.PROCEDURES,
    **linked_servers.PROCEDURES,
}

# Background work that exists without a task of its own: the deadlock search runs inside the lock manager when a
# request waits, and the log writer is the WAL's thread.  SQL Server lists both as system sessions.
CONCEPTUAL_SYSTEM_SESSIONS = ("LOCK MONITOR", "LOG WRITER")
log = logging.getLogger("quietus.admin")


class Host(Protocol):
    """What install needs from the instance (the server layer is above this one, so it is not imported)."""

    @property
    def env(self) -> Environment | None: ...

    @property
    def registry(self) -> SessionRegistry: ...

    @property
    def data_dir(self) -> Path | None: ...  # where the server key lives (None: in memory)


def install(instance: Host) -> list[Session]:
    """Register every view and procedure in the instance's environment; open the conceptual system sessions.

    Returns the system sessions it opened."""
    env = instance.env
    assert env is not None, "install runs after the instance has built its environment"
    for view in VIEWS:
        env.virtual_tables[view.name.casefold()] = view
    functions = (
        *input_buffer.FUNCTIONS,
        *permission_functions.FUNCTIONS,
        *tool_views.FUNCTIONS,
        *file_views.FUNCTIONS,
        *index_stats_views.FUNCTIONS,
        *xe_views.FUNCTIONS,
        *index_catalog_views.FUNCTIONS,
    )
    for function in functions:
        env.table_functions[function.name.casefold()] = function
    for name, procedure in PROCEDURES.items():
        env.procedures[name.casefold()] = procedure
    env.statement_handlers.update(kill_statement.HANDLERS)
    env.statement_handlers.update(input_buffer.HANDLERS)
    env.statement_handlers.update(stored_procedures.HANDLERS)
    env.statement_handlers.update(views.HANDLERS)
    env.statement_handlers.update(synonyms.HANDLERS)
    env.statement_handlers[st.UpdateStatistics] = cursors.update_statistics
    env.statement_handlers.update(user_functions.HANDLERS)
    env.services["modules"] = ModuleStore.install(env.databases["master"])
    leftovers = temp_tables.drop_leftovers(env.databases["master"])
    if leftovers:
        log.info("dropped %d temporary tables left by the previous run", leftovers)
    env.statement_handlers.update(oracle_kill.HANDLERS)
    env.statement_handlers.update(oracle_2pc.HANDLERS)
    env.statement_handlers.update(distributed.HANDLERS)
    kill_history(env)  # env.services["kills"]
    kill_store.install(env)  # the history survives a restart: kept in master
    key = ServerKey(instance.data_dir)
    env.services[linked_servers.SERVICE] = linked_servers.LinkedServers(env.databases["master"], key)
    logged = any(database.wal is not None for database in env.databases.values())
    opened = []
    for command in CONCEPTUAL_SYSTEM_SESSIONS:
        if command == "LOG WRITER" and not logged:
            continue  # an in-memory instance writes no log
        opened.append(instance.registry.open_system_session(command))
    return opened
