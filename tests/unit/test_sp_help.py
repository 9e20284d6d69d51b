"""sp_help: what an object is, in SQL Server's result sets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import quietus
from quietus.dbapi import Connection
from tests.embedded import errors, rows


@pytest.fixture
def conn() -> Iterator[Connection]:
    with quietus.connect(None, autocommit=True) as connection:
        rows(connection, "CREATE TABLE parent (id INT PRIMARY KEY)")
        rows(connection, "CREATE TABLE t (a INT IDENTITY(5, 2) PRIMARY KEY, b NVARCHAR(10) NOT NULL DEFAULT N'x', "
                         "c DECIMAL(9, 2) CHECK (c > 0), p INT REFERENCES parent (id), total AS a + 1, UNIQUE (b))")
        rows(connection, "CREATE VIEW v AS SELECT a, b FROM t")
        rows(connection, "CREATE PROCEDURE pr @a INT = 1, @b NVARCHAR(5) OUTPUT AS SELECT @a")
        yield connection


def result_sets(conn: Connection, sql: str) -> list[list[tuple[object, ...]]]:
    sink = conn.run(sql)
    assert not [m for m in sink.messages if m.is_error]
    return [result.rows for result in sink.result_sets]


def test_a_table_its_columns_identity_indexes_and_constraints(conn: Connection) -> None:
    header, described, identity, rowguid, filegroup, indexes, constraints = result_sets(conn, "EXEC sp_help 't'")
    assert header[0][:3] == ("t", "dbo", "user table")
    assert [(c[0], c[1], c[2], c[3], c[6]) for c in described] == [
        ("a", "int", "no", 4, "no"), ("b", "nvarchar", "no", 20, "no"), ("c", "decimal", "no", 5, "yes"),
        ("p", "int", "no", 4, "yes"), ("total", "int", "yes", 4, "yes"),
    ]  # fmt: skip
    assert identity == [("a", 5, 2, 0)] and rowguid == [("No rowguidcol column defined.",)]
    assert filegroup == [("PRIMARY",)]
    assert [i[1] for i in indexes] == [
        "clustered, unique, primary key located on PRIMARY", "nonclustered, unique, unique key located on PRIMARY",
    ]  # fmt: skip
    kinds = [c[0] for c in constraints]
    assert kinds == ["PRIMARY KEY (clustered)", "UNIQUE (non-clustered)", "CHECK Table Level",
                     "DEFAULT on column b", "FOREIGN KEY", " "]  # fmt: skip
    assert constraints[-1][6] == "REFERENCES master.dbo.parent (id)"
    referenced = result_sets(conn, "EXEC sp_help @objname = 'parent'")[-1]
    assert len(referenced) == 1 and str(referenced[0][0]).startswith("master.dbo.t: FK__")


def test_a_view_a_procedure_the_list_and_an_unknown_name(conn: Connection) -> None:
    header, described, identity, _rowguid = result_sets(conn, "EXEC sp_help 'v'")
    assert header[0][:3] == ("v", "dbo", "view") and [c[0] for c in described] == ["a", "b"]
    assert identity == [("No identity column defined.", None, None, None)]
    header, parameters = result_sets(conn, "EXEC sp_help 'dbo.pr'")
    assert header[0][2] == "stored procedure"
    assert [(p[0], p[1], p[5]) for p in parameters] == [("@a", "int", 1), ("@b", "nvarchar", 2)]
    listed, user_types = result_sets(conn, "EXEC sp_help")
    assert {("t", "user table"), ("v", "view"), ("pr", "stored procedure")} <= {(o[0], o[2]) for o in listed}
    assert user_types == []
    assert errors(conn, "EXEC sp_help 'nothing'")[0][0] == 15009
