"""The monitor's pieces that need no server: paging and filtering, the login throttle, the settings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from quietus.monitor.auth import Throttle, Throttled
from quietus.monitor.paging import BadQuery, SessionQuery
from quietus.server.config import ServerConfig, load_config


def paged(query: SessionQuery, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return asyncio.run(query.page(rows))


def row(session_id: int, **values: Any) -> dict[str, Any]:
    base = {
        "session_id": session_id,
        "login": "sa",
        "host": "h",
        "program": "p",
        "surface": "TDS",
        "status": "sleeping",
        "command": "AWAITING COMMAND",
        "wait_type": None,
        "wait_ms": 0,
        "blocked_by": 0,
        "statement": "",
    }
    return base | values


ROWS = [row(51 + n, wait_ms=n % 7, login="app" if n % 2 else "sa", statement=f"SELECT {n}") for n in range(10_000)]


def test_a_page_holds_only_the_requested_slice_of_the_matching_rows() -> None:
    page = paged(SessionQuery.parse({"q": "APP", "offset": "100", "limit": "50"}), ROWS)
    assert page["total"] == 10_000 and page["matched"] == 5_000
    assert [r["session_id"] for r in page["rows"]] == [51 + n for n in range(201, 301, 2)]


def test_sorting_descending_puts_the_longest_waits_first_and_nulls_last() -> None:
    rows = [row(51, wait_type=None), row(52, wait_type="LCK_M_X"), row(53, wait_type="WAITFOR")]
    by_wait_type = paged(SessionQuery(sort="wait_type", descending=True), rows)["rows"]
    assert [r["session_id"] for r in by_wait_type] == [53, 52, 51]
    page = paged(SessionQuery.parse({"sort": "wait_ms", "desc": "1", "limit": "3"}), ROWS)
    assert [r["wait_ms"] for r in page["rows"]] == [6, 6, 6]


def test_filters_by_status_surface_and_blocked() -> None:
    rows = [row(51, status="suspended", blocked_by=52), row(52, surface="Oracle Net"), row(53)]
    assert [r["session_id"] for r in paged(SessionQuery(blocked=True), rows)["rows"]] == [51]
    assert [r["session_id"] for r in paged(SessionQuery(surface="Oracle Net"), rows)["rows"]] == [52]
    assert [r["session_id"] for r in paged(SessionQuery(status="sleeping"), rows)["rows"]] == [52, 53]


@pytest.mark.parametrize(
    "params",
    [{"sort": "password"}, {"limit": "0"}, {"limit": "100000"}, {"offset": "-1"}, {"blocked": "maybe"}, {"x": "1"}],
)
def test_a_bad_parameter_is_refused_not_ignored(params: dict[str, str]) -> None:
    with pytest.raises(BadQuery):
        SessionQuery.parse(params)


def test_the_throttle_refuses_after_the_limit_and_forgets_on_success() -> None:
    throttle = Throttle(limit=3, window=60.0)
    for _ in range(3):
        throttle.check("10.0.0.1")
        throttle.failed("10.0.0.1")
    with pytest.raises(Throttled) as refused:
        throttle.check("10.0.0.1")
    assert 0 < refused.value.retry_after <= 61
    throttle.check("10.0.0.2")  # another address is not affected
    throttle.succeeded("10.0.0.1")
    throttle.check("10.0.0.1")


def test_the_throttle_window_slides() -> None:
    throttle = Throttle(limit=1, window=0.0)
    throttle.failed("a")
    throttle.check("a")  # the only failure is already outside a zero-length window


def test_monitor_settings_come_from_options_environment_and_file(tmp_path: Path) -> None:
    assert ServerConfig().monitor_port == 8443 and ServerConfig().monitor_metrics_token is None
    assert load_config({}, environ={"QUIETUS_MONITOR_PORT": "0"}).monitor_port == 0
    config = tmp_path / "quietus.toml"
    config.write_text('monitor_port = 9443\nmonitor_metrics_token = "t0ken"\n', encoding="utf-8")
    loaded = load_config({}, environ={}, config_file=config)
    assert loaded.monitor_port == 9443 and loaded.monitor_metrics_token == "t0ken"
    assert load_config({"monitor_port": 7443}, environ={"QUIETUS_MONITOR_PORT": "0"}).monitor_port == 7443


def test_the_monitor_serves_the_servers_own_certificate(tmp_path: Path) -> None:
    from cryptography import x509

    from quietus.monitor.certificate import server_certificate
    from quietus.server.config import ServerConfig

    certificate, key = server_certificate(ServerConfig(data_dir=tmp_path))
    assert certificate == tmp_path / "tls" / "quietus-tls.crt"  # the TDS listener's self-signed one
    assert key.stat().st_mode & 0o777 == 0o600
    loaded = x509.load_pem_x509_certificate(certificate.read_bytes())
    names = loaded.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    first = certificate.read_bytes()
    assert server_certificate(ServerConfig(data_dir=tmp_path)) == (certificate, key)
    assert certificate.read_bytes() == first  # reused, not remade
    mine = (tmp_path / "mine.crt", tmp_path / "mine.key")
    assert server_certificate(ServerConfig(data_dir=tmp_path, tls_certificate=mine[0], tls_key=mine[1])) == mine


def test_metrics_are_for_the_loopback_a_token_or_a_login() -> None:
    from quietus.monitor.web import metrics_allowed

    assert metrics_allowed("127.0.0.1", None, None, False) and metrics_allowed("::1", None, None, False)
    assert not metrics_allowed("10.1.2.3", None, None, False)
    assert not metrics_allowed("10.1.2.3", "Bearer anything", None, False)  # no token configured: none works
    assert metrics_allowed("10.1.2.3", "Bearer s3cret", "s3cret", False)
    assert not metrics_allowed("10.1.2.3", "Bearer wrong", "s3cret", False)
    assert not metrics_allowed("10.1.2.3", "s3cret", "s3cret", False)
    assert metrics_allowed("10.1.2.3", None, "s3cret", True)
