"""An Oracle statement's sqlglot tree → the tree the shared planner, DML and DDL already execute.

One bottom-up pass; each node class has its rule in ``RULES`` (a node without a rule is kept):

| Oracle                                   | becomes                                                        |
|------------------------------------------|----------------------------------------------------------------|
| unquoted identifier ``t``                | ``T`` (names resolve case-insensitively, so T-SQL's ``t`` is found) |
| ``DUAL``                                 | a one-row derived table ``(SELECT 'X' AS DUMMY) DUAL``         |
| ``sys.v$session``, ``scott.emp``         | ``v$session``, ``emp`` (one schema: the database's)            |
| ``:name``, ``:1``                        | the variable ``@NAME``, ``@1`` (bound by the runner)            |
| ``''``                                   | NULL                                                           |
| NUMBER, NUMBER(p), NUMBER(p,s)           | decimal(38,10), decimal(p,0), decimal(p,s)                     |
| INTEGER, DECIMAL, NUMERIC                | decimal(38,0) (or the precision given)                         |
| VARCHAR2(n), NVARCHAR2(n), CHAR, NCHAR   | varchar(n), nvarchar(n), char(n), nchar(n)                     |
| DATE, TIMESTAMP(p)                       | datetime2(0), datetime2(p, default 6)                          |
| CLOB, NCLOB, BLOB, RAW(n)                | varchar(max), nvarchar(max), varbinary(max), varbinary(n)      |
| FLOAT, BINARY_DOUBLE                     | float                                                          |
| = <> < <= > >=, LIKE, IN (list), BETWEEN | the case-sensitive forms of ``compare.py``                     |
| ``+ - /``                                | ``arithmetic.py``'s (dates ± days, date - date, 5 / 2 = 2.5)   |
| NVL2, DECODE, NULLIF, ``CASE x WHEN``    | CASE with binary tests (DECODE's NULL matches NULL)            |
| SYSDATE, SYSTIMESTAMP, SUBSTR, INSTR,    | ``%ORA_...`` builtins (``functions.py``)                       |
| LENGTH, TO_CHAR, TO_DATE, TO_NUMBER,     |                                                                |
| TRUNC, ``\\|\\|``                         |                                                                |
| ROUND(x)                                 | ROUND(x, 0)                                                    |
| ``WHERE ROWNUM <= n`` (``< n``, ``= 1``) | FETCH FIRST n ROWS ONLY                                        |
| ``SELECT ... FOR UPDATE [NOWAIT|WAIT n]``| UPDLOCK on the FROM tables; the wait goes to the runner        |

An unaliased select-list expression gets Oracle's column name: its text, upper-cased, without spaces.
What has no rule here and no meaning to the planner fails when the statement runs (ORA-00904, ORA-00900 ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from quietus.sql.oracle import arithmetic, compare
from quietus.sql.oracle.dialect import DIALECT
from quietus.sql.oracle.errors import ora


@dataclass(frozen=True, slots=True)
class Normalised:
    node: exp.Expr
    for_update: bool  # writes rows, or locks them (FOR UPDATE): runs in the session's transaction
    lock_wait: int | None  # FOR UPDATE: None waits, 0 is NOWAIT, n is WAIT n (seconds)


def normalise(tree: exp.Expr) -> Normalised:
    tree = tree.copy()
    for select in list(tree.find_all(exp.Select)):
        _name_expressions(select)
    lock_wait, locking = _locks(tree)
    node = _rewrite(tree)
    if any(_is_rownum(column) for column in node.find_all(exp.Column)):
        raise ora("ORA-03001")  # ROWNUM outside the WHERE forms that become FETCH FIRST
    if locking:
        for table in node.find_all(exp.Table):
            table.set("hints", [exp.WithTableHint(expressions=[exp.Var(this="UPDLOCK")])])
    writes = isinstance(node, exp.Insert | exp.Update | exp.Delete)
    return Normalised(node, writes or locking, lock_wait)


def _rewrite(node: exp.Expr) -> exp.Expr:
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expr):
            node.set(key, _rewrite(value))
        elif isinstance(value, list):
            node.set(key, [_rewrite(item) if isinstance(item, exp.Expr) else item for item in value])
    rule = RULES.get(type(node))
    return node if rule is None else rule(node)


# --- names ----------------------------------------------------------------------------------------------


def _identifier(node: exp.Identifier) -> exp.Expr:
    if not node.args.get("quoted"):
        node.set("this", node.name.upper())
    return node


def _table(node: exp.Table) -> exp.Expr:
    name = node.name.upper()
    schema = node.args.get("db")
    if name == "DUAL" and (schema is None or schema.name.upper() == "SYS"):
        dual = exp.select(exp.alias_(exp.Literal.string("X"), "DUMMY")).subquery(node.alias or "DUAL")
        return dual
    if schema is not None and not (schema.name.upper() == "SYS" and not name.startswith(("V$", "GV$"))):
        node.set("db", None)
        node.set("catalog", None)
    return node


def _is_rownum(node: exp.Expr) -> bool:
    return isinstance(node, exp.Column) and not node.table and node.name.upper() == "ROWNUM"


def _name_expressions(select: exp.Select) -> None:
    """Oracle names an unaliased select-list expression by its text: upper case, no spaces."""
    named: list[exp.Expr] = []
    for item in select.expressions:
        if isinstance(item, exp.Alias | exp.Column | exp.Star) or _is_rownum(item):
            named.append(item)
        else:
            text = "".join(item.sql(dialect=DIALECT).upper().split())
            named.append(exp.alias_(item, text[:128], quoted=True))
    select.set("expressions", named)


def _placeholder(node: exp.Placeholder) -> exp.Expr:
    return exp.Parameter(this=exp.Var(this=str(node.name).upper()))


def _literal(node: exp.Literal) -> exp.Expr:
    return exp.Null() if node.is_string and node.this == "" else node


# --- types ----------------------------------------------------------------------------------------------


def _params(node: exp.DataType) -> list[int]:
    values: list[int] = []
    for param in node.expressions:
        value = param.this if isinstance(param, exp.DataTypeParam) else param
        if not isinstance(value, exp.Literal) or value.is_string:
            raise ora("ORA-00902")
        values.append(int(value.this))
    return values


def _build(text: str) -> exp.DataType:
    return exp.DataType.build(text, dialect="tsql")


def _number(params: list[int], default_scale: int) -> exp.DataType:
    if not params:
        return _build(f"decimal(38, {default_scale})")
    precision, scale = params[0], params[1] if len(params) > 1 else 0
    if not 1 <= precision <= 38 or not 0 <= scale <= precision:
        raise ora("ORA-00902")
    return _build(f"decimal({precision}, {scale})")


def _sized(name: str, default: int | None) -> Callable[[list[int]], exp.DataType]:
    def build(params: list[int]) -> exp.DataType:
        if not params and default is None:
            raise ora("ORA-00902")
        return _build(f"{name}({params[0] if params else default})")

    return build


T = exp.DataType.Type

# sqlglot's type (as its Oracle dialect reads Oracle's names) → the engine type, given the parameters.
TYPES: dict[Any, Callable[[list[int]], exp.DataType]] = {
    T.BIGDECIMAL: lambda p: _number(p, 10),  # NUMBER (dialect.py)
    T.DECIMAL: lambda p: _number(p, 0),
    T.INT: lambda p: _number([], 0),
    T.SMALLINT: lambda p: _number([], 0),
    T.FLOAT: lambda p: _build("float"),
    T.DOUBLE: lambda p: _build("float"),
    T.VARCHAR: _sized("varchar", None),
    T.NVARCHAR: _sized("nvarchar", None),
    T.CHAR: _sized("char", 1),
    T.NCHAR: _sized("nchar", 1),
    T.DATE: lambda p: _build("datetime2(0)"),
    T.TIMESTAMP: lambda p: _build(f"datetime2({p[0] if p else 6})"),
    T.TEXT: lambda p: _build("varchar(max)"),
    T.VARBINARY: lambda p: _build("varbinary(max)"),
    "NCLOB": lambda p: _build("nvarchar(max)"),
    "RAW": _sized("varbinary", None),
}


def _data_type(node: exp.DataType) -> exp.Expr:
    kind: Any = node.this
    if kind == T.USERDEFINED:
        kind = str(node.args.get("kind") or "").upper()
    build = TYPES.get(kind)
    if build is None:
        raise ora("ORA-00902")
    return build(_params(node))


# --- comparisons ----------------------------------------------------------------------------------------


def _comparison(node: exp.Binary) -> exp.Expr:
    binary, _ = compare.BINARY_COMPARISONS[type(node)]
    return binary(this=node.this, expression=node.expression)


def _arithmetic(node: exp.Binary) -> exp.Expr:
    return arithmetic.ARITHMETIC[type(node)](this=node.this, expression=node.expression)


def _like(node: exp.Like) -> exp.Expr:
    return compare.BinaryLike(this=node.this, expression=node.expression, negate=node.args.get("negate"))


def _escape(node: exp.Escape) -> exp.Expr:
    like = node.this
    if not isinstance(like, compare.BinaryLike):
        raise ora("ORA-00933")
    like.set("escape", node.expression)
    return like


def _in(node: exp.In) -> exp.Expr:
    items = node.expressions
    if not items:
        return compare.BinaryIn(this=node.this, query=node.args.get("query"))
    value = node.this
    tests = [compare.BinaryEQ(this=value.copy(), expression=item) for item in items]
    combined: exp.Expr = tests[0]
    for test in tests[1:]:
        combined = exp.Or(this=combined, expression=test)
    return exp.Paren(this=combined)


def _between(node: exp.Between) -> exp.Expr:
    value = node.this
    low = compare.BinaryGTE(this=value.copy(), expression=node.args["low"])
    high = compare.BinaryLTE(this=value.copy(), expression=node.args["high"])
    return exp.Paren(this=exp.And(this=low, expression=high))


# --- functions ------------------------------------------------------------------------------------------


def _call(name: str, *args: exp.Expr | None) -> exp.Expr:
    return exp.Anonymous(this=f"%ORA_{name}", expressions=[a for a in args if a is not None])


def _nvl2(node: exp.Nvl2) -> exp.Expr:
    present = exp.Not(this=exp.Is(this=node.this, expression=exp.Null()))
    return exp.Case(ifs=[exp.If(this=present, true=node.args["true"])], default=node.args.get("false"))


def _case(node: exp.Case) -> exp.Expr:
    """``CASE x WHEN v THEN ...`` compares as Oracle does (binary): written as ``CASE WHEN x = v THEN ...``."""
    operand = node.this
    if operand is None:
        return node
    ifs = [
        exp.If(this=compare.BinaryEQ(this=operand.copy(), expression=branch.this), true=branch.args["true"])
        for branch in node.args.get("ifs") or []
    ]
    return exp.Case(ifs=ifs, default=node.args.get("default"))


def _nullif(node: exp.Nullif) -> exp.Expr:
    equal = compare.BinaryEQ(this=node.this.copy(), expression=node.expression)
    return exp.Case(ifs=[exp.If(this=equal, true=exp.Null())], default=node.this)


def _decode(node: exp.DecodeCase) -> exp.Expr:
    value, *rest = node.expressions
    default = rest.pop() if len(rest) % 2 else None
    ifs = []
    for search, result in zip(rest[::2], rest[1::2], strict=True):
        if isinstance(search, exp.Null):
            condition: exp.Expr = exp.Is(this=value.copy(), expression=exp.Null())
        else:
            condition = compare.BinaryEQ(this=value.copy(), expression=search)
        ifs.append(exp.If(this=condition, true=result))
    return exp.Case(ifs=ifs, default=default)


def _to_date(node: exp.StrToDate) -> exp.Expr:
    return _call("TO_DATE", node.this, node.args.get("format"))


def _anonymous(node: exp.Anonymous) -> exp.Expr:
    name = str(node.this).upper()
    if name == "TRUNC":
        return _call("TRUNC", *node.expressions)
    if name == "TO_DATE" and len(node.expressions) == 2:
        return _call("TO_DATE_MODEL", *node.expressions)
    if name == "TO_TIMESTAMP":
        return _call("TO_TIMESTAMP", *node.expressions)
    if name == "SYS_CONTEXT":
        return _call("SYS_CONTEXT", *node.expressions)
    return node


def _concat(node: exp.Concat) -> exp.Expr:
    if len(node.expressions) != 2:
        raise ora("ORA-00909")
    return _call("CONCAT", *node.expressions)


def _column(node: exp.Column) -> exp.Expr:
    """``USER`` is a function in Oracle (sqlglot reads it as a column)."""
    identifier = node.this
    unquoted = isinstance(identifier, exp.Identifier) and not identifier.args.get("quoted")
    if not node.table and unquoted and node.name.upper() == "USER":
        return _call("USER")
    return node


def _unimplemented(node: exp.Expr) -> exp.Expr:
    raise ora("ORA-03001")


def _round(node: exp.Round) -> exp.Expr:
    if node.args.get("decimals") is None:
        node.set("decimals", exp.Literal.number(0))
    return node


def _current_timestamp(node: exp.CurrentTimestamp) -> exp.Expr:
    return _call("SYSDATE" if node.args.get("sysdate") else "SYSTIMESTAMP")


# --- query shape ----------------------------------------------------------------------------------------


def _rownum_limit(condition: exp.Expr) -> exp.Expr | None:
    """The row count a ``ROWNUM`` condition allows (``ROWNUM <= n``, ``ROWNUM < n``, ``ROWNUM = 1``)."""
    if not isinstance(condition, exp.Binary):
        return None
    left, right = condition.this, condition.expression
    kind = type(condition)
    if _is_rownum(right) and not _is_rownum(left):
        left, right = right, left
        kind = {compare.BinaryGTE: compare.BinaryLTE, compare.BinaryGT: compare.BinaryLT}.get(kind, kind)
    if not _is_rownum(left) or any(isinstance(n, exp.Column) for n in right.walk()):
        return None
    if kind is compare.BinaryLTE:
        limit: exp.Expr = right
        return limit
    if kind is compare.BinaryLT:
        return exp.Sub(this=right, expression=exp.Literal.number(1))
    if kind is compare.BinaryEQ and isinstance(right, exp.Literal):
        return exp.Literal.number(1 if right.this == "1" else 0)
    return None


def _select(node: exp.Select) -> exp.Expr:
    _projections(node)
    limit = node.args.get("limit")
    if isinstance(limit, exp.Fetch):
        options = limit.args.get("limit_options")
        if options is not None and options.args.get("with_ties"):
            raise ora("ORA-03001")
    where = node.args.get("where")
    if where is None:
        return node
    conditions = list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
    kept: list[exp.Expr] = []
    count: exp.Expr | None = None
    for condition in conditions:
        allowed = _rownum_limit(condition)
        if allowed is None or count is not None:
            kept.append(condition)
        else:
            count = allowed
    if count is None:
        return node
    if node.args.get("order") is not None or limit is not None or node.args.get("offset") is not None:
        raise ora("ORA-03001")  # ROWNUM counts rows before ORDER BY: not supported beside it
    node.set("where", exp.Where(this=exp.and_(*kept)) if kept else None)
    node.set("limit", exp.Fetch(direction="FIRST", count=count))
    return node


def _alter(node: exp.Alter) -> exp.Expr:
    """``ALTER TABLE t ADD (a NUMBER, b DATE)``: the column definitions, as the shared DDL takes them."""
    actions: list[exp.Expr] = []
    for action in node.args.get("actions") or []:
        actions.extend(action.expressions if isinstance(action, exp.Schema) else [action])
    node.set("actions", actions)
    return node


def _create(node: exp.Create) -> exp.Expr:
    if node.args.get("expression") is not None:
        raise ora("ORA-03001")  # CREATE TABLE ... AS SELECT
    return node


# A column default is kept as T-SQL text by the shared DDL (and evaluated from it on every insert, whichever
# dialect inserts): Oracle's clocks have T-SQL spellings; other Oracle-only expressions cannot be stored.
_DEFAULT_SPELLINGS: dict[str, Callable[[], exp.Expr]] = {
    "%ORA_SYSDATE": lambda: exp.CurrentTimestamp(),
    "%ORA_SYSTIMESTAMP": lambda: exp.Anonymous(this="SYSDATETIME", expressions=[]),
}


def _default(node: exp.DefaultColumnConstraint) -> exp.Expr:
    def spell(part: exp.Expr) -> exp.Expr:
        if isinstance(part, exp.Anonymous) and str(part.this) in _DEFAULT_SPELLINGS:
            return _DEFAULT_SPELLINGS[str(part.this)]()
        dialect_only = type(part).__module__.startswith("quietus.")  # compare.py's and arithmetic.py's nodes
        if dialect_only or (isinstance(part, exp.Anonymous) and str(part.this).startswith("%")):
            raise ora("ORA-03001")
        return part

    return node.transform(spell)


def _returning(node: exp.Expr) -> exp.Expr:
    if node.args.get("returning") is not None:
        raise ora("ORA-03001")  # RETURNING ... INTO: out binds are not supported
    return node


_PREDICATES = (exp.Predicate, exp.Connector, exp.Not, exp.Exists)


def _projections(select: exp.Select) -> None:
    """A condition is no value in Oracle: ``SELECT a = 1 FROM t`` is ORA-00923."""
    for item in select.expressions:
        value = item.this if isinstance(item, exp.Alias) else item
        if isinstance(value, _PREDICATES):
            raise ora("ORA-00923")


def _locks(tree: exp.Expr) -> tuple[int | None, bool]:
    """FOR UPDATE on the statement: (the wait, whether it locks).  SKIP LOCKED and FOR UPDATE OF are refused."""
    locks = tree.args.get("locks") if isinstance(tree, exp.Select) else None
    if not locks:
        if any(select.args.get("locks") for select in tree.find_all(exp.Select)):
            raise ora("ORA-03001")  # FOR UPDATE inside a subquery
        return None, False
    tree.set("locks", None)
    lock = locks[0]
    if len(locks) > 1 or lock.expressions or not lock.args.get("update"):
        raise ora("ORA-03001")
    wait = lock.args.get("wait")
    if wait is True:
        return 0, True
    if wait is None:
        return None, True
    if isinstance(wait, exp.Literal) and not wait.is_string:
        return int(wait.this), True
    raise ora("ORA-03001")  # SKIP LOCKED


RULES: dict[type[exp.Expr], Callable[[Any], exp.Expr]] = {
    exp.Identifier: _identifier,
    exp.Table: _table,
    exp.Placeholder: _placeholder,
    exp.Literal: _literal,
    exp.DataType: _data_type,
    **{kind: _comparison for kind in compare.BINARY_COMPARISONS},
    **{kind: _arithmetic for kind in arithmetic.ARITHMETIC},
    exp.Like: _like,
    exp.Escape: _escape,
    exp.In: _in,
    exp.Between: _between,
    exp.Nvl2: _nvl2,
    exp.DecodeCase: _decode,
    exp.Case: _case,
    exp.Nullif: _nullif,
    exp.CurrentTimestamp: _current_timestamp,
    exp.CurrentDate: lambda node: _call("SYSDATE"),
    exp.Systimestamp: lambda node: _call("SYSTIMESTAMP"),
    exp.TimeToStr: lambda node: _call("STRFTIME", node.this, node.args.get("format")),
    exp.ToChar: lambda node: _call("TO_CHAR", node.this, node.args.get("format")),
    exp.StrToDate: _to_date,
    exp.StrToTime: lambda node: _call("TO_TIMESTAMP", node.this, node.args.get("format")),
    exp.ToNumber: lambda node: _call("TO_NUMBER", node.this, node.args.get("format")),
    exp.Substring: lambda node: _call("SUBSTR", node.this, node.args.get("start"), node.args.get("length")),
    exp.StrPosition: lambda node: _call(
        "INSTR", node.this, node.args.get("substr"), node.args.get("position"), node.args.get("occurrence")
    ),
    exp.Length: lambda node: _call("LENGTH", node.this),
    exp.DPipe: lambda node: _call("CONCAT", node.this, node.expression),
    exp.Trunc: lambda node: _call("TRUNC", node.this, node.args.get("decimals")),
    exp.DateTrunc: lambda node: _call("TRUNC", node.this, node.args.get("unit")),
    exp.Anonymous: _anonymous,
    exp.Pad: lambda node: _call(
        "LPAD" if node.args.get("is_left") else "RPAD", node.this, node.expression, node.args.get("fill_pattern")
    ),
    exp.Initcap: lambda node: _call("INITCAP", node.this),
    exp.Concat: _concat,
    exp.Trim: lambda node: _call("EMPTY_NULL", node),
    exp.Replace: lambda node: _call("REPLACE", node.this, node.expression, node.args.get("replacement")),
    exp.AddMonths: lambda node: _call("ADD_MONTHS", node.this, node.expression),
    exp.MonthsBetween: lambda node: _call("MONTHS_BETWEEN", node.this, node.expression),
    exp.LastDay: lambda node: _call("LAST_DAY", node.this),
    exp.Mod: lambda node: _call("MOD", node.this, node.expression),
    exp.Greatest: lambda node: _call("GREATEST", node.this, *node.expressions),
    exp.Least: lambda node: _call("LEAST", node.this, *node.expressions),
    exp.Column: _column,
    exp.Window: _unimplemented,
    exp.Round: _round,
    exp.Select: _select,
    exp.Alter: _alter,
    exp.DefaultColumnConstraint: _default,
    exp.Create: _create,
    exp.Insert: _returning,
    exp.Update: _returning,
    exp.Delete: _returning,
}
