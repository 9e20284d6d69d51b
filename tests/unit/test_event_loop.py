"""quietus serve's event loop: uvloop where installed, the standard loop otherwise or when asked."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest

from quietus.server import event_loop
from quietus.server.config import ConfigError, load_config
from quietus.server.event_loop import LoopUnavailable, loop_factory


def test_auto_runs_uvloop_where_installed_and_asyncio_runs_the_standard_loop() -> None:
    uvloop = pytest.importorskip("uvloop")
    name, factory = loop_factory("auto")
    loop = factory()
    try:
        assert name == "uvloop" and isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
    name, factory = loop_factory("asyncio")
    loop = factory()
    try:
        assert name == "asyncio" and not isinstance(loop, uvloop.Loop)
        assert isinstance(loop, asyncio.AbstractEventLoop)
    finally:
        loop.close()


def test_without_uvloop_auto_falls_back_and_uvloop_required_is_a_startup_error(monkeypatch: Any) -> None:
    real = importlib.import_module

    def without_uvloop(name: str, package: str | None = None) -> Any:
        if name == "uvloop":
            raise ImportError("No module named 'uvloop'")
        return real(name, package)

    monkeypatch.setattr(event_loop.importlib, "import_module", without_uvloop)
    assert loop_factory("auto")[0] == "asyncio"
    with pytest.raises(LoopUnavailable, match="uvloop is not installed"):
        loop_factory("uvloop")


def test_the_setting_comes_from_the_environment_and_is_checked() -> None:
    assert load_config({}, {}).event_loop == "auto"
    assert load_config({}, {"QUIETUS_EVENT_LOOP": "AsyncIO"}).event_loop == "asyncio"
    with pytest.raises(ConfigError, match="event_loop"):
        load_config({}, {"QUIETUS_EVENT_LOOP": "trio"})
