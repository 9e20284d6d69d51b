"""Helpers for tests that run T-SQL on an embedded connection and look at what it answered."""

from __future__ import annotations

from typing import Any

from quietus.dbapi import Connection


def rows(conn: Connection, sql: str) -> list[tuple[Any, ...]]:
    """The last result set's rows of ``sql``, which must report no error."""
    sink = conn.run(sql)
    errors = [m for m in sink.messages if m.is_error]
    assert not errors, errors
    return sink.result_sets[-1].rows if sink.result_sets else []


def errors(conn: Connection, sql: str) -> list[tuple[int, str]]:
    """(number, text) of every error ``sql`` reported, in order."""
    return [(m.number, m.text) for m in conn.run(sql).messages if m.is_error]
