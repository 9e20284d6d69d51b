"""The ``quietus`` command.

``quietus sql --embedded DIR`` is an interactive T-SQL shell on an in-process instance whose data lives in DIR
(as ``sqlite3 FILE`` is for SQLite): type statements, end a batch with a line ``GO``; ``-Q`` runs one batch and
exits, ``-i`` runs the batches of a file.  Exit code 1 if a batch failed with ``-b``, as sqlcmd.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click

from quietus.cli.output import print_events
from quietus.dbapi import Connection, connect

DEFAULT_DATA_DIR = Path("quietus-data")


def _batches(lines: list[str]) -> list[str]:
    """Split a script on lines that consist of GO (sqlcmd's separator)."""
    batches: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip().upper() == "GO":
            if current:
                batches.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if any(line.strip() for line in current):
        batches.append("\n".join(current))
    return batches


def _run(connection: Connection, text: str, out: TextIO) -> bool:
    sink = connection.run(text)
    return print_events(sink.events, out)


@click.group()
def main() -> None:
    """Quietus: a SQL database server that is best at seeing sessions and ending them."""


@main.command()
@click.option(
    "--embedded",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Data directory of the in-process instance.",
)
@click.option("-Q", "query", help="Run this batch and exit.")
@click.option("-i", "input_file", type=click.File("r"), help="Run the batches of this file and exit.")
@click.option("-b", "fail_on_error", is_flag=True, help="Exit with code 1 when a batch fails.")
def sql(data_dir: Path, query: str | None, input_file: TextIO | None, fail_on_error: bool) -> None:
    """A T-SQL shell on the embedded engine (batches end with a line GO)."""
    connection = connect(data_dir, autocommit=True, program_name="quietus sql")
    failed = False
    try:
        if query is not None:
            failed = _run(connection, query, sys.stdout)
        elif input_file is not None:
            for batch in _batches(input_file.read().splitlines()):
                failed = _run(connection, batch, sys.stdout) or failed
        else:
            failed = _interactive(connection)
    finally:
        connection.close()
    if failed and fail_on_error:
        sys.exit(1)


def _interactive(connection: Connection) -> bool:
    interactive = sys.stdin.isatty()
    if interactive:
        click.echo(
            f"Quietus {connection.instance.data_dir or 'in memory'}: session {connection.session_id}. "
            "End a batch with GO; EXIT or QUIT leaves."
        )
    lines: list[str] = []
    failed = False
    number = 1
    while True:
        try:
            line = input(f"{number}> " if interactive else "")
        except EOFError:
            break
        command = line.strip().upper()
        if command in ("EXIT", "QUIT", ":QUIT", ":EXIT"):
            break
        if command == "GO":
            if lines:
                failed = _run(connection, "\n".join(lines), sys.stdout) or failed
            lines = []
            number = 1
            if connection.closed:
                break
            continue
        lines.append(line)
        number += 1
    if any(line.strip() for line in lines):
        failed = _run(connection, "\n".join(lines), sys.stdout) or failed
    return failed


if __name__ == "__main__":
    main()
