"""The ODBC catalog functions as pyodbc calls them through FreeTDS ODBC (SQLTables, SQLColumns, SQLPrimaryKeys,
SQLForeignKeys, SQLStatistics, SQLSpecialColumns, SQLGetInfo), answered by sp_tables, sp_columns, sp_pkeys,
sp_fkeys, sp_statistics, sp_special_columns and sp_server_info with rows from the catalog."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients.server_harness import PASSWORD, RunningServer, running_server

pyodbc = pytest.importorskip("pyodbc", reason="pyodbc is not installed")

SCHEMA = """
CREATE TABLE author (id INT PRIMARY KEY, name NVARCHAR(80) NOT NULL UNIQUE);
CREATE TABLE book (id INT IDENTITY PRIMARY KEY, author_id INT REFERENCES author (id), price DECIMAL(10, 2) DEFAULT 0,
                   title VARCHAR(MAX), at DATETIME2);
INSERT INTO author VALUES (1, N'Lem'), (2, N'Le Guin');
"""


@pytest.fixture(scope="module")
def cursor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if "FreeTDS" not in pyodbc.drivers():
        pytest.skip("the FreeTDS ODBC driver (tdsodbc) is not installed")
    server: RunningServer
    with running_server(tmp_path_factory.mktemp("odbc") / "data") as server:
        dsn = f"DRIVER=FreeTDS;SERVER=127.0.0.1;PORT={server.port};UID=sa;PWD={PASSWORD};TDS_Version=7.4"
        with pyodbc.connect(dsn, autocommit=True) as conn:
            cur = conn.cursor()
            cur.execute(SCHEMA)
            yield cur


def test_tables_and_columns(cursor: Any) -> None:
    tables = [tuple(row) for row in cursor.tables(table="%").fetchall()]
    assert tables == [("master", "dbo", "author", "TABLE", None), ("master", "dbo", "book", "TABLE", None)]
    assert [row.table_name for row in cursor.tables(table="b%").fetchall()] == ["book"]
    assert cursor.tables(table="%", tableType="VIEW").fetchall() == []
    columns = {row.column_name: row for row in cursor.columns(table="book").fetchall()}
    assert list(columns) == ["id", "author_id", "price", "title", "at"]
    identity, price, title, at = columns["id"], columns["price"], columns["title"], columns["at"]
    assert (identity.data_type, identity.type_name, identity.nullable) == (pyodbc.SQL_INTEGER, "int identity", 0)
    assert (price.data_type, price.column_size, price.decimal_digits, price.column_def) == (3, 10, 2, "((0))")
    assert (title.data_type, title.column_size) == (pyodbc.SQL_VARCHAR, 2147483647)
    assert (at.data_type, at.decimal_digits) == (pyodbc.SQL_TYPE_TIMESTAMP, 7)
    assert [row.column_name for row in cursor.columns(table="book", column="a%").fetchall()] == ["author_id", "at"]


def test_keys_statistics_and_row_identifiers(cursor: Any) -> None:
    [pk] = cursor.primaryKeys("book").fetchall()
    assert (pk.column_name, pk.key_seq) == ("id", 1) and pk.pk_name.startswith("PK__book")
    [fk] = cursor.foreignKeys(foreignTable="book").fetchall()
    assert (fk.pktable_name, fk.pkcolumn_name, fk.fktable_name, fk.fkcolumn_name) == (
        "author",
        "id",
        "book",
        "author_id",
    )
    assert fk.pk_name.startswith("PK__author") and fk.fk_name.startswith("FK__book")
    assert [row.fktable_name for row in cursor.foreignKeys(table="author").fetchall()] == ["book"]
    stats = [(row.type, row.index_name, row.column_name, row.non_unique, row.cardinality)
             for row in cursor.statistics("author").fetchall()]  # fmt: skip
    assert stats[0] == (0, None, None, None, 2)  # the table's row count
    assert [(kind, column, non_unique) for kind, _, column, non_unique, _ in stats[1:]] == [
        (1, "id", 0),
        (3, "name", 0),
    ]
    assert [row.column_name for row in cursor.rowIdColumns("book").fetchall()] == ["id"]
    assert cursor.rowVerColumns("book").fetchall() == []  # no rowversion columns (they are refused)


def test_server_info(cursor: Any) -> None:
    conn = cursor.connection
    assert conn.getinfo(pyodbc.SQL_DBMS_NAME) == "Microsoft SQL Server"
    info = dict((row[1], row[2]) for row in cursor.execute("EXEC sp_server_info").fetchall())
    assert info["DBMS_VER"].startswith("Microsoft SQL Server 2022 - 16.0.") and info["IDENTIFIER_CASE"] == "MIXED"
    assert cursor.execute("EXEC sp_server_info 500").fetchall()[0][2] == "16.0.4000.0"


def test_sp_fkeys_needs_a_table(cursor: Any) -> None:
    with pytest.raises(pyodbc.Error, match=r"expects parameter '@pktable_name'"):
        cursor.execute("EXEC sp_fkeys").fetchall()
