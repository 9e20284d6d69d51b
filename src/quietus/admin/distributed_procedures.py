"""The distributed-transaction procedures (Quietus extensions; docs/reference/distributed-transactions.md).

``EXEC sp_enlist_distributed_transaction @uow = 'guid'``: begin, or join the session's local transaction to, the
distributed transaction with that unit of work (what a coordinator sends every participant; TM_PROPAGATE_XACT with a
Quietus cookie runs it).  ``EXEC sp_prepare_distributed_transaction``: phase one for the session's distributed
transaction; returns one row, its ``uow``.  The semantics are ``quietus.sessions.distributed``'s.
"""

from __future__ import annotations

import uuid
from typing import Any

from quietus.admin.procedures import bind_arguments
from quietus.errors import sql_error
from quietus.sessions.distributed import enlist, prepare_session_transaction
from quietus.sql.context import ExecContext
from quietus.sql.results import ResultColumn, StatementDone
from quietus.sql.types_base import UNIQUEIDENTIFIER


def sp_enlist_distributed_transaction(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    (value,) = bind_arguments("sp_enlist_distributed_transaction", ("uow",), positional, named)
    try:
        uow = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value).strip())
    except ValueError:
        raise sql_error(8169) from None
    enlist(ctx, uow)
    return 0


def sp_prepare_distributed_transaction(ctx: ExecContext, positional: list[Any], named: dict[str, Any]) -> int:
    bind_arguments("sp_prepare_distributed_transaction", (), positional, named)
    txn = prepare_session_transaction(ctx)
    sink = ctx.sink
    sink.start_result([ResultColumn("uow", UNIQUEIDENTIFIER)])
    sink.row((txn.uow,))
    sink.end_result()
    sink.done(StatementDone(None if ctx.session.options["NOCOUNT"] else 1, command="SELECT"))
    return 0


PROCEDURES = {
    "sp_enlist_distributed_transaction": sp_enlist_distributed_transaction,
    "sp_prepare_distributed_transaction": sp_prepare_distributed_transaction,
}
