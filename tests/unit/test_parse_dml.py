"""Queries, DML and DDL come out as sqlglot nodes of the documented shapes (docs/design/parser.md)."""

from __future__ import annotations

import pytest
from sqlglot import exp

from quietus.sql.dialect import SqlStatement, parse_batch


def node(text: str) -> exp.Expression:
    (statement,) = parse_batch(text)
    assert isinstance(statement, SqlStatement)
    return statement.node


def hints(table: exp.Table) -> list[str]:
    (with_hint,) = table.args["hints"]
    assert isinstance(with_hint, exp.WithTableHint)
    return [h.name for h in with_hint.expressions]


def test_select_top_is_limit_marked_top() -> None:
    select = node("SELECT TOP (5) PERCENT WITH TIES a FROM t ORDER BY a")
    limit = select.args["limit"]
    assert isinstance(limit, exp.Limit) and limit.meta.get("top") is True
    assert limit.expression.to_py() == 5
    options = limit.args["limit_options"]
    assert options.args.get("percent") and options.args.get("with_ties")


def test_offset_fetch() -> None:
    select = node("SELECT a FROM t ORDER BY a OFFSET 2 ROWS FETCH NEXT 3 ROWS ONLY")
    assert isinstance(select.args["offset"], exp.Offset)
    assert select.args["offset"].expression.to_py() == 2
    fetch = select.args["limit"]
    assert isinstance(fetch, exp.Fetch) and fetch.args["count"].to_py() == 3


ALL_HINTS = [
    "NOLOCK",
    "UPDLOCK",
    "HOLDLOCK",
    "ROWLOCK",
    "TABLOCK",
    "TABLOCKX",
    "READPAST",
    "READCOMMITTEDLOCK",
    "SERIALIZABLE",
    "REPEATABLEREAD",
    "XLOCK",
    "PAGLOCK",
]


def test_table_hints_are_upper_case_vars_on_the_table() -> None:
    select = node(f"SELECT * FROM t AS x WITH ({', '.join(h.lower() for h in ALL_HINTS)}) WHERE x.a = 1")
    table = select.args["from_"].this
    assert table.alias == "x"
    assert hints(table) == ALL_HINTS


def test_hints_on_joined_table_update_and_delete_targets() -> None:
    select = node("SELECT * FROM t JOIN u WITH (INDEX(ix_u), ROWLOCK) ON u.a = t.a")
    joined = select.args["joins"][0].this
    index_hint, rowlock = joined.args["hints"][0].expressions
    assert isinstance(index_hint, exp.Anonymous) and index_hint.name == "INDEX"
    assert rowlock.name == "ROWLOCK"
    update = node("UPDATE t WITH (UPDLOCK) SET a = 1")
    assert hints(update.this) == ["UPDLOCK"]
    delete = node("DELETE FROM t WITH (READPAST) WHERE a = 1")
    assert hints(delete.this) == ["READPAST"]


def test_bare_legacy_hint_is_normalised_too() -> None:
    select = node("SELECT * FROM t (nolock)")
    assert hints(select.args["from_"].this) == ["NOLOCK"]


def test_update_top_set_from_where() -> None:
    update = node("UPDATE TOP (10) x SET a = u.a, b += 2 FROM t AS x JOIN u ON u.id = x.id WHERE x.c = 3")
    assert isinstance(update, exp.Update)
    assert update.args["limit"].expression.to_py() == 10
    assert update.this.name == "x"
    first, compound = update.expressions
    assert first.sql("tsql") == "a = u.a"
    assert compound.sql("tsql") == "b = b + 2" and compound.meta["compound"] == "+="
    assert update.args["from_"].this.name == "t"
    assert update.args["where"] is not None


@pytest.mark.parametrize(
    "text",
    ["DELETE TOP (5) FROM t WHERE a = 1", "DELETE TOP (5) t WHERE a = 1"],
)
def test_delete_top_has_the_target_and_limit(text: str) -> None:
    delete = node(text)
    assert isinstance(delete, exp.Delete)
    assert delete.this.name == "t"
    assert delete.args["limit"].expression.to_py() == 5
    assert delete.args["where"].sql("tsql") == "WHERE a = 1"
    assert not delete.args.get("using")


def test_delete_with_second_from_puts_sources_in_using() -> None:
    delete = node("DELETE x FROM t AS x JOIN u ON u.id = x.id WHERE u.b = 1")
    assert delete.this.name == "x"
    (source,) = delete.args["using"]
    assert (source.name, source.alias) == ("t", "x")
    assert source.args["joins"][0].this.name == "u"


def test_select_assignment_and_compound_assignment() -> None:
    select = node("SELECT @n = COUNT(*), @s += name FROM t")
    plain, compound = select.expressions
    assert isinstance(plain, exp.EQ) and isinstance(plain.this, exp.Parameter)
    assert isinstance(compound, exp.EQ) and isinstance(compound.expression, exp.Add)
    assert compound.meta["compound"] == "+="


def test_select_into_and_alias_equals_form() -> None:
    into = node("SELECT a INTO #t FROM u")
    assert into.args["into"].this.name == "t"
    aliased = node("SELECT total = a + b FROM t")
    assert aliased.expressions[0].alias == "total"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("WITH c AS (SELECT 1 AS x) SELECT x FROM c", exp.Select),
        ("SELECT 1 UNION ALL SELECT 2", exp.Union),
        ("SELECT 1 EXCEPT SELECT 2", exp.Except),
        ("SELECT 1 INTERSECT SELECT 2", exp.Intersect),
        ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y')", exp.Insert),
        ("INSERT INTO t SELECT a FROM u", exp.Insert),
        ("INSERT INTO t DEFAULT VALUES", exp.Insert),
        (
            "CREATE TABLE t (id INT IDENTITY(1, 1) PRIMARY KEY, name NVARCHAR(50) NOT NULL DEFAULT N'x')",
            exp.Create,
        ),
        ("DROP TABLE t", exp.Drop),
        ("CREATE UNIQUE CLUSTERED INDEX ix ON t (a DESC, b)", exp.Create),
        ("CREATE NONCLUSTERED INDEX ix ON dbo.t (a) INCLUDE (b)", exp.Create),
        ("DROP INDEX ix ON t", exp.Drop),
        ("ALTER TABLE t ADD c INT NULL", exp.Alter),
        ("ALTER TABLE t DROP COLUMN c", exp.Alter),
        ("ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY CLUSTERED (id)", exp.Alter),
        ("ALTER TABLE t DROP CONSTRAINT pk", exp.Alter),
        ("TRUNCATE TABLE t", exp.TruncateTable),
    ],
)
def test_sql_statement_kinds(text: str, kind: type[exp.Expression]) -> None:
    assert type(node(text)) is kind


def test_insert_values_rows_and_multi_row_count() -> None:
    insert = node("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, NULL)")
    assert [c.name for c in insert.this.expressions] == ["a", "b"]
    assert len(insert.expression.expressions) == 3
    assert node("INSERT INTO t DEFAULT VALUES").args.get("default") is True


def test_create_index_kind_and_uniqueness() -> None:
    create = node("CREATE UNIQUE CLUSTERED INDEX ix ON t (a DESC, b)")
    assert create.args["kind"] == "CLUSTERED INDEX" and create.args["unique"] is True
    index = create.this
    assert (index.name, index.args["table"].name) == ("ix", "t")
    assert node("CREATE INDEX ix ON t (a)").args["kind"] == "INDEX"
    drop = node("DROP INDEX ix ON t")
    assert drop.args["kind"] == "INDEX" and drop.args["cluster"].this.name == "t"


def test_temporary_table_names() -> None:
    create = node("CREATE TABLE #work (id int)")
    table = create.this.this
    assert table.name == "work" and table.this.args.get("temporary") is True
