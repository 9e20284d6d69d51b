"""Table hints on the target of an INSERT: the lock the statement takes on the table.

| hint on the target            | object lock                                | rows                  |
|-------------------------------|--------------------------------------------|-----------------------|
| none, ROWLOCK                 | IX                                         | X on each row written |
| TABLOCK, TABLOCKX             | X, held to the end of the transaction      | covered by it         |
| NOLOCK, READUNCOMMITTED       | refused: 1065                              |                       |
| any other                     | refused: 40517 (not built for INSERT yet)  |                       |

A writer's table-level lock is exclusive, so TABLOCK and TABLOCKX take the same X lock here (a shared table lock
could not cover the rows written); the row locks taken under it are granted at once, since nobody else can hold
any lock on the table.  (Hints on an UPDATE's or DELETE's target are read by their planning, not here:
engine/access.py's write table.)
"""

from __future__ import annotations

from sqlglot import exp

from quietus.engine.access import DIRTY_READ_HINTS
from quietus.engine.locks import LockMode
from quietus.errors import sql_error

_INSERT_LOCKS: dict[str, LockMode] = {"ROWLOCK": LockMode.IX, "TABLOCK": LockMode.X, "TABLOCKX": LockMode.X}


def insert_lock(target: exp.Expr) -> LockMode:
    """The object lock an INSERT into ``target`` (its table, maybe with a column list) takes."""
    table = target.this if isinstance(target, exp.Schema) else target
    mode = LockMode.IX
    for hint in table.args.get("hints") or []:
        for item in hint.expressions:
            name = item.name.upper()
            if name in DIRTY_READ_HINTS:
                raise sql_error(1065)
            if name not in _INSERT_LOCKS:
                raise sql_error(40517, f"table hint {name} on the target of an INSERT")
            if _INSERT_LOCKS[name] is LockMode.X:
                mode = LockMode.X
    return mode
