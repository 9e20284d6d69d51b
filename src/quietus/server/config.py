"""Server settings: where they come from and which source wins.

Precedence, highest first: command-line options > environment variables > the TOML file (``--config``) >
defaults.  Each setting is a row of ``SETTINGS``: its environment variable, its parser and its default.

The TOML file holds top-level keys (a ``[server]`` table is accepted too)::

    host = "127.0.0.1"
    port = 1433
    oracle_port = 1521               # Oracle Net listener; 0 = off
    data_dir = "quietus-data"      # relative paths are relative to the file's own directory
    sa_password = "..."            # better kept in QUIETUS_SA_PASSWORD
    log_level = "INFO"
    idle_in_transaction_timeout = 0  # seconds; 0 = off (quietus.server.timeouts)
    idle_session_timeout = 0
    kill_network_timeout = 5         # seconds a killed session's socket may flush (quietus.server.connection)
    kill_session_wait = 60           # seconds ALTER SYSTEM KILL SESSION waits for its victim (admin.oracle_kill)
    tls = true                     # TLS offered to clients (PRELOGIN encryption, TDS 8.0 strict); false: NOT_SUP
    force_encryption = false       # refuse clients that do not encrypt (PRELOGIN reply ENCRYPT_REQ)
    tls_certificate = "server.crt" # PEM; with tls_key.  Default: a self-signed one made in <data_dir>/tls/
    tls_key = "server.key"
    monitor_port = 8443              # the activity monitor's HTTPS port (quietus.monitor); 0 = off
    monitor_metrics_token = "..."    # a bearer token that may read /metrics from any address (else loopback only)
    event_loop = "auto"              # auto (uvloop if installed), uvloop or asyncio (quietus.server.event_loop)
    busy_poll_us = 100               # µs the loop may poll for a next request after answering; 0 = off (busy_poll)
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from quietus.server.event_loop import LOOP_KINDS


class ConfigError(Exception):
    """A setting is missing, unknown or malformed; the message says which and where."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 1433
    oracle_port: int = 1521  # the Oracle Net listener's port; 0 turns it off
    data_dir: Path = Path("quietus-data")
    sa_password: str | None = None
    log_level: str = "INFO"
    idle_in_transaction_timeout: int = 0  # seconds, 0 = off; sp_configure changes them at run time
    idle_session_timeout: int = 0
    kill_network_timeout: int = 5  # seconds a killed session's connection may flush what it queued, then cut
    kill_session_wait: int = 60  # seconds ALTER SYSTEM KILL SESSION waits for its victim before ORA-00031
    tls: bool = True  # offer TLS (docs/design/tls.md)
    force_encryption: bool = False
    tls_certificate: Path | None = None
    tls_key: Path | None = None
    in_doubt_xact_resolution: int = 0  # 0 keep in doubt, 1 presume commit, 2 presume abort (at recovery)
    monitor_port: int = 8443  # the activity monitor's HTTPS port (quietus.monitor); 0 turns it off
    monitor_metrics_token: str | None = None  # a bearer token for /metrics from beyond the loopback
    event_loop: str = "auto"  # auto (uvloop if installed), uvloop or asyncio (quietus.server.event_loop)
    busy_poll_us: int = 100  # the longest window the loop polls in after an answer (quietus.server.busy_poll); 0 = off


def _port(value: Any) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError(f"{port} is not a TCP port")
    return port


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value


def _path(value: Any) -> Path:
    if not isinstance(value, str | Path) or not str(value):
        raise ValueError(f"{value!r} is not a path")
    return Path(value)


def _count(value: Any, unit: str, most: int) -> int:
    """A whole number of ``unit`` from 0 (off) to ``most``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{value!r} is not a number of {unit}")
    count = int(value)
    if not 0 <= count <= most:
        raise ValueError(f"{count} is not between 0 (off) and {most} {unit}")
    return count


def _seconds(value: Any) -> int:
    return _count(value, "seconds", 2147483647)


def _microseconds(value: Any) -> int:
    return _count(value, "microseconds", 1_000_000)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not true or false")


def _resolution(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or str(value).strip() not in ("0", "1", "2"):
        raise ValueError(f"{value!r} is not 0 (no presumption), 1 (presume commit) or 2 (presume abort)")
    return int(value)


def _level(value: Any) -> str:
    level = _text(value).upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError(f"{value!r} is not one of DEBUG, INFO, WARNING, ERROR")
    return level


def _loop_kind(value: Any) -> str:
    kind = _text(value).strip().lower()
    if kind not in LOOP_KINDS:
        raise ValueError(f"{value!r} is not one of {', '.join(LOOP_KINDS)}")
    return kind


# setting -> (environment variable, parser)
SETTINGS: dict[str, tuple[str | None, Callable[[Any], Any]]] = {
    "host": ("QUIETUS_HOST", _text),
    "port": ("QUIETUS_PORT", _port),
    "oracle_port": ("QUIETUS_ORACLE_PORT", _port),
    "data_dir": ("QUIETUS_DATA_DIR", _path),
    "sa_password": ("QUIETUS_SA_PASSWORD", _text),
    "log_level": ("QUIETUS_LOG_LEVEL", _level),
    "idle_in_transaction_timeout": ("QUIETUS_IDLE_IN_TRANSACTION_TIMEOUT", _seconds),
    "idle_session_timeout": ("QUIETUS_IDLE_SESSION_TIMEOUT", _seconds),
    "kill_network_timeout": ("QUIETUS_KILL_NETWORK_TIMEOUT", _seconds),
    "kill_session_wait": ("QUIETUS_KILL_SESSION_WAIT", _seconds),
    "tls": ("QUIETUS_TLS", _flag),
    "force_encryption": ("QUIETUS_FORCE_ENCRYPTION", _flag),
    "tls_certificate": ("QUIETUS_TLS_CERTIFICATE", _path),
    "tls_key": ("QUIETUS_TLS_KEY", _path),
    "in_doubt_xact_resolution": ("QUIETUS_IN_DOUBT_XACT_RESOLUTION", _resolution),
    "monitor_port": ("QUIETUS_MONITOR_PORT", _port),
    "monitor_metrics_token": ("QUIETUS_MONITOR_METRICS_TOKEN", _text),
    "event_loop": ("QUIETUS_EVENT_LOOP", _loop_kind),
    "busy_poll_us": ("QUIETUS_BUSY_POLL_US", _microseconds),
}
# Settings that are paths: in the TOML file, relative to the file's own directory.
PATH_SETTINGS = ("data_dir", "tls_certificate", "tls_key")
assert set(SETTINGS) == {f.name for f in fields(ServerConfig)}
# Settings that are server options too (admin.sp_configure.OPTIONS): their starting values.
SERVER_OPTIONS = (
    "idle_in_transaction_timeout", "idle_session_timeout", "kill_network_timeout", "kill_session_wait",
    "in_doubt_xact_resolution",
)  # fmt: skip


def _parse(name: str, value: Any, where: str) -> Any:
    try:
        return SETTINGS[name][1](value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {name}: {exc}") from None


def from_file(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as source:
            document = tomllib.load(source)
    except OSError as exc:
        raise ConfigError(f"cannot read the configuration file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    table = document.pop("server", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [server] must be a table")
    document.update(table)
    settings: dict[str, Any] = {}
    for name, value in document.items():
        if name not in SETTINGS:
            raise ConfigError(f"{path}: unknown setting {name!r} (known: {', '.join(SETTINGS)})")
        settings[name] = _parse(name, value, str(path))
    for name in PATH_SETTINGS:
        if name in settings and not settings[name].is_absolute():
            settings[name] = path.parent / settings[name]
    return settings


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for name, (variable, _parser) in SETTINGS.items():
        if variable is not None and environ.get(variable):
            settings[name] = _parse(name, environ[variable], f"environment variable {variable}")
    return settings


def load_config(
    cli: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> ServerConfig:
    """Merge the sources; ``cli`` holds only the options given on the command line (None = not given)."""
    merged: dict[str, Any] = {}
    if config_file is not None:
        merged.update(from_file(config_file))
    merged.update(from_environment(os.environ if environ is None else environ))
    for name, value in cli.items():
        if value is not None:
            merged[name] = _parse(name, value, f"option --{name.replace('_', '-')}")
    return replace(ServerConfig(), **merged)
