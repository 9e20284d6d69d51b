"""``quietus serve``: run the Quietus server (TDS on 127.0.0.1:1433 and Oracle Net on 127.0.0.1:1521 by default)
until SIGTERM or SIGINT.

Settings come from options, then environment variables (QUIETUS_HOST, QUIETUS_PORT, QUIETUS_ORACLE_PORT,
QUIETUS_DATA_DIR, QUIETUS_SA_PASSWORD), then the ``--config`` TOML file, then defaults (see
``quietus.server.config``).  The first start on a new data directory needs the sa password; later starts reuse the
directory and ignore it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from quietus.server.app import run
from quietus.server.config import ConfigError, load_config


@click.command()
@click.option("--host", help="Address to listen on.  [default: 127.0.0.1]")
@click.option("--port", type=int, help="TCP port to listen on (0: any free port).  [default: 1433]")
@click.option("--oracle-port", type=int, help="Oracle Net listener's TCP port (0: no Oracle Net).  [default: 1521]")
@click.option("--monitor-port", type=int, help="Activity monitor's HTTPS port (0: no monitor).  [default: 8443]")
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Data directory.  [default: ./quietus-data]"
)
@click.option("--sa-password", help="Password of the sa login, for the first start on a new data directory.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="TOML settings file.")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False))
@click.option(
    "--idle-in-transaction-timeout", type=int, help="End sessions idle in a transaction this long (seconds, 0: off)."
)
@click.option("--idle-session-timeout", type=int, help="End sessions idle this long (seconds, 0: off).")
@click.option("--tls/--no-tls", "tls", default=None, help="Offer TLS to clients.  [default: on]")
@click.option("--force-encryption/--no-force-encryption", default=None, help="Refuse clients that do not encrypt.")
@click.option("--tls-certificate", type=click.Path(dir_okay=False, path_type=Path), help="PEM server certificate.")
@click.option("--tls-key", type=click.Path(dir_okay=False, path_type=Path), help="PEM private key of the certificate.")
@click.option(
    "--in-doubt-xact-resolution",
    type=click.IntRange(0, 2),
    help="In-doubt distributed transactions at recovery: 0 keep in doubt, 1 presume commit, 2 presume abort.",
)
def serve(
    host: str | None,
    port: int | None,
    oracle_port: int | None,
    monitor_port: int | None,
    data_dir: Path | None,
    sa_password: str | None,
    config_file: Path | None,
    log_level: str | None,
    idle_in_transaction_timeout: int | None,
    idle_session_timeout: int | None,
    tls: bool | None,
    force_encryption: bool | None,
    tls_certificate: Path | None,
    tls_key: Path | None,
    in_doubt_xact_resolution: int | None,
) -> None:
    """Run the Quietus server: SQL Server clients connect over TDS, Oracle clients over Oracle Net."""
    cli = {"host": host, "port": port, "oracle_port": oracle_port, "data_dir": data_dir, "sa_password": sa_password}
    cli |= {"log_level": log_level, "monitor_port": monitor_port}
    cli |= {"idle_in_transaction_timeout": idle_in_transaction_timeout, "idle_session_timeout": idle_session_timeout}
    cli |= {"tls": tls, "force_encryption": force_encryption, "tls_certificate": tls_certificate, "tls_key": tls_key}
    cli |= {"in_doubt_xact_resolution": in_doubt_xact_resolution}
    try:
        config = load_config(cli, config_file=config_file)
    except ConfigError as exc:
        print(f"quietus serve: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.exit(run(config))
