"""Helpers for tests that run T-SQL on an embedded connection and look at what it answered."""

from __future__ import annotations

from typing import Any

import pytest

from quietus.dbapi import Connection
from quietus.sql import dml


def rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    """The last result set's rows of ``sql``, which must report no error."""
    sink = conn.run(sql)
    errors = [m for m in sink.messages if m.is_error]
    assert not errors, errors
    return sink.result_sets[-1].rows if sink.result_sets else []


def errors(conn: Connection, sql: str) -> list[tuple[int, str]]:
    """(number, text) of every error ``sql`` reported, in order."""
    return [(m.number, m.text) for m in conn.run(sql).messages if m.is_error]


class WritePlanCount:
    """How many times ``dml.plan_write`` compiled an UPDATE or DELETE (a write plan cache miss plans once)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = dml.plan_write

        def counted(ctx: Any, node: Any, output: Any = None) -> dml.WritePlan:
            self.count += 1
            return original(ctx, node, output)

        monkeypatch.setattr(dml, "plan_write", counted)

    def taken(self) -> int:
        """The count since the last call."""
        count, self.count = self.count, 0
        return count
