"""The fused point lookup (sql/point_lookup.py) answers exactly as the general plan it replaces, and as a scan.

Random tables (the key's type, rows, NULLs in the other column), random probes (a key of the table changed in case,
accents, trailing spaces or type; NULL; a value of another type, out of the key type's range, or not convertible)
and random statement shapes (the select list, the WHERE's extra conjuncts, a parameter of sp_executesql, a declared
variable or a literal, an assignment, TOP, a subquery): every statement runs three times on one session: fused; with
the planner's fusion turned off (the general plan: a key seek under a filter); and with the key column written
``(k)``, which the planner does not seek (a scan under the same filter).  The rows, column types and errors (number
and text) must be the same.  The fused and general texts differ by a comment only, so each has a plan of its own.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import quietus
import quietus.dbapi
from quietus.dbapi import Connection
from quietus.sql import planner, point_lookup

TEXT = st.text(alphabet=st.sampled_from(list("aAbBsSéÉß 1")), min_size=0, max_size=5)

# key type -> a strategy of its values (as Python values, written as literals by _literal)
KEY_TYPES: dict[str, st.SearchStrategy[Any]] = {
    "int": st.integers(-3, 3) | st.sampled_from([2**31 - 1, -(2**31)]),
    "tinyint": st.integers(0, 5) | st.just(255),
    "bigint": st.integers(-3, 3) | st.just(2**40),
    "decimal(6,2)": st.decimals(-5, 5, places=2, allow_nan=False, allow_infinity=False),
    "varchar(6)": TEXT,
    "nvarchar(6)": TEXT,
    "char(4)": TEXT.map(lambda s: s[:4]),
    "date": st.dates(datetime.date(2020, 1, 1), datetime.date(2020, 1, 5)),
    "varbinary(3)": st.binary(max_size=3) | st.sampled_from([b"", b"\x00", b"\x01", b"\x01\x00", b"\x01\x00\x00"]),
}

# the probe's declared type (parameter or variable) -> how a probe value is written for it
PARAMETER_TYPES = ["int", "bigint", "tinyint", "smallint", "decimal(10,3)", "float", "nvarchar(10)",
                   "varchar(10)", "nchar(3)", "date", "varbinary(4)"]  # fmt: skip

SELECT_LISTS = ["*", "v", "k, v", "v, k, v", "COALESCE(v, -1) AS c, k", "v + 1 AS w"]
WHERES = ["k = @p", "@p = k", "k = @p AND v IS NOT NULL", "(k = @p) AND v <> 2", "k = @p AND k = @p"]


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | decimal.Decimal | float):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, datetime.date):
        return f"'{value.isoformat()}'"
    return "N'" + str(value).replace("'", "''") + "'"


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    """Values near a stored key: itself, and for strings its case, accents and trailing spaces changed."""
    if isinstance(value, str):
        return st.sampled_from(
            [value, value.upper(), value.lower(), value + " ", " " + value, value.replace("ß", "ss"),
             value.replace("s", "ß"), value.replace("é", "e"), value.casefold()]
        )  # fmt: skip
    if isinstance(value, bytes):
        return st.sampled_from([value, value + b"\x00", value.rstrip(b"\x00")])  # equal: trailing zeros never count
    if isinstance(value, int) and not isinstance(value, bool):
        return st.sampled_from([value, str(value), decimal.Decimal(value), float(value), value + 256])
    return st.just(value)


@st.composite
def cases(draw: st.DrawFn) -> dict[str, Any]:
    key_type = draw(st.sampled_from(sorted(KEY_TYPES)))
    keys = draw(st.lists(KEY_TYPES[key_type], max_size=6))
    values = [draw(st.none() | st.integers(0, 3)) for _ in keys]
    probes = []
    for _ in range(4):
        source = draw(st.sampled_from(["stored", "stored", "stored", "fresh", "null", "odd"])) if keys else "fresh"
        if source == "stored":
            probe = draw(_mutations(draw(st.sampled_from(keys))))
        elif source == "null":
            probe = None
        elif source == "odd":
            probe = draw(st.sampled_from(["abc", "2", 70000, 2**40, -1, 1.5, b"\x01", datetime.date(2020, 1, 2)]))
        else:
            probe = draw(KEY_TYPES[key_type])
        probes.append(
            (probe, draw(st.sampled_from(PARAMETER_TYPES)), draw(st.sampled_from(["rpc", "variable", "literal"])))
        )
    return {
        "key_type": key_type,
        "rows": list(zip(keys, values, strict=True)),
        "probes": probes,
        "select": draw(st.sampled_from(SELECT_LISTS)),
        "where": draw(st.sampled_from(WHERES)),
        "shape": draw(st.sampled_from(["plain", "top", "assign", "subquery", "union"])),
    }


def _statement(case: dict[str, Any], table: str, probe: Any, parameter_type: str, how: str, mark: str) -> str:
    select, where = case["select"], case["where"]
    shape = case["shape"]
    if shape == "top":
        query = f"SELECT {mark} TOP 1 {select} FROM {table} WHERE {where}"
    elif shape == "assign":
        query = f"DECLARE @x INT = -9; SELECT {mark} @x = v FROM {table} WHERE {where}; SELECT @x AS x"
    elif shape == "subquery":
        query = f"SELECT {mark} (SELECT v FROM {table} WHERE {where}) AS s"
    elif shape == "union":
        query = f"SELECT {mark} v FROM {table} WHERE {where} UNION ALL SELECT v FROM {table} WHERE k = @p"
    else:
        query = f"SELECT {mark} {select} FROM {table} WHERE {where}"
    literal = _literal(probe)
    if how == "rpc":
        inner = query.replace("'", "''")
        return f"EXEC sp_executesql N'{inner}', N'@p {parameter_type}', @p = {literal}"
    if how == "variable":
        return f"DECLARE @p {parameter_type} = {literal}; {query}"
    return query.replace("@p", literal)


def _scanning(case: dict[str, Any]) -> dict[str, Any]:
    """The same case with its key column in parentheses: the same comparison, which the planner does not seek."""
    return {**case, "where": case["where"].replace("k = @p", "(k) = @p").replace("@p = k", "@p = (k)")}


def _outcome(conn: Connection, text: str) -> tuple[Any, ...]:
    sink = conn.run(text)
    results = [(tuple((c.name, c.type.name) for c in rs.columns), rs.rows) for rs in sink.result_sets]
    errors = [(m.number, m.text) for m in sink.messages if m.is_error]
    return tuple(results), tuple(errors)


@pytest.fixture(scope="module")
def connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    directory: Path = tmp_path_factory.mktemp("point_lookup")
    with quietus.connect(directory / "data", autocommit=True) as conn:
        conn.run("SELECT 1")  # the parser raises the recursion limit once: before hypothesis watches it
        yield conn


class Fusion:
    """The planner's fusion, switched on and off by a test; counts the plans it fused (so that a property cannot
    hold by never fusing)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.on = True
        self.plans = 0
        fuse = point_lookup.fused

        def switched(plan: Any) -> Any:
            chosen = fuse(plan) if self.on else plan
            self.plans += chosen is not plan
            return chosen

        monkeypatch.setattr(planner.point_lookup, "fused", switched)


_tables = itertools.count()


def test_fused_point_lookup_answers_as_the_general_plan(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    fusion = Fusion(monkeypatch)

    @settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(cases())
    def check(case: dict[str, Any]) -> None:
        table = f"t{next(_tables)}"
        connection.run(f"CREATE TABLE {table} (k {case['key_type']} NOT NULL PRIMARY KEY, v INT NULL)")
        for key, value in case["rows"]:
            connection.run(f"INSERT INTO {table} VALUES ({_literal(key)}, {_literal(value)})")  # duplicates: 2627
        for probe, parameter_type, how in case["probes"]:
            fusion.on = True
            fused = _outcome(connection, _statement(case, table, probe, parameter_type, how, "/*fused*/"))
            fusion.on = False
            general = _outcome(connection, _statement(case, table, probe, parameter_type, how, "/*general*/"))
            assert fused == general, (case, probe, parameter_type, how)
            scanned = _outcome(connection, _statement(_scanning(case), table, probe, parameter_type, how, ""))
            assert fused == scanned, (case, probe, parameter_type, how)
        connection.run(f"DROP TABLE {table}")

    check()
    assert fusion.plans > 0


def test_the_shapes_fused_and_the_shapes_left_general(connection: Connection) -> None:
    """Only Project → Filter → a reading TableScan that seeks one key value once is fused."""
    connection.run("CREATE TABLE shapes (id INT PRIMARY KEY, v INT); INSERT INTO shapes VALUES (1, 10), (2, 20)")
    connection.run("CREATE TABLE pair (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b))")
    env = connection.instance.env
    assert env is not None

    def plan_of(text: str) -> Any:
        connection.run(text)
        for statement, planned in env.plan_cache._entries.values():
            if statement.sql("tsql").replace(" ", "") == text.replace(" ", "").replace(";", ""):
                return planned.plan
        raise AssertionError(f"no cached plan for {text}")

    fused = [
        "SELECT v FROM shapes WHERE id = 1",
        "SELECT * FROM shapes WHERE id = -(2)",
        "SELECT v + 1 AS w FROM shapes WHERE 1 = id AND v > 0",
        "SELECT a FROM pair WHERE b = 2 AND a = 1",
    ]
    general = ["SELECT v FROM shapes WHERE id = ABS(-1)", "SELECT v FROM shapes WHERE id > 1",
               "SELECT v FROM shapes WHERE id = 1 ORDER BY v", "SELECT COUNT(*) FROM shapes WHERE id = 1",
               "SELECT a FROM pair WHERE a = 1", "SELECT a FROM pair WHERE a = 1 AND b = ABS(2)",
               "SELECT v FROM shapes", "SELECT v FROM shapes WHERE (id) = 1"]  # fmt: skip
    for text in fused:
        assert isinstance(plan_of(text), point_lookup.PointLookup), text
    for text in general:
        plan = plan_of(text)
        assert not any(isinstance(p, point_lookup.PointLookup) for p in _nodes(plan)), text
    assert isinstance(plan_of("SELECT DISTINCT v FROM shapes WHERE id = 2").child, point_lookup.PointLookup)


def _nodes(plan: Any) -> Iterator[Any]:
    yield plan
    for name in ("child", "left", "right"):
        inner = getattr(plan, name, None)
        if inner is not None:
            yield from _nodes(inner)


ORACLE_KEY_TYPES: dict[str, st.SearchStrategy[Any]] = {
    "NUMBER(5)": st.integers(-3, 3),
    "NUMBER(6,2)": st.decimals(-3, 3, places=2, allow_nan=False, allow_infinity=False),
    "VARCHAR2(6)": TEXT.filter(bool),
    "CHAR(3)": TEXT.filter(bool).map(lambda s: s[:3]),
}


@st.composite
def oracle_cases(draw: st.DrawFn) -> dict[str, Any]:
    key_type = draw(st.sampled_from(sorted(ORACLE_KEY_TYPES)))
    keys = draw(st.lists(ORACLE_KEY_TYPES[key_type], min_size=1, max_size=5))
    probes = [
        draw(
            _mutations(draw(st.sampled_from(keys)))
            | ORACLE_KEY_TYPES[key_type]
            | st.sampled_from([None, "", "abc", "2", 1.5, 70000])
        )
        for _ in range(4)
    ]
    return {
        "key_type": key_type,
        "rows": [(key, draw(st.none() | st.integers(0, 3))) for key in keys],
        "probes": probes,
        "select": draw(st.sampled_from(["*", "v", "k, v", "NVL(v, -1) AS c"])),
        "where": draw(st.sampled_from(["k = :1", ":1 = k", "k = :1 AND v IS NOT NULL"])),
    }


def test_oracle_point_selects_answer_as_the_general_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Oracle dialect shares the planner: its point selects (binds, Oracle's comparisons) fuse the same way."""
    fusion = Fusion(monkeypatch)
    with quietus.connect(tmp_path / "data", dialect="oracle", autocommit=True) as ora:
        ora.cursor().execute("SELECT 1 FROM dual")  # the parser raises the recursion limit once, before hypothesis

        def outcome(text: str, probe: Any) -> tuple[Any, ...]:
            cursor = ora.cursor()
            try:
                cursor.execute(text, (probe,))
            except quietus.dbapi.DatabaseError as error:
                return ("error", error.number, str(error))
            return ("rows", [d[:2] for d in cursor.description or []], cursor.fetchall())

        @settings(max_examples=40, deadline=None)
        @given(oracle_cases())
        def check(case: dict[str, Any]) -> None:
            table = f"o{next(_tables)}"
            ora.cursor().execute(f"CREATE TABLE {table} (k {case['key_type']} PRIMARY KEY, v NUMBER(5))")
            for key, value in case["rows"]:
                with contextlib.suppress(quietus.dbapi.DatabaseError):  # a duplicate key: ORA-00001
                    ora.cursor().execute(f"INSERT INTO {table} VALUES (:1, :2)", (key, value))
            for probe in case["probes"]:
                texts = [f"SELECT {mark} {case['select']} FROM {table} WHERE {case['where']}" for mark in
                         ("/*fused*/", "/*general*/")]  # fmt: skip
                fusion.on = True
                fused = outcome(texts[0], probe)
                fusion.on = False
                assert fused == outcome(texts[1], probe), (case, probe)
            ora.cursor().execute(f"DROP TABLE {table}")

        check()
    assert fusion.plans > 0


@st.composite
def composite_cases(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.tuples(st.integers(0, 2), TEXT), max_size=6))
    probes = []
    for _ in range(4):
        if keys and draw(st.booleans()):
            a, b = draw(st.sampled_from(keys))
            probes.append((draw(_mutations(a) | st.none()), draw(_mutations(b) | st.none())))
        else:
            probes.append((draw(st.none() | st.integers(0, 2)), draw(st.none() | TEXT)))
    return {
        "rows": [(a, b, draw(st.none() | st.integers(0, 3))) for a, b in keys],
        "probes": probes,
        "select": draw(st.sampled_from(["*", "v", "b, a", "COALESCE(v, -1) AS c"])),
        "where": draw(st.sampled_from(["a = @a AND b = @b", "@b = b AND a = @a AND v IS NOT NULL"])),
        "types": draw(st.sampled_from([("int", "nvarchar(10)"), ("bigint", "varchar(10)"), ("nvarchar(5)", "int")])),
    }


def test_composite_key_point_selects_answer_as_the_general_plan_and_a_scan(
    connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A primary key of two columns, both bound: sought and fused; the same answers unfused and scanned."""
    fusion = Fusion(monkeypatch)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(composite_cases())
    def check(case: dict[str, Any]) -> None:
        table = f"c{next(_tables)}"
        connection.run(f"CREATE TABLE {table} (a INT NOT NULL, b NVARCHAR(6) NOT NULL, v INT, PRIMARY KEY (a, b))")
        for a, b, v in case["rows"]:
            connection.run(f"INSERT INTO {table} VALUES ({_literal(a)}, {_literal(b)}, {_literal(v)})")
        a_type, b_type = case["types"]
        for a, b in case["probes"]:
            declare = f"DECLARE @a {a_type} = {_literal(a)}, @b {b_type} = {_literal(b)}; "
            where = case["where"]
            fusion.on = True
            fused = _outcome(connection, f"{declare}SELECT /*fused*/ {case['select']} FROM {table} WHERE {where}")
            fusion.on = False
            general = _outcome(connection, f"{declare}SELECT /*general*/ {case['select']} FROM {table} WHERE {where}")
            scan = where.replace("a = @a", "(a) = @a")
            scanned = _outcome(connection, f"{declare}SELECT {case['select']} FROM {table} WHERE {scan}")
            assert fused == general == scanned, (case, a, b)
        connection.run(f"DROP TABLE {table}")

    check()
    assert fusion.plans > 0
