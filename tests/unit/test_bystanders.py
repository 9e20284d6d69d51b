"""No request freezes the others (issue 14, item 2): parsing and planning yield at safe points as execution does.

No timing is asserted.  The heavy request's parse (or plan) is made to repeat, with the real parser (or planner),
until the test releases it, so it is still running by construction; the bystander's query can only complete in the
meantime if the real parser (planner) gives the engine back at its safe points.  A frozen engine would leave the
bystander waiting until the harness's step limit, a failure.  An attention sent meanwhile lands inside the parse.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import quietus.sql.batch
from quietus.engine.interrupts import InterruptReason
from quietus.sql.dialect import Statement, parse_batch
from quietus.sql.planner import Planner
from tests.harness import STEP_LIMIT, Scenario, interrupt, scenario

IN_LIST = "SELECT COUNT(*) FROM d WHERE n IN (" + ", ".join(str(n) for n in range(1_000, 6_000)) + ")"
LONG_BATCH = "DECLARE @x INT;\n" + "".join(f"SET @x = {n};\n" for n in range(2_000)) + "SELECT @x"


class Repeating:
    """Makes the heavy text's parse or plan start over until ``release``; says when it first began."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.released = threading.Event()

    def rounds(self) -> Iterator[None]:
        self.started.set()
        while True:
            yield
            if self.released.is_set():
                return


@pytest.fixture
def sc(tmp_path: Path) -> Iterator[Scenario]:
    with scenario(tmp_path) as running:
        running.session("setup").run("CREATE TABLE d (n INT PRIMARY KEY); INSERT INTO d VALUES (1), (2)")
        yield running


def repeat_parse(monkeypatch: pytest.MonkeyPatch, heavy: str) -> Repeating:
    repeating = Repeating()
    real = quietus.sql.batch.parse_batch_cached

    def parse(text: str, quoted_identifier: bool = True) -> tuple[Statement, ...]:
        if text != heavy:
            return real(text, quoted_identifier)
        statements: list[Statement] = []
        for _ in repeating.rounds():
            statements = parse_batch(text, quoted_identifier)  # the real tokenizer and parser, each round afresh
        return tuple(statements)

    monkeypatch.setattr(quietus.sql.batch, "parse_batch_cached", parse)
    return repeating


@pytest.mark.parametrize("heavy", [IN_LIST, LONG_BATCH], ids=["in-list", "long-batch"])
def test_a_bystander_completes_while_a_long_parse_runs(
    sc: Scenario, monkeypatch: pytest.MonkeyPatch, heavy: str
) -> None:
    repeating = repeat_parse(monkeypatch, heavy)
    busy, bystander = sc.session("busy"), sc.session("bystander")
    step = busy.start(heavy)
    assert repeating.started.wait(STEP_LIMIT)
    assert bystander.value("SELECT 42") == 42  # only if the parser yields
    assert not step.done
    repeating.released.set()
    assert step.rows() in ([(0,)], [(1999,)])


def test_a_bystander_completes_while_a_long_plan_is_compiled(sc: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    repeating = Repeating()

    class RepeatingPlanner(Planner):
        def plan_query(self, node: Any, outer: Any = None) -> Any:
            if "IN (1000, 1001" not in node.sql():
                return super().plan_query(node, outer)
            for _ in repeating.rounds():
                planned = super().plan_query(node, outer)  # the real compiler, 5,000 items each round
            return planned

    monkeypatch.setattr(quietus.sql.batch, "Planner", RepeatingPlanner)
    busy, bystander = sc.session("busy"), sc.session("bystander")
    step = busy.start(IN_LIST)
    assert repeating.started.wait(STEP_LIMIT)
    assert bystander.value("SELECT 42") == 42  # only if compiling yields
    assert not step.done
    repeating.released.set()
    assert step.rows() == [(0,)]


def test_an_attention_lands_inside_a_long_parse(sc: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    repeating = repeat_parse(monkeypatch, IN_LIST)
    busy = sc.session("busy")
    step = busy.start(IN_LIST)
    assert repeating.started.wait(STEP_LIMIT)
    interrupt(busy, InterruptReason.ATTENTION)
    assert step.rows() == []  # cancelled at a safe point of the parse, never released
    assert busy.value("SELECT 42") == 42
