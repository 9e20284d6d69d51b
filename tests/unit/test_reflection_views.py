"""The views ORMs reflect a database through (INFORMATION_SCHEMA, sys keys, constraints, types, defaults): rows
from the catalog, agreeing with each other, and the UNION ORDER BY spelling SQLAlchemy's reflection uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows

SCHEMA = """
CREATE TABLE author (id INT IDENTITY(10, 5) PRIMARY KEY, name NVARCHAR(80) NOT NULL UNIQUE, born DATE);
CREATE TABLE book (id INT PRIMARY KEY, author_id INT NOT NULL REFERENCES author (id), title VARCHAR(200),
                   price DECIMAL(10, 2) DEFAULT 0, kind CHAR(1) DEFAULT 'p', CHECK (price >= 0));
CREATE INDEX ix_book_title ON book (title DESC, price);
"""


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        rows(connection, SCHEMA)
        yield connection


def test_information_schema_tables_and_columns(conn: Connection) -> None:
    q = "SELECT TABLE_CATALOG, TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES ORDER BY TABLE_NAME"
    assert rows(conn, q) == [("master", "dbo", "author", "BASE TABLE"), ("master", "dbo", "book", "BASE TABLE")]
    assert rows(conn, "SELECT table_name FROM master.information_schema.tables WHERE table_name = 'book'") == [
        ("book",)
    ]
    columns = rows(
        conn,
        "SELECT COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH,"
        " CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION"
        " FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = 'book' ORDER BY ORDINAL_POSITION",
    )
    assert columns == [
        ("id", 1, None, "NO", "int", None, None, 10, 0, None),
        ("author_id", 2, None, "NO", "int", None, None, 10, 0, None),
        ("title", 3, None, "YES", "varchar", 200, 200, None, None, None),
        ("price", 4, "((0))", "YES", "decimal", None, None, 10, 2, None),
        ("kind", 5, "('p')", "YES", "char", 1, 1, None, None, None),
    ]
    [(length, octets)] = rows(
        conn,
        "SELECT CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH FROM INFORMATION_SCHEMA.COLUMNS"
        " WHERE COLUMN_NAME = 'name'",
    )
    assert (length, octets) == (80, 160)


def test_constraints_agree_across_the_views(conn: Connection) -> None:
    constraints = rows(
        conn,
        "SELECT TABLE_NAME, CONSTRAINT_TYPE, CONSTRAINT_NAME FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS"
        " ORDER BY TABLE_NAME, CONSTRAINT_TYPE",
    )
    assert [(t, kind) for t, kind, _ in constraints] == [
        ("author", "PRIMARY KEY"), ("author", "UNIQUE"), ("book", "CHECK"), ("book", "FOREIGN KEY"),
        ("book", "PRIMARY KEY"),
    ]  # fmt: skip
    names = {(t, kind): name for t, kind, name in constraints}
    fk, author_pk = names["book", "FOREIGN KEY"], names["author", "PRIMARY KEY"]
    assert rows(conn, "SELECT UNIQUE_CONSTRAINT_NAME, DELETE_RULE FROM INFORMATION_SCHEMA.REFERENTIAL_CONSTRAINTS") == [
        (author_pk, "NO ACTION")
    ]
    usage = "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION FROM INFORMATION_SCHEMA.KEY_COLUMN_USAGE"
    assert rows(conn, f"{usage} WHERE CONSTRAINT_NAME = '{fk}'") == [("book", "author_id", 1)]
    assert rows(
        conn,
        "SELECT TABLE_NAME, COLUMN_NAME FROM INFORMATION_SCHEMA.CONSTRAINT_COLUMN_USAGE"
        f" WHERE CONSTRAINT_NAME = '{author_pk}'",
    ) == [("author", "id")]
    # sys.foreign_keys and sys.foreign_key_columns name the same constraint by the same object id
    joined = rows(
        conn,
        "SELECT f.name, OBJECT_NAME(f.parent_object_id), OBJECT_NAME(f.referenced_object_id), c.parent_column_id,"
        " c.referenced_column_id, k.name FROM sys.foreign_keys f"
        " JOIN sys.foreign_key_columns c ON c.constraint_object_id = f.object_id"
        " JOIN sys.key_constraints k"
        " ON k.parent_object_id = f.referenced_object_id AND k.unique_index_id = f.key_index_id",
    )
    assert joined == [(fk, "book", "author", 2, 1, author_pk)]
    assert rows(conn, "SELECT type, type_desc FROM sys.key_constraints ORDER BY type") == [
        ("PK", "PRIMARY_KEY_CONSTRAINT"), ("PK", "PRIMARY_KEY_CONSTRAINT"), ("UQ", "UNIQUE_CONSTRAINT"),
    ]  # fmt: skip


def test_indexes_identity_defaults_and_types(conn: Connection) -> None:
    index_columns = rows(
        conn,
        "SELECT i.name, c.name, ic.key_ordinal, ic.is_descending_key, i.filter_definition FROM sys.indexes i"
        " JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id"
        " JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
        " WHERE i.name = 'ix_book_title' ORDER BY ic.key_ordinal",
    )
    assert index_columns == [("ix_book_title", "title", 1, True, None), ("ix_book_title", "price", 2, False, None)]
    assert rows(conn, "SELECT name, seed_value, increment_value, last_value FROM sys.identity_columns") == [
        ("id", 10, 5, None)
    ]
    rows(conn, "INSERT INTO author (name) VALUES (N'Lem'), (N'Le Guin')")
    assert rows(conn, "SELECT last_value FROM sys.identity_columns") == [(15,)]
    defaults = rows(
        conn,
        "SELECT c.name, d.definition, d.is_system_named FROM sys.columns c"
        " JOIN sys.default_constraints d ON d.object_id = c.default_object_id AND d.parent_column_id = c.column_id"
        " ORDER BY c.column_id",
    )
    assert defaults == [("price", "((0))", True), ("kind", "('p')", True)]
    assert rows(
        conn, "SELECT COUNT(*) FROM sys.columns WHERE default_object_id = 0 AND object_id = OBJECT_ID('book')"
    ) == [(3,)]
    types = dict(rows(conn, "SELECT name, max_length FROM sys.types"))
    assert types["int"] == 4 and types["nvarchar"] == 8000 and types["sysname"] == 256 and types["datetimeoffset"] == 10
    # the type of every column is in sys.types (SQLAlchemy joins them)
    assert rows(
        conn,
        "SELECT COUNT(*) FROM sys.columns c LEFT JOIN sys.types t ON t.user_type_id = c.user_type_id"
        " WHERE t.name IS NULL",
    ) == [(0,)]
    for empty in ("sys.computed_columns", "sys.extended_properties", "INFORMATION_SCHEMA.VIEWS"):
        assert rows(conn, f"SELECT COUNT(*) FROM {empty}") == [(0,)]


def test_schemata_and_routines(conn: Connection) -> None:
    assert ("master", "dbo", "dbo") in rows(
        conn, "SELECT CATALOG_NAME, SCHEMA_NAME, SCHEMA_OWNER FROM INFORMATION_SCHEMA.SCHEMATA"
    )
    rows(conn, "CREATE PROCEDURE dbo.p AS SELECT 1")
    assert rows(conn, "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE FROM INFORMATION_SCHEMA.ROUTINES") == [
        ("dbo", "p", "PROCEDURE")
    ]


def test_union_order_by_may_name_the_first_querys_columns_as_written(conn: Connection) -> None:
    q = "SELECT o.name FROM sys.objects o WHERE o.name = 'book' UNION SELECT t.name FROM sys.tables t ORDER BY o.name"
    assert rows(conn, q) == [("author",), ("book",)]
    assert rows(conn, q + " DESC") == [("book",), ("author",)]
    [(number, _)] = errors(
        conn, "SELECT o.name FROM sys.objects o UNION SELECT t.name FROM sys.tables t ORDER BY t.type"
    )
    assert number == 4104
