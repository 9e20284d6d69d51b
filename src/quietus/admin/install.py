"""Registering the admin layer into an instance: its views, its procedures, and the system sessions it shows.

The registries are tables: a view family module exports ``VIEWS`` (one ``VirtualTable`` each), procedures.py
exports ``PROCEDURES``; adding a view or a procedure is one entry there.  ``install`` runs on the engine thread
while the instance starts, after its environment exists.
"""

from __future__ import annotations

from typing import Protocol

from quietus.admin import (
    blocking,
    catalog_views,
    exec_views,
    kill_statement,
    kill_views,
    procedures,
    reliability_views,
    sp_configure,
    sp_kill,
    tran_views,
)
from quietus.admin.kill import kill_history
from quietus.sessions.registry import SessionRegistry
from quietus.sessions.session import Session
from quietus.sql.environment import Environment, Procedure, VirtualTable

VIEWS: tuple[VirtualTable, ...] = (
    *exec_views.VIEWS,
    *tran_views.VIEWS,
    *catalog_views.VIEWS,
    *blocking.VIEWS,
    *kill_views.VIEWS,
    *reliability_views.VIEWS,
)
PROCEDURES: dict[str, Procedure] = {
    **procedures.PROCEDURES,
    "sp_kill": sp_kill.sp_kill,
    "sp_configure": sp_configure.sp_configure,
}

# Background work that exists without a task of its own: the deadlock search runs inside the lock manager when a
# request waits, and the log writer is the WAL's thread.  SQL Server lists both as system sessions.
CONCEPTUAL_SYSTEM_SESSIONS = ("LOCK MONITOR", "LOG WRITER")


class Host(Protocol):
    """What install needs from the instance (the server layer is above this one, so it is not imported)."""

    @property
    def env(self) -> Environment | None: ...

    @property
    def registry(self) -> SessionRegistry: ...


def install(instance: Host) -> list[Session]:
    """Register every view and procedure in the instance's environment; open the conceptual system sessions.

    Returns the system sessions it opened."""
    env = instance.env
    assert env is not None, "install runs after the instance has built its environment"
    for view in VIEWS:
        env.virtual_tables[view.name.casefold()] = view
    for name, procedure in PROCEDURES.items():
        env.procedures[name.casefold()] = procedure
    env.statement_handlers.update(kill_statement.HANDLERS)
    kill_history(env)  # env.services["kills"]
    logged = any(database.wal is not None for database in env.databases.values())
    opened = []
    for command in CONCEPTUAL_SYSTEM_SESSIONS:
        if command == "LOG WRITER" and not logged:
            continue  # an in-memory instance writes no log
        opened.append(instance.registry.open_system_session(command))
    return opened
