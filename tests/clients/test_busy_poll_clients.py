"""Busy polling through a real client (quietus.server.busy_poll): a server's answer over the socket opens the
loop's polling window; with busy_poll_us = 0 there is none."""

from __future__ import annotations

from pathlib import Path

from tests.clients.server_harness import RawClient, running_server


def test_an_answer_over_the_socket_opens_the_polling_window(tmp_path: Path) -> None:
    # the longest window the setting allows (1 s): still open when the test looks, right after the answer
    with running_server(tmp_path / "data", busy_poll_us=1_000_000) as server:
        client = RawClient(server.port)
        try:
            client.login()
            assert client.batch("SELECT 1").rows == [(1,)]
            assert server.on_engine(lambda: server.instance.busy_poll.polling)
            assert server.on_engine(lambda: server.instance.busy_poll.window) == 1.0  # requests came within it
        finally:
            client.close()


def test_busy_poll_us_0_turns_polling_off(tmp_path: Path) -> None:
    with running_server(tmp_path / "data", busy_poll_us=0) as server:
        client = RawClient(server.port)
        try:
            client.login()
            assert client.batch("SELECT 1").rows == [(1,)]
            assert server.on_engine(lambda: server.instance.busy_poll) is None
        finally:
            client.close()
