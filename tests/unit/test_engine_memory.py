"""Big writes move their long-lived objects out of the cyclic collector's reach (engine/memory.py)."""

from __future__ import annotations

import gc

import quietus
from quietus.engine.memory import FREEZE_ROWS


def test_a_statement_writing_many_rows_freezes_what_it_created() -> None:
    with quietus.connect(None, autocommit=True) as connection:
        connection.run("CREATE TABLE d (n INT PRIMARY KEY)")
        connection.run("INSERT INTO d VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
        connection.run("CREATE TABLE big (id INT PRIMARY KEY)")
        gc.unfreeze()
        assert gc.get_freeze_count() == 0
        connection.run("INSERT INTO big SELECT a.n + 10 * b.n FROM d a CROSS JOIN d b")  # 100 rows: no freeze
        assert gc.get_freeze_count() == 0
        digits = len(str(FREEZE_ROWS))
        sources = " CROSS JOIN ".join(f"d d{i}" for i in range(digits))
        key = " + ".join(f"{10**i} * d{i}.n" for i in range(digits))
        connection.run(f"INSERT INTO big SELECT 1000 + {key} FROM {sources}")
        assert gc.get_freeze_count() > FREEZE_ROWS  # the new versions went to the permanent generation
    gc.unfreeze()
