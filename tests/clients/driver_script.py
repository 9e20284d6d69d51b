"""The script every driver runs (issue 10): the Python DB-API side.  tests/clients/node/script.js is the same script
for tedious and mssql.

connect · @@SPID · @@VERSION · DDL · a parameterised INSERT of every common type and of NULLs, read back with a
parameterised SELECT · an update count · executemany · rollback then commit · errors 8134 and 208 with their numbers
· KILL of an idle and of a running session, and what the driver shows for each.  The script returns a transcript
(plain data); the tests assert on it and print it, so what each driver shows is on record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

GUID = uuid.UUID("6f9619ff-8b86-d011-b42d-00c04fc964ff")
OFFSET = dt.timezone(dt.timedelta(hours=5, minutes=30))
# column, declaration, value: the common types
COLUMNS: list[tuple[str, str, Any]] = [
    ("i", "INT", 2_147_483_647),
    ("bi", "BIGINT", -9_000_000_000_000),
    ("d", "DECIMAL(18,4)", Decimal("12345.6789")),
    ("nv", "NVARCHAR(50)", "Grüße, 世界"),
    ("v", "VARCHAR(50)", "plain text"),
    ("vb", "VARBINARY(50)", b"\x00\x01\xff"),
    ("b", "BIT", True),
    ("u", "UNIQUEIDENTIFIER", GUID),
    ("dte", "DATE", dt.date(2024, 2, 29)),
    ("dtm", "DATETIME", dt.datetime(2023, 12, 31, 23, 59, 59, 997000)),
    ("dt2", "DATETIME2(7)", dt.datetime(2024, 1, 2, 3, 4, 5, 123456)),
    ("dto", "DATETIMEOFFSET(7)", dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=OFFSET)),
]
NAMES = [name for name, _, _ in COLUMNS]
# datetime2(7), time(7), datetimeoffset(7) with all seven digits, sent as text (no Python driver sends a seventh digit
# typed: datetime stops at the microsecond), read back typed and as the server's text
SEVEN_DIGITS = ["2024-01-02 03:04:05.1234567", "03:04:05.1234567", "2024-01-02 03:04:05.1234567 +05:30"]
# what a driver that reads 100 ns values shows for them (str of quietus.ticks' values, as its output converters make)
SEVEN_DIGITS_TYPED = ["2024-01-02 03:04:05.1234567", "03:04:05.1234567", "2024-01-02 03:04:05.1234567+05:30"]
WAIT_LIMIT = 20.0  # seconds before a step is declared hung (a failure, not a timing check)


@dataclass
class Driver:
    """How one DB-API driver connects and spells things."""

    name: str
    connect: Callable[[bool], Any]  # autocommit -> connection
    placeholder: str = "?"
    binary: Callable[[bytes], Any] = bytes
    # columns whose NULL this driver cannot send as a typed parameter (it binds None as varchar)
    untyped_null: frozenset[str] = frozenset()
    # fractional digits of a datetime the driver sends (pymssql quotes datetimes itself, to milliseconds)
    datetime_digits: int = 6
    # pyodbc binds an aware datetime without its tzinfo: the server gets the local time, taken as +00:00
    drops_offset: bool = False
    # how a datetime2(7)/time(7)/datetimeoffset(7) value read shows all seven digits; None: the driver's values stop
    # at the microsecond (against SQL Server too), so only the server's text shows the seventh digit
    seven_digits: Callable[[Any], str] | None = None


@dataclass
class Transcript:
    encrypt_option: str = ""
    spid: int = 0
    version: str = ""
    mismatches: list[str] = field(default_factory=list)
    nulls: list[Any] = field(default_factory=list)
    update_count: int = -2
    executemany_rows: int = -1
    output_rows: list[Any] = field(default_factory=list)
    rolled_back_rows: int = -1
    committed_rows: int = -1
    errors: dict[str, int | str | None] = field(default_factory=dict)
    kill_idle: str = ""
    kill_running: str = ""
    seven_digits_text: list[str] = field(default_factory=list)
    seven_digits_typed: list[str] = field(default_factory=list)


def error_number(exc: BaseException) -> int | str | None:
    """The server's error number as the driver exposes it (attribute, first argument, or in the text)."""
    number = getattr(exc, "number", None)
    if isinstance(number, int):
        return number
    if exc.args and isinstance(exc.args[0], int):
        return exc.args[0]
    found = re.search(r"\((\d{3,5})\)", str(exc))
    return int(found.group(1)) if found else None


def shown(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:220]}"


def normal(value: Any) -> Any:
    """Values compared across drivers: GUIDs as upper-case text, bits as bool."""
    if isinstance(value, uuid.UUID):
        return str(value).upper()
    if isinstance(value, str) and re.fullmatch(r"[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}", value):
        return value.upper()
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return value


def run_script(driver: Driver, table: str) -> Transcript:
    out = Transcript()
    p = driver.placeholder
    conn = driver.connect(True)
    try:
        cur = conn.cursor()
        cur.execute("SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID")
        out.encrypt_option = cur.fetchone()[0]
        cur.execute("SELECT @@SPID")
        out.spid = cur.fetchone()[0]
        cur.execute("SELECT @@VERSION")
        out.version = cur.fetchone()[0]

        declarations = ", ".join(f"{name} {declaration}" for name, declaration, _ in COLUMNS)
        cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, {declarations})")
        values = [driver.binary(v) if isinstance(v, bytes) else v for _, _, v in COLUMNS]
        marks = ", ".join([p] * (len(COLUMNS) + 1))
        cur.execute(f"INSERT INTO {table} (id, {', '.join(NAMES)}) VALUES ({marks})", (1, *values))
        nullable = [n for n in NAMES if n not in driver.untyped_null]
        marks = ", ".join([p] * (len(nullable) + 1))
        cur.execute(f"INSERT INTO {table} (id, {', '.join(nullable)}) VALUES ({marks})", (2, *[None] * len(nullable)))
        cur.execute(f"SELECT {', '.join(NAMES)} FROM {table} WHERE id = {p}", (1,))
        row = cur.fetchone()
        for (name, _, expected), got in zip(COLUMNS, row, strict=True):
            if isinstance(expected, dt.datetime) and expected.tzinfo is not None and driver.drops_offset:
                expected = expected.replace(tzinfo=dt.UTC)
            if isinstance(expected, dt.datetime) and expected.tzinfo is None and driver.datetime_digits < 6:
                unit = 10 ** (6 - driver.datetime_digits)
                expected = expected.replace(microsecond=expected.microsecond // unit * unit)
            if normal(got) != normal(expected):
                out.mismatches.append(f"{name}: sent {expected!r}, read {got!r}")
        cur.execute(f"SELECT {', '.join(NAMES)} FROM {table} WHERE id = {p}", (2,))
        out.nulls = list(cur.fetchone())

        cur.execute(f"UPDATE {table} SET i = i - 1 WHERE id IN ({p}, {p})", (1, 2))
        out.update_count = cur.rowcount
        cur.executemany(f"INSERT INTO {table} (id, nv) VALUES ({p}, {p})", [(10, "a"), (11, "b"), (12, "c")])
        cur.execute(f"SELECT COUNT(*) FROM {table} WHERE id >= 10")
        out.executemany_rows = cur.fetchone()[0]

        cur.execute(f"INSERT INTO {table} (id, nv) OUTPUT inserted.id, inserted.nv VALUES ({p}, {p})", (30, "out"))
        out.output_rows = [list(row) for row in cur.fetchall()]

        for label, statement in (("divide", "SELECT 1/0"), ("missing", "SELECT * FROM no_such_table")):
            try:
                cur.execute(statement)
                cur.fetchall()
                out.errors[label] = "no error"
            except Exception as exc:
                out.errors[label] = error_number(exc)
                out.errors[label + "_shown"] = shown(exc)
        _seven_digits(driver, cur, table, out)
        _transactions(driver, table, out)
        _kills(driver, cur, out)
    finally:
        conn.close()
    return out


def _seven_digits(driver: Driver, cur: Any, table: str, out: Transcript) -> None:
    p = driver.placeholder
    cur.execute(f"CREATE TABLE {table}_7 (dt2 DATETIME2(7), tm TIME(7), dto DATETIMEOFFSET(7))")
    cur.execute(f"INSERT INTO {table}_7 VALUES ({p}, {p}, {p})", tuple(SEVEN_DIGITS))
    cur.execute(f"SELECT CAST(dt2 AS VARCHAR(40)), CAST(tm AS VARCHAR(40)), CAST(dto AS VARCHAR(40)) FROM {table}_7")
    out.seven_digits_text = list(cur.fetchone())
    cur.execute(f"SELECT dt2, tm, dto FROM {table}_7")
    values = cur.fetchone()
    if driver.seven_digits is not None:
        out.seven_digits_typed = [driver.seven_digits(value) for value in values]


def _transactions(driver: Driver, table: str, out: Transcript) -> None:
    p = driver.placeholder
    conn = driver.connect(False)
    try:
        cur = conn.cursor()
        cur.execute(f"INSERT INTO {table} (id, nv) VALUES ({p}, {p})", (20, "rolled back"))
        conn.rollback()
        cur.execute(f"INSERT INTO {table} (id, nv) VALUES ({p}, {p})", (21, "committed"))
        conn.commit()
        cur.execute(f"SELECT COUNT(*) FROM {table} WHERE id = 20")
        out.rolled_back_rows = cur.fetchone()[0]
        cur.execute(f"SELECT COUNT(*) FROM {table} WHERE id = 21")
        out.committed_rows = cur.fetchone()[0]
        conn.commit()
    finally:
        conn.close()


def _kills(driver: Driver, admin: Any, out: Transcript) -> None:
    # Both victims connect before either kill, so each KILL names a session that is working at that moment
    idle, running = driver.connect(True), driver.connect(True)
    idle_cursor = idle.cursor()
    idle_cursor.execute("SELECT @@SPID")
    admin.execute(f"KILL {idle_cursor.fetchone()[0]}")
    try:
        idle_cursor.execute("SELECT 1")
        idle_cursor.fetchall()
        out.kill_idle = "no error"
    except Exception as exc:
        out.kill_idle = shown(exc)
    finally:
        _close_quietly(idle)

    running_cursor = running.cursor()
    running_cursor.execute("SELECT @@SPID")
    spid = running_cursor.fetchone()[0]
    outcome: list[str] = []

    def wait() -> None:
        try:
            running_cursor.execute("WAITFOR DELAY '00:00:30'")
            outcome.append("no error")
        except Exception as exc:
            outcome.append(shown(exc))

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        admin.execute(f"SELECT COUNT(*) FROM sys.dm_exec_requests WHERE session_id = {spid}")
        if admin.fetchone()[0]:
            break
        if time.monotonic() > deadline:
            raise AssertionError("the WAITFOR never started")
        time.sleep(0.02)
    admin.execute(f"KILL {spid}")
    waiter.join(WAIT_LIMIT)
    out.kill_running = outcome[0] if outcome else "still running (hung)"
    _close_quietly(running)


def _close_quietly(conn: Any) -> None:
    with contextlib.suppress(Exception):  # a killed connection may complain about being closed
        conn.close()
