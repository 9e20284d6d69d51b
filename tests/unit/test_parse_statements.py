"""Every procedural statement kind parses into its class with the right fields."""

from __future__ import annotations

import dataclasses

import pytest
from sqlglot import exp

from quietus.sql.dialect import (
    AlterDatabaseSet,
    AlterLogin,
    AlterServerRole,
    Argument,
    BeginDistributedTransaction,
    BeginTransaction,
    Checkpoint,
    CommitTransaction,
    CreateLogin,
    Declare,
    DisconnectSession,
    DropLogin,
    Execute,
    ExecuteString,
    GrantPermission,
    Kill,
    KillSession,
    Print,
    Raiserror,
    RollbackTransaction,
    SaveTransaction,
    SetOption,
    SetVariable,
    Statement,
    Throw,
    Use,
    WaitFor,
    parse_batch,
)


def one(text: str) -> Statement:
    (statement,) = parse_batch(text)
    return statement


def sql(node: exp.Expression | None) -> str:
    assert node is not None
    return node.sql("tsql")


# --- DECLARE and SET @v -----------------------------------------------------------------------------


def test_declare_several_variables_with_types_and_defaults() -> None:
    statement = one("DECLARE @a int, @b varchar(10) = 'x', @c AS decimal(10, 2) = 1.5, @d nvarchar(max)")
    assert isinstance(statement, Declare)
    names = [v.name for v in statement.variables]
    assert names == ["@a", "@b", "@c", "@d"]
    assert [v.type.this for v in statement.variables] == [
        exp.DType.INT,
        exp.DType.VARCHAR,
        exp.DType.DECIMAL,
        exp.DType.NVARCHAR,
    ]
    assert [sql(v.type) for v in statement.variables][1] == "VARCHAR(10)"
    assert statement.variables[0].default is None
    assert sql(statement.variables[1].default) == "'x'"
    assert sql(statement.variables[2].default) == "1.5"


def test_declare_table_variable_keeps_its_columns() -> None:
    statement = one("DECLARE @t TABLE (id int PRIMARY KEY, name varchar(10))")
    assert isinstance(statement, Declare)
    (variable,) = statement.variables
    assert variable.name == "@t"
    assert variable.type.args.get("kind") == "TABLE"
    assert variable.table is not None
    assert [column.name for column in variable.table.expressions] == ["id", "name"]


def test_declare_default_may_be_a_subquery() -> None:
    statement = one("DECLARE @n int = (SELECT COUNT(*) FROM t)")
    assert isinstance(statement, Declare)
    assert isinstance(statement.variables[0].default, exp.Subquery)


@pytest.mark.parametrize("operator", ["=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^="])
def test_set_variable_operators(operator: str) -> None:
    statement = one(f"SET @total {operator} @total * 2")
    assert isinstance(statement, SetVariable)
    assert (statement.name, statement.operator) == ("@total", operator)
    assert sql(statement.value) == "@total * 2"


# --- SET options ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SET XACT_ABORT ON", [("XACT_ABORT", "ON")]),
        ("SET nocount off", [("NOCOUNT", "OFF")]),
        ("SET ANSI_NULLS, QUOTED_IDENTIFIER ON", [("ANSI_NULLS", "ON"), ("QUOTED_IDENTIFIER", "ON")]),
        ("SET LOCK_TIMEOUT -1", [("LOCK_TIMEOUT", -1)]),
        ("SET LOCK_TIMEOUT 1800", [("LOCK_TIMEOUT", 1800)]),
        ("SET DEADLOCK_PRIORITY low", [("DEADLOCK_PRIORITY", "LOW")]),
        ("SET DEADLOCK_PRIORITY HIGH", [("DEADLOCK_PRIORITY", "HIGH")]),
        ("SET DEADLOCK_PRIORITY -5", [("DEADLOCK_PRIORITY", -5)]),
        (
            "SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED",
            [("TRANSACTION ISOLATION LEVEL", "READ UNCOMMITTED")],
        ),
        (
            "SET TRANSACTION ISOLATION LEVEL READ COMMITTED",
            [("TRANSACTION ISOLATION LEVEL", "READ COMMITTED")],
        ),
        (
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
            [("TRANSACTION ISOLATION LEVEL", "REPEATABLE READ")],
        ),
        ("SET TRANSACTION ISOLATION LEVEL SNAPSHOT", [("TRANSACTION ISOLATION LEVEL", "SNAPSHOT")]),
        ("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", [("TRANSACTION ISOLATION LEVEL", "SERIALIZABLE")]),
        ("SET ROWCOUNT 10", [("ROWCOUNT", 10)]),
        ("SET TEXTSIZE 2147483647", [("TEXTSIZE", 2147483647)]),
        ("SET DATEFORMAT DMY", [("DATEFORMAT", "dmy")]),
        ("SET DATEFIRST 1", [("DATEFIRST", 1)]),
        ("SET LANGUAGE us_english", [("LANGUAGE", "us_english")]),
        ("SET LANGUAGE N'British'", [("LANGUAGE", "British")]),
        ("SET STATISTICS IO, TIME ON", [("STATISTICS IO", "ON"), ("STATISTICS TIME", "ON")]),
        ("SET IMPLICIT_TRANSACTIONS ON", [("IMPLICIT_TRANSACTIONS", "ON")]),
    ],
)
def test_set_options(text: str, expected: list[tuple[str, object]]) -> None:
    statements = parse_batch(text)
    assert all(isinstance(s, SetOption) for s in statements)
    assert [(s.name, s.value) for s in statements] == expected  # type: ignore[attr-defined]
    assert all(s.text == text for s in statements)


def test_set_option_value_from_variable() -> None:
    statement = one("SET DEADLOCK_PRIORITY @p")
    assert isinstance(statement, SetOption)
    assert isinstance(statement.value, exp.Parameter)
    assert sql(statement.value) == "@p"


def test_set_identity_insert_names_the_table() -> None:
    statement = one("SET IDENTITY_INSERT dbo.orders ON")
    assert isinstance(statement, SetOption)
    assert (statement.name, statement.value) == ("IDENTITY_INSERT", "ON")
    assert statement.target is not None
    assert (statement.target.db, statement.target.name) == ("dbo", "orders")


# --- Messages and errors ----------------------------------------------------------------------------


def test_print_takes_an_expression() -> None:
    statement = one("PRINT 'n = ' + CAST(@n AS varchar(10))")
    assert isinstance(statement, Print)
    assert isinstance(statement.value, exp.Add)


def test_raiserror_with_arguments_and_options() -> None:
    statement = one("RAISERROR('row %d of %s', 16, 1, @i, N'x') WITH NOWAIT, LOG")
    assert isinstance(statement, Raiserror)
    assert sql(statement.message) == "'row %d of %s'"
    assert (sql(statement.severity), sql(statement.state)) == ("16", "1")
    assert [sql(a) for a in statement.arguments] == ["@i", "N'x'"]
    assert statement.options == frozenset({"NOWAIT", "LOG"})


def test_raiserror_with_message_number_and_no_options() -> None:
    statement = one("RAISERROR(50001, 10, 2)")
    assert isinstance(statement, Raiserror)
    assert isinstance(statement.message, exp.Literal) and not statement.message.is_string
    assert statement.arguments == () and statement.options == frozenset()


def test_throw_with_arguments_and_rethrow() -> None:
    statement = one("THROW 50000, 'bad thing', 1")
    assert isinstance(statement, Throw)
    assert [sql(statement.number), sql(statement.message), sql(statement.state)] == [
        "50000",
        "'bad thing'",
        "1",
    ]
    assert one("THROW") == Throw(line=1, text="THROW")


def test_waitfor_delay_and_time() -> None:
    delay = one("WAITFOR DELAY '00:00:05'")
    assert isinstance(delay, WaitFor)
    assert (delay.kind, sql(delay.value)) == ("DELAY", "'00:00:05'")
    at = one("waitfor time @when")
    assert isinstance(at, WaitFor)
    assert (at.kind, sql(at.value)) == ("TIME", "@when")


# --- Transactions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BEGIN TRAN", BeginTransaction()),
        ("BEGIN TRANSACTION t1", BeginTransaction("t1")),
        ("BEGIN TRAN t1 WITH MARK 'before cleanup'", BeginTransaction("t1", "before cleanup")),
        ("BEGIN TRAN [my tran] WITH MARK", BeginTransaction("my tran", "")),
        ("BEGIN DISTRIBUTED TRANSACTION", BeginDistributedTransaction()),
        ("BEGIN DISTRIBUTED TRAN dt", BeginDistributedTransaction("dt")),
        ("COMMIT", CommitTransaction()),
        ("COMMIT WORK", CommitTransaction()),
        ("COMMIT TRAN", CommitTransaction()),
        ("COMMIT TRANSACTION t1", CommitTransaction("t1")),
        ("ROLLBACK", RollbackTransaction()),
        ("ROLLBACK WORK", RollbackTransaction()),
        ("ROLLBACK TRAN sp1", RollbackTransaction("sp1")),
        ("SAVE TRAN sp1", SaveTransaction("sp1")),
        ("SAVE TRANSACTION sp2", SaveTransaction("sp2")),
    ],
)
def test_transaction_statements(text: str, expected: Statement) -> None:
    assert one(text) == dataclasses.replace(expected, line=1, text=text)


def test_transaction_name_from_variable_is_a_node() -> None:
    statement = one("BEGIN TRAN @name")
    assert isinstance(statement, BeginTransaction)
    assert isinstance(statement.name, exp.Parameter) and statement.name.name == "name"
    save = one("SAVE TRANSACTION @sp")
    assert isinstance(save, SaveTransaction) and isinstance(save.name, exp.Parameter)


def test_transaction_name_is_optional_before_next_statement() -> None:
    statements = parse_batch("BEGIN TRAN\nUPDATE t SET a = 1\nCOMMIT\nSELECT 1")
    assert [type(s).__name__ for s in statements] == [
        "BeginTransaction",
        "SqlStatement",
        "CommitTransaction",
        "SqlStatement",
    ]
    assert statements[0] == BeginTransaction(line=1, text="BEGIN TRAN")


# --- KILL and Oracle session statements -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "target", "statusonly", "outcome"),
    [
        ("KILL 54", 54, False, None),
        ("KILL 54 WITH STATUSONLY", 54, True, None),
        ("KILL -2", -2, False, None),
        ("KILL '54'", "54", False, None),
        ("KILL 'D5499C66-E398-45CA-BF7E-DC9C194B48CF'", "D5499C66-E398-45CA-BF7E-DC9C194B48CF", False, None),
        (
            "KILL 'D5499C66-E398-45CA-BF7E-DC9C194B48CF' WITH COMMIT",
            "D5499C66-E398-45CA-BF7E-DC9C194B48CF",
            False,
            "COMMIT",
        ),
        (
            "KILL 'D5499C66-E398-45CA-BF7E-DC9C194B48CF' WITH ROLLBACK",
            "D5499C66-E398-45CA-BF7E-DC9C194B48CF",
            False,
            "ROLLBACK",
        ),
        ("KILL 54 WITH COMMIT", 54, False, "COMMIT"),
    ],
)
def test_kill(text: str, target: object, statusonly: bool, outcome: str | None) -> None:
    statement = one(text)
    assert isinstance(statement, Kill)
    assert statement.target.to_py() == target
    assert (statement.statusonly, statement.outcome) == (statusonly, outcome)


def test_alter_system_kill_session() -> None:
    statement = one("ALTER SYSTEM KILL SESSION '12,345,@1' IMMEDIATE TIMEOUT 10")
    assert statement == KillSession("12,345,@1", immediate=True, timeout=10, line=1, text=statement.text)
    forced = one("ALTER SYSTEM KILL SESSION '12,345' NOREPLAY FORCE")
    assert isinstance(forced, KillSession)
    assert (forced.force, forced.noreplay, forced.immediate, forced.timeout) == (True, True, False, None)


def test_alter_system_disconnect_session() -> None:
    statement = one("ALTER SYSTEM DISCONNECT SESSION '12,345' POST_TRANSACTION")
    assert isinstance(statement, DisconnectSession)
    assert (statement.spec, statement.post_transaction, statement.immediate) == ("12,345", True, False)


# --- EXECUTE ----------------------------------------------------------------------------------------


def test_execute_with_return_variable_named_and_output_arguments() -> None:
    statement = one("EXEC @rc = dbo.usp_do @a = 1, @b = @x OUTPUT, 'x', DEFAULT, NULL, -5, @y OUT")
    assert isinstance(statement, Execute)
    assert (statement.procedure, statement.return_variable) == ("dbo.usp_do", "@rc")
    args = statement.arguments
    assert [(a.name, a.output) for a in args] == [
        ("@a", False),
        ("@b", True),
        (None, False),
        (None, False),
        (None, False),
        (None, False),
        (None, True),
    ]
    assert [None if a.value is None else sql(a.value) for a in args] == [
        "1",
        "@x",
        "'x'",
        None,
        "NULL",
        "-5",
        "@y",
    ]


def test_system_procedures_are_procedures_by_name() -> None:
    assert one("EXEC sp_who") == Execute("sp_who", line=1, text="EXEC sp_who")
    kill = one("EXECUTE sp_kill 54")
    assert isinstance(kill, Execute)
    assert kill.arguments == (Argument(None, exp.Literal.number(54)),)
    who2 = one("EXEC master..sp_who2 active")
    assert isinstance(who2, Execute)
    assert who2.procedure == "master..sp_who2"
    assert who2.arguments == (Argument(None, exp.Literal.string("active")),)


def test_sp_executesql_arguments() -> None:
    statement = one("EXECUTE sp_executesql N'SELECT @x', N'@x int', @x = 1")
    assert isinstance(statement, Execute)
    assert statement.procedure == "sp_executesql"
    assert [a.name for a in statement.arguments] == [None, None, "@x"]


def test_bare_procedure_name_first_in_batch_is_execute() -> None:
    statements = parse_batch("sp_who\nSELECT 1")
    assert statements[0] == Execute("sp_who", line=1, text="sp_who")
    assert one("sp_lock 54") == Execute(
        "sp_lock", (Argument(None, exp.Literal.number(54)),), line=1, text="sp_lock 54"
    )


def test_execute_string() -> None:
    statement = one("EXEC (N'SELECT 1')")
    assert isinstance(statement, ExecuteString)
    assert sql(statement.value) == "N'SELECT 1'"
    concatenated = one("EXEC('SELECT ' + @cols + ' FROM t')")
    assert isinstance(concatenated, ExecuteString)
    assert isinstance(concatenated.value, exp.Add)


# --- Databases, logins, permissions -----------------------------------------------------------------


def test_use_and_checkpoint() -> None:
    assert one("USE master") == Use("master", line=1, text="USE master")
    assert one("USE [my db]") == Use("my db", line=1, text="USE [my db]")
    assert one("CHECKPOINT") == Checkpoint(line=1, text="CHECKPOINT")
    assert one("CHECKPOINT 5") == Checkpoint(5, line=1, text="CHECKPOINT 5")


@pytest.mark.parametrize(
    ("text", "database", "options", "termination"),
    [
        (
            "ALTER DATABASE CURRENT SET ACCELERATED_DATABASE_RECOVERY = ON",
            "CURRENT",
            (("ACCELERATED_DATABASE_RECOVERY", "ON"),),
            None,
        ),
        (
            "ALTER DATABASE quietus SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE",
            "quietus",
            (("READ_COMMITTED_SNAPSHOT", "ON"),),
            "ROLLBACK IMMEDIATE",
        ),
        (
            "ALTER DATABASE [q] SET ALLOW_SNAPSHOT_ISOLATION OFF, READ_COMMITTED_SNAPSHOT OFF WITH NO_WAIT",
            "q",
            (("ALLOW_SNAPSHOT_ISOLATION", "OFF"), ("READ_COMMITTED_SNAPSHOT", "OFF")),
            "NO_WAIT",
        ),
        (
            "ALTER DATABASE q SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK AFTER 5 SECONDS",
            "q",
            (("READ_COMMITTED_SNAPSHOT", "ON"),),
            "ROLLBACK AFTER 5",
        ),
    ],
)
def test_alter_database_set(
    text: str, database: str, options: tuple[tuple[str, str], ...], termination: str | None
) -> None:
    assert one(text) == AlterDatabaseSet(database, options, termination, line=1, text=text)


def test_logins_roles_and_permissions() -> None:
    create = one("CREATE LOGIN bob WITH PASSWORD = 'S3cret!', CHECK_POLICY = OFF")
    assert create == CreateLogin("bob", "S3cret!", (("CHECK_POLICY", "OFF"),), line=1, text=create.text)
    assert one("ALTER LOGIN bob DISABLE") == AlterLogin(
        "bob", enable=False, line=1, text="ALTER LOGIN bob DISABLE"
    )
    password = one("ALTER LOGIN bob WITH PASSWORD = 'x'")
    assert isinstance(password, AlterLogin) and password.options == (("PASSWORD", "x"),)
    assert one("DROP LOGIN bob") == DropLogin("bob", line=1, text="DROP LOGIN bob")
    role = one("ALTER SERVER ROLE sysadmin ADD MEMBER bob")
    assert role == AlterServerRole("sysadmin", "ADD", "bob", line=1, text=role.text)
    grants = parse_batch(
        "GRANT ALTER ANY CONNECTION TO bob REVOKE VIEW SERVER STATE FROM bob DENY VIEW SERVER STATE TO [amy]"
    )
    assert [(g.kind, g.permission, g.principal) for g in grants] == [  # type: ignore[attr-defined]
        ("GRANT", "ALTER ANY CONNECTION", "bob"),
        ("REVOKE", "VIEW SERVER STATE", "bob"),
        ("DENY", "VIEW SERVER STATE", "amy"),
    ]
    assert all(isinstance(g, GrantPermission) for g in grants)
