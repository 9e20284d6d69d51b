"""ROWNUM in the outermost select list: 1, 2, 3 ... in the order rows come out (``normalise._number_rows``).

Every mention of ROWNUM in one row sees the same number: the compiled expression counts a new row when the row it
is given is not the one it saw last.  The count lives in the request's variables (``ROWNUM``), so each statement
(and each restart of one, runner.py) starts from 1.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from quietus.sql.expressions import CompiledExpr, EvalContext, Row, Scope, register_compiler
from quietus.sql.types_base import INT

ROWNUM = "%rownum"  # ctx.variables key (no variable name can be spelt so): [the last row, its number]


class RowNumber(exp.Expression, exp.Func):
    """Oracle's ROWNUM pseudo-column in a select list."""


def _compile(node: RowNumber, scope: Scope) -> CompiledExpr:
    def number(row: Row, ctx: EvalContext) -> int:
        variables: dict[str, Any] = ctx.variables  # type: ignore[attr-defined]
        state = variables.get(ROWNUM)
        if state is None:
            state = variables[ROWNUM] = [None, 0]
        if state[0] is not row:
            state[0] = row
            state[1] += 1
        count: int = state[1]
        return count

    return CompiledExpr(number, INT)


register_compiler(RowNumber, _compile)
