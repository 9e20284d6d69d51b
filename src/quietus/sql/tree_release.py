"""Giving a long batch's parse trees back piece by piece, instead of to one long garbage collection.

A sqlglot node points to its parent and its parent's ``args`` point back to it, so every parse tree is a web of
reference cycles: reference counting never frees one, only the cyclic collector does, in a full collection that
walks every object at once.  A batch longer than the parse cache's limit (``dialect.CACHED_TEXT_LIMIT``) is parsed
for one request only; a 50,000-term sum leaves 150,000 such objects behind, and the full collections that find them
stall every session (docs/design/reliability.md, "Garbage collection").

So when such a batch ends, the request takes its query and DML trees apart itself: node by node it detaches the
children (``args``) and the parent link, so each node is freed by reference counting as soon as the walk lets go
of it, and it pauses (gives the loop back) every ``NODES_PER_PAUSE`` nodes.  Only trees nothing can outlive the
batch are released: a query's or a DML statement's (a cursor's query, a procedure's or a view's definition, DDL
are other statement kinds and are left alone); a cached batch's trees are shared and never released.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlglot import exp

from quietus.sql.dialect.statements import SqlStatement, Statement

RELEASABLE = (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge)
NODES_PER_PAUSE = 256


def release_trees(statements: Iterable[Statement], pause: Callable[[], None]) -> int:
    """Take apart the trees of the query and DML statements among ``statements``; return the nodes released."""
    stack: list[exp.Expression] = [
        s.node for s in statements if isinstance(s, SqlStatement) and isinstance(s.node, RELEASABLE)
    ]
    released = 0
    while stack:
        node = stack.pop()
        for value in node.args.values():
            if isinstance(value, exp.Expression):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, exp.Expression))
        node.args = {}
        node.parent = None
        released += 1
        if not released % NODES_PER_PAUSE:
            pause()
    return released
