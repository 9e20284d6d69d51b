"""The pure parts of the request mapping: @params declarations, procedure names, TM requests as T-SQL."""

from __future__ import annotations

import pytest

from quietus.errors import SqlError
from quietus.protocol.tds import IsolationLevel, TmRequestType, TransactionManagerRequest
from quietus.server.requests import transaction_batch
from quietus.server.rpc import _PROCEDURE_NAME, Prepared, PreparedStatements, parse_declarations, system_name
from quietus.sql.types_base import DECIMAL, INT, NVARCHAR, VARBINARY


def test_declarations_keep_parenthesised_commas_and_output_flags() -> None:
    declared = parse_declarations("@P1 int, @P2 decimal(10, 2), @P3 NVARCHAR(max) OUTPUT,@P4 varbinary(16)")
    assert [(d.name, d.type, d.output) for d in declared] == [
        ("@P1", INT, False),
        ("@P2", DECIMAL(10, 2), False),
        ("@P3", NVARCHAR(None), True),
        ("@P4", VARBINARY(16), False),
    ]
    assert parse_declarations(None) == () and parse_declarations("  ") == ()


@pytest.mark.parametrize("text", ["P1 int", "@P1", "@P1 int; DROP TABLE t", "@P1 nosuchtype"])
def test_malformed_declarations_are_sql_errors(text: str) -> None:
    with pytest.raises(SqlError):
        parse_declarations(text)


def test_procedure_names() -> None:
    for name in ("sp_who", "dbo.sp_who", "[sys].[sp_who]", "master..sp_who", "[odd ]] name]"):
        assert _PROCEDURE_NAME.match(name), name
    for name in ("sp_who; DROP TABLE t", "sp_who --", "a.b.c.d.e", "sp who", ""):
        assert not _PROCEDURE_NAME.match(name), name
    assert system_name("[sys].[SP_ExecuteSQL]") == "sp_executesql"
    assert system_name("master..sp_prepare") == "sp_prepare"


def test_prepared_handles_count_from_one_per_connection() -> None:
    handles = PreparedStatements()
    first = handles.add(Prepared("SELECT 1", ()))
    second = handles.add(Prepared("SELECT 2", ()))
    assert (first, second) == (1, 2)
    assert PreparedStatements().add(Prepared("SELECT 3", ())) == 1


@pytest.mark.parametrize(
    ("request_", "text"),
    [
        (TransactionManagerRequest(TmRequestType.BEGIN_XACT), "BEGIN TRANSACTION"),
        (
            TransactionManagerRequest(TmRequestType.BEGIN_XACT, IsolationLevel.SNAPSHOT, name="t]x"),
            "SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION [t]]x]",
        ),
        (TransactionManagerRequest(TmRequestType.COMMIT_XACT), "IF @@TRANCOUNT > 0 COMMIT TRANSACTION"),
        (
            TransactionManagerRequest(
                TmRequestType.COMMIT_XACT, begin_new=True, new_isolation_level=IsolationLevel.READ_COMMITTED
            ),
            "IF @@TRANCOUNT > 0 COMMIT TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED; BEGIN TRANSACTION",
        ),
        (
            TransactionManagerRequest(TmRequestType.ROLLBACK_XACT, begin_new=True),
            "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; BEGIN TRANSACTION",
        ),
        (TransactionManagerRequest(TmRequestType.ROLLBACK_XACT, name="sp"), "ROLLBACK TRANSACTION [sp]"),
        (TransactionManagerRequest(TmRequestType.SAVE_XACT, name="sp"), "SAVE TRANSACTION [sp]"),
        (TransactionManagerRequest(TmRequestType.PROPAGATE_XACT, payload=b"cookie"), None),
        (TransactionManagerRequest(TmRequestType.GET_DTC_ADDRESS), None),
    ],
)
def test_transaction_manager_requests_as_t_sql(request_: TransactionManagerRequest, text: str | None) -> None:
    assert transaction_batch(request_) == text
