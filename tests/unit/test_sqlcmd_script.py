"""sqlcmd's input language (GO [n], EXIT, QUIT, :reset, :on error, :r) and the exit-code rules, on a fake backend."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from quietus.cli import sqlcmd
from quietus.cli.output import Column, Message, Printer
from quietus.cli.sqlcmd_script import BadCommand, Batch, Exit, Include, OnError, ScriptReader


def feed_all(lines: list[str]) -> list[object]:
    reader = ScriptReader()
    commands = [reader.feed(line) for line in lines]
    return [c for c in commands if c is not None] + [reader.finish()]


def test_go_ends_a_batch_and_go_n_repeats_it() -> None:
    assert feed_all(["select 1", "go", "select 2", "", "GO 3", "select 3"]) == [
        Batch("select 1"),
        Batch("select 2\n", 3),
        Batch("select 3"),
    ]


def test_blank_batches_and_go_0_run_nothing() -> None:
    assert feed_all(["", "go", "select 1", "go 0", "  ", "go"]) == [None]


def test_go_with_a_bad_count_is_a_syntax_error() -> None:
    assert feed_all(["select 1", "go x"]) == [
        BadCommand("Syntax error at line 2 near command 'go x'."),
        Batch("select 1"),
    ]


def test_exit_quit_and_exit_with_a_query() -> None:
    assert feed_all(["select 1", "exit"]) == [Exit(None), Batch("select 1")]
    assert feed_all([":QUIT"]) == [Exit(None), None]
    assert feed_all(["select 1", "EXIT(select 2)"]) == [Exit("select 1\nselect 2"), None]
    assert feed_all(["exit()"]) == [Exit(""), None]
    assert feed_all(["exit now"]) == [Batch("exit now")]  # not a command: T-SQL's to reject


def test_reset_on_error_and_include() -> None:
    assert feed_all(["select 1", ":reset", "select 2", "go"]) == [Batch("select 2"), None]
    assert feed_all([":on error exit", ":ON ERROR ignore", ":on error maybe"]) == [
        OnError(True),
        OnError(False),
        BadCommand("Syntax error at line 3 near command ':on error maybe'."),
        None,
    ]
    assert feed_all([':r "a file.sql"']) == [Include("a file.sql"), None]


def test_the_prompt_counts_the_lines_of_the_batch() -> None:
    reader = ScriptReader()
    numbers = []
    for line in ["select 1", "from t", "go", "select 2"]:
        numbers.append(reader.prompt_number)
        reader.feed(line)
    assert numbers == [1, 2, 3, 1]


def test_server_addresses() -> None:
    parse = sqlcmd.parse_server
    assert parse("127.0.0.1,1533") == sqlcmd.ServerAddress("127.0.0.1", 1533)
    assert parse("tcp:db.example,14330") == sqlcmd.ServerAddress("db.example", 14330)
    assert parse("(local)") == sqlcmd.ServerAddress("localhost", 1433)
    assert parse(".") == sqlcmd.ServerAddress("localhost", 1433)
    assert parse(r"host\inst,2000") == sqlcmd.ServerAddress("host", 2000)
    for bad in ["np:host", r"host\inst", "host,port"]:
        with pytest.raises(sqlcmd.UsageError):
            parse(bad)


def test_the_password_comes_from_p_then_sqlcmdpassword_then_a_prompt() -> None:
    assert sqlcmd.password_from("x", {"SQLCMDPASSWORD": "y"}, lambda: "z") == "x"
    assert sqlcmd.password_from(None, {"SQLCMDPASSWORD": "y"}, lambda: "z") == "y"
    assert sqlcmd.password_from(None, {}, lambda: "z") == "z"
    assert sqlcmd.password_from(None, {}, None) == ""


# --- exit codes on a fake backend -------------------------------------------------------------------------------

Script = Callable[[Printer], bool]


def error(number: int, severity: int = 16, state: int = 1) -> Script:
    def run(printer: Printer) -> bool:
        printer.message(Message(number, severity, state, f"error {number}", 1, "", True))
        return True

    return run


def value(v: object) -> Script:
    def run(printer: Printer) -> bool:
        printer.result([Column("v", "int")], [(v,)])
        return True

    return run


def ended(printer: Printer) -> bool:
    return False


def lost(printer: Printer) -> bool:
    printer.client_error("Communication link failure", "test", link_lost=True)
    return False


class FakeBackend:
    driver = "fake"

    def __init__(self, answers: dict[str, Script]) -> None:
        self.answers = answers
        self.ran: list[str] = []

    def execute(self, text: str, printer: Printer) -> bool:
        self.ran.append(text)
        answer = self.answers.get(text)
        return answer(printer) if answer is not None else True

    def close(self) -> None:
        pass


def run(script: str, answers: dict[str, Script], **settings: object) -> tuple[int, list[str], str]:
    backend = FakeBackend(answers)
    out = io.StringIO()
    code = sqlcmd.run(backend, sqlcmd.Settings(query=script, **settings), out, io.StringIO())  # type: ignore[arg-type]
    return code, backend.ran, out.getvalue()


def test_errors_do_not_change_the_exit_code_without_b() -> None:
    assert run("bad\ngo\nok", {"bad": error(208)})[:2] == (0, ["bad", "ok"])


def test_b_stops_after_the_first_failing_batch_with_code_1() -> None:
    assert run("ok\ngo\nbad\ngo\nnever", {"bad": error(208)}, exit_on_error=True)[:2] == (1, ["ok", "bad"])


def test_b_ignores_informational_messages_and_v_raises_the_bar() -> None:
    answers = {"info": error(0, severity=10), "sev16": error(50000, severity=16)}
    assert run("info\ngo\nsev16", answers, exit_on_error=True)[:2] == (1, ["info", "sev16"])
    assert run("sev16\ngo\nok", answers, exit_on_error=True, error_severity=17)[:2] == (0, ["sev16", "ok"])


def test_on_error_exit_turns_b_on_from_the_script() -> None:
    assert run("bad\ngo\n:on error exit\nbad\ngo\nnever", {"bad": error(208)})[:2] == (1, ["bad", "bad"])


def test_state_127_ends_sqlcmd_with_the_message_number() -> None:
    assert run("raise\ngo\nnever", {"raise": error(50001, state=127)})[:2] == (50001, ["raise"])


def test_exit_query_returns_its_first_value() -> None:
    assert run("exit(select 42)\nnever", {"select 42": value(42)})[:2] == (42, ["select 42"])
    assert run("exit\nnever", {})[:2] == (0, [])


def test_go_n_runs_the_batch_n_times() -> None:
    assert run("x\ngo 3", {})[1] == ["x", "x", "x"]


def test_an_ended_session_stops_the_script() -> None:
    assert run("kill\ngo\nnever", {"kill": ended})[:2] == (0, ["kill"])
    assert run("cut\ngo\nnever", {"cut": lost})[:2] == (1, ["cut"])


def test_r_includes_a_file_and_a_missing_one_is_reported(tmp_path: Path) -> None:
    included = tmp_path / "inc.sql"
    included.write_text("a\ngo\nb\n")
    code, ran, _ = run(f":r {included}\nc", {})
    assert (code, ran) == (0, ["a", "b", "c"])
    err = io.StringIO()
    backend = FakeBackend({})
    assert sqlcmd.run(backend, sqlcmd.Settings(query=f":r {tmp_path / 'none.sql'}\nc"), io.StringIO(), err) == 0
    assert backend.ran == ["c"]
    assert err.getvalue().startswith("Sqlcmd: Error: Sqlcmd : Error occurred while opening or operating on file")


def test_q_then_interactive_input_with_prompts() -> None:
    backend = FakeBackend({"first": value(1), "second": value(2)})
    lines = iter(["second", "go", "quit", "never"])
    prompts: list[str] = []

    def read_line(prompt: str) -> str:
        prompts.append(prompt)
        return next(lines)

    code = sqlcmd.run(
        backend, sqlcmd.Settings(initial_query="first"), io.StringIO(), io.StringIO(), read_line=read_line,
        interactive=True,
    )  # fmt: skip
    assert (code, backend.ran, prompts) == (0, ["first", "second"], ["1> ", "2> ", "1> "])


def test_ctrl_c_ends_with_sqlcmds_warning() -> None:
    def interrupted(printer: Printer) -> bool:
        raise KeyboardInterrupt

    err = io.StringIO()
    backend = FakeBackend({"long": interrupted})
    assert sqlcmd.run(backend, sqlcmd.Settings(query="long\ngo\nnever"), io.StringIO(), err) == 1
    assert backend.ran == ["long"]
    assert err.getvalue() == "Sqlcmd: Warning: The last operation was terminated because the user pressed CTRL+C.\n"
