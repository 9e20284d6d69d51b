"""Where a process spends its CPU while a benchmark runs: py-spy samples it, this prints the summary.

    with sampled(pid) as report:   # pid: the server process, or os.getpid() for an embedded benchmark
        ...work...
    print(report.text())

py-spy (``pip install py-spy``) attaches to the running process and samples its stacks (idle threads, such as an
event loop waiting in epoll, are left out), so greenlets, threads and the engine loop are all seen as they are
and the process runs at nearly full speed.  The summary has two tables: functions by *self* samples (where the
CPU actually is) and by *inclusive* samples (what a call costs with everything below it).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

_FRAME = re.compile(r"^(?P<name>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("--profile needs py-spy: pip install py-spy")
    return found


def _where(frame: str) -> str:
    """``name (path/to/module.py:12)`` → ``name (module.py)``: one entry per function, not per line."""
    match = _FRAME.match(frame.strip())
    if match is None:
        return frame.strip()
    file = match.group("file")
    file = "quietus/" + file.rsplit("quietus/", 1)[1] if "quietus/" in file else os.path.basename(file)
    return f"{match.group('name')} ({file})"


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (field 3, the state, first)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process (all its threads) has used so far (from /proc)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU used so far by ``pid`` and its children: its own, its ended children's (reaped: cutime + cstime) and its
    live children's -- a PostgreSQL postmaster with its backends, one process a connection."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except OSError:
            continue  # ended meanwhile
        if int(entry.name) == pid:
            ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        elif int(fields[1]) == pid:  # a child (its ppid)
            ticks += sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


IDLE = {"EpollSelector.select (selectors.py)"}  # the event loop waiting for the network: not work


class Report:
    def __init__(self) -> None:
        self.total = 0
        self.own: Counter[str] = Counter()
        self.inclusive: Counter[str] = Counter()

    def read(self, path: Path) -> None:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            n = int(count)
            frames = [_where(f) for f in stack.split(";")]
            if frames and frames[0].startswith(("process ", "thread ")):
                frames = frames[1:]
            frames = [f for f in frames if not f.startswith(("process ", "thread "))]
            if not frames or frames[-1] in IDLE:
                continue
            self.total += n
            self.own[frames[-1]] += n
            for frame in set(frames):
                self.inclusive[frame] += n

    def text(self, top: int = 25) -> str:
        if not self.total:
            return "no samples (was the process busy?)"
        lines = [f"{self.total} busy samples (the loop's epoll wait left out); self = the function itself, "
                 "incl = with what it calls"]
        lines.append(f"{'self %':>7}  function (by self samples)")
        for name, n in self.own.most_common(top):
            lines.append(f"{100 * n / self.total:7.1f}  {name}")
        lines.append(f"{'incl %':>7}  function (by inclusive samples, quietus and asyncio only)")
        shown = [(k, v) for k, v in self.inclusive.most_common() if "quietus/" in k or "asyncio" in k]
        for name, n in shown[:top]:
            lines.append(f"{100 * n / self.total:7.1f}  {name}")
        return "\n".join(lines)


@contextlib.contextmanager
def sampled(pid: int, rate: int = 500) -> Iterator[Report]:
    """Sample ``pid`` with py-spy for the duration of the block; the report is filled when the block ends."""
    report = Report()
    with tempfile.TemporaryDirectory(prefix="quietus-profile-") as tmp:
        out = Path(tmp) / "stacks.txt"
        command = [py_spy(), "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate)]
        command += ["--nonblocking", "--output", str(out)]
        spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            yield report
        finally:
            spy.send_signal(signal.SIGINT)
            _out, err = spy.communicate(timeout=60)
            if out.exists():
                report.read(out)
            elif err:
                print(f"py-spy: {err.decode(errors='replace').strip()}", file=sys.stderr)
