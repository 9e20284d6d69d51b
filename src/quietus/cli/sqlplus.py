"""``quietus sql --oracle``: a shell with SQL*Plus's habits over Oracle Net (python-oracledb thin as the client).

Input: lines go into a buffer; a line ending in ``;`` runs the buffer (without the ``;``), a line holding only ``/``
runs the buffer again (or the pending one), an empty line ends the buffer without running it, ``EXIT``/``QUIT``
leave (committing, as SQL*Plus does by default).  Output: a query prints its column headings (upper-case, underlined
with dashes), its rows, then ``n rows selected.`` (``no rows selected``); any other statement prints ``Statement
processed.``; an error prints its ``ORA-nnnnn: text`` and the shell goes on.  Prompts: ``SQL> ``, then the line
numbers of a continued statement (``  2  ``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TextIO

PROMPT = "SQL> "
LEAVE = {"EXIT", "QUIT", "EXIT;", "QUIT;"}


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.hour or value.minute or value.second or value.microsecond:
            return value.strftime("%d-%b-%y %H:%M:%S").upper()
        return value.strftime("%d-%b-%y").upper()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes):
        return value.hex().upper()
    return str(value)


def is_numeric(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def print_rows(out: TextIO, headings: list[str], rows: list[tuple[Any, ...]]) -> None:
    """SQL*Plus's layout: headings, dashes, rows; numbers right-aligned, the rest left-aligned."""
    if not rows:
        out.write("\nno rows selected\n\n")
        return
    cells = [[format_value(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headings)]
    numeric = [any(is_numeric(row[i]) for row in rows) for i in range(len(headings))]

    def line(values: list[str]) -> str:
        parts = [v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)]
        return " ".join(parts).rstrip()

    out.write("\n" + line([h.rjust(w) if n else h for h, w, n in zip(headings, widths, numeric, strict=True)]))
    out.write("\n" + " ".join("-" * w for w in widths) + "\n")
    for row in cells:
        out.write(line(row) + "\n")
    count = len(rows)
    out.write(f"\n{count} row{'s' if count != 1 else ''} selected.\n\n")


class SqlPlus:
    def __init__(self, connection: Any, out: TextIO, *, interactive: bool = False) -> None:
        self.connection = connection
        self.out = out
        self.interactive = interactive
        self.buffer: list[str] = []
        self.last = ""
        self.errors = 0

    def prompt(self) -> str:
        return PROMPT if not self.buffer else f"{len(self.buffer) + 1:3d}  "

    def feed(self, line: str) -> bool:
        """One input line; False once the shell should leave."""
        stripped = line.strip()
        if not self.buffer and stripped.upper() in LEAVE:
            return False
        if stripped == "/":
            text = "\n".join(self.buffer) if self.buffer else self.last
            self.buffer = []
            if text.strip():
                self.run(text)
            return True
        if not stripped and self.buffer:
            self.last, self.buffer = "\n".join(self.buffer), []
            return True
        if not stripped:
            return True
        if stripped.endswith(";"):
            self.buffer.append(line.rstrip()[:-1].rstrip())
            text, self.buffer = "\n".join(self.buffer), []
            self.run(text)
            return True
        self.buffer.append(line.rstrip("\n"))
        return True

    def run(self, text: str) -> None:
        self.last = text
        import oracledb

        cursor = self.connection.cursor()
        try:
            cursor.execute(text)
            if cursor.description is not None:
                headings = [d[0] for d in cursor.description]
                print_rows(self.out, headings, [tuple(r) for r in cursor.fetchall()])
            else:
                self.out.write("\nStatement processed.\n\n")
        except oracledb.Error as exc:
            self.errors += 1
            error = exc.args[0]
            message = getattr(error, "message", str(exc)).splitlines()
            self.out.write("\n" + "\n".join(m for m in message if not m.startswith("Help:")) + "\n\n")
        finally:
            cursor.close()

    def run_lines(self, lines: Iterable[str], echo_prompt: bool = False) -> None:
        for line in lines:
            if echo_prompt:
                self.out.write(self.prompt())
            if not self.feed(line):
                break
        self.leave()

    def leave(self) -> None:
        import oracledb

        try:
            self.connection.commit()  # SQL*Plus commits on EXIT by default
        except oracledb.Error as exc:
            self.out.write(f"{exc}\n")
        self.out.write("Disconnected from Quietus (Oracle Net)\n")


def interactive_lines(shell: SqlPlus) -> Iterable[str]:
    while True:
        try:
            yield input(shell.prompt())
        except EOFError:
            return


def connect(host: str, port: int, service: str, user: str, password: str) -> Any:
    import oracledb

    return oracledb.connect(user=user, password=password, dsn=f"{host}:{port}/{service}")


def parse_server(server: str | None) -> tuple[str, int]:
    """``host``, ``host:port`` or ``host,port`` (sqlcmd's spelling); the port defaults to 1521."""
    text = (server or "localhost").removeprefix("tcp:")
    for separator in (",", ":"):
        if separator in text:
            host, port = text.rsplit(separator, 1)
            return host or "localhost", int(port)
    return text, 1521
