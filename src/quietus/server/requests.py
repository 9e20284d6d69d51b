"""How each TDS request maps onto the engine.  Every path ends in ``Instance.execute`` (one batch, one task).

| request                                  | what runs                                                        |
|------------------------------------------|------------------------------------------------------------------|
| SQL_BATCH                                | the text                                                         |
| RPC                                      | ``rpc.run_calls`` (sp_executesql, sp_prepare ..., EXEC by name)  |
| TM BEGIN_XACT (isolation, name)          | [SET TRANSACTION ISOLATION LEVEL x;] BEGIN TRANSACTION [name]    |
| TM COMMIT_XACT (fBeginXact)              | IF @@TRANCOUNT > 0 COMMIT TRANSACTION [; BEGIN TRANSACTION ...]  |
| TM ROLLBACK_XACT (name = savepoint)      | ROLLBACK TRANSACTION name                                        |
| TM ROLLBACK_XACT (fBeginXact)            | IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION [; BEGIN TRANSACTION ...]|
| TM SAVE_XACT                             | SAVE TRANSACTION name                                            |
| TM PROPAGATE_XACT, Quietus cookie         | EXEC sp_enlist_distributed_transaction @uow = 'guid' (the cookie |
| (b"QUOW" + the UOW's 16 bytes)           | names the UOW: docs/reference/distributed-transactions.md)       |
| TM DTC requests (0, 1 otherwise, 6)      | error 8501 (no MSDTC)                                            |
| RESETCONNECTION status bit               | reset the session first (rolled back; SKIPTRAN keeps the         |
|                                          | transaction), ENVCHANGE 18, then the request                     |

TM requests are rewritten to T-SQL as Babelfish does, so a transaction begun either way is the same transaction:
the engine's TransactionEvents produce the ENVCHANGEs and the descriptors clients echo.
"""

from __future__ import annotations

import uuid

from quietus.errors import sql_error
from quietus.protocol.tds import (
    IsolationLevel,
    Request,
    ResetConnection,
    RpcRequest,
    SqlBatch,
    TmRequestType,
    TransactionManagerRequest,
)
from quietus.server.rpc import RequestContext, report, run_calls
from quietus.sessions.requests import Outcome

ISOLATION_NAMES = {
    IsolationLevel.READ_UNCOMMITTED: "READ UNCOMMITTED",
    IsolationLevel.READ_COMMITTED: "READ COMMITTED",
    IsolationLevel.REPEATABLE_READ: "REPEATABLE READ",
    IsolationLevel.SERIALIZABLE: "SERIALIZABLE",
    IsolationLevel.SNAPSHOT: "SNAPSHOT",
}


def quote_name(name: str) -> str:
    return "[" + name.replace("]", "]]") + "]"


def _begin(isolation: int, name: str) -> str:
    level = ISOLATION_NAMES.get(isolation)  # type: ignore[call-overload]
    prefix = f"SET TRANSACTION ISOLATION LEVEL {level}; " if level else ""
    return f"{prefix}BEGIN TRANSACTION {quote_name(name) if name else ''}".rstrip()


def _end(verb: str, request: TransactionManagerRequest) -> str:
    text = f"IF @@TRANCOUNT > 0 {verb} TRANSACTION"
    if request.begin_new:
        text += "; " + _begin(request.new_isolation_level, request.new_name)
    return text


QUIETUS_COOKIE = b"QUOW"  # TM_PROPAGATE_XACT payload: this magic, then the unit of work's 16 bytes


def transaction_batch(request: TransactionManagerRequest) -> str | None:
    """The T-SQL a Transaction Manager request stands for; None for the DTC requests Quietus refuses."""
    kind = request.request_type
    if kind == TmRequestType.BEGIN_XACT:
        return _begin(request.isolation_level, request.name)
    if kind == TmRequestType.COMMIT_XACT:
        return _end("COMMIT", request)
    if kind == TmRequestType.ROLLBACK_XACT:
        if request.name:  # a named rollback is to a savepoint (or the named transaction): no new one begins
            return f"ROLLBACK TRANSACTION {quote_name(request.name)}"
        return _end("ROLLBACK", request)
    if kind == TmRequestType.SAVE_XACT:
        return f"SAVE TRANSACTION {quote_name(request.name)}"
    cookie = request.payload
    if kind == TmRequestType.PROPAGATE_XACT and len(cookie) == 20 and cookie.startswith(QUIETUS_COOKIE):
        return f"EXEC sp_enlist_distributed_transaction @uow = '{uuid.UUID(bytes=cookie[4:])}'"
    return None


async def _transaction_request(ctx: RequestContext, request: TransactionManagerRequest) -> Outcome:
    text = transaction_batch(request)
    if text is None:
        report(ctx.sink, sql_error(8501, ctx.server_name))
        return Outcome.COMPLETED
    return await ctx.execute(text, None, None)


async def run_request(ctx: RequestContext, request: Request) -> Outcome:
    """Run ``request`` (after its RESETCONNECTION, if any); the caller finishes the response."""
    reset = request.reset
    if reset is not ResetConnection.NONE:
        keep_transaction = reset is ResetConnection.RESET_SKIP_TRANSACTION
        await ctx.reset_session(keep_transaction)
        ctx.sink.send(ctx.sink.w.reset_ack(transaction_ended=not keep_transaction))
    if ctx.sink.writer.cancelled:
        return Outcome.CANCELLED
    if isinstance(request, SqlBatch):
        return await ctx.execute(request.text, None, None)
    if isinstance(request, RpcRequest):
        return await run_calls(ctx, request.calls)
    if isinstance(request, TransactionManagerRequest):
        return await _transaction_request(ctx, request)
    raise AssertionError(f"not a request the engine runs: {request!r}")
