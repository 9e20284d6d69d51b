"""Syntax errors: SQL Server's number, text and line; a bad batch yields no statements at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quietus.errors import SqlError
from quietus.sql.dialect import Execute, parse_batch
from quietus.sql.dialect.keywords import RESERVED_KEYWORDS

# (batch, error number, line, message)
BAD_BATCHES: list[tuple[str, int, int, str]] = [
    ("SELECT * FROM", 156, 1, "Incorrect syntax near the keyword 'FROM'."),
    ("SELECT 1\nSELECT 2\nSELECT * FROM WHERE x = 1", 156, 3, "Incorrect syntax near the keyword 'WHERE'."),
    ("SELECT 1 +", 102, 1, "Incorrect syntax near '+'."),
    ("select 1 as end", 156, 1, "Incorrect syntax near the keyword 'end'."),
    ("SELECT 1 SELEC 2", 102, 1, "Incorrect syntax near '2'."),
    ("SELECT 'abc", 105, 1, "Unclosed quotation mark after the character string 'abc'."),
    (
        "SELECT 1\nPRINT N'it''s\nnot closed",
        105,
        2,
        "Unclosed quotation mark after the character string 'it''s\nnot closed'.",
    ),
    ("SELECT [abc", 105, 1, "Unclosed quotation mark after the character string 'abc'."),
    ("SELECT 1 -- fine\n/* never\nclosed", 113, 2, "Missing end comment mark '*/'."),
    ("SELECT 1\nGO\nSELECT 2", 102, 2, "Incorrect syntax near 'GO'."),
    ("SELECT 1\ngo 5\n", 102, 2, "Incorrect syntax near 'go'."),
    ("SELECT 1 END", 156, 1, "Incorrect syntax near the keyword 'END'."),
    ("ELSE SELECT 1", 156, 1, "Incorrect syntax near the keyword 'ELSE'."),
    ("BEGIN END", 156, 1, "Incorrect syntax near the keyword 'END'."),
    ("BEGIN\n  SELECT 1", 102, 2, "Incorrect syntax near '1'."),
    ("IF 1 = 1", 102, 1, "Incorrect syntax near '1'."),
    ("IF 1 = 1; SELECT 1", 102, 1, "Incorrect syntax near ';'."),
    ("WHILE 1 = 1\nELSE", 156, 2, "Incorrect syntax near the keyword 'ELSE'."),
    ("BEGIN TRY SELECT 1 END CATCH", 102, 1, "Incorrect syntax near 'CATCH'."),
    ("BEGIN TRY SELECT 1 END TRY", 102, 1, "Incorrect syntax near 'TRY'."),
    ("BREAK", 135, 1, "Cannot use a BREAK statement outside the scope of a WHILE statement."),
    (
        "IF @x = 1\n  CONTINUE",
        136,
        2,
        "Cannot use a CONTINUE statement outside the scope of a WHILE statement.",
    ),
    ("CREATE TRIGGER tr ON t AFTER INSERT AS SELECT 1", 156, 1, "Incorrect syntax near the keyword 'TRIGGER'."),
    ("SELECT 1; CREATE PROCEDURE p AS SELECT 1", 111, 1,
     "'CREATE/ALTER PROCEDURE' must be the first statement in a query batch."),
    ("CREATE PROCEDURE p AS", 156, 1, "Incorrect syntax near the keyword 'AS'."),
    ("CREATE PROCEDURE p WITH ENCRYPTION AS SELECT 1", 102, 1, "Incorrect syntax near 'ENCRYPTION'."),
    (
        "MERGE t USING u ON t.a = u.a WHEN MATCHED THEN DELETE",
        10713,
        1,
        "A MERGE statement must be terminated by a semi-colon (;).",
    ),
    ("SET FOO ON", 195, 1, "'FOO' is not a recognized SET option."),
    ("SET TRANSACTION ISOLATION LEVEL CHAOS", 102, 1, "Incorrect syntax near 'CHAOS'."),
    ("SELECT * FROM t WITH (FASTEST)", 321, 1, "FASTEST is not a recognized table hints option."),
    ("KILL @spid", 102, 1, "Incorrect syntax near '@spid'."),
    ("KILL", 156, 1, "Incorrect syntax near the keyword 'KILL'."),
    ("KILL 54 WITH ABORT", 102, 1, "Incorrect syntax near 'ABORT'."),
    ("UPDATE TOP 10 t SET a = 1", 102, 1, "Incorrect syntax near '10'."),
    ("DECLARE @c CURSOR", 156, 1, "Incorrect syntax near the keyword 'CURSOR'."),  # cursor variables
    ("RAISERROR('x', 16)", 102, 1, "Incorrect syntax near ')'."),
    ("RAISERROR 50001 'old style'", 102, 1, "Incorrect syntax near '50001'."),
    ("THROW 50000, 'x'", 102, 1, "Incorrect syntax near 'x'."),
    # THROW is not reserved: without ';' before it, it is the alias of 1, as in SQL Server.
    ("SELECT 1 THROW 50000, 'x', 1", 102, 1, "Incorrect syntax near '50000'."),
    ("ALTER DATABASE d SET RECOVERY SIMPLE", 102, 1, "Incorrect syntax near 'RECOVERY'."),
    ("EXEC sp_who 1 + 1", 102, 1, "Incorrect syntax near '+'."),
    ("SET @x + = 1", 102, 1, "Incorrect syntax near '+'."),
    ("WAITFOR DELAY 5", 102, 1, "Incorrect syntax near '5'."),
    ("IF 1 = 1 sp_who", 102, 1, "Incorrect syntax near 'sp_who'."),
    ("PRINT", 156, 1, "Incorrect syntax near the keyword 'PRINT'."),
    ("COMMIT TRAN t1 t2", 102, 1, "Incorrect syntax near 't2'."),
    ("sp_who\nsp_lock\nsp_who2", 102, 3, "Incorrect syntax near 'sp_who2'."),
    ("GRANT SELECT ON t TO bob", 156, 1, "Incorrect syntax near the keyword 'SELECT'."),
    ("SELECT 1\nSELECT 2\nINSERT INTO t VALUES (1,", 102, 3, "Incorrect syntax near ','."),
]


@pytest.mark.parametrize(("text", "number", "line", "message"), BAD_BATCHES)
def test_bad_batch_raises_sql_server_error(text: str, number: int, line: int, message: str) -> None:
    with pytest.raises(SqlError) as raised:
        parse_batch(text)
    error = raised.value
    assert (error.number, error.line) == (number, line)
    assert error.message.startswith(message)
    assert error.severity == 15


def test_bad_third_line_means_no_statement_is_returned() -> None:
    # The executor relies on this: parse_batch raises before anything runs.
    good_then_bad = "SELECT 1\nUPDATE t SET a = 1\nDELETE FROM"
    with pytest.raises(SqlError) as raised:
        parse_batch(good_then_bad)
    assert raised.value.line == 3
    assert len(parse_batch("SELECT 1\nUPDATE t SET a = 1")) == 2


def test_misspelt_keyword_first_in_batch_is_a_procedure_call_as_in_sql_server() -> None:
    # SQL Server answers "Could not find stored procedure 'SELEC'." (2812) at run time, not 102.
    (statement,) = parse_batch("SELEC 1")
    assert isinstance(statement, Execute) and statement.procedure == "SELEC"


def test_reserved_keyword_list_is_data() -> None:
    assert {"SELECT", "END", "ELSE", "WHILE", "KILL", "WAITFOR", "HOLDLOCK", "TRAN"} <= RESERVED_KEYWORDS
    assert not {"THROW", "TRY", "CATCH", "GO", "NOLOCK", "SP_WHO"} & RESERVED_KEYWORDS


# fmt: off
_PIECES = [
    "SELECT", "1", "a", "FROM", "t", "WHERE", "=", "(", ")", ",", ";", "'x'", "N'y'", "[q]", "@v", "@@SPID",
    "BEGIN", "END", "ELSE", "IF", "WHILE", "TRY", "CATCH", "TRAN", "COMMIT", "ROLLBACK", "SET", "NOCOUNT",
    "ON", "OFF", "DECLARE", "int", "EXEC", "sp_who", "KILL", "54", "-", "+", "*", "WITH", "(NOLOCK)", "TOP",
    "UPDATE", "DELETE", "INSERT", "INTO", "VALUES", "PRINT", "THROW", "RAISERROR", "BREAK", "RETURN",
    "CASE", "WHEN", "THEN", "\n", "GO", "--c\n", "/*c*/", "'", "/*", "[",
]
# fmt: on


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14))
def test_any_text_either_parses_or_raises_a_catalogued_syntax_error(pieces: list[str]) -> None:
    text = " ".join(pieces)
    try:
        statements = parse_batch(text)
    except SqlError as error:
        assert error.number in {102, 105, 113, 135, 136, 156, 195, 321}
        assert 1 <= error.line <= text.count("\n") + 1
        return
    for statement in statements:
        assert statement.text and statement.text == statement.text.strip()
        position = text.find(statement.text)
        assert position >= 0
        assert statement.line >= text.count("\n", 0, position) + 1
