"""Server-side filtering, sorting and paging of the sessions table, so a page with 10,000 sessions sends one page.

A query comes from the URL (``?q=&status=&surface=&blocked=1&sort=wait_ms&desc=1&offset=0&limit=100``); every
parameter is checked against a table of what is allowed, and a bad one is refused (400), never ignored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SORTABLE = (
    "session_id",
    "login",
    "host",
    "program",
    "surface",
    "status",
    "command",
    "wait_type",
    "wait_ms",
    "blocked_by",
    "open_transactions",
    "rows_to_undo",
    "cpu_ms",
    "elapsed_ms",
)
TEXT_FIELDS = ("login", "host", "program", "command", "wait_type", "statement")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SLICE = 2000  # rows matched between two yields to the loop


class BadQuery(ValueError):
    """A query parameter the monitor does not understand (the message says which)."""


@dataclass(frozen=True)
class SessionQuery:
    text: str = ""  # case-insensitive substring of login, host, program, command, wait type or statement
    status: str = ""  # exact status (running, sleeping, suspended, runnable, rollback)
    surface: str = ""  # exact surface (TDS, Oracle Net, embedded)
    blocked: bool = False  # only sessions that wait on another
    sort: str = "session_id"
    descending: bool = False
    offset: int = 0
    limit: int = DEFAULT_LIMIT

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> SessionQuery:
        unknown = set(params) - {"q", "status", "surface", "blocked", "sort", "desc", "offset", "limit"}
        if unknown:
            raise BadQuery(f"unknown parameter {sorted(unknown)[0]!r}")
        sort = params.get("sort", "session_id")
        if sort not in SORTABLE:
            raise BadQuery(f"cannot sort by {sort!r} (one of {', '.join(SORTABLE)})")
        return cls(
            text=params.get("q", "").strip(),
            status=params.get("status", ""),
            surface=params.get("surface", ""),
            blocked=_flag(params, "blocked"),
            sort=sort,
            descending=_flag(params, "desc"),
            offset=_number(params, "offset", 0, 0, 1 << 31),
            limit=_number(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        )

    def matches(self, row: Mapping[str, Any]) -> bool:
        if self.status and row["status"] != self.status:
            return False
        if self.surface and row["surface"] != self.surface:
            return False
        if self.blocked and not row["blocked_by"]:
            return False
        if self.text:
            folded = self.text.casefold()
            return any(folded in str(row[name] or "").casefold() for name in TEXT_FIELDS)
        return True

    async def page(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        """{total, matched, offset, limit, rows}: the requested page of the matching rows (matched SLICE rows at a
        time, yielding to the loop between slices)."""
        matched: list[dict[str, Any]] = []
        for start in range(0, len(rows), SLICE):
            if start:
                await asyncio.sleep(0)
            matched.extend(row for row in rows[start : start + SLICE] if self.matches(row))
        if self.sort != "session_id" or self.descending:
            matched.sort(key=lambda row: _key(row[self.sort]), reverse=self.descending)
        return {
            "total": len(rows),
            "matched": len(matched),
            "offset": self.offset,
            "limit": self.limit,
            "rows": matched[self.offset : self.offset + self.limit],
        }


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    return (1, value.casefold()) if isinstance(value, str) else (2, value)


def _flag(params: Mapping[str, str], name: str) -> bool:
    value = params.get(name, "0")
    if value not in ("0", "1", "true", "false", ""):
        raise BadQuery(f"{name} must be 0 or 1")
    return value in ("1", "true")


def _number(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = params.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise BadQuery(f"{name} must be between {low} and {high}")
    return value
