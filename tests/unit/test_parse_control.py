"""Control of flow: IF/ELSE, WHILE, BEGIN...END, TRY/CATCH, BREAK/CONTINUE/RETURN, and their nesting."""

from __future__ import annotations

from sqlglot import exp

from quietus.sql.dialect import (
    Block,
    Break,
    Continue,
    If,
    Print,
    Return,
    SetOption,
    SetVariable,
    SqlStatement,
    Statement,
    Throw,
    TryCatch,
    While,
    parse_batch,
)


def one(text: str) -> Statement:
    (statement,) = parse_batch(text)
    return statement


def texts(statements: tuple[Statement, ...] | list[Statement]) -> list[str]:
    return [s.text for s in statements]


def test_if_block_else_single_statement() -> None:
    # sqlglot alone reads END as a column alias here; the branch must end at END.
    statement = one("IF @x > 1 BEGIN SELECT 1 END ELSE SELECT 2")
    assert isinstance(statement, If)
    assert statement.condition.sql("tsql") == "@x > 1"
    assert isinstance(statement.then, Block)
    assert texts(statement.then.statements) == ["SELECT 1"]
    assert isinstance(statement.else_, SqlStatement) and statement.else_.text == "SELECT 2"


def test_if_without_begin_takes_exactly_one_statement() -> None:
    statements = parse_batch("IF @x = 1 PRINT 'one' PRINT 'always' SELECT 3")
    assert [type(s) for s in statements] == [If, Print, SqlStatement]
    first = statements[0]
    assert isinstance(first, If) and first.then.text == "PRINT 'one'" and first.else_ is None


def test_else_if_chain() -> None:
    statement = one("IF @x = 1 SELECT 1 ELSE IF @x = 2 SELECT 2 ELSE IF @x = 3 SELECT 3 ELSE SELECT 4")
    conditions = []
    node: Statement | None = statement
    while isinstance(node, If):
        conditions.append(node.condition.sql("tsql"))
        node = node.else_
    assert conditions == ["@x = 1", "@x = 2", "@x = 3"]
    assert isinstance(node, SqlStatement) and node.text == "SELECT 4"


def test_dangling_else_binds_to_nearest_if() -> None:
    statement = one("IF @a = 1 IF @b = 1 PRINT 'x' ELSE PRINT 'y'")
    assert isinstance(statement, If) and statement.else_ is None
    inner = statement.then
    assert isinstance(inner, If)
    assert inner.else_ is not None and inner.else_.text == "PRINT 'y'"


def test_semicolon_may_end_then_branch_before_else() -> None:
    statement = one("IF @x = 1 SELECT 1; ELSE SELECT 2;")
    assert isinstance(statement, If)
    assert statement.else_ is not None and statement.else_.text == "SELECT 2"


def test_case_end_inside_if_branch_is_not_a_block_end() -> None:
    statement = one("IF @x = 1 SELECT CASE WHEN a = 1 THEN 'x' ELSE 'y' END FROM t ELSE SELECT 2")
    assert isinstance(statement, If)
    assert statement.then.text == "SELECT CASE WHEN a = 1 THEN 'x' ELSE 'y' END FROM t"
    assert statement.else_ is not None and statement.else_.text == "SELECT 2"


def test_multi_option_set_as_single_branch_is_a_block() -> None:
    statement = one("IF @x = 1 SET ANSI_NULLS, ANSI_PADDING ON ELSE PRINT 'no'")
    assert isinstance(statement, If)
    assert isinstance(statement.then, Block)
    assert [(s.name, s.value) for s in statement.then.statements if isinstance(s, SetOption)] == [
        ("ANSI_NULLS", "ON"),
        ("ANSI_PADDING", "ON"),
    ]


def test_while_body_is_one_statement() -> None:
    statements = parse_batch("WHILE @i < 3 SET @i += 1 SELECT @i")
    assert [type(s) for s in statements] == [While, SqlStatement]
    loop = statements[0]
    assert isinstance(loop, While) and isinstance(loop.body, SetVariable)


def test_if_inside_while_inside_try() -> None:
    text = """BEGIN TRY
    WHILE @i < 10
    BEGIN
        IF @i = 5 BREAK
        ELSE IF @i = 3 BEGIN SET @i += 2; CONTINUE END
        SET @i += 1
    END
    RETURN
END TRY
BEGIN CATCH
    PRINT ERROR_MESSAGE();
    THROW;
END CATCH"""
    statement = one(text)
    assert isinstance(statement, TryCatch)
    loop, ret = statement.try_block
    assert isinstance(loop, While) and loop.line == 2
    assert isinstance(ret, Return) and ret.value is None and ret.line == 8
    assert isinstance(loop.body, Block)
    check, increment = loop.body.statements
    assert isinstance(check, If) and isinstance(check.then, Break)
    assert isinstance(check.else_, If) and isinstance(check.else_.then, Block)
    assert isinstance(check.else_.then.statements[-1], Continue)
    assert isinstance(increment, SetVariable) and increment.line == 6
    printed, rethrow = statement.catch_block
    assert isinstance(printed, Print) and printed.line == 11
    assert rethrow == Throw(line=12, text="THROW")


def test_empty_catch_block_is_allowed() -> None:
    statement = one("BEGIN TRY SELECT 1 END TRY BEGIN CATCH END CATCH")
    assert isinstance(statement, TryCatch)
    assert statement.catch_block == ()


def test_nested_blocks() -> None:
    statement = one("BEGIN BEGIN SELECT 1 END; BEGIN SELECT 2; SELECT 3 END END")
    assert isinstance(statement, Block)
    first, second = statement.statements
    assert isinstance(first, Block) and isinstance(second, Block)
    assert texts(second.statements) == ["SELECT 2", "SELECT 3"]


def test_return_with_and_without_value() -> None:
    statements = parse_batch("IF @x = 1 RETURN 5 RETURN\nSELECT 1")
    first, bare, select = statements
    assert isinstance(first, If) and isinstance(first.then, Return)
    assert first.then.value == exp.Literal.number(5)
    assert bare == Return(line=1, text="RETURN")
    assert isinstance(select, SqlStatement)


def test_break_inside_nested_if_of_while_is_accepted() -> None:
    statement = one("WHILE 1 = 1 IF @done = 1 BREAK")
    assert isinstance(statement, While)
    assert isinstance(statement.body, If) and isinstance(statement.body.then, Break)
