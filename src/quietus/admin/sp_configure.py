"""Server options changed at run time: the ``Configuration`` service and ``sp_configure``.

``EXEC sp_configure`` lists every option; ``EXEC sp_configure 'name'`` shows one; ``EXEC sp_configure 'name', n``
changes it.  Columns as SQL Server's: name, minimum, maximum, config_value, run_value.

A change is in effect at once (config_value = run_value): SQL Server waits for RECONFIGURE, which Quietus's parser
does not accept yet, and these options are dynamic in SQL Server's sense anyway.  Nothing is persisted: a restart
starts from the server's settings (``quietus serve`` options, QUIETUS_* variables, the TOML file; 0 by default).
Every change writes one error-log line (who, old and new value), as SQL Server logs its configuration changes.

| case                                  | error                                                                 |
|---------------------------------------|-----------------------------------------------------------------------|
| unknown option                        | 15123 The configuration option '%ls' does not exist, ...              |
| value outside minimum..maximum        | 15129 '%d' is not a valid value for configuration option '%s'.         |
| changing without ALTER SERVER STATE   | 15247 User does not have permission to perform this action.           |

(SQL Server asks for ALTER SETTINGS, held by sysadmin and serveradmin; this server's permission catalogue has no
ALTER SETTINGS yet, so ALTER SERVER STATE, held by serveradmin and processadmin, stands in for it.)

``sys.configurations`` shows the same options, one row each: configuration_id (Quietus's own numbers, from 100001:
these are not SQL Server's options), name, value and value_in_use (the current value), minimum, maximum, the
description, is_dynamic 1, is_advanced 0.  SQL Server types value, minimum, maximum and value_in_use sql_variant;
Quietus has no sql_variant, and every option is an integer, so they are int (``CAST(value_in_use AS BIGINT)`` reads
the same).  An option SQL Server has and Quietus does not ('max server memory (MB)' ...) has no row.

The options themselves are a table (``OPTIONS``); who reads them says so in the option's description.  The service
lives in ``env.services["configuration"]``; readers look values up each time they act, so a change needs no
notification.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from quietus.admin.columns import columns
from quietus.admin.procedures import bind_arguments, emit
from quietus.errors import SqlError, sql_error
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable
from quietus.sql.types_base import INT, type_of_value
from quietus.sql.types_convert import convert, msg_name

SERVICE = "configuration"
FIRST_CONFIGURATION_ID = 100001
CHANGE_PERMISSION = "ALTER SERVER STATE"
MAX_INT = 2147483647


@dataclass(frozen=True)
class ConfigOption:
    name: str
    minimum: int
    maximum: int
    default: int
    description: str


OPTIONS: tuple[ConfigOption, ...] = (
    ConfigOption(
        "idle_in_transaction_timeout", 0, MAX_INT, 0,
        "seconds a session may sit idle inside an open transaction before the server ends it as KILL does "
        "(0: never; quietus.server.timeouts)",
    ),
    ConfigOption(
        "idle_session_timeout", 0, MAX_INT, 0,
        "seconds any session may sit idle before the server ends it as KILL does (0: never; "
        "quietus.server.timeouts)",
    ),
    ConfigOption(
        "kill_network_timeout", 0, 3600, 5,
        "seconds the connection of a killed session may take to deliver what it had queued (a client that stopped "
        "reading) before the socket is cut (quietus.server.connection)",
    ),
    ConfigOption(
        "kill_session_wait", 0, 3600, 60,
        "seconds ALTER SYSTEM KILL SESSION waits for its victim to end before it answers ORA-00031 'session marked "
        "for kill' (Oracle's 60 seconds; TIMEOUT n overrides it per statement; quietus.admin.oracle_kill)",
    ),
    ConfigOption(
        "in-doubt xact resolution", 0, 2, 0,
        "what becomes of a prepared distributed transaction whose coordinator cannot be reached (at recovery, or "
        "when its client goes): 0 keeps it in doubt (locks held) until KILL 'uow' WITH COMMIT | ROLLBACK, 1 "
        "presumes commit, 2 presumes abort (quietus.server.instance, quietus.sessions.distributed); settings name "
        "in_doubt_xact_resolution",
    ),
)  # fmt: skip
# Options by name, and by their settings name (spaces and hyphens as underscores: in_doubt_xact_resolution).
OPTIONS_BY_NAME: dict[str, ConfigOption] = {option.name: option for option in OPTIONS} | {
    option.name.replace(" ", "_").replace("-", "_"): option for option in OPTIONS
}

SP_CONFIGURE = columns("""
name nvarchar(35)
minimum int
maximum int
config_value int
run_value int
""")


class Configuration:
    """The current value of every option (``OPTIONS``)."""

    def __init__(self, values: Mapping[str, int] | None = None) -> None:
        self._values = {option.name: option.default for option in OPTIONS}
        for name, value in (values or {}).items():
            self.set(name, value)

    @staticmethod
    def option(name: str) -> ConfigOption:
        """The option called ``name`` (case-insensitive), else 15123."""
        found = OPTIONS_BY_NAME.get(name.strip().casefold())
        if found is None:
            raise sql_error(15123, name)
        return found

    def __getitem__(self, name: str) -> int:
        return self._values[self.option(name).name]

    def set(self, name: str, value: int) -> int:
        """Change an option; returns its previous value (15129 outside its range)."""
        option = self.option(name)
        if not option.minimum <= value <= option.maximum:
            raise sql_error(15129, value, option.name)
        previous = self._values[option.name]
        self._values[option.name] = value
        return previous

    def __iter__(self) -> Iterator[tuple[ConfigOption, int]]:
        return ((option, self._values[option.name]) for option in OPTIONS)


def configuration(services: dict[str, Any]) -> Configuration:
    """The environment's configuration (created with every option at its default on first use)."""
    found = services.get(SERVICE)
    if found is None:
        found = services[SERVICE] = Configuration()
    assert isinstance(found, Configuration)
    return found


def _value(value: Any) -> int:
    source = type_of_value(value)
    try:
        return int(convert(value, source, INT, explicit=False))
    except SqlError:
        raise sql_error(8114, msg_name(source), "int") from None


def _may_change(ctx: ExecContext) -> bool:
    security: Any = ctx.env.services.get("security")
    return security is None or bool(security.has_server_permission(ctx.session.login_name, CHANGE_PERMISSION))


SYS_CONFIGURATIONS = columns("""
configuration_id int
name nvarchar(35)
value int
minimum int
maximum int
value_in_use int
description nvarchar(255)
is_dynamic bit
is_advanced bit
""")


def configuration_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    for number, (option, value) in enumerate(configuration(ctx.env.services), FIRST_CONFIGURATION_ID):
        description = option.description if len(option.description) <= 255 else option.description[:252] + "..."
        yield number, option.name, value, option.minimum, option.maximum, value, description, True, False


VIEWS: tuple[VirtualTable, ...] = (VirtualTable("sys.configurations", SYS_CONFIGURATIONS, configuration_rows),)


def sp_configure(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    name, value = bind_arguments("sp_configure", ("configname", "configvalue"), positional, named)
    config = configuration(ctx.env.services)
    if name is None:
        shown = list(config)
    else:
        option = config.option(str(name))
        if value is not None:
            if not _may_change(ctx):
                raise sql_error(15247)
            new = _value(value)
            old = config.set(option.name, new)
            errorlog: Any = ctx.env.services.get("errorlog")
            if errorlog is not None:
                errorlog.write(
                    f"spid{ctx.session.session_id}",
                    f"Configuration option '{option.name}' changed from {old} to {new} by login "
                    f"'{ctx.session.login_name}'. In effect at once.",
                )
        shown = [(option, config[option.name])]
    emit(ctx, SP_CONFIGURE, ((o.name, o.minimum, o.maximum, v, v) for o, v in shown))
    return 0
