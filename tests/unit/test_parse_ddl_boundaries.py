"""DDL followed by more statements: sqlglot parses a ';' chunk at a time, we hand it a token window."""

from __future__ import annotations

import pytest

from quietus.sql.dialect import parse_batch


@pytest.mark.parametrize(
    ("batch", "texts"),
    [
        ("CREATE TABLE k (id INT); INSERT INTO k VALUES (7)", ["CREATE TABLE k (id INT)", "INSERT INTO k VALUES (7)"]),
        ("CREATE TABLE k (id INT)\nINSERT INTO k VALUES (7)", ["CREATE TABLE k (id INT)", "INSERT INTO k VALUES (7)"]),
        ("CREATE TABLE t (a INT) SELECT 1", ["CREATE TABLE t (a INT)", "SELECT 1"]),  # no CREATE ... AS SELECT
        ("CREATE UNIQUE INDEX ix ON t(a, b DESC); SELECT 1", ["CREATE UNIQUE INDEX ix ON t(a, b DESC)", "SELECT 1"]),
        ("ALTER TABLE t ADD c INT; SELECT 1", ["ALTER TABLE t ADD c INT", "SELECT 1"]),
        ("ALTER TABLE t DROP COLUMN c SELECT 1", ["ALTER TABLE t DROP COLUMN c", "SELECT 1"]),
        ("TRUNCATE TABLE t; DELETE FROM u", ["TRUNCATE TABLE t", "DELETE FROM u"]),
        ("CREATE TABLE t (a INT CHECK (a > (SELECT 1)))", ["CREATE TABLE t (a INT CHECK (a > (SELECT 1)))"]),
    ],
)
def test_ddl_ends_where_the_next_statement_starts(batch: str, texts: list[str]) -> None:
    assert [statement.text for statement in parse_batch(batch)] == texts
