"""XA transaction branches for Oracle Net clients (python-oracledb's ``tpc_*``), on the engine's distributed
transactions.  docs/design/oracle-xa.md has the theory; user reference: docs/reference/oracle-xa.md.

An XID (format id, global transaction id, branch qualifier) names one branch; the branch is one engine transaction
whose unit of work is derived from the XID (``Xid.uow``), so T-SQL sees the same UOW (``KILL 'uow'``,
``sys.dm_tran_locks.request_owner_guid``).  The XID itself is kept in the transaction's ``prepare_info`` (durable
with its PREPARE record), so ``DBA_PENDING_TRANSACTIONS`` shows it after a restart.  A unit of work begun without
an XID (T-SQL's BEGIN DISTRIBUTED TRANSACTION, linked servers) shows as the XID (``QUIETUS_FORMAT_ID``, its 16 UOW
bytes, ``QUIETUS_BRANCH``), which maps back to the same UOW: tpc_commit / tpc_rollback decide it too.

A branch is *attached* to the session working in it (``session.txn``) or *detached* (owned by no session: session
-2 in every view).  Oracle detaches a branch at tpc_end and at tpc_prepare; so does Quietus.

| call (operation)             | the branch ...                                               | errors, in order       |
|------------------------------|--------------------------------------------------------------|------------------------|
| tpc_begin NEW                | begins, attached (a distributed branch already attached is   | 24757 the XID exists;  |
|                              | detached first)                                              | 24776 a local txn open |
| tpc_begin RESUME / JOIN      | a detached active branch is attached again                   | 24756 unknown or       |
|                              |                                                              | prepared; 24763 another|
|                              |                                                              | session has it         |
| tpc_begin PROMOTE            | the open local transaction becomes the branch (or a new one) | 24797 already global;  |
|                              |                                                              | 24757 the XID exists   |
| tpc_end NORMAL / SUSPEND     | the attached branch is detached                              | 25352 none attached;   |
|                              |                                                              | 24758 another XID      |
| tpc_prepare                  | nothing written: committed and forgotten (READ_ONLY, False); | 24756 unknown or not   |
|                              | else PREPARE durable, detached (REQUIRES_COMMIT, True)       | active; 24763 busy     |
| tpc_commit one-phase         | an active branch commits (COMMITTED); a prepared one commits | 24756, 24763,          |
|                              | and 02053 is reported, as Oracle does                        | 24764/24765 if forced  |
| tpc_commit two-phase         | a prepared (or still active) branch commits (FORGOTTEN)      | as above               |
| tpc_rollback                 | rolled back, locks freed (ABORTED)                           | as above               |
| tpc_forget                   | a forced outcome (COMMIT/ROLLBACK FORCE) is forgotten        | 24756 none forced      |
| COMMIT / DDL in a branch     | refused: the coordinator decides                             | 02089                  |

A branch begun with a timeout (``tpc_begin(xid, timeout=n)``) that stays detached and unprepared for n seconds is
rolled back by the server (``detach`` starts the clock; Oracle's transaction timeout for inactive branches).

"Another session has it": the branch is attached to a live session other than the caller's (24763).  The branch is
found by the XID the call names, else by the transaction context the client echoes (the UOW's 16 bytes, returned
at tpc_begin), else by the last XID the session began.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from quietus.admin.kill_uow import find_uow, release_snapshot
from quietus.engine.database import Database
from quietus.engine.scheduler import Task
from quietus.engine.txn.transaction import IN_DOUBT_SESSION_ID, Transaction, TxnState
from quietus.sessions.session import Session
from quietus.sql.environment import Environment
from quietus.sql.oracle.errors import ora

QUIETUS_FORMAT_ID = 0x51554F57  # "QUOW": the XID shown for a unit of work begun without one ...
QUIETUS_BRANCH = b"QUIETUS"  # ... its branch qualifier (not empty: Oracle shows an empty RAW as NULL)
ORACLE_CLIENT = "oracle_client"  # session.attachments: OSUSER, MACHINE, ... from the Oracle Net logon
LAST_BRANCH = "xa_last_branch"  # session.attachments: the UOW of the branch the session began last
FORCED = "forced_2pc"  # env.services: uow -> Forced, outcomes decided by COMMIT/ROLLBACK FORCE

# tpc_begin flags (python-oracledb's TPC_BEGIN_*) and tpc_end's
TMNOFLAGS_NEW = 0x01
TMJOIN = 0x02
TMRESUME = 0x04
TMPROMOTE = 0x08
TMSESSIONLESS = 0x10
TMSUSPEND = 0x00100000

# states a change-state call answers with (TNS_TPC_TXN_STATE_*)
STATE_REQUIRES_COMMIT = 1
STATE_COMMITTED = 2
STATE_ABORTED = 3
STATE_READ_ONLY = 4
STATE_FORGOTTEN = 5


@dataclass(frozen=True, slots=True)
class Xid:
    format_id: int
    gtrid: bytes
    bqual: bytes

    @property
    def uow(self) -> uuid.UUID:
        """The unit of work this branch is: the UOW itself for a Quietus XID, else a name-based UUID of the XID."""
        if self.format_id == QUIETUS_FORMAT_ID and len(self.gtrid) == 16 and self.bqual == QUIETUS_BRANCH:
            return uuid.UUID(bytes=self.gtrid)
        digest = hashlib.sha256(b"XA" + self.format_id.to_bytes(4, "big") + bytes([len(self.gtrid)]))
        digest.update(self.gtrid + self.bqual)
        return uuid.UUID(bytes=digest.digest()[:16], version=5)

    @property
    def global_tran_id(self) -> str:
        """As DBA_2PC_PENDING.GLOBAL_TRAN_ID shows an XA transaction: format id, a dot, the global id in hex."""
        return f"{self.format_id}.{self.gtrid.hex().upper()}"

    def text(self) -> str:
        return f"{self.global_tran_id}.{self.bqual.hex().upper()}"

    def info(self) -> list[Any]:
        return [self.format_id, self.gtrid, self.bqual]


def xid_of(txn: Transaction) -> Xid:
    """The XID a distributed transaction shows (its own, or the Quietus XID of its UOW)."""
    given = txn.prepare_info.get("xid")
    if given is not None:
        return Xid(int(given[0]), bytes(given[1]), bytes(given[2]))
    assert txn.uow is not None
    return Xid(QUIETUS_FORMAT_ID, txn.uow.bytes, QUIETUS_BRANCH)


def local_tran_id(database: Database, txn: Transaction) -> str:
    """Oracle's local transaction id (usn.slot.sequence): v$transaction's XIDUSN.XIDSLOT.XIDSQN of the transaction
    as it was prepared, so that it stays the same across restarts."""
    xid = int(txn.prepare_info.get("prepared_xid", txn.xid))
    return f"{database.database_id}.{xid & 0x7FFF}.{xid}"


@dataclass(slots=True)
class Forced:
    """An outcome decided by COMMIT FORCE / ROLLBACK FORCE: DBA_2PC_PENDING keeps it until tpc_forget."""

    commit: bool
    local_tran_id: str
    info: dict[str, Any]
    xid: Xid
    fail_time: datetime.datetime
    force_time: datetime.datetime
    commit_number: str | None  # DBA_2PC_PENDING.COMMIT#: the database's commit count at a forced commit


def forced(env: Environment) -> dict[uuid.UUID, Forced]:
    table: dict[uuid.UUID, Forced] = env.services.setdefault(FORCED, {})
    return table


def client_info(session: Session) -> dict[str, Any]:
    """Who began a branch, for DBA_2PC_PENDING (OS_USER, HOST, DB_USER)."""
    client = session.attachments.get(ORACLE_CLIENT, {})
    return {
        "db_user": session.login_name.upper(),
        "os_user": client.get("OSUSER", ""),
        "host": client.get("MACHINE", "") or session.host_name,
        "begun": datetime.datetime.now().isoformat(),
    }


# -- the calls ----------------------------------------------------------------------------------------------
# Each runs in the caller's request (``runner`` is its OracleRunner) and returns the state the client is told.


def start(runner: Any, xid: Xid, flags: int, timeout: int) -> uuid.UUID:
    session: Session = runner.session
    if flags & TMSESSIONLESS:
        raise ora("ORA-03001")  # sessionless transactions
    current = session.txn
    if flags & (TMRESUME | TMJOIN):
        _resume(runner, xid)
        return xid.uow
    if flags & TMPROMOTE:
        if current is not None and current.is_distributed:
            raise ora("ORA-24797")
        if find_uow(runner.ctx, xid.uow) is not None:
            raise ora("ORA-24757")
        txn = current or runner.begin_transaction(explicit=True)
    else:
        if find_uow(runner.ctx, xid.uow) is not None:
            raise ora("ORA-24757")
        if current is not None:
            if not current.is_distributed:
                raise ora("ORA-24776", xid.text(), local_tran_id(runner.ctx.database, current))
            detach(runner, current)
        txn = runner.begin_transaction(explicit=True)
    txn.uow = xid.uow
    txn.prepare_info = {"xid": xid.info(), **client_info(session), "timeout": timeout}
    session.attachments[LAST_BRANCH] = xid.uow
    return xid.uow


def _resume(runner: Any, xid: Xid) -> None:
    session: Session = runner.session
    found = find_uow(runner.ctx, xid.uow)
    if found is None or found[1].state is not TxnState.ACTIVE:
        raise ora("ORA-24756")
    txn = found[1]
    if txn is session.txn:
        raise ora("ORA-24757")
    if not txn.is_orphaned:
        raise ora("ORA-24763")
    _check_owner(runner.ctx.env, session, txn)
    current = session.txn
    if current is not None:
        if not current.is_distributed:
            raise ora("ORA-24776", xid.text(), local_tran_id(runner.ctx.database, current))
        detach(runner, current)
    txn.session_id = session.session_id
    session.txn = txn
    session.trancount = 1
    session.attachments[LAST_BRANCH] = txn.uow


def end(runner: Any, xid: Xid | None, _flags: int) -> None:
    session: Session = runner.session
    txn = session.txn
    if txn is None or not txn.is_distributed:
        raise ora("ORA-25352")
    if xid is not None and xid.uow != txn.uow:
        raise ora("ORA-24758")
    detach(runner, txn)


def detach(runner: Any, txn: Transaction) -> None:
    """The branch leaves the session (tpc_end, tpc_prepare): it belongs to no session (-2) until resumed or
    decided.  A branch begun with a timeout is rolled back if it is still detached and unprepared that many
    seconds later (Oracle's transaction timeout for inactive branches)."""
    session: Session = runner.session
    txn.session_id = IN_DOUBT_SESSION_ID
    session.txn = None
    session.trancount = 0
    session.doomed = False
    timeout = int(txn.prepare_info.get("timeout", 0) or 0)
    if timeout > 0:
        detached = int(txn.prepare_info.get("detached", 0)) + 1  # a resume and a later detach start a new clock
        txn.prepare_info["detached"] = detached
        loop = asyncio.get_running_loop()
        loop.call_later(timeout, _expire, runner.ctx.env, txn, detached)


_EXPIRING: set[asyncio.Task[None]] = set()  # rollbacks of timed-out branches, kept referenced until done


def _expire(env: Environment, txn: Transaction, detached: int) -> None:
    if txn.state is not TxnState.ACTIVE or not txn.is_orphaned or txn.prepare_info.get("detached") != detached:
        return  # decided, prepared or resumed since
    database = next((d for d in env.databases.values() if d.txns.active.get(txn.xid) is txn), None)
    if database is None:
        return
    rolling = asyncio.get_running_loop().create_task(_roll_back_expired(env, database, txn))
    _EXPIRING.add(rolling)
    rolling.add_done_callback(_EXPIRING.discard)


async def _roll_back_expired(env: Environment, database: Database, txn: Transaction) -> None:
    task = Task(asyncio.get_running_loop())

    def rollback() -> None:
        with task.noninterruptible():
            database.rollback(task, txn)
        release_snapshot(database, txn)

    await task.run(rollback)
    errorlog: Any = env.services.get("errorlog")
    if errorlog is not None:
        errorlog.write(
            "spid-2",
            f"XA branch {xid_of(txn).text()} (UOW {{{str(txn.uow).upper()}}}) rolled back: detached longer than "
            f"its timeout of {txn.prepare_info.get('timeout')} s.",
        )


def prepare(runner: Any, uow: uuid.UUID | None) -> int:
    database, txn = _branch(runner, uow)
    if txn.state is not TxnState.ACTIVE:
        raise ora("ORA-24756")
    session: Session = runner.session
    if txn is session.txn:
        detach(runner, txn)
    task = runner.ctx.task
    if not txn.has_writes:  # read-only: nothing to decide (Oracle answers XA_RDONLY and forgets the branch)
        with task.noninterruptible():
            database.commit(task, txn)
        release_snapshot(database, txn)
        return STATE_READ_ONLY
    txn.prepare_info["prepared_at"] = datetime.datetime.now().isoformat()
    with task.noninterruptible():
        database.prepare(task, txn)
    return STATE_REQUIRES_COMMIT


def commit(runner: Any, uow: uuid.UUID | None, one_phase: bool) -> int:
    database, txn = _branch(runner, uow)
    prepared = txn.state is TxnState.PREPARED
    _decide(runner, database, txn, commit=True)
    if one_phase and prepared:
        raise ora("ORA-02053", local_tran_id(database, txn))
    return STATE_COMMITTED if one_phase else STATE_FORGOTTEN


def rollback(runner: Any, uow: uuid.UUID | None) -> int:
    database, txn = _branch(runner, uow)
    _decide(runner, database, txn, commit=False)
    return STATE_ABORTED


def forget(runner: Any, uow: uuid.UUID | None) -> int:
    table = forced(runner.ctx.env)
    if uow is None or table.pop(uow, None) is None:
        raise ora("ORA-24756")
    return STATE_FORGOTTEN


def _branch(runner: Any, uow: uuid.UUID | None) -> tuple[Database, Transaction]:
    """The branch a change-state call is about, or the error Oracle gives when there is none to act on."""
    session: Session = runner.session
    env: Environment = runner.ctx.env
    if uow is None:
        uow = session.attachments.get(LAST_BRANCH)
    found = None if uow is None else find_uow(runner.ctx, uow)
    if found is None:
        was_forced = None if uow is None else forced(env).get(uow)
        if was_forced is not None:
            raise ora("ORA-24764" if was_forced.commit else "ORA-24765")
        raise ora("ORA-24756")
    database, txn = found
    if txn.state not in (TxnState.ACTIVE, TxnState.PREPARED):
        raise ora("ORA-24763")  # being decided (its record is being written, or it is rolling back)
    if txn is not session.txn:
        if not txn.is_orphaned:
            raise ora("ORA-24763")  # attached to another session
        _check_owner(env, session, txn)
    return database, txn


def _check_owner(env: Environment, session: Session, txn: Transaction) -> None:
    """Another user's branch (or a unit of work begun from T-SQL) is decided only with FORCE ANY TRANSACTION."""
    if str(txn.prepare_info.get("db_user", "")).upper() == session.login_name.upper():
        return
    security: Any = env.services.get("security")
    if security is not None and not security.has_server_permission(session.login_name, FORCE_ANY):
        raise ora("ORA-01031")


def _decide(runner: Any, database: Database, txn: Transaction, *, commit: bool) -> None:
    if txn is runner.session.txn:  # still attached: the session's own transaction ends
        if commit:
            runner.commit_transaction(txn, explicit=True)
        else:
            runner.rollback_all()
        return
    _settle(runner.ctx, database, txn, commit=commit)


def _settle(ctx: Any, database: Database, txn: Transaction, *, commit: bool) -> None:
    """Decide a branch no session has (durable before this returns; a rollback's undo runs here too)."""
    task = ctx.task
    with task.noninterruptible():
        if commit:
            database.commit(task, txn)
        else:
            database.rollback(task, txn)
    release_snapshot(database, txn)


def force(ctx: Any, tran_id: str, commit: bool, statement: str) -> None:
    """COMMIT FORCE / ROLLBACK FORCE 'tran_id': decide an in-doubt transaction named by its local or global
    transaction id.  Refusals in Oracle's order: 02043 in a transaction, 02058 no prepared one with that id,
    01031 without FORCE TRANSACTION (one's own) or FORCE ANY TRANSACTION (anyone's)."""
    session: Session = ctx.session
    env: Environment = ctx.env
    if session.txn is not None:
        raise ora("ORA-02043", statement)
    found = _pending(env, tran_id)
    if found is None:
        raise ora("ORA-02058", tran_id)
    database, txn = found
    if not txn.is_orphaned:
        raise ora("ORA-24763")
    _check_force_privilege(env, session, txn)
    info = dict(txn.prepare_info)
    local = local_tran_id(database, txn)
    _settle(ctx, database, txn, commit=commit)
    assert txn.uow is not None
    now = datetime.datetime.now()
    fail_time = info.get("prepared_at")
    failed = datetime.datetime.fromisoformat(fail_time) if fail_time else now
    number = str(database.commits) if commit else None
    forced(env)[txn.uow] = Forced(commit, local, info, xid_of(txn), failed, now, number)
    errorlog: Any = env.services.get("errorlog")
    if errorlog is not None:
        word = "COMMIT FORCE" if commit else "ROLLBACK FORCE"
        errorlog.write(
            f"spid{session.session_id}",
            f"In-doubt distributed transaction {local} (UOW {{{str(txn.uow).upper()}}}) decided by {word} of "
            f"{session.login_name}.",
        )


FORCE_ANY = "FORCE ANY TRANSACTION"
FORCE_OWN = "FORCE TRANSACTION"


def _check_force_privilege(env: Environment, session: Session, txn: Transaction) -> None:
    security: Any = env.services.get("security")
    if security is None:
        return
    login = session.login_name
    if security.has_server_permission(login, FORCE_ANY):
        return
    own = str(txn.prepare_info.get("db_user", "")).upper() == login.upper()
    if own and security.has_server_permission(login, FORCE_OWN):
        return
    raise ora("ORA-01031")


def _pending(env: Environment, tran_id: str) -> tuple[Database, Transaction] | None:
    """The prepared transaction whose local or global transaction id is ``tran_id``."""
    wanted = tran_id.strip()
    for database in env.databases.values():
        for txn in database.txns.active.values():
            if txn.state is not TxnState.PREPARED or txn.uow is None:
                continue
            if wanted in (local_tran_id(database, txn), xid_of(txn).global_tran_id):
                return database, txn
    return None
