"""The safety net: an exception that escapes a request becomes an error for that client, never a dropped connection.

Every failure a user can cause is meant to be a catalogued ``SqlError`` raised where it arises; the net is for the
bugs that are not.  When an exception other than ``Interrupted`` leaves a request's batch, the request's work is
rolled back (the whole transaction: the state it left is not trusted), the client gets SQL Server's 8630 (8631 for
a ``RecursionError``: the stack limit) and a DONE with the error bit, and the session lives on, as it would after
a severity 17 error in SQL Server.  The exception is written once, with its traceback, to the error log, and
counted: ``sys.dm_quietus_safety_net`` shows how often the net fired, when last and with what.  The goal is that
the count stays 0; the fuzz suite (bench/torture_fuzz.py) fails on any non-zero count.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from quietus.errors import SqlError, sql_error

log = logging.getLogger("quietus.safety_net")

SERVICE = "safety_net"  # env.services key


@dataclass
class SafetyNetStats:
    fired: int = 0
    last_fired: datetime.datetime | None = None
    last_session_id: int | None = None
    last_exception: str = ""


def safety_net_stats(services: dict[str, Any]) -> SafetyNetStats:
    stats: SafetyNetStats | None = services.get(SERVICE)
    if stats is None:
        stats = services[SERVICE] = SafetyNetStats()
    return stats


def caught(services: dict[str, Any], session_id: int, escaped: BaseException, where: str) -> SqlError:
    """Record an exception that escaped ``where`` (a request of ``session_id``); the error its client gets."""
    stats = safety_net_stats(services)
    stats.fired += 1
    stats.last_fired = datetime.datetime.now()
    stats.last_session_id = session_id
    stats.last_exception = f"{type(escaped).__name__}: {escaped}"[:4000]
    text = "".join(traceback.format_exception(escaped))
    errorlog: Any = services.get("errorlog")
    if errorlog is not None:
        errorlog.write(f"spid{session_id}", f"The safety net caught an exception that escaped {where}:\n{text}")
    else:
        log.error("the safety net caught an exception that escaped %s of session %d:\n%s", where, session_id, text)
    return sql_error(8631 if isinstance(escaped, RecursionError) else 8630)
