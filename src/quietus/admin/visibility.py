"""Who may see what: VIEW SERVER STATE scoping of the session views.

SQL Server shows a login without VIEW SERVER STATE only its own session in sys.dm_exec_sessions,
sys.dm_exec_requests, sys.dm_exec_connections, sys.sysprocesses and sp_who.  Quietus applies the same rule to
every view of this package that is about sessions, transactions or locks (dm_tran_*, dm_os_waiting_tasks,
sp_lock): rows of other sessions are left out rather than refused.

The permission comes from the security service (``env.services["security"]``); an environment without one (the
embedded engine before logins exist) behaves as if every login held the permission.
"""

from __future__ import annotations

from typing import Any

from quietus.sessions.session import Session
from quietus.sql.context import ExecContext

VIEW_SERVER_STATE = "VIEW SERVER STATE"


def sees_server_state(ctx: ExecContext) -> bool:
    security: Any = ctx.env.services.get("security")
    if security is None:
        return True
    return bool(security.has_server_permission(ctx.session.login_name, VIEW_SERVER_STATE))


def visible_sessions(ctx: ExecContext) -> list[Session]:
    """The sessions the caller may see, in session id order."""
    registry: Any = ctx.env.services.get("registry")
    if registry is None:
        return [ctx.session]
    if sees_server_state(ctx):
        return list(registry)
    own = registry.get(ctx.session.session_id)
    return [own] if own is not None else [ctx.session]
