"""Stored procedures: CREATE / ALTER / DROP PROCEDURE, and running one (arguments, scope, OUTPUT, return status).

Resolution of ``EXEC name`` (SQL Server's order, as far as Quietus has the objects):

| name as written            | looked up                                                                     |
|----------------------------|-------------------------------------------------------------------------------|
| ``@var``                   | the name the variable holds, then as below                                    |
| ``sys.x`` or bare ``x``    | the system procedures first (``sp_who`` ...), then the module ``dbo.x``       |
| ``schema.x`` (not ``sys``) | the module ``schema.x`` only: a user's ``dbo.sp_kill`` runs instead of the built-in |
| ``db.schema.x``, ``db..x`` | the same, in database ``db``                                                   |

A call:

1. ``@@NESTLEVEL`` goes up by one; beyond 32, error 217 ends the batch (as SQL Server's does).
2. Arguments bind to parameters by position, then by name (119 for a positional one after a named one, 8144 for one
   too many, 8145 for an unknown name, 201 for a parameter with neither an argument nor a default, 8162 for OUTPUT
   on a parameter that is not); values are converted to the parameter's type as an assignment would.
3. The body runs in a scope of its own (no caller variables), in the caller's transaction and TRY: an error in the
   body reaches the caller's CATCH, and a batch-aborting error ends the caller's batch too.
4. ``RETURN n`` sets the status (0 by default); OUTPUT parameters are copied back to the caller's variables; a
   transaction count that differs from the one at entry is error 266, as SQL Server reports it.
5. SET options changed in the body (NOCOUNT, ISOLATION LEVEL, LOCK_TIMEOUT ...) are put back when the
   procedure returns, however it returns, and the ``#`` tables it made are dropped.
6. ANSI_NULLS and QUOTED_IDENTIFIER are the module's, captured when it was made (sys.sql_modules.uses_ansi_nulls,
   uses_quoted_identifier): they are in force while its body runs, and a SET of either inside it changes nothing, as
   in SQL Server.  Quietus stores only modules made with both ON: CREATE/ALTER PROCEDURE with either OFF is 40517.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlglot import exp

from quietus.engine.access import RowAccess
from quietus.engine.txn.transaction import Isolation, Transaction
from quietus.errors import SqlError, sql_error
from quietus.sessions.session import Session, masked
from quietus.sessions.sql_text import begin_batch
from quietus.sql import temp_tables
from quietus.sql.context import ExecContext
from quietus.sql.dialect import parse_batch_cached
from quietus.sql.dialect import statements as st
from quietus.sql.modules import DEFAULT_SCHEMA, Module, ModuleStore, reader_xid
from quietus.sql.types_base import SqlType, type_from_sqlglot, type_of_value

MAX_NEST_LEVEL = 32
# What SET changes inside a procedure and SQL Server puts back when it returns (with ``options``, the ON/OFF ones).
SCOPED_SETTINGS: Final = (
    "isolation", "lock_timeout_ms", "deadlock_priority", "rowcount_limit", "textsize", "language", "date_format",
    "date_first",
)  # fmt: skip
# The SET options a module captures when it is made and runs with (rule 6), and their value in every stored module.
MODULE_OPTIONS = {"ANSI_NULLS": True, "QUOTED_IDENTIFIER": True}


class Runner(Protocol):
    """What a call needs from the batch runner that runs the EXEC (sql.batch.BatchRunner)."""

    ctx: ExecContext
    try_depth: int

    def __init__(self, ctx: ExecContext) -> None: ...
    def evaluate(self, node: exp.Expression) -> Any: ...
    def assign(self, name: str, value: Any, source: SqlType | None) -> None: ...
    def run_block(self, statements: Any) -> None: ...


# -- resolution ----------------------------------------------------------------------------------------------


def store_of(ctx: ExecContext) -> ModuleStore | None:
    store: ModuleStore | None = ctx.env.services.get("modules")
    return store


def split_name(name: str) -> tuple[str | None, str | None, str]:
    """``[db.][schema.]name`` → (database, schema, name); empty parts (``db..p``) are None."""
    parts = name.split(".")
    short = parts[-1]
    schema = parts[-2] or None if len(parts) >= 2 else None
    database = parts[-3] or None if len(parts) >= 3 else None
    return database, schema, short


def find_module(ctx: ExecContext, name: str) -> Module | None:
    """The module ``name`` names, if any (see the resolution table)."""
    database, schema, short = split_name(name)
    store = store_of(ctx)
    if store is None or (database is not None and ctx.env.database(database) is not store.db):
        return None
    return store.find(schema, short, reader_xid(ctx.session.txn))


def system_first(name: str) -> bool:
    """True when a system procedure of this name wins over a module (a bare name or ``sys.name``)."""
    _, schema, _ = split_name(name)
    return schema is None or schema.casefold() == "sys"


# -- calling -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Callee:
    """What runs in a scope of its own: a stored procedure, or the batch of an ``sp_executesql``."""

    name: str  # for 8144/8145/201 ("" for dynamic SQL: its errors name no procedure)
    object_id: int
    parameters: tuple[st.ProcedureParameter, ...]
    body: tuple[st.Statement, ...]
    missing: Callable[[str], SqlError]  # the error for a parameter with no argument and no default
    # What sys.dm_exec_requests.sql_handle names while the body runs, as in SQL Server: the module's definition, or
    # the dynamic batch shown after its parameter declarations (``shift`` characters of them).
    text: str = ""
    shift: int = 0


def call(runner: Runner, module: Module, statement: st.Execute, return_signal: type[Exception]) -> int:
    """Run ``module`` for ``statement`` (its arguments already in the caller's scope); returns the status."""
    definition = _parsed(module)
    callee = Callee(
        module.name,
        module.object_id,
        definition.parameters,
        definition.body,
        lambda parameter: sql_error(201, module.name, parameter),
        module.definition,
    )
    return run_scoped(runner, callee, statement.arguments, return_signal)


def execute_sql(runner: Runner, statement: st.Execute, return_signal: type[Exception]) -> int:
    """``EXEC sp_executesql @stmt [, @params [, values ...]]`` from T-SQL: the batch in a scope of its own, its
    parameters declared by @params (parsed with CREATE PROCEDURE's parameter grammar) and bound like a procedure's,
    OUTPUT included.  Returns 0, as SQL Server's does when the batch ran."""
    arguments = list(statement.arguments)
    fixed: dict[str, Any] = {}
    for name in ("@stmt", "@params"):
        if arguments and (arguments[0].name is None or arguments[0].name.casefold() == name):
            fixed[name] = None if arguments[0].value is None else runner.evaluate(arguments[0].value)
            arguments.pop(0)
    text = fixed.get("@stmt")
    if text is None:
        return 0
    declared = str(fixed.get("@params") or "").strip()
    parameters: tuple[st.ProcedureParameter, ...] = ()
    if declared:
        header = parse_batch_cached(f"CREATE PROCEDURE sp_executesql {declared} AS RETURN")[0]
        assert isinstance(header, st.CreateProcedure)
        parameters = header.parameters
    body = tuple(parse_batch_cached(str(text), runner.ctx.session.options["QUOTED_IDENTIFIER"]))
    shown = f"({declared}){text}"
    running = shown if declared else str(text)

    def missing(parameter: str) -> SqlError:
        return sql_error(8178, shown[:4000], parameter)

    callee = Callee("", 0, parameters, body, missing, running, len(running) - len(str(text)))
    run_scoped(runner, callee, tuple(arguments), return_signal)
    return 0


def run_scoped(
    runner: Runner, callee: Callee, arguments: tuple[st.Argument, ...], return_signal: type[Exception]
) -> int:
    caller = runner.ctx
    nested = nested_context(caller, callee.name, callee.object_id)
    body = type(runner)(nested)
    body.try_depth = runner.try_depth
    outputs = _bind(runner, body, callee, arguments)
    session = caller.session
    trancount = session.trancount
    settings = scoped_settings(session)
    if callee.object_id:
        session.options = {**session.options, **MODULE_OPTIONS}  # replaced, never changed in place
    status = 0
    outer_text = session.sql
    if callee.text:
        session.sql = begin_batch(caller.env, session, callee.text, masked(callee.text), callee.shift)
    try:
        body.run_block(callee.body)
    except return_signal as returned:
        value = getattr(returned, "value", None)
        status = 0 if value is None else int(value)
    finally:
        session.sql = outer_text
        restore_settings(session, settings)
        temp_tables.drop_table_variables(nested)
        temp_tables.drop_scope(nested, nested.nest_level)
    for variable, parameter in outputs:
        runner.assign(variable, nested.variables.get(parameter.casefold()), nested.variable_types[parameter.casefold()])
    if session.trancount != trancount:
        raise sql_error(266, trancount, session.trancount)
    return status


def read_scoped(session: Session) -> tuple[Any, ...]:
    """The session's ``SCOPED_SETTINGS``, in their order.  Written out: compiled, these are eight reads of the
    session's fields, where ``operator.attrgetter`` made eight generic lookups (test_stored_procedures checks that
    the two agree)."""
    s = session
    return (s.isolation, s.lock_timeout_ms, s.deadlock_priority, s.rowcount_limit, s.textsize, s.language,
            s.date_format, s.date_first)  # fmt: skip


class ScopedSettings:
    """The SET options a procedure's or sp_executesql's scope puts back when it returns (rule 5)."""

    __slots__ = ("options", "values")

    def __init__(self, values: tuple[Any, ...], options: dict[str, bool]) -> None:
        self.values = values  # SCOPED_SETTINGS' values, in their order
        self.options = options  # the session's ON/OFF options: kept as they are (a SET replaces them, see set_on_off)


def scoped_settings(session: Session) -> ScopedSettings:
    return ScopedSettings(read_scoped(session), session.options)


def restore_settings(session: Session, settings: ScopedSettings) -> None:
    if read_scoped(session) != settings.values:  # usually nothing to put back (one comparison of two tuples)
        for name, value in zip(SCOPED_SETTINGS, settings.values, strict=True):
            setattr(session, name, value)
    session.options = settings.options


def nested_context(caller: ExecContext, name: str, object_id: int) -> ExecContext:
    """The context a procedure's or function's body runs in: the caller's session, one nesting level down (217
    beyond 32), no variables."""
    nested = ExecContext(caller.session, caller.task, caller.env, caller.sink)
    nested.nest_level = caller.nest_level + 1
    if nested.nest_level > MAX_NEST_LEVEL:
        raise sql_error(217, MAX_NEST_LEVEL)
    nested.procedure_name = name
    nested.procedure_id = object_id
    return nested


def _parsed(module: Module) -> st.CreateProcedure:
    statements = parse_batch_cached(module.definition)
    definition = statements[0]
    assert isinstance(definition, st.CreateProcedure), "a stored definition is a CREATE PROCEDURE"
    return definition


def _bind(runner: Runner, body: Runner, callee: Callee, arguments: tuple[st.Argument, ...]) -> list[tuple[str, str]]:
    """Bind the call's arguments into the body's scope; returns (caller variable, parameter) pairs for OUTPUT."""
    parameters = callee.parameters
    by_name = {parameter.name.casefold(): parameter for parameter in parameters}
    supplied: dict[str, st.Argument] = {}
    named_seen = False
    for position, argument in enumerate(arguments, start=1):
        if argument.name is None:
            if named_seen:
                raise sql_error(119, position)
            if position > len(parameters):
                raise sql_error(8144, callee.name or "sp_executesql")
            supplied[parameters[position - 1].name.casefold()] = argument
        else:
            named_seen = True
            key = argument.name.casefold()
            if key not in by_name:
                raise sql_error(8145, argument.name, callee.name or "sp_executesql")
            supplied[key] = argument
    nested = body.ctx
    outputs: list[tuple[str, str]] = []
    for parameter in parameters:
        key = parameter.name.casefold()
        declared = type_from_sqlglot(parameter.type)
        given = supplied.get(key)
        if given is not None and given.output:
            if not parameter.output:
                raise sql_error(8162, parameter.name)
            if isinstance(given.value, exp.Parameter):
                outputs.append(("@" + given.value.name, parameter.name))
        if given is not None and given.value is not None:
            value = runner.evaluate(given.value)
        elif parameter.default is not None:
            value = body.evaluate(parameter.default)
        else:
            raise callee.missing(parameter.name)
        nested.variable_types[key] = declared
        nested.variables[key] = None
        body.assign(parameter.name, value, None if value is None else type_of_value(value))
    return outputs


# -- DDL -----------------------------------------------------------------------------------------------------


def create_procedure(ctx: ExecContext, statement: st.CreateProcedure) -> None:
    define_module(ctx, "P", statement.schema, statement.name, statement.mode, statement.text)


def define_module(
    ctx: ExecContext,
    kind: str,
    schema_written: str | None,
    name: str,
    mode: str,
    text: str,
    check: Callable[[RowAccess], None] | None = None,
) -> None:
    """CREATE / ALTER / CREATE OR ALTER of a module of type ``kind`` (P, V, FN, IF): stored as ``text`` in the
    module catalog, in the session's transaction or one of its own.  ``check`` runs first, in the same
    transaction (a view's and a function's names are bound at create time).  Every module runs with ANSI_NULLS
    and QUOTED_IDENTIFIER ON (the only setting Quietus stores modules with): made under either OFF, 40517."""
    for option, value in MODULE_OPTIONS.items():  # a synonym runs nothing: no setting of its own
        if kind != "SN" and ctx.session.options[option] is not value:
            raise sql_error(40517, f"{mode} {_KIND_WORDS[kind][1]} with SET {option} {'OFF' if value else 'ON'}")
    store = _store(ctx)
    schema = schema_written or DEFAULT_SCHEMA
    if schema.casefold() == "sys":
        raise sql_error(2760, schema)

    def work(access: RowAccess) -> None:
        store.lock(access)
        existing = store.find(schema, name, access.txn.xid)
        now = datetime.datetime.now()
        if mode == "ALTER" and existing is None:
            raise sql_error(208, name)
        if mode == "CREATE" and existing is not None:
            raise sql_error(2714, f"{existing.schema_name}.{existing.name}" if schema_written else existing.name)
        if existing is not None and existing.type.strip() != kind:
            raise sql_error(2010, name)
        if check is not None:
            check(access)
        if existing is None:
            if store.db.table_by_name(name) is not None:
                raise sql_error(2714, name)
            module = Module(store.db.allocate_object_id(), schema, name, kind, text, now, now)
            store.insert(access, module)
        else:
            changed = Module(
                existing.object_id, existing.schema_name, existing.name, kind, text, existing.create_date, now
            )
            store.replace(access, existing, changed)

    in_catalog_transaction(ctx, store, work)


def drop_procedure(ctx: ExecContext, statement: st.DropProcedure) -> None:
    drop_modules(ctx, "PROCEDURE", statement.names, statement.if_exists)


# What DROP <word> drops, and how its 3701 / 3705 name the kind.
_DROPPED = {"PROCEDURE": ("P",), "VIEW": ("V",), "FUNCTION": ("FN", "IF", "TF"), "SYNONYM": ("SN",)}
_KIND_WORDS = {"P": ("procedure", "PROCEDURE"), "V": ("view", "VIEW"), "FN": ("function", "FUNCTION"),
               "IF": ("function", "FUNCTION"), "TF": ("function", "FUNCTION"),
               "SN": ("synonym", "SYNONYM")}  # fmt: skip


def drop_modules(
    ctx: ExecContext, word: str, names: tuple[str, ...], if_exists: bool,
    before: Callable[[RowAccess, Module], None] | None = None,
) -> None:  # fmt: skip
    """DROP PROCEDURE | VIEW | FUNCTION: each name must be a module of that kind (3701 when missing, 3705 when it
    is another kind of object); ``before`` may refuse a drop (a schema-bound reference: 3729)."""
    store = _store(ctx)
    noun = word.lower()

    def work(access: RowAccess) -> None:
        store.lock(access)
        for name in names:
            _, schema, short = split_name(name)
            module = store.find(schema, short, access.txn.xid)
            if module is None or module.type.strip() not in _DROPPED[word]:
                if module is not None:
                    other_noun, other_word = _KIND_WORDS[module.type.strip()]
                    raise sql_error(3705, word, name, name, other_noun, f"DROP {other_word}")
                if (schema is None or schema.casefold() == DEFAULT_SCHEMA) and store.db.table_by_name(short):
                    raise sql_error(3705, word, name, name, "table", "DROP TABLE")
                if if_exists:
                    continue
                raise sql_error(3701, noun, name)
            if before is not None:
                before(access, module)
            store.delete(access, module)

    in_catalog_transaction(ctx, store, work)


def _store(ctx: ExecContext) -> ModuleStore:
    store = store_of(ctx)
    if store is None or ctx.database is not store.db:
        # Only master holds modules today; Quietus has no other database a session can be in.
        raise sql_error(2812, ctx.database.name)
    return store


def in_catalog_transaction(ctx: ExecContext, store: ModuleStore, work: Callable[[RowAccess], None]) -> None:
    """Run ``work`` in the session's transaction (joined) or one of its own, committed at the end; a failure
    leaves nothing behind (the statement's changes are undone; the session's transaction stays)."""
    session = ctx.session
    db = store.db
    if session.doomed:
        raise sql_error(3930)
    own: Transaction | None = None
    txn = session.txn
    if txn is None:
        own = txn = db.begin(session.session_id, Isolation.READ_COMMITTED, explicit=False)
    access = RowAccess(db, ctx.task, txn, session.lock_timeout_ms, txn.snapshot_seq)
    mark = len(txn.undo)
    try:
        work(access)
    except BaseException as error:
        if own is not None:
            db.rollback(ctx.task, own)
        elif not (isinstance(error, SqlError) and error.number == 1205):
            db.undo_to(ctx.task, txn, mark)
        raise
    if own is not None:
        db.commit(ctx.task, own)


HANDLERS: dict[type, Callable[[ExecContext, Any], None]] = {
    st.CreateProcedure: create_procedure,
    st.DropProcedure: drop_procedure,
}
