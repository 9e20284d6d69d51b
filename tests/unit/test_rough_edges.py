"""Issue 9 item 6: what message 102 quotes, KILL @@SPID, and ``quietus --version``."""

from __future__ import annotations

from click.testing import CliRunner

import quietus
from quietus.cli.main import main
from quietus.sql.syntax_near import near


def test_message_102_quotes_one_token_never_a_slice_of_the_text() -> None:
    assert near("ALTER COLUMN v BIGINT NOT NULL WITH (ONLINE = ON) -- more than forty characters") == "ALTER"
    assert near("@@SPID + 1") == "@@SPID"
    assert near("@total = @total + 1") == "@total"
    assert near("[my table] AS x") == "my table"
    assert near("") == ""


def test_kill_with_a_variable_quotes_the_variable_whole() -> None:
    with quietus.connect(None, autocommit=True) as conn:
        for sql, token in (("KILL @@SPID", "@@SPID"), ("KILL @victim", "@victim")):
            (message,) = conn.run(sql).messages
            assert (message.number, message.text) == (102, f"Incorrect syntax near '{token}'.")


def test_quietus_version() -> None:
    for flag in ("--version", "-V"):
        result = CliRunner().invoke(main, [flag])
        assert result.exit_code == 0 and result.output == f"quietus {quietus.__version__}\n"
