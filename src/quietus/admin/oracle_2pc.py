"""Oracle's views of pending distributed transactions, over every distributed transaction of the one engine (XA
branches from Oracle Net clients, and units of work begun from T-SQL or linked servers alike).

DBA_2PC_PENDING (one row per prepared transaction, and per outcome forced by COMMIT/ROLLBACK FORCE until the
coordinator forgets it):

| column         | source                                                                                    |
|----------------|-------------------------------------------------------------------------------------------|
| LOCAL_TRAN_ID  | ``xa.local_tran_id``: database id . slot . the transaction id it was prepared with          |
| GLOBAL_TRAN_ID | ``Xid.global_tran_id``: format id . global id in hex (a T-SQL UOW: the Quietus format)     |
| STATE          | prepared, forced commit, forced rollback                                                   |
| MIXED          | no (Quietus decides a branch as one: never partly committed)                               |
| ADVICE         | NULL (no COMMIT COMMENT / ALTER SESSION ADVISE)                                            |
| TRAN_COMMENT   | NULL (as above)                                                                            |
| FAIL_TIME      | when it was prepared (from then on only its coordinator or a DBA decides)                  |
| FORCE_TIME     | when COMMIT/ROLLBACK FORCE decided it                                                      |
| RETRY_TIME     | FAIL_TIME: Quietus has no recovery process that retries                                    |
| OS_USER, HOST, | the client that began the branch (logon's OS user and machine), DB_USER its login, upper   |
| DB_USER        | case; the owning session's for a T-SQL unit of work                                        |
| COMMIT#        | for a forced commit, the database's commit count then; NULL otherwise                      |

DBA_PENDING_TRANSACTIONS (what python-oracledb's ``tpc_recover()`` reads): FORMATID, GLOBALID, BRANCHID of every
prepared transaction.  v$global_transaction: every distributed transaction, active or prepared, one branch each
(BRANCHES 1; REFCOUNT 1 while a session is attached, else 0; PREPARECOUNT 1 once prepared; STATE ACTIVE / PREPARED /
COMMITTING / ROLLING BACK; COUPLING "loosely coupled": two branches of one global id are independent
transactions).  All three need VIEW SERVER STATE (Oracle's SELECT ANY DICTIONARY); without it: ORA-00942.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from quietus.admin.columns import columns
from quietus.engine.database import Database
from quietus.engine.txn.transaction import Transaction, TxnState
from quietus.sessions import xa
from quietus.sql.context import ExecContext
from quietus.sql.environment import VirtualTable
from quietus.sql.oracle.errors import ora
from quietus.sql.oracle.parser import ForceTransaction

DBA_2PC_PENDING = columns("""
LOCAL_TRAN_ID nvarchar(22)
GLOBAL_TRAN_ID nvarchar(169)
STATE nvarchar(16)
MIXED nvarchar(3)
ADVICE nvarchar(1)
TRAN_COMMENT nvarchar(255)
FAIL_TIME datetime
FORCE_TIME datetime
RETRY_TIME datetime
OS_USER nvarchar(64)
OS_TERMINAL nvarchar(255)
HOST nvarchar(128)
DB_USER nvarchar(128)
COMMIT# nvarchar(16)
""")

DBA_PENDING_TRANSACTIONS = columns("""
FORMATID bigint
GLOBALID varbinary(64)
BRANCHID varbinary(64)
""")

V_GLOBAL_TRANSACTION = columns("""
FORMATID bigint
GLOBALID varbinary(64)
BRANCHID varbinary(64)
BRANCHES int
REFCOUNT int
PREPARECOUNT int
STATE nvarchar(38)
FLAGS int
COUPLING nvarchar(15)
""")

GLOBAL_STATES: dict[TxnState, str] = {
    TxnState.ACTIVE: "ACTIVE",
    TxnState.PREPARED: "PREPARED",
    TxnState.COMMITTING: "COMMITTING",
    TxnState.ROLLING_BACK: "ROLLING BACK",
}

VIEW_PERMISSION = "VIEW SERVER STATE"


def _check(ctx: ExecContext) -> None:
    security: Any = ctx.env.services.get("security")
    if security is not None and not security.has_server_permission(ctx.session.login_name, VIEW_PERMISSION):
        raise ora("ORA-00942")


def prepared(ctx: ExecContext) -> Iterator[tuple[Database, Transaction]]:
    for database in ctx.env.databases.values():
        for txn in list(database.txns.active.values()):
            if txn.uow is not None and txn.state is TxnState.PREPARED:
                yield database, txn


def _time(text: Any, default: datetime.datetime | None = None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else default


def _who(ctx: ExecContext, txn: Transaction) -> tuple[str | None, str | None, str | None]:
    info = txn.prepare_info
    if "db_user" in info:
        return info.get("os_user") or None, info.get("host") or None, info["db_user"]
    registry: Any = ctx.env.services.get("registry")
    owner = registry.get(txn.session_id) if registry is not None else None
    if owner is None:
        return None, None, None
    return None, owner.host_name or None, owner.login_name.upper()


def pending_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    _check(ctx)
    for database, txn in prepared(ctx):
        failed = _time(txn.prepare_info.get("prepared_at"), datetime.datetime.fromtimestamp(txn.begin_time))
        os_user, host, db_user = _who(ctx, txn)
        yield (
            xa.local_tran_id(database, txn),
            xa.xid_of(txn).global_tran_id,
            "prepared",
            "no",
            None,
            None,
            failed,
            None,
            failed,
            os_user,
            None,
            host,
            db_user,
            None,
        )
    for entry in xa.forced(ctx.env).values():
        info = entry.info
        yield (
            entry.local_tran_id,
            entry.xid.global_tran_id,
            "forced commit" if entry.commit else "forced rollback",
            "no",
            None,
            None,
            entry.fail_time,
            entry.force_time,
            entry.fail_time,
            info.get("os_user") or None,
            None,
            info.get("host") or None,
            info.get("db_user"),
            entry.commit_number,
        )


def pending_transaction_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    _check(ctx)
    for _database, txn in prepared(ctx):
        xid = xa.xid_of(txn)
        yield xid.format_id, xid.gtrid, xid.bqual


def global_transaction_rows(ctx: ExecContext) -> Iterator[tuple[Any, ...]]:
    _check(ctx)
    for database in ctx.env.databases.values():
        for txn in list(database.txns.active.values()):
            state = GLOBAL_STATES.get(txn.state)
            if txn.uow is None or state is None:
                continue
            xid = xa.xid_of(txn)
            prepared = txn.state is TxnState.PREPARED or txn.prepare_payload is not None
            yield (
                xid.format_id,
                xid.gtrid,
                xid.bqual,
                1,
                0 if txn.is_orphaned else 1,
                int(prepared),
                state,
                0,
                ("loosely coupled"),
            )


VIEWS: tuple[VirtualTable, ...] = (
    VirtualTable("dba_2pc_pending", DBA_2PC_PENDING, pending_rows),
    VirtualTable("dba_pending_transactions", DBA_PENDING_TRANSACTIONS, pending_transaction_rows),
    VirtualTable("v$global_transaction", V_GLOBAL_TRANSACTION, global_transaction_rows),
)


def run_force(ctx: ExecContext, statement: ForceTransaction) -> None:
    """COMMIT FORCE / ROLLBACK FORCE (sessions/xa.force has the refusals)."""
    xa.force(ctx, statement.tran_id, statement.commit, "COMMIT FORCE" if statement.commit else "ROLLBACK FORCE")


HANDLERS: dict[type, Any] = {ForceTransaction: run_force}
