"""Key constraints as T-SQL writes them (PRIMARY KEY / UNIQUE [CLUSTERED | NONCLUSTERED] (columns) [WITH (options)]),
and IGNORE_DUP_KEY: an INSERT skips a row whose key is taken, with SQL Server's warning 3604."""

from __future__ import annotations

from pathlib import Path

import pytest

import quietus
from tests.embedded import errors, rows


def test_clustered_and_nonclustered_key_constraints_keep_their_columns(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        rows(conn, "CREATE TABLE k (a INT NOT NULL, b INT NOT NULL, c INT, PRIMARY KEY CLUSTERED (a, b),"
                   " UNIQUE NONCLUSTERED (c)); INSERT k VALUES (1, 1, 1), (1, 2, 2)")  # fmt: skip
        assert [n for n, _ in errors(conn, "INSERT k VALUES (1, 2, 3)")] == [2627]  # the primary key is (a, b)
        assert [n for n, _ in errors(conn, "INSERT k VALUES (2, 2, 2)")] == [2627]  # c is unique
        rows(
            conn,
            "CREATE TABLE n (a INT NOT NULL, CONSTRAINT pk_n PRIMARY KEY NONCLUSTERED (a) WITH (FILLFACTOR = 90),"
            " b INT, CONSTRAINT uq_n UNIQUE CLUSTERED (b)); INSERT n VALUES (1, 1)",
        )
        assert [n for n, _ in errors(conn, "INSERT n VALUES (1, 2)")] == [2627]
        assert [n for n, _ in errors(conn, "INSERT n VALUES (2, 1)")] == [2627]


@pytest.mark.parametrize(
    "create",
    [
        "CREATE TABLE #s (a INT NOT NULL, b INT NOT NULL);"
        " ALTER TABLE #s ADD CONSTRAINT pk PRIMARY KEY CLUSTERED (a, b) WITH (IGNORE_DUP_KEY = ON)",
        "CREATE TABLE #s (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY CLUSTERED (a, b) WITH (IGNORE_DUP_KEY = ON))",
        "CREATE TABLE #s (a INT NOT NULL, b INT NOT NULL, CONSTRAINT pk PRIMARY KEY (a, b) WITH (IGNORE_DUP_KEY = ON))",
        "CREATE TABLE #s (a INT NOT NULL, b INT NOT NULL, UNIQUE NONCLUSTERED (a, b) WITH (IGNORE_DUP_KEY = ON))",
        "CREATE TABLE #s (a INT, b INT); CREATE UNIQUE INDEX ix ON #s (a, b) WITH (IGNORE_DUP_KEY = ON)",
    ],
)
def test_ignore_dup_key_skips_duplicates_with_warning_3604(tmp_path: Path, create: str) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        rows(conn, create)
        sink = conn.run("INSERT #s VALUES (1, 1), (1, 1), (2, 1); INSERT #s VALUES (2, 1), (3, 3); SELECT @@ROWCOUNT")
        assert [(m.number, m.severity, m.text) for m in sink.messages if m.number == 3604] == [
            (3604, 10, "Duplicate key was ignored.")
        ] * 2
        assert not [m for m in sink.messages if m.is_error]
        assert sink.result_sets[-1].rows == [(1,)]  # only (3, 3) of the second INSERT went in
        assert rows(conn, "SELECT a, b FROM #s ORDER BY a, b") == [(1, 1), (2, 1), (3, 3)]
        # an UPDATE to a taken key is still an error, as in SQL Server
        assert [n for n, _ in errors(conn, "UPDATE #s SET a = 1, b = 1 WHERE a = 3")] in ([2627], [2601])


def test_table_variables_and_restart_keep_ignore_dup_key(tmp_path: Path) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        declared = (
            "DECLARE @t TABLE (a INT PRIMARY KEY, b INT, UNIQUE NONCLUSTERED (b) WITH (IGNORE_DUP_KEY = ON));"
            " INSERT @t VALUES (1, 10), (2, 10), (3, NULL); SELECT a FROM @t ORDER BY a"
        )
        assert rows(conn, declared) == [(1,), (3,)]
        rows(
            conn,
            "CREATE TABLE keep (a INT NOT NULL, PRIMARY KEY (a) WITH (IGNORE_DUP_KEY = ON)); INSERT keep VALUES (1)",
        )
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        sink = conn.run("INSERT keep VALUES (1), (2)")
        assert [m.number for m in sink.messages] == [3604]
        assert rows(conn, "SELECT a FROM keep ORDER BY a") == [(1,), (2,)]


@pytest.mark.parametrize(
    ("sql", "number"),
    [
        ("CREATE TABLE o (a INT NOT NULL, PRIMARY KEY (a) WITH (ALLOW_ROW_LOCKS = OFF))", 102),
        ("CREATE TABLE o (a INT); CREATE INDEX ix ON o (a) WITH (ALLOW_PAGE_LOCKS = OFF)", 102),
    ],
)
def test_index_options_that_change_behaviour_are_refused(tmp_path: Path, sql: str, number: int) -> None:
    with quietus.connect(tmp_path / "data", autocommit=True) as conn:
        assert [n for n, _ in errors(conn, sql)] == [number]
