"""Control-of-flow grammars: BEGIN...END, BEGIN TRY/CATCH, IF/ELSE, WHILE, BREAK, CONTINUE, RETURN, WAITFOR.

An IF or WHILE branch is exactly one statement (a BEGIN...END block counts as one); ELSE binds to the
nearest IF, so ``IF a IF b x ELSE y`` puts ``ELSE y`` on the inner IF, as in SQL Server.  A ``;`` may end
the THEN branch before its ELSE.
"""

from __future__ import annotations

import typing as t

from quietus.errors import sql_error

from .statements import Block, Break, Continue, If, Return, TryCatch, WaitFor, While

if t.TYPE_CHECKING:
    from .batch import BatchParser


WAITFOR_KINDS: tuple[str, ...] = ("DELAY", "TIME")


def parse_block(p: BatchParser) -> Block:
    p.expect("BEGIN")
    statements = p.statements_until_end()
    p.expect("END")
    return Block(statements)


def parse_try_catch(p: BatchParser) -> TryCatch:
    p.expect("BEGIN", "TRY")
    try_block = p.statements_until_end()
    p.expect("END", "TRY")
    p.skip_semicolons()
    p.expect("BEGIN", "CATCH")
    catch_block = p.statements_until_end(allow_empty=True)
    p.expect("END", "CATCH")
    return TryCatch(try_block, catch_block)


def parse_if(p: BatchParser) -> If:
    p.expect("IF")
    condition = p.expr()
    then = p.statement()
    if p.after_semicolons("ELSE"):
        p.skip_semicolons()
    if p.accept("ELSE"):
        return If(condition, then, p.statement())
    return If(condition, then)


def parse_while(p: BatchParser) -> While:
    p.expect("WHILE")
    condition = p.expr()
    p.loop_depth += 1
    try:
        body = p.statement()
    finally:
        p.loop_depth -= 1
    return While(condition, body)


def parse_break(p: BatchParser) -> Break:
    if p.loop_depth == 0:
        p.fail_with(sql_error(135, line=p.current().line))
    p.expect("BREAK")
    return Break()


def parse_continue(p: BatchParser) -> Continue:
    if p.loop_depth == 0:
        p.fail_with(sql_error(136, line=p.current().line))
    p.expect("CONTINUE")
    return Continue()


def parse_return(p: BatchParser) -> Return:
    p.expect("RETURN")
    return Return(None if p.at_end() else p.expr())


def parse_waitfor(p: BatchParser) -> WaitFor:
    p.expect("WAITFOR")
    kind = p.choice(WAITFOR_KINDS)
    value = p.variable_node() if p.at_variable() else p.literal()
    return WaitFor(kind, value)
