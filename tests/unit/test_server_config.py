"""Server settings: CLI > environment > TOML file > defaults, and clear errors for bad settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from quietus.server.config import ConfigError, ServerConfig, load_config


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    assert load_config({}, environ={}) == ServerConfig()
    assert ServerConfig().port == 1433 and ServerConfig().host == "127.0.0.1"


def test_cli_beats_environment_beats_file(tmp_path: Path) -> None:
    config = write(tmp_path / "q.toml", 'host = "0.0.0.0"\nport = 1500\ndata_dir = "d"\nsa_password = "file"\n')
    environ = {"QUIETUS_PORT": "1600", "QUIETUS_SA_PASSWORD": "env"}
    merged = load_config({"port": 1700, "host": None}, environ=environ, config_file=config)
    assert merged.port == 1700  # CLI
    assert merged.sa_password == "env"  # environment over the file
    assert merged.host == "0.0.0.0"  # the file over the default; a CLI None is "not given"
    assert merged.data_dir == tmp_path / "d"  # relative to the file's directory
    assert load_config({}, environ=environ, config_file=config).port == 1600


def test_a_server_table_is_accepted(tmp_path: Path) -> None:
    config = write(tmp_path / "q.toml", "[server]\nport = 1501\n")
    assert load_config({}, environ={}, config_file=config).port == 1501


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = 70000\n", "port"),
        ('colour = "blue"\n', "unknown setting 'colour'"),
        ("port = [\n", "q.toml"),
        ('log_level = "LOUD"\n', "log_level"),
    ],
)
def test_bad_files_name_the_setting_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    config = write(tmp_path / "q.toml", text)
    with pytest.raises(ConfigError, match=message):
        load_config({}, environ={}, config_file=config)


def test_bad_environment_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="QUIETUS_PORT"):
        load_config({}, environ={"QUIETUS_PORT": "http"})
    with pytest.raises(ConfigError, match="cannot read"):
        load_config({}, environ={}, config_file=tmp_path / "missing.toml")


def test_the_oracle_net_port_comes_from_the_cli_environment_or_file_and_0_turns_it_off(tmp_path: Path) -> None:
    assert ServerConfig().oracle_port == 1521
    config = write(tmp_path / "q.toml", "oracle_port = 1600\n")
    assert load_config({}, environ={}, config_file=config).oracle_port == 1600
    assert load_config({}, environ={"QUIETUS_ORACLE_PORT": "1601"}, config_file=config).oracle_port == 1601
    assert load_config({"oracle_port": 0}, environ={"QUIETUS_ORACLE_PORT": "1601"}).oracle_port == 0
    with pytest.raises(ConfigError, match="QUIETUS_ORACLE_PORT"):
        load_config({}, environ={"QUIETUS_ORACLE_PORT": "70000"})


def test_in_doubt_xact_resolution_from_file_environment_and_cli(tmp_path: Path) -> None:
    config = write(tmp_path / "q.toml", "in_doubt_xact_resolution = 1\n")
    assert load_config({}, environ={}, config_file=config).in_doubt_xact_resolution == 1
    environ = {"QUIETUS_IN_DOUBT_XACT_RESOLUTION": "2"}
    assert load_config({}, environ=environ, config_file=config).in_doubt_xact_resolution == 2
    assert load_config({"in_doubt_xact_resolution": 0}, environ=environ).in_doubt_xact_resolution == 0
    with pytest.raises(ConfigError, match="in_doubt_xact_resolution"):
        load_config({}, environ={"QUIETUS_IN_DOUBT_XACT_RESOLUTION": "3"})
