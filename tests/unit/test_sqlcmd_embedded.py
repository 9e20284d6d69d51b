"""``quietus sql --embedded DIR`` with sqlcmd's options: -d, -W/-s/-h, -b across -i batches, EXIT(query)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from quietus.cli.main import main


def shell(data: Path, *args: str, stdin: str = "") -> Result:
    return CliRunner().invoke(main, ["sql", "--embedded", str(data), *args], input=stdin, catch_exceptions=False)


def test_d_uses_the_database_and_a_missing_one_fails_the_start(tmp_path: Path) -> None:
    assert (
        shell(tmp_path, "-d", "master", "-W", "-h", "-1", "-Q", "SELECT DB_NAME()").stdout
        == "master\n\n(1 row affected)\n"
    )
    missing = shell(tmp_path, "-d", "nosuch", "-Q", "SELECT 1")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("Sqlcmd: Error: Quietus embedded engine : Database 'nosuch' does not exist.")


def test_b_stops_an_input_file_at_the_failing_batch(tmp_path: Path) -> None:
    script = tmp_path / "s.sql"
    script.write_text("CREATE TABLE t (id INT PRIMARY KEY)\nGO\nINSERT INTO t VALUES (1)\nGO 2\nPRINT 'after'\n")
    result = shell(tmp_path / "data", "-b", "-i", str(script))
    assert result.exit_code == 1
    assert result.stdout.startswith("(1 row affected)\nMsg 2627, Level 14, State 1, Line 1\nViolation of PRIMARY KEY")
    assert "after" not in result.stdout


def test_exit_query_and_the_separator(tmp_path: Path) -> None:
    result = shell(tmp_path, "-s", "|", stdin="SELECT 1 AS a, 2 AS b\nGO\nEXIT(SELECT 7)\nSELECT 'never'\n")
    assert result.exit_code == 7
    assert result.stdout.startswith("a|b\n-|-\n1|2\n\n(1 row affected)\n")
    assert "never" not in result.stdout


def test_server_options_do_not_apply_to_the_embedded_mode(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sql", "--embedded", str(tmp_path), "-S", "127.0.0.1,1", "-Q", "SELECT 1"])
    assert result.exit_code == 2
    assert "-S, -U and -P do not apply" in result.stderr
