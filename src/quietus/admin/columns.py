"""Column lists of the views, written as the vendor documents them: one ``name type`` per line, in order.

A view's row builder produces tuples in exactly this order (tests/unit/test_admin_views.py checks every value
against its column's type), so the list is both the view's schema and the reading guide for its rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from quietus.sql.types_base import SqlType, parse_type_name

Columns = tuple[tuple[str, SqlType], ...]


def columns(spec: str) -> Columns:
    """``"session_id smallint\\nlogin_time datetime ..."`` -> ``(("session_id", SMALLINT), ...)``."""
    parsed: list[tuple[str, SqlType]] = []
    for line in spec.strip().splitlines():
        name, type_text = line.split(None, 1)
        parsed.append((name, parse_type_name(type_text.strip())))
    names = [name.casefold() for name, _ in parsed]
    if len(set(names)) != len(names) and not _repeats_allowed(names):
        raise ValueError(f"duplicate column in {names}")
    return tuple(parsed)


def _repeats_allowed(names: list[str]) -> bool:
    # sp_who2 really does return SPID twice; result sets (unlike views) may repeat a name.
    return names.count("spid") == 2


def padded(value: str | None, width: int) -> str | None:
    """A fixed-width (nchar/char) value as SQL Server returns it: blank-padded, cut at the width."""
    if value is None:
        return None
    return value[:width].ljust(width)


def no_rows(ctx: object, *arguments: object) -> Iterator[tuple[Any, ...]]:
    """The rows of a view or table function of something Quietus does not have (Extended Events, msdb's jobs,
    missing-index hints ...): none, as on a SQL Server where there is nothing to show."""
    return iter(())
