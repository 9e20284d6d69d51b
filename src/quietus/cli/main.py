"""The ``quietus`` command.

``quietus sql`` is sqlcmd: ``-S host[,port] -U login -P password`` connects to a Quietus server over TDS;
``--embedded DIR`` runs an in-process instance whose data lives in DIR instead (as ``sqlite3 FILE`` does for
SQLite).  Either way: type statements, end a batch with a line ``GO``; ``-Q`` runs a query and exits, ``-i`` runs
the batches of files; output, messages and exit codes are sqlcmd's (docs/design/sqlcmd.md).

``quietus sql --oracle`` is a SQL*Plus-like shell over Oracle Net instead (``quietus.cli.sqlplus``): ``-S
host[:port]`` (default localhost:1521), ``-U``/``-P``, ``-d`` the service (a database name, default master).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from pathlib import Path
from typing import NoReturn, TextIO

import click

from quietus import __version__
from quietus.cli import sqlcmd
from quietus.cli.output import DEFAULT_VAR_WIDTH, Format, Layout
from quietus.cli.serve import serve
from quietus.cli.sqlcmd_tds import DRIVER, ClientError, LoginDetails, LoginFailed, TdsSession

DEFAULT_DATA_DIR = Path("quietus-data")
DEFAULT_LOGIN_TIMEOUT = 8  # seconds, sqlcmd's default for -l


@click.group()
@click.version_option(__version__, "--version", "-V", prog_name="quietus", message="%(prog)s %(version)s")
def main() -> None:
    """Quietus: a SQL database server that is best at seeing sessions and ending them."""


def _separator(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if len(value) != 1:
        raise click.BadParameter("the column separator is one character")
    return value


def _headers(ctx: click.Context, param: click.Parameter, value: int) -> int:
    if value < -1:
        raise click.BadParameter("use -1 (no headers), 0 (once) or the number of rows between headers")
    return value


@main.command(context_settings={"help_option_names": ["-?", "--help"]})
@click.option("--oracle", is_flag=True, help="Connect over Oracle Net with a SQL*Plus-like shell (SQL> prompt).")
@click.option(
    "--embedded",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Run an in-process instance on this data directory instead of connecting to a server.",
)
@click.option("-S", "server", envvar="SQLCMDSERVER", help="Server: [tcp:]host[,port] (default localhost,1433).")
@click.option("-U", "user", envvar="SQLCMDUSER", help="Login name.")
@click.option("-P", "password", help="Password (else SQLCMDPASSWORD, else a prompt on a terminal).")
@click.option("-d", "database", envvar="SQLCMDDBNAME", default="", help="Database to use after login.")
@click.option("-l", "login_timeout", type=int, envvar="SQLCMDLOGINTIMEOUT", default=DEFAULT_LOGIN_TIMEOUT,
              help="Login timeout in seconds (0 = none).")  # fmt: skip
@click.option("-Q", "query", help="Run this query and exit.")
@click.option("-q", "initial_query", help="Run this query, then read more input.")
@click.option("-i", "input_files", multiple=True, help="Run the batches of these files (comma-separated or repeated).")
@click.option("-o", "output_file", type=click.Path(dir_okay=False, path_type=Path), help="Write output to this file.")
@click.option("-b", "exit_on_error", is_flag=True, help="Exit with code 1 after a batch with an error.")
@click.option("-V", "error_severity", type=int, default=0, help="Lowest error severity that counts for -b.")
@click.option("-t", "query_timeout", type=int, envvar="SQLCMDSTATTIMEOUT", default=0,
              help="Query timeout in seconds (0 = none).")  # fmt: skip
@click.option("-h", "headers", type=int, envvar="SQLCMDHEADERS", default=0, callback=_headers,
              help="Rows between column headers; -1 prints none.")  # fmt: skip
@click.option("-s", "separator", envvar="SQLCMDCOLSEP", default=" ", callback=_separator, help="Column separator.")
@click.option("-W", "trim", is_flag=True, help="Remove trailing spaces from each column.")
@click.option("-y", "var_width", type=int, envvar="SQLCMDMAXVARTYPEWIDTH", default=DEFAULT_VAR_WIDTH,
              help="Display width of large variable-length types (0 = unlimited).")  # fmt: skip
@click.option("-Y", "fixed_width", type=int, envvar="SQLCMDMAXFIXEDTYPEWIDTH", default=0,
              help="Largest display width of character and binary types (0 = their own).")  # fmt: skip
def sql(
    oracle: bool,
    data_dir: Path | None,
    server: str | None,
    user: str | None,
    password: str | None,
    database: str,
    login_timeout: int,
    query: str | None,
    initial_query: str | None,
    input_files: tuple[str, ...],
    output_file: Path | None,
    exit_on_error: bool,
    error_severity: int,
    query_timeout: int,
    headers: int,
    separator: str,
    trim: bool,
    var_width: int,
    fixed_width: int,
) -> None:
    """sqlcmd for Quietus: batches end with a line GO; EXIT or QUIT leaves.  With --oracle: SQL*Plus's habits."""
    if oracle:
        if data_dir is not None:
            raise click.UsageError("--oracle connects to a server: --embedded does not apply")
        _oracle(server, user, password, database or "master", query)
    settings = sqlcmd.Settings(
        query=query,
        initial_query=initial_query,
        input_files=input_files,
        exit_on_error=exit_on_error,
        error_severity=error_severity,
        query_timeout=query_timeout,
    )
    layout = Layout.FIT if data_dir is not None else Layout.SQLCMD
    output_format = Format(headers, separator, trim, var_width, fixed_width, layout)
    try:
        inputs = sqlcmd.read_inputs(input_files) if query is None else []
    except sqlcmd.UsageError as exc:
        _fail("Sqlcmd", str(exc))
    if data_dir is not None:
        if server or user or password:
            raise click.UsageError("--embedded runs an in-process instance: -S, -U and -P do not apply")
        backend: sqlcmd.Backend = _embedded(data_dir, database, interactive=query is None and not inputs)
    else:
        login = (user or "", password, database)
        backend = _connect(server or "localhost", *login, login_timeout, query_timeout)
    with contextlib.ExitStack() as stack:
        stack.callback(backend.close)
        out: TextIO = sys.stdout
        if output_file is not None:
            out = stack.enter_context(output_file.open("w", encoding="utf-8"))
        code = sqlcmd.run(
            backend,
            settings,
            out,
            sys.stderr,
            output_format,
            inputs,
            interactive=sys.stdin.isatty(),
        )
    sys.exit(code)


def _fail(source: str, text: str) -> NoReturn:
    click.echo(f"Sqlcmd: Error: {source} : {text}", err=True)
    sys.exit(1)


def _embedded(data_dir: Path, database: str, interactive: bool) -> sqlcmd.Backend:
    # the engine loads only in this mode
    from quietus.cli.sqlcmd_embedded import DRIVER as EMBEDDED
    from quietus.cli.sqlcmd_embedded import EmbeddedBackend
    from quietus.dbapi import connect

    try:
        connection = connect(data_dir, autocommit=True, program_name="quietus sql")
    except Exception as exc:  # the data directory is in use, unreadable...: say so as sqlcmd would
        _fail(EMBEDDED, str(exc))
    backend = EmbeddedBackend(connection)
    failures = backend.use(database) if database else []
    if failures:
        backend.close()
        _fail(EMBEDDED, " ".join(failures))
    if interactive and sys.stdin.isatty():
        click.echo(
            f"Quietus {connection.instance.data_dir or 'in memory'}: session {connection.session_id}. "
            "End a batch with GO; EXIT or QUIT leaves."
        )
    return backend


def _connect(
    server: str, user: str, password: str | None, database: str, timeout: int, query_timeout: int
) -> sqlcmd.TdsBackend:
    try:
        address = sqlcmd.parse_server(server)
    except sqlcmd.UsageError as exc:
        raise click.UsageError(str(exc)) from None
    ask = (lambda: getpass.getpass("Password: ")) if user and sys.stdin.isatty() else None
    secret = sqlcmd.password_from(password, os.environ, ask)
    try:
        session = TdsSession.open(address.host, address.port, LoginDetails(user, secret, database), timeout)
    except LoginFailed as exc:
        for message in exc.messages:
            click.echo(f"Sqlcmd: Error: {DRIVER} : {message.text}", err=True)
        sys.exit(1)
    except ClientError as exc:
        _fail(DRIVER, str(exc))
    return sqlcmd.TdsBackend(session, query_timeout)


def _oracle(server: str | None, user: str | None, password: str | None, service: str, query: str | None) -> NoReturn:
    from quietus.cli import sqlplus

    host, port = sqlplus.parse_server(server)
    ask = (lambda: getpass.getpass("Enter password: ")) if user and sys.stdin.isatty() else None
    secret = sqlcmd.password_from(password, os.environ, ask)
    try:
        connection = sqlplus.connect(host, port, service, user or "", secret or "")
    except Exception as exc:
        click.echo(f"ERROR:\n{str(exc).splitlines()[0]}", err=True)
        sys.exit(1)
    shell = sqlplus.SqlPlus(connection, sys.stdout, interactive=query is None and sys.stdin.isatty())
    if query is not None:
        shell.run_lines([query.rstrip().rstrip(";") + ";"])
    elif shell.interactive:
        click.echo(f"Connected to Quietus over Oracle Net as {user} (session {connection.session_id}).")
        shell.run_lines(sqlplus.interactive_lines(shell))
    else:
        shell.run_lines(sys.stdin, echo_prompt=False)
    connection.close()
    sys.exit(1 if shell.errors and query is not None else 0)


main.add_command(serve)

if __name__ == "__main__":
    main()
