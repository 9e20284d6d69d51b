"""Oracle-dialect statements beside the same statements in T-SQL, one embedded session each, same engine.

Per statement kind: operations per second through the PEP 249 cursor (binds; each statement committed), and the
cost of parsing + normalising an Oracle statement the first time (the parse cache makes repeats free).  Prints
figures, asserts nothing.

    python -m bench.bench_oracle_sql [--ops 2000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import quietus
from quietus.sql.oracle.parser import parse_statement


def _rate(ops: int, op: Callable[[int], None]) -> float:
    start = time.perf_counter()
    for n in range(ops):
        op(n)
    return ops / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=2000)
    ops = parser.parse_args().ops
    with tempfile.TemporaryDirectory() as directory:
        data = Path(directory) / "data"
        oracle = quietus.connect(data, dialect="oracle", autocommit=True)
        tsql = quietus.connect(data, autocommit=True)
        o, t = oracle.cursor(), tsql.cursor()
        o.execute("CREATE TABLE o_rows (id NUMBER(10) PRIMARY KEY, v VARCHAR2(20))")
        t.execute("CREATE TABLE t_rows (id INT PRIMARY KEY, v VARCHAR(20))")
        cases: list[tuple[str, Callable[[int], None], Callable[[int], None]]] = [
            (
                "insert",
                lambda n: o.execute("INSERT INTO o_rows VALUES (:1, :2)", (n, f"v{n}")),
                lambda n: t.execute("INSERT INTO t_rows VALUES (%s, %s)", (n, f"v{n}")),
            ),
            (
                "select by key",
                lambda n: o.execute("SELECT v FROM o_rows WHERE id = :1", (n,)),
                lambda n: t.execute("SELECT v FROM t_rows WHERE id = %s", (n,)),
            ),
            (
                "update by key",
                lambda n: o.execute("UPDATE o_rows SET v = :1 WHERE id = :2", ("w", n)),
                lambda n: t.execute("UPDATE t_rows SET v = %s WHERE id = %s", ("w", n)),
            ),
        ]
        print(f"{'statement':<16}{'Oracle ops/s':>14}{'T-SQL ops/s':>14}{'ratio':>8}")
        for name, oracle_op, tsql_op in cases:
            oracle_rate, tsql_rate = _rate(ops, oracle_op), _rate(ops, tsql_op)
            print(f"{name:<16}{oracle_rate:>14,.0f}{tsql_rate:>14,.0f}{oracle_rate / tsql_rate:>8.2f}")
        oracle.close()
        tsql.close()
    statements = [
        "SELECT v FROM o_rows WHERE id = :1",
        "SELECT NVL(v, 'x'), SUBSTR(v, 1, 2), TO_CHAR(SYSDATE, 'YYYY-MM-DD') FROM o_rows WHERE ROWNUM <= 10",
        "UPDATE o_rows SET v = DECODE(id, 1, 'one', 'other') WHERE id BETWEEN :a AND :b",
    ]
    for text in statements:
        start = time.perf_counter()
        for _ in range(200):
            parse_statement(text)
        print(f"parse+normalise {1000 * (time.perf_counter() - start) / 200:.3f} ms  {text[:60]}")


if __name__ == "__main__":
    main()
