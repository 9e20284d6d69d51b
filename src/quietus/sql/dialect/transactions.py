"""Transaction statement grammars: BEGIN [DISTRIBUTED] TRAN, COMMIT, ROLLBACK, SAVE TRAN.

A transaction or savepoint name is optional except for SAVE; it is a non-reserved word or a delimited
identifier (kept as ``str``), or a variable (kept as its ``exp.Parameter`` node).  ``WORK`` takes no name.
"""

from __future__ import annotations

import typing as t

from .statements import (
    BeginDistributedTransaction,
    BeginTransaction,
    CommitTransaction,
    RollbackTransaction,
    SaveTransaction,
    TransactionName,
)

if t.TYPE_CHECKING:
    from .batch import BatchParser

TRAN_WORDS: tuple[str, ...] = ("TRAN", "TRANSACTION")


def parse_begin(p: BatchParser) -> BeginTransaction:
    p.expect("BEGIN")
    _expect_tran(p)
    name = _optional_name(p)
    mark = None
    if name is not None and p.accept("WITH", "MARK"):
        mark = "" if p.at_end() else p.string()
    return BeginTransaction(name, mark)


def parse_begin_distributed(p: BatchParser) -> BeginDistributedTransaction:
    p.expect("BEGIN", "DISTRIBUTED")
    _expect_tran(p)
    return BeginDistributedTransaction(_optional_name(p))


def parse_commit(p: BatchParser) -> CommitTransaction:
    p.expect("COMMIT")
    return CommitTransaction(_tran_or_work_then_name(p))


def parse_rollback(p: BatchParser) -> RollbackTransaction:
    p.expect("ROLLBACK")
    return RollbackTransaction(_tran_or_work_then_name(p))


def parse_save(p: BatchParser) -> SaveTransaction:
    p.expect("SAVE")
    _expect_tran(p)
    name = _optional_name(p)
    if name is None:
        p.fail()
    return SaveTransaction(name)


def _expect_tran(p: BatchParser) -> None:
    if not any(p.accept(word) for word in TRAN_WORDS):
        p.fail()


def _tran_or_work_then_name(p: BatchParser) -> TransactionName:
    if p.accept("WORK"):
        return None
    if any(p.accept(word) for word in TRAN_WORDS):
        return _optional_name(p)
    return None


def _optional_name(p: BatchParser) -> TransactionName:
    if p.at_variable():
        return p.variable_node()
    if p.at_name():
        return p.name()
    return None
