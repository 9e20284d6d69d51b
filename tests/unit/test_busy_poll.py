"""The served loop's polling window (quietus.server.busy_poll): open after an answer, adaptive, off when idle."""

from __future__ import annotations

import asyncio
import time

import pytest

from quietus.server.busy_poll import BusyPoll
from quietus.server.config import ConfigError, load_config

MAX = 0.2  # seconds: long enough that the test's own steps (and a loaded machine's delays) fit inside a window


async def _until_stopped(poll: BusyPoll) -> None:
    """Let the loop run until the window runs out (the loop keeps running callbacks meanwhile)."""
    deadline = time.monotonic() + 10
    while poll.polling:
        assert time.monotonic() < deadline, "the polling window never ran out"
        await asyncio.sleep(0.001)


def test_an_answer_opens_a_window_that_keeps_the_loop_awake_until_it_runs_out() -> None:
    async def main() -> None:
        poll = BusyPoll(asyncio.get_running_loop(), MAX)
        assert not poll.polling
        poll.answered()
        assert poll.polling
        await _until_stopped(poll)
        assert poll.window == MAX  # running out alone teaches nothing: the next request's idle time decides

    asyncio.run(main())


def test_requests_inside_the_window_keep_it_open_and_its_length() -> None:
    async def main() -> None:
        poll = BusyPoll(asyncio.get_running_loop(), MAX)
        poll.answered()
        for _ in range(5):  # a fast client: each request answered well inside the window
            await asyncio.sleep(MAX / 10)
            assert poll.polling
            poll.received()
            poll.answered()
        assert poll.window == MAX
        await _until_stopped(poll)

    asyncio.run(main())


def test_a_slow_client_turns_polling_off_and_a_faster_one_turns_it_back_on() -> None:
    async def main() -> None:
        poll = BusyPoll(asyncio.get_running_loop(), MAX)
        windows = []
        while poll.window > 0:  # each request comes after more than MAX: no window would have caught it
            poll.answered()
            await asyncio.sleep(2 * MAX)
            poll.received()
            windows.append(poll.window)
        assert windows == [MAX / 2, MAX / 4, MAX / 8, 0.0]
        assert not poll.polling
        poll.answered()
        assert not poll.polling  # off: an answer opens nothing, the loop sleeps
        poll.received()  # a request at once after it: a window would have caught it
        assert poll.window == MAX / 8
        poll.received()  # more bytes of the same request: no idle time to learn from
        assert poll.window == MAX / 8
        poll.answered()
        assert poll.polling
        await _until_stopped(poll)
        poll.received()  # idle longer than the window (it ran out) but within MAX: a longer one would have caught it
        assert poll.window == MAX / 4

    asyncio.run(main())


def test_a_closed_loop_is_not_polled() -> None:
    loop = asyncio.new_event_loop()
    poll = BusyPoll(loop, MAX)
    loop.close()
    poll.answered()  # a last write while the server shuts down: nothing scheduled, nothing raised
    assert not poll.polling


def test_the_setting_defaults_to_100_microseconds_and_is_checked() -> None:
    assert load_config({}, {}).busy_poll_us == 100
    assert load_config({}, {"QUIETUS_BUSY_POLL_US": "0"}).busy_poll_us == 0  # off
    for bad in ("-1", "1000001", "fast"):
        with pytest.raises(ConfigError, match="QUIETUS_BUSY_POLL_US"):
            load_config({}, {"QUIETUS_BUSY_POLL_US": bad})
