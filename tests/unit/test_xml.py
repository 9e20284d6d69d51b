"""The xml type: values checked as XML content, never compared; FOR XML PATH/RAW (TYPE, ROOT); the methods
value(), query(), exist() and nodes() in FROM and APPLY; and over TDS with a real client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        rows(connection, "CREATE TABLE t (id INT PRIMARY KEY, name NVARCHAR(20), doc XML)")
        rows(
            connection,
            'INSERT INTO t VALUES (1, N\'alpha\', \'<a b="1"><c v="1">x</c><c v="2">y</c></a>\'), '
            "(2, N'beta', NULL), (3, N'g&m', '<a b=\"3\"/>')",
        )
        yield connection


def test_for_xml_path_concatenates_and_builds_elements(conn: Connection) -> None:
    assert rows(conn, "SELECT ',' + name FROM t ORDER BY id FOR XML PATH('')") == [(",alpha,beta,g&amp;m",)]
    concatenated = (
        "SELECT STUFF((SELECT ',' + name FROM t ORDER BY id FOR XML PATH(''), TYPE).value('.', 'nvarchar(max)'), "
        "1, 1, '')"
    )
    assert rows(conn, concatenated) == [("alpha,beta,g&m",)]
    assert rows(conn, "SELECT id, name FROM t WHERE id < 3 ORDER BY id FOR XML PATH('row'), ROOT('rows')") == [
        ("<rows><row><id>1</id><name>alpha</name></row><row><id>2</id><name>beta</name></row></rows>",)
    ]
    assert rows(conn, "SELECT id AS [@id], name FROM t WHERE id = 1 FOR XML PATH('r')") == [
        ('<r id="1"><name>alpha</name></r>',)
    ]
    assert rows(conn, "SELECT id, name FROM t WHERE id = 1 FOR XML RAW") == [('<row id="1" name="alpha" />',)]
    correlated = (
        "SELECT o.id, STUFF((SELECT ',' + i.name FROM t AS i WHERE i.id <= o.id ORDER BY i.id FOR XML PATH(''), "
        "TYPE).value('.', 'nvarchar(max)'), 1, 1, '') FROM t AS o ORDER BY o.id"
    )
    assert rows(conn, correlated) == [(1, "alpha"), (2, "alpha,beta"), (3, "alpha,beta,g&m")]
    assert rows(conn, "SELECT (SELECT id FROM t WHERE 1 = 0 FOR XML PATH)") == [(None,)]


def test_for_xml_result_column_and_type(conn: Connection) -> None:
    sink = conn.run("SELECT id FROM t FOR XML PATH")
    assert [(c.name, c.type.name) for c in sink.result_sets[0].columns] == [
        ("XML_F52E2B61-18A1-11d1-B105-00805F49916B", "nvarchar")
    ]
    typed = conn.run("SELECT id FROM t FOR XML PATH, TYPE")
    assert typed.result_sets[0].columns[0].type.name == "xml"


def test_unsupported_for_forms_are_refused(conn: Connection) -> None:
    assert errors(conn, "SELECT id FROM t FOR XML EXPLICIT")[0][0] == 40517
    assert errors(conn, "SELECT id FROM t FOR XML RAW, ELEMENTS XSINIL")[0][0] == 40517
    assert errors(conn, "SELECT id FROM t FOR XML RAW, BINARY BASE64")[0][0] == 40517
    assert errors(conn, "SELECT id FROM t FOR JSON PATH")[0][0] == 40517
    assert errors(conn, "SELECT 1 AS one FOR XML AUTO")[0][0] == 6800  # no table to name the element


def test_for_xml_auto_names_elements_by_table_and_nests_joined_tables(conn: Connection) -> None:
    rows(conn, "CREATE TABLE kids (parent INT, k INT)")
    rows(conn, "INSERT INTO kids VALUES (1, 10), (1, 11), (2, 20)")
    assert rows(conn, "SELECT id FROM t AS p WHERE id < 3 ORDER BY id FOR XML AUTO") == [('<p id="1" /><p id="2" />',)]
    nested = (
        "SELECT p.id, c.k, c.k * 2 AS twice FROM t AS p JOIN kids AS c ON c.parent = p.id "
        "ORDER BY p.id, c.k FOR XML AUTO"
    )
    assert rows(conn, nested) == [
        ('<p id="1"><c k="10" twice="20" /><c k="11" twice="22" /></p><p id="2"><c k="20" twice="40" /></p>',)
    ]
    unordered = "SELECT p.id, c.k FROM kids AS c JOIN t AS p ON c.parent = p.id ORDER BY c.k DESC FOR XML AUTO"
    assert rows(conn, unordered) == [('<p id="2"><c k="20" /></p><p id="1"><c k="11" /><c k="10" /></p>',)]
    as_elements = "SELECT id FROM t AS p WHERE id = 1 FOR XML AUTO, ELEMENTS, ROOT('r')"
    assert rows(conn, as_elements) == [("<r><p><id>1</id></p></r>",)]
    assert rows(conn, "SELECT id FROM t WHERE id = 1 FOR XML RAW, ELEMENTS") == [("<row><id>1</id></row>",)]


def test_xml_methods(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT id, doc.value('(/a/@b)[1]', 'int'), doc.exist('/a/c'), CAST(doc.query('/a/c') AS NVARCHAR(100)) "
        "FROM t ORDER BY id",
    ) == [(1, 1, 1, '<c v="1">x</c><c v="2">y</c>'), (2, None, None, None), (3, 3, 0, "")]
    variable = 'DECLARE @x XML = \'<r><i v="1"/><i v="2"/></r>\'; '
    assert rows(conn, variable + "SELECT @x.value('count(/r/i)', 'int'), @x.value('(/r/i/@v)[2]', 'int')") == [(2, 2)]
    assert errors(conn, variable + "SELECT @x.value('/r/i/@v', 'int')")[0][0] == 2389  # not a singleton
    assert errors(conn, "DECLARE @p NVARCHAR(10) = N'/a'; SELECT doc.value(@p, 'int') FROM t")[0][0] == 8172


def test_nodes_in_apply_and_from(conn: Connection) -> None:
    assert rows(
        conn,
        "SELECT t.id, n.c.value('@v', 'int'), n.c.value('.', 'nvarchar(10)') FROM t "
        "CROSS APPLY t.doc.nodes('/a/c') AS n(c) ORDER BY t.id, 2",
    ) == [(1, 1, "x"), (1, 2, "y")]
    assert rows(
        conn, "SELECT t.id, n.c.value('@v', 'int') FROM t OUTER APPLY t.doc.nodes('/a/c') AS n(c) ORDER BY t.id, 2"
    ) == [(1, 1), (1, 2), (2, None), (3, None)]
    assert rows(
        conn,
        "DECLARE @x XML = '<r><i>1</i><i>2</i></r>'; SELECT SUM(n.i.value('.', 'int')) FROM @x.nodes('/r/i') AS n(i)",
    ) == [(3,)]


def test_xml_values_are_checked_and_never_compared(conn: Connection) -> None:
    assert errors(conn, "SELECT CAST('<a>' AS XML)") == [
        (9400, "XML parsing: line 1, character 3, unexpected end of input")
    ]
    assert errors(conn, "INSERT INTO t VALUES (9, N'bad', '<a></b>')")[0][0] == 9400
    assert rows(conn, "SELECT COUNT(*) FROM t") == [(3,)]
    assert errors(conn, "SELECT id FROM t WHERE doc = doc")[0][0] == 305
    assert rows(conn, "SELECT COUNT(*) FROM t WHERE doc IS NULL") == [(1,)]
    assert rows(conn, "SELECT CAST(CAST('<?xml version=\"1.0\"?><r>1</r>' AS XML) AS NVARCHAR(20))") == [("<r>1</r>",)]


def test_xml_over_tds(tmp_path: Path) -> None:
    pytds = pytest.importorskip("pytds", reason="python-tds is not installed")
    from tests.clients.server_harness import PASSWORD, running_server

    with (
        running_server(tmp_path / "data") as server,
        pytds.connect("127.0.0.1", port=server.port, user="sa", password=PASSWORD, autocommit=True) as client,
        client.cursor() as cur,
    ):
        cur.execute("CREATE TABLE d (id INT PRIMARY KEY, doc XML)")
        cur.execute("INSERT INTO d VALUES (1, %s)", ("<a b='1'/>",))
        cur.execute("SELECT doc, (SELECT id FROM d FOR XML PATH('r'), TYPE) FROM d")
        assert cur.fetchall() == [('<a b="1"/>', "<r><id>1</id></r>")]
