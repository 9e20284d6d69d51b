"""``/metrics``: the server's state in Prometheus's text exposition format (prometheus-client's writer).

Every value is read when the scrape comes, from ``board.server_board`` (every session, the same Snapshot and
blocking graph the views read), the kill history and the monitor's own counters:

| metric                                   | type    | labels          | source                                   |
|------------------------------------------|---------|-----------------|------------------------------------------|
| quietus_sessions                         | gauge   | status, surface | user sessions, status as sp_who shows it |
| quietus_blocked_sessions                 | gauge   |                 | sessions with a blocker (blocking graph) |
| quietus_blocking_heads                   | gauge   |                 | chain heads (dm_exec_blocking_chains)    |
| quietus_longest_block_seconds            | gauge   |                 | the longest current lock wait of a       |
|                                          |         |                 | blocked session                          |
| quietus_lock_waits                       | gauge   |                 | sessions waiting with an LCK_M_* wait    |
| quietus_rollbacks_in_progress            | gauge   |                 | requests with status rollback            |
| quietus_rollback_rows_pending            | gauge   |                 | undo records still to roll back          |
| quietus_kill_history                     | gauge   | reason, outcome | records in the bounded kill history      |
| quietus_kills_total                      | counter |                 | kills applied since start (kill ids)     |
| quietus_monitor_requests_total           | counter |                 | HTTP requests the monitor answered       |
| quietus_monitor_errors_total             | counter |                 | of those, answered with a 5xx            |
| quietus_failed_logins_total              | counter |                 | "Login failed" error-log lines since the |
|                                          |         |                 | monitor started: TDS, Oracle Net, web    |
| quietus_deadlocks_total                  | counter |                 | deadlocks the lock manager found         |
| quietus_commits_total                    | counter |                 | committed transactions that wrote        |
| quietus_log_flush_seconds                | histogram |               | WAL group commits: write + fsync time    |
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from quietus.admin.blocking import LOCK_WAIT_PREFIX
from quietus.admin.kill import kill_history
from quietus.engine.wal.log import FLUSH_BUCKETS
from quietus.monitor.board import Board, server_board
from quietus.sql.environment import Environment

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FAILED_LOGIN = "Login failed for user"


@dataclass
class Counters:
    """What the monitor counts about itself."""

    requests: int = 0
    errors: int = 0
    failed_logins: int = 0  # counted from the error log (``count_failed_login``)

    def count_failed_login(self, source: str, text: str) -> None:
        """An error-log listener: every surface writes a failed login as a ``Logon`` line "Login failed for ..."."""
        if source == "Logon" and text.startswith(FAILED_LOGIN):
            self.failed_logins += 1


class ServerCollector(Collector):
    """The metrics of one scrape, from what ``exposition`` read."""

    def __init__(self, env: Environment, counters: Counters, moment: Board, rows: list[dict[str, Any]]) -> None:
        self.env = env
        self.counters = counters
        self.moment = moment
        self.rows = rows

    def collect(self) -> Iterator[Metric]:
        moment, rows = self.moment, self.rows
        sessions = GaugeMetricFamily(
            "quietus_sessions", "User sessions by status and surface", labels=["status", "surface"]
        )
        for (status, surface), count in sorted(Counter((r["status"], r["surface"]) for r in rows).items()):
            sessions.add_metric([status, surface], count)
        yield sessions
        graph = moment.graph
        blocked = [r for r in rows if r["session_id"] in graph.waits_for]
        yield GaugeMetricFamily("quietus_blocked_sessions", "Sessions waiting on another session", len(blocked))
        yield GaugeMetricFamily("quietus_blocking_heads", "Heads of blocking chains", len(graph.heads()))
        yield GaugeMetricFamily(
            "quietus_longest_block_seconds",
            "The longest current wait of a blocked session",
            max((r["wait_ms"] for r in blocked), default=0) / 1000,
        )
        yield GaugeMetricFamily(
            "quietus_lock_waits",
            "Sessions waiting for a lock",
            sum(1 for r in rows if (r["wait_type"] or "").startswith(LOCK_WAIT_PREFIX)),
        )
        rollbacks = moment.rollbacks()
        yield GaugeMetricFamily("quietus_rollbacks_in_progress", "Sessions rolling back", len(rollbacks))
        yield GaugeMetricFamily(
            "quietus_rollback_rows_pending",
            "Undo records still to roll back",
            sum(r["rows_total"] - r["rows_done"] for r in rollbacks),
        )
        history = kill_history(self.env)
        kills = GaugeMetricFamily(
            "quietus_kill_history", "Kills in the bounded kill history", labels=["reason", "outcome"]
        )
        records = list(history)
        for (reason, outcome), count in sorted(Counter((r.reason.value, r.outcome.value) for r in records).items()):
            kills.add_metric([reason, outcome], count)
        yield kills
        yield CounterMetricFamily(
            "quietus_kills", "Kills applied since the server started", max((r.kill_id for r in records), default=0)
        )
        counters = self.counters
        yield CounterMetricFamily("quietus_monitor_requests", "HTTP requests the monitor answered", counters.requests)
        yield CounterMetricFamily("quietus_monitor_errors", "Monitor requests answered with a 5xx", counters.errors)
        yield CounterMetricFamily(
            "quietus_failed_logins", "Failed logins on every surface (TDS, Oracle Net, monitor)", counters.failed_logins
        )
        yield from engine_metrics(self.env)


def engine_metrics(env: Environment) -> Iterator[Metric]:
    """Counters the engine keeps: deadlocks (the lock manager), commits of writing transactions, and the write-ahead
    log's group-commit flush latency (write + fsync per batch) as a histogram."""
    databases = list(env.databases.values())
    yield CounterMetricFamily(
        "quietus_deadlocks",
        "Deadlocks found (each ended one victim with 1205)",
        sum(d.locks.deadlocks for d in databases),
    )
    yield CounterMetricFamily("quietus_commits", "Committed transactions that wrote", sum(d.commits for d in databases))
    flush = HistogramMetricFamily("quietus_log_flush_seconds", "Write-ahead log group commits: write + fsync time")
    totals = [0] * len(FLUSH_BUCKETS)
    seconds = 0.0
    for database in databases:
        if database.wal is None:
            continue
        statistics = database.wal.statistics()
        seconds += statistics.flush_seconds
        for position, count in enumerate(statistics.flush_buckets):
            totals[position] += count
    flush.add_metric(
        [],
        [
            (str(bound) if bound != float("inf") else "+Inf", count)
            for bound, count in zip(FLUSH_BUCKETS, totals, strict=True)
        ],
        seconds,
    )
    yield flush


async def exposition(env: Environment, counters: Counters) -> bytes:
    """The text format, read now (on the engine thread; the sessions in slices, as the page reads them)."""
    moment = server_board(env)
    rows = await moment.session_rows()
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ServerCollector(env, counters, moment, rows))
    return generate_latest(registry)
