"""What the torture suites (torture_fuzz, torture_killstorm) share: reading the server's error log, the traceback
check, printing violations."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

# (pid, port, the error log's reader) of the server a suite runs against
Body = Callable[[argparse.Namespace, int, int, Callable[[], str]], None]


def main_against_a_server(doc: str | None, options: dict[str, tuple[type, float]], body: Body) -> None:
    """Parse ``--name value`` options (type, default) plus ``--seed``, start `quietus serve` in a temporary
    directory, and run ``body`` against it."""
    from bench.bench_server import quietus_server

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, (kind, default) in {**options, "seed": (int, 1)}.items():
        parser.add_argument(f"--{name}", type=kind, default=kind(default))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, quietus_server(Path(work) / "data") as (pid, port):
        print(f"seed {args.seed}")
        body(args, pid, port, log_reader(Path(work) / "data"))


def log_reader(data_dir: Path) -> Callable[[], str]:
    """The error log of a `quietus serve` on ``data_dir``, read anew at each call."""
    log = data_dir / "log" / "ERRORLOG"
    return lambda: log.read_text(errors="replace") if log.exists() else ""


def traceback_in(new_log: str) -> str | None:
    """A violation text when ``new_log`` (what the log gained during a run) holds a traceback."""
    if "Traceback" not in new_log:
        return None
    return "a traceback in the error log:\n" + new_log[new_log.index("Traceback") :][:2000]


def print_violations(violations: list[str]) -> None:
    print(f"violations: {len(violations)}")
    for violation in violations:
        print("  " + violation)
