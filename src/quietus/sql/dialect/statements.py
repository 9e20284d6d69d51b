"""What a T-SQL batch parses into: one immutable object per statement.

Invariants:

1. Every statement is a frozen, slotted dataclass; statements are shared by the plan cache, so nobody may
   mutate one, nor the sqlglot nodes inside (copy a node before rewriting it).
2. ``line`` is the 1-based line of the statement's first token in the batch; ``text`` is the exact source
   slice from its first token to its last, without a trailing ``;``.  Nested statements (the branches of
   IF, the body of WHILE, the contents of BEGIN...END and TRY/CATCH) carry their own line and text.
3. Queries, DML and DDL are ``SqlStatement`` with the sqlglot node as payload; everything procedural has
   its own class below.  Expressions inside procedural statements are sqlglot nodes too.
4. A variable name is a string with its ``@`` (``"@x"``); where a name may be given either literally or
   by a variable (transaction names), a literal name is a ``str`` and a variable is the sqlglot node of
   the variable (``exp.Parameter``), to be evaluated at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp


@dataclass(frozen=True, slots=True)
class Statement:
    """Base of all statements: where the statement is in its batch."""

    line: int = field(default=0, kw_only=True)
    text: str = field(default="", kw_only=True)
    offset: int = field(default=0, kw_only=True, compare=False)  # where ``text`` starts in the batch (characters)


# --- Queries, DML and DDL -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SqlStatement(Statement):
    """SELECT (set operations, CTEs, INTO, @v = assignments), INSERT, UPDATE, DELETE, CREATE/DROP TABLE and
    INDEX, ALTER TABLE, TRUNCATE TABLE: the sqlglot node (see docs/design/parser.md for its shape)."""

    node: exp.Expression


# --- Variables and SET options ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariableDecl:
    """One ``@name [AS] type [= default]``; a table variable has a user-defined type named TABLE
    (``variables.TABLE_TYPE``) and its column definitions in ``table``."""

    name: str
    type: exp.DataType
    default: exp.Expression | None = None
    table: exp.Schema | None = None


@dataclass(frozen=True, slots=True)
class Declare(Statement):
    variables: tuple[VariableDecl, ...]


@dataclass(frozen=True, slots=True)
class SetVariable(Statement):
    """``SET @name op value`` where op is ``=`` or a compound operator such as ``+=``; ``SET @x.modify('…')`` has
    op ``.modify`` and the tuple of the method's arguments as value."""

    name: str
    operator: str
    value: exp.Expression


@dataclass(frozen=True, slots=True)
class SetOption(Statement):
    """One session option.  ``name`` is upper-case (``"NOCOUNT"``, ``"TRANSACTION ISOLATION LEVEL"``,
    ``"STATISTICS IO"``); ``value`` is ``"ON"``/``"OFF"``, an upper-case word (isolation level, deadlock
    priority name), an int, a str (language, date format) or a variable node.  ``target`` is the table of
    SET IDENTITY_INSERT."""

    name: str
    value: str | int | exp.Expression
    target: exp.Table | None = None


# --- Control of flow ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Block(Statement):
    """BEGIN ... END (also the wrapper of a multi-option SET used as a single IF/WHILE branch)."""

    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class If(Statement):
    condition: exp.Expression
    then: Statement
    else_: Statement | None = None


@dataclass(frozen=True, slots=True)
class While(Statement):
    condition: exp.Expression
    body: Statement


@dataclass(frozen=True, slots=True)
class TryCatch(Statement):
    try_block: tuple[Statement, ...]
    catch_block: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Break(Statement):
    pass


@dataclass(frozen=True, slots=True)
class Continue(Statement):
    pass


@dataclass(frozen=True, slots=True)
class Return(Statement):
    value: exp.Expression | None = None


@dataclass(frozen=True, slots=True)
class WaitFor(Statement):
    """``WAITFOR DELAY|TIME value``; value is a string literal or a variable."""

    kind: str
    value: exp.Expression


# --- Messages and errors ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Print(Statement):
    value: exp.Expression


@dataclass(frozen=True, slots=True)
class Raiserror(Statement):
    """``RAISERROR (message, severity, state [, argument...]) [WITH LOG|NOWAIT|SETERROR]``; message is a
    number (a sys.messages id), a string or a variable."""

    message: exp.Expression
    severity: exp.Expression
    state: exp.Expression
    arguments: tuple[exp.Expression, ...] = ()
    options: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Throw(Statement):
    """``THROW number, message, state``; all three None is the re-throw inside a CATCH block."""

    number: exp.Expression | None = None
    message: exp.Expression | None = None
    state: exp.Expression | None = None


# --- Transactions -------------------------------------------------------------------------------------

TransactionName = str | exp.Expression | None


@dataclass(frozen=True, slots=True)
class BeginTransaction(Statement):
    name: TransactionName = None
    mark: str | None = None


@dataclass(frozen=True, slots=True)
class BeginDistributedTransaction(Statement):
    name: TransactionName = None


@dataclass(frozen=True, slots=True)
class CommitTransaction(Statement):
    name: TransactionName = None


@dataclass(frozen=True, slots=True)
class RollbackTransaction(Statement):
    name: TransactionName = None


@dataclass(frozen=True, slots=True)
class SaveTransaction(Statement):
    name: str | exp.Expression


# --- Sessions -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kill(Statement):
    """``KILL session_id|'uow' [WITH STATUSONLY | COMMIT | ROLLBACK]``: target is a number literal (maybe
    negative: refused at run time) or a string literal (a UOW, or a session id in quotes)."""

    target: exp.Literal
    statusonly: bool = False
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class KillSession(Statement):
    """Oracle's ``ALTER SYSTEM KILL SESSION 'sid,serial#[,@inst]' [IMMEDIATE|FORCE|NOREPLAY] [TIMEOUT n]``."""

    spec: str
    immediate: bool = False
    force: bool = False
    noreplay: bool = False
    timeout: int | None = None


@dataclass(frozen=True, slots=True)
class DisconnectSession(Statement):
    """Oracle's ``ALTER SYSTEM DISCONNECT SESSION 'sid,serial#' [POST_TRANSACTION] [IMMEDIATE]``."""

    spec: str
    post_transaction: bool = False
    immediate: bool = False


@dataclass(frozen=True, slots=True)
class CancelSql(Statement):
    """Oracle's ``ALTER SYSTEM CANCEL SQL 'sid, serial#[, @inst][, sql_id]'``."""

    spec: str


# --- Procedures ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Argument:
    """One procedure argument: ``[@name =] value [OUTPUT]``; value None is the keyword DEFAULT."""

    name: str | None
    value: exp.Expression | None
    output: bool = False


@dataclass(frozen=True, slots=True)
class Execute(Statement):
    """``EXEC [@rc =] procedure [argument, ...]``; procedure is the dotted name as written, without
    brackets (``"sp_who"``, ``"master.dbo.sp_who"``), or a variable name holding it."""

    procedure: str
    arguments: tuple[Argument, ...] = ()
    return_variable: str | None = None


@dataclass(frozen=True, slots=True)
class ExecuteString(Statement):
    """``EXEC (string expression) [AT linked_server]``: dynamic SQL, here or on a linked server."""

    value: exp.Expression
    at: str | None = None


@dataclass(frozen=True, slots=True)
class InsertExec(Statement):
    """``INSERT [INTO] t [(columns)] EXEC ...``: the rows of every result set the call returns go into t."""

    insert: exp.Insert
    call: Execute | ExecuteString


@dataclass(frozen=True, slots=True)
class ProcedureParameter:
    """One ``@name [AS] type [= default] [OUT|OUTPUT] [READONLY]`` of CREATE PROCEDURE."""

    name: str
    type: exp.DataType
    default: exp.Expression | None = None
    output: bool = False


@dataclass(frozen=True, slots=True)
class CreateProcedure(Statement):
    """``CREATE [OR ALTER] | ALTER PROC[EDURE] [schema.]name [parameters] [WITH RECOMPILE] AS body``: the body is
    the rest of the batch; ``mode`` is "CREATE", "ALTER" or "CREATE OR ALTER"."""

    schema: str | None
    name: str
    parameters: tuple[ProcedureParameter, ...]
    body: tuple[Statement, ...]
    mode: str = "CREATE"
    recompile: bool = False


@dataclass(frozen=True, slots=True)
class DropProcedure(Statement):
    """``DROP PROC[EDURE] [IF EXISTS] [schema.]name [, ...]``: each name as written (schema.name or name)."""

    names: tuple[str, ...]
    if_exists: bool = False


@dataclass(frozen=True, slots=True)
class CreateView(Statement):
    """``CREATE [OR ALTER] | ALTER VIEW [schema.]name [(columns)] [WITH SCHEMABINDING] AS query [WITH CHECK
    OPTION]``: the only statement of its batch."""

    schema: str | None
    name: str
    columns: tuple[str, ...]
    query: exp.Expression
    mode: str = "CREATE"
    schemabinding: bool = False
    check_option: bool = False


@dataclass(frozen=True, slots=True)
class CreateFunction(Statement):
    """``CREATE [OR ALTER] | ALTER FUNCTION [schema.]name ([parameters]) RETURNS type | TABLE | @t TABLE (...)
    [WITH options] AS ...``: a scalar function (``returns`` its type, ``body`` its statements), an inline
    table-valued one (``returns`` None, ``query`` its RETURN's query) or a multi-statement one (``table`` the
    variable it fills, ``body`` its statements)."""

    schema: str | None
    name: str
    parameters: tuple[ProcedureParameter, ...]
    returns: exp.DataType | None
    body: tuple[Statement, ...] = ()
    query: exp.Expression | None = None
    mode: str = "CREATE"
    schemabinding: bool = False
    null_on_null: bool = False
    table: VariableDecl | None = None  # RETURNS @t TABLE (...): a multi-statement table-valued function's result


@dataclass(frozen=True, slots=True)
class DropModule(Statement):
    """``DROP VIEW | FUNCTION | SYNONYM [IF EXISTS] [schema.]name [, ...]``; ``kind`` is "VIEW", "FUNCTION" or
    "SYNONYM"."""

    kind: str
    names: tuple[str, ...]
    if_exists: bool = False


@dataclass(frozen=True, slots=True)
class CreateSynonym(Statement):
    """``CREATE SYNONYM [schema.]name FOR [[[server.]database.]schema.]object``; ``base`` is the object's name as
    written, parts separated by dots (``master.dbo.t``, ``db..t``)."""

    schema: str | None
    name: str
    base: str


# Module definitions that are stored as the whole batch's text (they open their batch).
MODULE_DEFINITIONS = (CreateProcedure, CreateView, CreateFunction)


# --- Databases and server -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Use(Statement):
    database: str


@dataclass(frozen=True, slots=True)
class Checkpoint(Statement):
    duration: int | None = None


@dataclass(frozen=True, slots=True)
class AlterDatabaseSet(Statement):
    """``ALTER DATABASE name|CURRENT SET option value [, ...] [WITH termination]``; options are (NAME, value)
    pairs with upper-case names and values; termination is ``"ROLLBACK IMMEDIATE"``, ``"NO_WAIT"``,
    ``"ROLLBACK AFTER n"`` or None."""

    database: str
    options: tuple[tuple[str, str], ...]
    termination: str | None = None


@dataclass(frozen=True, slots=True)
class CreateLogin(Statement):
    name: str
    password: str
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class AlterLogin(Statement):
    """``ALTER LOGIN name ENABLE|DISABLE`` (``enable`` True/False) or ``ALTER LOGIN name WITH option = value,
    ...`` (``options``)."""

    name: str
    enable: bool | None = None
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class DropLogin(Statement):
    name: str


@dataclass(frozen=True, slots=True)
class AlterServerRole(Statement):
    role: str
    action: str
    member: str


@dataclass(frozen=True, slots=True)
class GrantPermission(Statement):
    """``GRANT|REVOKE|DENY permission TO|FROM principal`` for server permissions."""

    kind: str
    permission: str
    principal: str


@dataclass(frozen=True, slots=True)
class Dbcc(Statement):
    """``DBCC command [(argument, ...)] [WITH option, ...]``: the command and options upper-case; which commands
    exist is the executor's table (an unknown one is 2526 when it runs, as in SQL Server)."""

    command: str
    arguments: tuple[exp.Expression, ...] = ()
    options: tuple[str, ...] = ()


# --- Cursors, GOTO and labels (docs/reference/tsql.md) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeclareCursor(Statement):
    """``DECLARE name CURSOR [options] FOR select`` (and the ISO form ``DECLARE name [INSENSITIVE] [SCROLL] CURSOR
    FOR select [FOR READ ONLY]``): options upper-case, as written (``INSENSITIVE`` for the ISO word)."""

    name: str
    query: exp.Expression
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CursorStatement(Statement):
    """OPEN / CLOSE / DEALLOCATE ``[GLOBAL] name``."""

    name: str
    global_: bool = False


@dataclass(frozen=True, slots=True)
class OpenCursor(CursorStatement):
    pass


@dataclass(frozen=True, slots=True)
class CloseCursor(CursorStatement):
    pass


@dataclass(frozen=True, slots=True)
class DeallocateCursor(CursorStatement):
    pass


@dataclass(frozen=True, slots=True)
class FetchCursor(CursorStatement):
    """``FETCH [NEXT|PRIOR|FIRST|LAST|ABSOLUTE n|RELATIVE n] [FROM] [GLOBAL] name [INTO @a, ...]``."""

    orientation: str = "NEXT"
    position: exp.Expression | None = None  # n of ABSOLUTE / RELATIVE
    into: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Goto(Statement):
    label: str


@dataclass(frozen=True, slots=True)
class Label(Statement):
    """``name:`` — where a GOTO continues."""

    name: str


@dataclass(frozen=True, slots=True)
class UpdateStatistics(Statement):
    """``UPDATE STATISTICS table [name | (name, ...)] [WITH option, ...]``; options upper-case as written."""

    table: exp.Table
    names: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CreateStatistics(Statement):
    """``CREATE STATISTICS name ON table (column, ...) [WITH option, ...]``: options upper-case as written
    (``SAMPLE 10 PERCENT``, ``NORECOMPUTE``, ``INCREMENTAL = ON`` ...)."""

    name: str
    table: exp.Table
    columns: tuple[str, ...]
    options: tuple[str, ...] = ()
