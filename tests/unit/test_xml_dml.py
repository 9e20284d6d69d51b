"""The xml type's modify() (XML DML): insert, delete, replace value of, where a mutator is legal, SQL Server's
errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        yield connection


def modified(conn: Connection, instance: str, *statements: str, declare: str = "") -> str:
    sets = "; ".join(f"SET @x.modify('{statement}')" for statement in statements)
    [(value,)] = rows(conn, f"DECLARE @x XML = '{instance}'{declare}; {sets}; SELECT @x")
    return str(value)


@pytest.mark.parametrize(
    ("statement", "after"),
    [
        ("insert <b/> as last into (/r)[1]", "<r>t<a>1</a><b/></r>"),
        ("insert <b/> into (/r)[1]", "<r>t<a>1</a><b/></r>"),
        ("insert <b/> as first into (/r)[1]", "<r><b/>t<a>1</a></r>"),
        ("insert <b/> before (/r/a)[1]", "<r>t<b/><a>1</a></r>"),
        ("insert <b/> after (/r/a)[1]", "<r>t<a>1</a><b/></r>"),
        ("insert (<b/>, <c/>) into (/r/a)[1]", "<r>t<a>1<b/><c/></a></r>"),
        ("insert /r/a into (/r)[1]", "<r>t<a>1</a><a>1</a></r>"),
        ("delete /r/a", "<r>t</r>"),
        ("delete /r/text()", "<r><a>1</a></r>"),
        ("replace value of (/r/a/text())[1] with \"2\"", "<r>t<a>2</a></r>"),
        ("replace value of (/r/a/text())[1] with /r/text()", "<r>t<a>t</a></r>"),
        ("insert <b/> into (/r/missing)[1]", "<r>t<a>1</a></r>"),  # no target: nothing to do
    ],
)
def test_each_statement_edits_the_instance(conn: Connection, statement: str, after: str) -> None:
    assert modified(conn, "<r>t<a>1</a></r>", statement.replace("'", "''")) == after


def test_attributes_are_deleted_and_replaced_and_sql_values_are_escaped(conn: Connection) -> None:
    assert modified(conn, '<r><a x="1" y="2"/></r>', "delete /r/a/@x") == '<r><a y="2"/></r>'
    assert modified(conn, '<r><a x="1"/></r>', 'replace value of (/r/a/@x)[1] with "9"') == '<r><a x="9"/></r>'
    text = modified(
        conn,
        "<r/>",
        'insert <b k="{sql:variable("@v")}">{sql:variable("@v")}</b> into (/r)[1]',
        declare=", @v NVARCHAR(10) = N'x<\"y'",
    )
    assert text == '<r><b k="x&lt;&quot;y">x&lt;"y</b></r>'
    number = modified(conn, "<r><a>1</a></r>", 'replace value of (/r/a/text())[1] with sql:variable("@n")',
                      declare=", @n INT = 42")
    assert number == "<r><a>42</a></r>"


def test_update_set_column_modify_reads_sql_column_of_a_joined_row(conn: Connection) -> None:
    rows(conn, "CREATE TABLE s (id INT, info XML, n INT)")
    rows(conn, "INSERT INTO s VALUES (1, '<i><b/></i>', 0), (2, '<i><b/></i>', 0)")
    rows(conn, "CREATE TABLE names (id INT, name NVARCHAR(20))")
    rows(conn, "INSERT INTO names VALUES (1, N'dbo')")
    rows(
        conn,
        "UPDATE s SET n = 7, info.modify('insert <schema_name>{sql:column(\"b.name\")}</schema_name> as last "
        "into (/i/b)[1]') FROM s JOIN names AS b ON b.id = s.id",
    )
    assert rows(conn, "SELECT id, CAST(info AS NVARCHAR(MAX)), n FROM s ORDER BY id") == [
        (1, "<i><b><schema_name>dbo</schema_name></b></i>", 7),
        (2, "<i><b/></i>", 0),
    ]
    rows(conn, "BEGIN TRANSACTION")
    rows(conn, "UPDATE s SET info.modify('delete /i/b') WHERE id = 1")
    rows(conn, "ROLLBACK")  # an ordinary new value: the undo log puts the old one back
    assert rows(conn, "SELECT CAST(info AS NVARCHAR(MAX)) FROM s WHERE id = 1") == [
        ("<i><b><schema_name>dbo</schema_name></b></i>",)
    ]


@pytest.mark.parametrize(
    ("batch", "number"),
    [
        ("DECLARE @x XML = '<r/>'; SELECT @x.modify('delete /r')", 8137),
        ("DECLARE @x XML = '<r/>'; SET @x.value('/r', 'int')", 8113),
        ("DECLARE @x NVARCHAR(10) = '<r/>'; SET @x.modify('delete /r')", 258),
        ("DECLARE @x XML; SET @x.modify('delete /r')", 5302),
        ("DECLARE @x XML = '<r/>'; SET @x.modify('/r')", 6305),
        ("DECLARE @x XML = '<r/>'; SET @x.modify('  ')", 6306),
        ("DECLARE @x XML = '<r><a/></r>'; SET @x.modify('insert <b/> into /r/a')", 2226),
        ("DECLARE @x XML = '<r><a/></r>'; SET @x.modify('insert \"s\" into (/r)[1]')", 2207),
        ("DECLARE @x XML = '<r>t</r>'; SET @x.modify('insert <b/> into (/r/text())[1]')", 2240),
        ("DECLARE @x XML = '<r><a>1</a></r>'; SET @x.modify('replace value of /r/a/text() with \"2\"')", 2337),
        ("DECLARE @x XML = '<r><a>1</a></r>'; SET @x.modify('replace value of (/r/a)[1] with \"2\"')", 2356),
        ("DECLARE @x XML = '<r><a>1</a></r>'; SET @x.modify('replace value of (/r/a/text())[1] with <b/>')", 9310),
        ("DECLARE @x XML = '<r><a>1</a></r>'; SET @x.modify('replace value of (/r/a/text())[1]')", 2205),
        ("DECLARE @x XML = '<r/>'; SET @x.modify('delete /')", 2264),
        ("DECLARE @x XML = '<r/>'; SET @x.modify('insert <b/> /r')", 2209),
        ("DECLARE @x XML = '<r/>'; SET @x.modify('declare namespace p=\"urn:x\"; delete /r')", 2209),
        ("DECLARE @x XML = '<r/>'; SET @x.modify('insert attribute n {\"v\"} into (/r)[1]')", 2209),
    ],
)
def test_what_sql_server_refuses_is_refused_with_its_number(conn: Connection, batch: str, number: int) -> None:
    assert errors(conn, batch)[0][0] == number
