"""``sys.dm_quietus_safety_net`` (a Quietus extension; docs/design/reliability.md): how often an exception escaped a
request and was turned into an error for its client (sessions/safety_net.py).  One row; the goal is ``fired_count``
= 0.  Without VIEW SERVER STATE the view is empty (the last exception's text may concern another login's request).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.visibility import sees_server_state
from quietus.sessions.safety_net import safety_net_stats
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable

DM_QUIETUS_SAFETY_NET = columns("""
fired_count bigint
last_fired_time datetime
last_session_id smallint
last_exception nvarchar(4000)
""")


def safety_net_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    if not sees_server_state(ctx):
        return
    stats = safety_net_stats(ctx.env.services)
    yield (stats.fired, stats.last_fired, stats.last_session_id, stats.last_exception or None)


VIEWS: tuple[VirtualTable, ...] = (VirtualTable("sys.dm_quietus_safety_net", DM_QUIETUS_SAFETY_NET, safety_net_rows),)
