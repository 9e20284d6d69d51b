"""RPC requests mapped onto the engine: every call becomes a batch run through ``Instance.execute``.

| procedure (ProcID or name) | arguments                                | what runs                                 |
|----------------------------|------------------------------------------|-------------------------------------------|
| sp_executesql (10)         | @stmt, @params, values                   | @stmt, the values bound as typed variables|
| sp_prepare (11)            | @handle OUTPUT, @params, @stmt, @options | nothing; a new handle (RETURNVALUE)       |
| sp_execute (12)            | @handle, values                          | the prepared statement                    |
| sp_prepexec (13)           | @handle OUTPUT, @params, @stmt, values   | prepare, execute; the handle (RETURNVALUE)|
| sp_unprepare (15)          | @handle                                  | forget the handle                         |
| sp_reset_connection        | -                                        | roll back; the session's post-login state |
| any other name             | values (named or not)                    | ``EXEC name @a = @P1, @P2 ...``           |

Values are bound as variables, never interpolated into text.  Declared types (``@params``: ``@P1 int,
@P2 nvarchar(10)``) are honoured: each value is converted to its declared type as SQL Server does (a failed
conversion is the statement's error, 8114).  Unnamed values take the declared names in order.

Each call ends with [RETURNVALUE ...] RETURNSTATUS, and calls after the first are separated by DONEPROC; the
request's last DONEPROC is ``finish``'s.  An OUTPUT parameter's RETURNVALUE carries the value the statement or
procedure left in it (``run_batch``'s ``outputs``), under the name the client gave it (``@P1`` ... when it gave
none), in the order of the call's parameters, each with its 0-based position in the call as its ordinal (what
pytds indexes its results by).  A procedure's OUTPUT argument is passed as
``@name = @Pn OUTPUT``, so a procedure whose parameter is not OUTPUT answers 8162, as SQL Server does; the value is
typed as the client declared it (its TDS type information).

sp_executesql, sp_execute and sp_prepexec are procedures to SQL Server: a SET in the statement (NOCOUNT, ANSI_NULLS,
ISOLATION LEVEL ...) lasts until the call returns, then the session's settings are put back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from quietus.errors import SqlError, sql_error
from quietus.protocol.tds import ColumnSpec, RpcCall, RpcParameter
from quietus.server.linked_remote import remote_type
from quietus.server.tds_sink import TdsResultSink, column_spec
from quietus.sessions.requests import Outcome
from quietus.sessions.sql_text import RPC_EVENT, InputBuffer
from quietus.sql.context import parameter_type
from quietus.sql.results import MessageEvent, ResultColumn, StatementDone
from quietus.sql.stored_procedures import restore_settings, scoped_settings
from quietus.sql.types import convert
from quietus.sql.types_base import SqlType, parse_type_name

_DECLARATION = re.compile(r"^\s*(@[\w@#$]+)\s+(.+?)(?:\s*=\s*[^=]+?)?(?:\s+(OUT|OUTPUT|READONLY))?\s*$", re.IGNORECASE)
_PART = r"(?:\[(?:[^\]]|\]\])+\]|[A-Za-z_#@][\w@#$]*)"
_PROCEDURE_NAME = re.compile(rf"^(?:{_PART}?\.){{0,3}}{_PART}$")
DECLARATION_CACHE_SIZE = 1024
PROCEDURE_NAME_LIMIT = 776  # a four-part name of four 128-character parts with brackets and dots


@dataclass(frozen=True, slots=True)
class Declared:
    name: str  # with its @, as declared
    type: SqlType
    output: bool = False


@dataclass(frozen=True, slots=True)
class Prepared:
    text: str
    declarations: tuple[Declared, ...]
    parameters: str = ""  # the declarations as sent (sys.dm_exec_sql_text shows them before the text)


@dataclass
class PreparedStatements:
    """A connection's sp_prepare handles (SQL Server numbers them from 1 per connection)."""

    statements: dict[int, Prepared] = field(default_factory=dict)
    next_handle: int = 1

    def add(self, prepared: Prepared) -> int:
        handle, self.next_handle = self.next_handle, self.next_handle + 1
        self.statements[handle] = prepared
        return handle


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses (``decimal(10, 2)`` stays one piece)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


@functools.lru_cache(maxsize=DECLARATION_CACHE_SIZE)  # a client sends the same few lists with every call
def parse_declarations(text: str | None) -> tuple[Declared, ...]:
    """``@P1 int, @P2 nvarchar(10) OUTPUT`` → declarations; a malformed list is SQL Server's error for it: 102 at
    the first word of a bad piece, 2715 for an unknown type, 134 for a name declared twice (errors are not
    cached; the declarations are immutable, so one parse is shared by every call that sends the same text)."""
    if not text or not text.strip():
        return ()
    declared: list[Declared] = []
    seen: set[str] = set()
    for number, piece in enumerate(_split_top_level(text), start=1):
        match = _DECLARATION.match(piece)
        if match is None:
            raise sql_error(102, piece.split()[0][:128] if piece.split() else piece)
        name, type_text, flag = match.groups()
        if name.casefold() in seen:
            raise sql_error(134, name)
        seen.add(name.casefold())
        declared.append(Declared(name, _declared_type(number, type_text), (flag or "").upper() in ("OUT", "OUTPUT")))
    return tuple(declared)


def _declared_type(number: int, text: str) -> SqlType:
    try:
        return parse_type_name(text)
    except (SqlError, ValueError) as error:
        words = text.split()
        if len(words) > 1 and _is_type(words[0]):  # a type, then something else: @P1 int @P2 int
            raise sql_error(102, words[1][:128]) from None
        if isinstance(error, SqlError) and error.number == 243:  # not a type at all
            raise sql_error(2715, number, text.split("(")[0].strip()[:128]) from None
        if isinstance(error, SqlError):
            raise
        raise sql_error(102, text.strip()[:128]) from None  # a length that is not a number: nvarchar(x)


def _is_type(text: str) -> bool:
    try:
        parse_type_name(text)
    except (SqlError, ValueError):
        return False
    return True



class Execute(Protocol):
    def __call__(
        self,
        text: str,
        parameters: dict[str, Any] | None,
        types: dict[str, SqlType] | None,
        event: InputBuffer | None = None,
        outputs: dict[str, Any] | None = None,
    ) -> Awaitable[Outcome]: ...


def rpc_event(call: RpcCall, parameters: str | None = None) -> InputBuffer:
    """The input buffer of an RPC: the procedure's name and its parameter count (as DBCC INPUTBUFFER shows); a
    statement with declared parameters shows them before its text in sys.dm_exec_sql_text, as SQL Server does."""
    prefix = f"({parameters})" if parameters and str(parameters).strip() else ""
    return InputBuffer(RPC_EVENT, len(call.parameters), call.name.strip(), prefix)


@dataclass
class RequestContext:
    """What a request needs: its sink, the connection's handles, and how to run a batch or reset the session."""

    sink: TdsResultSink
    prepared: PreparedStatements
    server_name: str
    execute: Execute
    reset_session: Callable[[bool], Awaitable[None]]  # back to the post-login state (True: keep the transaction)

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md).
    def __init__(
        self,
        sink: TdsResultSink,
        prepared: PreparedStatements,
        server_name: str,
        execute: Execute,
        reset_session: Callable[[bool], Awaitable[None]],
    ) -> None:
        self.sink = sink
        self.prepared = prepared
        self.server_name = server_name
        self.execute = execute
        self.reset_session = reset_session


@dataclass
class _CallResult:
    outcome: Outcome = Outcome.COMPLETED
    return_values: list[tuple[ColumnSpec, Any, int]] = field(default_factory=list)

    # Written out: mypyc leaves a dataclass's generated __init__ interpreted (docs/design/compiled.md); one a call.
    def __init__(
        self, outcome: Outcome = Outcome.COMPLETED, return_values: list[tuple[ColumnSpec, Any, int]] | None = None
    ) -> None:
        self.outcome = outcome
        self.return_values = [] if return_values is None else return_values


# -- arguments ----------------------------------------------------------------------------------------------


def _fixed(call: RpcCall, names: tuple[str, ...]) -> tuple[dict[str, RpcParameter], list[RpcParameter]]:
    """The procedure's own leading parameters, and the statement's values after them.

    SQL Server takes a system procedure's own parameters by position whatever names the client gave them
    (tedious names sp_executesql's ``@statement`` and ``@params``; FreeTDS sends no names at all).  Every
    procedure here has no optional parameter before a value (sp_executesql: @stmt, @params, values;
    sp_prepexec: @handle, @params, @stmt, values; sp_execute: @handle, values)."""
    parameters = list(call.parameters)
    count = min(len(names), len(parameters))
    # An index loop, not zip(..., strict=True): compiled, a zip with a keyword is a generic call (~0.3 us).
    return {names[i]: parameters[i] for i in range(count)}, parameters[count:]


def _value(fixed: dict[str, RpcParameter], name: str) -> Any:
    parameter = fixed.get(name)
    return None if parameter is None else parameter.value


def _bind(
    text: str, declarations: tuple[Declared, ...], values: list[RpcParameter]
) -> tuple[dict[str, Any], dict[str, SqlType], list[tuple[Declared, int]]]:
    """Values → (name → converted value, name → declared type, OUTPUT parameters with their index in ``values``)."""
    by_name = {d.name.casefold(): d for d in declarations}
    bound: dict[str, Any] = {}
    types: dict[str, SqlType] = {}
    outputs: list[tuple[Declared, int]] = []
    for index, parameter in enumerate(values):
        if parameter.name:
            declared = by_name.get(parameter.name.casefold())
            if declared is None:
                raise sql_error(8145, parameter.name, "sp_executesql")
        elif index < len(declarations):
            declared = declarations[index]
        else:
            raise sql_error(8144, "sp_executesql")
        value = parameter.value
        if value is not None:
            value = convert(value, parameter_type(value), declared.type, explicit=False)
        bound[declared.name] = value
        types[declared.name] = declared.type
        if parameter.output:
            outputs.append((declared, index))
    for declared in declarations:  # declared but not supplied: SQL Server binds NULL for OUTPUT-only ones
        if declared.name not in bound:
            if not declared.output:
                listed = ", ".join(f"{d.name} {d.type.sql()}" for d in declarations)
                raise sql_error(8178, f"({listed}){text}"[:100], declared.name)
            bound[declared.name], types[declared.name] = None, declared.type
    return bound, types, outputs


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


# -- the procedures -----------------------------------------------------------------------------------------


async def _run_statement(
    ctx: RequestContext,
    call: RpcCall,
    text: str | None,
    declarations: tuple[Declared, ...],
    values: list[RpcParameter],
    parameters: str | None = None,
) -> _CallResult:
    result = _CallResult()
    if text is None:
        return result
    try:
        bound, types, outputs = _bind(str(text), declarations, values)
    except SqlError as error:
        report(ctx.sink, error)
        return result
    finals: dict[str, Any] = {declared.name: None for declared, _index in outputs}
    session = ctx.sink.session
    settings = scoped_settings(session)  # a SET in the statement lasts until the call returns, as in a procedure
    result.outcome = await ctx.execute(str(text), bound, types, rpc_event(call, parameters), finals)
    restore_settings(session, settings)
    first = len(call.parameters) - len(values)  # the statement's values come after the procedure's own parameters
    for declared, index in outputs:
        spec = column_spec(ResultColumn(declared.name, declared.type))
        result.return_values.append((spec, finals[declared.name], first + index))
    return result


async def sp_executesql(ctx: RequestContext, call: RpcCall) -> _CallResult:
    fixed, values = _fixed(call, ("@stmt", "@params"))
    declarations = parse_declarations(_value(fixed, "@params"))
    parameters = _value(fixed, "@params")
    return await _run_statement(ctx, call, _value(fixed, "@stmt"), declarations, values, parameters)


def _handle_spec(fixed: dict[str, RpcParameter]) -> ColumnSpec:
    parameter = fixed.get("@handle")
    return ColumnSpec((parameter.name if parameter is not None else "") or "@handle", "int")


def _prepared(fixed: dict[str, RpcParameter]) -> Prepared:
    parameters = _value(fixed, "@params")
    text = str(_value(fixed, "@stmt") or "")
    return Prepared(text, parse_declarations(parameters), str(parameters or ""))


async def sp_prepare(ctx: RequestContext, call: RpcCall) -> _CallResult:
    fixed, _values = _fixed(call, ("@handle", "@params", "@stmt", "@options"))
    prepared = _prepared(fixed)
    handle = ctx.prepared.add(prepared)
    return _CallResult(return_values=[(_handle_spec(fixed), handle, 0)])


async def sp_prepexec(ctx: RequestContext, call: RpcCall) -> _CallResult:
    fixed, values = _fixed(call, ("@handle", "@params", "@stmt"))
    prepared = _prepared(fixed)
    handle = ctx.prepared.add(prepared)
    result = await _run_statement(ctx, call, prepared.text, prepared.declarations, values, prepared.parameters)
    result.return_values.insert(0, (_handle_spec(fixed), handle, 0))
    return result


async def sp_execute(ctx: RequestContext, call: RpcCall) -> _CallResult:
    fixed, values = _fixed(call, ("@handle",))
    handle = _int(_value(fixed, "@handle"))
    prepared = ctx.prepared.statements.get(handle) if handle is not None else None
    if prepared is None:
        report(ctx.sink, sql_error(8179, handle))
        return _CallResult()
    return await _run_statement(ctx, call, prepared.text, prepared.declarations, values, prepared.parameters)


async def sp_unprepare(ctx: RequestContext, call: RpcCall) -> _CallResult:
    fixed, _values = _fixed(call, ("@handle",))
    handle = _int(_value(fixed, "@handle"))
    if handle is None or ctx.prepared.statements.pop(handle, None) is None:
        report(ctx.sink, sql_error(8179, handle))
    return _CallResult()


async def sp_reset_connection(ctx: RequestContext, call: RpcCall) -> _CallResult:
    """Roll back (the client is told: ENVCHANGE 10), then the session's post-login state."""
    if ctx.sink.session.trancount > 0 or ctx.sink.channel.transaction_open():
        outcome = await ctx.execute("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION", None, None)
        if outcome is not Outcome.COMPLETED:
            return _CallResult(outcome)
    await ctx.reset_session(False)
    return _CallResult()


async def procedure_by_name(ctx: RequestContext, call: RpcCall) -> _CallResult:
    """Any other procedure: ``EXEC name`` through the batch path, its values bound as @P1, @P2 ..."""
    name = call.name.strip()
    if len(name) > PROCEDURE_NAME_LIMIT or not _PROCEDURE_NAME.match(name):
        report(ctx.sink, sql_error(2812, name[:128]))
        return _CallResult()
    bound: dict[str, Any] = {}
    types: dict[str, SqlType] = {}
    arguments = []
    outputs: list[tuple[ColumnSpec, str, int]] = []
    for index, parameter in enumerate(call.parameters):
        variable = f"@P{index + 1}"
        bound[variable] = parameter.value
        argument = f"{parameter.name} = {variable}" if parameter.name else variable
        if parameter.output:
            argument += " OUTPUT"
            declared = _declared_by_client(parameter)
            types[variable] = declared
            value = parameter.value
            try:
                if value is not None:
                    bound[variable] = convert(value, parameter_type(value), declared, explicit=False)
            except SqlError as error:
                report(ctx.sink, error)
                return _CallResult()
            outputs.append((column_spec(ResultColumn(parameter.name or variable, declared)), variable, index))
        arguments.append(argument)
    text = f"EXEC {name} {', '.join(arguments)}".rstrip()
    finals: dict[str, Any] = dict.fromkeys(variable for _spec, variable, _index in outputs)
    outcome = await ctx.execute(text, bound or None, types or None, rpc_event(call), finals)
    return _CallResult(outcome, [(spec, finals[variable], index) for spec, variable, index in outputs])


def _declared_by_client(parameter: RpcParameter) -> SqlType:
    """An OUTPUT parameter's type as the client declared it (``nvarchar(100)`` for a NULL sent to be filled)."""
    return remote_type(parameter.type_info)


# Well-known procedures by their lower-case name (ProcIDs arrive here already named: RpcCall.name).
PROCEDURES: Final[dict[str, Callable[[RequestContext, RpcCall], Awaitable[_CallResult]]]] = {
    "sp_executesql": sp_executesql,
    "sp_prepare": sp_prepare,
    "sp_execute": sp_execute,
    "sp_prepexec": sp_prepexec,
    "sp_unprepare": sp_unprepare,
    "sp_reset_connection": sp_reset_connection,
}


def system_name(name: str) -> str:
    """``[sys].[sp_executesql]``, ``master..sp_prepare`` → ``sp_executesql`` / ``sp_prepare``."""
    last = name.rsplit(".", 1)[-1].strip()
    return last[1:-1].casefold() if last.startswith("[") and last.endswith("]") else last.casefold()


def report(sink: TdsResultSink, error: SqlError) -> None:
    sink.message(MessageEvent(error.number, error.severity, error.state, error.message, error.line))
    sink.done(StatementDone(None, error=True))


async def run_calls(ctx: RequestContext, calls: tuple[RpcCall, ...]) -> Outcome:
    """Run the calls of one RPC request in order; stop at a cancel or the session's end."""
    for number, call in enumerate(calls):
        if ctx.sink.writer.cancelled:
            return Outcome.CANCELLED
        ctx.sink.return_statuses.clear()
        procedure = PROCEDURES.get(call.name) or PROCEDURES.get(system_name(call.name), procedure_by_name)
        try:
            result = await procedure(ctx, call)
        except SqlError as error:  # the call itself is malformed (its declarations): its error, the next call runs
            report(ctx.sink, error)
            result = _CallResult()
        if result.outcome is not Outcome.COMPLETED:
            return result.outcome
        for spec, value, ordinal in result.return_values:
            ctx.sink.send(ctx.sink.w.return_value(spec, value, ordinal))
        statuses = ctx.sink.return_statuses
        ctx.sink.send(ctx.sink.w.return_status(statuses[-1] if statuses else 0))
        if number < len(calls) - 1:
            ctx.sink.send(ctx.sink.w.procedure_done())
    return Outcome.COMPLETED


__all__ = ["Declared", "Prepared", "PreparedStatements", "RequestContext", "parse_declarations", "run_calls"]
